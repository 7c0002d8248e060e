"""The applicant's status page, reached through a signed link sent by mail."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from ...domain.actors import Actor
from ...domain.banking import mask_iban
from ...domain.places import PlaceKind
from ...domain.states import APPLICANT_EDITABLE, WITHDRAWABLE
from ...extensions import db
from ...infra import tokens
from ...models import Application, LinkGrant, ProofOfUse
from ...services import decisions, intake, locks, payments, places, privacy, stories
from .. import letters
from ..apply import editing
from ..apply.forms import ApplicationForm
from ..books.forms import PaymentRequestForm
from ..downloads import load_with_data, send_attachment
from ..i18n import remember_language
from ..security import limit
from ..serialise import attributes
from ..unit_of_work import attempt
from .forms import (
    PlaceConsentForm,
    ResendForm,
    WithdrawConsentForm,
    WithdrawForm,
    WithdrawPlaceConsentForm,
    WithdrawStoryConsentForm,
)

bp = Blueprint("status", __name__, url_prefix="/status")

T = TypeVar("T")

SESSION_KEY = "status_grants"
MAX_GRANTS_IN_SESSION = 20


@bp.get("/link/<token>")
def land(token: str):
    """Check the link, remember the grant in the session and drop the token from the URL.

    Mail scanners open links too, so this changes nothing but the visitor's own session.
    """
    try:
        grant = intake.grant_for_token(token)
    except tokens.BadLink:
        return render_template("status/bad_link.html"), 400
    remember_grant(SESSION_KEY, grant.application_id, grant.id)
    application = db.session.get(Application, grant.application_id)
    response = redirect(url_for("status.page", reference=application.reference))
    return remember_language(response, application.language)


def remember_grant(session_key: str, key: int, grant_id: int | list[int]) -> None:
    """Keep a link's grant in the session; only the newest few, so the cookie stays small."""
    grants = dict(session.get(session_key, {}))
    grants[str(key)] = grant_id
    session[session_key] = dict(list(grants.items())[-MAX_GRANTS_IN_SESSION:])


def granted_application(reference: str) -> Application:
    """The application of the reference when this session holds a live grant for it (else 403).

    A write checks the grant once more when it runs (`as_grant_holder`).
    """
    application = db.session.scalar(select(Application).where(Application.reference == reference))
    grant_id = session.get(SESSION_KEY, {}).get(str(application.id)) if application else None
    grant = db.session.get(LinkGrant, grant_id) if isinstance(grant_id, int) else None
    if application is None or grant is None or not intake.grant_holds(grant, application.id):
        abort(403)
    g.area = application.area
    g.status_grant_id = grant.id
    return application


def as_grant_holder(application: Application, action: Callable[[], T]) -> Callable[[], T]:
    """The applicant's write, run after their link's grant is read again under the
    application's lock.

    Staff revoke the links under the same lock (intake.reissue_status_link): a write sent with
    a link revoked meanwhile is answered 403 as a later request would be, never written after
    the revocation. The lock is taken only when the write runs: a form that is only checked or
    shown again holds nothing (on SQLite the lock is the database's one write lock).
    """

    def run() -> T:
        hold_grant(application)
        return action()

    return run


def hold_grant(application: Application) -> None:
    """Lock the application and read the link's grant again: 403 when it was revoked (or the
    data erased) since the request came in (see `as_grant_holder`); the lock is held until the
    request ends."""
    locks.lock(Application, application.id)
    grant = db.session.execute(
        select(LinkGrant.revoked_at).where(LinkGrant.id == g.status_grant_id)
    ).one_or_none()
    # Gone: the application's data were erased meanwhile (erasure deletes its grants).
    if grant is None or grant.revoked_at is not None:
        abort(403)


@bp.get("/<reference>")
def page(reference: str):
    """State, history and data of the applicant's own application."""
    application = granted_application(reference)
    return _page(application, WithdrawForm())


#: The prefix of the payment request form on the status page (its field ids start with it).
PAYMENT_PREFIX = "payreq"


