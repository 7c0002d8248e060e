"""Money after approval: payouts, refunds, adjustments, cancellation and closing a fund year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from ..domain.budget import EntryKind
from ..domain.errors import BookingRefused, DomainError
from ..domain.states import State
from ..extensions import db
from ..models import Application, FundYear, LedgerEntry, StaffUser
from ..models.base import utcnow
from . import history, ledger

PAYMENT_TYPES = ("advance", "instalment", "reimbursement")


def _fund_year(application: Application) -> FundYear:
    """The fund year of an approved application's commitment."""
    fund_year = ledger.fund_year_of(application)
    if fund_year is None:
        raise BookingRefused("booking.no_commitment", field="amount")
    return fund_year


def record_payment(application: Application, *, amount_cents: int, payment_type: str, note: str,
                   actor: StaffUser) -> LedgerEntry:
    """Book money paid to the applicant (advance, instalment or reimbursement)."""
    if application.state != State.APPROVED:
        raise DomainError("books.not_approved")
    if payment_type not in PAYMENT_TYPES:
        raise DomainError("books.payment_type", field="payment_type")
    return ledger.book(_fund_year(application), EntryKind.PAYMENT, amount_cents, application=application,
                       payment_type=payment_type, note=note, actor=actor)


def record_refund(application: Application, *, amount_cents: int, note: str, actor: StaffUser) -> LedgerEntry:
    """Book money the applicant paid back; for a cancelled project it is released at once."""
    fund_year = _fund_year(application)
    entry = ledger.book(fund_year, EntryKind.REFUND, amount_cents, application=application, note=note, actor=actor)
    if application.state == State.CANCELLED:
        ledger.book(fund_year, EntryKind.RELEASE, amount_cents, application=application, actor=actor,
                    note=note or "refund of a cancelled project")
    return entry


def record_adjustment(fund_year: FundYear, *, amount_cents: int, reason: str, actor: StaffUser) -> LedgerEntry:
    """Raise or lower a fund year's money (e.g. a later grant or a cut), with its reason."""
    return ledger.book(fund_year, EntryKind.ADJUSTMENT, amount_cents, note=reason, actor=actor)


def cancel(application: Application, *, reason: str, actor: StaffUser) -> None:
    """Cancel an approved project: what is not paid out is released; paid money is to be refunded."""
    if not reason.strip():
        raise DomainError("books.reason_required", field="reason")
    if application.state != State.APPROVED:
        raise DomainError("books.not_approved")
    account = ledger.account_of(application.id)
    history.transition(application, State.CANCELLED, actor_kind="staff", actor=actor, note=reason)
    if account.open > 0:
        ledger.book(_fund_year(application), EntryKind.RELEASE, account.open, application=application,
                    note=reason, actor=actor)


def close_year(fund_year: FundYear, *, actor: StaffUser | None, today: date | None = None) -> int:
    """Close a fund year: unspent money lapses, or moves into next year as carry_in; how much."""
    if fund_year.closed_at is not None:
        raise DomainError("books.year_closed_already")
    if fund_year.year >= (today or date.today()).year:
        raise DomainError("books.year_not_over", year=fund_year.year)
    unspent = ledger.balances_of(fund_year.id).available
    if fund_year.fund.carry_over and unspent > 0:
        following = db.session.scalar(
            select(FundYear).where(FundYear.fund_id == fund_year.fund_id, FundYear.year == fund_year.year + 1)
        )
        if following is None:
            following = FundYear(fund_id=fund_year.fund_id, year=fund_year.year + 1)
            db.session.add(following)
            db.session.flush()
        note = f"{fund_year.year} → {following.year}"
        ledger.book(fund_year, EntryKind.ADJUSTMENT, -unspent, note=note, actor=actor)
        ledger.book(following, EntryKind.CARRY_IN, unspent, note=note, actor=actor)
    fund_year.closed_at = utcnow()
    db.session.flush()
    return unspent
