"""Places of projects: staff pin an application on the map; the public sees funded projects' pins.

Privacy: a pin reaches a public page only when the project is funded (approved or settled, by
a decision in force) and the place is a public one, or a private address whose applicant
consented (``Application.consent_show_place``, withdrawn through services.privacy). The query
decides it in SQL and the rows are checked again with the domain's rule, so an unconsented
private address is never even loaded for a public page. Coordinates stay out of the audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, not_, or_, select
from sqlalchemy.orm import aliased

from ..domain.actors import Actor
from ..domain.errors import DomainError
from ..domain.places import PlaceKind, is_public, parse_point
from ..domain.states import State
from ..domain.voting import Outcome
from ..extensions import db
from ..infra import audit
from ..models import Application, Area, Decision, ProjectPin
from . import locks

#: States of a project shown on the map: funded and not cancelled (its money went back).
MAPPED_STATES = (State.APPROVED.value, State.SETTLED.value)


@dataclass(frozen=True)
class MapEntry:
    """One funded project on a public map."""

    reference: str
    title: str
    place: str
    approved_cents: int
    area_slug: str
    area_name: str
    latitude_micro: int
    longitude_micro: int


def pin_of(application: Application) -> ProjectPin | None:
    """The application's pin, if staff set one."""
    return db.session.get(ProjectPin, application.id)


def set_pin(
    application: Application,
    *,
    latitude: str | None,
    longitude: str | None,
    kind: str | None,
    actor: Actor,
) -> ProjectPin:
    """Place (or move) the application's pin from typed coordinates; every refusal at once."""
    # The erasure check reads under the application's lock, which erasing takes as well: a pin
    # set while the application is being erased waits and is then refused.
    locks.lock(Application, application.id)
    errors: list[DomainError] = []
    point: tuple[int, int] | None = None
    try:
        point = parse_point(latitude, longitude)
    except DomainError as error:
        errors += [error, *error.more]
    if kind not in {k.value for k in PlaceKind}:
        errors.append(DomainError("place.kind_required", field="kind"))
    if application.anonymised_at is not None:
        errors.append(DomainError("place.erased"))
    if errors:
        errors[0].more = tuple(errors[1:])
        raise errors[0]
    assert point is not None and kind is not None
    pin = pin_of(application)
    if pin is None:
        pin = ProjectPin(application_id=application.id)
        db.session.add(pin)
    pin.latitude_micro, pin.longitude_micro = point
    pin.kind = kind
    pin.set_by_id = actor.staff_id
    audit.record_about(
        application, "application.pin_set", actor=actor, area_id=application.area_id, kind=kind
    )
    db.session.flush()
    return pin


def remove_pin(application: Application, *, actor: Actor) -> None:
    """Take the application off the map."""
    locks.lock(Application, application.id)
    pin = pin_of(application)
    if pin is None:
        raise DomainError("place.no_pin")
    db.session.delete(pin)
    audit.record_about(
        application, "application.pin_removed", actor=actor, area_id=application.area_id
    )
    db.session.flush()


def _in_force() -> ColumnElement[bool]:
    """SQL condition: no other decision supersedes this one."""
    later = aliased(Decision)
    return not_(exists().where(later.supersedes_id == Decision.id))


def _public_pin_query() -> Select[*tuple[Any, ...]]:
    """Pins the public may see, with the project's published columns; no area filter yet."""
    return (
        select(
            Application.reference,
            Application.title,
            Application.place,
            Application.consent_show_place,
            Decision.approved_cents,
            Area.slug,
            Area.name,
            ProjectPin.latitude_micro,
            ProjectPin.longitude_micro,
            ProjectPin.kind,
        )
        .select_from(ProjectPin)
        .join(Application, Application.id == ProjectPin.application_id)
        .join(Area, Area.id == Application.area_id)
        .join(Decision, Decision.application_id == Application.id)
        .where(
            Application.state.in_(MAPPED_STATES),
            Decision.outcome == Outcome.APPROVED.value,
            _in_force(),
            or_(
                ProjectPin.kind == PlaceKind.PUBLIC.value,
                and_(ProjectPin.kind == PlaceKind.PRIVATE.value, Application.consent_show_place),
            ),
        )
    )


def public_map(area: Area | None = None) -> list[MapEntry]:
    """The funded projects with a public pin, of an area or of every area (one query).

    Ordered by area and title, so the list reads like a directory.
    """
    query = _public_pin_query()
    if area is not None:
        query = query.where(Application.area_id == area.id)
    rows = db.session.execute(query.order_by(Area.name, Application.title, Application.reference))
    return [
        MapEntry(
            reference=row.reference,
            title=row.title,
            place=row.place,
            approved_cents=row.approved_cents,
            area_slug=row.slug,
            area_name=row.name,
            latitude_micro=row.latitude_micro,
            longitude_micro=row.longitude_micro,
        )
        for row in rows
        # The domain's rule once more, so the SQL above cannot drift from it unnoticed.
        if is_public(row.kind, consent=row.consent_show_place)
    ]


def has_public_pin(area: Area, reference: str) -> bool:
    """Whether the area's project of this reference shows on the public map."""
    query = _public_pin_query().where(
        Application.area_id == area.id, Application.reference == reference
    )
    return any(
        is_public(row.kind, consent=row.consent_show_place) for row in db.session.execute(query)
    )


def centre_of(area: Area) -> tuple[int, int] | None:
    """The middle of the area's pins (any, for staff placing a new one), or None without pins."""
    rows = db.session.execute(
        select(ProjectPin.latitude_micro, ProjectPin.longitude_micro)
        .join(Application, Application.id == ProjectPin.application_id)
        .where(Application.area_id == area.id)
        .limit(500)
    ).all()
    if not rows:
        return None
    return (
        sum(row[0] for row in rows) // len(rows),
        sum(row[1] for row in rows) // len(rows),
    )
