"""The QM team's books: a fund year's ledger, an application's account, payouts, proof review."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from flask import Blueprint, abort, g, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ...domain.banking import format_iban, mask_iban
from ...extensions import db
from ...models import Application, FundYear, PaymentRequest, Receipt
from ...services import books, decisions, ledger, payments, proofs
from ..permissions import require_area, works_in
from ..review.routes import staff_application
from ..unit_of_work import attempt
from .forms import (
    PAYMENT_TYPE_LABELS,
    AdjustmentForm,
    CancelForm,
    CloseYearForm,
    PaymentForm,
    PaymentRefusalForm,
    PaymentRequestForm,
    PaymentStepForm,
    ProofReviewForm,
    ReceiptChoiceForm,
    RefundForm,
)

bp = Blueprint("books", __name__, url_prefix="/staff")


def _fund_year(fund_year_id: int) -> FundYear:
    """A fund year of one of the staff member's areas; its bookings are dated in the area's
    time zone (i18n.select_timezone), like the downloads of the same books."""
    fund_year = db.get_or_404(FundYear, fund_year_id)
    g.area = require_area(fund_year.fund.area)
    return fund_year


def _application(application_id: int) -> Application:
    """An application of one of the staff member's areas, its dates in the area's time zone."""
    application = staff_application(application_id)
    g.area = application.area
    return application


def _step(form: FlaskForm, action: Callable[[], object], done: str, back: str, again: Callable):
    """One booking or proof step as the request's unit of work: on to `back`, or `again` refused."""
    if form.validate_on_submit() and attempt(action, form=form, done=done):
        return redirect(back)
    return again()


# --- fund year ----------------------------------------------------------------------------------


@bp.get("/fund-years/<int:fund_year_id>")
@login_required
def fund_year(fund_year_id: int):
    """A fund year's balances and every booking in it."""
    return _fund_year_page(_fund_year(fund_year_id))


def _fund_year_page(
    fund_year: FundYear,
    adjustment: AdjustmentForm | None = None,
    close: CloseYearForm | None = None,
    status: int = 200,
):
    """Render the ledger page with its two forms (fresh, or with errors)."""
    return render_template(
        "books/fund_year.html",
        fund_year=fund_year,
        balances=ledger.balances_of(fund_year.id),
        entries=ledger.entries_of(fund_year.id),
        adjustment=adjustment or AdjustmentForm(prefix="adjust"),
        close=close or CloseYearForm(prefix="close"),
        may_close=books.may_close(fund_year),
        closes_after=books.closes_after(fund_year),
        payment_types=PAYMENT_TYPE_LABELS,
    ), status


@bp.post("/fund-years/<int:fund_year_id>/adjust")
@login_required
def adjust(fund_year_id: int):
    """Book a raise or cut of the year's money, with its reason."""
    fund_year = _fund_year(fund_year_id)
    form = AdjustmentForm(prefix="adjust")
    return _step(
        form,
        lambda: books.record_adjustment(
            fund_year,
            amount_cents=form.amount.data,
            reason=form.reason.data,
            actor=current_user.actor,
            form_key=form.key(),
        ),
        _("The adjustment is booked."),
        url_for("books.fund_year", fund_year_id=fund_year.id),
        partial(_fund_year_page, fund_year, adjustment=form),
    )


@bp.post("/fund-years/<int:fund_year_id>/close")
@login_required
def close(fund_year_id: int):
    """Close the fund year: unspent money lapses or is carried into next year."""
    fund_year = _fund_year(fund_year_id)
    form = CloseYearForm(prefix="close")
    return _step(
        form,
        lambda: books.close_year(fund_year, actor=current_user.actor),
        _("The fund year is closed."),
        url_for("books.fund_year", fund_year_id=fund_year.id),
        partial(_fund_year_page, fund_year, close=form),
    )


# --- an application's money and proof ----------------------------------------------------------


@bp.get("/applications/<int:application_id>/money")
@login_required
def money(application_id: int):
    """An approved project's account (approved, paid, proven, released) and its proof of use."""
    return _money_page(_application(application_id))


