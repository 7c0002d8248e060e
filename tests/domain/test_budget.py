"""The books of a fund year: entry effects, refused bookings and invariants under random use."""

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from juryfund.domain.budget import (
    APPLICATION_KINDS,
    FUND_KINDS,
    Account,
    Balances,
    Entry,
    EntryKind,
    Origin,
    Routed,
    Target,
    account,
    balances,
    check_booking,
    close_entries,
    route_money_back,
    route_payment,
)
from juryfund.domain.errors import BookingRefused

from .helpers import apply

pytestmark = pytest.mark.domain

K = EntryKind

# A fund year with 10,000 € budget, 3,000 € committed to application "a1", 1,000 € of it paid.
FUND = Balances(allocated=1_000_000, committed=300_000, paid=100_000)
ACCOUNT = Account(commitment=300_000, released=0, paid=100_000)


def test_balances_available_is_allocated_minus_committed():
    assert FUND.available == 700_000


def test_account_committed_and_open():
    acc = Account(commitment=300_000, released=50_000, paid=100_000)
    assert (acc.committed, acc.open) == (250_000, 150_000)


EFFECTS = [
    # (entry, balances after, account after)
    pytest.param(
        Entry(K.ALLOCATION, 500_000),
        Balances(1_500_000, 300_000, 100_000),
        ACCOUNT,
        id="allocation",
    ),
    pytest.param(
        Entry(K.ADJUSTMENT, 20_000),
        Balances(1_020_000, 300_000, 100_000),
        ACCOUNT,
        id="adjustment-up",
    ),
    pytest.param(
        Entry(K.ADJUSTMENT, -20_000),
        Balances(980_000, 300_000, 100_000),
        ACCOUNT,
        id="adjustment-down",
    ),
    pytest.param(
        Entry(K.CARRY_IN, 70_000), Balances(1_070_000, 300_000, 100_000), ACCOUNT, id="carry-in"
    ),
    pytest.param(
        Entry(K.COMMITMENT, 50_000, "a1"),
        Balances(1_000_000, 350_000, 100_000),
        Account(350_000, 0, 100_000),
        id="commitment",
    ),
    pytest.param(
        Entry(K.RELEASE, 50_000, "a1"),
        Balances(1_000_000, 250_000, 100_000),
        Account(300_000, 50_000, 100_000),
        id="release",
    ),
    pytest.param(
        Entry(K.PAYMENT, 150_000, "a1"),
        Balances(1_000_000, 300_000, 250_000),
        Account(300_000, 0, 250_000),
        id="payment",
    ),
    pytest.param(
        Entry(K.REFUND, 40_000, "a1"),
        Balances(1_000_000, 300_000, 60_000),
        Account(300_000, 0, 60_000),
        id="refund",
    ),
]


@pytest.mark.parametrize(("entry", "fund_after", "account_after"), EFFECTS)
def test_apply_entry_kind_effect(entry, fund_after, account_after):
    assert apply(FUND, ACCOUNT, entry) == (fund_after, account_after)


@pytest.mark.parametrize(("entry", "fund_after", "account_after"), EFFECTS)
def test_balances_from_entries_matches_apply(entry, fund_after, account_after):
    history = [
        Entry(K.ALLOCATION, 1_000_000),
        Entry(K.COMMITMENT, 300_000, "a1"),
        Entry(K.PAYMENT, 100_000, "a1"),
    ]
    assert balances(history) == FUND
    assert account(history, "a1") == ACCOUNT
    assert balances([*history, entry]) == fund_after
    assert account([*history, entry], "a1") == account_after


def test_apply_commitment_for_new_application_starts_empty_account():
    fund, acc = apply(FUND, None, Entry(K.COMMITMENT, 150_000, "a2"))
    assert fund.available == 550_000
    assert acc == Account(commitment=150_000, released=0, paid=0)


def test_apply_fund_entry_keeps_no_account():
    assert apply(Balances(), None, Entry(K.ALLOCATION, 100)) == (Balances(100, 0, 0), None)


def test_commitment_of_exactly_available_accepted():
    fund, _ = apply(FUND, None, Entry(K.COMMITMENT, FUND.available, "a2"))
    assert fund.available == 0


