"""Money after approval: payouts, refunds, adjustments, cancellation and closing a fund year."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, func, or_, select

from ..domain.actors import Actor
from ..domain.budget import EntryKind, Target, close_entries
from ..domain.errors import DomainError
from ..domain.lifecycles import PaymentRequestState
from ..domain.money import check_bound
from ..domain.states import State
from ..extensions import db
from ..infra import clock
from ..models import Application, Fund, FundYear, LedgerEntry, PaymentRequest
from ..models.base import utcnow
from . import history, ledger, locks, payments

PAYMENT_TYPES = ("advance", "instalment", "reimbursement")


def _locked(application: Application) -> Application:
    """The application locked for this transaction and read afresh (services.locks)."""
    return locks.lock(Application, application.id)


def record_payment(
    application: Application,
    *,
    amount_cents: int,
    payment_type: str,
    note: str,
    actor: Actor,
    form_key: str | None = None,
) -> LedgerEntry:
    """Book money paid to the applicant (advance, instalment or reimbursement); a form sent
    twice (`form_key`) books once."""
    application = _locked(application)
    ledger.check_form_unused(form_key)
    if application.state != State.APPROVED:
        raise DomainError("books.not_approved")
    if payments.open_request(application) is not None:
        # The request's money would go out twice: once booked here, once from the bank list.
        raise DomainError("books.payment_request_open")
    if payment_type not in PAYMENT_TYPES:
        raise DomainError("books.payment_type", field="payment_type")
    return ledger.pay(
        application,
        amount_cents,
        payment_type=payment_type,
        note=note,
        actor=actor,
        form_key=form_key,
    )


def record_refund(
    application: Application,
    *,
    amount_cents: int,
    note: str,
    actor: Actor,
    form_key: str | None = None,
) -> LedgerEntry:
    """Book money the applicant paid back; for a settled or cancelled project it is released too.
    A form sent twice (`form_key`) books once."""
    application = _locked(application)
    finished = application.state in (State.SETTLED, State.CANCELLED)
    entries = ledger.money_back(
        application,
        EntryKind.REFUND,
        amount_cents,
        note=note,
        actor=actor,
        release_refund=finished,
        form_key=form_key,
    )
    return entries[0]


def record_adjustment(
    fund_year: FundYear,
    *,
    amount_cents: int,
    reason: str,
    actor: Actor,
    form_key: str | None = None,
) -> LedgerEntry:
    """Raise or lower a fund year's money (e.g. a later grant or a cut), with its reason.

    The year's money stays within the bound of every amount (domain.money.MAX_CENTS); it is
    read under the year's lock, so two raises at once cannot both pass.
    """
    ledger.lock_fund_year(fund_year.id)
    ledger.check_form_unused(form_key)
    allocated = ledger.balances_of(fund_year.id).allocated
    check_bound(allocated + amount_cents, field="amount", reason="money.allocated_too_large")
    return ledger.book(
        fund_year, EntryKind.ADJUSTMENT, amount_cents, note=reason, actor=actor, form_key=form_key
    )


def cancel(application: Application, *, reason: str, actor: Actor) -> None:
    """Cancel an approved project: what is not paid out is released; paid money is to be refunded.

    Refused while an approved payment request waits for the bank (staff mark it paid or refuse
    it first); a request not approved yet is refused with the project.
    """
    if not reason.strip():
        raise DomainError("books.reason_required", field="reason")
    application = _locked(application)
    if application.state != State.APPROVED:
        raise DomainError("books.not_approved")
    payments.check_no_transfer_waiting(application)
    account = ledger.account_of(application.id)
    history.transition(application, State.CANCELLED, actor=actor, note=reason)
    payments.close_open_request(application, reason=reason, actor=actor)
    if account.open > 0:
        ledger.money_back(application, EntryKind.RELEASE, account.open, note=reason, actor=actor)


def close_year(fund_year: FundYear, *, actor: Actor, today: date | None = None) -> int:
    """Close a fund year: unspent money lapses, or moves into next year (carry_out, carry_in).

    Returns how much was unspent. After the close the year takes no bookings (a database
    trigger holds it too): what its projects' money does later is booked in the open year.
    Years close in order: an earlier open year of the fund is closed first.
    """
    # The fund first (lock order: fund, then its years): opening a past year of the fund
    # (setup.open_fund_year) takes it too, so neither checks the other's year half-way done.
    ledger.lock_fund(fund_year.fund_id)
    fund_year = ledger.lock_fund_year(fund_year.id)
    if fund_year.closed_at is not None:
        raise DomainError("books.year_closed_already")
    check_year_over(fund_year, today or clock.area_today(fund_year.fund.area))
    earlier = earlier_open_year(fund_year)
    if earlier is not None:
        # The earlier year's close books its rest into the year after it (carry_in): once that
        # year is closed the carry-in is refused, and the rest would stay stranded in the past.
        raise DomainError("books.earlier_year_open", year=fund_year.year, earlier=earlier)
    unspent = ledger.balances_of(fund_year.id).available
    for step in close_entries(unspent, carry_over=fund_year.fund.carry_over):
        target = (
            fund_year
            if step.target is Target.OWN
            else ledger.year_of_fund(fund_year.fund_id, fund_year.year + 1)
        )
        note = (
            f"{fund_year.year} → {fund_year.year + 1}"
            if fund_year.fund.carry_over
            else str(fund_year.year)
        )
        ledger.book(target, step.kind, step.amount_cents, note=note, actor=actor)
    fund_year.closed_at = utcnow()
    db.session.flush()
    if _transfers_waiting(fund_year.fund_id):
        # Projects of a closed year are paid from the running year (ledger.route_payment), and
        # its bank list lists them: a running year must exist before the new budget is known,
        # or an approved transfer would stand on no list.
        ledger.current_fund_year(fund_year.fund)
    return unspent


def closes_after(fund_year: FundYear) -> date:
    """The year's last day before it may close: its funding period's end, never before 31 Dec."""
    # Money of a closed year's projects is booked in the running calendar year
    # (ledger.running_year): a year closed within its own calendar year leaves it none to go to.
    return max(fund_year.period.end, date(fund_year.year, 12, 31))


def may_close(fund_year: FundYear, today: date | None = None) -> bool:
    """Whether the year is open and over (closes_after), today in the area's time zone."""
    today = today or clock.area_today(fund_year.fund.area)
    return fund_year.closed_at is None and today > closes_after(fund_year)


