"""The books of a fund year: ledger entry kinds, balances and the invariants of a booking (§5).

Entries are never edited or deleted; a correction is a new entry. The database keeps the entries
and sums them (``SUM(amount_cents) ... GROUP BY kind``); this module turns those sums into
balances and decides whether one more booking is allowed. All amounts are integer cents.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import NoReturn, TypeAlias

from .errors import BookingRefused

__all__ = [
    "APPLICATION_KINDS",
    "FUND_KINDS",
    "Account",
    "Balances",
    "Entry",
    "EntryKind",
    "KindTotals",
    "Origin",
    "Routed",
    "Target",
    "account",
    "balances",
    "check_booking",
    "close_entries",
    "route_money_back",
    "route_payment",
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
    CARRY_OUT = "carry_out"  # at year close: unspent money moved into the next year
    LAPSE = "lapse"  # unspent money that goes back to the funder
    RETURN = "return"  # money of a closed year's commitment that came back in an open year


class Origin(StrEnum):
    """Where a RETURN came from: an unspent commitment, or money the applicant paid back."""

    RELEASE = "release"
    REFUND = "refund"


#: Kinds that change the fund year's budget; they never name an application.
FUND_KINDS: frozenset[EntryKind] = frozenset(
    {
        EntryKind.ALLOCATION,
        EntryKind.ADJUSTMENT,
        EntryKind.CARRY_IN,
        EntryKind.CARRY_OUT,
        # A lapse names no application: after a RETURN in a fund without carry-over the lapse
        # beside it says in its note which project the money came from.
        EntryKind.LAPSE,
    }
)
#: Kinds that concern the money of one application; they always name it.
APPLICATION_KINDS: frozenset[EntryKind] = frozenset(
    {EntryKind.COMMITMENT, EntryKind.RELEASE, EntryKind.PAYMENT, EntryKind.REFUND, EntryKind.RETURN}
)

#: Per-kind sums, keyed by the kind or by its stored value (``SUM(...) GROUP BY kind`` rows give
#: strings); a kind with no rows may be missing or None. Two mappings, because a mapping's key
#: type is invariant: a ``dict[EntryKind, int]`` is not a ``Mapping[str, int]``.
KindTotals: TypeAlias = Mapping[EntryKind, int | None] | Mapping[str, int | None]


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
    #: For a RETURN only: whether unspent commitment or a refund came back.
    origin: Origin | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EntryKind(self.kind))
        if self.origin is not None:
            object.__setattr__(self, "origin", Origin(self.origin))
        _check_cents(self.amount_cents, "amount_cents")


def _totals_by_kind(totals: KindTotals) -> dict[EntryKind, int]:
    sums = dict.fromkeys(EntryKind, 0)
    for kind, amount in totals.items():
        if amount is None:  # SUM() over no rows is NULL
            continue
        _check_cents(amount, f"total of {kind}")
        sums[EntryKind(kind)] += amount
    return sums


@dataclass(frozen=True)
class Balances:
    """The totals of a fund year, in cents.

    An open year shows allocated / committed / paid / available; a closed year shows allocated /
    committed / paid and what lapsed or was carried, and its available is zero by construction
    (the close books the unspent rest as LAPSE or CARRY_OUT).
    """

    allocated: int = 0  # allocation + adjustment + carry_in
    committed: int = 0  # commitment - release
    paid: int = 0  # payment - refund
    returned: int = 0  # money of closed years' commitments that came back into this year
    lapsed: int = 0  # money given back to the funder
    carried_out: int = 0  # unspent money moved into the next year at close

    @property
    def available(self) -> int:
        """Money not yet committed, lapsed or carried away."""
        return self.allocated + self.returned - self.committed - self.lapsed - self.carried_out

    @property
    def lapsed_or_carried(self) -> int:
        """Money the year gave up: lapsed to the funder or carried into the next year."""
        return self.lapsed + self.carried_out

    @classmethod
    def from_totals(cls, totals: KindTotals) -> Balances:
        """Build balances from per-kind sums, as ``SUM(amount_cents) GROUP BY kind`` gives them."""
        sums = _totals_by_kind(totals)
        return cls(
            allocated=sums[EntryKind.ALLOCATION]
            + sums[EntryKind.ADJUSTMENT]
            + sums[EntryKind.CARRY_IN],
            committed=sums[EntryKind.COMMITMENT] - sums[EntryKind.RELEASE],
            paid=sums[EntryKind.PAYMENT] - sums[EntryKind.REFUND],
            returned=sums[EntryKind.RETURN],
            lapsed=sums[EntryKind.LAPSE],
            carried_out=sums[EntryKind.CARRY_OUT],
        )

    def __add__(self, other: Balances) -> Balances:
        """Totals of several fund years or funds, field by field."""
        return Balances(
            self.allocated + other.allocated,
            self.committed + other.committed,
            self.paid + other.paid,
            self.returned + other.returned,
            self.lapsed + other.lapsed,
            self.carried_out + other.carried_out,
        )


@dataclass(frozen=True)
class Account:
    """The money of one application over all fund years, in cents."""

    commitment: int = 0  # sum of commitments
    released: int = 0  # releases, and returns of money after its year closed
    paid: int = 0  # payments - refunds - refunds that came back after the year closed

    @property
    def committed(self) -> int:
        """What is still reserved for the application: commitment - released."""
        return self.commitment - self.released

    @property
    def open(self) -> int:
        """What is reserved but not yet paid: committed - paid."""
        return self.committed - self.paid

    @classmethod
    def from_totals(cls, totals: KindTotals, *, refunds_returned: int = 0) -> Account:
        """Build an account from one application's per-kind sums; fund kinds must not appear.

        ``refunds_returned`` is the part of the RETURN total whose origin is a refund: that
        money was paid out and came back, so it lowers what was paid as well.
        """
        sums = _totals_by_kind(totals)
        stray = sorted(kind for kind in FUND_KINDS if sums[kind])
        if stray:
            # An allocation attached to an application means the query forgot a filter.
            raise ValueError(f"fund-level kinds in an application's totals: {stray}")
        _check_cents(refunds_returned, "refunds_returned")
        return cls(
            commitment=sums[EntryKind.COMMITMENT],
            released=sums[EntryKind.RELEASE] + sums[EntryKind.RETURN],
            paid=sums[EntryKind.PAYMENT] - sums[EntryKind.REFUND] - refunds_returned,
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
    """Compute one application's account from its entries (of any fund year)."""
    own = [entry for entry in entries if entry.application == application]
    refunds_returned = sum(
        e.amount_cents for e in own if e.kind is EntryKind.RETURN and e.origin is Origin.REFUND
    )
    return Account.from_totals(_sum_by_kind(own), refunds_returned=refunds_returned)


