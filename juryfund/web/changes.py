"""What an edit changed, as rows for the staff pages: a translated label, the value before and
the value after, formatted (money, dates, yes/no) and marked up for any writing direction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from ..domain.changes import Change, ChangeKind
from .i18n import money
from .labels import APPLICANT_KIND_LABELS, CATEGORY_LABELS

#: The label of each field a version keeps (the same words as the application's pages).
FIELD_LABELS = {
    "applicant_kind": _l("I apply as"),
    "applicant_name": _l("Name"),
    "organisation": _l("Initiative or association"),
    "email": _l("Email"),
    "phone": _l("Phone"),
    "address": _l("Postal address"),
    "lives_or_acts_in_area": _l("I live in the area, or my initiative works here."),
    "title": _l("Title"),
    "description": _l("What will happen?"),
    "goals": _l("Goals"),
    "target_group": _l("For whom?"),
    "place": _l("Where?"),
    "start_date": _l("Starts on"),
    "end_date": _l("Ends on"),
    "participants": _l("Expected participants"),
    "total_cents": _l("Total"),
    "requested_cents": _l("Amount requested"),
    "volunteer_hours": _l("Volunteer hours"),
    "own_cents": _l("Own money"),
    "in_kind": _l("Other own contribution"),
    "cofunding_source": _l("Other funding: from whom?"),
    "cofunding_cents": _l("Other funding"),
    "declared_not_started": _l("The action has not started yet."),
    "declared_no_own_fee": _l("Nobody who applies will be paid a fee from this money."),
    "consent_processing": _l(
        "I agree that my data is processed to decide on and fund this application."
    ),
    "consent_publish_name": _l("Name may be published"),
}
#: The label of a change that is not a field.
KIND_LABELS = {
    ChangeKind.LINE_ADDED: _l("Cost line added"),
    ChangeKind.LINE_REMOVED: _l("Cost line removed"),
    ChangeKind.LINE_CHANGED: _l("Cost line changed"),
    ChangeKind.FILE_ADDED: _l("File added"),
    ChangeKind.FILE_REMOVED: _l("File removed"),
}
#: Fields shown as money, as dates and as plain numbers; other text is typed by the resident.
_MONEY = {"total_cents", "requested_cents", "own_cents", "cofunding_cents"}
_DATES = {"start_date", "end_date"}
_NUMBERS = {"participants", "volunteer_hours"}

NOTHING = Markup("–")


@dataclass(frozen=True)
class Row:
    """One change as shown: what (label), before and after (None where there was nothing)."""

    label: str
    old: Markup | None
    new: Markup | None


def rows(changes: Iterable[Change]) -> list[Row]:
    """The rows of a list of changes, in its order."""
    return [_row(change) for change in changes]


def _row(change: Change) -> Row:
    """One change as a row."""
    if change.kind is ChangeKind.FIELD:
        label = FIELD_LABELS.get(change.name, change.name)
        return Row(str(label), _value(change.name, change.old), _value(change.name, change.new))
    show = _line if change.kind.name.startswith("LINE") else _file
    return Row(
        str(KIND_LABELS[change.kind]),
        show(change.old) if change.old is not None else None,
        show(change.new) if change.new is not None else None,
    )


def _typed(text: str) -> Markup:
    """Text a resident typed: isolated, so Arabic or German keeps its direction on any page."""
    return Markup('<bdi dir="auto">{}</bdi>').format(text)


def _value(name: str, value: Any) -> Markup:
    """A field's value, formatted by its kind; an empty value as a dash."""
    if value is None or value == "":
        return NOTHING
    if isinstance(value, bool):
        return Markup.escape(_("yes") if value else _("no"))
    if name in _MONEY:
        return Markup.escape(money(int(value)))
    if name in _DATES:
        return Markup.escape(format_date(date.fromisoformat(str(value))))
    if name in _NUMBERS:
        return Markup.escape(str(value))
    if name == "applicant_kind":
        return Markup.escape(str(APPLICANT_KIND_LABELS.get(value, value)))
    if name == "goals":
        return Markup(", ").join(_typed(goal) for goal in str(value).splitlines() if goal)
    return _typed(str(value))


def _line(line: dict[str, Any]) -> Markup:
    """A cost line: what, its category, quantity × unit price = amount."""
    category = CATEGORY_LABELS.get(line.get("category", ""), line.get("category", ""))
    return Markup("{} ({}): {} × {} = {}").format(
        _typed(str(line.get("description", ""))),
        str(category),
        line.get("quantity", 0),
        money(int(line.get("unit_cents", 0))),
        money(int(line.get("total_cents", 0))),
    )


def _file(file: dict[str, Any]) -> Markup:
    """A file by name and size."""
    kilobytes = max((int(file.get("size", 0)) + 1023) // 1024, 1)
    return Markup("{} ({} KB)").format(_typed(str(file.get("name", ""))), kilobytes)
