"""Downloads for the accounts and the funder (issue 14 item 5): bookings, payments, grants list.

Each file is read back as the accounts would open it: the CSV with the csv module as German
spreadsheet software reads it (";" and UTF-8 with BOM), the XLSX with openpyxl.
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import event

from juryfund.domain.budget import EntryKind
from juryfund.domain.spreadsheet import german_date, german_decimal
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.services import books, exports, ledger, setup
from juryfund.web.spreadsheets import Column, write_xlsx, xlsx_text
from tests.fixtures import Spec, ready_application

pytestmark = pytest.mark.ledger

HYPERLINK = '=HYPERLINK("http://evil.example/","Klick")'
MUELLER = "Müller-Straße e.V."


@pytest.fixture
def year_books(decide, fund, staff):
    """This year's books: an association's grant (1.234,56 €, half paid), a private person's,
    an initiative's grant cancelled before any payout, and a cut of the budget."""
    association, person, cancelled = decide(
        [
            Spec(
                title=HYPERLINK,
                requested=150_000,
                approved=123_456,
                kind="association",
                name="Jörg Übermut",
                organisation=MUELLER,
                address="Müllerstraße 12\n13353 Berlin",
            ),
            Spec(title="Hoffest", requested=20_000, kind="person", name="Ayşe Yılmaz"),
            Spec(title="Lesecafé", requested=30_000, kind="initiative", organisation="Lesekreis"),
        ]
    )
    books.record_payment(
        association, amount_cents=61_728, payment_type="advance", note="", actor=staff.actor
    )
    books.cancel(cancelled, reason="Die Initiative hat sich aufgelöst.", actor=staff.actor)
    books.record_adjustment(fund.years[0], amount_cents=-5_000, reason="Kürzung", actor=staff.actor)
    db.session.commit()
    return fund.years[0], association, person, cancelled


def _csv(response) -> list[list[str]]:
    """A CSV download read as German Excel reads it."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/csv"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, or Excel garbles the umlauts"
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))


def _xlsx(response):
    """An XLSX download's only sheet."""
    assert response.status_code == 200, response.status_code
    assert response.mimetype.endswith("spreadsheetml.sheet")
    workbook = load_workbook(io.BytesIO(response.get_data()))
    [sheet] = workbook.worksheets
    return sheet


def _records(rows: list[list]) -> list[dict]:
    """Rows keyed by the heading."""
    heading, *rest = rows
    return [dict(zip(heading, row, strict=True)) for row in rest]


def _today() -> str:
    return german_date(clock.today_in("Europe/Berlin"))


# --- the CSV -------------------------------------------------------------------------------------


def test_bookings_csv_reads_back_in_german_spreadsheet_settings(client, login, staff, year_books):
    fund_year, association, person, cancelled = year_books
    login(staff)
    rows = _csv(client.get(f"/staff/fund-years/{fund_year.id}/bookings.csv"))
    records = _records(rows)
    # Staff pages are German: the headings are the German accounts' words.
    assert rows[0][:3] == ["Buchungsnr.", "Buchungsdatum", "Buchungsart"]
    assert rows[0][-1] == "Betrag (EUR)"
    kinds = [(r["Buchungsart"], r["Antrag"], r["Betrag (EUR)"]) for r in records]
    assert kinds == [
        ("Mittelzuweisung", "", "10.000,00"),
        ("Mittelbindung (Bewilligung)", association.reference, "1.234,56"),
        ("Mittelbindung (Bewilligung)", person.reference, "200,00"),
        ("Mittelbindung (Bewilligung)", cancelled.reference, "300,00"),
        ("Auszahlung", association.reference, "617,28"),
        # The cancellation is a booking of its own, not a changed commitment.
        ("Freigabe", cancelled.reference, "300,00"),
        ("Anpassung", "", "-50,00"),
    ]
    assert {r["Buchungsdatum"] for r in records} == {_today()}
    grant = records[1]
    assert grant["Antragsteller*in"] == MUELLER
    # The resident's title is text: a spreadsheet does not run it.
    assert grant["Projekt"] == "'" + HYPERLINK
    assert records[4]["Art der Auszahlung"].startswith("Vorschuss")
    assert records[6]["Hinweis"] == "Kürzung"
    assert all(len(row) == len(rows[0]) for row in rows)


