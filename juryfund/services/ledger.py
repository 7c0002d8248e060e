"""Bookings in a fund year: lock the year, check the invariants in the domain, then write."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload

from .. import audit
from ..domain.budget import Account, Balances, Entry, EntryKind, check_booking
from ..domain.errors import BookingRefused
from ..extensions import db
from ..models import Application, FundYear, LedgerEntry, StaffUser

#: Entry kinds a closed fund year refuses.
NEW_MONEY_KINDS = frozenset({EntryKind.ALLOCATION, EntryKind.ADJUSTMENT, EntryKind.CARRY_IN, EntryKind.COMMITMENT})


def entries_of(fund_year_id: int) -> list[LedgerEntry]:
    """Every booking of a fund year, newest first, with the application and actor it names."""
    return list(db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.fund_year_id == fund_year_id).order_by(LedgerEntry.id.desc())
        .options(joinedload(LedgerEntry.application), joinedload(LedgerEntry.actor))
    ))


def fund_year_of(application: Application) -> FundYear | None:
    """The fund year that holds an application's commitment (None before approval)."""
    return db.session.scalar(
        select(FundYear).join(LedgerEntry, LedgerEntry.fund_year_id == FundYear.id)
        .where(LedgerEntry.application_id == application.id, LedgerEntry.kind == EntryKind.COMMITMENT.value)
        .limit(1)
    )


def balances_of(fund_year_id: int) -> Balances:
    """Allocated / committed / paid / available of a fund year, summed in the database."""
    rows = db.session.execute(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.fund_year_id == fund_year_id)
        .group_by(LedgerEntry.kind)
    )
    return Balances.from_totals({kind: int(total) for kind, total in rows})


def balances_by_year(fund_year_ids: list[int]) -> dict[int, Balances]:
    """Balances of several fund years in one query (for list pages)."""
    totals: dict[int, dict[str, int]] = {fid: {} for fid in fund_year_ids}
    if fund_year_ids:
        rows = db.session.execute(
            select(LedgerEntry.fund_year_id, LedgerEntry.kind, func.sum(LedgerEntry.amount_cents))
            .where(LedgerEntry.fund_year_id.in_(fund_year_ids))
            .group_by(LedgerEntry.fund_year_id, LedgerEntry.kind)
        )
        for fund_year_id, kind, total in rows:
            totals[fund_year_id][kind] = int(total)
    return {fid: Balances.from_totals(kinds) for fid, kinds in totals.items()}


def account_of(application_id: int) -> Account:
    """Committed, released and paid money of one application."""
    rows = db.session.execute(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.application_id == application_id)
        .group_by(LedgerEntry.kind)
    )
    return Account.from_totals({kind: int(total) for kind, total in rows})


def lock_fund_year(fund_year_id: int) -> FundYear:
    """Serialise bookings on one fund year for the rest of the transaction.

    The first statement is a write to the fund-year row: on PostgreSQL it holds the row lock
    (like SELECT … FOR UPDATE) until commit; on SQLite it takes the database write lock, which
    pysqlite's deferred BEGIN otherwise takes only later (the effect of BEGIN IMMEDIATE). A
    second booking waits there, and every balance is read after the lock.
    """
    db.session.execute(
        update(FundYear).where(FundYear.id == fund_year_id).values(version=FundYear.version + 1)
    )
    return db.session.scalars(
        select(FundYear)
        .where(FundYear.id == fund_year_id)
        .execution_options(populate_existing=True)
    ).one()


def book(
    fund_year: FundYear,
    kind: EntryKind | str,
    amount_cents: int,
    *,
    application: Application | None = None,
    note: str = "",
    actor: StaffUser | None = None,
    payment_type: str | None = None,
    decision_id: int | None = None,
) -> LedgerEntry:
    """Write one ledger entry after checking every invariant against fresh, locked balances."""
    kind = EntryKind(kind)
    locked = lock_fund_year(fund_year.id)
    if locked.closed_at is not None and kind in NEW_MONEY_KINDS:
        # A closed year takes no new money or commitments; payments, refunds and releases of
        # projects approved in it still follow, as projects often end after the year does.
        raise BookingRefused("booking.year_closed", field="amount", year=locked.year)
    if kind is EntryKind.ADJUSTMENT and not note.strip():
        raise BookingRefused("booking.reason_required", field="note")
    account = account_of(application.id) if application is not None else None
    check_booking(
        fund=balances_of(locked.id),
        account=account,
        entry=Entry(kind, amount_cents, application.id if application is not None else None),
    )
    entry = LedgerEntry(
        fund_year_id=locked.id,
        kind=kind.value,
        amount_cents=amount_cents,
        application_id=application.id if application is not None else None,
        payment_type=payment_type,
        note=note.strip(),
        actor_id=actor.id if actor is not None else None,
        decision_id=decision_id,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record(
        "booking",
        actor=f"staff:{actor.id}" if actor is not None else audit.actor_for_request(),
        object_type="ledger_entry",
        object_id=entry.id,
        area_id=locked.fund.area_id,
        fund_year_id=locked.id,
        kind=entry.kind,
        amount_cents=entry.amount_cents,
        application_id=entry.application_id,
        decision_id=entry.decision_id,
        payment_type=entry.payment_type,
    )
    return entry
