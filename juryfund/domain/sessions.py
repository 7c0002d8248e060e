"""A fund's jury sessions and their application deadlines: which session an application can
reach, whether its action can be decided before it starts, and what a new session may be.

Every date here is a calendar day in the area's time zone; "apply by" includes its own day
(an application sent on 11 March reaches the session whose deadline is 11 March).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from .errors import DomainError

__all__ = [
    "Session",
    "check_new_session",
    "check_start",
    "reachable",
    "upcoming",
]


@dataclass(frozen=True)
class Session:
    """One announced session of a fund's jury: the day it meets and the day applications are due."""

    meets_on: date
    apply_by: date


def _in_order(sessions: Iterable[Session]) -> list[Session]:
    return sorted(sessions, key=lambda s: (s.meets_on, s.apply_by))


def reachable(sessions: Iterable[Session], day: date) -> Session | None:
    """The first session (by meeting day) whose deadline an application sent on `day` meets."""
    return next((s for s in _in_order(sessions) if s.apply_by >= day), None)


def upcoming(sessions: Iterable[Session], day: date, *, limit: int = 3) -> list[Session]:
    """The next sessions still open for applications on `day`, earliest first, at most `limit`."""
    return [s for s in _in_order(sessions) if s.apply_by >= day][:limit]


def check_start(start: date, sessions: Iterable[Session], day: date) -> DomainError | None:
    """Refuse a planned start before the session an application sent on `day` can reach.

    The jury cannot decide an action that has started already. Past every announced deadline
    the application waits for a session not announced yet, which meets after the last one
    announced: a start before that is refused too (sending late is never more permissive than
    sending on time). With no session still to meet, there is nothing to check against.
    """
    session = reachable(sessions, day)
    if session is None:
        last = max(
            (s for s in sessions if s.meets_on >= day), key=lambda s: s.meets_on, default=None
        )
        if last is None or start > last.meets_on:
            return None
        return DomainError(
            "application.after_last_session", field="start_date", meets_on=last.meets_on.isoformat()
        )
    if start >= session.meets_on:
        return None
    return DomainError(
        "application.before_session",
        field="start_date",
        meets_on=session.meets_on.isoformat(),
        apply_by=session.apply_by.isoformat(),
    )


def check_new_session(
    *, meets_on: date, apply_by: date, today: date, taken: Sequence[date] = ()
) -> list[DomainError]:
    """Every reason a new session cannot be announced (empty: it can), each on its field."""
    errors: list[DomainError] = []
    if meets_on < today:
        errors.append(DomainError("session.in_past", field="meets_on"))
    elif meets_on in taken:
        errors.append(DomainError("session.date_taken", field="meets_on"))
    # A deadline already passed is allowed: a session announced late still meets.
    if apply_by > meets_on:
        errors.append(DomainError("session.apply_by_after_meeting", field="apply_by"))
    return errors
