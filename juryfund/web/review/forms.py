"""Forms of the staff review."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..fields import REQUIRED, AppForm, CheckboxesField, options

#: Labels of the free texts staff may mark as personal (codes of services.privacy).
PERSONAL_TEXT_LABELS = {
    "description": _l("Project description"),
    "target_group": _l("Target group"),
    "place": _l("Place"),
    "in_kind": _l("Contributions in kind"),
    "cofunding_source": _l("Source of other funding"),
    "review_note": _l("Review note"),
    "history_notes": _l("Notes in the history"),
    "proof_report": _l("Report of the proof of use"),
    "receipt_items": _l("What the receipts were for"),
}


class ReviewActionForm(AppForm):
    """One review step with its note (what to change, the reason, or the review note)."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])
    #: The fingerprint of the version the page showed (services.versions.fingerprint).
    seen = HiddenField()


class InternalNoteForm(AppForm):
    """A note for the QM team only."""

    internal_note = TextAreaField(
        _l("Internal note"),
        validators=[InputRequired(REQUIRED), Length(max=5000)],
        description=_l("Only the QM team sees it."),
    )


class InboxFilterForm(AppForm):
    """Filters of the inbox (GET, so no CSRF token)."""

    class Meta:
        csrf = False

    q = StringField(
        _l("Search"),
        validators=[Optional(), Length(max=200)],
        description=_l("Reference, title, name or email"),
    )
    state = SelectField(_l("State"), validators=[Optional()])
    todo = SelectField(_l("To do"), validators=[Optional()])
    fund = SelectField(_l("Fund"), validators=[Optional()])
    year = SelectField(_l("Year"), validators=[Optional()])


class StaffConsentForm(AppForm):
    """Withdraw a consent on the applicant's written request."""

    request_note = TextAreaField(
        _l("How the request reached you"),
        validators=[InputRequired(REQUIRED), Length(max=2000)],
        description=_l("For example: letter of 3 December, handed in at the office."),
    )


class ErasureForm(AppForm):
    """Erase the applicant's personal data on request (Art. 17 GDPR)."""

    reason = TextAreaField(
        _l("Request for erasure"),
        validators=[InputRequired(REQUIRED), Length(max=2000)],
        description=_l("When and how the applicant asked; kept in the internal history."),
    )
    title = StringField(
        _l("Anonymised project title"),
        validators=[InputRequired(REQUIRED), Length(max=200)],
        description=_l(
            "The title stays with the decision and the bookings: remove names and addresses."
        ),
    )
    texts = CheckboxesField(
        _l("Free texts with personal data"),
        choices=options(PERSONAL_TEXT_LABELS.items()),
        description=_l("Ticked texts are emptied; the others stay with the decision."),
    )
    confirm_erasure = BooleanField(
        _l("Yes, erase the personal data. This cannot be undone."),
        validators=[InputRequired(_l("Please confirm the erasure."))],
    )


#: The to-dos of the dashboard, as the inbox filter names them (codes of services.todos).
TODO_LABELS = {
    "review": _l("To review"),
    "returned": _l("Returned, waiting for the applicant"),
    "ready": _l("Ready for a round"),
    "confirm": _l("Decisions to confirm"),
    "payout": _l("Payouts to make"),
    "payment_request": _l("Payment requests to approve"),
    "bank_transfer": _l("Approved payment requests to transfer and mark paid"),
    "proof_check": _l("Proofs of use to check"),
    "proof_overdue": _l("Proofs of use overdue"),
}
