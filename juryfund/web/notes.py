"""Notes on bookings and in an application's history, in the reader's language.

A note the product wrote is stored as a code (domain.notes) and worded here when it is shown:
on the fund year page, in the bookings downloads and in the history staff and applicants read.
A note a person typed is shown as typed, marked as German (the QM team's language).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from babel.numbers import format_percent
from flask import Flask
from flask_babel import lazy_gettext as _l
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup, escape

from ..domain.notes import CodeNote, NoteCode, read_note
from .bidi import isolate_html
from .i18n import current_language, money

WORDS = {
    NoteCode.ALLOCATION: _l("Allocation"),
    NoteCode.SETTLEMENT: _l("Settlement of the proof of use"),
    NoteCode.ALLOWANCE: _l(
        "Settlement: flat allowance of %(share)s of the proven costs of %(costs)s"
    ),
    NoteCode.NO_QUORUM: _l("Not decided: no quorum"),
    NoteCode.RECEIPT_ACCEPTED: _l("Receipt %(position)s accepted"),
    NoteCode.RECEIPT_REFUSED: _l("Receipt %(position)s refused: %(reason)s"),
}


def _values(note: CodeNote) -> dict[str, Any]:
    """The parameters of a code note as the reader's locale writes them."""
    if note.code is NoteCode.ALLOWANCE:
        share_bp, cents = note.params
        # The locale's own percent pattern ("10 %", "%10"), keeping a share like 2.5 % whole.
        share = format_percent(
            Decimal(share_bp) / 10_000, locale=current_language(), decimal_quantization=False
        )
        return {"share": share, "costs": money(cents)}
    if note.code in (NoteCode.RECEIPT_ACCEPTED, NoteCode.RECEIPT_REFUSED):
        return {"position": note.params[0], "reason": note.detail}
    return {}


def note_text(note: str | None) -> str:
    """A note as plain text (downloads): a code note worded, a typed one as typed."""
    found = read_note(note)
    if found is None:
        return note or ""
    text = str(WORDS[found.code]) % _values(found)
    return f"{found.reference}: {text}" if found.reference else text


def note_html(note: str | None) -> Markup:
    """A note for a page: a code note worded, a typed one isolated and marked as German."""
    found = read_note(note)
    if found is None:
        return isolate_html(note, "de")
    values = _values(found)
    if found.detail:
        values["reason"] = isolate_html(found.detail, "de")  # typed by staff, in German
    text = escape(str(WORDS[found.code])) % values
    return escape(f"{found.reference}: ") + text if found.reference else text


@pass_eval_context
def note_filter(eval_ctx: EvalContext, note: str | None) -> Markup | str:
    """Template filter ``{{ entry.note | note }}``: worded in HTML and in plain text alike."""
    return note_html(note) if eval_ctx.autoescape else note_text(note)


def init_app(app: Flask) -> None:
    """Register the `note` filter."""
    app.jinja_env.filters["note"] = note_filter
