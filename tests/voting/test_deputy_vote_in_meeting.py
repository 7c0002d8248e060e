"""One vote per seat in the meeting record: a deputy votes only in place of a named member who
is absent or excluded (DESIGN.md §1). With the member present and not excluded, a vote
recorded for their deputy is refused (it would silently count for nothing), and so is marking
the member present while their deputy's vote stands; the record page says so and keeps what
was typed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.services import ballots, conflicts, deputies, rounds
from tests.factories import ApplicationFactory
from tests.voting.meeting_steps import meeting, present_and_voting
from tests.voting.seating import deputy, full, p
from tests.voting.test_meeting_record_holds import _record_form

pytestmark = pytest.mark.voting

EN = {"Accept-Language": "en"}


def _meeting_with_deputy(area, fund, jury, staff, *, voting: int = 4):
    """A meeting held two hours ago, Members 1-`voting` present voting yes on its one item,
    Deputy 1 present and named for Member 1's seat."""
    stand_in = deputy(jury, 1)
    application = ApplicationFactory(area=area, fund=fund, title="Hoffest")
    round_ = meeting(jury, staff, [application], when=datetime.now(UTC) - timedelta(hours=2))
    item = present_and_voting(round_, staff, full(jury)[:voting], ["yes"] * voting)
    ballots.set_presence(p(round_, stand_in), True, actor=staff.actor)
    deputies.assign(
        round_, p(round_, stand_in), p(round_, full(jury)[0]), [item], actor=staff.actor
    )
    db.session.commit()
    return round_, item, stand_in


def test_a_deputys_vote_is_refused_while_the_member_holds_the_seat_in_the_meeting(
    area, fund, jury, staff
):
    """With the member present and voting, a vote recorded for their named deputy is refused."""
    round_, item, stand_in = _meeting_with_deputy(area, fund, jury, staff)
    with pytest.raises(DomainError) as refused:
        ballots.cast_vote(p(round_, stand_in), item, "no", actor=staff.actor)
    assert refused.value.reason == "ballot.member_holds_seat"


@pytest.mark.parametrize("out", ["conflict", "absent"])
def test_a_deputy_votes_for_a_member_excluded_or_absent(area, fund, jury, staff, out):
    """The member excluded by a conflict declared, or marked absent: the deputy's vote counts."""
    round_, item, stand_in = _meeting_with_deputy(area, fund, jury, staff)
    member = p(round_, full(jury)[0])
    if out == "conflict":
        ballots.declare_conflict(member, item, "Mein Verein", actor=staff.actor)
    else:
        ballots.set_presence(member, False, actor=staff.actor)
    ballots.cast_vote(p(round_, stand_in), item, "no", actor=staff.actor)
    db.session.commit()
    counted = rounds.tallies(round_)[item.id]
    assert (counted.yes, counted.no) == (3, 1)


def test_a_member_is_not_marked_present_while_their_deputys_vote_stands(area, fund, jury, staff):
    """Member 1 absent, Deputy 1 voted in the seat: marking Member 1 present is refused (the
    deputy's vote would stop counting); after the deputy's vote is removed it goes through."""
    round_, item, stand_in = _meeting_with_deputy(area, fund, jury, staff)
    member = p(round_, full(jury)[0])
    ballots.set_presence(member, False, actor=staff.actor)
    ballots.cast_vote(p(round_, stand_in), item, "no", actor=staff.actor)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        ballots.set_presence(member, True, actor=staff.actor)
    assert refused.value.reason == "meeting.deputy_voted_in_seat"
    db.session.rollback()
    ballots.clear_vote(p(round_, stand_in), item, actor=staff.actor)
    ballots.set_presence(member, True, actor=staff.actor)
    db.session.commit()
    assert member.present is True


def test_the_record_page_refuses_the_deputys_vote_and_keeps_what_was_typed(
    area, fund, jury, staff, client, login
):
    """Typed into the record: a vote for Deputy 1 while Member 1 is ticked present. Nothing is
    saved, the page says why in the page's language, and the form comes back as typed."""
    round_, item, stand_in = _meeting_with_deputy(area, fund, jury, staff, voting=3)
    login(staff)
    page = f"/staff/rounds/{round_.id}"
    form = _record_form(client.get(page, headers=EN).get_data(as_text=True))
    sixth = p(round_, full(jury)[5])
    form[f"present-{sixth.id}"] = "y"
    form[f"vote-{sixth.id}-{item.id}"] = "yes"
    form[f"vote-{p(round_, stand_in).id}-{item.id}"] = "no"
    response = client.post(f"{page}/record", data=form, headers=EN)

    assert response.status_code == 422
    html = response.get_data(as_text=True)
    message = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html))
    assert "Deputy 1 cannot vote for Member 1 on “Hoffest”" in message
    again = _record_form(html)
    assert again[f"vote-{p(round_, stand_in).id}-{item.id}"] == "no"
    assert again[f"vote-{sixth.id}-{item.id}"] == "yes"
    assert again[f"present-{sixth.id}"] == "y"
    db.session.expire_all()
    assert rounds.tallies(round_)[item.id].yes == 3  # nothing saved: Member 6 not recorded


def test_a_member_s_conflict_is_not_lifted_while_their_deputy_s_vote_stands(
    area, fund, jury, staff
):
    """Member 1, present, declared a conflict; Deputy 1 voted in the seat. The body lifting
    the conflict would give Member 1 the seat back and silently drop the deputy's vote: the
    ruling is refused; excluding the member (the deputy's vote stands) goes through."""
    round_, item, stand_in = _meeting_with_deputy(area, fund, jury, staff)
    member = p(round_, full(jury)[0])
    ballots.declare_conflict(member, item, "Mein Verein", actor=staff.actor)
    ballots.cast_vote(p(round_, stand_in), item, "no", actor=staff.actor)
    db.session.commit()

    with pytest.raises(DomainError) as refused:
        conflicts.rule(member, item, excluded=False, reason="Kein Vorteil", actor=staff.actor)
    assert refused.value.reason == "meeting.deputy_voted_in_seat"
    db.session.rollback()

    conflicts.rule(member, item, excluded=True, reason="Vorstand des Vereins", actor=staff.actor)
    db.session.commit()
    counted = rounds.tallies(round_)[item.id]
    assert (counted.yes, counted.no) == (3, 1)
