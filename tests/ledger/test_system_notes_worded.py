"""Notes the product writes itself are worded in the reader's language, never shown as codes.

The product notes the allocation of a year, the bookings that settle a proof of use (and the
flat allowance paid with them) and the deferral of an application without quorum. A booking or
a history line is never changed once written, and German staff, an English-speaking colleague
and a Turkish applicant read the same line: so the note is stored as a code and worded when it
is shown, on the fund year page, in the bookings downloads and in the history. Notes stored
before, as English words ("allocation", "settlement", "no quorum"), are worded the same way;
what staff typed stays as typed.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from juryfund.domain.budget import EntryKind
from juryfund.extensions import db
from juryfund.models import FundYear
from juryfund.services import ledger
from tests.fixtures import Spec
from tests.intake.conftest import last_mail, status_link
from tests.office_steps import DE, post, settle_partly_spent

pytestmark = pytest.mark.ledger

EN = {"Accept-Language": "en"}


def _notes(html: str) -> list[str]:
    """The note cells of the fund year page's bookings table (without the actor's name;
    spaces, no-break ones too, as one space)."""
    table = re.search(r"<tbody>.*?</tbody>", html, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    cells = [re.findall(r'<td class="text">(.*?)</td>', row, re.S)[3] for row in rows]
    return [
        re.sub(r"\s+", " ", re.sub(r"<span class=\"muted\">.*?</span>|<[^>]+>", "", c)).strip()
        for c in cells
    ]


def _csv_notes(client, year: FundYear, kind: str = "bookings", headers=DE) -> list[str]:
    """The note column ("Hinweis", "Note") of a fund year's CSV download."""
    csv = client.get(f"/staff/fund-years/{year.id}/{kind}.csv", headers=headers)
    lines = csv.get_data(as_text=True).lstrip("\ufeff").splitlines()
    headings = lines[0].split(";")
    column = headings.index("Hinweis" if "Hinweis" in headings else "Note")
    return [line.split(";")[column] for line in lines[1:]]


def test_fund_year_page_and_bookings_csv_show_no_english_code_notes(
    client, login, staff, area, decide
):
    """Staff open the year with its allocation, a project is approved with 400 €, 300 € are
    paid, the proof shows 250 € spent, 50 € come back and staff accept the proof: the German
    fund year page and the bookings CSV word the product's notes in German, not as the English
    code words "allocation" and "settlement"; staff's own notes stay as typed."""
    [project] = decide([Spec("Hoffest", 50000, approved=40000, reasons="Gekürzt.")])
    login(staff)
    settle_partly_spent(client, project, area)

    year = db.session.scalars(select(FundYear)).one()
    notes = _notes(client.get(f"/staff/fund-years/{year.id}", headers=DE).get_data(as_text=True))
    csv_notes = _csv_notes(client, year)
    for shown in (notes, csv_notes):
        assert {"allocation", "settlement"}.isdisjoint(shown), shown
        assert not [note for note in shown if "@" in note], shown  # no stored code either
        assert "Mittelzuweisung" in shown  # the allocation, in German
        assert "Überweisung 1" in shown and "eingegangen" in shown  # typed by staff
    assert not [n for n in _csv_notes(client, year, "payments") if n.startswith("@")]
    english = _notes(client.get(f"/staff/fund-years/{year.id}", headers=EN).get_data(as_text=True))
    assert "Settlement of the proof of use" in english


def test_notes_stored_in_english_before_and_the_allowance_are_worded_with_local_money(
    client, login, staff, decide
):
    """Bookings written by an earlier version carry English notes; the flat allowance's note
    names its share and the proven costs. The German page shows the amounts as German money
    ("330,00 €", "10 %"), the English one as English money; the notes are never shown as
    stored."""
    [project] = decide([Spec("Hoffest", 50000, approved=40000, reasons="Gekürzt.")])
    year = db.session.scalars(select(FundYear)).one()
    legacy = "settlement: flat allowance 10 % of proven costs 330.00 EUR"
    for note in (legacy, f"{project.reference}: settlement", "@allowance:250:123405"):
        ledger.book(year, EntryKind.ADJUSTMENT, 100, note=note, actor=staff.actor)
    db.session.commit()
    login(staff)

    page = f"/staff/fund-years/{year.id}"
    german = _notes(client.get(page, headers=DE).get_data(as_text=True))
    assert legacy not in german
    assert any("10 %" in n and "330,00 €" in n for n in german), german
    assert any("2,5 %" in n and "1.234,05 €" in n for n in german), german
    assert not [n for n in german if "@" in n or n.endswith(": settlement")], german
    english = _notes(client.get(page, headers=EN).get_data(as_text=True))
    assert any("10%" in n and "€330.00" in n for n in english), english
    assert f"{project.reference}: Settlement of the proof of use" in english
    csv = _csv_notes(client, year, headers=EN)
    assert any("2.5%" in n and "€1,234.05" in n for n in csv), csv


def test_deferred_application_history_shows_no_english_note(app, client, login, staff, decide):
    """A meeting without quorum defers the application: the history line "Bereit für das
    Gremium" says so in German ("nicht beschlussfähig"), not as the English "no quorum", on the
    staff page and on the applicant's German status page."""
    [deferred] = decide([Spec("Hoffest", 50000, outcome="no_quorum")])
    login(staff)
    detail = f"/staff/applications/{deferred.id}"
    staff_page = client.get(detail, headers=DE).get_data(as_text=True)
    assert "no quorum" not in staff_page and "@no_quorum" not in staff_page
    assert "nicht beschlussfähig" in staff_page

    # The applicant asks for their link again; staff send it from the application's page.
    assert post(client, f"{detail}/status-link", {}, detail).status_code == 302
    resident = app.test_client()
    resident.get(status_link(last_mail(deferred.email)))
    status_page = resident.get(f"/status/{deferred.reference}", headers=DE)
    assert status_page.status_code == 200
    text = status_page.get_data(as_text=True)
    assert "no quorum" not in text and "@no_quorum" not in text
    assert "nicht beschlussfähig" in text


def test_the_personal_data_export_words_the_notes_the_product_wrote(client, login, staff, decide):
    """The Art. 15 download gives the history's notes as words, not as stored codes."""
    [deferred] = decide([Spec("Hoffest", 50000, outcome="no_quorum")])
    login(staff)
    exported = client.get(
        f"/staff/applications/{deferred.id}/personal-data.json", headers=DE
    ).get_json()
    notes = [event["note"] for event in exported["history"]]
    assert not any(note.startswith("@") for note in notes), notes
    assert any("nicht beschlussfähig" in note for note in notes), notes