def test_settlement_releases_unspent_part():
    # 3,000 € approved, 2,600 € spent: pay the rest of the receipts, release the remainder.
    fund, acc = apply(FUND, ACCOUNT, Entry(K.PAYMENT, 160_000, "a1"))
    fund, acc = apply(fund, acc, Entry(K.RELEASE, acc.open, "a1"))
    assert acc == Account(commitment=300_000, released=40_000, paid=260_000)
    assert (acc.committed, acc.open) == (260_000, 0)
    assert fund == Balances(allocated=1_000_000, committed=260_000, paid=260_000)
    assert fund.available == 740_000


REFUSALS = [
    # (entry, account before, reason, params)
    pytest.param(
        Entry(K.ALLOCATION, 0),
        None,
        "booking.amount_not_positive",
        {"kind": "allocation", "amount": 0},
        id="allocation-zero",
    ),
    pytest.param(
        Entry(K.CARRY_IN, -5),
        None,
        "booking.amount_not_positive",
        {"kind": "carry_in", "amount": -5},
        id="carry-in-negative",
    ),
    pytest.param(
        Entry(K.COMMITMENT, -5, "a1"),
        ACCOUNT,
        "booking.amount_not_positive",
        {"kind": "commitment", "amount": -5},
        id="commitment-negative",
    ),
    pytest.param(
        Entry(K.RELEASE, 0, "a1"),
        ACCOUNT,
        "booking.amount_not_positive",
        {"kind": "release", "amount": 0},
        id="release-zero",
    ),
    pytest.param(
        Entry(K.PAYMENT, -1, "a1"),
        ACCOUNT,
        "booking.amount_not_positive",
        {"kind": "payment", "amount": -1},
        id="payment-negative",
    ),
    pytest.param(
        Entry(K.REFUND, 0, "a1"),
        ACCOUNT,
        "booking.amount_not_positive",
        {"kind": "refund", "amount": 0},
        id="refund-zero",
    ),
    pytest.param(
        Entry(K.ADJUSTMENT, 0),
        None,
        "booking.amount_zero",
        {"kind": "adjustment"},
        id="adjustment-zero",
    ),
    pytest.param(
        Entry(K.COMMITMENT, 100),
        None,
        "booking.application_required",
        {"kind": "commitment"},
        id="commitment-without-application",
    ),
    pytest.param(
        Entry(K.RELEASE, 100),
        None,
        "booking.application_required",
        {"kind": "release"},
        id="release-without-application",
    ),
    pytest.param(
        Entry(K.PAYMENT, 100),
        None,
        "booking.application_required",
        {"kind": "payment"},
        id="payment-without-application",
    ),
    pytest.param(
        Entry(K.REFUND, 100),
        None,
        "booking.application_required",
        {"kind": "refund"},
        id="refund-without-application",
    ),
    pytest.param(
        Entry(K.ALLOCATION, 100, "a1"),
        None,
        "booking.application_not_allowed",
        {"kind": "allocation"},
        id="allocation-with-application",
    ),
    pytest.param(
        Entry(K.ADJUSTMENT, 100, 7),
        None,
        "booking.application_not_allowed",
        {"kind": "adjustment"},
        id="adjustment-with-application",
    ),
    pytest.param(
        Entry(K.CARRY_IN, 100, "a1"),
        None,
        "booking.application_not_allowed",
        {"kind": "carry_in"},
        id="carry-in-with-application",
    ),
    pytest.param(
        Entry(K.COMMITMENT, 700_001, "a2"),
        None,
        "booking.exceeds_available",
        {"available": 700_000, "requested": 700_001},
        id="commitment-one-cent-too-much",
    ),
    pytest.param(
        Entry(K.ADJUSTMENT, -700_001),
        None,
        "booking.exceeds_available",
        {"available": 700_000, "requested": 700_001},
        id="adjustment-below-committed",
    ),
    pytest.param(
        Entry(K.PAYMENT, 200_001, "a1"),
        ACCOUNT,
        "booking.paid_exceeds_committed",
        {"committed": 300_000, "paid": 100_000, "open": 200_000, "requested": 200_001},
        id="payment-above-open",
    ),
    pytest.param(
        Entry(K.PAYMENT, 1, "a2"),
        None,
        "booking.paid_exceeds_committed",
        {"committed": 0, "paid": 0, "open": 0, "requested": 1},
        id="payment-without-commitment",
    ),
    pytest.param(
        Entry(K.RELEASE, 1, "a2"),
        None,
        "booking.release_exceeds_commitment",
        {"commitment": 0, "released": 0, "requested": 1},
        id="release-without-commitment",
    ),
    pytest.param(
        Entry(K.RELEASE, 50_001, "a1"),
        Account(300_000, 250_000, 0),
        "booking.release_exceeds_commitment",
        {"commitment": 300_000, "released": 250_000, "requested": 50_001},
        id="release-above-commitment",
    ),
    pytest.param(
        Entry(K.RELEASE, 200_001, "a1"),
        ACCOUNT,
        "booking.release_exceeds_open",
        {"open": 200_000, "paid": 100_000, "requested": 200_001},
        id="release-of-paid-money",
    ),
    pytest.param(
        Entry(K.REFUND, 100_001, "a1"),
        ACCOUNT,
        "booking.refund_exceeds_paid",
        {"paid": 100_000, "requested": 100_001},
        id="refund-above-paid",
    ),
]


