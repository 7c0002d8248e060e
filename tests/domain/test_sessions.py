"""Jury sessions and deadlines: which session an application reaches, whether its action can be
decided before it starts, and what a new session may be (table-driven)."""

from __future__ import annotations

from datetime import date

import pytest

from juryfund.domain.sessions import (
    Session,
    check_new_session,
    check_start,
    reachable,
    upcoming,
)

pytestmark = pytest.mark.domain

MARCH = Session(meets_on=date(2027, 3, 20), apply_by=date(2027, 3, 11))
APRIL = Session(meets_on=date(2027, 4, 17), apply_by=date(2027, 4, 8))
# Announced out of order, and a later meeting whose deadline falls before APRIL's.
MAY = Session(meets_on=date(2027, 5, 15), apply_by=date(2027, 5, 6))
SESSIONS = (MAY, MARCH, APRIL)


@pytest.mark.parametrize(
    ("sent_on", "expected"),
    [
        pytest.param(date(2027, 1, 5), MARCH, id="long-before"),
        pytest.param(date(2027, 3, 10), MARCH, id="day-before-deadline"),
        pytest.param(date(2027, 3, 11), MARCH, id="on-deadline-day-still-in"),
        pytest.param(date(2027, 3, 12), APRIL, id="day-after-deadline-next-session"),
        pytest.param(date(2027, 3, 20), APRIL, id="on-meeting-day"),
        pytest.param(date(2027, 5, 6), MAY, id="last-deadline"),
        pytest.param(date(2027, 5, 7), None, id="after-every-deadline"),
    ],
)
def test_reachable_session_is_the_first_whose_deadline_is_not_past(sent_on, expected):
    assert reachable(SESSIONS, sent_on) == expected


def test_reachable_session_with_none_announced_is_none():
    assert reachable((), date(2027, 1, 1)) is None


def test_reachable_session_orders_by_meeting_day_not_by_deadline():
    # A short deadline for an early meeting and a long one for a later meeting: the earlier
    # meeting is reached first while both deadlines are open.
    early = Session(meets_on=date(2027, 3, 20), apply_by=date(2027, 3, 18))
    later = Session(meets_on=date(2027, 3, 25), apply_by=date(2027, 3, 1))
    assert reachable((later, early), date(2027, 2, 1)) == early
    assert reachable((later, early), date(2027, 3, 2)) == early


@pytest.mark.parametrize(
    ("sent_on", "limit", "expected"),
    [
        pytest.param(date(2027, 1, 1), 3, [MARCH, APRIL, MAY], id="all-three"),
        pytest.param(date(2027, 1, 1), 2, [MARCH, APRIL], id="limited"),
        pytest.param(date(2027, 3, 12), 3, [APRIL, MAY], id="march-deadline-passed"),
        pytest.param(date(2027, 6, 1), 3, [], id="none-left"),
    ],
)
def test_upcoming_lists_sessions_still_open_in_meeting_order(sent_on, limit, expected):
    assert upcoming(SESSIONS, sent_on, limit=limit) == expected


@pytest.mark.parametrize(
    ("start", "sent_on", "refused_with"),
    [
        pytest.param(date(2027, 3, 19), date(2027, 3, 1), MARCH, id="day-before-session"),
        pytest.param(date(2027, 3, 20), date(2027, 3, 1), None, id="on-session-day"),
        pytest.param(date(2027, 3, 25), date(2027, 3, 1), None, id="after-session"),
        pytest.param(date(2027, 3, 25), date(2027, 3, 12), APRIL, id="missed-deadline-next"),
        pytest.param(date(2027, 4, 17), date(2027, 3, 12), None, id="on-next-session-day"),
        pytest.param(date(2027, 6, 8), date(2027, 6, 7), None, id="every-session-has-met"),
    ],
)
def test_planned_start_before_the_reachable_session_is_refused(start, sent_on, refused_with):
    error = check_start(start, SESSIONS, sent_on)
    if refused_with is None:
        assert error is None
    else:
        assert error is not None
        assert (error.reason, error.field) == ("application.before_session", "start_date")
        assert error.params == {
            "meets_on": refused_with.meets_on.isoformat(),
            "apply_by": refused_with.apply_by.isoformat(),
        }


@pytest.mark.parametrize(
    ("start", "refused"),
    [
        pytest.param(date(2027, 5, 8), True, id="before-the-last-session"),
        pytest.param(date(2027, 5, 15), True, id="on-the-last-session-day"),
        pytest.param(date(2027, 5, 16), False, id="after-the-last-session"),
    ],
)
def test_past_every_deadline_a_start_before_the_last_session_has_met_is_refused(start, refused):
    """Sent the day after the last deadline: decided at a session not announced yet, which
    meets after MAY; sending late is never more permissive than sending on time."""
    error = check_start(start, SESSIONS, date(2027, 5, 7))
    if not refused:
        assert error is None
    else:
        assert error is not None
        assert (error.reason, error.field) == ("application.after_last_session", "start_date")
        assert error.params == {"meets_on": MAY.meets_on.isoformat()}


def test_planned_start_with_no_session_announced_is_not_checked():
    assert check_start(date(2027, 1, 2), (), date(2027, 1, 1)) is None


TODAY = date(2027, 2, 1)


@pytest.mark.parametrize(
    ("meets_on", "apply_by", "taken", "expected"),
    [
        pytest.param(date(2027, 3, 20), date(2027, 3, 11), (), [], id="fine"),
        pytest.param(date(2027, 3, 20), date(2027, 3, 20), (), [], id="deadline-on-meeting-day"),
        pytest.param(date(2027, 2, 1), date(2027, 1, 25), (), [], id="today-late-announcement"),
        pytest.param(
            date(2027, 1, 31),
            date(2027, 1, 20),
            (),
            [("session.in_past", "meets_on")],
            id="in-the-past",
        ),
        pytest.param(
            date(2027, 3, 20),
            date(2027, 3, 21),
            (),
            [("session.apply_by_after_meeting", "apply_by")],
            id="deadline-after-meeting",
        ),
        pytest.param(
            date(2027, 3, 20),
            date(2027, 3, 11),
            (date(2027, 3, 20),),
            [("session.date_taken", "meets_on")],
            id="same-day-twice",
        ),
        pytest.param(
            date(2027, 1, 10),
            date(2027, 1, 11),
            (),
            [("session.in_past", "meets_on"), ("session.apply_by_after_meeting", "apply_by")],
            id="every-refusal-at-once",
        ),
    ],
)
def test_new_session_rules(meets_on, apply_by, taken, expected):
    errors = check_new_session(meets_on=meets_on, apply_by=apply_by, today=TODAY, taken=taken)
    assert [(e.reason, e.field) for e in errors] == expected
