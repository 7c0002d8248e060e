"""The year of a decision: the books and the public reports name the same one.

A decision is booked in the fund year of the day the body decided while that year is open
(services.decisions.fund_year_for_decision), and the reports list an approval in the year its
commitment is booked in (services.transparency._decided_in_year). A correction keeps the date of
the decision it corrects; its own moment is ``recorded_at``.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.exc import DatabaseError

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Decision, FundYear
from juryfund.services import ballots, books, decisions, ledger, rounds, setup, transparency
from tests.factories import ApplicationFactory
from tests.fixtures import approved_round, cut

pytestmark = pytest.mark.ledger

#: The moment the fixture `next_january` moves the clock to (with the year added).
JANUARY_10 = (1, 10, 12)


def _year(fund, year: int) -> FundYear | None:
    return db.session.scalar(
        select(FundYear).where(FundYear.fund_id == fund.id, FundYear.year == year)
    )


def _reported_in(area, application, years) -> list[int]:
    """The years whose annual report lists the application among its funded projects."""
    return [
        year
        for year in years
        if application.reference
        in [p.reference for p in transparency.annual_report(area, year).projects]
    ]


@pytest.fixture
def next_january(approved, fund, staff, clock_at):
    """The clock on 10 January of next year, with that year opened (10,000 €)."""
    this = _year(fund, clock.area_today(fund.area).year)
    month, day, hour = JANUARY_10
    clock_at(datetime(this.year + 1, month, day, hour, tzinfo=UTC))
    following = setup.open_fund_year(
        fund, year=this.year + 1, allocation_cents=1_000_000, actor=staff.actor
    )
    db.session.commit()
    return this, following


@pytest.fixture
def cut_next_january(approved, next_january, staff):
    """The approved 400 € of "Pflanzaktion" cut to 300 € by staff on 10 January next year."""
    return cut(approved, 30000, staff)


@pytest.fixture
def december_round(area, fund, jury, staff, clock_at):
    """ "Winterfest" (500 €) approved by the jury in a round closed on 20 December of this year,
    waiting for staff to confirm the amount."""
    this_year = clock.area_today(area).year
    clock_at(datetime(this_year, 12, 20, 17, tzinfo=UTC))
    application = ApplicationFactory(
        area=area, fund=fund, title="Winterfest", requested_cents=50000
    )
    round_ = approved_round(jury, staff, [application])
    # The ballot showed the jury this year's money.
    assert dict(rounds.available_money(round_)) == {f"Aktionsfonds {this_year}": 1_000_000}
    return round_


def _confirm(round_, staff):
    decision = decisions.confirm_approval(
        round_.agenda[0], amount_cents=50000, conditions="", reasons="", actor=staff.actor
    )
    db.session.commit()
    return decision


# --- a correction entered next year ------------------------------------------------------------


def test_correction_next_year_keeps_project_in_the_annual_report_of_its_commitment_year(
    approved, area, next_january, cut_next_january
):
    """The funder reads the annual report of the year the jury decided: a project whose amount
    staff cut in January stays in it, with the cut amount, and the new year's report does not
    claim it (its commitment and the cut are booked in the old year)."""
    this, following = next_january
    assert ledger.balances_of(this.id).committed == 30000
    old = transparency.annual_report(area, this.year)
    new = transparency.annual_report(area, following.year)
    assert [p.reference for p in old.projects] == [approved.reference]
    assert old.approved_cents == 30000
    assert old.approved_count == 1
    assert new.approved_cents == 0
    assert new.approved_count == 0
    assert [p.reference for p in new.projects] == []


def test_open_data_of_the_year_keeps_a_decision_corrected_next_year(
    client, approved, area, next_january, cut_next_january
):
    """Someone downloading the old year's decisions as open data finds the corrected decision
    there, with its new amount, and not in the new year's file, as if the jury had decided it
    in January."""
    this, following = next_january
    old = client.get(f"/{area.slug}/decisions.json?year={this.year}").get_json()
    new = client.get(f"/{area.slug}/decisions.json?year={following.year}").get_json()
    assert [(d["reference"], d["amount_cents"]) for d in old["decisions"]] == [
        (approved.reference, 30000)
    ]
    assert new["decisions"] == []


def test_correction_keeps_the_body_s_date_and_records_its_own(approved, cut_next_january):
    """The public sees the day the body decided on the project page; staff and the applicant's
    letter see the day the decision was corrected."""
    original = db.session.get(Decision, cut_next_january.supersedes_id)
    assert cut_next_january.decided_at == original.decided_at
    assert cut_next_january.recorded_at == clock.now()
    assert cut_next_january.dated_at == clock.now()  # the correction letter's date
    assert original.dated_at == original.decided_at


def test_letter_of_a_correction_bears_the_day_it_was_corrected(
    client, login, approved, staff, next_january, cut_next_january
):
    """The corrected decision's letter is dated the day staff corrected it, not the day the
    jury decided months before; the staff page says when it was corrected."""
    this, _following = next_january
    login(staff)
    headers = {"Accept-Language": "de"}
    letter = client.get(f"/staff/applications/{approved.id}/letter", headers=headers)
    assert letter.status_code == 200
    assert f"10. Januar {this.year + 1}" in letter.get_data(as_text=True)
    page = client.get(f"/staff/applications/{approved.id}", headers=headers).get_data(as_text=True)
    listed = page[page.index("<h2>Entscheidungen</h2>") :]
    listed = listed[: listed.index("</ul>")].split("<li>")
    corrected = next(item for item in listed if "300,00" in item)
    assert f"10.01.{this.year + 1}" in corrected


def test_the_database_refuses_a_correction_with_another_date(approved, staff):
    """Whatever writes to the database (a script, a console), a correction cannot move the
    decision into another year."""
    original = decisions.current_decision(approved)
    db.session.add(
        Decision(
            application_id=approved.id,
            outcome="approved",
            approved_cents=30000,
            requested_cents=original.requested_cents,
            reasons="Weniger Mittel als beantragt verfügbar.",
            supersedes_id=original.id,
            correction_reason="Kürzung",
            decided_at=original.decided_at + timedelta(days=30),
        )
    )
    with pytest.raises(DatabaseError):
        db.session.flush()
    db.session.rollback()


# --- a December decision confirmed in January --------------------------------------------------


def test_december_decision_confirmed_in_january_is_reported_in_the_year_it_is_booked(
    area, fund, december_round, staff, clock_at
):
    """The jury decides on 20 December, seeing this year's money on its ballot; staff enter the
    amount on 5 January. The money comes from the year the jury saw, and the annual report of
    that year lists the project: the books and the report name the same year."""
    this_year = december_round.closed_at.year
    clock_at(datetime(this_year + 1, 1, 5, 9, tzinfo=UTC))
    setup.open_fund_year(fund, year=this_year + 1, allocation_cents=1_000_000, actor=staff.actor)
    db.session.commit()
    _confirm(december_round, staff)
    application = december_round.agenda[0].application
    assert ledger.fund_year_of(application).year == this_year
    assert _reported_in(area, application, (this_year, this_year + 1)) == [this_year]
    assert ledger.balances_of(_year(fund, this_year).id).committed == 50000
    assert ledger.balances_of(_year(fund, this_year + 1).id).committed == 0


def test_december_decision_is_confirmed_before_the_new_year_is_opened(
    area, fund, december_round, staff, clock_at
):
    """In the first days of January, before the QM team has opened the new fund year, staff
    can confirm the jury's December approval: the money the jury voted on is still there."""
    this_year = december_round.closed_at.year
    clock_at(datetime(this_year + 1, 1, 5, 9, tzinfo=UTC))
    assert _year(fund, this_year + 1) is None
    _confirm(december_round, staff)
    assert ledger.fund_year_of(december_round.agenda[0].application).year == this_year


