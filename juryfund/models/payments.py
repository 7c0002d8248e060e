"""Payment requests (Zahlungsabruf): the applicant asks for money to be paid out to an account."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.lifecycles import PaymentRequestState
from ..extensions import Model
from .base import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from .applications import Application
    from .ledger import LedgerEntry
    from .staff import StaffUser

#: What may be requested; the same names as a payment's type in the books (models.ledger).
REQUEST_KINDS = ("advance", "reimbursement")
REQUEST_STATES = tuple(state.value for state in PaymentRequestState)
#: A request still waiting for staff (approval or payout); at most one per application.
OPEN_STATES_SQL = "state IN ('requested', 'approved')"


class PaymentRequest(Model):
    """An advance or reimbursement asked for, with the account to pay it to.

    requested -> approved -> paid, or refused (with a reason) before it is paid. The account
    holder, IBAN and BIC are personal data: erased with the application's personal data (the
    amount and the booking stay for the books).
    """

    __tablename__ = "payment_request"
    __table_args__ = (
        one_of("kind", REQUEST_KINDS),
        one_of("state", REQUEST_STATES),
        one_of("requested_by", ("applicant", "staff"), name="requested_by_valid"),
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("state <> 'refused' OR refusal_reason <> ''", name="refusal_has_reason"),
        CheckConstraint(
            "(state = 'paid') = (ledger_entry_id IS NOT NULL)", name="paid_has_booking"
        ),
        CheckConstraint(
            "state NOT IN ('approved', 'paid') OR approved_at IS NOT NULL",
            name="approved_has_time",
        ),
        # Four eyes: whoever entered a request for the applicant does not approve it as well,
        # or one staff member alone could send an applicant's money to any account.
        CheckConstraint(
            "requested_by_staff_id IS NULL OR approved_by_id IS NULL"
            " OR approved_by_id <> requested_by_staff_id",
            name="four_eyes",
        ),
        # One open request per application: a second one waits until the first is paid or
        # refused, so two requests can never ask for the same money.
        Index(
            "uq_payment_request_open",
            "application_id",
            unique=True,
            sqlite_where=text(OPEN_STATES_SQL),
            postgresql_where=text(OPEN_STATES_SQL),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    kind: Mapped[str] = mapped_column(String(14))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    #: Personal data: erased (emptied) with the application's personal data.
    account_holder: Mapped[str] = mapped_column(String(200))
    #: Stored normalised (uppercase, no spaces; domain.banking); empty once erased.
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str] = mapped_column(String(11), default="")
    state: Mapped[str] = mapped_column(String(10), default=PaymentRequestState.REQUESTED.value)
    #: Who asked: the applicant from the status page, or staff for a paper request.
    requested_by: Mapped[str] = mapped_column(String(10))
    requested_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    refused_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refusal_reason: Mapped[str] = mapped_column(Text, default="")
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The payment booked when the request was paid (unique: one booking pays one request).
    ledger_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"), unique=True)

    application: Mapped[Application] = relationship()
    ledger_entry: Mapped[LedgerEntry | None] = relationship()
    requested_by_staff: Mapped[StaffUser | None] = relationship(
        foreign_keys=[requested_by_staff_id]
    )
    approved_by: Mapped[StaffUser | None] = relationship(foreign_keys=[approved_by_id])

    @property
    def open(self) -> bool:
        """Still waiting for staff: requested or approved, not yet paid or refused."""
        return self.state in (
            PaymentRequestState.REQUESTED.value,
            PaymentRequestState.APPROVED.value,
        )
