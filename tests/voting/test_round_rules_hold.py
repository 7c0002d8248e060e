"""Rules of a round that hold whatever staff change while it is a draft: a waived quorum only in
a repeat meeting (and never for nobody), only the competent body decides, and an objection to
deciding in writing keeps its applications out of written rounds."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from juryfund.domain.errors import DomainError
from juryfund.domain.states import State
from juryfund.extensions import db
from juryfund.models import AgendaItem, Round
from juryfund.services import ballots, intake, meetings, rounds
from juryfund.services.intake import CostLine
from tests.browser.conftest import application_input
from tests.factories import BodyFactory, FundFactory

pytestmark = pytest.mark.voting

NEXT_WEEK = datetime.now(UTC).replace(microsecond=0) + timedelta(days=7)


def _announced_repeat(jury, staff, open_round) -> Round:
    """The announced repeat meeting (§ 90 (2) VwVfG) of a meeting two of seven attended."""
    jury.repeat_quorate = True
    db.session.commit()
    earlier = open_round(mode="meeting")
    for p in earlier.participants[:2]:
        ballots.set_presence(p, True, actor=staff.actor)
    rounds.close_round(earlier, actor=staff.actor, now=earlier.meeting_at)
    db.session.commit()
    assert {item.result for item in earlier.agenda} == {"no_quorum"}
    repeat = meetings.repeat_meeting(
        earlier,
        when=NEXT_WEEK + timedelta(days=7),
        place="Nachbarschaftshaus",
        announce=True,
        actor=staff.actor,
    )
    db.session.commit()
    assert repeat.quorum_waived
    return repeat


def _to_writing(round_: Round, jury, staff) -> Round:
    return rounds.save_round(
        round_,
        jury,
        mode="circulation",
        title=round_.title,
        when=NEXT_WEEK,
        place="",
        actor=staff.actor,
    )


# --- § 90 (2): a waived quorum is for a repeat meeting only -----------------------------------


def test_a_waived_repeat_meeting_cannot_be_switched_to_a_written_round(jury, staff, open_round):
    """Staff change the announced repeat meeting on the round form to "in writing instead". If
    the waiver went along, the written round would decide with one vote of seven (§ 90 (2)
    covers a meeting the members were invited to again, never a written round). The switch is
    refused on the mode field; the round stays the announced meeting."""
    repeat = _announced_repeat(jury, staff, open_round)
    with pytest.raises(DomainError) as refused:
        _to_writing(repeat, jury, staff)
    assert (refused.value.reason, refused.value.field) == ("repeat.waiver_meeting_only", "mode")
    db.session.rollback()
    assert (repeat.mode, repeat.quorum_waived) == ("meeting", True)


def test_a_written_round_with_a_waiver_neither_opens_nor_counts_without_quorum(
    jury, staff, open_round
):
    """Should a round hold a waiver and the mode circulation anyway (written past save_round,
    by a script or an older version), the opening refuses it, and the count never waives the
    quorum of a written round: otherwise one member of seven voting yes approves."""
    repeat = _announced_repeat(jury, staff, open_round)
    repeat.mode, repeat.deadline, repeat.meeting_at = "circulation", NEXT_WEEK, None
    db.session.commit()
    assert rounds.waived_applications(repeat) == frozenset()
    with pytest.raises(DomainError) as refused:
        rounds.open_round(repeat, actor=staff.actor)
    assert refused.value.reason == "repeat.waiver_meeting_only"
    db.session.rollback()


def test_a_repeat_meeting_without_the_waiver_may_become_a_written_round(jury, staff, open_round):
    """A repeat meeting not announced as quorate regardless of attendance is an ordinary round:
    staff may still decide its items in writing, with the usual quorum."""
    earlier = open_round(mode="meeting")
    rounds.close_round(earlier, actor=staff.actor, now=earlier.meeting_at)
    db.session.commit()
    repeat = meetings.repeat_meeting(
        earlier, when=NEXT_WEEK, place="", announce=False, actor=staff.actor
    )
    _to_writing(repeat, jury, staff)
    rounds.open_round(repeat, actor=staff.actor)
    db.session.commit()
    item = repeat.agenda[0]
    ballots.cast_vote(repeat.participants[0], item, "yes")
    db.session.commit()
    assert rounds.tallies(repeat)[item.id].outcome == "no_quorum"


def test_an_announced_repeat_meeting_nobody_attended_decides_nothing(jury, staff, open_round):
    """Nobody comes to the announced repeat meeting. With the quorum waived down to none, 0
    participants were "quorate" and a simple majority of 0:0 rejected every application, a
    rejection nobody voted for. § 90 (2) makes the body quorate whatever the number present,
    not without anyone: every item has no quorum, as in any empty meeting."""
    repeat = _announced_repeat(jury, staff, open_round)
    rounds.open_round(repeat, actor=staff.actor)
    db.session.commit()
    results = rounds.close_round(repeat, actor=staff.actor, now=repeat.meeting_at)
    db.session.commit()
    assert {(r.participating, r.quorum_needed, r.outcome.value) for r in results.values()} == {
        (0, 1, "no_quorum")
    }
    assert {item.application.state for item in repeat.agenda} == {State.READY}


def test_an_announced_repeat_meeting_one_member_attended_decides(jury, staff, open_round):
    """One member present is enough for the announced repeat meeting (§ 90 (2))."""
    repeat = _announced_repeat(jury, staff, open_round)
    rounds.open_round(repeat, actor=staff.actor)
    db.session.commit()
    ballots.set_presence(repeat.participants[0], True, actor=staff.actor)
    ballots.cast_vote(repeat.participants[0], repeat.agenda[0], "yes", actor=staff.actor)
    results = rounds.close_round(repeat, actor=staff.actor, now=repeat.meeting_at)
    first = results[repeat.agenda[0].id]
    assert (first.participating, first.quorum_needed, first.outcome) == (1, 1, "approved")


# --- only the body that decides the fund decides the application ------------------------------


def _moved_to_the_council(area, application, staff) -> None:
    """The applicant raises the request to 8,000 €: it now belongs to the Quartiersfonds."""
    intake.return_for_changes(application, note="Bitte Kostenplan prüfen.", actor=staff.actor)
    intake.update(
        application,
        application_input(
            cost_lines=[CostLine("Bühne", "services", 1, 800_000)], requested_cents=800_000
        ),
        draft_key=None,
    )
    intake.mark_ready(application, review_note="ok", actor=staff.actor)
    db.session.commit()


@pytest.fixture
def council_fund(area):
    """The Quartiersfonds, decided by the Quartiersrat (not the Aktionsfonds jury)."""
    council = BodyFactory(area=area, kind="council", members=15)
    return FundFactory(
        area=area,
        body=council,
        kind="neighbourhood_fund",
        name="Quartiersfonds",
        cap_cents=5_000_000,
        minimum_cents=500_000,
        lead_time_days=0,
    )


def test_a_draft_round_does_not_open_with_an_application_another_body_now_decides(
    area, fund, jury, staff, council_fund
):
    """The jury's draft round holds a 645 € application; it is returned, raised to 8,000 € and
    so routed to the Quartiersfonds, and marked ready again. Opening only checked READY: the
    jury would vote on an application it has no competence for, a void decision. The opening
    is refused, naming the application, and it stays ready for the Quartiersrat."""
    application = intake.submit(area, application_input(), draft_key=None)
    intake.mark_ready(application, review_note="ok", actor=staff.actor)
    round_ = rounds.save_round(
        None, jury, mode="circulation", title="Umlauf", when=NEXT_WEEK, place="", actor=staff.actor
    )
    rounds.set_agenda(round_, [application.id])
    db.session.commit()
    _moved_to_the_council(area, application, staff)
    assert application.fund_id == council_fund.id

    with pytest.raises(DomainError) as refused:
        rounds.open_round(round_, actor=staff.actor)
    assert refused.value.reason == "round.other_body"
    assert refused.value.params == {"reference": application.reference, "title": "Hoffest"}
    db.session.rollback()
    assert (round_.state, application.state) == ("draft", State.READY)
    assert application in rounds.ready_applications(council_fund.body)


def test_the_agenda_refuses_an_application_another_body_decides_by_name(
    area, fund, jury, staff, council_fund
):
    """Staff tick an application on a page loaded before it moved to the Quartiersfonds: the
    refusal says which application, and why, instead of a bare "not ready"."""
    application = intake.submit(area, application_input(), draft_key=None)
    intake.mark_ready(application, review_note="ok", actor=staff.actor)
    db.session.commit()
    _moved_to_the_council(area, application, staff)
    round_ = rounds.save_round(
        None, jury, mode="meeting", title="Sitzung", when=NEXT_WEEK, place="", actor=staff.actor
    )
    with pytest.raises(DomainError) as refused:
        rounds.set_agenda(round_, [application.id])
    assert (refused.value.reason, refused.value.params["reference"]) == (
        "round.other_body",
        application.reference,
    )


# --- § 90 (1): an objection to writing sends the applications to a meeting --------------------


@pytest.fixture
def objected(open_round):
    """A written round a member objected to: its applications are ready again, for a meeting."""
    first = open_round()
    rounds.object_to_writing(first.participants[2])
    db.session.commit()
    assert first.state == "deferred"
    return first


def test_applications_objected_to_in_writing_go_on_no_written_round(objected, jury, staff):
    """After the objection, staff put the same applications on a new circulation round and the
    other members approve them by link: decided in writing against the objection, which
    § 90 (1) VwVfG forbids. The agenda of a written round refuses them, naming the first."""
    deferred = [item.application_id for item in objected.agenda]
    second = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf 2",
        when=NEXT_WEEK,
        place="",
        actor=staff.actor,
    )
    with pytest.raises(DomainError) as refused:
        rounds.set_agenda(second, deferred)
    assert refused.value.reason == "round.objected_to_writing"
    assert refused.value.params["reference"] == objected.agenda[0].application.reference


def test_applications_objected_to_in_writing_go_to_a_meeting_and_stay_there(objected, jury, staff):
    """A meeting takes them; switching that meeting to writing is refused on the mode field,
    and a written round that holds them anyway (written past set_agenda) does not open."""
    deferred = [item.application_id for item in objected.agenda]
    meeting = rounds.save_round(
        None, jury, mode="meeting", title="Sitzung", when=NEXT_WEEK, place="", actor=staff.actor
    )
    rounds.set_agenda(meeting, deferred)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        _to_writing(meeting, jury, staff)
    assert (refused.value.reason, refused.value.field) == ("round.objected_to_writing", "mode")
    db.session.rollback()

    written = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf 2",
        when=NEXT_WEEK,
        place="",
        actor=staff.actor,
    )
    db.session.add(AgendaItem(round_id=written.id, application_id=deferred[0], position=1))
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        rounds.open_round(written, actor=staff.actor)
    assert refused.value.reason == "round.objected_to_writing"
    db.session.rollback()

    rounds.open_round(meeting, actor=staff.actor)
    db.session.commit()
    assert meeting.state == "open"