def _page(
    application: Application,
    withdraw_form: WithdrawForm,
    consent_form: WithdrawConsentForm | None = None,
    payment_form: PaymentRequestForm | None = None,
    place_form: PlaceConsentForm | WithdrawPlaceConsentForm | None = None,
    story_consent_form: WithdrawStoryConsentForm | None = None,
):
    """The status page with its withdraw, consent and payment forms (fresh, or with errors)."""
    pin = places.pin_of(application)
    events = [e for e in application.events if not e.internal]
    decision = decisions.current_decision(application)
    return render_template(
        "status/page.html",
        application=application,
        events=events,
        decision=decision,
        letter=decision is not None and decision.outcome in letters.LETTER_OUTCOMES,
        proof=db.session.scalar(
            select(ProofOfUse).where(ProofOfUse.application_id == application.id)
        ),
        editable=application.state in APPLICANT_EDITABLE,
        withdrawable=application.state in WITHDRAWABLE,
        withdraw_form=withdraw_form,
        consent_form=consent_form or WithdrawConsentForm(),
        payreqs=payments.overview(application),
        mask_iban=mask_iban,
        payment_form=payment_form or PaymentRequestForm(prefix=PAYMENT_PREFIX),
        # The consent to show the place matters once staff pinned a private address.
        private_pin=pin is not None and pin.kind == PlaceKind.PRIVATE,
        place_form=place_form
        or (WithdrawPlaceConsentForm() if application.consent_show_place else PlaceConsentForm()),
        story=stories.find(application),
        may_tell=stories.may_tell(application),
        story_consent_form=story_consent_form or WithdrawStoryConsentForm(),
    )


@bp.route("/<reference>/edit", methods=["GET", "POST"])
def edit(reference: str):
    """Change the application while it is submitted or returned; a returned one goes back in."""
    application = granted_application(reference)
    if application.state not in APPLICANT_EDITABLE:
        flash(_("This application can no longer be changed."), "error")
        return redirect(url_for("status.page", reference=reference))
    if request.method == "POST" and request.form.get("action", "").startswith("remove_file-"):
        # Removing a file writes at once, before the form is saved (new uploads only wait
        # under the session's draft key until the guarded save claims them).
        hold_grant(application)
    area = application.area
    form = ApplicationForm(data=None if request.method == "POST" else _form_data(application))
    outcome = editing.complete(
        form,
        area,
        as_grant_holder(
            application,
            lambda: intake.update(
                application,
                form.to_input(application.language),
                draft_key=editing.held_draft_key(),
                actor=Actor.applicant(reference),
            ),
        ),
        application=application,
    )
    if outcome.saved:
        flash(_("Your changes are saved."), "success")
        if outcome.result is not None:  # a new address ended the links, this session's too
            remember_grant(SESSION_KEY, application.id, outcome.result)
            flash(_("We sent a new link to the new address."), "success")
        return redirect(url_for("status.page", reference=reference))
    return editing.form_page("status/edit.html", outcome, area, "edit", application=application)


@bp.post("/<reference>/withdraw")
def withdraw(reference: str):
    """Take the application back, after an explicit confirmation."""
    application = granted_application(reference)
    form = WithdrawForm()
    if form.validate_on_submit():
        attempt(
            as_grant_holder(
                application,
                lambda: intake.withdraw(
                    application, reason=form.reason.data or "", actor=Actor.applicant(reference)
                ),
            ),
            done=_("Your application is withdrawn."),
        )
        return redirect(url_for("status.page", reference=reference))
    return _page(application, form)


@bp.post("/<reference>/consent")
def withdraw_consent(reference: str):
    """Withdraw the consent to publish the applicant's name, after an explicit confirmation."""
    application = granted_application(reference)
    form = WithdrawConsentForm()
    if form.validate_on_submit():
        attempt(
            as_grant_holder(
                application,
                lambda: privacy.withdraw_consent(
                    application, privacy.Consent.PUBLISH_NAME, actor=Actor.applicant(reference)
                ),
            ),
            done=_("Your consent is withdrawn: your name is no longer published."),
        )
        return redirect(url_for("status.page", reference=reference))
    return _page(application, WithdrawForm(), form)


