"""Staff enter a proof of use for a resident without e-mail or scanner: the receipts and files
the applicant brought to the office, sent on their behalf with a note on how it came in."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from ...domain.states import State
from ...services import proofs
from ..proof_form import ProofForm, handle_post, proof_record, stored_data
from ..review.routes import staff_application
from .routes import bp


class StaffProofForm(ProofForm):
    """The applicant's proof form, with staff's note on how the applicant handed it in."""

    note = TextAreaField(
        _l("How the applicant handed it in (shown in the history)"),
        validators=[Optional(), Length(max=2000)],
    )


@bp.route("/applications/<int:application_id>/proof/edit", methods=["GET", "POST"])
@login_required
def proof_for_applicant(application_id: int):
    """Fill in and send the proof of use on the applicant's behalf (same rules as theirs)."""
    application = staff_application(application_id)
    back = url_for("books.money", application_id=application.id)
    if application.state not in (State.APPROVED, State.SETTLED):
        flash(_("A proof of use is needed only for an approved project."), "error")
        return redirect(back)
    record = proof_record(application)
    if request.method == "GET":
        form = StaffProofForm(data=stored_data(record))
    else:
        form = StaffProofForm()
        outcome = handle_post(
            form,
            record,
            send=lambda: proofs.submit(record, actor=current_user.actor, note=form.note.data or ""),
            actor=current_user.actor,
        )
        if outcome == "saved":
            flash(_("The proof of use is saved for the applicant."), "success")
            return redirect(url_for("books.proof_for_applicant", application_id=application.id))
        if outcome == "sent":
            flash(_("The proof of use is sent on the applicant's behalf."), "success")
            return redirect(back)
    return render_template(
        "books/proof_edit.html",
        application=application,
        proof=record,
        form=form,
        files=proofs.files_of(record),
        proven=proofs.proven_cents(record),
        staff_view=True,
    )