def closable(today: date) -> ColumnElement[bool]:
    """SQL: the fund year is open and over on `today` (the same rule as may_close)."""
    return and_(
        FundYear.closed_at.is_(None),
        FundYear.year < today.year,
        or_(FundYear.period_end.is_(None), FundYear.period_end < today),
    )


def check_year_over(fund_year: FundYear, today: date) -> None:
    """Refuse closing a year before its last day (closes_after) is past."""
    last = closes_after(fund_year)
    if today > last:
        return
    if last == date(fund_year.year, 12, 31):
        raise DomainError("books.year_not_over", year=fund_year.year)
    # The funding period runs on into the next year: its actions are still applied for and paid.
    raise DomainError("books.period_not_over", year=fund_year.year, period_end=last.isoformat())


def _transfers_waiting(fund_id: int) -> bool:
    """Whether a project committed in a closed year of the fund has a request approved for the
    bank (one that waited through an earlier close too: its list moves on with the year)."""
    return (
        db.session.scalar(
            select(PaymentRequest.id)
            .join(LedgerEntry, LedgerEntry.application_id == PaymentRequest.application_id)
            .join(FundYear, LedgerEntry.fund_year_id == FundYear.id)
            .where(
                FundYear.fund_id == fund_id,
                FundYear.closed_at.is_not(None),
                LedgerEntry.kind == EntryKind.COMMITMENT.value,
                PaymentRequest.state == PaymentRequestState.APPROVED.value,
            )
            .limit(1)
        )
        is not None
    )


def earlier_open_year(fund_year: FundYear) -> int | None:
    """The earliest year of the same fund before this one that is still open, if any.

    Only a committed close counts as closed, so a close of the earlier year still running
    elsewhere makes this one refused, never let through before it.
    """
    return db.session.scalar(
        select(FundYear.year)
        .where(
            FundYear.fund_id == fund_year.fund_id,
            FundYear.year < fund_year.year,
            FundYear.closed_at.is_(None),
        )
        .order_by(FundYear.year)
        .limit(1)
    )


def areas_closed(year: int) -> set[int]:
    """The areas whose every fund year of YEAR is closed (one query), for the city report:
    such an area has nothing remaining in that year, only what lapsed or was carried."""
    return set(
        db.session.scalars(
            select(Fund.area_id)
            .join(FundYear, FundYear.fund_id == Fund.id)
            .where(FundYear.year == year)
            .group_by(Fund.area_id)
            # COUNT(closed_at) counts the closed years only.
            .having(func.count(FundYear.id) == func.count(FundYear.closed_at))
        )
    )
