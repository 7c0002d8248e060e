"""A meeting's recorded begin dates its decisions; "another day" is the area's calendar day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.services import meetings, rounds

from .conftest import make_ready

pytestmark = pytest.mark.voting

#: 18:00 in Berlin on 4 March 2030.
MEETING = datetime(2030, 3, 4, 17, 0, tzinfo=UTC)


def test_a_begin_typed_on_the_next_calendar_day_is_refused(area, fund, jury, staff):
    """The jury was invited for 4 March, 18:00. Staff type the begin as 5 March, 16:00 (a slip
    of the day): that is not the day of the meeting, and it would date every decision of the
    meeting (letters, public pages, the fund year) on 5 March. The day is the area's calendar
    day, not 24 hours from the invitation."""
    application = make_ready(area, fund, "Hoffest", 120000)
    round_ = rounds.save_round(
        None,
        jury,
        mode="meeting",
        title="Jurysitzung",
        when=MEETING,
        place="Kiezladen",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [application.id])
    rounds.open_round(round_, actor=staff.actor)
    db.session.commit()
    next_day = MEETING + timedelta(hours=22)  # 5 March 2030, 16:00 in Berlin
    with pytest.raises(DomainError) as refused:
        meetings.record_course(
            round_,
            began_at=next_day,
            ended_at=None,
            chair_member_id=round_.participants[0].member_id,
            chair_staff_id=None,
            minute_taker="Frau Kaya",
            actor=staff.actor,
        )
    assert refused.value.reason == "meeting.other_day"
