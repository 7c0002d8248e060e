"""The area's iCalendar feed (issue 17, item 5): sessions, deadlines, meetings; read back with
the ``icalendar`` library as a calendar app would."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.services import rounds, sessions

pytestmark = pytest.mark.transparency


def feed(client, area, **headers) -> Calendar:
    response = client.get(f"/{area.slug}/calendar.ics", **headers)
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    return Calendar.from_ical(response.data)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(event["UID"]): event for event in calendar.walk("VEVENT")}


@pytest.fixture
def dated(area, fund, jury, staff):
    """A fund session in five weeks (apply in three) and a jury meeting in six weeks."""
    today = clock.area_today(area)
    session = sessions.add_session(
        fund,
        meets_on=today + timedelta(days=35),
        apply_by=today + timedelta(days=21),
        place="Nachbarschaftsetage",
        note="Bitte pünktlich",
        actor=staff.actor,
    )
    meeting = rounds.save_round(
        None,
        jury,
        mode="meeting",
        title="Jurysitzung intern",
        when=datetime.now(UTC).replace(microsecond=0) + timedelta(days=42),
        place="Kiezladen",
        actor=staff.actor,
    )
    db.session.commit()
    return session, meeting


def test_feed_validates_and_holds_sessions_deadlines_and_meetings(client, area, fund, dated):
    session, meeting = dated
    calendar = feed(client, area, headers={"Accept-Language": "en"})
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    assert str(calendar["X-WR-TIMEZONE"]) == "Europe/Berlin"
    found = events(calendar)
    assert len(found) == 3
    jury_day = next(e for uid, e in found.items() if uid.startswith(f"fund-session-{session.id}@"))
    deadline = next(e for uid, e in found.items() if uid.startswith(f"apply-by-{session.id}@"))
    sitting = next(e for uid, e in found.items() if uid.startswith(f"meeting-{meeting.id}@"))

    assert jury_day.decoded("DTSTART") == session.meets_on
    assert jury_day.decoded("DTEND") == session.meets_on + timedelta(days=1)
    assert str(jury_day["SUMMARY"]) == f"Jury session: {fund.name}"
    assert str(jury_day["LOCATION"]) == "Nachbarschaftsetage"
    assert "Bitte pünktlich" in str(jury_day["DESCRIPTION"])
    assert deadline.decoded("DTSTART") == session.apply_by
    assert str(deadline["SUMMARY"]) == f"Application deadline: {fund.name}"
    assert str(deadline["URL"]).endswith(f"/{area.slug}/apply")

    start = sitting.decoded("DTSTART")
    assert start.tzinfo is not None and start == meeting.meeting_at
    assert str(start.tzinfo) == "Europe/Berlin"
    assert sitting["DTSTART"].params["TZID"] == "Europe/Berlin"
    assert sitting.decoded("DTEND") - start == timedelta(hours=2)
    assert str(sitting["SUMMARY"]) == f"Session of {meeting.body.name}"
    assert "intern" not in calendar.to_ical().decode()  # the staff's own round title stays inside
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/Berlin"]
    for event in found.values():
        stamp = event.decoded("DTSTAMP")
        assert stamp.tzinfo is not None and stamp.utcoffset() == timedelta(0)


def test_uids_and_stamps_stay_the_same_between_requests(client, area, fund, dated, staff):
    first = events(feed(client, area))
    # A new session (a public change) re-renders the feed: the old events keep UID and DTSTAMP.
    sessions.add_session(
        fund,
        meets_on=clock.area_today(area) + timedelta(days=70),
        apply_by=clock.area_today(area) + timedelta(days=56),
        actor=staff.actor,
    )
    db.session.commit()
    second = events(feed(client, area))
    assert set(first) < set(second) and len(second) == 5
    for uid, event in first.items():
        assert second[uid].to_ical() == event.to_ical()
    assert len({uid.split("@")[1] for uid in second}) == 1


def test_summaries_follow_the_language_and_lang_parameter(client, area, fund, dated):
    german = feed(client, area, headers={"Accept-Language": "de"})
    assert any(str(e["SUMMARY"]).startswith("Jurysitzung") for e in german.walk("VEVENT"))
    turkish = client.get(f"/{area.slug}/calendar.ics?lang=tr")
    assert turkish.headers["Content-Language"] == "tr"
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(turkish.data).walk("VEVENT")}
    assert not any("Jury session" in s or "Jurysitzung" in s for s in summaries)


def test_past_year_and_other_areas_stay_out(client, area, fund, make, staff):
    other = make.area()
    other_fund = make.fund(other, make.body(other))
    sessions.add_session(
        other_fund,
        meets_on=clock.area_today(other) + timedelta(days=30),
        apply_by=clock.area_today(other) + timedelta(days=20),
        actor=staff.actor,
    )
    db.session.commit()
    assert events(feed(client, area)) == {}
    assert client.get("/nowhere/calendar.ics").status_code == 404


def test_area_page_links_to_the_calendar(client, area, fund):
    html = client.get(f"/{area.slug}/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'href="/{area.slug}/calendar.ics?lang=en"' in html
    assert "Add to calendar" in html


def test_all_day_events_are_dates_in_the_area_time_zone(client, area, fund, dated):
    session, _ = dated
    zone = ZoneInfo(area.timezone)
    raw = client.get(f"/{area.slug}/calendar.ics").get_data(as_text=True)
    assert f"DTSTART;VALUE=DATE:{session.meets_on:%Y%m%d}" in raw
    assert isinstance(session.meets_on, date) and zone.key == "Europe/Berlin"
