"""Forms of the applicant's status pages."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, TextAreaField
from wtforms.validators import Email, InputRequired, Length, Optional

from ..fields import REQUIRED, AppForm

EMAIL_INVALID = _l("Please enter an email address such as name@example.org.")


class ResendForm(AppForm):
    """Ask for the status links again."""

    email = EmailField(
        _l("Your email address"),
        validators=[InputRequired(REQUIRED), Email(EMAIL_INVALID), Length(max=254)],
    )


class WithdrawForm(AppForm):
    """Take the application back."""

    reason = TextAreaField(_l("Reason (optional)"), validators=[Optional(), Length(max=2000)])
    confirm = BooleanField(
        _l("Yes, I withdraw my application."),
        validators=[InputRequired(_l("Please confirm that you want to withdraw."))],
    )


class WithdrawConsentForm(AppForm):
    """Withdraw the consent to publish the applicant's name."""

    confirm_consent = BooleanField(
        _l("Yes, do not publish my name any more."),
        validators=[InputRequired(_l("Please confirm that you withdraw your consent."))],
    )


class PlaceConsentForm(AppForm):
    """Agree that the private address of the project is shown on the public map."""

    confirm_place = BooleanField(
        _l("Yes, the place of my project may be shown on the public map."),
        validators=[InputRequired(_l("Please confirm that you agree."))],
    )


class WithdrawPlaceConsentForm(AppForm):
    """Take the private address of the project off the public map."""

    confirm_place_off = BooleanField(
        _l("Yes, do not show the place of my project on the map any more."),
        validators=[InputRequired(_l("Please confirm that you withdraw your consent."))],
    )


class WithdrawStoryConsentForm(AppForm):
    """Withdraw the consent to publish the project story and its photos."""

    confirm_story_consent = BooleanField(
        _l("Yes, do not publish my story and photos any more."),
        validators=[InputRequired(_l("Please confirm that you withdraw your consent."))],
    )
