"""The applicant's proof of use (Verwendungsnachweis), reached through the status link."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from ...domain.actors import Actor
from ...domain.states import State
from ...services import proofs
from ..proof_form import ProofForm, handle_post, proof_record, stored_data
from .routes import bp, granted_application, hold_grant


@bp.route("/<reference>/proof", methods=["GET", "POST"])
def proof(reference: str):
    """Fill in and send the proof of use; files are kept as they are uploaded."""
    application = granted_application(reference)
    if application.state not in (State.APPROVED, State.SETTLED):
        flash(_("A proof of use is needed only for an approved project."), "error")
        return redirect(url_for("status.page", reference=reference))
    if request.method != "GET":
        hold_grant(application)  # every POST writes: the proof is started, files are kept
    record = proof_record(application)
    if request.method == "GET":
        form = ProofForm(data=stored_data(record))
    else:
        form = ProofForm()
        outcome = handle_post(
            form, record, send=lambda: proofs.submit(record, actor=Actor.applicant(reference))
        )
        if outcome == "saved":
            flash(_("Your proof of use is saved. You can send it when it is complete."), "success")
            return redirect(url_for("status.proof", reference=reference))
        if outcome == "sent":
            flash(_("Thank you. Your proof of use is sent to the QM team."), "success")
            return redirect(url_for("status.page", reference=reference))
    return render_template(
        "status/proof.html",
        application=application,
        proof=record,
        form=form,
        files=proofs.files_of(record),
        proven=proofs.proven_cents(record),
    )