#: The forms of the money page by the page's name for each, with their prefixes.
MONEY_FORMS: dict[str, tuple[type[FlaskForm], str]] = {
    "payment": (PaymentForm, "pay"),
    "refund": (RefundForm, "refund"),
    "cancel": (CancelForm, "cancel"),
    "review": (ProofReviewForm, "review"),
    "payreq": (PaymentRequestForm, "payreq"),
    "payreq_step": (PaymentStepForm, "prstep"),
    "payreq_refuse": (PaymentRefusalForm, "prrefuse"),
}


def _money_page(
    application: Application, receipt_forms: dict[int, ReceiptChoiceForm] | None = None, **forms
):
    """Render the account page with its forms (fresh, or the one with errors)."""
    proof = proofs.find(application)
    context = {name: form(prefix=prefix) for name, (form, prefix) in MONEY_FORMS.items()}
    context.update(forms)
    if proof is not None:
        # Always the version shown now: after a refusal for a change meanwhile, the page shows
        # the new version and a settlement from it goes through.
        context["review"].seen.data = proofs.fingerprint(proof)
    flags = proofs.receipt_flags(proof) if proof else {}
    # One form per flagged receipt, each with its own prefix so that ids stay unique.
    choices = {receipt_id: _receipt_form(receipt_id) for receipt_id in flags}
    choices.update(receipt_forms or {})
    account = ledger.account_of(application.id)
    decision = decisions.current_decision(application)
    # "Approved" is the amount of the decision in force (a correction replaces it), not the
    # sum of the commitments booked; what the books released beyond it (unspent or cancelled
    # money) is the rest of the approved amount that is no longer committed.
    approved = (
        decision.approved_cents
        if decision is not None and decision.approved_cents is not None
        else account.commitment
    )
    return render_template(
        "books/money.html",
        application=application,
        account=account,
        approved=approved,
        released=max(approved - account.committed, 0),
        proof=proof,
        proven=proofs.proven_cents(proof) if proof else 0,
        files=proofs.files_of(proof) if proof else [],
        fund_year=ledger.fund_year_of(application),
        receipt_flags=flags,
        receipt_forms=choices,
        settlement=proofs.settlement(proof, account.committed) if proof else None,
        payreqs=payments.overview(application, account),
        may_approve=partial(payments.may_approve, staff_id=current_user.actor.staff_id),
        show_iban=_iban_shown(application),
        **context,
    )


def _iban_shown(application: Application) -> Callable[[str], str]:
    """How this staff member sees bank details: in full when they work in the application's
    area, masked otherwise (an admin looking in from outside)."""
    return format_iban if works_in(application.area_id) else mask_iban


def _receipt_form(receipt_id: int) -> ReceiptChoiceForm:
    """The choice form of one flagged receipt."""
    return ReceiptChoiceForm(prefix=f"receipt{receipt_id}")


def _money_form(application: Application, name: str, action: Callable[[Any], object], done: str):
    """One step of the money page through its form `name`: on to the page, or the form refused."""
    form_class, prefix = MONEY_FORMS[name]
    form = form_class(prefix=prefix)
    return _step(
        form,
        lambda: action(form),
        done,
        url_for("books.money", application_id=application.id),
        partial(_money_page, application, **{name: form}),
    )


def _booking(name: str, done: str):
    """Register `book(application, form)` as the POST view .../<name> of the money page's form."""

    def register(book: Callable[[Application, Any], object]):
        @bp.post(f"/applications/<int:application_id>/{name}", endpoint=book.__name__)
        @login_required
        @wraps(book)
        def view(application_id: int):
            application = _application(application_id)
            return _money_form(application, name, partial(book, application), done)

        return view

    return register


@_booking("payment", _l("The payment is booked."))
def payment(application: Application, form: PaymentForm):
    """Book a payout to the applicant."""
    return books.record_payment(
        application,
        amount_cents=form.amount.data,
        payment_type=form.payment_type.data,
        note=form.note.data or "",
        actor=current_user.actor,
        form_key=form.key(),
    )


@_booking("refund", _l("The refund is booked."))
def refund(application: Application, form: RefundForm):
    """Book money the applicant paid back."""
    return books.record_refund(
        application,
        amount_cents=form.amount.data,
        note=form.note.data or "",
        actor=current_user.actor,
        form_key=form.key(),
    )


@_booking("cancel", _l("The project is cancelled."))
def cancel(application: Application, form: CancelForm):
    """Cancel an approved project; its open commitment is released."""
    return books.cancel(application, reason=form.reason.data, actor=current_user.actor)


