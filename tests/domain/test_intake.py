"""Routing to a fund and the fund's rules for a new application."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from juryfund.domain.errors import DomainError
from juryfund.domain.files import check_upload, safe_filename, sniff_type
from juryfund.domain.intake import (
    PLANNING_YEARS,
    CostLine,
    Draft,
    FundOption,
    FundRules,
    check_draft,
    route,
)

pytestmark = pytest.mark.domain

TODAY = date(2026, 5, 1)
ACTION = FundOption(id=1, kind="action_fund", cap_cents=150000)
QUARTIER = FundOption(id=2, kind="neighbourhood_fund", cap_cents=5_000_000, minimum_cents=500_000)
RULES = FundRules(
    cap_cents=150000,
    minimum_cents=0,
    lead_time_days=14,
    eligible_categories=frozenset({"material", "services"}),
)


@pytest.mark.parametrize(
    ("requested", "funds", "expected"),
    [
        (1, [ACTION, QUARTIER], 1),
        (150000, [ACTION, QUARTIER], 1),  # exactly the cap stays in the Aktionsfonds
        (500_000, [ACTION, QUARTIER], 2),  # exactly the Quartiersfonds minimum
        (5_000_000, [ACTION, QUARTIER], 2),
        (150001, [FundOption(2, "neighbourhood_fund", 5_000_000)], 2),
        (100, [QUARTIER, ACTION], 1),  # order of the list does not matter
    ],
)
def test_route_picks_fund_by_amount(requested, funds, expected):
    assert route(requested, funds).id == expected


@pytest.mark.parametrize(
    ("requested", "funds", "reason"),
    [
        (150001, [ACTION], "routing.above_every_cap"),
        (5_000_001, [ACTION, QUARTIER], "routing.above_every_cap"),
        (300000, [ACTION, QUARTIER], "routing.gap"),
        (100, [], "routing.no_fund"),
    ],
)
def test_route_explains_when_no_fund_fits(requested, funds, reason):
    with pytest.raises(DomainError) as caught:
        route(requested, funds)
    assert (caught.value.reason, caught.value.field) == (reason, "requested")


def _draft(**overrides) -> Draft:
    values = dict(
        requested_cents=100000,
        start_date=TODAY + timedelta(days=30),
        end_date=TODAY + timedelta(days=30),
        cost_lines=(
            CostLine("Erde", "material", 10, 5000),
            CostLine("Musiker", "services", 1, 60000),
        ),
    )
    values.update(overrides)
    return Draft(**values)


def test_check_draft_valid_gives_no_errors():
    assert check_draft(_draft(), RULES, today=TODAY) == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"requested_cents": 0}, [("application.requested_empty", "requested")]),
        ({"requested_cents": 110001}, [("application.requested_above_total", "requested")]),
        (
            {"requested_cents": 150001, "cost_lines": (CostLine("x", "material", 1, 200000),)},
            [("application.over_cap", "requested")],
        ),
        (
            {"start_date": TODAY - timedelta(days=1), "end_date": TODAY},
            [("application.already_started", "start_date")],
        ),
        (
            {"start_date": TODAY + timedelta(days=13), "end_date": TODAY + timedelta(days=13)},
            [("application.too_late", "start_date")],
        ),
        ({"end_date": TODAY + timedelta(days=29)}, [("application.dates_order", "end_date")]),
        ({"cost_lines": (), "requested_cents": 100}, [("application.no_cost_lines", "cost_items")]),
        (
            {"cost_lines": (CostLine("Honorar", "applicant_fee", 1, 100000),)},
            [("application.category_not_eligible", "cost_items-0-category")],
        ),
    ],
    ids=[
        "empty",
        "above-total",
        "over-cap",
        "started",
        "too-late",
        "dates",
        "no-lines",
        "category",
    ],
)
def test_check_draft_reports_each_broken_rule_on_its_field(overrides, expected):
    errors = check_draft(_draft(**overrides), RULES, today=TODAY)
    assert [(e.reason, e.field) for e in errors] == expected


def test_check_draft_exactly_at_lead_time_is_fine():
    start = TODAY + timedelta(days=14)
    assert check_draft(_draft(start_date=start, end_date=start), RULES, today=TODAY) == []


def test_check_draft_under_fund_minimum():
    rules = FundRules(
        cap_cents=5_000_000,
        minimum_cents=500_000,
        lead_time_days=0,
        eligible_categories=frozenset({"material"}),
    )
    draft = _draft(cost_lines=(CostLine("x", "material", 1, 1_000_000),), requested_cents=400_000)
    assert [e.reason for e in check_draft(draft, rules, today=TODAY)] == [
        "application.under_minimum"
    ]


def test_check_draft_collects_several_errors_at_once():
    draft = _draft(
        requested_cents=0, start_date=TODAY - timedelta(days=3), end_date=TODAY - timedelta(days=5)
    )
    assert [e.reason for e in check_draft(draft, RULES, today=TODAY)] == [
        "application.requested_empty",
        "application.already_started",
        "application.dates_order",
    ]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00", "image/png"),
        (b"GIF89a", None),
        (b"<html><script>", None),
        (b"MZ\x90\x00", None),
        (b"", None),
    ],
)
def test_sniff_type_by_magic_bytes(head, expected):
    assert sniff_type(head) == expected


@pytest.mark.parametrize(
    ("data", "already", "reason"),
    [
        (b"", 0, "file.empty"),
        (b"%PDF-" + b"x" * (5 * 1024 * 1024), 0, "file.too_large"),
        (b"just text pretending to be a pdf", 0, "file.wrong_type"),
        (b"%PDF-1.4", 5, "file.too_many"),
    ],
)
def test_check_upload_refusals(data, already, reason):
    with pytest.raises(DomainError) as caught:
        check_upload(data, already=already)
    assert caught.value.reason == reason


def test_check_upload_accepts_pdf_under_limits():
    assert check_upload(b"%PDF-1.4 ...", already=4) == "application/pdf"


@pytest.mark.parametrize(
    ("name", "media_type", "expected"),
    [
        ("Angebot.pdf", "application/pdf", "Angebot.pdf"),
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\x\\quote.exe", "image/png", "quote.png"),
        ("photo.jpeg", "image/jpeg", "photo.jpg"),
        ("", "image/png", "file.png"),
        ("a\x00b<script>.pdf", "application/pdf", "abscript.pdf"),
    ],
)
def test_safe_filename(name, media_type, expected):
    assert safe_filename(name, media_type) == expected


def test_an_action_planned_more_than_six_years_ahead_is_refused():
    """Within the planning horizon a project may run years; beyond it the date is a slip."""
    last = TODAY.replace(year=TODAY.year + PLANNING_YEARS)
    assert check_draft(_draft(end_date=last), RULES, today=TODAY) == []
    errors = check_draft(
        _draft(start_date=last + timedelta(days=1), end_date=date(9999, 12, 31)),
        RULES,
        today=TODAY,
    )
    assert [(e.reason, e.field) for e in errors] == [
        ("application.too_far_ahead", "start_date"),
        ("application.too_far_ahead", "end_date"),
    ]
