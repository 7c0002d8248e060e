"""The books of a fund year: ledger entry kinds, balances and the invariants of a booking (§5).

Entries are never edited or deleted; a correction is a new entry. The database keeps the entries
and sums them (``SUM(amount_cents) ... GROUP BY kind``); this module turns those sums into
balances and decides whether one more booking is allowed. All amounts are integer cents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from .errors import BookingRefused

__all__ = [
    "APPLICATION_KINDS",
    "FUND_KINDS",
    "Account",
    "Balances",
    "Entry",
    "EntryKind",
    "account",
    "apply",
    "balances",
    "check_booking",
]


class EntryKind(StrEnum):
    """What a ledger entry does to the fund year's money."""

    ALLOCATION = "allocation"  # the year's budget
    ADJUSTMENT = "adjustment"  # ± correction of the budget, with a reason
    CARRY_IN = "carry_in"  # unspent money carried over from the previous year
    COMMITMENT = "commitment"  # an approved amount, reserved for one application
    RELEASE = "release"  # unspent or cancelled part of a commitment, back to the fund
    PAYMENT = "payment"  # advance, instalment or reimbursement to the applicant
    REFUND = "refund"  # money the applicant paid back


#: Kinds that change the fund year's budget; they never name an application.
FUND_KINDS: frozenset[EntryKind] = frozenset(
    {EntryKind.ALLOCATION, EntryKind.ADJUSTMENT, EntryKind.CARRY_IN}
)
#: Kinds that concern the money of one application; they always name it.
APPLICATION_KINDS: frozenset[EntryKind] = frozenset(EntryKind) - FUND_KINDS


def _check_cents(value: object, name: str) -> None:
    # bool is an int subclass and float is never money; both would slip through arithmetic.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be int cents, not {type(value).__name__}")


@dataclass(frozen=True)
class Entry:
    """One booking: a kind, an amount in cents and, for application kinds, the application."""

    kind: EntryKind
    amount_cents: int
    #: Opaque application key (database id or public reference); compared with ``==`` only.
    application: str | int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EntryKind(self.kind))
        _check_cents(self.amount_cents, "amount_cents")


def _totals_by_kind(totals: Mapping[EntryKind | str, int | None]) -> dict[EntryKind, int]:
    sums = dict.fromkeys(EntryKind, 0)
    for kind, amount in totals.items():
        if amount is None:  # SUM() over no rows is NULL
            continue
        _check_cents(amount, f"total of {kind}")
        sums[EntryKind(kind)] += amount
    return sums


@dataclass(frozen=True)
class Balances:
    """The totals of a fund year: allocated, committed and paid, in cents."""

    allocated: int = 0  # allocation + adjustment + carry_in
    committed: int = 0  # commitment - release
    paid: int = 0  # payment - refund

    @property
    def available(self) -> int:
        """Money not yet committed: allocated - committed."""
        return self.allocated - self.committed

    @classmethod
    def from_totals(cls, totals: Mapping[EntryKind | str, int | None]) -> Balances:
        """Build balances from per-kind sums, as ``SUM(amount_cents) GROUP BY kind`` gives them."""
        sums = _totals_by_kind(totals)
        return cls(
            allocated=sums[EntryKind.ALLOCATION]
            + sums[EntryKind.ADJUSTMENT]
            + sums[EntryKind.CARRY_IN],
            committed=sums[EntryKind.COMMITMENT] - sums[EntryKind.RELEASE],
            paid=sums[EntryKind.PAYMENT] - sums[EntryKind.REFUND],
        )


@dataclass(frozen=True)
class Account:
    """The money of one application within a fund year, in cents."""

    commitment: int = 0  # sum of commitments
    released: int = 0  # sum of releases
    paid: int = 0  # payments - refunds

    @property
    def committed(self) -> int:
        """What is still reserved for the application: commitment - released."""
        return self.commitment - self.released

    @property
    def open(self) -> int:
        """What is reserved but not yet paid: committed - paid."""
        return self.committed - self.paid

    @classmethod
    def from_totals(cls, totals: Mapping[EntryKind | str, int | None]) -> Account:
        """Build an account from one application's per-kind sums; fund kinds must not appear."""
        sums = _totals_by_kind(totals)
        stray = sorted(kind for kind in FUND_KINDS if sums[kind])
        if stray:
            # An allocation attached to an application means the query forgot a filter.
            raise ValueError(f"fund-level kinds in an application's totals: {stray}")
        return cls(
            commitment=sums[EntryKind.COMMITMENT],
            released=sums[EntryKind.RELEASE],
            paid=sums[EntryKind.PAYMENT] - sums[EntryKind.REFUND],
        )


