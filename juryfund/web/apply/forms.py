"""The application form: applicant, project, cost plan, money, declarations, attachments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    MultipleFileField,
    RadioField,
    SelectField,
    StringField,
    TelField,
    TextAreaField,
)
from wtforms.validators import Email, InputRequired, Length, Optional

from ...config import SUPPORTED_LOCALES
from ...domain.intake import MAX_COST_LINES, MAX_QUANTITY, CostLine
from ...services.intake import ApplicationInput
from ..fields import (
    REQUIRED,
    AppForm,
    CheckboxesField,
    MoneyField,
    mark_missing,
    number_range,
    options,
)
from ..i18n import LANGUAGE_NAMES
from ..labels import APPLICANT_KIND_LABELS, CATEGORY_LABELS
from ..staff.forms import WholeNumberField

EMAIL_INVALID = _l("Please enter an email address such as name@example.org.")
WHOLE_NUMBER = _l("Please enter a whole number.")
DATE_INVALID = _l("Please enter a date as YYYY-MM-DD.")
MUST_CONFIRM = _l("Please confirm this to apply.")


class CostLineForm(Form):
    """One line of the cost plan; a line left completely empty is ignored."""

    description = StringField(_l("What"), validators=[Optional(), Length(max=300)])
    category = SelectField(
        _l("Category"), choices=options(CATEGORY_LABELS.items()), default="material"
    )
    # WholeNumberField: a wall of digits or "1,5" gets one translated message, not two.
    quantity = WholeNumberField(
        _l("Quantity"),
        default=1,
        validators=[Optional(), number_range(1, MAX_QUANTITY)],
    )
    unit_price = MoneyField(_l("Unit price (€)"))

    def is_blank(self) -> bool:
        """Nothing typed on this line (the category has a default and does not count)."""
        return not (self.description.data or "").strip() and self.unit_price.data is None

    def validate(self, extra_validators=None) -> bool:
        """A started line needs a description, a quantity and a unit price."""
        valid = super().validate(extra_validators)
        if self.is_blank():
            return valid
        return mark_missing((self.description, self.quantity, self.unit_price)) and valid


class ApplicationForm(AppForm):
    """Everything a resident fills in to apply."""

    # applicant
    applicant_kind = RadioField(
        _l("I apply as"),
        choices=options(APPLICANT_KIND_LABELS.items()),
        validators=[InputRequired(_l("Please choose who applies."))],
    )
    applicant_name = StringField(
        _l("Your name"), validators=[InputRequired(REQUIRED), Length(max=200)]
    )
    organisation = StringField(
        _l("Initiative or association"),
        validators=[Optional(), Length(max=200)],
        description=_l("Leave empty if you apply as a private person."),
    )
    email = EmailField(
        _l("Email"),
        # Only what the outbox can send to: its SMTP needs an ASCII name before the "@".
        validators=[
            InputRequired(REQUIRED),
            Email(EMAIL_INVALID, allow_smtputf8=False),
            Length(max=254),
        ],
        description=_l("We send the confirmation and your personal status link here."),
    )
    phone = TelField(_l("Phone (optional)"), validators=[Optional(), Length(max=50)])
    address = TextAreaField(
        _l("Postal address"), validators=[InputRequired(REQUIRED), Length(max=500)]
    )
    lives_or_acts_in_area = BooleanField(
        _l("I live in the area, or my initiative works here."),
        validators=[InputRequired(MUST_CONFIRM)],
    )
    # project
    title = StringField(
        _l("Title of the action"), validators=[InputRequired(REQUIRED), Length(max=200)]
    )
    description = TextAreaField(
        _l("What will happen?"),
        validators=[InputRequired(REQUIRED), Length(max=5000)],
        description=_l("Describe the action and what volunteers will do."),
    )
    goals = CheckboxesField(_l("Which goals of the area does it serve?"), choices=[])
    target_group = StringField(
        _l("For whom?"), validators=[InputRequired(REQUIRED), Length(max=500)]
    )
    place = StringField(_l("Where?"), validators=[InputRequired(REQUIRED), Length(max=300)])
    start_date = DateField(_l("Starts on"), validators=[InputRequired(DATE_INVALID)])
    end_date = DateField(_l("Ends on"), validators=[InputRequired(DATE_INVALID)])
    # WholeNumberField: "viele" gets one translated message, and Arabic-Indic digits are read.
    participants = WholeNumberField(
        _l("Expected participants"), default=0, validators=[Optional(), number_range(0, 1_000_000)]
    )
    # cost plan and money
    cost_items = FieldList(FormField(CostLineForm), min_entries=3, max_entries=MAX_COST_LINES)
    volunteer_hours = WholeNumberField(
        _l("Volunteer hours (own contribution)"),
        default=0,
        validators=[Optional(), number_range(0, 100000)],
    )
    own = MoneyField(
        _l("Own money (€)"),
        description=_l("Money you or your initiative put in yourselves (own contribution)."),
    )
    in_kind = TextAreaField(
        _l("Other own contribution (rooms, material)"), validators=[Optional(), Length(max=2000)]
    )
    cofunding_source = StringField(
        _l("Other funding: from whom?"), validators=[Optional(), Length(max=200)]
    )
    cofunding = MoneyField(_l("Other funding: amount (€)"))
    requested = MoneyField(
        _l("Amount requested (€)"),
        validators=[InputRequired(_l("Please enter the amount you ask for."))],
        description=_l("At most the total of your cost plan."),
    )
    # declarations and consent
    declared_not_started = BooleanField(
        _l("The action has not started yet."), validators=[InputRequired(MUST_CONFIRM)]
    )
    declared_no_own_fee = BooleanField(
        _l("Nobody who applies will be paid a fee from this money."),
        validators=[InputRequired(MUST_CONFIRM)],
    )
    consent_processing = BooleanField(
        _l("I agree that my data is processed to decide on and fund this application."),
        validators=[InputRequired(MUST_CONFIRM)],
    )
    consent_publish_name = BooleanField(
        _l("My name may be published with the decision (optional).")
    )
    attachments = MultipleFileField(
        _l("Quotes and other documents (PDF, JPEG or PNG, at most 5 files of 5 MB each)")
    )

    def filled_cost_entries(self) -> list:
        """The cost plan's entries that become domain lines, in order (the domain's indexes)."""
        # A line with an error (a missing description) is told next to its field, not checked.
        return [
            entry
            for entry in self.cost_items
            if not entry.form.is_blank()
            and not entry.form.errors
            and entry.form.unit_price.data is not None
            and entry.form.quantity.data
        ]

    def filled_cost_lines(self) -> list[CostLine]:
        """The cost plan's non-blank lines as domain values."""
        return [
            CostLine(
                (line.description.data or "").strip(),
                line.category.data,
                line.quantity.data,
                line.unit_price.data,
            )
            for line in (entry.form for entry in self.filled_cost_entries())
        ]

    def to_input(self, language: str) -> ApplicationInput:
        """The parsed data for the intake service."""
        return ApplicationInput(
            applicant_kind=self.applicant_kind.data,
            applicant_name=self.applicant_name.data,
            organisation=self.organisation.data or "",
            email=self.email.data or "",
            phone=self.phone.data or "",
            address=self.address.data or "",
            lives_or_acts_in_area=self.lives_or_acts_in_area.data,
            title=self.title.data,
            description=self.description.data,
            goals=list(self.goals.data or []),
            target_group=self.target_group.data or "",
            place=self.place.data or "",
            start_date=self.start_date.data,
            end_date=self.end_date.data,
            participants=self.participants.data or 0,
            cost_lines=self.filled_cost_lines(),
            volunteer_hours=self.volunteer_hours.data or 0,
            in_kind=self.in_kind.data or "",
            cofunding_source=self.cofunding_source.data or "",
            cofunding_cents=self.cofunding.data or 0,
            own_cents=self.own.data or 0,
            requested_cents=self.requested.data,
            declared_not_started=self.declared_not_started.data,
            declared_no_own_fee=self.declared_no_own_fee.data,
            consent_processing=self.consent_processing.data,
            consent_publish_name=self.consent_publish_name.data,
            language=language,
        )


class PaperApplicationForm(ApplicationForm):
    """Staff enter a paper application: the applicant may have no email address."""

    language = SelectField(
        _l("Language for mails to the applicant"),
        choices=options((code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES),
        default="de",
    )
    email = EmailField(
        _l("Email"),
        validators=[Optional(), Email(EMAIL_INVALID, allow_smtputf8=False), Length(max=254)],
        description=_l("Leave empty if the applicant has none; then no mail is sent."),
    )
