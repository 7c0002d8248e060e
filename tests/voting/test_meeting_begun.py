"""A meeting round follows its meeting's begin: who sits on the body for it is fixed once it
began (no member is added afterwards, which would change the quorum of what the room decided),
and it is not closed before it began (which would record "no quorum" decisions dated before
the body met). Before the meeting, members who joined the body still can be added."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.models import Round
from juryfund.services import decisions, rounds, setup
from tests.factories import ApplicationFactory
from tests.voting.meeting_steps import meeting, present_and_voting
from tests.voting.seating import full

pytestmark = pytest.mark.voting

EN = {"Accept-Language": "en"}


def _late_member(jury):
    """A member serving since 2020 whom the office entered into juryfund only now."""
    late = setup.save_member(
        None,
        jury,
        name="Spät Eingetragen",
        email="late@example.org",
        language="de",
        role="resident",
        term_start=date(2020, 1, 1),
        term_end=None,
    )
    db.session.commit()
    return late


def test_no_member_is_added_to_a_meeting_after_it_began(
    area, fund, jury, staff, client, login, post_form
):
    """Once a meeting has begun, who sat on the body for it is fixed: staff adding a member
    afterwards (on the round page) is refused, and a quorate 4-of-7 approval stays approved."""
    application = ApplicationFactory(area=area, fund=fund)
    round_ = meeting(jury, staff, [application], when=datetime.now(UTC) - timedelta(hours=3))
    item = present_and_voting(round_, staff, full(jury)[:4], ["yes"] * 4)
    assert rounds.tallies(round_)[item.id].outcome.value == "approved"
    late = _late_member(jury)
    login(staff)
    page = f"/staff/rounds/{round_.id}"
    assert "Add to this round" not in client.get(page, headers=EN).get_data(as_text=True)
    post_form(f"{page}/members", {"member": str(late.id)}, page=page)
    db.session.expire_all()
    round_ = db.session.get(Round, round_.id)
    assert late.id not in {x.member_id for x in round_.participants}
    assert rounds.tallies(round_)[item.id].outcome.value == "approved"
    with pytest.raises(DomainError) as refused:
        rounds.add_participant(round_, late, actor=staff.actor)
    assert refused.value.reason == "round.meeting_begun"


def test_a_member_is_added_to_a_meeting_before_it_begins(area, fund, jury, staff):
    """Before the meeting a member who joined the body takes part, as at opening."""
    application = ApplicationFactory(area=area, fund=fund)
    round_ = meeting(jury, staff, [application], when=datetime.now(UTC) + timedelta(days=2))
    late = _late_member(jury)
    assert late in rounds.members_not_taking_part(round_)
    rounds.add_participant(round_, late, actor=staff.actor)
    db.session.commit()
    assert late.id in {x.member_id for x in round_.participants}


def test_a_meeting_round_is_not_closed_before_its_meeting(
    area, fund, jury, staff, client, login, post_form
):
    """A meeting next week cannot be closed today: nobody has voted, and closing would record
    "no quorum" decisions dated a week before the body met."""
    application = ApplicationFactory(area=area, fund=fund)
    round_ = meeting(jury, staff, [application], when=datetime.now(UTC) + timedelta(days=7))
    login(staff)
    page = f"/staff/rounds/{round_.id}"
    assert "Close round and count" not in client.get(page, headers=EN).get_data(as_text=True)
    post_form(f"{page}/close", {}, page=page)
    db.session.expire_all()
    round_ = db.session.get(Round, round_.id)
    assert round_.state == "open"
    assert decisions.current_decision(application) is None


def test_a_meeting_round_is_closed_once_its_meeting_began(area, fund, jury, staff):
    """From the meeting's begin on, the round closes and counts as usual."""
    application = ApplicationFactory(area=area, fund=fund)
    when = datetime.now(UTC) + timedelta(days=7)
    round_ = meeting(jury, staff, [application], when=when)
    with pytest.raises(DomainError) as refused:
        rounds.close_round(round_, actor=staff.actor, now=when - timedelta(minutes=1))
    assert refused.value.reason == "round.meeting_not_begun"
    db.session.rollback()
    results = rounds.close_round(round_, actor=staff.actor, now=when)
    db.session.commit()
    assert round_.state == "closed"
    assert results[round_.agenda[0].id].outcome.value == "no_quorum"