def test_decision_of_a_year_closed_before_confirmation_is_booked_and_reported_in_the_open_year(
    client, area, fund, december_round, staff, clock_at
):
    """When the old year was closed before staff confirmed the December approval (its figures
    are final), the new year pays for it, and the new year's report and open data list it:
    the public never sees a project in a year whose books do not hold its money."""
    this_year = december_round.closed_at.year
    clock_at(datetime(this_year + 1, 1, 5, 9, tzinfo=UTC))
    following = setup.open_fund_year(
        fund, year=this_year + 1, allocation_cents=1_000_000, actor=staff.actor
    )
    books.close_year(_year(fund, this_year), actor=staff.actor)
    db.session.commit()
    _confirm(december_round, staff)
    application = december_round.agenda[0].application
    assert ledger.fund_year_of(application).year == following.year
    assert _reported_in(area, application, (this_year, following.year)) == [following.year]
    new = client.get(f"/{area.slug}/decisions.json?year={following.year}").get_json()
    assert [d["reference"] for d in new["decisions"]] == [application.reference]
    assert following.year in transparency.decision_years(area)


def test_december_rejection_stays_in_the_year_the_body_decided(area, fund, jury, staff, clock_at):
    """A rejection books no money: it is reported in the year of the body's decision, even
    when staff confirm its reasons in January."""
    this_year = clock.area_today(area).year
    clock_at(datetime(this_year, 12, 20, 17, tzinfo=UTC))
    application = ApplicationFactory(area=area, fund=fund, title="Feuerwerk")
    round_ = approved_round(jury, staff, [application], choice="no")
    clock_at(datetime(this_year + 1, 1, 5, 9, tzinfo=UTC))
    decisions.confirm_rejection(round_.agenda[0], reasons="Nicht förderfähig.", actor=staff.actor)
    db.session.commit()
    old = transparency.participation([area], this_year)[area.id]
    new = transparency.participation([area], this_year + 1)[area.id]
    assert (old.rejected, new.rejected) == (1, 0)


