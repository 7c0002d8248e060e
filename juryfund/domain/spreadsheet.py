"""Cells of spreadsheet downloads (CSV) that Excel, LibreOffice or Google Sheets never run.

A cell whose text starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is read as a
formula when the file is opened: a title like ``=HYPERLINK(...)`` or ``=cmd|...`` typed by a
resident would run on a journalist's or a council member's computer (CSV injection). Following
OWASP, such a text cell gets a single quote in front, which spreadsheets take as "this is text".
"""

from __future__ import annotations

from typing import TypeVar, overload

__all__ = ["FORMULA_TRIGGERS", "spreadsheet_cell"]

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
