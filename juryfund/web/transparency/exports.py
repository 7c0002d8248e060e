"""Open data downloads of an area's published decisions: CSV (streamed) and JSON."""

from __future__ import annotations

import csv
import json

from flask import Response, stream_with_context

from ...domain.spreadsheet import spreadsheet_cell
from ...models import Area
from ...services import transparency
from ..pagecache import conditional, public_page
from .blueprint import bp
from .params import decision_filters
from .serialise import RECORD_FIELDS, decision_json, decision_record, project_url

#: CSV columns that hold numbers (or a date) and are written untouched, so a spreadsheet reads
#: them as numbers ("-12.50" stays a negative amount). Every other column is text and is
#: escaped against formula injection, so a column added later is safe by default.
_CSV_NUMBER_FIELDS = frozenset({"fund_id", "decided_at", "amount_cents", "amount_eur"})


def _csv_cell(key: str, value):
    """One cell of the decisions CSV: None as empty, text neutralised against formulas."""
    if value is None:
        return ""
    return value if key in _CSV_NUMBER_FIELDS else spreadsheet_cell(value)


class _Echo:
    """A file-like object whose write returns the text, so csv.writer yields line by line."""

    def write(self, text: str) -> str:
        return text


def _attachment(response: Response, area: Area, year: int, extension: str) -> Response:
    """The response offered as a download named after the area and the year."""
    response.headers["Content-Disposition"] = (
        f'attachment; filename="decisions-{area.slug}-{year}.{extension}"'
    )
    return response


@bp.get("/<slug>/decisions.csv")
@conditional
def decisions_csv(slug: str):
    """The year's published decisions as CSV (UTF-8, header row), streamed row by row."""
    area, year, fund_id = decision_filters(slug)

    def rows():
        writer = csv.writer(_Echo())
        yield writer.writerow([*RECORD_FIELDS, "project_url"])
        for decision in transparency.iter_decisions(area, year=year, fund_id=fund_id):
            record = decision_record(decision)
            yield writer.writerow(
                [
                    *(_csv_cell(key, record[key]) for key in RECORD_FIELDS),
                    spreadsheet_cell(project_url(area, decision)),
                ]
            )

    response = Response(stream_with_context(rows()), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    return _attachment(response, area, year, "csv")


@bp.get("/<slug>/decisions.json")
@public_page
def decisions_json(slug: str):
    """The year's published decisions as JSON: the same rows as the CSV."""
    area, year, fund_id = decision_filters(slug)
    records = [
        decision_json(area, d) for d in transparency.all_decisions(area, year=year, fund_id=fund_id)
    ]
    body = json.dumps(
        {"area": area.slug, "year": year, "fund_id": fund_id, "decisions": records},
        ensure_ascii=False,
        indent=1,
    )
    return _attachment(Response(body, mimetype="application/json"), area, year, "json")
