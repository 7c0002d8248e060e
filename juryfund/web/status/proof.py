"""The applicant's proof of use (Verwendungsnachweis), reached through the status link."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    FieldList,
    Form,
    FormField,
    MultipleFileField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from ...domain.actors import Actor
from ...domain.errors import DomainError
from ...domain.files import MAX_FILE_BYTES
from ...domain.lifecycles import ProofState
from ...domain.states import State
from ...extensions import db
from ...services import proofs
from ...services.setup import all_refusals
from ..fields import AppForm, MoneyField, apply_domain_error, button_number, mark_missing
from ..unit_of_work import attempt_part, read_upload
from .routes import bp, granted_application


class ReceiptLineForm(Form):
    """One receipt of the receipt list; an empty line is ignored."""

    date = DateField(_l("Date"), validators=[Optional()])
    supplier = StringField(_l("Supplier"), validators=[Optional(), Length(max=200)])
    item = StringField(_l("Item"), validators=[Optional(), Length(max=300)])
    amount = MoneyField(_l("Amount (€)"))

    def is_blank(self) -> bool:
        """Nothing typed on this line."""
        return (
            not (self.supplier.data or "").strip()
            and not (self.item.data or "").strip()
            and self.amount.data is None
            and self.date.data is None
        )

    def validate(self, extra_validators=None) -> bool:
        """A started line needs all four fields."""
        valid = super().validate(extra_validators)
        if self.is_blank():
            return valid
        return mark_missing((self.date, self.supplier, self.item, self.amount)) and valid


class ProofForm(AppForm):
    """Report, receipt list, receipt scans and photos."""

    report = TextAreaField(
        _l("Short report: what happened, how many took part?"),
        validators=[Optional(), Length(max=10000)],
    )
    receipts = FieldList(FormField(ReceiptLineForm), min_entries=3, max_entries=60)
    receipt_files = MultipleFileField(_l("Receipts (PDF, JPEG or PNG)"))
    photos = MultipleFileField(_l("Photos of the action (JPEG or PNG)"))

    def filled_entries(self) -> list:
        """The receipt list's entries that are not blank, in order (the service's indexes)."""
        return [entry for entry in self.receipts if not entry.form.is_blank()]

    def lines(self) -> list[proofs.ReceiptLine]:
        """The filled receipt lines as service values."""
        return [
            proofs.ReceiptLine(line.date.data, line.supplier.data, line.item.data, line.amount.data)
            for line in (entry.form for entry in self.filled_entries())
        ]


@bp.route("/<reference>/proof", methods=["GET", "POST"])
def proof(reference: str):
    """Fill in and send the proof of use; files are kept as they are uploaded."""
    application = granted_application(reference)
    if application.state not in (State.APPROVED, State.SETTLED):
        flash(_("A proof of use is needed only for an approved project."), "error")
        return redirect(url_for("status.page", reference=reference))
    # A GET only reads (mail scanners follow links); the proof is started by the first POST.
    record = proofs.find(application) if request.method == "GET" else proofs.proof_for(application)
    if record is None:
        record = proofs.ProofOfUse(
            application_id=application.id,
            due_on=proofs.due_date(application),
            state=ProofState.DRAFT.value,
        )
    if request.method == "GET":
        form = ProofForm(
            data={
                "report": record.report,
                "receipts": [
                    {
                        "date": r.date,
                        "supplier": r.supplier,
                        "item": r.item,
                        "amount": r.amount_cents,
                    }
                    for r in record.receipts
                ],
            }
        )
    else:
        form = ProofForm()
        action = request.form.get("action", "save")
        if action == "add_line" and len(form.receipts.entries) < form.receipts.max_entries:
            form.receipts.append_entry()
        elif (index := button_number(action, "remove_line-")) is not None and len(
            form.receipts.entries
        ) > 1:
            if index < len(form.receipts.entries):
                form.receipts.entries.pop(index)
        elif action in ("save", "submit"):
            # Files are kept even when a line of the list is wrong, so nothing uploaded is lost.
            refused = _attach_files(form, record)
            kept = form.validate() and _save_text(form, record) and not refused
            sent = (
                kept
                and action == "submit"
                and attempt_part(
                    lambda: proofs.submit(record, actor=Actor.applicant(reference)), form=form
                )
            )
            # The request's one commit: files and text, and the proof's sending when it went.
            db.session.commit()
            if kept and action == "save":
                flash(
                    _("Your proof of use is saved. You can send it when it is complete."), "success"
                )
                return redirect(url_for("status.proof", reference=reference))
            if sent:
                flash(_("Thank you. Your proof of use is sent to the QM team."), "success")
                return redirect(url_for("status.page", reference=reference))
            for error in refused:  # validate() clears field errors; show the file refusals again
                apply_domain_error(form, error)
    return render_template(
        "status/proof.html",
        application=application,
        proof=record,
        form=form,
        files=proofs.files_of(record),
        proven=proofs.proven_cents(record),
    )


def _save_text(form: ProofForm, record) -> bool:
    """Keep report and receipt list; a refusal goes next to its field. True when kept."""

    def save() -> None:
        try:
            proofs.save(record, report=form.report.data or "", receipts=form.lines())
        except DomainError as error:
            for each in all_refusals(error):
                _to_form_line(form, each)
            raise

    return attempt_part(save, form=form).ok


def _to_form_line(form: ProofForm, error: DomainError) -> None:
    """Name a receipt's field as the form does ("receipts-1-amount" may be its third line)."""
    # The service counts filled lines only; the form may have blank ones in between.
    if error.field and error.field.startswith("receipts-"):
        _prefix, index, name = error.field.split("-", 2)
        entries = form.filled_entries()
        if int(index) < len(entries):
            error.field = f"{entries[int(index)].id}-{name}"


def _attach_files(form: ProofForm, record) -> list[DomainError]:
    """Attach every uploaded receipt scan and photo that passes the checks; the refusals."""
    refused = []
    for field, kind in ((form.receipt_files, "receipt"), (form.photos, "photo")):
        for upload in request.files.getlist(field.name):
            if not upload or not upload.filename:
                continue
            try:
                proofs.add_file(
                    record, upload.filename, read_upload(upload, MAX_FILE_BYTES + 1), kind=kind
                )
            except DomainError as error:
                error.field = field.name
                error.params.setdefault("name", upload.filename)
                refused.append(error)
    return refused
