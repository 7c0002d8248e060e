"""Money that moves after its fund year closed (issue 11 item 4, DESIGN.md §5).

While a commitment's year is open, everything about it is booked there; once it is closed, its
figures are final and money that comes back goes to today's open year, as a return (funds that
carry over) or a return that lapses at once (funds that don't).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from juryfund.domain.errors import BookingRefused, DomainError
from juryfund.domain.states import State
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Decision, FundYear, LedgerEntry, ProofOfUse
from juryfund.services import books, decisions, exports, ledger, proofs, setup
from juryfund.services.proofs import ReceiptLine
from tests.fixtures import cut

pytestmark = pytest.mark.ledger


def _year(fund, year: int) -> FundYear:
    return db.session.scalar(
        select(FundYear).where(FundYear.fund_id == fund.id, FundYear.year == year)
    )


def _entries(fund_year: FundYear) -> list[tuple[str, int, str | None]]:
    return [
        (e.kind, e.amount_cents, e.origin)
        for e in db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.fund_year_id == fund_year.id)
            .order_by(LedgerEntry.id)
        )
    ]


@pytest.fixture
def next_january(approved, fund, staff, clock_at):
    """Move the clock to 10 January of next year, with that year opened (10,000 €)."""
    this = _year(fund, clock.area_today(fund.area).year)
    clock_at(datetime(this.year + 1, 1, 10, 12, tzinfo=UTC))
    following = setup.open_fund_year(
        fund, year=this.year + 1, allocation_cents=1_000_000, actor=staff.actor
    )
    db.session.commit()
    return this, following


def _other_fund(area, jury, kind: str, name: str):
    """A second fund of the area, decided by the same jury, with no year yet."""
    return setup.save_fund(
        None,
        area,
        kind=kind,
        name=name,
        body=jury,
        cap_cents=150_000,
        minimum_cents=0,
        lead_time_days=14,
        eligible_categories=["material"],
        carry_over=False,
        proof_weeks=4,
    )


def _close(fund_year, staff, *, carry_over: bool):
    fund_year.fund.carry_over = carry_over
    books.close_year(fund_year, actor=staff.actor)
    db.session.commit()


def test_correction_in_january_is_booked_in_the_open_year_of_the_commitment(
    approved, next_january, staff
):
    this, following = next_january
    cut(approved, 30000, staff)
    assert ledger.balances_of(this.id).committed == 30000  # was 40000
    assert ledger.balances_of(following.id).committed == 0  # never negative
    assert ledger.balances_of(following.id).available == 1_000_000
    assert ledger.account_of(approved.id).committed == 30000


@pytest.mark.parametrize("carry_over", [True, False])
def test_correction_after_close_returns_money_to_the_open_year(
    approved, next_january, staff, carry_over
):
    this, following = next_january
    _close(this, staff, carry_over=carry_over)
    before = ledger.balances_of(this.id)
    cut(approved, 30000, staff)
    assert ledger.balances_of(this.id) == before  # a closed year's figures are final
    after = ledger.balances_of(following.id)
    assert after.committed == 0
    assert after.returned == 10000
    assert after.available == 1_000_000 + (10000 if carry_over else 0) + (
        before.carried_out if carry_over else 0
    )
    assert after.lapsed == (0 if carry_over else 10000)
    assert ledger.account_of(approved.id).committed == 30000


def test_raising_an_amount_after_close_is_refused(approved, next_january, staff):
    this, _following = next_january
    _close(this, staff, carry_over=False)
    decision = decisions.current_decision(approved)
    with pytest.raises(DomainError) as caught:
        decisions.correct_decision(
            decision,
            amount_cents=45000,
            conditions="",
            reason="mehr",
            reasons="Weniger Mittel als beantragt verfügbar.",
            actor=staff.actor,
        )
    assert caught.value.reason == "decision.year_closed"


def _settle(application, staff, proven: int):
    proof = proofs.proof_for(application)
    # The day the application came in (in the area): within the year that holds the commitment,
    # also when the clock was moved on to next January.
    when = clock.local_day(application.submitted_at, application.area.timezone)
    proofs.save(
        proof, report="Es war schön.", receipts=[ReceiptLine(when, "Baumarkt", "Erde", proven)]
    )
    proofs.submit(proof)
    db.session.commit()
    proof = db.session.scalar(select(ProofOfUse).where(ProofOfUse.application_id == application.id))
    return proofs.accept(proof, actor=staff.actor)


@pytest.mark.parametrize("carry_over", [True, False])
def test_settling_after_close_puts_the_unspent_part_into_the_open_year(
    approved, next_january, staff, carry_over
):
    this, following = next_january
    _close(this, staff, carry_over=carry_over)
    before = ledger.balances_of(this.id)
    released = _settle(approved, staff, 25000)
    db.session.commit()
    assert released == 15000
    assert ledger.balances_of(this.id) == before
    assert _entries(following)[-2:] == (
        [("payment", 25000, None), ("return", 15000, "release")]
        if carry_over
        else [("return", 15000, "release"), ("lapse", 15000, None)]
    )
    account = ledger.account_of(approved.id)
    assert (account.committed, account.paid) == (25000, 25000)


def test_refund_after_settlement_releases_the_money(approved, staff):
    books.record_payment(
        approved, amount_cents=40000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()
    _settle(approved, staff, 40000)
    db.session.commit()
    assert approved.state == State.SETTLED
    fund_year = ledger.fund_year_of(approved)
    before = ledger.balances_of(fund_year.id)
    books.record_refund(approved, amount_cents=5000, note="Rückzahlung", actor=staff.actor)
    db.session.commit()
    after = ledger.balances_of(fund_year.id)
    assert after.committed == before.committed - 5000
    assert after.paid == before.paid - 5000
    assert after.available == before.available + 5000
    account = ledger.account_of(approved.id)
    assert (account.committed, account.paid) == (35000, 35000)


def test_refund_after_close_leaves_the_project_and_the_closed_year(approved, next_january, staff):
    this, following = next_january
    books.record_payment(
        approved, amount_cents=40000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()
    _close(this, staff, carry_over=True)
    before = ledger.balances_of(this.id)
    books.record_refund(approved, amount_cents=8000, note="zurück", actor=staff.actor)
    db.session.commit()
    assert ledger.balances_of(this.id) == before
    assert _entries(following)[-1] == ("return", 8000, "refund")
    account = ledger.account_of(approved.id)
    assert (account.committed, account.paid) == (32000, 32000)
    assert ledger.balances_of(following.id).paid == 0  # a refund never shows as negative pay


@pytest.mark.parametrize("carry_over", [True, False])
def test_payments_export_lists_money_paid_back_after_the_year_closed(
    approved, next_january, staff, carry_over
):
    """The applicant got a 400 € advance in December and transfers 80 € back in January, after
    the old year was closed. The new year's payments list, which the QM team reconciles with the
    bank statement, shows the 80 € coming in (it is booked as a return, not a refund)."""
    this, following = next_january
    books.record_payment(
        approved, amount_cents=40000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()
    _close(this, staff, carry_over=carry_over)
    books.record_refund(approved, amount_cents=8000, note="Rückzahlung", actor=staff.actor)
    db.session.commit()
    rows = list(exports.iter_payments(following))
    assert [(r["reference"], r["paid_out_cents"], r["paid_back_cents"]) for r in rows] == [
        (approved.reference, 0, 8000)
    ]
    # The closed year's list stays as it was: the advance, and nothing paid back.
    assert [(r["paid_out_cents"], r["paid_back_cents"]) for r in exports.iter_payments(this)] == [
        (40000, 0)
    ]


def test_payments_export_of_the_new_year_nets_to_the_cash_moved_in_it(
    client, login, approved, next_january, staff
):
    """300 € paid out in January (the old year closed, so from the new year) and 100 € paid
    back in January: the new year's payments download nets to 200 €, like the bank account."""
    this, following = next_january
    _close(this, staff, carry_over=True)
    books.record_payment(
        approved, amount_cents=30000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()
    books.record_refund(approved, amount_cents=10000, note="zurück", actor=staff.actor)
    db.session.commit()
    login(staff)
    body = client.get(f"/staff/fund-years/{following.id}/payments.csv").get_data()
    heading, *rows = csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";")
    records = [dict(zip(heading, row, strict=True)) for row in rows]
    assert [(r["Ausgezahlt (EUR)"], r["Zurückgezahlt (EUR)"]) for r in records] == [
        ("300,00", "0,00"),
        ("0,00", "100,00"),
    ]