@bp.post("/applications/<int:application_id>/proof/<any(accept, changes, refund):step>")
@login_required
def review_proof(application_id: int, step: str):
    """Accept the proof (settlement), ask for changes, or claim a refund of unproven money."""
    application = _application(application_id)
    proof = proofs.proof_for(application)
    actions = {
        "accept": (
            lambda form: proofs.accept(proof, actor=current_user.actor, seen=form.seen.data or ""),
            _("The proof is accepted and the project settled."),
        ),
        "changes": (
            lambda form: proofs.request_changes(
                proof, note=form.note.data or "", actor=current_user.actor
            ),
            _("The applicant is asked for changes."),
        ),
        "refund": (
            lambda form: proofs.claim_refund(
                proof,
                note=form.note.data or "",
                actor=current_user.actor,
                seen=form.seen.data or "",
            ),
            _("The refund is claimed from the applicant."),
        ),
    }
    action, done = actions[step]
    return _money_form(application, "review", action, done)


@bp.post("/applications/<int:application_id>/proof/receipts/<int:receipt_id>")
@login_required
def choose_receipt(application_id: int, receipt_id: int):
    """Accept a receipt flagged as retroactive, or refuse it with a reason."""
    application = _application(application_id)
    proof = proofs.find(application)
    receipt = db.session.get(Receipt, receipt_id)
    if proof is None or receipt is None or receipt.proof_id != proof.id:
        abort(404)
    form = _receipt_form(receipt.id)
    return _step(
        form,
        lambda: proofs.choose_receipt(
            proof,
            receipt,
            choice=form.choice.data,
            reason=form.reason.data or "",
            actor=current_user.actor,
        ),
        _("Your choice on receipt %(number)s is saved.", number=receipt.position),
        url_for("books.money", application_id=application.id),
        partial(_money_page, application, receipt_forms={receipt.id: form}),
    )


# --- payment requests (Zahlungsabruf) ----------------------------------------------------------


def _payment_request(application: Application, request_id: int) -> PaymentRequest:
    """A payment request of this application (404 for any other)."""
    request = db.session.get(PaymentRequest, request_id)
    if request is None or request.application_id != application.id:
        abort(404)
    return request


@bp.post("/applications/<int:application_id>/payment-requests")
@login_required
def payment_request(application_id: int):
    """Enter a payment request on the applicant's behalf (one that came on paper)."""
    application = _application(application_id)
    return _money_form(
        application,
        "payreq",
        lambda form: payments.request_payment(
            application,
            kind=form.kind.data,
            amount_cents=form.amount.data,
            account_holder=form.account_holder.data,
            iban=form.iban.data,
            bic=form.bic.data or "",
            actor=current_user.actor,
        ),
        _("The payment request is recorded."),
    )


@bp.post("/applications/<int:application_id>/payment-requests/<int:request_id>/approve")
@login_required
def payment_request_approve(application_id: int, request_id: int):
    """Approve a payment request for payout."""
    application = _application(application_id)
    request = _payment_request(application, request_id)
    return _money_form(
        application,
        "payreq_step",
        lambda form: payments.approve(request, actor=current_user.actor),
        _("The payment request is approved."),
    )


@bp.post("/applications/<int:application_id>/payment-requests/<int:request_id>/paid")
@login_required
def payment_request_paid(application_id: int, request_id: int):
    """Mark an approved payment request paid, which books the payment."""
    application = _application(application_id)
    request = _payment_request(application, request_id)
    return _money_form(
        application,
        "payreq_step",
        lambda form: payments.mark_paid(
            request, note=form.note.data or "", actor=current_user.actor
        ),
        _("The payment is booked and the request marked paid."),
    )


@bp.post("/applications/<int:application_id>/payment-requests/<int:request_id>/refuse")
@login_required
def payment_request_refuse(application_id: int, request_id: int):
    """Refuse a payment request that is not paid yet, with the reason."""
    application = _application(application_id)
    request = _payment_request(application, request_id)
    return _money_form(
        application,
        "payreq_refuse",
        lambda form: payments.refuse_request(
            request, reason=form.reason.data, actor=current_user.actor
        ),
        _("The payment request is refused."),
    )