@pytest.mark.parametrize(("entry", "acc", "reason", "params"), REFUSALS)
def test_check_booking_refuses(entry, acc, reason, params):
    with pytest.raises(BookingRefused) as caught:
        check_booking(fund=FUND, account=acc, entry=entry)
    assert caught.value.reason == reason
    assert caught.value.params == params
    assert caught.value.field in {"amount", "application"}


@pytest.mark.parametrize(("entry", "acc", "reason", "params"), REFUSALS)
def test_apply_refused_booking_raises(entry, acc, reason, params):
    with pytest.raises(BookingRefused) as caught:
        apply(FUND, acc, entry)
    assert caught.value.reason == reason


def test_balances_from_totals_sums_by_kind():
    totals = {
        "allocation": 1_000_000,
        K.ADJUSTMENT: -50_000,
        K.CARRY_IN: 20_000,
        K.COMMITMENT: 400_000,
        K.RELEASE: 30_000,
        K.PAYMENT: 200_000,
        K.REFUND: 10_000,
    }
    result = Balances.from_totals(totals)
    assert result == Balances(allocated=970_000, committed=370_000, paid=190_000)
    assert result.available == 600_000


def test_balances_from_totals_missing_and_null_kinds_are_zero():
    assert Balances.from_totals({K.ALLOCATION: 100, K.PAYMENT: None}) == Balances(100, 0, 0)


def test_balances_from_totals_unknown_kind_raises():
    with pytest.raises(ValueError):
        Balances.from_totals({"donation": 100})


def test_account_from_totals():
    totals = {K.COMMITMENT: 300_000, K.RELEASE: 20_000, K.PAYMENT: 250_000, K.REFUND: 10_000}
    assert Account.from_totals(totals) == Account(300_000, 20_000, 240_000)


def test_account_from_totals_with_fund_kind_raises():
    with pytest.raises(ValueError):
        Account.from_totals({K.ALLOCATION: 100, K.COMMITMENT: 50})


def test_account_ignores_other_applications():
    entries = [
        Entry(K.ALLOCATION, 1_000),
        Entry(K.COMMITMENT, 500, 1),
        Entry(K.COMMITMENT, 300, 2),
        Entry(K.PAYMENT, 100, 2),
    ]
    assert account(entries, 2) == Account(300, 0, 100)
    assert account(entries, 3) == Account()


@pytest.mark.parametrize("amount", [1.5, True, "100"], ids=repr)
def test_entry_amount_must_be_int(amount):
    with pytest.raises(TypeError):
        Entry(K.ALLOCATION, amount)


def test_entry_kind_accepts_string():
    assert Entry("payment", 100, "a1").kind is K.PAYMENT


def test_kinds_split_into_fund_and_application():
    assert set(EntryKind) == FUND_KINDS | APPLICATION_KINDS
    assert not FUND_KINDS & APPLICATION_KINDS


# --- invariants under any sequence of attempted bookings --------------------------------------

APPLICATIONS = ["a1", "a2", "a3"]


