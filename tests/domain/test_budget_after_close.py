"""The books' rules for money that comes back after a year closed, and for cuts of a year.

A refund of money the running year paid out nets that year's paid (a REFUND there, beside a
RETURN of the commitment from the closed year); money the closed year paid comes back as a
RETURN of a refund. A cut never takes allocation + adjustments + carry-in below zero, even when
money returned from closed years leaves more available.
"""

from __future__ import annotations

import pytest

from juryfund.domain.budget import (
    Balances,
    Entry,
    Origin,
    Routed,
    Target,
    check_booking,
    route_money_back,
)
from juryfund.domain.budget import EntryKind as K
from juryfund.domain.errors import BookingRefused

pytestmark = pytest.mark.domain

R = Routed
CUR = Target.CURRENT


@pytest.mark.parametrize(
    ("paid_from_current", "carry", "expected"),
    [
        pytest.param(0, True, [R(K.RETURN, 300, CUR, Origin.REFUND)], id="paid-in-the-closed-year"),
        pytest.param(
            500,
            True,
            [R(K.REFUND, 300, CUR), R(K.RETURN, 300, CUR, Origin.RELEASE)],
            id="paid-from-the-running-year",
        ),
        pytest.param(
            100,
            True,
            [
                R(K.REFUND, 100, CUR),
                R(K.RETURN, 100, CUR, Origin.RELEASE),
                R(K.RETURN, 200, CUR, Origin.REFUND),
            ],
            id="paid-from-both",
        ),
        pytest.param(
            300,
            False,
            [
                R(K.REFUND, 300, CUR),
                R(K.RETURN, 300, CUR, Origin.RELEASE),
                R(K.LAPSE, 300, CUR),
            ],
            id="no-carry-over-lapses",
        ),
    ],
)
def test_a_late_refund_nets_what_the_running_year_paid(paid_from_current, carry, expected):
    routed = route_money_back(
        K.REFUND,
        300,
        own_year_closed=True,
        carry_over=carry,
        paid_from_current=paid_from_current,
    )
    assert routed == expected


def test_paid_from_the_running_year_changes_nothing_while_the_own_year_is_open():
    routed = route_money_back(
        K.REFUND, 300, own_year_closed=False, carry_over=True, paid_from_current=300
    )
    assert routed == [R(K.REFUND, 300, Target.OWN)]


#: A year with 9,600 € carried in, 400 € returned from a closed year, nothing committed.
RETURNED = Balances(allocated=960_000, returned=40_000)


@pytest.mark.parametrize(
    ("fund", "cut", "reason", "figures"),
    [
        pytest.param(
            RETURNED,
            1_000_000,
            "booking.allocated_below_zero",
            {"at_most": 960_000, "requested": 1_000_000},
            id="returned-money-is-not-the-years-own",
        ),
        pytest.param(
            RETURNED,
            2_000_000,
            "booking.allocated_below_zero",
            {"at_most": 960_000, "requested": 2_000_000},
            id="the-tighter-bound-is-named",
        ),
        pytest.param(
            Balances(allocated=960_000, returned=40_000, committed=500_000),
            700_000,
            "booking.exceeds_available",
            {"available": 500_000, "requested": 700_000},
            id="available-is-tighter",
        ),
    ],
)
def test_a_cut_never_takes_allocated_below_zero(fund, cut, reason, figures):
    with pytest.raises(BookingRefused) as refused:
        check_booking(fund=fund, account=None, entry=Entry(K.ADJUSTMENT, -cut))
    assert (refused.value.reason, refused.value.field) == (reason, "amount")
    assert refused.value.params == figures


def test_a_cut_to_exactly_zero_allocated_is_booked():
    check_booking(fund=RETURNED, account=None, entry=Entry(K.ADJUSTMENT, -960_000))


def test_a_raise_of_a_year_left_below_zero_is_booked():
    check_booking(fund=Balances(allocated=-5_000), account=None, entry=Entry(K.ADJUSTMENT, 1_000))
