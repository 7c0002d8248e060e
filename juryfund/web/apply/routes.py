"""Applying for money: the form, the check of fund and body, the confirmation page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, session, url_for

from ...domain.actors import Actor
from ...services import areatexts, intake
from .. import i18n
from ..areas import load_area
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
            ).reference
        ),
    )
    if outcome.saved:
        session["submitted_reference"] = outcome.result
        return redirect(url_for("apply.done", slug=slug))  # the area's own: load_area matched it
    # The funds' descriptions and hints in the visitor's language (German where none).
    texts = areatexts.for_page(area, i18n.current_language())
    return editing.form_page("apply/form.html", outcome, area, "apply", texts=texts)


@bp.get("/<slug>/apply/done")
def done(slug: str):
    """What happens next, with the reference of the application just sent."""
    area = load_area(slug)
    reference = session.get("submitted_reference")
    if not reference:
        return redirect(url_for("apply.form", slug=area.slug))
    return render_template("apply/done.html", area=area, reference=reference)