def check_booking(*, fund: Balances, account: Account | None, entry: Entry) -> None:
    """Refuse (BookingRefused) a booking that is malformed or would break an invariant of §5.

    ``account`` is the application's account before the booking (None for a fund-level entry or
    an application with no entries yet). Invariants: available >= 0 after every booking; per
    application paid <= committed and 0 <= released <= commitment; and a cut never leaves the
    year's allocated (allocation + adjustments + carry-in) below zero.
    """
    kind, amount = entry.kind, entry.amount_cents

    if kind in APPLICATION_KINDS and entry.application is None:
        raise BookingRefused("booking.application_required", field="application", kind=str(kind))
    if kind in FUND_KINDS and entry.application is not None:
        raise BookingRefused("booking.application_not_allowed", field="application", kind=str(kind))
    if (kind is EntryKind.RETURN) != (entry.origin is not None):
        raise BookingRefused("booking.origin", field="amount", kind=str(kind))
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
            # Only a cut can overdraw the fund; it takes -amount from what is available, and
            # never more than the year's own money (returned money counts as available, but a
            # cut of it would show a negative allocation). The tighter bound is named first.
            if amount < 0:
                if fund.allocated < fund.available:
                    _check_allocated(fund, -amount)
                _check_available(fund, -amount)
                _check_allocated(fund, -amount)
        case EntryKind.COMMITMENT | EntryKind.LAPSE | EntryKind.CARRY_OUT:
            _check_available(fund, amount)
        case EntryKind.RELEASE:
            _check_release(current, amount)
        case EntryKind.RETURN if entry.origin is Origin.RELEASE:
            _check_release(current, amount)
        case EntryKind.PAYMENT:
            if current.paid + amount > current.committed:
                _refuse(
                    "booking.paid_exceeds_committed",
                    amount,
                    committed=current.committed,
                    paid=current.paid,
                    open=current.open,
                )
        case EntryKind.REFUND | EntryKind.RETURN:
            # A refund after the year closed lowers paid and committed together (the money
            # leaves the project), so paid <= committed keeps holding.
            if amount > current.paid:
                _refuse("booking.refund_exceeds_paid", amount, paid=current.paid)


def _refuse(reason: str, requested: int, **figures: int) -> NoReturn:
    """Refuse an amount that breaks an invariant, with the figures the message shows."""
    # Every such refusal concerns the amount field and ends with the amount asked for.
    raise BookingRefused(reason, field="amount", **figures, requested=requested)


def _check_available(fund: Balances, requested: int) -> None:
    """Taking ``requested`` out of the fund year never leaves less than nothing available."""
    if requested > fund.available:
        _refuse("booking.exceeds_available", requested, available=fund.available)