@bp.post("/<reference>/place-consent")
def give_place_consent(reference: str):
    """Agree that the private address staff pinned is shown on the public map."""
    application = granted_application(reference)
    form = PlaceConsentForm()
    if form.validate_on_submit():
        attempt(
            as_grant_holder(
                application,
                lambda: privacy.give_consent(
                    application, privacy.Consent.SHOW_PLACE, actor=Actor.applicant(reference)
                ),
            ),
            done=_("Thank you: the place of your project is shown on the public map."),
        )
        return redirect(url_for("status.page", reference=reference) + "#consent-title")
    return _page(application, WithdrawForm(), place_form=form)


@bp.post("/<reference>/place-consent/withdraw")
def withdraw_place_consent(reference: str):
    """Take the private address off the public map, after an explicit confirmation."""
    application = granted_application(reference)
    form = WithdrawPlaceConsentForm()
    if form.validate_on_submit():
        attempt(
            as_grant_holder(
                application,
                lambda: privacy.withdraw_consent(
                    application, privacy.Consent.SHOW_PLACE, actor=Actor.applicant(reference)
                ),
            ),
            done=_("Your consent is withdrawn: the place is no longer on the public map."),
        )
        return redirect(url_for("status.page", reference=reference) + "#consent-title")
    return _page(application, WithdrawForm(), place_form=form)


@bp.post("/<reference>/payment-request")
def payment_request(reference: str):
    """Ask for an advance or a reimbursement to be paid to the applicant's account."""
    application = granted_application(reference)
    form = PaymentRequestForm(prefix=PAYMENT_PREFIX)
    if form.validate_on_submit() and attempt(
        as_grant_holder(
            application,
            lambda: payments.request_payment(
                application,
                kind=form.kind.data,
                amount_cents=form.amount.data,
                account_holder=form.account_holder.data,
                iban=form.iban.data,
                bic=form.bic.data or "",
                actor=Actor.applicant(reference),
            ),
        ),
        form=form,
        done=_("Your payment request is sent. The QM team will check it."),
    ):
        return redirect(url_for("status.page", reference=reference) + "#payment")
    return _page(application, WithdrawForm(), payment_form=form)


@bp.get("/<reference>/files/<int:attachment_id>")
def download(reference: str, attachment_id: int):
    """One of the application's own files."""
    application = granted_application(reference)
    attachment = load_with_data(attachment_id)
    if attachment is None or attachment.application_id != application.id:
        abort(404)
    return send_attachment(attachment)


@bp.get("/<reference>/letter")
def letter(reference: str):
    """The decision letter, printable (404 before a decision is confirmed)."""
    return letters.letter_html(granted_application(reference))


@bp.get("/<reference>/letter.pdf")
def letter_pdf(reference: str):
    """The decision letter as a PDF download."""
    return letters.letter_pdf(granted_application(reference))


@bp.route("/resend", methods=["GET", "POST"])
@limit("JURYFUND_LIMIT_RESEND")
def resend():
    """Mail the status links again; the answer is the same whether the address is known or not."""
    form = ResendForm()
    if form.validate_on_submit():
        attempt(lambda: intake.resend_links(form.email.data))
        return render_template("status/resend_sent.html")
    return render_template("status/resend.html", form=form)


#: The fields of a cost plan line, filled the same way.
COST_ITEM_FIELDS = ("description", "category", "quantity", "unit_price")


def _form_data(application: Application) -> dict:
    """The application as form data, amounts formatted for the applicant's locale."""
    return attributes(
        application,
        (
            *intake.SAME_NAMED_FIELDS,
            "email",
            "goals",
            "cofunding",
            "own",
            "requested",
            "cost_items",
        ),
        goals=[goal for goal in application.goals.splitlines() if goal],
        cofunding=application.cofunding_cents or None,
        own=application.own_cents or None,
        requested=application.requested_cents,
        cost_items=[
            attributes(item, COST_ITEM_FIELDS, unit_price=item.unit_cents)
            for item in application.cost_items
        ],
    )