def test_payments_csv_lists_payouts_and_refunds_only(client, login, staff, year_books):
    fund_year, association, person, cancelled = year_books
    books.record_refund(association, amount_cents=1_000, note="", actor=staff.actor)
    db.session.commit()
    login(staff)
    records = _records(_csv(client.get(f"/staff/fund-years/{fund_year.id}/payments.csv")))
    assert [
        (r["Antrag"], r["Antragsteller*in"], r["Ausgezahlt (EUR)"], r["Zurückgezahlt (EUR)"])
        for r in records
    ] == [
        (association.reference, MUELLER, "617,28", "0,00"),
        (association.reference, MUELLER, "0,00", "10,00"),
    ]


def test_xlsx_text_cells_drop_control_characters_and_formulas():
    assert xlsx_text("Hof\x0bfest\x00") == "Hoffest"
    assert xlsx_text("\x01=1+1") == "'=1+1"
    assert xlsx_text("Zeile 1\nZeile 2") == "Zeile 1\nZeile 2"


def test_xlsx_written_with_a_formula_text_keeps_it_a_string(tmp_path, app):
    path = tmp_path / "list.xlsx"
    with path.open("wb") as target:
        write_xlsx(
            target,
            "Liste",
            (Column("a", "=Kopf"), Column("b", "Betrag", "money_cents")),
            [{"a": "=1+1", "b": 123_456}, {"a": "@SUM(A1)", "b": None}],
        )
    sheet = load_workbook(path).active
    assert [[(c.value, c.data_type) for c in row] for row in sheet.iter_rows()] == [
        [("'=Kopf", "s"), ("Betrag", "s")],
        [("'=1+1", "s"), (1234.56, "n")],
        [("'@SUM(A1)", "s"), (None, "n")],
    ]


def test_german_number_and_date_cells():
    assert german_decimal(123_456) == "1.234,56"
    assert german_decimal(-5) == "-0,05"
    assert german_decimal(100_000_000) == "1.000.000,00"
    assert german_decimal(7) == "0,07"
    assert german_date(date(2026, 3, 1)) == "01.03.2026"
    with pytest.raises(TypeError):
        german_decimal(12.5)  # type: ignore[arg-type]


# --- the XLSX ------------------------------------------------------------------------------------


def test_bookings_xlsx_has_numbers_dates_umlauts_and_no_formulas(client, login, staff, year_books):
    fund_year, association, _person, _cancelled = year_books
    login(staff)
    sheet = _xlsx(client.get(f"/staff/fund-years/{fund_year.id}/bookings.xlsx"))
    rows = list(sheet.iter_rows())
    heading = [cell.value for cell in rows[0]]
    assert heading[1] == "Buchungsdatum" and heading[-1] == "Betrag (EUR)"
    assert all(cell.data_type != "f" for row in rows for cell in row)
    grant = {heading[i]: cell for i, cell in enumerate(rows[2])}
    assert grant["Antrag"].value == association.reference
    assert grant["Antragsteller*in"].value == MUELLER
    # The formula-like title is a string cell; opened in Excel it shows, it does not run.
    assert grant["Projekt"].data_type == "s"
    assert grant["Projekt"].value == "'" + HYPERLINK
    amount = grant["Betrag (EUR)"]
    assert amount.data_type == "n" and amount.value == pytest.approx(1234.56)
    assert "€" in amount.number_format
    day = grant["Buchungsdatum"]
    assert isinstance(day.value, datetime)
    assert german_date(day.value.date()) == _today()
    assert day.number_format == "DD.MM.YYYY"
    assert {heading[i]: c.value for i, c in enumerate(rows[-1])}["Betrag (EUR)"] == -50


# --- the grants list (§ 44 LHO) ------------------------------------------------------------------


def test_grants_list_names_organisations_of_that_year_only(
    client, login, staff, area, fund, year_books
):
    fund_year, association, person, cancelled = year_books
    # A grant to an organisation committed in next year's money: not in this year's list.
    following = setup.open_fund_year(
        fund, year=fund_year.year + 1, allocation_cents=100_000, actor=staff.actor
    )
    later = ready_application(
        area, fund, Spec(title="Adventsmarkt", kind="association", organisation="Kiezverein")
    )
    ledger.book(following, EntryKind.COMMITMENT, 20_000, application=later, actor=staff.actor)
    db.session.commit()
    login(staff)

    records = _records(_csv(client.get(f"/staff/fund-years/{fund_year.id}/grants.csv")))
    # The person is not listed (private), the cancelled grant is 0 € and drops out.
    assert [r["Zuwendungsempfänger"] for r in records] == [MUELLER]
    [mueller] = records
    assert mueller["Anschrift"] == "Müllerstraße 12, 13353 Berlin"
    assert mueller["Zweck"] == "'" + HYPERLINK
    assert mueller["Betrag (EUR)"] == "1.234,56"
    assert mueller["Jahr"] == str(fund_year.year)
    assert mueller["Antrag"] == association.reference
    assert "Ayşe Yılmaz" not in str(records) and "Jörg Übermut" not in str(records)
    next_records = _records(_csv(client.get(f"/staff/fund-years/{following.id}/grants.csv")))
    assert [(r["Zuwendungsempfänger"], r["Betrag (EUR)"], r["Jahr"]) for r in next_records] == [
        ("Kiezverein", "200,00", str(following.year))
    ]

    sheet = _xlsx(client.get(f"/staff/fund-years/{fund_year.id}/grants.xlsx"))
    rows = list(sheet.iter_rows(values_only=True))
    heading = rows[0]
    assert heading[:5] == ("Zuwendungsempfänger", "Anschrift", "Zweck", "Betrag (EUR)", "Jahr")
    assert [row[0] for row in rows[1:]] == [MUELLER]
    assert rows[1][3] == pytest.approx(1234.56) and rows[1][4] == fund_year.year
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


