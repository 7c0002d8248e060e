"""Applications with their cost plan, attachments and history."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..domain.states import State
from ..domain.vocabulary import APPLICANT_KINDS, COST_CATEGORIES
from ..extensions import Model
from .base import Cents, UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from .areas import Area, Fund
    from .staff import StaffUser

STATES = tuple(s.value for s in State)
ACTOR_KINDS = ("applicant", "staff", "member", "system")
#: What a history line records; pages show a translated label per kind, so no text is stored.
EVENT_KINDS = (
    "state",
    "submitted",
    "changed",
    "note",
    "proof",
    "consent",
    "erased",
    "link",
    # A payment request's steps (models.payments): asked for, approved, refused, paid out.
    "pay_asked",
    "pay_ok",
    "pay_refuse",
    "pay_paid",
    # The consent to show a private address on the map (models.places): given, withdrawn.
    "place_ok",
    "place_off",
    # A project story's steps (models.stories): saved, approved, sent back, a photo taken out,
    # the consent to publish it withdrawn.
    "story",
    "story_ok",
    "story_back",
    "story_pic",
    "story_off",
)
ATTACHMENT_KINDS = ("quote", "receipt", "photo", "other")


class Application(Model):
    """A resident's request for money from a fund (Antrag)."""

    __tablename__ = "application"
    __table_args__ = (
        UniqueConstraint("area_id", "year", "number"),
        one_of("state", STATES),
        one_of("applicant_kind", APPLICANT_KINDS),
        CheckConstraint("number > 0", name="number_positive"),
        CheckConstraint("requested_cents >= 0", name="requested_nonnegative"),
        CheckConstraint("total_cents >= 0", name="total_nonnegative"),
        CheckConstraint("requested_cents <= total_cents", name="requested_within_total"),
        CheckConstraint("cofunding_cents >= 0", name="cofunding_nonnegative"),
        CheckConstraint("own_cents >= 0", name="own_nonnegative"),
        CheckConstraint("volunteer_hours >= 0", name="volunteer_hours_nonnegative"),
        CheckConstraint("participants >= 0", name="participants_nonnegative"),
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("fund.id"), index=True)
    #: Reference parts: <area code>-<year>-<number>, the number counting per area and year.
    year: Mapped[int]
    number: Mapped[int]
    reference: Mapped[str] = mapped_column(String(20), unique=True)
    #: The key of the form it was sent from (a resident's form only): a form sent twice (a
    #: double click, a reload) makes one application, never two.
    submission_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    state: Mapped[str] = mapped_column(String(12), default=State.SUBMITTED.value, index=True)
    #: The language the applicant used; mails to them go out in it.
    language: Mapped[str] = mapped_column(String(5), default="de")

    applicant_kind: Mapped[str] = mapped_column(String(12))
    applicant_name: Mapped[str] = mapped_column(String(200))
    organisation: Mapped[str] = mapped_column(String(200), default="")
    #: May be empty for a paper application entered by staff; then no mail goes out.
    email: Mapped[str] = mapped_column(String(254), index=True, default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    lives_or_acts_in_area: Mapped[bool] = mapped_column(default=False)

    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    #: Ticked action fields of the area, one per line.
    goals: Mapped[str] = mapped_column(Text, default="")
    target_group: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(300), default="")
    start_date: Mapped[date]
    end_date: Mapped[date]
    participants: Mapped[int] = mapped_column(default=0)

    volunteer_hours: Mapped[int] = mapped_column(default=0)
    in_kind: Mapped[str] = mapped_column(Text, default="")
    #: Own money put into the action (own contribution beside the volunteer hours).
    own_cents: Mapped[Cents] = mapped_column(default=0, server_default="0")
    cofunding_source: Mapped[str] = mapped_column(String(200), default="")
    cofunding_cents: Mapped[Cents] = mapped_column(default=0)
    #: Sum of the cost plan, kept with the lines so lists need no join.
    total_cents: Mapped[Cents] = mapped_column(default=0)
    requested_cents: Mapped[Cents]

    declared_not_started: Mapped[bool] = mapped_column(default=False)
    declared_no_own_fee: Mapped[bool] = mapped_column(default=False)
    consent_processing: Mapped[bool] = mapped_column(default=False)
    consent_publish_name: Mapped[bool] = mapped_column(default=False)
    #: The applicant agreed that the private address staff pinned may show on the public map.
    consent_show_place: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Consent to publish the project story and its photos (withdrawable, services.privacy).
    consent_publish_story: Mapped[bool] = mapped_column(default=False, server_default=false())

    #: The QM team's formal review note, shown to the body with the dossier.
    review_note: Mapped[str] = mapped_column(Text, default="")
    entered_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: Set when personal data was erased after the retention period.
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: JSON snapshot of the version the applicant last sent (juryfund.domain.changes.Snapshot):
    #: the next edit's changes are counted from it, so files removed in the form before saving
    #: still show as removed.
    sent_version: Mapped[str | None] = deferred(mapped_column(Text))

    area: Mapped[Area] = relationship()
    fund: Mapped[Fund] = relationship()
    entered_by: Mapped[StaffUser | None] = relationship()
    cost_items: Mapped[list[CostItem]] = relationship(
        back_populates="application", order_by="CostItem.position", cascade="all, delete-orphan"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="application", order_by="Attachment.id"
    )
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id"
    )


