"""Fund rules real funds apply (issue 12, item 7): own share, over-funding, funding period, fees,
the flat allowance and retroactive receipts, each as a table of cases."""

from datetime import date

import pytest

from juryfund.domain.fundrules import (
    FeeLine,
    FundRuleSet,
    Period,
    allowance_cents,
    check_amount_limits,
    check_fees,
    check_over_funding,
    check_own_share,
    check_period,
    check_receipt_choice,
    check_settings,
    percent_text,
    period_of,
    receipt_flags,
    settle,
    share_down,
    share_up,
)

pytestmark = [pytest.mark.domain, pytest.mark.voting]

#: Aachen's Verfügungsfonds: 10 % own share, volunteer hours count 10 € each.
AACHEN = FundRuleSet(own_share_bp=1000, hour_rate_cents=1000)


def reasons(errors) -> list[tuple[str, str | None]]:
    """The reason codes and fields of a list of domain errors."""
    return [(error.reason, error.field) for error in errors]


@pytest.mark.parametrize(
    ("cents", "bp", "up", "down"),
    [
        (100_000, 1000, 10_000, 10_000),
        (99_999, 1000, 10_000, 9_999),  # 9,999.9 cents: up for a minimum, down for a payout
        (1, 300, 1, 0),
        (0, 1000, 0, 0),
        (123_456, 10_000, 123_456, 123_456),
        (123_456, 0, 0, 0),
    ],
)
def test_share_rounding_is_explicit(cents, bp, up, down):
    assert (share_up(cents, bp), share_down(cents, bp)) == (up, down)


@pytest.mark.parametrize(
    ("total", "own", "hours", "rules", "expected"),
    [
        # Aachen: 1,000 € of costs need 100 € of own contribution.
        (100_000, 10_000, 0, AACHEN, []),
        (100_000, 9_999, 0, AACHEN, [("rules.own_share_short", "own")]),
        (100_000, 0, 10, AACHEN, []),  # ten hours at 10 €
        (100_000, 0, 9, AACHEN, [("rules.own_share_short", "own")]),
        (100_000, 5_000, 5, AACHEN, []),  # money and hours add up
        (100_001, 0, 10, AACHEN, [("rules.own_share_short", "own")]),  # 100.001 € rounds up
        # Hours count nothing where the fund sets no rate.
        (100_000, 0, 100, FundRuleSet(own_share_bp=1000), [("rules.own_share_short", "own")]),
        # No own share asked: nothing to check.
        (100_000, 0, 0, FundRuleSet(), []),
        (0, 0, 0, AACHEN, []),
    ],
)
def test_own_share_money_or_hours(total, own, hours, rules, expected):
    errors = check_own_share(total_cents=total, own_cents=own, volunteer_hours=hours, rules=rules)
    assert reasons(errors) == expected


def test_own_share_error_names_the_amounts():
    (error,) = check_own_share(total_cents=100_000, own_cents=0, volunteer_hours=3, rules=AACHEN)
    assert error.params == {"needed": 10_000, "have": 3_000, "share": "10", "rate": 1000}


@pytest.mark.parametrize(
    ("total", "requested", "cofunding", "own", "expected"),
    [
        (100_000, 100_000, 0, 0, []),
        (100_000, 60_000, 40_000, 0, []),
        (100_000, 60_000, 40_001, 0, [("rules.over_funding", "requested")]),
        (100_000, 100_000, 1, 0, [("rules.over_funding", "requested")]),
        # Own money pays for costs as other funding does.
        (100_000, 90_000, 0, 10_000, []),
        (100_000, 50_000, 40_000, 10_000, []),
        (100_000, 90_001, 0, 10_000, [("rules.over_funding", "requested")]),
        (100_000, 100_000, 0, 1, [("rules.over_funding", "requested")]),
        (100_000, 50_000, 40_000, 10_001, [("rules.over_funding", "requested")]),
        # Own money and other funding cover the costs on their own: nothing left to ask for.
        (100_000, 1, 0, 100_000, [("rules.costs_covered", "requested")]),
        (100_000, 1, 60_000, 50_000, [("rules.costs_covered", "requested")]),
        (0, 0, 0, 0, []),
    ],
)
def test_no_over_funding(total, requested, cofunding, own, expected):
    errors = check_over_funding(
        total_cents=total, requested_cents=requested, cofunding_cents=cofunding, own_cents=own
    )
    assert reasons(errors) == expected


