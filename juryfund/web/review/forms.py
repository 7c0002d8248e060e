"""Forms of the staff review."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..fields import REQUIRED, AppForm


class ReviewActionForm(AppForm):
    """One review step with its note (what to change, the reason, or the review note)."""

    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=5000)])


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
    fund = SelectField(_l("Fund"), validators=[Optional()])
    year = SelectField(_l("Year"), validators=[Optional()])
