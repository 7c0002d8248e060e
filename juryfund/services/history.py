"""State changes of applications, each written to the history with actor, time and note."""

from __future__ import annotations

from sqlalchemy import func, select

from ..domain.states import State, move
from ..extensions import db
from ..infra import audit
from ..models import Application, ApplicationEvent, Area, StaffUser
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
    actor_kind: str,
    actor: StaffUser | None = None,
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
    event = ApplicationEvent(
        application=application,
        kind="state",
        actor_kind=actor_kind,
        actor_staff_id=actor.id if actor is not None else None,
        from_state=current,
        to_state=application.state,
        note=note.strip(),
    )
    db.session.add(event)
    audit.record(
        "application.state",
        actor=audit.actor_of(actor_kind, staff=actor, application=application),
        object_type="application",
        object_id=application.id,
        area_id=application.area_id,
        from_state=getattr(current, "value", current),
        to_state=application.state,
        note=bool(event.note),
    )
    return event


def record(
    application: Application,
    kind: str,
    *,
    actor_kind: str,
    actor: StaffUser | None = None,
    to_state: State | str | None = None,
    note: str = "",
) -> ApplicationEvent:
    """Log something that happened without a state change (e.g. submitted, changed)."""
    event = ApplicationEvent(
        application=application,
        kind=kind,
        actor_kind=actor_kind,
        actor_staff_id=actor.id if actor is not None else None,
        to_state=State(to_state).value if to_state else None,
        note=note.strip(),
    )
    db.session.add(event)
    audit.record(
        f"application.{kind}",
        actor=audit.actor_of(actor_kind, staff=actor, application=application),
        object_type="application",
        object_id=application.id,
        area_id=application.area_id,
        to_state=event.to_state,
        note=bool(event.note),
    )
    return event


def add_note(
    application: Application, note: str, *, actor: StaffUser, internal: bool
) -> ApplicationEvent:
    """Record a note in the history; internal notes stay within the QM team."""
    event = ApplicationEvent(
        application=application,
        actor_kind="staff",
        actor_staff_id=actor.id,
        note=note.strip(),
        internal=internal,
    )
    db.session.add(event)
    audit.record(
        "application.note",
        actor=f"staff:{actor.id}",
        object_type="application",
        object_id=application.id,
        area_id=application.area_id,
        internal=internal,
    )
    return event
