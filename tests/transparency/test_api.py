"""The public JSON API: areas, decisions and budgets agree with the database; errors in JSON."""

from __future__ import annotations

import pytest

from juryfund.extensions import db
from juryfund.services import ledger, transparency
from juryfund.web.transparency.serialise import RECORD_FIELDS

from .conftest import Spec
from .test_open_data import expected_from_database

pytestmark = pytest.mark.transparency


def test_areas_list_with_funds(client, area, fund, make):
    make.area(name="Lerchenberg", slug="lerchenberg", code="LER", city="Mainz")
    response = client.get("/api/v1/areas")
    assert response.status_code == 200 and response.mimetype == "application/json"
    areas = response.get_json()["areas"]
    assert [(a["slug"], a["name"], a["city"]) for a in areas] == [
        ("lerchenberg", "Lerchenberg", "Mainz"),
        ("soldiner-kiez", "Soldiner Kiez", "Berlin"),
    ]
    assert areas[1]["funds"] == [
        {
            "id": fund.id,
            "name": "Aktionsfonds",
            "kind": "action_fund",
            "cap_cents": 150000,
            "minimum_cents": 0,
            "active": True,
        }
    ]
    assert areas[0]["funds"] == []


def test_area_detail(client, area, fund):
    data = client.get(f"/api/v1/areas/{area.slug}").get_json()
    assert (data["slug"], data["timezone"], data["action_fields"]) == (
        area.slug,
        "Europe/Berlin",
        ["Nachbarschaft", "Kultur"],
    )
    assert data["links"]["decisions"].endswith(f"/api/v1/areas/{area.slug}/decisions")
    assert "contact_email" not in data


def test_decisions_agree_with_database_across_pages(client, area, decide, staff):
    from juryfund.services import decisions

    apps = decide(
        [
            Spec(
                f"Aktion {i}", requested=10000 + i, outcome="rejected" if i % 3 == 0 else "approved"
            )
            for i in range(7)
        ]
    )
    decisions.correct_decision(
        decisions.current_decision(apps[1]),
        amount_cents=9000,
        conditions="",
        reason="Korrektur",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    decide([Spec("Vertagt", outcome="no_quorum")])
    db.session.commit()
    year = transparency.current_year(area)
    seen, page = [], 1
    while True:
        data = client.get(
            f"/api/v1/areas/{area.slug}/decisions?year={year}&per_page=3&page={page}"
        ).get_json()
        assert (data["per_page"], data["total"], data["pages"], data["page"]) == (3, 7, 3, page)
        if not data["items"]:
            break
        seen += data["items"]
        page += 1
    assert page == 4  # the page after the last is empty, not an error
    assert [
        (i["reference"], i["outcome"], i["amount_cents"]) for i in seen
    ] == expected_from_database(area, year)
    amounts = {i["reference"]: (i["amount_cents"], i["amount_eur"]) for i in seen}
    assert amounts[apps[1].reference] == (9000, "90.00")
    # without a year: every year
    assert client.get(f"/api/v1/areas/{area.slug}/decisions").get_json()["total"] == 7


def test_decisions_fund_filter_and_unknown_fund(client, area, jury, make, decide):
    other = make.fund(area, jury, cap_cents=5_000_000, allocation_cents=6_000_000)
    decide([Spec("Klein")])
    (big,) = decide([Spec("Groß", requested=800000)], in_fund=other)
    data = client.get(f"/api/v1/areas/{area.slug}/decisions?fund={other.id}").get_json()
    assert [i["reference"] for i in data["items"]] == [big.reference] and data[
        "fund_id"
    ] == other.id
    elsewhere = make.area(name="Lerchenberg", slug="lerchenberg", code="LER")
    response = client.get(f"/api/v1/areas/{elsewhere.slug}/decisions?fund={other.id}")
    assert response.status_code == 404 and response.get_json() == {
        "error": "no such fund in this area"
    }


def test_budget_agrees_with_ledger(client, area, fund, staff, decide):
    (app,) = decide([Spec("Hoffest", 60000)])
    ledger.book(
        fund.years[0], "payment", 20000, application=app, payment_type="advance", actor=staff.actor
    )
    db.session.commit()
    data = client.get(f"/api/v1/areas/{area.slug}/budget").get_json()
    balances = ledger.balances_of(fund.years[0].id)
    expected = {
        "allocated_cents": balances.allocated,
        "committed_cents": balances.committed,
        "paid_cents": balances.paid,
        "available_cents": balances.available,
        "returned_cents": 0,
        "lapsed_cents": 0,
        "carried_out_cents": 0,
    }
    assert expected == {
        "allocated_cents": 1_000_000,
        "committed_cents": 60000,
        "paid_cents": 20000,
        "available_cents": 940000,
        "returned_cents": 0,
        "lapsed_cents": 0,
        "carried_out_cents": 0,
    }
    assert data["year"] == transparency.current_year(area)
    assert data["funds"] == [
        {"id": fund.id, "name": "Aktionsfonds", "kind": "action_fund", "closed": False, **expected}
    ]
    assert data["totals"] == expected
    assert client.get(f"/api/v1/areas/{area.slug}/budget?year=2001").get_json()["funds"] == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("year=abc", "year must be a whole number"),
        ("year=", "year must be a whole number"),
        ("year=1999", "year must be between 2000 and 2100"),
        ("year=99999999999999999999", "year must be a whole number"),
        ("year=" + "9" * 5000, "year must be a whole number"),
        ("year=２０２６", "year must be a whole number"),
        ("page=0", "page must be between 1 and 100000"),
        ("page=-1", "page must be between 1 and 100000"),
        ("page=1.5", "page must be a whole number"),
        ("page=100001", "page must be between 1 and 100000"),
        ("per_page=101", "per_page must be between 1 and 100"),
        ("per_page=0", "per_page must be between 1 and 100"),
        ("fund=9999999999", "fund must be between 1 and 2147483647"),
    ],
)
def test_bad_query_parameters_are_json_400(client, area, query, message):
    response = client.get(f"/api/v1/areas/{area.slug}/decisions?{query}")
    assert response.status_code == 400
    assert response.get_json() == {"error": message}


