"""The proof of use's form and its handling, one for the applicant (through the status link)
and for staff entering a proof on the applicant's behalf: the same fields, the same rules."""

from __future__ import annotations

from collections.abc import Callable

from flask import request
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

from ..domain.actors import Actor
from ..domain.errors import DomainError
from ..domain.files import MAX_FILE_BYTES
from ..domain.lifecycles import ProofState
from ..extensions import db
from ..models import Application, ProofOfUse
from ..services import proofs
from ..services.setup import all_refusals
from .fields import AppForm, MoneyField, apply_domain_error, button_number, mark_missing
from .unit_of_work import attempt_part, read_upload


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


def proof_record(application: Application) -> ProofOfUse:
    """The proof this request works on: started by a POST; on a GET the stored one, or an
    unsaved draft (a GET only reads, and mail scanners follow links)."""
    if request.method != "GET":
        return proofs.proof_for(application)
    return proofs.find(application) or ProofOfUse(
        application_id=application.id,
        due_on=proofs.due_date(application),
        state=ProofState.DRAFT.value,
    )


def stored_data(record: ProofOfUse) -> dict:
    """The form's data for a GET: the proof's report and receipt list as kept."""
    return {
        "report": record.report,
        "receipts": [
            {"date": r.date, "supplier": r.supplier, "item": r.item, "amount": r.amount_cents}
            for r in record.receipts
        ],
    }


def handle_post(
    form: ProofForm, record: ProofOfUse, *, send: Callable[[], object], actor: Actor | None = None
) -> str | None:
    """Run the button pressed on the proof form: "saved" or "sent" when done (committed),
    None to show the form again (a line added or removed, or refusals next to the fields).

    ``send`` submits the proof; ``actor`` is staff saving and adding files for the applicant.
    """
    action = request.form.get("action", "save")
    # Files are kept on every button, even when a line of the list is wrong, so nothing
    # uploaded is lost (as the application form does).
    refused = _attach_files(form, record, actor)
    kept = sent = False
    if action == "add_line" and len(form.receipts.entries) < form.receipts.max_entries:
        form.receipts.append_entry()
    elif (index := button_number(action, "remove_line-")) is not None and len(
        form.receipts.entries
    ) > 1:
        if index < len(form.receipts.entries):
            form.receipts.entries.pop(index)
    elif action in ("save", "submit"):
        kept = form.validate() and _save_text(form, record, actor) and not refused
        sent = kept and action == "submit" and attempt_part(send, form=form).ok
    # The request's one commit: the files (on every button), the text when it was kept, and
    # the proof's sending when it went.
    db.session.commit()
    if kept and action == "save":
        return "saved"
    if sent:
        return "sent"
    for error in refused:  # after validate(), which clears field errors
        apply_domain_error(form, error)
    return None


def _save_text(form: ProofForm, record: ProofOfUse, actor: Actor | None) -> bool:
    """Keep report and receipt list; a refusal goes next to its field. True when kept."""

    def save() -> None:
        try:
            proofs.save(
                record,
                report=form.report.data or "",
                receipts=form.lines(),
                actor=actor,
            )
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


def _attach_files(form: ProofForm, record: ProofOfUse, actor: Actor | None) -> list[DomainError]:
    """Attach every uploaded receipt scan and photo that passes the checks; the refusals."""
    refused = []
    for field, kind in ((form.receipt_files, "receipt"), (form.photos, "photo")):
        for upload in request.files.getlist(field.name):
            if not upload or not upload.filename:
                continue
            try:
                proofs.add_file(
                    record,
                    upload.filename,
                    read_upload(upload, MAX_FILE_BYTES + 1),
                    kind=kind,
                    actor=actor,
                )
            except DomainError as error:
                error.field = field.name
                error.params.setdefault("name", upload.filename)
                refused.append(error)
    return refused
