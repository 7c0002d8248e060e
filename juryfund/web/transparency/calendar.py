"""The iCalendar feed of an area: jury sessions, application deadlines and scheduled meetings.

Calendar apps subscribe to it and ask again on their own: every event keeps its UID (the row's
kind and id at this installation's host) and its DTSTAMP (when the row was written), so an
update replaces the event instead of adding a copy. Texts are in the language of ?lang= (a
calendar app sends no cookie), else the visitor's; times are in the area's time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from flask import Response, current_app, g
from flask_babel import gettext as _
from icalendar import Calendar, Event

from ...infra.links import external_url
from ...services.calendar import area_calendar
from ..areas import load_area
from ..i18n import LANGUAGE_FROM_QUERY, current_language, when
from ..pagecache import public_page
from .blueprint import bp

#: A meeting's length when nobody wrote down when it ended: calendars need an end.
MEETING_LENGTH = timedelta(hours=2)
PRODUCT_ID = "-//juryfund//area calendar//EN"


def _uid(kind: str, row_id: int) -> str:
    """A UID that stays the same for the same row, whoever asks and whenever."""
    host = urlsplit(current_app.config["JURYFUND_BASE_URL"]).hostname or "juryfund"
    return f"{kind}-{row_id}@{host}"


def _event(kind: str, row_id: int, summary: str, stamp: datetime, **fields) -> Event:
    """One event with its UID, DTSTAMP and summary, and the given properties."""
    event = Event()
    event.add("uid", _uid(kind, row_id))
    event.add("dtstamp", stamp)
    event.add("summary", summary)
    for name, value in fields.items():
        if value:
            event.add(name, value)
    return event


@bp.get("/<slug>/calendar.ics")
@public_page
def calendar(slug: str):
    """An iCalendar (RFC 5545) feed of the area's jury sessions, deadlines and meetings."""
    g.setdefault(LANGUAGE_FROM_QUERY, True)
    area = load_area(slug)
    zone = ZoneInfo(area.timezone)
    found = area_calendar(area)
    page = external_url("public.area", slug=area.slug)
    feed = Calendar()
    feed.add("prodid", PRODUCT_ID)
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", _("Dates: %(area)s", area=area.name))
    feed.add("x-wr-timezone", area.timezone)
    for session in found.sessions:
        fund = session.fund.name
        feed.add_component(
            _event(
                "fund-session",
                session.id,
                _("Jury session: %(fund)s", fund=fund),
                session.created_at,
                dtstart=session.meets_on,
                dtend=session.meets_on + timedelta(days=1),
                location=session.place,
                description="\n".join(
                    part
                    for part in (
                        _(
                            "Applications received by %(day)s are decided here.",
                            day=when(session.apply_by, "long"),
                        ),
                        session.note,
                    )
                    if part
                ),
                url=page,
            )
        )
        feed.add_component(
            _event(
                "apply-by",
                session.id,
                _("Application deadline: %(fund)s", fund=fund),
                session.created_at,
                dtstart=session.apply_by,
                dtend=session.apply_by + timedelta(days=1),
                description=_(
                    "Last day to apply for the jury session on %(day)s.",
                    day=when(session.meets_on, "long"),
                ),
                url=external_url("apply.form", slug=area.slug),
            )
        )
    for meeting in found.meetings:
        start = meeting.meeting_at.astimezone(zone)
        end = meeting.ended_at.astimezone(zone) if meeting.ended_at else start + MEETING_LENGTH
        feed.add_component(
            _event(
                "meeting",
                meeting.id,
                _("Session of %(body)s", body=meeting.body.name),
                meeting.created_at,
                dtstart=start,
                dtend=max(end, start + timedelta(minutes=1)),
                location=meeting.place,
                url=page,
            )
        )
    feed.add_missing_timezones()
    return Response(
        feed.to_ical(),
        headers={
            "Content-Type": "text/calendar; charset=utf-8",
            "Content-Language": current_language(),
            "Content-Disposition": f'inline; filename="{area.slug}.ics"',
        },
    )
