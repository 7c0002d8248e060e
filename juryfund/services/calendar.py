"""What an area's public calendar holds: its funds' jury sessions and deadlines, its meetings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ..domain.vocabulary import ROUND_MODES
from ..extensions import db
from ..infra import clock
from ..models import Area, Body, Fund, FundSession, Round

#: How far back the calendar reaches: this year's past sessions stay in people's calendars.
PAST_DAYS = 366
MEETING = ROUND_MODES[0]


@dataclass(frozen=True)
class Calendar:
    """An area's announced fund sessions (with their deadlines) and scheduled meetings."""

    sessions: list[FundSession]
    meetings: list[Round]


def area_calendar(area: Area, *, today: date | None = None) -> Calendar:
    """The area's fund sessions and meetings from a year ago on, earliest first (two queries)."""
    today = today or clock.area_today(area)
    since = today - timedelta(days=PAST_DAYS)
    sessions = db.session.scalars(
        select(FundSession)
        .join(Fund, Fund.id == FundSession.fund_id)
        .where(Fund.area_id == area.id, FundSession.meets_on >= since)
        .options(joinedload(FundSession.fund))
        .order_by(FundSession.meets_on, FundSession.id)
    ).all()
    start = datetime.combine(since, time(), tzinfo=ZoneInfo(area.timezone))
    meetings = db.session.scalars(
        select(Round)
        .join(Body, Body.id == Round.body_id)
        .where(Body.area_id == area.id, Round.mode == MEETING, Round.meeting_at >= start)
        .options(joinedload(Round.body))
        .order_by(Round.meeting_at, Round.id)
    ).all()
    return Calendar(sessions=list(sessions), meetings=list(meetings))
