"""Payment requests (Zahlungsabruf): asked for by the applicant or by staff for them, approved
or refused by staff, and paid out through the books (services.books.record_payment).

Lock order as everywhere (services.locks): the application, then the request, then (inside
the booking) the fund year. Two staff marking one request paid at once therefore run one after
the other, and the second finds it paid already: one request books one payment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased, joinedload

from ..domain.actors import Actor, ActorKind
from ..domain.banking import mask_iban, parse_bic, parse_iban
from ..domain.budget import Account, EntryKind
from ..domain.errors import DomainError
from ..domain.lifecycles import PaymentRequestState, move_payment_request
from ..domain.states import State
from ..extensions import db
from ..infra import audit, clock
from ..models import Application, FundYear, LedgerEntry, PaymentRequest
from ..models.base import utcnow
from ..models.payments import REQUEST_KINDS
from . import history, intake, ledger, locks, notices
from .setup import refuse

#: The columns of a request the audit trail keeps; never the bank details (personal data).
AUDIT_FIELDS = ("kind", "amount_cents", "state")
#: Longest account holder's name.
HOLDER_MAX = 200


def requests_of(application: Application) -> list[PaymentRequest]:
    """The application's payment requests, newest first."""
    return list(
        db.session.scalars(
            select(PaymentRequest)
            .where(PaymentRequest.application_id == application.id)
            .order_by(PaymentRequest.id.desc())
        )
    )


def open_request(application: Application) -> PaymentRequest | None:
    """The request still waiting for staff (requested or approved), if any."""
    return db.session.scalar(
        select(PaymentRequest).where(
            PaymentRequest.application_id == application.id,
            PaymentRequest.state.in_(
                (PaymentRequestState.REQUESTED.value, PaymentRequestState.APPROVED.value)
            ),
        )
    )


def may_request(application: Application) -> bool:
    """Whether a new request can be made now: approved, money still open, none waiting."""
    return overview(application).may_request


@dataclass(frozen=True)
class Overview:
    """An application's payment requests for its pages, and whether a new one may be made."""

    requests: list[PaymentRequest]
    open_cents: int
    may_request: bool


def overview(application: Application, account: Account | None = None) -> Overview:
    """The requests (newest first), the money still open, and whether a request may be made
    now (approved, money open, none waiting); in two queries, one if the account is given."""
    requests = requests_of(application)
    still_open = (account or ledger.account_of(application.id)).open
    waiting = any(r.open for r in requests)
    allowed = application.state == State.APPROVED and still_open > 0 and not waiting
    return Overview(requests, max(still_open, 0), allowed)


def _check_open_money(application: Application, amount_cents: int) -> None:
    """Refuse an amount above what is approved and not yet paid out (read under the lock)."""
    still_open = ledger.account_of(application.id).open
    if amount_cents > still_open:
        raise DomainError("payment.exceeds_open", field="amount", open=max(still_open, 0))


