"""Applying for money: the form, the check of fund and body, the confirmation page."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from ...domain.actors import Actor
from ...domain.errors import DomainError
from ...services import areatexts, intake
from .. import i18n
from ..areas import load_area
from ..messages import reason_text
from ..security import limit
from . import editing
from .forms import ApplicationForm

bp = Blueprint("apply", __name__)


@bp.route("/<slug>/apply", methods=["GET", "POST"])
@limit("JURYFUND_LIMIT_APPLY")
def form(slug: str):
    """The application form; it checks everything and names the fund and body before sending."""
    area = load_area(slug)
    form = ApplicationForm()
    submission = _submission_key()
    # The uploads wait under this form's own key; a request that names no form (an old cached
    # page, a script) shares the session's one key for new forms, as it always did.
    form_key = f"new-{submission}" if request.form.get("submission") else None
    outcome = editing.complete(
        form,
        area,
        # The reference is read before the commit, which expires the application (reading it
        # after would load the row again).
        lambda: (
            intake.submit(
                area,
                form.to_input(i18n.current_language()),
                draft_key=editing.held_draft_key(),
                actor=Actor.applicant(),  # the reference is given at submission
                submission_key=submission,
            ).reference
        ),
        form_key=form_key,
    )
    sending = request.form.get("action") == "submit"
    if not outcome.saved and sending and (first := intake.sent_with(submission)) is not None:
        # This form was sent already (a double click, a reload): its first sending stands, and
        # the resident is told so. Files sent again with it stay out of the next form.
        flash(reason_text(DomainError("application.already_sent", reference=first.reference)))
        editing.rotate_draft_key()
        outcome.saved, outcome.result = True, first.reference
    if outcome.saved:
        session["submitted_reference"] = outcome.result
        return redirect(url_for("apply.done", slug=slug))  # the area's own: load_area matched it
    # The funds' descriptions and hints in the visitor's language (German where none).
    texts = areatexts.for_page(area, i18n.current_language())
    return editing.form_page(
        "apply/form.html", outcome, area, "apply", texts=texts, submission=submission
    )


#: What a form's submission key looks like (intake.new_submission_key); anything else is
#: replaced by a new key.
SUBMISSION_KEY = re.compile(r"[A-Za-z0-9_-]{16,64}")


def _submission_key() -> str:
    """The key of the form being sent, kept through every step of it; a new one for a new form."""
    sent = request.form.get("submission", "") if request.method == "POST" else ""
    if not SUBMISSION_KEY.fullmatch(sent):
        return intake.new_submission_key()
    if request.form.get("action") != "submit" and intake.sent_with(sent) is not None:
        # A form sent before and worked on again (the browser's Back): a new application.
        return intake.new_submission_key()
    return sent


@bp.get("/<slug>/apply/done")
def done(slug: str):
    """What happens next, with the reference of the application just sent."""
    area = load_area(slug)
    reference = session.get("submitted_reference")
    if not reference:
        return redirect(url_for("apply.form", slug=area.slug))
    return render_template("apply/done.html", area=area, reference=reference)
