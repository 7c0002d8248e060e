"""The fund-year books and the applicant's proof of use."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.budget import APPLICATION_KINDS, EntryKind, Origin
from ..domain.lifecycles import ProofState
from ..domain.vocabulary import RECEIPT_CHOICES
from ..extensions import Model
from .base import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from .applications import Application
    from .areas import FundYear
    from .staff import StaffUser

ENTRY_KINDS = tuple(k.value for k in EntryKind)
ORIGINS = tuple(o.value for o in Origin)
PAYMENT_TYPES = ("advance", "instalment", "reimbursement")
PROOF_STATES = tuple(state.value for state in ProofState)
_NAMING_KINDS = ", ".join(f"'{k.value}'" for k in sorted(APPLICATION_KINDS))


class LedgerEntry(Model):
    """One booking in a fund year; never edited or deleted, a correction is a new entry."""

    __tablename__ = "ledger_entry"
    __table_args__ = (
        one_of("kind", ENTRY_KINDS),
        one_of("payment_type", PAYMENT_TYPES),
        one_of("origin", ORIGINS),
        CheckConstraint(
            "(kind = 'adjustment' AND amount_cents <> 0) OR (kind <> 'adjustment' AND amount_cents > 0)",
            name="amount_sign",
        ),
        CheckConstraint(
            f"(kind IN ({_NAMING_KINDS})) = (application_id IS NOT NULL)",
            name="application_where_needed",
        ),
        CheckConstraint("(kind = 'return') = (origin IS NOT NULL)", name="return_has_origin"),
        CheckConstraint("kind <> 'adjustment' OR note <> ''", name="adjustment_has_reason"),
        CheckConstraint("(kind = 'payment') = (payment_type IS NOT NULL)", name="payment_typed"),
        # A fund year gets its allocation once: two requests opening it at once book one.
        Index(
            "uq_ledger_entry_one_allocation",
            "fund_year_id",
            unique=True,
            sqlite_where=text("kind = 'allocation'"),
            postgresql_where=text("kind = 'allocation'"),
        ),
        # A staff form booking money is booked once, however often it is sent (a double click,
        # a browser sending it again): its key goes with its first entry.
        Index("uq_ledger_entry_form_key", "form_key", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_year_id: Mapped[int] = mapped_column(ForeignKey("fund_year.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    application_id: Mapped[int | None] = mapped_column(ForeignKey("application.id"), index=True)
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"))
    payment_type: Mapped[str | None] = mapped_column(String(14))
    #: For a return only: whether unspent commitment or a refund came back after the year closed.
    origin: Mapped[str | None] = mapped_column(String(8))
    note: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: The random key of the staff form that booked it (None for bookings of no form).
    form_key: Mapped[str | None] = mapped_column(String(43))

    fund_year: Mapped[FundYear] = relationship()
    application: Mapped[Application | None] = relationship()
    actor: Mapped[StaffUser | None] = relationship()


class ProofOfUse(Model):
    """The applicant's report on how the money was used (Verwendungsnachweis)."""

    __tablename__ = "proof_of_use"
    __table_args__ = (one_of("state", PROOF_STATES),)

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    state: Mapped[str] = mapped_column(String(20), default="draft")
    report: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date]
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(Text, default="")
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()
    receipts: Mapped[list[Receipt]] = relationship(
        back_populates="proof", order_by="Receipt.position", cascade="all, delete-orphan"
    )


class Receipt(Model):
    """One line of the receipt list (Belegliste) of a proof of use."""

    __tablename__ = "receipt"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        one_of("choice", RECEIPT_CHOICES),
        CheckConstraint(
            "choice IS NULL OR choice <> 'refused' OR choice_reason <> ''",
            name="refusal_has_reason",
        ),
        # One line per place in the list: two saves at once can never leave a doubled list.
        UniqueConstraint("proof_id", "position"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proof_id: Mapped[int] = mapped_column(ForeignKey("proof_of_use.id"), index=True)
    position: Mapped[int]
    date: Mapped[date]
    supplier: Mapped[str] = mapped_column(String(200))
    item: Mapped[str] = mapped_column(String(300))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    #: Staff's choice on a receipt flagged as retroactive (domain.fundrules.receipt_flags);
    #: empty until chosen. A refused receipt does not count toward the proven costs.
    choice: Mapped[str | None] = mapped_column(String(8))
    choice_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    proof: Mapped[ProofOfUse] = relationship(back_populates="receipts")