class CostItem(Model):
    """One line of an application's cost plan."""

    __tablename__ = "cost_item"
    __table_args__ = (
        one_of("category", COST_CATEGORIES),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_cents >= 0", name="unit_nonnegative"),
        CheckConstraint("total_cents = quantity * unit_cents", name="total_is_product"),
        UniqueConstraint("application_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id", ondelete="CASCADE"))
    position: Mapped[int]
    description: Mapped[str] = mapped_column(String(300))
    category: Mapped[str] = mapped_column(String(20))
    quantity: Mapped[Cents]  # multiplied into total_cents, so as wide
    unit_cents: Mapped[Cents]
    total_cents: Mapped[Cents]

    application: Mapped[Application] = relationship(back_populates="cost_items")


class Attachment(Model):
    """An uploaded file (quote, receipt, photo), its bytes loaded only when downloaded."""

    __tablename__ = "attachment"
    __table_args__ = (
        one_of("kind", ATTACHMENT_KINDS),
        one_of("content_type", ("application/pdf", "image/jpeg", "image/png")),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("application_id IS NOT NULL OR draft_key IS NOT NULL", name="owned"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Empty while the file belongs to a form that is not submitted yet (see draft_key).
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    #: Random key kept in the uploader's session, so a form that comes back with errors keeps
    #: its files; unclaimed drafts are deleted after a day.
    draft_key: Mapped[str | None] = mapped_column(String(64), index=True)
    receipt_id: Mapped[int | None] = mapped_column(ForeignKey("receipt.id"), index=True)
    proof_id: Mapped[int | None] = mapped_column(ForeignKey("proof_of_use.id"), index=True)
    kind: Mapped[str] = mapped_column(String(10), default="quote")
    filename: Mapped[str] = mapped_column(String(255))
    #: Detected from the file's first bytes, never taken from the browser.
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application | None] = relationship(back_populates="attachments")


class ApplicationEvent(Model):
    """One line of an application's history: a state change or a note, with actor and time."""

    __tablename__ = "application_event"
    __table_args__ = (
        one_of("actor_kind", ACTOR_KINDS),
        one_of("kind", EVENT_KINDS),
        one_of("from_state", STATES, name="from_state_valid"),
        one_of("to_state", STATES, name="to_state_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    kind: Mapped[str] = mapped_column(String(10), default="state")
    actor_kind: Mapped[str] = mapped_column(String(10))
    actor_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    #: Both empty for a plain note; both set for a state change.
    from_state: Mapped[str | None] = mapped_column(String(12))
    to_state: Mapped[str | None] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    #: Internal notes are for the QM team only, never shown to the applicant.
    internal: Mapped[bool] = mapped_column(default=False)
    #: JSON list of what an edit or a resubmission changed (juryfund.domain.changes); empty
    #: (NULL) for every other line, "[]" for an edit that changed nothing.
    changes: Mapped[str | None] = mapped_column(Text)

    application: Mapped[Application] = relationship(back_populates="events")
    actor_staff: Mapped[StaffUser | None] = relationship()


class ApplicationCounter(Model):
    """The last application number drawn in an area's year (the next one is one higher).

    One row per area and year: a submission raises it in its own transaction, so two residents
    sending at once wait for each other on this row instead of colliding on the same number.
    """

    __tablename__ = "application_counter"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_nonnegative"),)

    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int]
