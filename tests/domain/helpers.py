"""Helpers only the domain tests use: an in-memory ledger step and a yes/no transition check."""

from __future__ import annotations

from dataclasses import replace

from juryfund.domain.budget import Account, Balances, Entry, EntryKind, Origin, check_booking
from juryfund.domain.errors import DomainError
from juryfund.domain.states import State, move


def apply(fund: Balances, account: Account | None, entry: Entry) -> tuple[Balances, Account | None]:
    """Check a booking and return the fund's balances and the application's account after it."""
    check_booking(fund=fund, account=account, entry=entry)
    amount = entry.amount_cents
    current = account if account is not None else Account()
    c, r, p = current.commitment, current.released, current.paid
    match entry.kind:
        case EntryKind.ALLOCATION | EntryKind.ADJUSTMENT | EntryKind.CARRY_IN:
            # A fund-level entry leaves any account the caller passed untouched.
            return replace(fund, allocated=fund.allocated + amount), account
        case EntryKind.CARRY_OUT:
            return replace(fund, carried_out=fund.carried_out + amount), account
        case EntryKind.LAPSE:
            return replace(fund, lapsed=fund.lapsed + amount), account
        case EntryKind.COMMITMENT:
            return replace(fund, committed=fund.committed + amount), Account(c + amount, r, p)
        case EntryKind.RELEASE:
            return replace(fund, committed=fund.committed - amount), Account(c, r + amount, p)
        case EntryKind.PAYMENT:
            return replace(fund, paid=fund.paid + amount), Account(c, r, p + amount)
        case EntryKind.REFUND:
            return replace(fund, paid=fund.paid - amount), Account(c, r, p - amount)
        case EntryKind.RETURN:
            paid_back = amount if entry.origin is Origin.REFUND else 0
            return (
                replace(fund, returned=fund.returned + amount),
                Account(c, r + amount, p - paid_back),
            )
    raise AssertionError(f"unhandled kind {entry.kind!r}")  # pragma: no cover


def can_move(current: State | str, target: State | str) -> bool:
    """Tell whether the table allows moving from ``current`` to ``target`` (unknown states: no)."""
    # move refuses a forbidden step with InvalidTransition and an unknown state with a plain
    # DomainError; both mean "no" here.
    try:
        move(current, target)
    except DomainError:
        return False
    return True