def test_over_funding_error_names_the_most_that_can_be_asked_for():
    # Aachen: 1,245 € of costs, 124.50 € own money (the 10 % share), 1,245 € requested.
    (error,) = check_over_funding(
        total_cents=124_500, requested_cents=124_500, cofunding_cents=0, own_cents=12_450
    )
    assert error.params == {
        "total": 124_500,
        "covered": 12_450,
        "excess": 12_450,
        "at_most": 112_050,
    }


@pytest.mark.parametrize(
    ("requested", "cap", "minimum", "expected"),
    [
        (100_000, 150_000, 0, []),
        (150_000, 150_000, 0, []),  # the cap itself is fine
        (150_001, 150_000, 0, [("rules.above_cap_now", "requested")]),
        (123_450, 100_000, 0, [("rules.above_cap_now", "requested")]),  # cap lowered
        (500_000, 5_000_000, 500_000, []),  # the minimum itself is fine
        (499_999, 5_000_000, 500_000, [("rules.below_minimum_now", "requested")]),
    ],
)
def test_amount_against_todays_cap_and_minimum(requested, cap, minimum, expected):
    errors = check_amount_limits(requested_cents=requested, cap_cents=cap, minimum_cents=minimum)
    assert reasons(errors) == expected


def test_amount_limit_errors_name_the_amounts():
    (above,) = check_amount_limits(requested_cents=123_450, cap_cents=100_000, minimum_cents=0)
    (below,) = check_amount_limits(
        requested_cents=400_000, cap_cents=5_000_000, minimum_cents=600_000
    )
    assert (above.params, below.params) == (
        {"requested": 123_450, "cap": 100_000},
        {"requested": 400_000, "minimum": 600_000},
    )


CALENDAR_2027 = period_of(2027)
SUMMER_2027 = period_of(2027, date(2027, 3, 1), date(2027, 10, 31))


@pytest.mark.parametrize(
    ("start", "end", "period", "expected"),
    [
        (date(2027, 1, 1), date(2027, 12, 31), CALENDAR_2027, []),
        (
            date(2027, 12, 30),
            date(2028, 1, 2),
            CALENDAR_2027,
            [("rules.outside_period", "end_date")],
        ),
        (
            date(2026, 12, 31),
            date(2027, 1, 1),
            CALENDAR_2027,
            [("rules.outside_period", "start_date")],
        ),
        (date(2027, 3, 1), date(2027, 10, 31), SUMMER_2027, []),
        (
            date(2027, 2, 28),
            date(2027, 3, 2),
            SUMMER_2027,
            [("rules.outside_period", "start_date")],
        ),
        (
            date(2026, 6, 1),
            date(2028, 6, 1),
            SUMMER_2027,
            [("rules.outside_period", "start_date"), ("rules.outside_period", "end_date")],
        ),
    ],
)
def test_action_within_the_funding_period(start, end, period, expected):
    assert reasons(check_period(start=start, end=end, period=period)) == expected


def test_period_defaults_to_the_calendar_year():
    assert period_of(2027) == Period(date(2027, 1, 1), date(2027, 12, 31))
    assert period_of(2027, None, date(2027, 6, 30)) == Period(date(2027, 1, 1), date(2027, 6, 30))


MUSICIAN = FeeLine(1, "fee", 30_000)
MATERIAL = FeeLine(0, "material", 70_000)


