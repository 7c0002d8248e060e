"""§ 91 VwVfG: in a meeting, a tie is decided by the vote of the meeting's chair, not of
whoever usually chairs the body. Where the body's rule gives its chair the casting vote and
the chair of the meeting is recorded, that chair's own vote decides; when the QM team chaired,
nobody's does and a tie rejects. A written round keeps the rule's tie breaker."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.services import meetings, rounds
from tests.factories import ApplicationFactory
from tests.voting.meeting_steps import meeting, present_and_voting
from tests.voting.seating import full

pytestmark = pytest.mark.voting


def _tied_meeting(area, fund, jury, staff):
    """A meeting held two hours ago whose first item stands 2:2, Member 1 (the body's usual
    chair, its rule's tie breaker) voting yes."""
    jury.tie_breaker_id = full(jury)[0].id
    db.session.commit()
    application = ApplicationFactory(area=area, fund=fund)
    round_ = meeting(jury, staff, [application], when=datetime.now(UTC) - timedelta(hours=2))
    item = present_and_voting(round_, staff, full(jury)[:4], ["yes", "yes", "no", "no"])
    return round_, item


def _chaired(round_, staff, *, member_id=None, staff_id=None) -> None:
    """Record the meeting's course with this chair (a member, or the QM team's staff)."""
    meetings.record_course(
        round_,
        began_at=round_.meeting_at,
        ended_at=round_.meeting_at + timedelta(hours=1),
        chair_member_id=member_id,
        chair_staff_id=staff_id,
        minute_taker="Paula Protokoll",
        actor=staff.actor,
    )
    db.session.commit()


def test_a_tie_is_not_broken_by_a_member_who_did_not_chair_the_meeting(area, fund, jury, staff):
    """When the QM team chaired the meeting (recorded with it), the body's usual chair sat as
    an ordinary member and a 2:2 tie rejects."""
    round_, item = _tied_meeting(area, fund, jury, staff)
    assert rounds.tallies(round_)[item.id].outcome.value == "approved"  # chair not recorded yet
    _chaired(round_, staff, staff_id=staff.id)
    counted = rounds.tallies(round_)[item.id]
    assert (counted.yes, counted.no) == (2, 2)
    assert counted.outcome.value == "rejected"


def test_the_member_who_chaired_the_meeting_breaks_a_tie(area, fund, jury, staff):
    """Member 3 chaired this meeting and voted no: the 2:2 tie rejects, whatever Member 1
    (the body's usual chair) voted."""
    round_, item = _tied_meeting(area, fund, jury, staff)
    _chaired(round_, staff, member_id=full(jury)[2].id)
    assert rounds.casting_vote_of(round_) == full(jury)[2].id
    assert rounds.tallies(round_)[item.id].outcome.value == "rejected"
    _chaired(round_, staff, member_id=full(jury)[1].id)  # Member 2 chaired, voted yes
    assert rounds.tallies(round_)[item.id].outcome.value == "approved"


def test_a_recorded_chair_gets_no_casting_vote_the_bodys_rule_does_not_give(
    area, fund, jury, staff
):
    """A body whose rule says a tie rejects keeps it so when its meeting's chair is recorded."""
    application = ApplicationFactory(area=area, fund=fund)
    round_ = meeting(jury, staff, [application], when=datetime.now(UTC) - timedelta(hours=2))
    item = present_and_voting(round_, staff, full(jury)[:4], ["yes", "yes", "no", "no"])
    _chaired(round_, staff, member_id=full(jury)[0].id)
    assert rounds.casting_vote_of(round_) is None
    assert rounds.tallies(round_)[item.id].outcome.value == "rejected"


def test_a_chair_recorded_after_the_close_cannot_turn_the_counted_tie(area, fund, jury, staff):
    """The minutes are often written after the close. The round closed with the 2:2 tie
    approved on the casting vote of Member 1 (no chair recorded then); recording afterwards
    that the QM team chaired would make the stored result one the count no longer gives: it is
    refused next to the chair, and a chair that keeps the result is taken."""
    round_, item = _tied_meeting(area, fund, jury, staff)
    rounds.close_round(round_, actor=staff.actor, now=round_.meeting_at + timedelta(hours=1))
    db.session.commit()
    assert item.result == "approved"

    with pytest.raises(DomainError) as refused:
        _chaired(round_, staff, staff_id=staff.id)
    assert (refused.value.reason, refused.value.field) == ("meeting.chair_changes_result", "chair")
    db.session.rollback()
    assert (round_.chair_id, round_.chair_staff_id) == (None, None)

    _chaired(round_, staff, member_id=full(jury)[0].id)  # Member 1 chaired: the count stands
    assert round_.chair_id == full(jury)[0].id
    assert rounds.tallies(round_)[item.id].outcome.value == item.result