# --- who may download, and what it costs ---------------------------------------------------------


@pytest.mark.parametrize("kind", ["bookings", "payments", "grants"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_other_areas_staff_are_refused(client, login, make, year_books, kind, fmt):
    fund_year = year_books[0]
    stranger = make.staff(areas=[make.area(name="Sprengelkiez")])
    login(stranger)
    response = client.get(f"/staff/fund-years/{fund_year.id}/{kind}.{fmt}")
    assert response.status_code == 403
    assert MUELLER.encode() not in response.get_data()


def test_anonymous_visitors_are_sent_to_the_login(client, year_books):
    response = client.get(f"/staff/fund-years/{year_books[0].id}/bookings.csv")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def _statements(app, fn) -> int:
    """How many SQL statements run while fn runs."""
    seen: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return len(seen)


@pytest.mark.parametrize("kind", ["bookings", "payments", "grants"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_query_count_does_not_grow_with_the_rows(
    app, client, login, staff, year_books, decide, kind, fmt
):
    fund_year, association, *_ = year_books
    login(staff)
    url = f"/staff/fund-years/{fund_year.id}/{kind}.{fmt}"

    def download():
        response = client.get(url)
        response.get_data()  # a streamed body runs its queries while it is read
        assert response.status_code == 200

    download()  # the first request of a process fills caches that later ones do not need
    before = _statements(app, download)
    more = decide(
        [
            Spec(title=f"Aktion {i}", kind="association", organisation=f"Verein {i}")
            for i in range(4)
        ]
    )
    for application in more:
        books.record_payment(
            application, amount_cents=10_000, payment_type="advance", note="", actor=staff.actor
        )
    db.session.commit()
    after = _statements(app, download)
    assert after == before
    assert after <= 12


def test_fund_year_page_links_the_downloads(client, login, staff, year_books):
    fund_year = year_books[0]
    login(staff)
    html = client.get(f"/staff/fund-years/{fund_year.id}").get_data(as_text=True)
    for kind in ("bookings", "payments", "grants"):
        for fmt in ("csv", "xlsx"):
            assert f"/staff/fund-years/{fund_year.id}/{kind}.{fmt}" in html
    assert "Grants list § 44 LHO" not in html  # translated on the German page
    assert "§ 44 LHO" in html


def test_moment_is_the_areas_calendar_day(client, login, staff, year_books, clock_at):
    # A booking at 23:30 UTC on 31 December is on 1 January in Berlin.
    fund_year = year_books[0]
    clock_at(datetime(fund_year.year, 12, 31, 23, 30, tzinfo=UTC))
    books.record_adjustment(fund_year, amount_cents=1_000, reason="Nachtrag", actor=staff.actor)
    db.session.commit()
    login(staff)
    records = _records(_csv(client.get(f"/staff/fund-years/{fund_year.id}/bookings.csv")))
    assert records[-1]["Hinweis"] == "Nachtrag"
    assert records[-1]["Buchungsdatum"] == f"01.01.{fund_year.year + 1}"


def test_grants_list_leaves_out_the_home_address_of_an_initiatives_contact(
    staff, area, fund, decide
):
    """The form's address is the contact person's; only an association's is its own seat."""
    [initiative] = decide(
        [
            Spec(
                title="Nachbarschaftsgarten",
                requested=40_000,
                kind="initiative",
                name="Ayşe Yılmaz",
                organisation="Gartengruppe Soldiner",
                address="Musterstraße 1\n13359 Berlin",
            )
        ]
    )
    db.session.commit()
    [row] = list(exports.iter_grants(fund.years[0]))
    assert (row["recipient"], row["address"]) == ("Gartengruppe Soldiner", "")
    assert initiative.reference == row["reference"]