def request_payment(
    application: Application,
    *,
    kind: str,
    amount_cents: int | None,
    account_holder: str,
    iban: str,
    bic: str = "",
    actor: Actor,
) -> PaymentRequest:
    """Ask for an advance or a reimbursement to be paid to the given account.

    Every problem with what was typed is refused at once (each next to its field); then the
    application must be approved with money still open and no other request waiting.
    """
    application = locks.lock(Application, application.id)
    errors: list[DomainError] = []
    if kind not in REQUEST_KINDS:
        errors.append(DomainError("payment.kind", field="kind"))
    elif kind == "advance" and clock.area_today(application.area) > application.end_date:
        # An advance pays for an action still to come; once it has ended, money is paid back
        # against its receipts (a reimbursement).
        errors.append(DomainError("payment.advance_after_action", field="kind"))
    if amount_cents is None or amount_cents <= 0:
        errors.append(DomainError("payment.amount_not_positive", field="amount"))
    holder = " ".join(account_holder.split())
    if not holder:
        errors.append(DomainError("payment.holder_required", field="account_holder"))
    elif len(holder) > HOLDER_MAX:
        errors.append(DomainError("payment.holder_too_long", field="account_holder"))
    clean_iban = clean_bic = ""
    try:
        clean_iban = parse_iban(iban)
    except DomainError as error:
        errors.append(error)
    try:
        clean_bic = parse_bic(bic)
    except DomainError as error:
        errors.append(error)
    refuse(errors)
    assert amount_cents is not None  # refused above otherwise
    if application.state != State.APPROVED:
        raise DomainError("payment.not_approved")
    if open_request(application) is not None:
        raise DomainError("payment.open_exists")
    _check_open_money(application, amount_cents)
    by_staff = actor.kind is ActorKind.STAFF
    request = PaymentRequest(
        application_id=application.id,
        kind=kind,
        amount_cents=amount_cents,
        account_holder=holder,
        iban=clean_iban,
        bic=clean_bic,
        state=PaymentRequestState.REQUESTED.value,
        requested_by="staff" if by_staff else "applicant",
        requested_by_staff_id=actor.staff_id,
        requested_at=utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    _record(application, request, "pay_asked", "payment_request.requested", actor)
    # The applicant hears of every request too, with the account it names: a request someone
    # else entered for them (staff on paper's behalf, or anyone with their link) cannot pass
    # unnoticed.
    _mail(application, request, "requested")
    # The team hears of every request, also one a colleague entered: someone else approves it.
    notices.payment_requested(application, amount_cents)
    return request


def _locked(request: PaymentRequest) -> tuple[Application, PaymentRequest]:
    """The request's application and the request, locked in that order and read afresh."""
    application = locks.lock(Application, request.application_id)
    return application, locks.lock(PaymentRequest, request.id)


def may_approve(request: PaymentRequest, staff_id: int | None) -> bool:
    """Whether this staff member may approve the request: not who entered it (four eyes)."""
    entered_by = request.requested_by_staff_id
    return entered_by is None or entered_by != staff_id


def approve(request: PaymentRequest, *, actor: Actor) -> PaymentRequest:
    """Approve a request for payout; its amount must still be open on the application.

    A request staff entered for the applicant is approved by someone else (four eyes).
    """
    application, request = _locked(request)
    move_payment_request(request.state, PaymentRequestState.APPROVED)
    if not may_approve(request, actor.staff_id):
        raise DomainError("payment.four_eyes")
    if application.state != State.APPROVED:
        raise DomainError("payment.not_approved")
    _check_open_money(application, request.amount_cents)
    ledger.keep_transfer_listed(application)
    request.state = PaymentRequestState.APPROVED.value
    request.approved_at = utcnow()
    request.approved_by_id = actor.staff_id
    _record(application, request, "pay_ok", "payment_request.approved", actor)
    _mail(application, request, "approved")
    return request


def refuse_request(request: PaymentRequest, *, reason: str, actor: Actor) -> PaymentRequest:
    """Refuse a request that is not paid yet, with the reason the applicant is told."""
    if not reason.strip():
        raise DomainError("payment.reason_required", field="reason")
    application, request = _locked(request)
    request.state = move_payment_request(request.state, PaymentRequestState.REFUSED).value
    request.refused_at = utcnow()
    request.refusal_reason = reason.strip()
    _record(application, request, "pay_refuse", "payment_request.refused", actor, note=reason)
    _mail(application, request, "refused")
    return request


def mark_paid(request: PaymentRequest, *, actor: Actor, note: str = "") -> LedgerEntry:
    """Book the approved request's payment (with the rules, locks and trail of every payment)
    and mark it paid; a request is paid once, however many people click at the same moment."""
    application, request = _locked(request)
    move_payment_request(request.state, PaymentRequestState.PAID)
    if application.state != State.APPROVED:
        raise DomainError("books.not_approved")
    entry = ledger.pay(
        application,
        request.amount_cents,
        payment_type=request.kind,
        note=note.strip(),
        actor=actor,
    )
    request.state = PaymentRequestState.PAID.value
    request.paid_at = utcnow()
    request.ledger_entry_id = entry.id
    _record(application, request, "pay_paid", "payment_request.paid", actor)
    _mail(application, request, "paid")
    return entry


def check_no_transfer_waiting(application: Application) -> None:
    """Refuse to end the project (settle or cancel) while an approved request waits for the bank.

    An approved request stands on the payment list the QM team hands to the bank and may be
    transferred already: refusing it on the way would take it off the books' list while the
    money goes out, and the settlement would pay it once more. Staff mark it paid or refuse it
    first. Read under the application's lock, which every request's step takes too.
    """
    waiting = open_request(application)
    if waiting is not None and waiting.state == PaymentRequestState.APPROVED.value:
        raise DomainError("books.approved_request_waiting", requested=waiting.amount_cents)


def close_open_request(application: Application, *, reason: str, actor: Actor) -> None:
    """Refuse the request still waiting for staff's approval when the project ends (cancelled
    or settled): the money it asked for is released or paid by the settlement. An approved one
    is refused before (check_no_transfer_waiting): it may be on its way to the bank.

    The caller holds the application's lock; the reason is stored like a reason staff write.
    """
    request = open_request(application)
    if request is None:
        return
    request = locks.lock(PaymentRequest, request.id)
    request.state = move_payment_request(request.state, PaymentRequestState.REFUSED).value
    request.refused_at = utcnow()
    request.refusal_reason = reason
    _record(application, request, "pay_refuse", "payment_request.refused", actor, note=reason)


def _record(
    application: Application,
    request: PaymentRequest,
    kind: str,
    action: str,
    actor: Actor,
    note: str = "",
) -> None:
    """The step in the application's history (seen by the applicant) and in the audit trail."""
    db.session.flush()
    history.record(application, kind, actor=actor, note=note)
    audit.record_about(
        request,
        action,
        actor=actor.of_application(application.reference),
        area_id=application.area_id,
        columns=AUDIT_FIELDS,
    )


def _mail(application: Application, request: PaymentRequest, step: str) -> None:
    """Tell the applicant (in their language, with a fresh status link) what became of it.

    The account is named masked (country, check digits, last four), enough for the applicant to
    recognise their own and to notice a stranger's, never enough to be copied from a mail.
    """
    if application.email:
        intake.send_status_link(
            application,
            purpose=f"payment.{step}",
            template="payment_request",
            request=request,
            step=step,
            masked_iban=mask_iban(request.iban) if request.iban else "",
        )


# --- what the payment list (export for the bank or the accounts) reads ----------------------


@dataclass(frozen=True)
class PaymentRow:
    """One line of the payment list: whom to pay, where, how much, with which reference."""

    payee: str
    iban: str
    bic: str
    amount_cents: int
    reference: str
    kind: str
    state: str
    approved_at: datetime | None
    paid_at: datetime | None


def payment_list(area_id: int, fund_year_id: int) -> list[PaymentRow]:
    """The approved requests still to be transferred whose payment is booked in this fund year,
    oldest first: the list the QM team hands to the bank (the only export with bank details).

    A request leaves the list when it is paid, refused, or its project is cancelled or settled,
    so a list downloaded again never offers a transfer twice. Projects of a closed year are paid
    from the running year of their fund (services.ledger.running_year: today's, or until it
    exists the latest open year before it), so they are listed there, also across New Year.
    """
    fund_year = db.session.get(FundYear, fund_year_id)
    if fund_year is None:
        return []
    commitment_year = aliased(FundYear)
    booked_here = [and_(commitment_year.id == fund_year.id, commitment_year.closed_at.is_(None))]
    running = ledger.running_year(fund_year.fund)
    if running is not None and running.id == fund_year.id:
        booked_here.append(
            and_(
                commitment_year.fund_id == fund_year.fund_id, commitment_year.closed_at.is_not(None)
            )
        )
    paid_from_here = (
        select(LedgerEntry.application_id)
        .join(commitment_year, LedgerEntry.fund_year_id == commitment_year.id)
        .where(LedgerEntry.kind == EntryKind.COMMITMENT.value, or_(*booked_here))
    )
    found = db.session.scalars(
        select(PaymentRequest)
        .join(Application, PaymentRequest.application_id == Application.id)
        .where(
            Application.area_id == area_id,
            Application.state == State.APPROVED.value,
            PaymentRequest.application_id.in_(paid_from_here),
            PaymentRequest.state == PaymentRequestState.APPROVED.value,
        )
        .order_by(PaymentRequest.approved_at, PaymentRequest.id)
        .options(joinedload(PaymentRequest.application))
    )
    return [
        PaymentRow(
            payee=r.account_holder,
            iban=r.iban,
            bic=r.bic,
            amount_cents=r.amount_cents,
            reference=r.application.reference,
            kind=r.kind,
            state=r.state,
            approved_at=r.approved_at,
            paid_at=r.paid_at,
        )
        for r in found
    ]
