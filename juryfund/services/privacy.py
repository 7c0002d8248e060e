"""Personal data of applicants: export on request, and anonymisation after the retention period."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select

from ..domain.states import FINAL
from ..extensions import db
from ..models import (
    Application,
    ApplicationEvent,
    Attachment,
    Decision,
    Fund,
    LedgerEntry,
    LinkGrant,
    Mail,
    ProofOfUse,
)
from ..models.base import utcnow

#: What replaces a name or an address once the retention period is over.
ERASED = "—"


def export(application: Application) -> dict[str, Any]:
    """Everything stored about an application and its applicant, as JSON-ready data (Art. 15 GDPR)."""
    proof = db.session.scalar(select(ProofOfUse).where(ProofOfUse.application_id == application.id))
    return {
        "reference": application.reference,
        "area": application.area.name,
        "fund": application.fund.name,
        "state": application.state,
        "language": application.language,
        "applicant": {
            "kind": application.applicant_kind,
            "name": application.applicant_name,
            "organisation": application.organisation,
            "email": application.email,
            "phone": application.phone,
            "address": application.address,
            "lives_or_acts_in_area": application.lives_or_acts_in_area,
            "consent_processing": application.consent_processing,
            "consent_publish_name": application.consent_publish_name,
        },
        "project": {
            "title": application.title,
            "description": application.description,
            "goals": application.goals.splitlines(),
            "target_group": application.target_group,
            "place": application.place,
            "start_date": application.start_date.isoformat(),
            "end_date": application.end_date.isoformat(),
            "participants": application.participants,
            "volunteer_hours": application.volunteer_hours,
            "in_kind": application.in_kind,
            "cofunding_source": application.cofunding_source,
            "cofunding_cents": application.cofunding_cents,
            "requested_cents": application.requested_cents,
            "total_cents": application.total_cents,
        },
        "cost_plan": [
            {
                "description": i.description,
                "category": i.category,
                "quantity": i.quantity,
                "unit_cents": i.unit_cents,
                "total_cents": i.total_cents,
            }
            for i in application.cost_items
        ],
        "history": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "from": e.from_state,
                "to": e.to_state,
                "note": e.note,
                "internal": e.internal,
            }
            for e in application.events
        ],
        "decisions": _rows(
            Decision,
            application.id,
            at="decided_at",
            columns=("outcome", "approved_cents", "conditions", "correction_reason"),
        ),
        "bookings": _rows(
            LedgerEntry, application.id, at="at", columns=("kind", "amount_cents", "note")
        ),
        "proof_of_use": None
        if proof is None
        else {
            "state": proof.state,
            "report": proof.report,
            "due_on": proof.due_on.isoformat(),
            "receipts": [
                {
                    "date": r.date.isoformat(),
                    "supplier": r.supplier,
                    "item": r.item,
                    "amount_cents": r.amount_cents,
                }
                for r in proof.receipts
            ],
        },
        "files": _rows(
            Attachment,
            application.id,
            columns=("filename", "kind", "content_type", "size", "sha256"),
        ),
        "mails": [
            {"at": m.created_at.isoformat(), "subject": m.subject, "sent": m.sent_at is not None}
            for m in db.session.scalars(select(Mail).where(Mail.to_addr == application.email))
        ]
        if application.email
        else [],
        "anonymised_at": application.anonymised_at.isoformat()
        if application.anonymised_at
        else None,
    }


def _rows(
    model: type[Decision | LedgerEntry | Attachment],
    application_id: int,
    *,
    columns: tuple[str, ...],
    at: str | None = None,
) -> list[dict[str, Any]]:
    """An application's rows of one table: when (as ISO text, if named) and the named columns."""
    found = db.session.scalars(select(model).where(model.application_id == application_id))
    return [
        ({"at": getattr(row, at).isoformat()} if at else {})
        | {name: getattr(row, name) for name in columns}
        for row in found
    ]


def anonymise(application: Application, *, now: datetime | None = None) -> None:
    """Erase the applicant's personal data; the decisions, amounts and bookings stay for audit."""
    if application.email:
        db.session.execute(
            delete(Mail).where(Mail.to_addr == application.email, Mail.sent_at.is_not(None))
        )
    application.applicant_name = ERASED
    application.email = application.phone = ""
    application.address = ERASED
    application.consent_publish_name = False
    proof = db.session.scalar(select(ProofOfUse).where(ProofOfUse.application_id == application.id))
    for receipt in proof.receipts if proof else []:
        receipt.supplier = ERASED
    # Files (quotes, receipts, photos) carry names and signatures; the amounts are in the books.
    db.session.execute(delete(Attachment).where(Attachment.application_id == application.id))
    db.session.execute(delete(LinkGrant).where(LinkGrant.application_id == application.id))
    application.anonymised_at = now or utcnow()
    db.session.flush()


def due_for_anonymisation(now: datetime) -> list[Application]:
    """Final applications whose last activity is older than their fund's retention period."""
    last_activity = (
        select(ApplicationEvent.application_id, func.max(ApplicationEvent.at).label("last"))
        .group_by(ApplicationEvent.application_id)
        .subquery()
    )
    candidates = db.session.execute(
        select(Application, Fund.retention_years, last_activity.c.last)
        .join(Fund, Application.fund_id == Fund.id)
        .join(last_activity, last_activity.c.application_id == Application.id)
        .where(Application.anonymised_at.is_(None), Application.state.in_([s.value for s in FINAL]))
    ).all()
    return [app for app, years, last in candidates if last < now - timedelta(days=365 * years)]
