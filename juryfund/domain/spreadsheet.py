"""Cells of spreadsheet downloads (CSV) that Excel, LibreOffice or Google Sheets never run.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula when the file is opened: a title like ``=HYPERLINK(...)`` or ``=cmd|...`` typed by a
resident would run on a journalist's or a council member's computer (CSV injection). Following
OWASP, such a text cell gets a single quote in front, which spreadsheets take as "this is text".
"""

from __future__ import annotations

from datetime import date
from typing import TypeVar, overload

__all__ = ["FORMULA_TRIGGERS", "german_date", "german_decimal", "spreadsheet_cell"]

#: First characters that make a spreadsheet program treat a cell as a formula (OWASP list).
#: A tuple, not a string: ``"" in "=+-@"`` is True and would escape every empty cell.
FORMULA_TRIGGERS: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


_Cell = TypeVar("_Cell")


@overload
def spreadsheet_cell(value: str) -> str: ...
@overload
def spreadsheet_cell(value: _Cell) -> _Cell: ...
def spreadsheet_cell(value: object) -> object:
    """A cell value safe to open in a spreadsheet: text starting like a formula gets a ' prefix."""
    # Only text is a risk; numbers (and None) are written as they are so they stay numbers.
    if not isinstance(value, str):
        return value
    # Leading blanks are checked past too: LibreOffice's "trim spaces" import and some readers
    # drop them, which would turn " =1+1" back into a formula.
    if value[:1] in FORMULA_TRIGGERS or value.lstrip()[:1] in FORMULA_TRIGGERS:
        return "'" + value
    return value


# --- numbers and dates as German spreadsheet software reads them from a CSV ---------------------
# The accounts open CSV files in Excel or LibreOffice set to German: a ";" between cells, a
# comma before the cents, a dot between thousands and dates as DD.MM.YYYY. Any other layout is
# read as text (or, worse, "1.234" as one point two), so the CSV is German whatever the staff
# member's own language is.


def german_decimal(cents: int) -> str:
    """Integer cents as a German number without currency sign: 123456 -> "1.234,56"."""
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"cents must be int, not {type(cents).__name__}")
    whole, part = divmod(abs(cents), 100)
    # An ASCII minus, never U+2212: spreadsheets read only "-" as a sign.
    sign = "-" if cents < 0 else ""
    return f"{sign}{whole:,}".replace(",", ".") + f",{part:02d}"


def german_date(day: date) -> str:
    """A date as German spreadsheets read it: 6 December 2026 -> "06.12.2026"."""
    return f"{day.day:02d}.{day.month:02d}.{day.year:04d}"