def _sum_by_kind(entries: Iterable[Entry]) -> dict[EntryKind, int]:
    sums = dict.fromkeys(EntryKind, 0)
    for entry in entries:
        sums[entry.kind] += entry.amount_cents
    return sums


def balances(entries: Iterable[Entry]) -> Balances:
    """Compute a fund year's balances from all its entries."""
    return Balances.from_totals(_sum_by_kind(entries))


def account(entries: Iterable[Entry], application: str | int) -> Account:
    """Compute one application's account from the fund year's entries."""
    return Account.from_totals(
        _sum_by_kind(entry for entry in entries if entry.application == application)
    )


def check_booking(*, fund: Balances, account: Account | None, entry: Entry) -> None:
    """Refuse (BookingRefused) a booking that is malformed or would break an invariant of §5.

    ``account`` is the application's account before the booking (None for a fund-level entry or
    an application with no entries yet). Invariants: available >= 0 after every booking; per
    application paid <= committed and 0 <= released <= commitment.
    """
    kind, amount = entry.kind, entry.amount_cents

    if kind in APPLICATION_KINDS and entry.application is None:
        raise BookingRefused("booking.application_required", field="application", kind=str(kind))
    if kind in FUND_KINDS and entry.application is not None:
        raise BookingRefused("booking.application_not_allowed", field="application", kind=str(kind))
    if kind is EntryKind.ADJUSTMENT:
        if amount == 0:
            raise BookingRefused("booking.amount_zero", field="amount", kind=str(kind))
    elif amount <= 0:
        # Direction lives in the kind (release, refund), never in the sign, so the books read
        # the same way to everyone; only an adjustment may go either way.
        raise BookingRefused(
            "booking.amount_not_positive", field="amount", kind=str(kind), amount=amount
        )

    current = account if account is not None else Account()
    match kind:
        case EntryKind.ALLOCATION | EntryKind.CARRY_IN:
            pass  # only adds money
        case EntryKind.ADJUSTMENT:
            if fund.available + amount < 0:
                raise BookingRefused(
                    "booking.exceeds_available",
                    field="amount",
                    available=fund.available,
                    requested=-amount,
                )
        case EntryKind.COMMITMENT:
            if amount > fund.available:
                raise BookingRefused(
                    "booking.exceeds_available",
                    field="amount",
                    available=fund.available,
                    requested=amount,
                )
        case EntryKind.RELEASE:
            if current.released + amount > current.commitment:
                raise BookingRefused(
                    "booking.release_exceeds_commitment",
                    field="amount",
                    commitment=current.commitment,
                    released=current.released,
                    requested=amount,
                )
            if amount > current.open:
                # Releasing money already paid out would leave paid > committed.
                raise BookingRefused(
                    "booking.release_exceeds_open",
                    field="amount",
                    open=current.open,
                    paid=current.paid,
                    requested=amount,
                )
        case EntryKind.PAYMENT:
            if current.paid + amount > current.committed:
                raise BookingRefused(
                    "booking.paid_exceeds_committed",
                    field="amount",
                    committed=current.committed,
                    paid=current.paid,
                    open=current.open,
                    requested=amount,
                )
        case EntryKind.REFUND:
            if amount > current.paid:
                raise BookingRefused(
                    "booking.refund_exceeds_paid",
                    field="amount",
                    paid=current.paid,
                    requested=amount,
                )


def apply(fund: Balances, account: Account | None, entry: Entry) -> tuple[Balances, Account | None]:
    """Check a booking and return the fund's balances and the application's account after it."""
    check_booking(fund=fund, account=account, entry=entry)
    amount = entry.amount_cents
    current = account if account is not None else Account()
    match entry.kind:
        case EntryKind.ALLOCATION | EntryKind.ADJUSTMENT | EntryKind.CARRY_IN:
            # A fund-level entry leaves any account the caller passed untouched.
            return Balances(fund.allocated + amount, fund.committed, fund.paid), account
        case EntryKind.COMMITMENT:
            fund = Balances(fund.allocated, fund.committed + amount, fund.paid)
            return fund, Account(current.commitment + amount, current.released, current.paid)
        case EntryKind.RELEASE:
            fund = Balances(fund.allocated, fund.committed - amount, fund.paid)
            return fund, Account(current.commitment, current.released + amount, current.paid)
        case EntryKind.PAYMENT:
            fund = Balances(fund.allocated, fund.committed, fund.paid + amount)
            return fund, Account(current.commitment, current.released, current.paid + amount)
        case EntryKind.REFUND:
            fund = Balances(fund.allocated, fund.committed, fund.paid - amount)
            return fund, Account(current.commitment, current.released, current.paid - amount)
    raise AssertionError(f"unhandled kind {entry.kind!r}")  # pragma: no cover
