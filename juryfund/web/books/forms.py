"""Forms for bookings, cancellation, year close and the review of a proof of use."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..fields import REQUIRED, AppForm, MoneyField, options

PAYMENT_TYPE_LABELS = {
    "advance": _l("Advance (before the action)"),
    "instalment": _l("Instalment"),
    "reimbursement": _l("Reimbursement (against receipts)"),
}
MUST_CONFIRM = _l("Please tick the box to confirm.")


class PaymentForm(AppForm):
    """Money paid out to the applicant."""

    payment_type = SelectField(_l("Kind of payment"), choices=options(PAYMENT_TYPE_LABELS.items()))
    amount = MoneyField(_l("Amount (€)"), validators=[InputRequired(REQUIRED)])
    note = StringField(
        _l("Note (e.g. bank transfer reference)"), validators=[Optional(), Length(max=300)]
    )


class RefundForm(AppForm):
    """Money the applicant paid back."""

    amount = MoneyField(_l("Amount paid back (€)"), validators=[InputRequired(REQUIRED)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=300)])


class AdjustmentForm(AppForm):
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
