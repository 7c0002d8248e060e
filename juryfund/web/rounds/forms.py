"""Forms for rounds: setting one up, confirming approvals, correcting decisions."""

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..fields import REQUIRED, AppForm, MoneyField, options
from ..labels import MODE_LABELS


class RoundForm(AppForm):
    """A round of a body: meeting (date, place) or circulation (deadline)."""

    mode = SelectField(_l("How the body decides"), choices=options(MODE_LABELS.items()))
    title = StringField(
        _l("Title"),
        validators=[Optional(), Length(max=200)],
        description=_l("e.g. “Jury session in March”"),
    )
    when = DateTimeLocalField(
        _l("Date and time (meeting) or deadline (in writing)"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Please enter a date and time."))],
    )
    place = StringField(_l("Place (for a meeting)"), validators=[Optional(), Length(max=300)])


class ConfirmForm(AppForm):
    """The amount (possibly less than requested) and conditions of an approval."""

    amount = MoneyField(_l("Approved amount (€)"), validators=[InputRequired(REQUIRED)])
    conditions = TextAreaField(
        _l("Conditions (optional)"), validators=[Optional(), Length(max=3000)]
    )


class CorrectionForm(ConfirmForm):
    """A correction of an approved decision, recorded as a new decision."""

    reason = TextAreaField(
        _l("Reason for the correction"), validators=[InputRequired(REQUIRED), Length(max=3000)]
    )