def test_a_nul_in_the_query_is_json_400(client, area):
    response = client.get(f"/api/v1/areas/{area.slug}/decisions?fund=%00")
    assert response.status_code == 400 and set(response.get_json()) == {"error"}


def test_bad_budget_year_is_400(client, area):
    assert client.get(f"/api/v1/areas/{area.slug}/budget?year=x").status_code == 400
    assert client.get(f"/api/v1/areas/{area.slug}/budget?year=2101").status_code == 400


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/areas/nowhere",
        "/api/v1/areas/nowhere/decisions",
        "/api/v1/areas/nowhere/budget",
        "/api/v1/nothing",
        "/api/v1/areas/a/b/c",
    ],
)
def test_unknown_is_json_404(client, path):
    response = client.get(path)
    assert response.status_code == 404 and response.mimetype == "application/json"
    assert isinstance(response.get_json()["error"], str)


def test_other_methods_are_json_405_with_allow(client, area):
    for method in ("post", "put", "delete", "patch"):
        response = getattr(client, method)(f"/api/v1/areas/{area.slug}/decisions")
        assert response.status_code == 405 and response.mimetype == "application/json"
        assert "GET" in response.headers["Allow"]


def test_html_pages_keep_html_errors(client):
    response = client.get("/no-such-area/decisions")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_openapi_document_describes_every_api_route(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    routes = {
        rule.rule.replace("<slug>", "{slug}")
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("api.")
    }
    assert set(spec["paths"]) == routes
    decision = spec["components"]["schemas"]["Decision"]
    assert set(decision["properties"]) == {*RECORD_FIELDS, "project_url"}
    assert decision["additionalProperties"] is False


def test_a_crash_answers_in_json(client, area, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(transparency, "budget", broken)
    response = client.get(f"/api/v1/areas/{area.slug}/budget")
    assert response.status_code == 500
    assert response.get_json() == {"error": "internal error"}