def test_payment_after_close_is_paid_from_the_open_year(approved, next_january, staff):
    this, following = next_january
    _close(this, staff, carry_over=False)
    before = ledger.balances_of(this.id)
    books.record_payment(
        approved, amount_cents=10000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()
    assert ledger.balances_of(this.id) == before
    assert ledger.balances_of(following.id).paid == 10000
    assert ledger.balances_of(following.id).available == 1_000_000


def test_closed_year_shows_allocated_committed_paid_and_lapsed(
    client, approved, next_january, staff, login
):
    this, _following = next_january
    _close(this, staff, carry_over=False)
    login(staff)
    html = client.get(f"/staff/fund-years/{this.id}").get_data(as_text=True)
    assert "Verfallen" in html or "Lapsed" in html
    assert "9.600,00" in html  # 10,000 € allocated - 400 € committed lapsed


def test_money_is_conserved_over_all_years(approved, next_january, staff):
    this, following = next_january
    _close(this, staff, carry_over=True)
    cut(approved, 35000, staff)
    years = db.session.scalars(select(FundYear).where(FundYear.fund_id == approved.fund_id)).all()
    totals = {fy.id: ledger.balances_of(fy.id) for fy in years}
    allocated = db.session.scalar(
        text(
            "SELECT SUM(amount_cents) FROM ledger_entry WHERE kind IN ('allocation', 'adjustment')"
        )
    )
    committed_to_projects = ledger.account_of(approved.id).committed
    assert allocated == sum(b.available + b.lapsed for b in totals.values()) + committed_to_projects


def test_books_and_decisions_are_append_only_in_the_database(approved):
    for statement in (
        "UPDATE ledger_entry SET amount_cents = amount_cents * 2",
        "DELETE FROM ledger_entry",
        "UPDATE decision SET approved_cents = 150000",
        "DELETE FROM decision",
    ):
        with pytest.raises(DatabaseError):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(select(Decision.approved_cents)) == 40000


def test_a_closed_year_refuses_bookings_in_the_database(approved, fund, next_january, staff):
    this, _following = next_january
    _close(this, staff, carry_over=False)
    with pytest.raises(DatabaseError):
        db.session.execute(
            text(
                "INSERT INTO ledger_entry (fund_year_id, kind, amount_cents, note, at) "
                "VALUES (:fy, 'allocation', 100, '', CURRENT_TIMESTAMP)"
            ),
            {"fy": this.id},
        )
    db.session.rollback()
    with pytest.raises(DatabaseError):
        db.session.execute(
            text("UPDATE fund_year SET closed_at = NULL WHERE id = :fy"), {"fy": this.id}
        )
    db.session.rollback()
    with pytest.raises(BookingRefused):
        books.record_adjustment(
            _year(fund, this.year), amount_cents=100, reason="spät", actor=staff.actor
        )


def test_public_budget_and_api_show_a_closed_year_without_available(
    client, approved, next_january, staff
):
    this, _following = next_january
    _close(this, staff, carry_over=True)
    slug = approved.area.slug
    html = client.get(
        f"/{slug}/budget?year={this.year}", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    row = html[html.index("<tbody>") : html.index("</tbody>")]
    assert 'data-series="lapsed_or_carried">€9,600.00' in row
    assert "not applicable" in row  # the available cell of a closed year
    data = client.get(f"/api/v1/areas/{slug}/budget?year={this.year}").get_json()
    [line] = data["funds"]
    assert (line["closed"], line["available_cents"], line["carried_out_cents"]) == (
        True,
        None,
        960_000,
    )
    assert line["allocated_cents"] == 1_000_000


def _three_years(fund, staff, clock_at) -> tuple[FundYear, FundYear, FundYear]:
    """A carry-over fund with 10,000 € this year and 5,000 € in each of the next two, the clock
    on 10 January of the third: the first two years are over and still open."""
    fund.carry_over = True
    first = _year(fund, clock.area_today(fund.area).year)
    second = setup.open_fund_year(
        fund, year=first.year + 1, allocation_cents=500_000, actor=staff.actor
    )
    db.session.commit()
    clock_at(datetime(first.year + 2, 1, 10, 12, tzinfo=UTC))
    third = setup.open_fund_year(
        fund, year=first.year + 2, allocation_cents=500_000, actor=staff.actor
    )
    db.session.commit()
    return first, second, third


def test_a_fund_closes_its_years_in_order(fund, staff, clock_at):
    """In January the QM team closes last year while the year before was kept open for a late
    invoice. The close is refused and names the earlier year: closed first, the later year
    would refuse the earlier year's carry-in and strand its rest in the past for ever. Closed
    in order, each year carries its rest forward exactly once."""
    first, second, third = _three_years(fund, staff, clock_at)
    with pytest.raises(DomainError) as caught:
        books.close_year(second, actor=staff.actor)
    assert caught.value.reason == "books.earlier_year_open"
    assert caught.value.params["earlier"] == first.year
    db.session.rollback()
    assert _year(fund, second.year).closed_at is None

    books.close_year(first, actor=staff.actor)
    db.session.commit()
    books.close_year(second, actor=staff.actor)
    db.session.commit()
    # Nothing was spent: the open year holds its own 5,000 € plus the 10,000 € and 5,000 € the
    # two closed years carried forward.
    assert ledger.balances_of(third.id).available == 500_000 + 1_000_000 + 500_000


def test_the_database_closes_a_fund_s_years_in_order(fund, staff, clock_at):
    """A script or console that skips the service cannot close a year before an earlier one
    either (a trigger, on SQLite and PostgreSQL); closing in order is let through."""
    first, second, _third = _three_years(fund, staff, clock_at)
    for year in (first, second):  # their rests lapse, as the service books them first
        rest = ledger.balances_of(year.id).available
        ledger.book(year, "lapse", rest, note=str(year.year), actor=staff.actor)
    db.session.commit()
    with pytest.raises(DatabaseError, match="closes only after"):
        db.session.execute(
            text("UPDATE fund_year SET closed_at = :at WHERE id = :fy"),
            {"at": datetime.now(UTC), "fy": second.id},
        )
        db.session.flush()
    db.session.rollback()
    for year in (first, second):
        db.session.execute(
            text("UPDATE fund_year SET closed_at = :at WHERE id = :fy"),
            {"at": datetime.now(UTC), "fy": year.id},
        )
    db.session.commit()


def test_the_database_opens_no_year_before_a_closed_one(next_january, fund, staff):
    """A script or console that skips the service cannot make a year before a closed year of
    the fund either (a trigger, on SQLite and PostgreSQL); a year after it is let through."""
    this, following = next_january
    _close(this, staff, carry_over=True)
    with pytest.raises(DatabaseError, match="never opens before a closed year"):
        db.session.add(FundYear(fund_id=fund.id, year=this.year - 1))
        db.session.flush()
    db.session.rollback()
    db.session.add(FundYear(fund_id=fund.id, year=following.year + 1))
    db.session.commit()


def test_close_button_says_which_earlier_year_to_close_first(
    client, login, post_form, fund, staff, clock_at
):
    """Pressing "close" on last year's ledger page while the year before is open shows why it
    is refused, naming the year to close first, and leaves the year open."""
    first, second, _third = _three_years(fund, staff, clock_at)
    login(staff)
    response = post_form(
        f"/staff/fund-years/{second.id}/close",
        {"close-confirm": "y"},
        page=f"/staff/fund-years/{second.id}",
    )
    html = response.get_data(as_text=True)
    summary = html[html.index('class="error-summary"') :]
    summary = summary[: summary.index("</div>")]
    assert str(first.year) in summary
    db.session.expire_all()
    assert _year(fund, second.year).closed_at is None


def test_close_year_command_says_which_earlier_year_to_close_first(runner, fund, staff, clock_at):
    """`flask juryfund close-year` for last year while the year before is open fails, says in
    words which year to close first and closes nothing."""
    first, second, _third = _three_years(fund, staff, clock_at)
    result = runner.invoke(args=["juryfund", "close-year", str(second.year)])
    assert result.exit_code != 0
    assert f"close {first.year} first" in result.output
    assert "books.earlier_year_open" not in result.output
    db.session.expire_all()
    assert _year(fund, second.year).closed_at is None


def test_a_year_before_a_closed_year_cannot_be_opened(
    next_january, fund, staff, client, login, post_form
):
    """Once a year is closed (its rest carried into the next), a year before it opened by a
    slip in the year field would hold money that could never be carried or closed, and no later
    year of the fund could close (years close in order). Refused next to the year, in the
    service and on the staff form, with what was typed kept."""
    this, _following = next_january
    _close(this, staff, carry_over=True)
    with pytest.raises(DomainError) as refused:
        setup.open_fund_year(fund, year=this.year - 1, allocation_cents=500_000, actor=staff.actor)
    assert (refused.value.reason, refused.value.params["closed"]) == (
        "fund_year.before_closed",
        this.year,
    )
    db.session.rollback()

    login(staff)
    response = post_form(
        f"/staff/funds/{fund.id}/years/new",
        {"year": str(this.year - 1), "allocation": "5000.00"},
        headers={"Accept-Language": "en"},
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="year-error"' in html
    assert f"The fund year {this.year} is already closed" in html
    assert 'value="5000.00"' in html
    assert _year(fund, this.year - 1) is None or not ledger.has_allocation(
        _year(fund, this.year - 1).id
    )


def test_close_year_keeps_each_funds_close_and_reports_only_what_it_kept(
    runner, area, fund, jury, staff, clock_at
):
    """`flask juryfund close-year` over two funds where one must close an earlier year first:
    the other fund's close is kept (and reported), the refused one is named with its reason,
    and the command fails. It used to report the first close and then roll it back."""
    year = clock.area_today(area).year
    other = _other_fund(area, jury, "neighbourhood_fund", "Quartiersfonds")
    setup.open_fund_year(other, year=year - 1, allocation_cents=500_000, actor=staff.actor)
    setup.open_fund_year(other, year=year, allocation_cents=500_000, actor=staff.actor)
    db.session.commit()
    other_id = other.id
    clock_at(datetime(year + 1, 1, 10, 12, tzinfo=UTC))

    result = runner.invoke(args=["juryfund", "close-year", str(year)])
    assert result.exit_code == 1
    assert f"{fund.name} {year}: closed" in result.output
    assert f"Quartiersfonds {year}:" in result.output and "not closed" in result.output
    db.session.expire_all()
    assert _year(fund, year).closed_at is not None  # kept, as reported
    assert (
        db.session.scalar(
            select(FundYear.closed_at).where(FundYear.fund_id == other_id, FundYear.year == year)
        )
        is None
    )


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE fund_year SET year = year + 10 WHERE id = :fy",
        "UPDATE fund_year SET fund_id = :other WHERE id = :fy",
        "UPDATE fund_year SET period_end = '2099-12-31' WHERE id = :fy",
    ],
    ids=["year", "fund", "period"],
)
def test_the_database_keeps_a_closed_year_where_it_is(next_january, area, jury, staff, statement):
    """A closed year's bookings take their year and fund from its row: a script rewriting the
    row would move the year's final figures into another year or fund, and its funding period
    is final too. A trigger refuses it on both databases; an open year's period may be set."""
    this, following = next_january
    _close(this, staff, carry_over=False)
    other = _other_fund(area, jury, "action_fund", "Zweiter Fonds")
    db.session.commit()
    with pytest.raises(DatabaseError, match="keeps its fund and year"):
        db.session.execute(text(statement), {"fy": this.id, "other": other.id})
        db.session.flush()
    db.session.rollback()
    db.session.execute(
        text("UPDATE fund_year SET period_end = '2099-12-31' WHERE id = :fy"), {"fy": following.id}
    )
    db.session.commit()


def test_the_database_closes_a_year_only_with_its_rest_booked(next_january, staff):
    """Closing a year by hand (a script, a console) with money still available would leave the
    rest neither lapsed nor carried, and shown nowhere: a trigger refuses it on both databases;
    with the rest booked as lapsed, the close goes through."""
    this, _following = next_january
    rest = ledger.balances_of(this.id).available
    assert rest > 0
    close = text("UPDATE fund_year SET closed_at = CURRENT_TIMESTAMP WHERE id = :fy")
    with pytest.raises(DatabaseError, match="rest is booked as lapsed or carried over"):
        db.session.execute(close, {"fy": this.id})
        db.session.flush()
    db.session.rollback()
    ledger.book(this, "lapse", rest, note=str(this.year), actor=staff.actor)
    db.session.execute(close, {"fy": this.id})
    db.session.commit()
    assert db.session.get(FundYear, this.id).closed_at is not None
