"""Spreadsheet downloads for staff: one list of typed columns, written as CSV or as XLSX.

A list is declared once (``Column`` per cell: key, translated heading, kind) and offered in both
formats, so a new export is a few lines::

    COLUMNS = (Column("day", _l("Date"), "date"), Column("amount_cents", _l("Amount"), "money_cents"))
    return spreadsheet_response(fmt, "payments-2026", COLUMNS, rows)

The CSV is made for German spreadsheet software (the accounts of a German QM office): ``;``
between cells, UTF-8 with a byte order mark (without it Excel reads "Müller" as "MÃ¼ller"),
amounts as "1.234,56" and dates as "06.12.2026". It is streamed row by row. The XLSX holds real
numbers and dates with a euro and a date format, so the accounts can sum them.

Every text cell is neutralised against formula injection (domain.spreadsheet.spreadsheet_cell) in
both formats; in the XLSX it is stored as a string cell too, never as a formula.
"""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from flask import Response, send_file, stream_with_context
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from ..domain.money import cents_to_decimal
from ..domain.spreadsheet import german_date, german_decimal, spreadsheet_cell

ColumnKind = Literal["text", "money_cents", "date", "int"]
Format = Literal["csv", "xlsx"]
FORMATS: tuple[Format, ...] = ("csv", "xlsx")

CSV_MIMETYPE = "text/csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: Number formats of the XLSX cells; spreadsheet software shows the separators of its own locale.
EURO_FORMAT = '#,##0.00 "€";-#,##0.00 "€"'
DATE_FORMAT = "DD.MM.YYYY"
#: Column widths (in characters) per kind, so a download opens readable without resizing.
_WIDTHS: dict[ColumnKind, int] = {"text": 28, "money_cents": 14, "date": 12, "int": 10}
#: The XLSX is built in a temporary file that stays in memory up to this size.
_SPOOL_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Column:
    """One column of a download: the row key it shows, its heading and the kind of its cells.

    ``labels`` turns stored codes (a booking's kind) into translated words for text columns.
    """

    key: str
    heading: Any  # a (lazy) translated string, rendered in the staff member's language
    kind: ColumnKind = "text"
    labels: Mapping[str, Any] | None = None

    def text(self, value: Any) -> str:
        """The cell's text before neutralising: a code through its label, None as empty."""
        if value is None:
            return ""
        if self.labels is not None:
            return str(self.labels.get(value, value))
        return str(value)


def _as_date(value: date | datetime) -> date:
    """A date cell's day (a datetime counts by its own date; callers pass local days)."""
    return value.date() if isinstance(value, datetime) else value


def csv_cell(column: Column, value: Any) -> str:
    """One CSV cell as German spreadsheets read it; text is neutralised against formulas."""
    if value is None or (value == "" and column.kind != "text"):
        return ""
    if column.kind == "money_cents":
        return german_decimal(value)
    if column.kind == "date":
        return german_date(_as_date(value))
    if column.kind == "int":
        return str(int(value))
    return spreadsheet_cell(column.text(value))


class _Echo:
    """A file-like object whose write returns the text, so csv.writer yields line by line."""

    def write(self, text: str) -> str:
        return text


def csv_lines(columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The CSV text line by line: byte order mark and heading first, then one line per row."""
    writer = csv.writer(_Echo(), delimiter=";", lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([spreadsheet_cell(str(c.heading)) for c in columns])
    for row in rows:
        yield writer.writerow([csv_cell(column, row.get(column.key)) for column in columns])


def _attachment(response: Response, filename: str) -> Response:
    """Offer the response as a download; names are ASCII slugs, so no encoding is needed."""
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    # Bookings and grant recipients are for the staff member only: no shared cache keeps them.
    response.headers["Cache-Control"] = "private, no-store"
    return response


def csv_response(
    filename: str, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]
) -> Response:
    """A streamed CSV download (``filename`` without extension) of the rows."""
    body = (line.encode("utf-8") for line in csv_lines(columns, rows))
    response = Response(stream_with_context(body), mimetype=CSV_MIMETYPE)
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return _attachment(response, f"{filename}.csv")


def xlsx_text(text: str) -> str:
    """A text cell's value for XLSX: neutralised against formulas, without control characters.

    XML (and so XLSX) cannot hold most control characters; openpyxl refuses them, so one typed
    into a title would make the whole download fail.
    """
    return spreadsheet_cell(ILLEGAL_CHARACTERS_RE.sub("", text))


def _xlsx_cell(sheet: Any, column: Column, value: Any) -> WriteOnlyCell:
    """One XLSX cell: amounts as euros, dates as dates, text as a string that is never a formula."""
    if value is None or (value == "" and column.kind != "text"):
        return WriteOnlyCell(sheet, value=None)
    if column.kind == "money_cents":
        cell = WriteOnlyCell(sheet, value=cents_to_decimal(value))
        cell.number_format = EURO_FORMAT
    elif column.kind == "date":
        cell = WriteOnlyCell(sheet, value=_as_date(value))
        cell.number_format = DATE_FORMAT
    elif column.kind == "int":
        cell = WriteOnlyCell(sheet, value=int(value))
    else:
        cell = WriteOnlyCell(sheet, value=xlsx_text(column.text(value)))
        # openpyxl takes any text starting with "=" as a formula; a text column holds text only.
        cell.data_type = "s"
    return cell


def write_xlsx(
    target: Any, title: str, columns: Sequence[Column], rows: Iterable[Mapping[str, Any]]
) -> None:
    """Write the rows as a one-sheet workbook into the binary file ``target``."""
    # Write-only mode keeps no cells in memory: each row goes to the file as it is appended.
    workbook = Workbook(write_only=True)
    # Sheet titles are at most 31 characters and exclude a few signs ([]:*?/\).
    sheet = workbook.create_sheet(title="".join(c for c in title if c not in "[]:*?/\\")[:31])
    for index, column in enumerate(columns):
        letter = _column_letter(index)
        sheet.column_dimensions[letter].width = _WIDTHS[column.kind]
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    heading_cells = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=xlsx_text(str(column.heading)))
        cell.data_type = "s"
        cell.font = bold
        heading_cells.append(cell)
    sheet.append(heading_cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, column, row.get(column.key)) for column in columns])
    workbook.save(target)


def _column_letter(index: int) -> str:
    """The spreadsheet letter of a column (0 -> A, 26 -> AA)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def xlsx_response(
    filename: str,
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any]],
    *,
    title: str | None = None,
) -> Response:
    """An XLSX download (``filename`` without extension) of the rows, one sheet named ``title``."""
    # A ZIP file's directory comes at its end, so the workbook is finished before it is sent;
    # a spooled file keeps a small one in memory and moves a large one to disk.
    buffer = tempfile.SpooledTemporaryFile(max_size=_SPOOL_BYTES)  # noqa: SIM115 (send_file closes it)
    write_xlsx(buffer, title or filename, columns, rows)
    buffer.seek(0)
    response = send_file(buffer, mimetype=XLSX_MIMETYPE, max_age=0)
    return _attachment(response, f"{filename}.xlsx")


def spreadsheet_response(
    fmt: str,
    filename: str,
    columns: Sequence[Column],
    rows: Iterable[Mapping[str, Any]],
    *,
    title: str | None = None,
) -> Response:
    """The rows as a CSV or an XLSX download, as ``fmt`` asks ("csv" or "xlsx")."""
    if fmt == "xlsx":
        return xlsx_response(filename, columns, rows, title=title)
    return csv_response(filename, columns, rows)
