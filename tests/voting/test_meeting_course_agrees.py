"""The course of a meeting recorded for the minutes (§ 93 VwVfG) agrees with the meeting's
record and its closed round: a member chair was recorded present and on the body, the meeting
began before its round was closed, and a begin recorded afterwards seats the members the
closing counted."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.models import Round
from juryfund.services import ballots, meetings, rounds, setup
from tests.factories import ApplicationFactory
from tests.voting.meeting_steps import meeting, present_and_voting
from tests.voting.seating import full, p

pytestmark = pytest.mark.voting

EN = {"Accept-Language": "en"}


def _course(round_: Round, *, began_at: datetime, chair_member_id: int, staff) -> None:
    """Record the course with a member as chair."""
    meetings.record_course(
        round_,
        began_at=began_at,
        ended_at=None,
        chair_member_id=chair_member_id,
        chair_staff_id=None,
        minute_taker="Paula Protokoll",
        actor=staff.actor,
    )


def test_the_meeting_course_refuses_a_chair_recorded_absent(area, fund, jury, staff):
    """The chair of a meeting was in the room: a member the record marks absent is refused as
    chair, and one recorded present is accepted."""
    application = ApplicationFactory(area=area, fund=fund)
    round_ = meeting(jury, staff, [application], when=datetime.now(UTC) - timedelta(hours=2))
    present_and_voting(round_, staff, full(jury)[:4], ["yes"] * 4)
    absent = full(jury)[6]
    ballots.set_presence(p(round_, absent), False, actor=staff.actor)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        _course(round_, began_at=round_.meeting_at, chair_member_id=absent.id, staff=staff)
    assert refused.value.reason == "meeting.chair_absent"
    assert round_.chair_id is None and round_.began_at is None
    _course(round_, began_at=round_.meeting_at, chair_member_id=full(jury)[1].id, staff=staff)
    assert round_.chair_id == full(jury)[1].id


def test_the_meeting_form_shows_an_absent_chair_next_to_the_field(
    area, fund, jury, staff, client, login, post_form
):
    """On the round page, naming an absent chair shows why next to the field and keeps what
    was typed."""
    application = ApplicationFactory(area=area, fund=fund)
    round_ = meeting(jury, staff, [application], when=datetime.now(UTC) - timedelta(hours=2))
    present_and_voting(round_, staff, full(jury)[:4], ["yes"] * 4)
    began = round_.meeting_at.astimezone(ZoneInfo(area.timezone))
    login(staff)
    response = post_form(
        f"/staff/rounds/{round_.id}/meeting",
        {
            "began_at": began.strftime("%Y-%m-%dT%H:%M"),
            "ended_at": "",
            "chair": f"m-{full(jury)[6].id}",
            "minute_taker": "Paula Protokoll",
        },
        page=f"/staff/rounds/{round_.id}",
        headers=EN,
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "This member is not recorded as present at the meeting" in html
    assert 'value="Paula Protokoll"' in html
    db.session.expire_all()
    assert db.session.get(Round, round_.id).chair_id is None


def test_the_meeting_course_refuses_a_begin_after_the_round_was_closed(area, fund, jury, staff):
    """A meeting cannot have begun after its votes were closed and its decisions recorded:
    a begin later than the round's closing is refused, one before it accepted."""
    met = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    application = ApplicationFactory(area=area, fund=fund)
    round_ = meeting(jury, staff, [application], when=met)
    present_and_voting(round_, staff, full(jury)[:4], ["yes"] * 4)
    rounds.close_round(round_, actor=staff.actor, now=met + timedelta(hours=1))
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        _course(
            round_,
            began_at=met + timedelta(hours=10),
            chair_member_id=full(jury)[1].id,
            staff=staff,
        )
    assert refused.value.reason == "meeting.began_after_close"
    _course(
        round_, began_at=met + timedelta(minutes=15), chair_member_id=full(jury)[1].id, staff=staff
    )
    assert round_.began_at == met + timedelta(minutes=15)


def test_a_begin_recorded_after_the_close_keeps_the_members_the_close_counted(
    area, fund, jury, staff
):
    """Who is on the body is judged at the meeting's begin. A member taken off the body an
    hour after the invited time was counted by the closing; a begin recorded afterwards as
    two hours after the invited time would leave them out, and contradict the counts."""
    met = (datetime.now(UTC) - timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    application = ApplicationFactory(area=area, fund=fund)
    round_ = meeting(jury, staff, [application], when=met)
    present_and_voting(round_, staff, full(jury)[:4], ["yes"] * 4)
    leaving = full(jury)[6]
    setup.remove_member(leaving, actor=staff.actor)
    leaving.removed_at = met + timedelta(hours=1)  # as the office recorded it that morning
    db.session.commit()
    rounds.close_round(round_, actor=staff.actor, now=met + timedelta(hours=3))
    db.session.commit()
    assert round_.agenda[0].eligible == 7
    with pytest.raises(DomainError) as refused:
        _course(
            round_, began_at=met + timedelta(hours=2), chair_member_id=full(jury)[1].id, staff=staff
        )
    assert refused.value.reason == "meeting.began_changes_members"
    assert round_.began_at is None
    _course(
        round_, began_at=met + timedelta(minutes=30), chair_member_id=full(jury)[1].id, staff=staff
    )
