"""The admins' city overview: every area's funds with the year's balances and totals."""

from __future__ import annotations

import re

import pytest

from juryfund.extensions import db
from juryfund.services import ledger, transparency

from .conftest import Spec

pytestmark = pytest.mark.transparency


def test_admin_sees_every_area_fund_and_totals(client, login, make, area, fund, staff, decide):
    (app,) = decide([Spec("Hoffest", 60000)])
    ledger.book(
        fund.years[0], "payment", 10000, application=app, payment_type="advance", actor=staff.actor
    )
    other = make.area(name="Lerchenberg", slug="lerchenberg", code="LER", city="Mainz")
    other_jury = make.body(other, members=3)
    make.fund(other, other_jury, allocation_cents=500_000)
    unfunded = make.fund(other, other_jury, allocation_cents=0)
    make.area(name="Ohne Fonds", slug="ohne-fonds", code="OHN")
    db.session.commit()
    login(make.admin())
    year = transparency.current_year(area)

    response = client.get(f"/staff/overview?year={year}", headers={"Accept-Language": "en"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert html.index("Lerchenberg") < html.index("Ohne Fonds") < html.index("Soldiner Kiez")
    soldiner = re.search(r'data-area="soldiner-kiez">.*?</tbody>', html, re.S).group(0)
    for amount in ("€10,000.00", "€600.00", "€100.00", "€9,400.00"):
        assert amount in soldiner
    lerchenberg = re.search(r'data-area="lerchenberg">.*?</tbody>', html, re.S).group(0)
    assert "€5,000.00" in lerchenberg and "No budget set for this year" in lerchenberg
    assert unfunded.name in lerchenberg
    assert "This area has no fund." in html
    totals = dict(re.findall(r'data-series="(\w+)" data-total="(-?\d+)"', html))
    assert totals == {
        "allocated": "1500000",
        "committed": "60000",
        "paid": "10000",
        "available": "1440000",
        "lapsed_or_carried": "0",
    }


def test_overview_tolerates_bad_years(client, login, make):
    login(make.admin())
    for query in ("year=abc", "year=99999999999999999999", "year=1850", "year="):
        assert client.get(f"/staff/overview?{query}").status_code == 200


def test_staff_may_not_see_the_city_overview(client, login, make, area):
    login(make.staff(areas=[area]))
    assert client.get("/staff/overview").status_code == 403


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get("/staff/overview")
    assert response.status_code == 302
    assert "/staff/login" in response.headers["Location"]
