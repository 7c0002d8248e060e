"""State changes of applications, each written to the history with actor, time and note."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, literal, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain.actors import Actor
from ..domain.states import State, move
from ..extensions import db
from ..infra import audit
from ..models import Application, ApplicationCounter, ApplicationEvent, Area
from . import locks


def next_reference(area: Area, year: int) -> tuple[int, str]:
    """Draw the next number and reference of an area's year, e.g. (42, "SOL-2026-0042").

    The number comes from the area's counter row for the year, raised in the caller's
    transaction: a second submission at the same moment waits on that row for the first to
    commit and then takes the number after it, so nobody collides and nobody is turned away.
    A rolled-back submission gives its number back. The row is created on the year's first
    submission, starting after the highest number already there (data loaded from elsewhere).
    """
    number = _raise_counter(area.id, year)
    if number is None:
        _create_counter(area.id, year)
        number = _raise_counter(area.id, year)
    assert number is not None
    return number, f"{area.code}-{year}-{number:04d}"


def _raise_counter(area_id: int, year: int) -> int | None:
    """Add one to the counter row under its row lock; None when the year has no row yet."""
    return db.session.execute(
        update(ApplicationCounter)
        .where(ApplicationCounter.area_id == area_id, ApplicationCounter.year == year)
        .values(last_number=ApplicationCounter.last_number + 1)
        .returning(ApplicationCounter.last_number)
        .execution_options(synchronize_session=False)
    ).scalar_one_or_none()


def _create_counter(area_id: int, year: int) -> None:
    """Create the year's counter row at the highest number in use; a row created meanwhile wins."""
    insert = (
        postgresql_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    )
    highest = select(
        literal(area_id), literal(year), func.coalesce(func.max(Application.number), 0)
    ).where(Application.area_id == area_id, Application.year == year)
    db.session.execute(
        insert(ApplicationCounter)
        .from_select(["area_id", "year", "last_number"], highest)
        .on_conflict_do_nothing(index_elements=["area_id", "year"])
    )


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
