"""Forms for areas and staff accounts (admins only)."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, Regexp

from ...config import SUPPORTED_LOCALES
from ..fields import REQUIRED, AppForm, CheckboxesField, options
from ..i18n import LANGUAGE_NAMES

EMAIL_INVALID = _l("Please enter an email address such as name@example.org.")
DATE_INVALID = _l("Please enter a date as YYYY-MM-DD.")


def strip(value):
    """Drop blanks around typed text, so "  " counts as empty and " a@b.org" as an address."""
    return value.strip() if isinstance(value, str) else value


def lower(value):
    """Lower-case typed text (web addresses)."""
    return value.lower() if isinstance(value, str) else value


def upper(value):
    """Upper-case typed text (reference codes)."""
    return value.upper() if isinstance(value, str) else value


#: DataRequired, unlike InputRequired, also refuses text made only of blanks.
FILLED = DataRequired(REQUIRED)


class AreaForm(AppForm):
    """Name, address and settings of an area."""

    name = StringField(
        _l("Name of the area"), filters=[strip], validators=[FILLED, Length(max=200)]
    )
    slug = StringField(
        _l("Web address"),
        description=_l("Lower-case letters, digits and hyphens, e.g. soldiner-kiez."),
        filters=[strip, lower],
        validators=[
            FILLED,
            Length(min=2, max=60),
            Regexp(
                r"^[a-z0-9]+(-[a-z0-9]+)*$",
                message=_l("Use lower-case letters, digits and hyphens only."),
            ),
        ],
    )
    code = StringField(
        _l("Reference code"),
        description=_l("Three capital letters that start every application reference, e.g. SOL."),
        filters=[strip, upper],
        validators=[
            FILLED,
            Regexp(r"^[A-Z]{3}$", message=_l("Use exactly three capital letters A–Z.")),
        ],
    )
    city = StringField(_l("City"), filters=[strip], validators=[Optional(), Length(max=100)])
    timezone = StringField(
        _l("Time zone"),
        description=_l("A name such as Europe/Berlin."),
        default="Europe/Berlin",
        filters=[strip],
        validators=[FILLED, Length(max=64)],
    )
    languages = CheckboxesField(
        _l("Languages offered"),
        description=_l("German is always offered: it is the legally binding version."),
        choices=options((code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES),
        default=["de", "en"],
        validators=[InputRequired(_l("Tick at least one language."))],
    )
    description = TextAreaField(
        _l("What the area's funds are for"),
        filters=[strip],
        validators=[Optional(), Length(max=5000)],
    )
    action_fields = TextAreaField(
        _l("Action fields"),
        description=_l("One per line; applicants tick the ones their project serves."),
        validators=[Optional(), Length(max=3000)],
    )
    contact_email = EmailField(
        _l("Contact email of the QM team"),
        filters=[strip],
        validators=[Optional(), Email(EMAIL_INVALID), Length(max=254)],
    )
    widget_origins = TextAreaField(
        _l("Websites allowed to embed the widgets"),
        description=_l(
            "One per line, e.g. https://qm-soldiner.de. Only these websites may show the area's "
            "widgets; leave empty and no website may."
        ),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
    )


class StaffForm(AppForm):
    """A staff account: who, what role, which areas."""

    email = EmailField(
        _l("Email"),
        filters=[strip],
        validators=[FILLED, Email(EMAIL_INVALID), Length(max=254)],
    )
    name = StringField(_l("Name"), filters=[strip], validators=[FILLED, Length(max=200)])
    role = SelectField(
        _l("Role"), choices=options([("staff", _l("Staff")), ("admin", _l("Administrator"))])
    )
    areas = CheckboxesField(_l("Areas"), coerce=int, choices=[])
    active = BooleanField(_l("Account active"), default=True)
    password = PasswordField(
        _l("Password"),
        description=_l("At least 10 characters. Leave empty to keep the current password."),
        validators=[Optional(), Length(max=500)],
    )


class AccessibilityStatementForm(AppForm):
    """The installation's accessibility statement (BITV 2.0)."""

    conformity = SelectField(
        _l("State of conformity"),
        choices=options(
            [
                ("full", _l("fully conformant")),
                ("partial", _l("partially conformant")),
                ("none", _l("not conformant")),
            ]
        ),
        validators=[InputRequired(REQUIRED)],
    )
    known_gaps = TextAreaField(
        _l("Known gaps and alternatives"),
        description=_l("What is not accessible yet, why, and how people get the content instead."),
        filters=[strip],
        validators=[Optional(), Length(max=10000)],
    )
    checked_on = DateField(_l("Date of the last check"), validators=[InputRequired(DATE_INVALID)])
    checked_how = TextAreaField(
        _l("How it was checked"),
        description=_l("A self-assessment or an outside test, with the tools or the tester."),
        filters=[strip],
        validators=[Optional(), Length(max=2000)],
    )
    contact_email = EmailField(
        _l("Address for feedback on barriers"),
        filters=[strip],
        validators=[FILLED, Email(EMAIL_INVALID), Length(max=254)],
    )
    enforcement_body = TextAreaField(
        _l("Enforcement body"),
        description=_l(
            "Name, postal address, email and web address of the enforcement body (Schlichtungsstelle) of your federal state."
        ),
        filters=[strip],
        validators=[FILLED, Length(max=2000)],
    )
