"""Forms of the public pages: feedback on barriers."""

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from ...services.accessibility import MAX_FEEDBACK
from ..fields import REQUIRED, AppForm

EMAIL_INVALID = _l("Please enter an email address such as name@example.org.")


class FeedbackForm(AppForm):
    """Report a barrier on the site to the QM team."""

    message = TextAreaField(
        _l("What did not work for you?"),
        description=_l("Describe the barrier: what you wanted to do and what went wrong."),
        validators=[InputRequired(REQUIRED), Length(max=MAX_FEEDBACK)],
    )
    page = StringField(
        _l("On which page? (optional)"),
        description=_l("The address or name of the page."),
        validators=[Optional(), Length(max=500)],
    )
    area = SelectField(_l("Which neighbourhood? (optional)"), choices=[], validate_choice=True)
    name = StringField(_l("Your name (optional)"), validators=[Optional(), Length(max=200)])
    email = EmailField(
        _l("Your email address (optional, for an answer)"),
        validators=[Optional(), Email(EMAIL_INVALID), Length(max=254)],
    )
