"""Forms for bookings, cancellation, year close and the review of a proof of use."""

import re
import secrets

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ...domain.banking import parse_bic, parse_iban
from ...domain.errors import DomainError
from ..fields import REQUIRED, AppForm, MoneyField, options
from ..messages import reason_text

PAYMENT_TYPE_LABELS = {
    "advance": _l("Advance (before the action)"),
    "instalment": _l("Instalment"),
    "reimbursement": _l("Reimbursement (against receipts)"),
}
MUST_CONFIRM = _l("Please tick the box to confirm.")
#: What a payment request may ask for (models.payments.REQUEST_KINDS), in the books' words.
REQUEST_KIND_LABELS = {
    "advance": PAYMENT_TYPE_LABELS["advance"],
    "reimbursement": PAYMENT_TYPE_LABELS["reimbursement"],
}


#: What a booking form's key looks like (secrets.token_urlsafe(24)).
FORM_KEY = re.compile(r"[A-Za-z0-9_-]{32}")


class BookingForm(AppForm):
    """A form that books money: it carries a random key of its own, so that sending it twice
    (a double click, a browser sending it again) books once (services.ledger.check_form_unused).
    """

    form_key = HiddenField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.form_key.data:  # a fresh form; a form sent back keeps its key
            self.form_key.data = secrets.token_urlsafe(24)

    def key(self) -> str | None:
        """The key the form was sent with, if it is one of ours."""
        sent = self.form_key.data or ""
        return sent if FORM_KEY.fullmatch(sent) else None


class PaymentForm(BookingForm):
    """Money paid out to the applicant."""

    payment_type = SelectField(_l("Kind of payment"), choices=options(PAYMENT_TYPE_LABELS.items()))
    amount = MoneyField(_l("Amount (€)"), validators=[InputRequired(REQUIRED)])
    note = StringField(
        _l("Note (e.g. bank transfer reference)"), validators=[Optional(), Length(max=300)]
    )


class RefundForm(BookingForm):
    """Money the applicant paid back."""

    amount = MoneyField(_l("Amount paid back (€)"), validators=[InputRequired(REQUIRED)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class AdjustmentForm(BookingForm):
    """A later raise or cut of the fund year's money, with its reason."""

    amount = MoneyField(
        _l("Change (€)"),
        description=_l("Negative for a cut, e.g. -500,00."),
        validators=[InputRequired(REQUIRED)],
        allow_negative=True,
    )
    reason = StringField(_l("Reason"), validators=[InputRequired(REQUIRED), Length(max=300)])


class CancelForm(AppForm):
    """Cancel an approved project."""

    reason = TextAreaField(
        _l("Reason for the cancellation"), validators=[InputRequired(REQUIRED), Length(max=2000)]
    )
    confirm = BooleanField(
        _l("Yes, cancel this project."), validators=[InputRequired(MUST_CONFIRM)]
    )


class CloseYearForm(AppForm):
    """Close a fund year."""

    confirm = BooleanField(
        _l("Yes, close this fund year."), validators=[InputRequired(MUST_CONFIRM)]
    )


class ProofReviewForm(AppForm):
    """The QM team's note on a proof of use (what is missing, or about the refund)."""

    note = TextAreaField(_l("Note to the applicant"), validators=[Optional(), Length(max=3000)])
    #: The fingerprint of the proof as the page showed it (services.proofs.fingerprint).
    seen = HiddenField()


class ReceiptChoiceForm(AppForm):
    """Staff's choice on a flagged receipt: it counts, or it is refused with a reason."""

    choice = RadioField(
        _l("This receipt"),
        choices=options(
            [
                ("accepted", _l("counts toward the proven costs")),
                ("refused", _l("is refused (does not count)")),
            ]
        ),
        validators=[InputRequired(_l("Please choose whether the receipt counts."))],
    )
    reason = TextAreaField(_l("Reason for refusing"), validators=[Optional(), Length(max=1000)])


class PaymentRequestForm(AppForm):
    """An advance or reimbursement asked for, with the account to pay it to.

    Used by the applicant on the status page and by staff for a request on paper. IBAN and
    BIC are checked here already (domain.banking), so their errors show with the others.
    """

    kind = RadioField(
        _l("What do you ask for?"),
        choices=options(REQUEST_KIND_LABELS.items()),
        validators=[InputRequired(_l("Please choose advance or reimbursement."))],
    )
    amount = MoneyField(_l("Amount (€)"), validators=[InputRequired(REQUIRED)])
    account_holder = StringField(
        _l("Account holder"), validators=[InputRequired(REQUIRED), Length(max=200)]
    )
    iban = StringField(
        _l("IBAN"),
        description=_l("Spaces are fine, e.g. DE89 3704 0044 0532 0130 00."),
        validators=[InputRequired(REQUIRED), Length(max=60)],
    )
    bic = StringField(_l("BIC (optional)"), validators=[Optional(), Length(max=20)])

    def validate_iban(self, field) -> None:
        """The IBAN's country, length and check digits (domain.banking)."""
        _check(parse_iban, field.data or "")

    def validate_bic(self, field) -> None:
        """The BIC's shape, when one is given."""
        _check(parse_bic, field.data or "")


def _check(parse, text: str) -> None:
    """Run a domain check on a field's text; its refusal becomes the field's error."""
    try:
        parse(text)
    except DomainError as error:
        raise ValidationError(reason_text(error)) from error


class PaymentRefusalForm(AppForm):
    """Refuse a payment request, with the reason the applicant is told."""

    reason = TextAreaField(
        _l("Reason for refusing"), validators=[InputRequired(REQUIRED), Length(max=2000)]
    )


class PaymentStepForm(AppForm):
    """Approve a payment request, or mark it paid (with the transfer's note)."""

    note = StringField(
        _l("Note (e.g. bank transfer reference)"), validators=[Optional(), Length(max=300)]
    )