@pytest.mark.parametrize(
    ("lines", "rules", "expected"),
    [
        ([MATERIAL, MUSICIAN], FundRuleSet(), []),
        (
            [MATERIAL, MUSICIAN],
            FundRuleSet(fee_rule="forbidden"),
            [("rules.fee_forbidden", "cost_items-1-category")],
        ),
        ([MATERIAL], FundRuleSet(fee_rule="forbidden"), []),
        # Absolute cap 300 €: just within, then just above.
        ([MATERIAL, MUSICIAN], FundRuleSet(fee_rule="capped", fee_cap_cents=30_000), []),
        (
            [MATERIAL, MUSICIAN],
            FundRuleSet(fee_rule="capped", fee_cap_cents=29_999),
            [("rules.fee_over_cap", "cost_items-1-unit_price")],
        ),
        # Share cap 30 % of 1,000 € = 300 €.
        ([MATERIAL, MUSICIAN], FundRuleSet(fee_rule="capped", fee_cap_bp=3000), []),
        (
            [MATERIAL, MUSICIAN],
            FundRuleSet(fee_rule="capped", fee_cap_bp=2999),
            [("rules.fee_over_cap", "cost_items-1-unit_price")],
        ),
        # Both caps: the lower one holds.
        (
            [MATERIAL, MUSICIAN],
            FundRuleSet(fee_rule="capped", fee_cap_cents=50_000, fee_cap_bp=2000),
            [("rules.fee_over_cap", "cost_items-1-unit_price")],
        ),
        # Two fee lines are summed; the error marks the last one.
        (
            [FeeLine(0, "fee", 20_000), MATERIAL, FeeLine(2, "fee", 20_000)],
            FundRuleSet(fee_rule="capped", fee_cap_cents=30_000),
            [("rules.fee_over_cap", "cost_items-2-unit_price")],
        ),
    ],
)
def test_fee_rules(lines, rules, expected):
    total = sum(line.total_cents for line in lines)
    assert reasons(check_fees(lines, total_cents=total, rules=rules)) == expected


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (AACHEN, []),
        (FundRuleSet(own_share_bp=10_001), [("fund.share_range", "own_share_bp")]),
        (FundRuleSet(allowance_bp=-1), [("fund.share_range", "allowance_bp")]),
        (FundRuleSet(hour_rate_cents=-1), [("money.negative", "hour_rate_cents")]),
        (FundRuleSet(fee_rule="capped"), [("fund.fee_cap_required", "fee_cap_cents")]),
        (FundRuleSet(fee_rule="sometimes"), [("fund.fee_rule_unknown", "fee_rule")]),
    ],
)
def test_fund_settings(rules, expected):
    assert reasons(check_settings(rules)) == expected


@pytest.mark.parametrize(
    ("proven", "bp", "expected"),
    [
        (100_000, 300, 3_000),  # 3 % of 1,000 €
        (100_000, 1000, 10_000),  # 10 %
        (12_345, 300, 370),  # 370.35 cents rounds down
        (12_345, 1000, 1_234),  # 1,234.5 cents rounds down
        (1, 1000, 0),
        (0, 1000, 0),
        (100_000, 0, 0),
    ],
)
def test_allowance_in_integer_cents(proven, bp, expected):
    assert allowance_cents(proven, bp) == expected


@pytest.mark.parametrize(
    ("proven", "committed", "bp", "receipts", "allowance"),
    [
        (100_000, 150_000, 1000, 100_000, 10_000),
        (140_000, 150_000, 1000, 140_000, 10_000),  # the allowance stays inside the commitment
        (150_000, 150_000, 1000, 150_000, 0),
        (200_000, 150_000, 1000, 150_000, 0),  # more proven than approved
        (100_000, 150_000, 0, 100_000, 0),
    ],
)
def test_settlement_keeps_within_the_commitment(proven, committed, bp, receipts, allowance):
    settlement = settle(proven_cents=proven, committed_cents=committed, allowance_bp=bp)
    assert (settlement.receipts_cents, settlement.allowance_cents) == (receipts, allowance)
    assert settlement.total_cents <= committed


@pytest.mark.parametrize(
    ("day", "applied_on", "period", "expected"),
    [
        (date(2027, 5, 2), date(2027, 5, 1), CALENDAR_2027, ()),
        (date(2027, 5, 1), date(2027, 5, 1), CALENDAR_2027, ()),
        (date(2027, 4, 30), date(2027, 5, 1), CALENDAR_2027, ("before_application",)),
        (date(2028, 1, 1), date(2027, 5, 1), CALENDAR_2027, ("outside_period",)),
        (
            date(2026, 12, 1),
            date(2027, 5, 1),
            CALENDAR_2027,
            ("before_application", "outside_period"),
        ),
        (date(2027, 11, 1), date(2027, 5, 1), SUMMER_2027, ("outside_period",)),
    ],
)
def test_retroactive_receipts_are_flagged(day, applied_on, period, expected):
    assert receipt_flags(day=day, applied_on=applied_on, period=period) == expected


@pytest.mark.parametrize(
    ("choice", "reason", "expected"),
    [
        ("accepted", "", []),
        ("refused", "bought before the application", []),
        ("refused", "  ", [("receipt.reason_required", "reason")]),
        ("maybe", "", [("receipt.choice_unknown", "choice")]),
    ],
)
def test_receipt_choice(choice, reason, expected):
    assert reasons(check_receipt_choice(choice=choice, reason=reason)) == expected


@pytest.mark.parametrize(
    ("bp", "text"), [(1000, "10"), (250, "2.5"), (305, "3.05"), (0, "0"), (10_000, "100")]
)
def test_percent_text(bp, text):
    assert percent_text(bp) == text
