"""State changes of applications, each written to the history with actor, time and note."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from ..domain.actors import Actor
from ..domain.states import State, move
from ..extensions import db
from ..infra import audit
from ..models import Application, ApplicationEvent, Area
from . import locks


def next_reference(area: Area, year: int) -> tuple[int, str]:
    """The next free number and reference of an area's year, e.g. (42, "SOL-2026-0042").

    The unique constraint on (area, year, number) stops two submissions taking the same number;
    the caller retries on IntegrityError.
    """
    highest = db.session.scalar(
        select(func.max(Application.number)).where(
            Application.area_id == area.id, Application.year == year
        )
    )
    number = (highest or 0) + 1
    return number, f"{area.code}-{year}-{number:04d}"


def transition(
    application: Application,
    target: State | str,
    *,
    actor: Actor,
    note: str = "",
) -> ApplicationEvent:
    """Move an application to a new state (the domain refuses invalid moves) and log it.

    The move starts from the state in the database, read under a row lock: two people acting
    on one application at once (the applicant withdrawing while staff confirm, two staff
    reviewing) move it one after the other, and the second move is checked against what the
    first one left.
    """
    locks.lock(Application, application.id)  # refreshes `application` itself (one identity)
    current = application.state
    application.state = move(current, target).value
    return _log(
        application,
        "application.state",
        actor,
        kind="state",
        from_state=State(current).value,
        to_state=application.state,
        note=note,
    )


def record(
    application: Application,
    kind: str,
    *,
    actor: Actor,
    to_state: State | str | None = None,
    note: str = "",
    internal: bool = False,
    **audit_details: Any,
) -> ApplicationEvent:
    """Log something that happened without a state change (e.g. submitted, changed)."""
    return _log(
        application,
        f"application.{kind}",
        actor,
        kind=kind,
        to_state=State(to_state).value if to_state else None,
        note=note,
        internal=internal,
        **audit_details,
    )


def add_note(
    application: Application, note: str, *, actor: Actor, internal: bool
) -> ApplicationEvent:
    """Record a note in the history; internal notes stay within the QM team."""
    return _log(application, "application.note", actor, note=note, internal=internal)


def _log(
    application: Application,
    action: str,
    actor: Actor,
    *,
    kind: str = "note",
    from_state: str | None = None,
    to_state: str | None = None,
    note: str = "",
    internal: bool = False,
    **audit_details: Any,
) -> ApplicationEvent:
    """Write one history event and its audit record (which keeps whether a note was written)."""
    event = ApplicationEvent(
        application=application,
        kind=kind,
        actor_kind=actor.kind.value,
        actor_staff_id=actor.staff_id,
        from_state=from_state,
        to_state=to_state,
        note=note.strip(),
        internal=internal,
    )
    db.session.add(event)
    # The trail keeps whether a note was written, never the note itself (it may be personal).
    details: dict[str, Any] = {"internal": internal}
    if kind != "note":
        details = {"to_state": to_state, "note": bool(event.note)}
    if kind == "state":
        details["from_state"] = from_state
    details.update(audit_details)
    audit.record_about(
        application,
        action,
        actor=actor.of_application(application.reference),
        area_id=application.area_id,
        **details,
    )
    return event
