"""The fund's own rules on the application form: each error next to its field, input kept."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Application, Fund, FundYear
from juryfund.services import intake

from .conftest import application_data, only_application

pytestmark = [pytest.mark.intake, pytest.mark.voting]

URL = "/soldiner-kiez/apply"


def _field_error(html: str, field_id: str) -> str:
    match = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip() if match else ""


def _rules(area, **settings) -> Fund:
    fund = area.funds[0]
    for name, value in settings.items():
        setattr(fund, name, value)
    db.session.commit()
    return fund


def _count() -> int:
    return db.session.scalar(select(func.count(Application.id)))


def test_own_share_short_is_shown_next_to_own_money_and_input_kept(client, area, send):
    # Aachen: 10 % of 1,245 € = 124.50 €; 12 hours at 10 € = 120 € fall 4.50 € short.
    _rules(area, own_share_bp=1000, hour_rate_cents=1000)
    html = send(URL, application_data(own="", volunteer_hours="12")).get_data(as_text=True)
    error = _field_error(html, "own")
    assert "10 %" in error and "124,50" in error and "120,00" in error
    assert 'name="volunteer_hours" type="number" value="12"' in html or 'value="12"' in html
    assert 'class="confirm-panel"' not in html
    assert _count() == 0


def test_own_money_and_hours_together_meet_the_share(client, area, apply):
    _rules(area, own_share_bp=1000, hour_rate_cents=1000)
    assert apply(own="4,50", volunteer_hours="12").status_code == 302
    assert only_application().own_cents == 450


def test_hours_count_nothing_without_an_hourly_rate(client, area, send):
    _rules(area, own_share_bp=1000, hour_rate_cents=0)
    html = send(URL, application_data(volunteer_hours="500")).get_data(as_text=True)
    assert _field_error(html, "own")


def test_over_funding_is_shown_next_to_the_amount_requested_and_input_kept(client, area, send):
    # 1,234.50 € requested + 100 € other funding > 1,245 € of costs: at most 1,145 € to ask for.
    html = send(URL, application_data(cofunding="100,00", cofunding_source="Stiftung")).get_data(
        as_text=True
    )
    error = _field_error(html, "requested")
    assert "89,50" in error and "1.245,00" in error and "1.145,00" in error
    assert 'value="100,00"' in html and 'value="1.234,50"' in html
    assert 'class="confirm-panel"' not in html
    assert _count() == 0


def test_other_funding_up_to_the_costs_is_fine(client, area, apply):
    assert apply(cofunding="10,50", cofunding_source="Stiftung").status_code == 302


def test_own_money_counted_as_own_share_cannot_also_be_requested_from_the_fund(client, area, send):
    # Aachen-style fund: 10 % own share. Costs 1,245 €, own money 124.50 € (exactly the share),
    # and the whole 1,245 € asked of the fund: 1,369.50 € of money for 1,245 € of costs.
    fund = _rules(area, own_share_bp=1000, hour_rate_cents=0)
    data = application_data(own="124,50", volunteer_hours="0", requested="1.245,00")
    html = send(URL, data).get_data(as_text=True)
    error = _field_error(html, "requested")
    assert "124,50" in error and "1.245,00" in error and "1.120,50" in error
    assert 'value="124,50"' in html and 'value="1.245,00"' in html
    assert 'class="confirm-panel"' not in html
    # Sent straight away with the fund "confirmed", the server refuses it all the same.
    send(URL, {**data, "confirmed_fund": str(fund.id)}, "submit")
    assert _count() == 0


def test_own_money_and_request_together_up_to_the_costs_are_fine(client, area, apply):
    _rules(area, own_share_bp=1000, hour_rate_cents=0)
    assert apply(own="124,50", volunteer_hours="0", requested="1.120,50").status_code == 302
    application = only_application()
    assert (application.own_cents, application.requested_cents) == (12_450, 112_050)


def test_own_money_and_other_funding_covering_the_costs_leave_nothing_to_request(
    client, area, send
):
    data = application_data(own="245,00", cofunding="1.000,00", cofunding_source="Stiftung")
    html = send(URL, data).get_data(as_text=True)
    assert "1.245,00" in _field_error(html, "requested")
    assert _count() == 0


def test_the_database_refuses_money_the_other_financing_already_covers(client, area, apply):
    """A script or console that skips the form cannot ask the fund for covered costs either
    (a trigger, on SQLite and PostgreSQL); changing money within the costs is let through."""
    from sqlalchemy import text
    from sqlalchemy.exc import DatabaseError

    assert apply().status_code == 302
    application = only_application()
    total = application.total_cents
    db.session.execute(
        text("UPDATE application SET own_cents = 0, cofunding_cents = 0 WHERE id = :id"),
        {"id": application.id},
    )
    db.session.commit()
    with pytest.raises(DatabaseError, match="exceed the total costs"):
        db.session.execute(
            text(
                "UPDATE application SET own_cents = :own, requested_cents = :asked WHERE id = :id"
            ),
            {"own": 100, "asked": total, "id": application.id},
        )
        db.session.flush()
    db.session.rollback()
    db.session.execute(
        text("UPDATE application SET own_cents = :own, requested_cents = :asked WHERE id = :id"),
        {"own": 100, "asked": total - 100, "id": application.id},
    )
    db.session.commit()


def test_volunteer_hours_are_not_money_and_never_over_fund(client, area, apply):
    # 500 hours at 10 € are worth 5,000 €, but pay no costs: the whole 1,245 € may be asked for.
    _rules(area, own_share_bp=1000, hour_rate_cents=1000)
    assert apply(volunteer_hours="500", requested="1.245,00").status_code == 302


def test_action_outside_the_funding_period_is_refused(client, area, send):
    # The fund year of the action's start pays for its calendar year (no period set).
    start = clock.area_today(area) + timedelta(days=30)
    end = date(start.year + 1, 1, 1)
    html = send(
        URL, application_data(start_date=start.isoformat(), end_date=end.isoformat())
    ).get_data(as_text=True)
    assert f"31.12.{start.year}" in _field_error(html, "end_date")
    assert f'value="{end.isoformat()}"' in html
    assert _count() == 0


def test_fund_year_period_narrower_than_the_year(client, area, send):
    start = clock.area_today(area) + timedelta(days=30)
    fund = area.funds[0]
    fund_year = db.session.scalar(
        select(FundYear).where(FundYear.fund_id == fund.id, FundYear.year == start.year)
    )
    if fund_year is None:
        fund_year = FundYear(fund_id=fund.id, year=start.year)
        db.session.add(fund_year)
    fund_year.period_start = start + timedelta(days=1)
    fund_year.period_end = start + timedelta(days=60)
    db.session.commit()
    html = send(URL, application_data()).get_data(as_text=True)
    assert _field_error(html, "start_date")
    assert _count() == 0


@pytest.mark.parametrize(
    ("settings", "price", "error"),
    [
        ({"fee_rule": "forbidden"}, "600", "keine Honorare"),
        ({"fee_rule": "capped", "fee_cap_cents": 50_000}, "600", "500,00"),
        ({"fee_rule": "capped", "fee_cap_bp": 3000}, "600", "373,50"),  # 30 % of 1,245 €
    ],
)
def test_fee_rules_show_next_to_the_fee_line(client, area, send, settings, price, error):
    _rules(area, **settings)
    data = application_data(
        **{"cost_items-2-category": "fee", "cost_items-2-unit_price": price}, requested="600"
    )
    html = send(URL, data).get_data(as_text=True)
    field = (
        "cost_items-2-category"
        if settings["fee_rule"] == "forbidden"
        else "cost_items-2-unit_price"
    )
    assert error in _field_error(html, field)
    assert _count() == 0


def test_fee_within_the_cap_is_fine(client, area, apply):
    _rules(area, fee_rule="capped", fee_cap_cents=60_000)
    response = apply(**{"cost_items-2-category": "fee"}, requested="600")
    assert response.status_code == 302
    assert [item.category for item in only_application().cost_items][-1] == "fee"


def test_review_page_flags_rules_the_application_breaks_now(client, area, apply, make, login):
    # Sent while the fund had no own share; the rule came later: staff see it as a flag.
    apply()
    _rules(area, own_share_bp=5000, hour_rate_cents=1000)
    login(make.staff(areas=[area]))
    application = only_application()
    html = client.get(f"/staff/applications/{application.id}").get_data(as_text=True)
    flags = re.search(r'id="rule-flags".*?</section>', html, re.S)
    assert flags and "50 %" in flags.group(0)


def test_review_page_flags_an_action_in_another_year_than_its_booking(
    client, area, apply, make, login
):
    apply()
    application = only_application()
    application.start_date = application.end_date = date(clock.area_today(area).year + 1, 1, 15)
    db.session.commit()
    login(make.staff(areas=[area]))
    html = client.get(f"/staff/applications/{application.id}").get_data(as_text=True)
    flags = re.search(r'id="rule-flags".*?</section>', html, re.S)
    assert flags and str(clock.area_today(area).year) in flags.group(0)


def test_review_page_without_rule_problems_shows_no_flags(client, area, apply, make, login):
    apply()
    application = only_application()
    login(make.staff(areas=[area]))
    html = client.get(f"/staff/applications/{application.id}").get_data(as_text=True)
    assert (
        application.start_date.year != clock.area_today(area).year or 'id="rule-flags"' not in html
    )


def test_review_page_flags_a_request_above_the_cap_lowered_since_sending(
    client, area, apply, make, login
):
    # The decision is held to the cap of its day: staff must see before the body votes that
    # the request is now above it.
    apply()  # 1,234.50 € under the cap of 1,500 €
    _rules(area, cap_cents=100_000)  # the district lowers the cap to 1,000 €
    login(make.staff(areas=[area]))
    application = only_application()
    html = client.get(f"/staff/applications/{application.id}").get_data(as_text=True)
    flags = re.search(r'id="rule-flags".*?</section>', html, re.S)
    assert flags and "1.234,50" in flags.group(0) and "1.000,00" in flags.group(0)


def test_review_page_flags_a_request_below_the_minimum_raised_since_sending(
    client, area, apply, make, login
):
    apply()  # 1,234.50 €
    _rules(area, minimum_cents=130_000)
    login(make.staff(areas=[area]))
    application = only_application()
    html = client.get(f"/staff/applications/{application.id}").get_data(as_text=True)
    flags = re.search(r'id="rule-flags".*?</section>', html, re.S)
    assert flags and "1.234,50" in flags.group(0) and "1.300,00" in flags.group(0)


def test_review_page_keeps_quiet_about_the_cap_once_nothing_is_left_to_decide(
    client, area, apply, make, login
):
    apply()
    application = only_application()
    intake.withdraw(application)
    db.session.commit()
    _rules(area, cap_cents=100_000)
    login(make.staff(areas=[area]))
    html = client.get(f"/staff/applications/{application.id}").get_data(as_text=True)
    flags = re.search(r'id="rule-flags".*?</section>', html, re.S)
    assert not flags or "1.000,00" not in flags.group(0)
