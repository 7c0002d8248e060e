"""Staff set a fund's rules (own share, hourly rate, fees, allowance) and a fund year's period."""

from __future__ import annotations

import pytest

from juryfund.extensions import db
from juryfund.models import Fund, FundYear

from .test_setup_pages import FUND_OK, THIS_YEAR, YEAR_OK, as_admin, page_of, world  # noqa: F401

pytestmark = [pytest.mark.foundation, pytest.mark.voting]


def _fund_data(world, **rules) -> dict:
    return {
        **FUND_OK,
        "name": "Verfügungsfonds",
        "body": str(world["body"]),
        **rules,
    }


def test_fund_rules_are_saved_like_aachen(client, login, post_form, world):
    as_admin(client, login, world, "de")
    response = post_form(
        f"/staff/funds/{world['fund']}/edit",
        _fund_data(
            world,
            own_share_bp="10",
            hour_rate_cents="10,00",
            fee_rule="capped",
            fee_cap_cents="300",
            fee_cap_bp="",
            allowance_bp="2,5",
        ),
    )
    assert response.status_code == 302
    db.session.rollback()
    fund = db.session.get(Fund, world["fund"])
    assert (
        fund.own_share_bp,
        fund.hour_rate_cents,
        fund.fee_rule,
        fund.fee_cap_cents,
        fund.fee_cap_bp,
        fund.allowance_bp,
    ) == (1000, 1000, "capped", 30000, None, 250)
    # The edit form shows them again in the user's locale.
    page = page_of(client.get(f"/staff/funds/{world['fund']}/edit"))
    assert (page.shown("own_share_bp"), page.shown("allowance_bp")) == ("10,00", "2,50")


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        ({"own_share_bp": "120"}, "own_share_bp"),
        ({"allowance_bp": "-1"}, "allowance_bp"),
        ({"fee_rule": "capped"}, "fee_cap_cents"),
        ({"hour_rate_cents": "zehn"}, "hour_rate_cents"),
    ],
)
def test_bad_fund_rules_are_refused_next_to_their_field(
    client, login, post_form, world, rules, field
):
    as_admin(client, login, world, "de")
    response = post_form(f"/staff/funds/{world['fund']}/edit", _fund_data(world, **rules))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'id="{field}-error"' in html
    assert db.session.get(Fund, world["fund"]).own_share_bp == 0


def test_fee_caps_are_dropped_unless_fees_are_capped(client, login, post_form, world):
    as_admin(client, login, world, "en")
    post_form(
        f"/staff/funds/{world['fund']}/edit",
        _fund_data(world, fee_rule="forbidden", fee_cap_cents="300", cap="1,500.00"),
    )
    db.session.rollback()
    fund = db.session.get(Fund, world["fund"])
    assert (fund.fee_rule, fund.fee_cap_cents) == ("forbidden", None)


def test_fund_year_with_a_funding_period(client, login, post_form, world):
    as_admin(client, login, world, "de")
    response = post_form(
        f"/staff/funds/{world['fund']}/years/new",
        {
            **YEAR_OK,
            "period_start": f"{THIS_YEAR + 1}-03-01",
            "period_end": f"{THIS_YEAR + 1}-10-31",
        },
    )
    assert response.status_code == 302
    db.session.rollback()
    year = db.session.scalars(
        db.select(FundYear).where(FundYear.fund_id == world["fund"], FundYear.year == THIS_YEAR + 1)
    ).one()
    assert (year.period.start.month, year.period.end.month) == (3, 10)


def test_fund_year_period_must_not_end_before_it_starts(client, login, post_form, world):
    as_admin(client, login, world, "de")
    response = post_form(
        f"/staff/funds/{world['fund']}/years/new",
        {
            **YEAR_OK,
            "period_start": f"{THIS_YEAR + 1}-10-01",
            "period_end": f"{THIS_YEAR + 1}-03-01",
        },
    )
    assert response.status_code == 200
    assert 'id="period_end-error"' in response.get_data(as_text=True)
