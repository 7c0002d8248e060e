"""The accessibility statement (Erklärung zur Barrierefreiheit) and feedback on barriers.

BITV 2.0 § 7 asks a public body's site for a statement with the state of conformity, the known
gaps, the date and method of the last check, a way to report barriers and the contact of the
enforcement body. The installation keeps one statement, edited by its admins; feedback reaches
the statement's contact address through the outbox, like every other mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from ..domain.actors import Actor
from ..domain.errors import DomainError
from ..extensions import db
from ..infra import audit, clock
from ..infra.mail import queue_mail
from ..models import AccessibilityStatement, Area, StaffUser
from ..models.system import CONFORMITY_STATES
from . import setup

#: Longest feedback message kept (characters); a report of a barrier is a few sentences.
MAX_FEEDBACK = 5000


@dataclass(frozen=True)
class Statement:
    """What the statement page shows; `saved` is False until an admin has filled it in."""

    conformity: str
    known_gaps: str
    checked_on: date | None
    checked_how: str
    contact_email: str
    enforcement_body: str
    saved: bool


def statement() -> Statement:
    """The installation's statement, or the unsaved default: partly conformant, not yet checked."""
    row = db.session.get(AccessibilityStatement, 1)
    if row is None:
        return Statement("partial", "", None, "", "", "", saved=False)
    return Statement(
        row.conformity,
        row.known_gaps,
        row.checked_on,
        row.checked_how,
        row.contact_email,
        row.enforcement_body,
        saved=True,
    )


def save_statement(
    *,
    conformity: str,
    known_gaps: str,
    checked_on: date | None,
    checked_how: str,
    contact_email: str,
    enforcement_body: str,
    actor: Actor,
) -> AccessibilityStatement:
    """Create or replace the statement; every refusal at once, each naming its field."""
    errors = []
    if conformity not in CONFORMITY_STATES:
        errors.append(DomainError("accessibility.conformity", field="conformity"))
    if checked_on is None:
        errors.append(DomainError("accessibility.checked_on_required", field="checked_on"))
    elif checked_on > clock.today_in(None):
        errors.append(DomainError("accessibility.checked_in_future", field="checked_on"))
    if not contact_email.strip():
        errors.append(DomainError("accessibility.contact_required", field="contact_email"))
    if not enforcement_body.strip():
        errors.append(DomainError("accessibility.enforcement_required", field="enforcement_body"))
    setup.refuse(errors)
    assert checked_on is not None  # refused above
    values = {
        "conformity": conformity,
        "known_gaps": known_gaps.strip(),
        "checked_on": checked_on,
        "checked_how": checked_how.strip(),
        "contact_email": contact_email.strip(),
        "enforcement_body": enforcement_body.strip(),
    }
    # Two admins saving at once, even the very first time: the one row is created race-free
    # (the second insert waits for the first and then does nothing), and the UPDATE, which
    # locks the row, lets the second save win after the first. An UPDATE statement also tells
    # the page cache that the public statement changed.
    table = AccessibilityStatement.__table__
    insert = pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert
    db.session.execute(
        insert(table).values(id=1, **values).on_conflict_do_nothing(index_elements=["id"])
    )
    db.session.execute(
        update(AccessibilityStatement).where(AccessibilityStatement.id == 1).values(**values)
    )
    row = db.session.get(AccessibilityStatement, 1, populate_existing=True)
    assert row is not None  # written above
    audit.record(
        "accessibility.statement_saved",
        actor=actor,
        object_type="accessibility_statement",
        object_id=1,
        conformity=conformity,
        checked_on=checked_on.isoformat(),
    )
    return row


def feedback_recipients(area_id: int | None) -> list[str]:
    """Who reads feedback: the chosen area's QM contact, else the statement's contact, else
    the installation's admins (so feedback is never lost while the statement is unsaved)."""
    if area_id is not None:
        area = db.session.get(Area, area_id)
        if area is not None and area.contact_email:
            return [area.contact_email]
    contact = statement().contact_email
    if contact:
        return [contact]
    return list(
        db.session.scalars(
            select(StaffUser.email)
            .where(StaffUser.role == "admin", StaffUser.active.is_(True))
            .order_by(StaffUser.id)
        )
    )


def send_feedback(
    *, message: str, page: str, name: str, email: str, area_id: int | None, language: str
) -> int:
    """Queue the feedback to the QM team (in German, the team's language); how many mails."""
    if not message.strip():
        raise DomainError("accessibility.message_required", field="message")
    if len(message) > MAX_FEEDBACK:
        raise DomainError("accessibility.message_too_long", field="message", maximum=MAX_FEEDBACK)
    area = db.session.get(Area, area_id) if area_id is not None else None
    recipients = feedback_recipients(area_id)
    for address in recipients:
        queue_mail(
            to=address,
            language="de",
            purpose="accessibility.feedback",
            template="accessibility_feedback",
            message=message.strip(),
            page_address=page.strip()[:500],
            sender_name=name.strip()[:200],
            sender_email=email.strip()[:254],
            area_name=area.name if area is not None else "",
            sender_language=language,
        )
    return len(recipients)
