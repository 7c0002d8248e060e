"""Form fields and helpers shared by every blueprint."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import FieldList, FormField, SelectMultipleField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, NumberRange, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from ..domain.errors import DomainError, MoneyError
from ..domain.money import parse_money
from . import i18n
from .guard import MAX_ID
from .messages import reason_text

REQUIRED = _l("This field is required.")
#: A NUL character is nothing a person types, and no database column can store one.
NUL_ERROR = _l("This contains a null character (NUL), which cannot be saved. Please remove it.")


def options(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Choices of a select, radio or checkbox field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def number_range(low: int, high: int) -> NumberRange:
    """A NumberRange with a message that names the bounds."""
    return NumberRange(low, high, message=_l("Enter a number from %(min)s to %(max)s."))


def mark_missing(fields: Iterable) -> bool:
    """Mark each of the fields left empty as required (unless it has an error); True when none is."""
    complete = True
    for field in fields:
        if field.data in (None, "") and not field.errors:
            field.errors = [*field.errors, str(REQUIRED)]
            complete = False
    return complete


def field_data(form: FlaskForm, *names: str) -> dict[str, Any]:
    """The data of the named fields by name, for a service whose keywords are the fields' names."""
    return {name: form[name].data for name in names}


def holds_nul(field) -> bool:
    """True when what was sent for a field holds a NUL character."""
    return any(isinstance(value, str) and "\x00" in value for value in field.raw_data or ())


class AppForm(FlaskForm):
    """The base of every form: a NUL character in any field is an error next to that field.

    Checked after the fields' own validation (which resets their errors), through the nested
    lines of a form too, so that no text holding a NUL reaches a service or the database.
    What was typed stays in the fields and comes back with the form.
    """

    def validate(self, extra_validators=None) -> bool:
        """The fields' own checks, then the NUL check of every (nested) field."""
        valid = super().validate(extra_validators)
        for field in iter_fields(self):
            if holds_nul(field):
                field.errors = [str(NUL_ERROR), *field.errors]
                valid = False
        return valid


class MoneyField(StringField):
    """An amount typed in the user's locale ("1.234,50" in German), held as integer cents.

    With allow_negative a leading minus sign is accepted (adjustments may lower a budget).
    """

    def __init__(self, *args, allow_negative: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_negative = allow_negative

    def process_formdata(self, valuelist: list[str]) -> None:
        """Parse the typed text; an error message in the user's language on bad input."""
        self.data = None
        if valuelist and valuelist[0].strip():
            text = valuelist[0].strip()
            sign = 1
            if self.allow_negative and text[:1] in "-−":
                sign, text = -1, text[1:]
            try:
                self.data = sign * parse_money(text, i18n.current_language())
            except MoneyError as error:
                raise ValueError(reason_text(error)) from error

    def pre_validate(self, form) -> None:
        """A required amount typed as blanks only is missing, with the field's own message
        (InputRequired lets "   " pass, and no amount may reach a service as None)."""
        typed = self.raw_data[0] if self.raw_data else ""
        if typed and not typed.strip():
            for validator in self.validators:
                if isinstance(validator, InputRequired):
                    raise StopValidation(str(validator.message or REQUIRED))

    def _value(self) -> str:
        """Show exactly what was typed when the form comes back; else the stored amount."""
        if self.raw_data:
            return self.raw_data[0]
        return i18n.money_input(self.data)


class CheckboxesField(SelectMultipleField):
    """A group of checkboxes; works without JavaScript."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def field_by_path(form: FlaskForm, path: str | None):
    """The (possibly nested) field named like "cost_items-2-category", or None."""
    if not path:
        return None
    fields = list(iter_fields(form))
    # The id carries a form's prefix ("pay-amount"); the domain names the plain field ("amount").
    return next((f for f in fields if f.id == path), None) or next(
        (f for f in fields if f.short_name == path and f.id.endswith(path)), None
    )


def iter_fields(form):
    """Every leaf field of a form, descending into field lists and sub-forms, in order."""
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from iter_fields(entry.form) if isinstance(entry, FormField) else [entry]
        elif isinstance(field, FormField):
            yield from iter_fields(field.form)
        else:
            yield field


def error_list(form: FlaskForm) -> list[tuple[str, str, str]]:
    """(field id, label, message) of every error, nested fields included, for the summary."""
    rows = []
    for field in iter_fields(form):
        for message in field.errors if isinstance(field.errors, list | tuple) else []:
            # The summary writes "label: message"; a label that is a sentence ends in its own
            # full stop or colon, which would stand doubled before the summary's colon (".:").
            label = str(field.label.text).rstrip().rstrip(".:。۔").rstrip()
            rows.append((field.id, label, str(message)))
    return rows


def apply_domain_error(form: FlaskForm, error: DomainError) -> None:
    """Put a domain error next to its field, or at the top of the form when it has none."""
    message = reason_text(error)
    field = field_by_path(form, error.field)
    if field is not None:
        field.errors = [*field.errors, message]
    else:
        form.form_errors.append(message)


def button_number(action: str, prefix: str) -> int | None:
    """The number of a button like "remove_line-2"; None for another button or a number that
    names no row ("²" is a digit to str.isdigit but not to int; ids end at MAX_ID)."""
    if not action.startswith(prefix):
        return None
    digits = action[len(prefix) :]
    if not (digits.isascii() and digits.isdecimal()) or int(digits) > MAX_ID:
        return None
    return int(digits)
