"""Cross-cutting records: the mail outbox, link grants and the audit trail."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..extensions import Model
from .base import UTCDateTime, one_of, utcnow

GRANT_PURPOSES = ("status",)  # ballot links use RoundMember as their server-side record


class Mail(Model):
    """An outgoing mail, written in the same transaction as the change that causes it."""

    __tablename__ = "mail"
    __table_args__ = (CheckConstraint("attempts >= 0", name="attempts_nonnegative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: RFC 5322 Message-ID, unique so a retried delivery is recognisable.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    to_addr: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(5))
    #: What the mail is for (e.g. "application.confirmation"); for logs and tests.
    purpose: Mapped[str] = mapped_column(String(60))
    subject: Mapped[str] = mapped_column(String(300))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(Text, default="")


class LinkGrant(Model):
    """Server-side record of an applicant's status link, so it can be revoked."""

    __tablename__ = "link_grant"
    __table_args__ = (one_of("purpose", GRANT_PURPOSES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(10))
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AuditEvent(Model):
    """An append-only, hash-chained record of something that happened.

    Each area's events form a chain of their own (`chain` is the area's id, 0 for events of the
    whole installation), numbered densely by `seq`: writes in different areas never wait for
    each other's chain (juryfund.infra.audit).
    """

    __tablename__ = "audit_event"
    __table_args__ = (
        #: The staff pages list the trail of one application or one round.
        Index("ix_audit_event_object", "object_type", "object_id"),
        #: Two events can never take the same place in a chain, whatever the code does.
        UniqueConstraint("chain", "seq"),
        CheckConstraint("seq >= 1", name="seq_positive"),
    )

    #: Assigned by the database; orders events across chains, in the order they were stored.
    id: Mapped[int] = mapped_column(primary_key=True)
    #: The chain the event belongs to: its area's id, or 0 for the installation's own events.
    chain: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Place in the chain: 1, 2, 3, … with no gaps (the chain assigns it at commit).
    seq: Mapped[int]
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: "staff:12", "member:5", "applicant:SOL-2026-0042" or "system".
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(40))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    #: JSON text of the details, with sorted keys so the hash is reproducible.
    data: Mapped[str] = mapped_column(Text, default="{}")
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: Fingerprint of the audit key that sealed the event (the key itself is never stored).
    key_id: Mapped[str] = mapped_column(String(12), default="", server_default="")
    #: HMAC-SHA256 seal over the contents, key_id and prev_hash (juryfund.infra.audit).
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class ContentVersion(Model):
    """A counter that every commit changing what the public pages show moves on by one.

    Rendered public pages are cached under it (juryfund/pagecache.py): one row, read once per
    cached request, so no worker or server ever serves a page older than the data.
    """

    __tablename__ = "content_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


CONFORMITY_STATES = ("full", "partial", "none")


class AccessibilityStatement(Model):
    """The installation's accessibility statement (BITV 2.0 § 7): one row, edited by admins."""

    __tablename__ = "accessibility_statement"
    __table_args__ = (
        CheckConstraint("id = 1", name="single_row"),
        one_of("conformity", CONFORMITY_STATES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conformity: Mapped[str] = mapped_column(String(8))
    #: What is known not to be accessible yet, and the alternatives offered (German, by staff).
    known_gaps: Mapped[str] = mapped_column(Text, default="")
    checked_on: Mapped[date]
    #: How the statement was made: a self-assessment or an outside test, by whom.
    checked_how: Mapped[str] = mapped_column(Text, default="")
    #: Where feedback on barriers goes (the form mails it through the outbox).
    contact_email: Mapped[str] = mapped_column(String(254))
    #: The enforcement body (Schlichtungsstelle / Durchsetzungsstelle) of the federal state.
    enforcement_body: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
