"""Versions of an application as the applicant sent them, and what each edit changed.

Each submission and each saved edit stores a snapshot of the application on the application
(`sent_version`); the next edit compares the new state with it and stores the changes with the
history line the edit writes. Comparing with the stored snapshot, never with the live rows, keeps
two things right: a file removed in the form before the edit was saved still shows as removed,
and a second edit shows only its own changes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from ..domain.changes import (
    Change,
    File,
    Line,
    Snapshot,
    blank,
    blank_snapshot,
    changes_from_json,
    changes_to_json,
    compare,
)
from ..extensions import db
from ..models import Application, ApplicationEvent, Attachment

#: The application's fields a version keeps, in the order of the form (and of a diff).
FIELDS = (
    "applicant_kind",
    "applicant_name",
    "organisation",
    "email",
    "phone",
    "address",
    "lives_or_acts_in_area",
    "title",
    "description",
    "goals",
    "target_group",
    "place",
    "start_date",
    "end_date",
    "participants",
    "total_cents",
    "requested_cents",
    "volunteer_hours",
    "own_cents",
    "in_kind",
    "cofunding_source",
    "cofunding_cents",
    "declared_not_started",
    "declared_no_own_fee",
    "consent_processing",
    "consent_publish_name",
)

#: Fields that name or reach the applicant: erasure blanks them in every stored version and diff.
PERSONAL_FIELDS = ("applicant_name", "organisation", "email", "phone", "address")


def snapshot(application: Application) -> Snapshot:
    """The application as it stands now: its fields, its cost plan and its own files."""
    values: dict[str, str | int | bool | None] = {}
    for name in FIELDS:
        value = getattr(application, name)
        values[name] = value.isoformat() if hasattr(value, "isoformat") else value
    files = db.session.scalars(
        select(Attachment)
        .where(Attachment.application_id == application.id, Attachment.proof_id.is_(None))
        .order_by(Attachment.id)
    )
    return Snapshot(
        fields=values,
        lines=tuple(
            Line(item.description, item.category, item.quantity, item.unit_cents)
            for item in application.cost_items
        ),
        files=tuple(File(f.filename, f.size, f.sha256) for f in files),
    )


def remember(application: Application) -> None:
    """Keep the application as it stands now as the version the applicant sent."""
    db.session.flush()  # the cost lines and claimed files, as the snapshot reads them
    application.sent_version = snapshot(application).to_json()


def fingerprint(application: Application) -> str:
    """A short digest of the version the applicant last sent and of the application as it
    stands (a file removed in the edit form is gone before the edit is saved). A review step
    carries the one of the page it was decided on, so a change meanwhile is noticed
    (intake.check_seen)."""
    text = f"{application.sent_version or ''}\n{snapshot(application).to_json()}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def last_sent(application: Application) -> Snapshot:
    """The version the applicant last sent; for an application from before versions were kept,
    the application as it stands (its next edit then shows fields and lines, and files that were
    not removed in the form before saving)."""
    if application.sent_version:
        return Snapshot.from_json(application.sent_version)
    return snapshot(application)


def record_edit(
    application: Application, event: ApplicationEvent, before: Snapshot
) -> list[Change]:
    """Store on the edit's history line what changed since `before`, and keep the new version."""
    db.session.flush()
    after = snapshot(application)
    changes = compare(before, after, order=FIELDS)
    event.changes = changes_to_json(changes)
    application.sent_version = after.to_json()
    return changes


def note_file_added(application: Application, attachment: Attachment) -> None:
    """A file staff added for the applicant belongs to the sent version: the applicant's next
    edit must not show it as added by them."""
    if not application.sent_version:
        return
    version = Snapshot.from_json(application.sent_version)
    file = File(attachment.filename, attachment.size, attachment.sha256)
    application.sent_version = Snapshot(
        version.fields, version.lines, (*version.files, file)
    ).to_json()


def changes_of(event: ApplicationEvent) -> list[Change] | None:
    """What an edit changed (empty when nothing); None for a line that is not an edit."""
    return changes_from_json(event.changes)


def latest_edit(events: Sequence[ApplicationEvent]) -> ApplicationEvent | None:
    """The newest history line that recorded an edit or a resubmission."""
    return next((e for e in reversed(events) if e.changes is not None), None)


def erase(application: Application, *, placeholder: str, texts: Iterable[str], title: bool) -> None:
    """Blank personal data in the stored version and in every stored diff: names, contact,
    address and file names always, the title when it was replaced, and the free texts chosen."""
    fields = (*PERSONAL_FIELDS, *(("title",) if title else ()), *texts)
    if application.sent_version:
        application.sent_version = blank_snapshot(
            Snapshot.from_json(application.sent_version),
            fields=fields,
            placeholder=placeholder,
            files=True,
        ).to_json()
    for event in application.events:
        changes = changes_from_json(event.changes)
        if changes:
            event.changes = changes_to_json(
                blank(changes, fields=fields, placeholder=placeholder, files=True)
            )