class Books(RuleBasedStateMachine):
    """Tries random bookings; keeps only those check_booking accepts, like the service would."""

    def __init__(self):
        super().__init__()
        self.entries: list[Entry] = []
        self.fund = Balances()
        self.accounts: dict[str, Account] = {}

    def _attempt(self, entry):
        before = self.accounts.get(entry.application) if entry.kind in APPLICATION_KINDS else None
        try:
            fund, after = apply(self.fund, before, entry)
        except BookingRefused:
            return
        self.fund = fund
        if entry.kind in APPLICATION_KINDS:
            self.accounts[entry.application] = after
        self.entries.append(entry)

    @initialize(budget=st.integers(min_value=0, max_value=20_000))
    def allocate_the_year(self, budget):
        # Start most runs with money in the fund (0 is refused and starts an empty year), or
        # nearly every application booking would be refused and the paths after it never run.
        self._attempt(Entry(EntryKind.ALLOCATION, budget))

    @rule(
        kind=st.sampled_from(sorted(FUND_KINDS)),
        amount=st.integers(min_value=-2_000, max_value=10_000),
        # Mostly well-formed; sometimes wrongly naming an application.
        application=st.sampled_from([None, None, None, "a1"]),
    )
    def book_fund_entry(self, kind, amount, application):
        self._attempt(Entry(kind, amount, application))

    @rule(
        kind=st.sampled_from(list(EntryKind)),
        amount=st.integers(min_value=-10_000, max_value=10_000),
        application=st.sampled_from([None, *APPLICATIONS]),
    )
    def book_anything(self, kind, amount, application):
        self._attempt(Entry(kind, amount, application))

    @rule(
        kind=st.sampled_from(sorted(APPLICATION_KINDS)),
        application=st.sampled_from(APPLICATIONS),
        data=st.data(),
    )
    def book_near_the_limit(self, kind, application, data):
        # Unguided amounts almost never fit what an application may still receive, release or
        # refund; draw them from just below zero up to one cent past the limit instead, so both
        # acceptances and refusals at the boundary happen in every run.
        acc = self.accounts.get(application, Account())
        limit = {
            EntryKind.COMMITMENT: self.fund.available,
            EntryKind.RELEASE: min(acc.commitment - acc.released, acc.open),
            EntryKind.PAYMENT: acc.open,
            EntryKind.REFUND: acc.paid,
            EntryKind.RETURN: acc.paid,
        }[kind]
        fitting = st.integers(min_value=1, max_value=max(limit, 1))
        edges = st.sampled_from([-1, 0, limit, limit + 1])
        amount = data.draw(st.one_of(fitting, fitting, edges), label="amount")
        origin = Origin.REFUND if kind is EntryKind.RETURN else None
        self._attempt(Entry(kind, amount, application, origin))

    @invariant()
    def available_never_negative(self):
        assert self.fund.available >= 0

    @invariant()
    def per_application_invariants_hold(self):
        for acc in self.accounts.values():
            assert 0 <= acc.released <= acc.commitment
            assert 0 <= acc.paid <= acc.committed

    @invariant()
    def recomputed_from_entries_equals_incremental_state(self):
        assert balances(self.entries) == self.fund
        for application in APPLICATIONS:
            expected = self.accounts.get(application, Account())
            assert account(self.entries, application) == expected

    @invariant()
    def fund_totals_are_sum_of_accounts(self):
        # A RETURN (money back after a year closed) lowers the project's commitment, not the
        # commitment of the year it is booked in; a returned refund lowers its payments too.
        refunds_returned = sum(
            e.amount_cents
            for e in self.entries
            if e.kind is EntryKind.RETURN and e.origin is Origin.REFUND
        )
        assert self.fund.committed - self.fund.returned == sum(
            a.committed for a in self.accounts.values()
        )
        assert self.fund.paid - refunds_returned == sum(a.paid for a in self.accounts.values())


Books.TestCase.settings = settings(max_examples=100, stateful_step_count=50, deadline=None)
# Hypothesis runs a state machine as a unittest.TestCase; the module's pytestmark applies to it.
TestBooksKeepInvariantsUnderRandomBookings = Books.TestCase


# --- money after a fund year has closed (issue 11 item 4) -------------------------------------

R = Routed


