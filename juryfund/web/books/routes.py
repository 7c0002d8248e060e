"""The QM team's books: a fund year's ledger, an application's account, payouts, proof review."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ...domain.errors import DomainError
from ...extensions import db
from ...models import Application, FundYear
from ...services import books, ledger, proofs
from ..fields import apply_domain_error
from ..permissions import require_area
from .forms import (
    PAYMENT_TYPE_LABELS,
    AdjustmentForm,
    CancelForm,
    CloseYearForm,
    PaymentForm,
    ProofReviewForm,
    RefundForm,
)

bp = Blueprint("books", __name__, url_prefix="/staff")


def _fund_year(fund_year_id: int) -> FundYear:
    """A fund year of one of the staff member's areas."""
    fund_year = db.get_or_404(FundYear, fund_year_id)
    require_area(fund_year.fund.area)
    return fund_year


def _application(application_id: int) -> Application:
    """An application of one of the staff member's areas."""
    application = db.get_or_404(Application, application_id)
    require_area(application.area)
    return application


def _attempt(form, action, done: str) -> bool:
    """Run a booking; commit and flash on success, roll back and show the refusal on the form."""
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        apply_domain_error(form, error)
        return False
    db.session.commit()
    flash(done, "success")
    return True


# --- fund year ----------------------------------------------------------------------------------


@bp.get("/fund-years/<int:fund_year_id>")
@login_required
def fund_year(fund_year_id: int):
    """A fund year's balances and every booking in it."""
    return _fund_year_page(_fund_year(fund_year_id))


def _fund_year_page(fund_year: FundYear, adjustment: AdjustmentForm | None = None,
                    close: CloseYearForm | None = None, status: int = 200):
    """Render the ledger page with its two forms (fresh, or with errors)."""
    return render_template("books/fund_year.html", fund_year=fund_year,
                           balances=ledger.balances_of(fund_year.id), entries=ledger.entries_of(fund_year.id),
                           adjustment=adjustment or AdjustmentForm(prefix="adjust"),
                           close=close or CloseYearForm(prefix="close"),
                           payment_types=PAYMENT_TYPE_LABELS), status


@bp.post("/fund-years/<int:fund_year_id>/adjust")
@login_required
def adjust(fund_year_id: int):
    """Book a raise or cut of the year's money, with its reason."""
    fund_year = _fund_year(fund_year_id)
    form = AdjustmentForm(prefix="adjust")
    if form.validate_on_submit() and _attempt(form, lambda: books.record_adjustment(
            fund_year, amount_cents=form.amount.data, reason=form.reason.data, actor=current_user),
            _("The adjustment is booked.")):
        return redirect(url_for("books.fund_year", fund_year_id=fund_year.id))
    return _fund_year_page(fund_year, adjustment=form)


@bp.post("/fund-years/<int:fund_year_id>/close")
@login_required
def close(fund_year_id: int):
    """Close the fund year: unspent money lapses or is carried into next year."""
    fund_year = _fund_year(fund_year_id)
    form = CloseYearForm(prefix="close")
    if form.validate_on_submit() and _attempt(form, lambda: books.close_year(fund_year, actor=current_user),
                                              _("The fund year is closed.")):
        return redirect(url_for("books.fund_year", fund_year_id=fund_year.id))
    return _fund_year_page(fund_year, close=form)


# --- an application's money and proof ----------------------------------------------------------


@bp.get("/applications/<int:application_id>/money")
@login_required
def money(application_id: int):
    """An approved project's account (approved, paid, proven, released) and its proof of use."""
    return _money_page(_application(application_id))


def _money_page(application: Application, **forms):
    """Render the account page with its forms (fresh, or the one with errors)."""
    proof = proofs.find(application)
    context = {
        "payment": PaymentForm(prefix="pay"), "refund": RefundForm(prefix="refund"),
        "cancel": CancelForm(prefix="cancel"), "review": ProofReviewForm(prefix="review"),
    }
    context.update(forms)
    return render_template("books/money.html", application=application, account=ledger.account_of(application.id),
                           proof=proof, proven=proofs.proven_cents(proof) if proof else 0,
                           files=proofs.files_of(proof) if proof else [], fund_year=ledger.fund_year_of(application),
                           **context)


@bp.post("/applications/<int:application_id>/payment")
@login_required
def payment(application_id: int):
    """Book a payout to the applicant."""
    application = _application(application_id)
    form = PaymentForm(prefix="pay")
    if form.validate_on_submit() and _attempt(form, lambda: books.record_payment(
            application, amount_cents=form.amount.data, payment_type=form.payment_type.data,
            note=form.note.data or "", actor=current_user), _("The payment is booked.")):
        return redirect(url_for("books.money", application_id=application.id))
    return _money_page(application, payment=form)


@bp.post("/applications/<int:application_id>/refund")
@login_required
def refund(application_id: int):
    """Book money the applicant paid back."""
    application = _application(application_id)
    form = RefundForm(prefix="refund")
    if form.validate_on_submit() and _attempt(form, lambda: books.record_refund(
            application, amount_cents=form.amount.data, note=form.note.data or "", actor=current_user),
            _("The refund is booked.")):
        return redirect(url_for("books.money", application_id=application.id))
    return _money_page(application, refund=form)


@bp.post("/applications/<int:application_id>/cancel")
@login_required
def cancel(application_id: int):
    """Cancel an approved project; its open commitment is released."""
    application = _application(application_id)
    form = CancelForm(prefix="cancel")
    if form.validate_on_submit() and _attempt(form, lambda: books.cancel(
            application, reason=form.reason.data, actor=current_user), _("The project is cancelled.")):
        return redirect(url_for("books.money", application_id=application.id))
    return _money_page(application, cancel=form)


@bp.post("/applications/<int:application_id>/proof/<any(accept, changes, refund):step>")
@login_required
def review_proof(application_id: int, step: str):
    """Accept the proof (settlement), ask for changes, or claim a refund of unproven money."""
    application = _application(application_id)
    proof = proofs.proof_for(application)
    form = ProofReviewForm(prefix="review")
    actions = {
        "accept": (lambda: proofs.accept(proof, actor=current_user),
                   _("The proof is accepted and the project settled.")),
        "changes": (lambda: proofs.request_changes(proof, note=form.note.data or "", actor=current_user),
                    _("The applicant is asked for changes.")),
        "refund": (lambda: proofs.claim_refund(proof, note=form.note.data or "", actor=current_user),
                   _("The refund is claimed from the applicant.")),
    }
    action, done = actions[step]
    if form.validate_on_submit() and _attempt(form, action, done):
        return redirect(url_for("books.money", application_id=application.id))
    return _money_page(application, review=form)