def test_a_december_meeting_closed_in_january_is_decided_and_booked_in_december(
    area, fund, jury, staff, clock_at, client, login
):
    """The jury meets on 15 December and approves "Winterfest"; the QM team types in the
    record and closes the round after the holidays, on 4 January. The decision is the jury's
    of 15 December (letter, public pages, annual report) and its money is booked in December's
    year, still open, whose money the jury was shown; it used to take the day of the close."""
    this_year = clock.area_today(area).year
    meeting_at = datetime(this_year, 12, 15, 17, tzinfo=UTC)
    clock_at(datetime(this_year, 12, 1, 9, tzinfo=UTC))
    application = ApplicationFactory(
        area=area, fund=fund, title="Winterfest", requested_cents=50000
    )
    round_ = rounds.save_round(
        None,
        jury,
        mode="meeting",
        title="Jurysitzung Dezember",
        when=meeting_at,
        place="Nachbarschaftsetage",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [application.id])
    rounds.open_round(round_, actor=staff.actor)
    db.session.commit()

    # After the holidays staff type in the record of the 15 December meeting and close it.
    clock_at(datetime(this_year + 1, 1, 4, 10, tzinfo=UTC))
    setup.open_fund_year(fund, year=this_year + 1, allocation_cents=1_000_000, actor=staff.actor)
    item = round_.agenda[0]
    for i, participant in enumerate(round_.participants[:6]):
        ballots.set_presence(participant, True, actor=staff.actor)
        ballots.cast_vote(participant, item, "yes" if i < 5 else "no", actor=staff.actor)
    rounds.close_round(round_, actor=staff.actor)
    db.session.commit()
    # The confirm page shows the money of the year the approval is booked in, and names it.
    login(staff)
    page = client.get(
        f"/staff/rounds/{round_.id}/items/{item.id}/confirm", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert f"committed in the books of {this_year} at once" in page
    assert f"{fund.name} {this_year}" in page and f"{fund.name} {this_year + 1}" not in page
    decision = decisions.confirm_approval(
        item, amount_cents=50000, conditions="", reasons="", actor=staff.actor
    )
    db.session.commit()

    decided_day = clock.local_day(decision.decided_at, area.timezone)
    booked_in = ledger.fund_year_of(application).year
    assert (decided_day.isoformat(), booked_in) == (
        meeting_at.date().isoformat(),
        this_year,
    )
    # The annual report counts the session in the year of its decisions.
    sessions = {
        year: transparency.participation([area], year)[area.id].sessions
        for year in (this_year, this_year + 1)
    }
    assert sessions == {this_year: {"jury": 1}, this_year + 1: {}}