@pytest.mark.parametrize(
    ("kind", "closed", "carry", "release_refund", "expected"),
    [
        (K.RELEASE, False, False, False, [R(K.RELEASE, 300, Target.OWN)]),
        (K.RELEASE, False, True, False, [R(K.RELEASE, 300, Target.OWN)]),
        (K.REFUND, False, False, False, [R(K.REFUND, 300, Target.OWN)]),
        (
            K.REFUND,
            False,
            False,
            True,
            [R(K.REFUND, 300, Target.OWN), R(K.RELEASE, 300, Target.OWN)],
        ),
        (K.RELEASE, True, True, False, [R(K.RETURN, 300, Target.CURRENT, Origin.RELEASE)]),
        (
            K.RELEASE,
            True,
            False,
            False,
            [R(K.RETURN, 300, Target.CURRENT, Origin.RELEASE), R(K.LAPSE, 300, Target.CURRENT)],
        ),
        (K.REFUND, True, True, True, [R(K.RETURN, 300, Target.CURRENT, Origin.REFUND)]),
        (
            K.REFUND,
            True,
            False,
            False,
            [R(K.RETURN, 300, Target.CURRENT, Origin.REFUND), R(K.LAPSE, 300, Target.CURRENT)],
        ),
    ],
)
def test_money_back_is_never_booked_into_a_closed_year(
    kind, closed, carry, release_refund, expected
):
    routed = route_money_back(
        kind, 300, own_year_closed=closed, carry_over=carry, release_refund=release_refund
    )
    assert routed == expected
    if closed:
        assert all(r.target is Target.CURRENT for r in routed)


@pytest.mark.parametrize(("closed", "target"), [(False, Target.OWN), (True, Target.CURRENT)])
def test_payment_goes_to_the_open_year(closed, target):
    assert route_payment(500, own_year_closed=closed) == [R(K.PAYMENT, 500, target)]


def test_money_back_refuses_other_kinds():
    with pytest.raises(ValueError):
        route_money_back(K.PAYMENT, 1, own_year_closed=False, carry_over=False)


@pytest.mark.parametrize(
    ("unspent", "carry", "expected"),
    [
        (0, True, []),
        (0, False, []),
        (700, False, [R(K.LAPSE, 700, Target.OWN)]),
        (700, True, [R(K.CARRY_OUT, 700, Target.OWN), R(K.CARRY_IN, 700, Target.CURRENT)]),
    ],
)
def test_close_entries_lapse_or_carry(unspent, carry, expected):
    assert close_entries(unspent, carry_over=carry) == expected


def test_closed_year_shows_nothing_available_and_keeps_its_allocation():
    year = balances(
        [Entry(K.ALLOCATION, 1_000), Entry(K.COMMITMENT, 600, "a"), Entry(K.CARRY_OUT, 400)]
    )
    assert (year.allocated, year.committed, year.carried_out, year.available) == (
        1_000,
        600,
        400,
        0,
    )
    lapsing = balances([Entry(K.ALLOCATION, 1_000), Entry(K.LAPSE, 1_000)])
    assert (lapsing.allocated, lapsing.lapsed, lapsing.available) == (1_000, 1_000, 0)


def test_refund_after_close_lowers_paid_and_committed_of_the_project():
    entries = [
        Entry(K.COMMITMENT, 1_000, "a"),
        Entry(K.PAYMENT, 800, "a"),
        Entry(K.RETURN, 200, "a", Origin.REFUND),
        Entry(K.RETURN, 200, "a", Origin.RELEASE),
    ]
    acc = account(entries, "a")
    assert (acc.commitment, acc.released, acc.committed, acc.paid) == (1_000, 400, 600, 600)


def test_return_needs_an_origin_and_only_a_return_has_one():
    with pytest.raises(BookingRefused):
        check_booking(fund=Balances(), account=Account(1_000, 0, 0), entry=Entry(K.RETURN, 10, "a"))
    with pytest.raises(BookingRefused):
        check_booking(
            fund=Balances(),
            account=Account(1_000, 0, 0),
            entry=Entry(K.RELEASE, 10, "a", Origin.RELEASE),
        )


def test_lapse_and_carry_out_never_exceed_what_is_available():
    with pytest.raises(BookingRefused):
        check_booking(fund=Balances(allocated=100), account=None, entry=Entry(K.LAPSE, 101))
    check_booking(fund=Balances(allocated=100), account=None, entry=Entry(K.CARRY_OUT, 100))
