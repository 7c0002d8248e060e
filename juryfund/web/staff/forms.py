"""Forms for funds, fund years, bodies and members."""

from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    Email,
    InputRequired,
    Length,
    Optional,
    StopValidation,
    ValidationError,
)

from ...config import SUPPORTED_LOCALES
from ...domain.money import _NORMALISE as DIGITS_AND_MARKS
from ..admin.forms import EMAIL_INVALID, FILLED, strip
from ..fields import REQUIRED, AppForm, CheckboxesField, MoneyField, number_range, options
from ..i18n import LANGUAGE_NAMES
from ..labels import (
    BODY_KIND_LABELS,
    CATEGORY_LABELS,
    FEE_RULE_LABELS,
    FUND_KIND_LABELS,
    MAJORITY_LABELS,
    ROLE_LABELS,
    SEAT_LABELS,
)

WHOLE_NUMBER = _l("Please enter a whole number.")
DATE_INVALID = _l("Please enter a date as YYYY-MM-DD.")

#: Term dates outside these years are typing mistakes ("0224" for "2024"), not real terms.
EARLIEST_TERM, LATEST_TERM = date(1990, 1, 1), date(2100, 12, 31)


class WholeNumberField(IntegerField):
    """An integer input whose unreadable text gets one clear message, not two."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, invalid_value_message=WHOLE_NUMBER, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        """Read digits only (no "1_000" or other forms Python's int() would also take)."""
        if not valuelist:
            return
        # Arabic-Indic digits and invisible direction marks read as amounts read them.
        text = valuelist[0].translate(DIGITS_AND_MARKS).strip()
        self.data = None
        if not text:
            return
        digits = text[1:] if text[:1] == "-" else text
        if not digits.isascii() or not digits.isdigit() or len(digits) > 30:
            raise ValueError(WHOLE_NUMBER)
        self.data = int(text)

    def pre_validate(self, form) -> None:
        """Unreadable input already has its message; range checks would only repeat it."""
        if self.process_errors:
            raise StopValidation()


class TermDateField(DateField):
    """A date (the browser sends YYYY-MM-DD) with our own message and a plausible range."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, invalid_value_message=DATE_INVALID, **kwargs)

    def process_formdata(self, valuelist: list[str]) -> None:
        """An empty input is no date (the validators decide whether one is needed)."""
        if valuelist and not " ".join(valuelist).strip():
            self.data = None
            return
        super().process_formdata([" ".join(valuelist).strip()] if valuelist else valuelist)

    def pre_validate(self, form) -> None:
        """Unreadable input already has its message; stop there."""
        if self.process_errors:
            raise StopValidation()


def plausible_term_date(form, field) -> None:
    """Refuse dates far outside any real term."""
    if field.data is not None and not EARLIEST_TERM <= field.data <= LATEST_TERM:
        raise ValidationError(
            _l(
                "Please enter a date between the years %(first)s and %(last)s.",
                first=EARLIEST_TERM.year,
                last=LATEST_TERM.year,
            )
        )


def optional_number(label, low: int, high: int, **kwargs) -> WholeNumberField:
    """A whole number from `low` to `high` that may be left empty."""
    return WholeNumberField(label, validators=[Optional(), number_range(low, high)], **kwargs)


class ValueRequired:
    """A value must be typed: blanks alone are none (0 is one, and the rules judge it)."""

    field_flags = {"required": True}

    def __init__(self, message=REQUIRED) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data is None and not field.process_errors:
            field.errors[:] = []
            raise StopValidation(self.message)


def whole_number(label, low: int, high: int, **kwargs) -> WholeNumberField:
    """A whole number that must be typed, from `low` to `high`."""
    return WholeNumberField(
        label, validators=[ValueRequired(WHOLE_NUMBER), number_range(low, high)], **kwargs
    )


class PercentField(MoneyField):
    """A share typed in percent with up to two decimals ("2,5"), held as basis points (250).

    Basis points are to a percent what cents are to a euro, so the money parser reads them.
    """

    def pre_validate(self, form) -> None:
        """Unreadable input has its message already; a readable one must lie in 0–100 %."""
        if self.process_errors:
            raise StopValidation()
        if self.data is not None and not 0 <= self.data <= 10_000:
            raise StopValidation(_l("Enter a share from 0 to 100."))


#: Cost categories a fund ticks; fees for others are governed by the fee rule instead.
TICKABLE_CATEGORIES = [(code, label) for code, label in CATEGORY_LABELS.items() if code != "fee"]


class FundForm(AppForm):
    """Kind, rules and deciding body of a fund."""

    kind = SelectField(_l("Kind of fund"), choices=options(FUND_KIND_LABELS.items()))
    name = StringField(
        _l("Name of the fund"), filters=[strip], validators=[FILLED, Length(max=200)]
    )
    body = SelectField(
        _l("Deciding body"), coerce=int, choices=[], validators=[InputRequired(REQUIRED)]
    )
    cap = MoneyField(_l("Most per application (€)"), validators=[ValueRequired()])
    minimum = MoneyField(
        _l("Least per application (€)"), description=_l("Leave empty for no minimum.")
    )
    lead_time_days = whole_number(
        _l("Lead time in days"),
        0,
        365,
        description=_l("How many days before the action's start an application must arrive."),
        default=14,
    )
    eligible_categories = CheckboxesField(
        _l("Eligible cost categories"),
        choices=options(TICKABLE_CATEGORIES),
        validators=[InputRequired(_l("Tick at least one eligible cost category."))],
    )
    own_share_bp = PercentField(
        _l("Least own contribution (percent of the costs)"),
        description=_l("In own money or volunteer hours. Leave empty for none (Aachen: 10)."),
    )
    hour_rate_cents = MoneyField(
        _l("A volunteer hour counts as (€)"),
        description=_l("Leave empty if volunteer hours do not count toward the own contribution."),
    )
    fee_rule = RadioField(
        _l("Fees (Honorare) for others"),
        choices=options(FEE_RULE_LABELS.items()),
        default="allowed",
    )
    fee_cap_cents = MoneyField(
        _l("Fees: at most (€)"), description=_l("Only for fees up to a cap; may be left empty.")
    )
    fee_cap_bp = PercentField(
        _l("Fees: at most (percent of the costs)"),
        description=_l("Only for fees up to a cap; may be left empty."),
    )
    allowance_bp = PercentField(
        _l("Flat allowance for the applicant's own costs (percent of the proven costs)"),
        description=_l("Paid with the reimbursement at proof of use. Leave empty for none."),
    )
    carry_over = BooleanField(_l("Unspent money carries over into next year"))
    proof_weeks = whole_number(_l("Proof of use due (weeks after the action)"), 1, 52, default=4)
    retention_years = whole_number(
        _l("Keep applicants' personal data for (years after the application is finished)"),
        1,
        30,
        default=10,
    )
    presentation_threshold = MoneyField(
        _l("Applicants present their project above (€)"),
        description=_l(
            "Applicants asking for more are invited to present it in the meeting. "
            "Leave empty if nobody presents."
        ),
    )
    description = TextAreaField(
        _l("What the fund is for"), filters=[strip], validators=[Optional(), Length(max=5000)]
    )


class FundYearForm(AppForm):
    """A new fund year and its allocation."""

    year = whole_number(_l("Year"), 2000, 2100)
    allocation = MoneyField(_l("Allocation (€)"), validators=[ValueRequired()])
    period_start = TermDateField(
        _l("Funding period from"),
        validators=[Optional(), plausible_term_date],
        description=_l("Leave both empty for the calendar year."),
    )
    period_end = TermDateField(
        _l("Funding period until"), validators=[Optional(), plausible_term_date]
    )


class BodyForm(AppForm):
    """A jury or council and its voting rule (every field of the rule)."""

    kind = SelectField(_l("Kind of body"), choices=options(BODY_KIND_LABELS.items()))
    name = StringField(
        _l("Name of the body"), filters=[strip], validators=[FILLED, Length(max=200)]
    )
    quorum_numerator = whole_number(
        _l("Quorum: share of eligible members (numerator)"), 1, 100, default=1
    )
    quorum_denominator = whole_number(
        _l("Quorum: share of eligible members (denominator)"), 1, 100, default=2
    )
    quorum_strict = BooleanField(
        _l("More than that share must take part (otherwise at least that share)"), default=True
    )
    quorum_minimum = whole_number(_l("Never fewer participants than"), 1, 100, default=3)
    majority = SelectField(_l("Majority needed"), choices=options(MAJORITY_LABELS.items()))
    abstain_counts_as_no = BooleanField(_l("Abstentions count as no"))
    tie_breaker = SelectField(
        _l("Chair whose vote decides a tie"),
        coerce=int,
        choices=[],
        default=0,
        description=_l("Only for a simple majority. Without a chair, a tie rejects."),
    )
    min_members = optional_number(
        _l("At least this many full members"),
        0,
        100,
        description=_l("Empty or 0: no minimum. Deputies and successors do not count."),
    )
    min_residents = optional_number(
        _l("At least this many residents among the full members"),
        0,
        100,
        description=_l("An Aktionsfonds jury: at least 7."),
    )
    residents_majority = BooleanField(
        _l("More than half of the full members are residents"),
        description=_l("A Quartiersrat: residents hold the majority."),
    )
    repeat_quorate = BooleanField(
        _l("A repeated meeting is quorate regardless of attendance when the invitation says so"),
        description=_l("§ 90 (2) VwVfG: for the same agenda after a meeting without quorum."),
    )
    min_age = optional_number(
        _l("Minimum age of members"),
        1,
        99,
        description=_l("E.g. 16 for an Aktionsfonds jury. Leave empty if there is none."),
    )


class MemberForm(AppForm):
    """A member of a body."""

    name = StringField(_l("Name"), filters=[strip], validators=[FILLED, Length(max=200)])
    email = EmailField(
        _l("Email"),
        filters=[strip],
        # Only what the outbox can send ballot links to: an ASCII name before the "@".
        validators=[FILLED, Email(EMAIL_INVALID, allow_smtputf8=False), Length(max=254)],
    )
    organisation = StringField(
        _l("Organisation or institution (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=200)],
        description=_l("The initiative, association or institution the member belongs to."),
    )
    language = SelectField(
        _l("Preferred language"),
        choices=options((code, LANGUAGE_NAMES[code]) for code in SUPPORTED_LOCALES),
    )
    role = SelectField(_l("Group"), choices=options(ROLE_LABELS.items()))
    seat = SelectField(_l("Seat"), choices=options(SEAT_LABELS.items()), default="full")
    successor_rank = optional_number(
        _l("Place among the successors"),
        1,
        99,
        description=_l("Only for a successor: 1 steps in first."),
    )
    birth_date = TermDateField(
        _l("Date of birth (optional)"),
        validators=[Optional()],
        description=_l("Only where the body has a minimum age."),
    )
    age_confirmed = BooleanField(
        _l("The member confirmed that they have the body's minimum age"),
        description=_l("Instead of a date of birth."),
    )
    term_start = TermDateField(
        _l("Term starts"),
        validators=[ValueRequired(DATE_INVALID), plausible_term_date],
    )
    term_end = TermDateField(
        _l("Term ends"),
        validators=[Optional(), plausible_term_date],
        description=_l("Leave empty if open."),
    )


class ObjectionNoticeForm(AppForm):
    """How applicants object to a decision, as the area's decision letters say it."""

    notice = TextAreaField(
        _l("How to object to a decision"),
        validators=[Optional(), Length(max=3000)],
        description=_l(
            "Stated in every decision letter, below the German text too. Leave it empty to use "
            "the standard text: an objection in writing to the QM team or its sponsoring "
            "organisation within one month."
        ),
    )


class SessionForm(AppForm):
    """A jury session of a fund announced with its application deadline."""

    meets_on = TermDateField(
        _l("Day of the jury session"), validators=[ValueRequired(), plausible_term_date]
    )
    apply_by = TermDateField(
        _l("Apply by"),
        validators=[ValueRequired(), plausible_term_date],
        description=_l("Applications sent on this day or earlier are decided at this session."),
    )
    place = StringField(_l("Place"), filters=[strip], validators=[Optional(), Length(max=300)])
    note = TextAreaField(
        _l("Note for applicants"), filters=[strip], validators=[Optional(), Length(max=1000)]
    )