def _check_allocated(fund: Balances, cut: int) -> None:
    """A cut never takes allocation + adjustments + carry-in below zero."""
    if cut > fund.allocated:
        _refuse("booking.allocated_below_zero", cut, at_most=max(fund.allocated, 0))


def _check_release(current: Account, amount: int) -> None:
    """A release never exceeds what was committed, nor what is committed and still unpaid."""
    if current.released + amount > current.commitment:
        _refuse(
            "booking.release_exceeds_commitment",
            amount,
            commitment=current.commitment,
            released=current.released,
        )
    if amount > current.open:
        # Releasing money already paid out would leave paid > committed.
        _refuse("booking.release_exceeds_open", amount, open=current.open, paid=current.paid)


# --- money after a fund year has closed (DESIGN.md §5) ------------------------------------------


class Target(StrEnum):
    """The fund year a booking goes to."""

    OWN = "own"  # the year that holds the application's commitment
    CURRENT = "current"  # the fund's open year of today


@dataclass(frozen=True)
class Routed:
    """One entry to write: kind, amount, the year it goes to and, for a RETURN, its origin."""

    kind: EntryKind
    amount_cents: int
    target: Target
    origin: Origin | None = None


def route_payment(amount_cents: int, *, own_year_closed: bool) -> list[Routed]:
    """A payment goes to the commitment's year while it is open, else to today's open year.

    A closed year's figures are final; money paid out later is cash of the year it leaves in.
    """
    target = Target.CURRENT if own_year_closed else Target.OWN
    return [Routed(EntryKind.PAYMENT, amount_cents, target)]


def route_money_back(
    kind: EntryKind | str,
    amount_cents: int,
    *,
    own_year_closed: bool,
    carry_over: bool,
    release_refund: bool = False,
    paid_from_current: int = 0,
) -> list[Routed]:
    """Where money that comes back (RELEASE of a commitment, REFUND of a payment) is booked.

    While the commitment's year is open, in that year; ``release_refund`` also releases a
    refund (the project is settled or cancelled, so the money is no longer committed to it).
    Once the year is closed, never in it: in today's open year as a RETURN, which the fund
    keeps when it carries money over and which otherwise lapses at once (back to the funder).

    A refund of money paid out of today's open year (``paid_from_current``: the application's
    payments less refunds booked there, route_payment) is cash of that year: it is booked there
    as a REFUND, so the year's paid nets it as its payments list does, and the commitment it
    leaves the closed year with comes back as a RETURN of origin release. Only money paid while
    the closed year was open (or from another closed year) comes back as a RETURN of a refund.
    """
    kind = EntryKind(kind)
    if kind not in (EntryKind.RELEASE, EntryKind.REFUND):
        raise ValueError(f"{kind} is not money coming back")
    _check_cents(paid_from_current, "paid_from_current")
    if not own_year_closed:
        routed = [Routed(kind, amount_cents, Target.OWN)]
        if kind is EntryKind.REFUND and release_refund:
            routed.append(Routed(EntryKind.RELEASE, amount_cents, Target.OWN))
        return routed
    if kind is EntryKind.RELEASE:
        routed = [Routed(EntryKind.RETURN, amount_cents, Target.CURRENT, Origin.RELEASE)]
    else:
        # The latest money out comes back first: what today's open year paid, then the rest.
        netted = min(amount_cents, max(paid_from_current, 0))
        rest = amount_cents - netted
        routed = []
        if netted:
            routed.append(Routed(EntryKind.REFUND, netted, Target.CURRENT))
            routed.append(Routed(EntryKind.RETURN, netted, Target.CURRENT, Origin.RELEASE))
        if rest or not netted:
            routed.append(Routed(EntryKind.RETURN, rest, Target.CURRENT, Origin.REFUND))
    if not carry_over:
        routed.append(Routed(EntryKind.LAPSE, amount_cents, Target.CURRENT))
    return routed


def close_entries(unspent_cents: int, *, carry_over: bool) -> list[Routed]:
    """What closing a year books: its unspent rest lapses, or is carried into the next year.

    OWN is the closing year; CURRENT here stands for the following year (which takes the
    CARRY_IN). Nothing is booked when nothing is left.
    """
    _check_cents(unspent_cents, "unspent_cents")
    if unspent_cents < 0:
        raise ValueError("a fund year never has less than nothing available")
    if unspent_cents == 0:
        return []
    if carry_over:
        return [
            Routed(EntryKind.CARRY_OUT, unspent_cents, Target.OWN),
            Routed(EntryKind.CARRY_IN, unspent_cents, Target.CURRENT),
        ]
    return [Routed(EntryKind.LAPSE, unspent_cents, Target.OWN)]
