"""Forms for rounds: setting one up, conflicts of interest, confirming and correcting decisions."""

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from ..fields import REQUIRED, AppForm, MoneyField, options
from ..labels import MODE_LABELS

#: Meetings and deadlines lie within these years: a year-1 or year-9999 date typed by a slip
#: would overflow the time arithmetic of links, calendars and time zones.
FIRST_YEAR, LAST_YEAR = 2000, 2100


def plausible_moment(form, field) -> None:
    """Refuse a date and time far outside any real meeting or deadline."""
    if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
        raise ValidationError(
            _l(
                "Please enter a date between the years %(first)s and %(last)s.",
                first=FIRST_YEAR,
                last=LAST_YEAR,
            )
        )


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
        validators=[InputRequired(_l("Please enter a date and time.")), plausible_moment],
    )
    place = StringField(_l("Place (for a meeting)"), validators=[Optional(), Length(max=300)])


class ConfirmForm(AppForm):
    """The amount (possibly less than requested) and conditions of an approval."""

    amount = MoneyField(_l("Approved amount (€)"), validators=[InputRequired(REQUIRED)])
    conditions = TextAreaField(
        _l("Conditions (optional)"), validators=[Optional(), Length(max=3000)]
    )
    reasons = TextAreaField(
        _l("Reasons"),
        validators=[Optional(), Length(max=5000)],
        description=_l("Required when less than requested is approved; the letter states them."),
    )


class RejectionForm(AppForm):
    """The body's reasons for a rejection, which the letter to the applicant states."""

    reasons = TextAreaField(
        _l("Reasons for the rejection"), validators=[InputRequired(REQUIRED), Length(max=5000)]
    )


class CorrectionForm(ConfirmForm):
    """A correction of an approved decision, recorded as a new decision."""

    reason = TextAreaField(
        _l("Reason for the correction"), validators=[InputRequired(REQUIRED), Length(max=3000)]
    )


class ConflictRulingForm(AppForm):
    """The body's decision on one member's conflict of interest on one application (§ 20 (4))."""

    participant = SelectField(_l("Member"), coerce=int, validate_choice=True)
    item = SelectField(_l("Application"), coerce=int, validate_choice=True)
    excluded = RadioField(
        _l("The body decided"),
        choices=options(
            [
                ("yes", _l("The member has a conflict and does not vote on it")),
                ("no", _l("The member has no conflict and may vote on it")),
            ]
        ),
        validators=[InputRequired(_l("Please choose what the body decided."))],
    )
    reason = TextAreaField(_l("Reason"), validators=[InputRequired(REQUIRED), Length(max=3000)])
    left_room = RadioField(
        _l("In the meeting, the member"),
        choices=options(
            [
                ("yes", _l("left the room for this application")),
                ("no", _l("stayed in the room")),
                ("", _l("not recorded")),
            ]
        ),
        default="",
        validators=[Optional()],
    )


class DeputyForm(AppForm):
    """Name a deputy for a full member's seat, on one application or on all of them."""

    deputy = SelectField(_l("Deputy"), coerce=int, validate_choice=True)
    replaces = SelectField(_l("Takes the seat of"), coerce=int, validate_choice=True)
    item = SelectField(
        _l("Application"),
        coerce=int,
        validate_choice=True,
        description=_l("In a meeting, usually all applications: the member is absent."),
        # The conflict ruling form on the same page has an "item" field too: ids must differ.
        id="deputy-item",
    )


class MeetingForm(AppForm):
    """The course of a meeting for the minutes: begin, end, chair and minute-taker (§ 93)."""

    began_at = DateTimeLocalField(
        _l("Began at"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(REQUIRED), plausible_moment],
    )
    ended_at = DateTimeLocalField(
        _l("Ended at"), format="%Y-%m-%dT%H:%M", validators=[Optional(), plausible_moment]
    )
    #: "m-<member id>" for a member of the body, "s-<staff id>" for the QM team.
    chair = SelectField(_l("Chair"), validators=[InputRequired(REQUIRED)], validate_choice=True)
    minute_taker = StringField(
        _l("Minute-taker"), validators=[InputRequired(REQUIRED), Length(max=200)]
    )


class RepeatForm(AppForm):
    """A repeat meeting of an inquorate meeting on the same agenda (§ 90 (2) VwVfG)."""

    when = DateTimeLocalField(
        _l("Date and time of the repeat meeting"),
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(_l("Please enter a date and time.")), plausible_moment],
        id="repeat-when",
    )
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300)], id="repeat-place")
    announce = BooleanField(
        _l(
            "The invitation says the meeting is quorate regardless of how many members attend "
            "(§ 90 (2) VwVfG)"
        ),
        id="repeat-announce",
    )


class PresentationForm(AppForm):
    """An applicant's time slot to present the project in the meeting (empty: none)."""

    at = DateTimeLocalField(
        _l("Time slot"), format="%Y-%m-%dT%H:%M", validators=[Optional(), plausible_moment]
    )
