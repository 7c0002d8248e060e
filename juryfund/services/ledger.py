"""Bookings in a fund year: lock the year, check the invariants in the domain, then write."""

from __future__ import annotations

from sqlalchemy import func, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..domain.actors import SYSTEM, Actor
from ..domain.budget import (
    APPLICATION_KINDS,
    Account,
    Balances,
    Entry,
    EntryKind,
    Origin,
    Routed,
    Target,
    check_booking,
    route_money_back,
    route_payment,
)
from ..domain.errors import BookingRefused, DomainError
from ..extensions import db
from ..infra import audit, clock
from ..infra.reconcile import BOOKING_FIELDS
from ..models import Application, Fund, FundYear, LedgerEntry


def entries_of(fund_year_id: int) -> list[LedgerEntry]:
    """Every booking of a fund year, newest first, with the application and actor it names."""
    return list(
        db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.fund_year_id == fund_year_id)
            .order_by(LedgerEntry.id.desc())
            .options(joinedload(LedgerEntry.application), joinedload(LedgerEntry.actor))
        )
    )


def fund_year_of(application: Application) -> FundYear | None:
    """The fund year that holds an application's commitment (None before approval)."""
    return db.session.scalar(
        select(FundYear)
        .join(LedgerEntry, LedgerEntry.fund_year_id == FundYear.id)
        .where(
            LedgerEntry.application_id == application.id,
            LedgerEntry.kind == EntryKind.COMMITMENT.value,
        )
        .order_by(LedgerEntry.id)
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
    """Committed, released and paid money of one application, over all fund years."""
    rows = db.session.execute(
        select(LedgerEntry.kind, LedgerEntry.origin, func.sum(LedgerEntry.amount_cents))
        .where(LedgerEntry.application_id == application_id)
        .group_by(LedgerEntry.kind, LedgerEntry.origin)
    )
    totals: dict[str, int] = {}
    refunds_returned = 0
    for kind, origin, total in rows:
        totals[kind] = totals.get(kind, 0) + int(total)
        if kind == EntryKind.RETURN and origin == Origin.REFUND:
            refunds_returned += int(total)
    return Account.from_totals(totals, refunds_returned=refunds_returned)


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


def lock_fund(fund_id: int) -> None:
    """Serialise the opening and closing of a fund's years for the rest of the transaction.

    Taken before any of the fund's year locks (services.locks: the fund comes before its
    years). A write that changes nothing: on PostgreSQL it holds the row like FOR NO KEY UPDATE,
    which leaves the foreign-key checks of new rows naming the fund (an application, a year
    made for a booking) free to go on; on SQLite it takes the database write lock.
    """
    db.session.execute(text('UPDATE "fund" SET id = id WHERE id = :id'), {"id": fund_id})


def check_form_unused(form_key: str | None) -> None:
    """Refuse a staff form that booked money already (sent twice: a double click, a browser
    sending it again). Read under the lock the booking takes; a unique index holds it too."""
    if form_key and db.session.scalar(
        select(LedgerEntry.id).where(LedgerEntry.form_key == form_key).limit(1)
    ):
        raise BookingRefused("booking.already_sent")


def has_allocation(fund_year_id: int) -> bool:
    """Whether the fund year's allocation is booked."""
    return (
        db.session.scalar(
            select(LedgerEntry.id)
            .where(
                LedgerEntry.fund_year_id == fund_year_id,
                LedgerEntry.kind == EntryKind.ALLOCATION.value,
            )
            .limit(1)
        )
        is not None
    )


def book(
    fund_year: FundYear,
    kind: EntryKind | str,
    amount_cents: int,
    *,
    application: Application | None = None,
    note: str = "",
    actor: Actor = SYSTEM,
    payment_type: str | None = None,
    decision_id: int | None = None,
    origin: Origin | None = None,
    form_key: str | None = None,
) -> LedgerEntry:
    """Write one ledger entry after checking every invariant against fresh, locked balances.

    `form_key`: the key of the staff form that books it; a form already booked is refused.
    """
    kind = EntryKind(kind)
    locked = lock_fund_year(fund_year.id)
    check_form_unused(form_key)
    if locked.closed_at is not None:
        # A closed year's figures are final (DESIGN.md §5): what happens later to its projects'
        # money is booked in the fund's open year (route_payment, route_money_back). A database
        # trigger refuses it too (models.guards).
        raise BookingRefused("booking.year_closed", field="amount", year=locked.year)
    if kind is EntryKind.ADJUSTMENT and not note.strip():
        raise BookingRefused("booking.reason_required", field="note")
    if kind is EntryKind.ALLOCATION and has_allocation(locked.id):
        # A year's money is allocated once (a unique index holds it too); more goes in as an
        # adjustment, with its reason.
        raise BookingRefused("fund_year.exists", field="year")
    account = account_of(application.id) if application is not None else None
    check_booking(
        fund=balances_of(locked.id),
        account=account,
        entry=Entry(
            kind, amount_cents, application.id if application is not None else None, origin
        ),
    )
    entry = LedgerEntry(
        fund_year_id=locked.id,
        kind=kind.value,
        amount_cents=amount_cents,
        application_id=application.id if application is not None else None,
        payment_type=payment_type,
        origin=origin.value if origin is not None else None,
        note=note.strip(),
        actor_id=actor.staff_id,
        decision_id=decision_id,
        form_key=form_key,
    )
    db.session.add(entry)
    db.session.flush()
    audit.record_about(
        entry, "booking", actor=actor, area_id=locked.fund.area_id, columns=BOOKING_FIELDS
    )
    return entry


# --- the year a booking belongs to (DESIGN.md §5, domain.budget.route_*) -----------------------


def running_year(fund: Fund) -> FundYear | None:
    """The open year that takes a closed year's money now, if there is one (nothing is made).

    Today's year; until it exists (New Year before the budget is opened), the fund's latest
    open year before it, whose books still run. Payments of a closed year's projects are booked
    there and its bank list shows them (services.payments.payment_list): the two agree.
    """
    today = clock.area_today(fund.area).year
    return db.session.scalar(
        select(FundYear)
        .where(FundYear.fund_id == fund.id, FundYear.year <= today, FundYear.closed_at.is_(None))
        .order_by(FundYear.year.desc())
        .limit(1)
    )


def current_fund_year(fund: Fund) -> FundYear:
    """The running year (see running_year) locked, or today's year made when there is none.

    Money of a closed year's projects that moves later needs a year to be booked in even
    before the QM team has allocated the new year's budget. The year is locked before it is
    returned: a close of it running at the same moment finishes first, and the next open year
    is taken instead. A closed current year cannot happen (only past years close), but is
    refused all the same.
    """
    while (running := running_year(fund)) is not None:
        locked = lock_fund_year(running.id)
        if locked.closed_at is None:
            return locked
    year = clock.area_today(fund.area).year
    fund_year = year_of_fund(fund.id, year)
    if fund_year.closed_at is not None:
        raise BookingRefused("booking.year_closed", field="amount", year=year)
    return fund_year


def keep_transfer_listed(application: Application) -> None:
    """Make sure an approved transfer of this project stands on a bank list: once the
    commitment's year is closed it is listed on the running year, made here when there is none.

    The commitment's year is locked first (lock order: application, fund year): a close of it
    at the same moment either finishes before and is seen here, or waits and then sees the
    approved request (services.books.close_year makes the running year then).
    """
    own = _commitment_year(application)
    if own.closed_at is not None:
        current_fund_year(application.fund)


def year_of_fund(fund_id: int, year: int) -> FundYear:
    """A fund's year, made (without money) when it does not exist yet."""
    query = select(FundYear).where(FundYear.fund_id == fund_id, FundYear.year == year)
    fund_year = db.session.scalar(query)
    if fund_year is None:
        _check_after_closed_years(fund_id, year)
        try:
            with db.session.begin_nested():  # another request may be making it right now
                fund_year = FundYear(fund_id=fund_id, year=year)
                db.session.add(fund_year)
        except IntegrityError:
            fund_year = db.session.scalar(query)
            if fund_year is None:  # not made by another request after all: a real error
                raise
    return fund_year


def _check_after_closed_years(fund_id: int, year: int) -> None:
    """Refuse making a year before a closed year of the fund, as setup.open_fund_year does (a
    database trigger refuses the row too, models.guards): its rest could never be carried or
    closed into the closed year after it."""
    closed = db.session.scalar(
        select(func.max(FundYear.year)).where(
            FundYear.fund_id == fund_id, FundYear.closed_at.is_not(None)
        )
    )
    if closed is not None and closed > year:
        raise DomainError("fund_year.before_closed", field="year", closed=closed)


def _commitment_year(application: Application) -> FundYear:
    """The fund year holding the application's commitment, locked (refused before approval).

    Locked before the route is chosen: a close of that year running at the same moment
    finishes first, and the money then goes to the open year instead.
    """
    fund_year = fund_year_of(application)
    if fund_year is None:
        raise BookingRefused("booking.no_commitment", field="amount")
    return lock_fund_year(fund_year.id)


def _paid_in(fund_year: FundYear, application: Application) -> int:
    """What the fund year paid the application: its payments there less its refunds there."""
    rows = db.session.execute(
        select(LedgerEntry.kind, func.sum(LedgerEntry.amount_cents))
        .where(
            LedgerEntry.fund_year_id == fund_year.id,
            LedgerEntry.application_id == application.id,
            LedgerEntry.kind.in_((EntryKind.PAYMENT.value, EntryKind.REFUND.value)),
        )
        .group_by(LedgerEntry.kind)
    )
    sums = {kind: int(total) for kind, total in rows}
    return sums.get(EntryKind.PAYMENT.value, 0) - sums.get(EntryKind.REFUND.value, 0)


def _book_routed(
    application: Application,
    routed: list[Routed],
    own: FundYear,
    *,
    note: str,
    actor: Actor,
    payment_type: str | None = None,
    decision_id: int | None = None,
    form_key: str | None = None,
) -> list[LedgerEntry]:
    """Write the entries the domain routed, each into its year (the form's key on the first)."""
    entries: list[LedgerEntry] = []
    for step in routed:
        target = own if step.target is Target.OWN else current_fund_year(application.fund)
        names_application = step.kind in APPLICATION_KINDS
        entries.append(
            book(
                target,
                step.kind,
                step.amount_cents,
                application=application if names_application else None,
                # A lapse names no application; its note says whose money came back.
                note=note if names_application else f"{application.reference}: {note}".strip(": "),
                actor=actor,
                payment_type=payment_type if step.kind is EntryKind.PAYMENT else None,
                decision_id=decision_id,
                origin=step.origin,
                form_key=None if entries else form_key,
            )
        )
    return entries


def pay(
    application: Application,
    amount_cents: int,
    *,
    payment_type: str,
    note: str = "",
    actor: Actor,
    form_key: str | None = None,
) -> LedgerEntry:
    """Book a payment to the applicant in the commitment's year, or once it closed in the running
    year (running_year), whose bank list shows the transfer."""
    own = _commitment_year(application)
    routed = route_payment(amount_cents, own_year_closed=own.closed_at is not None)
    [entry] = _book_routed(
        application,
        routed,
        own,
        note=note,
        actor=actor,
        payment_type=payment_type,
        form_key=form_key,
    )
    return entry


def money_back(
    application: Application,
    kind: EntryKind,
    amount_cents: int,
    *,
    note: str = "",
    actor: Actor,
    release_refund: bool = False,
    decision_id: int | None = None,
    form_key: str | None = None,
) -> list[LedgerEntry]:
    """Book a release or a refund where it belongs: in the commitment's year while it is open,
    else as a return into the running open year (lapsing there unless the fund carries over).

    A refund of money the running year paid out (once the commitment's year closed) is booked
    there as a refund, beside the return of the commitment (domain.budget.route_money_back).
    """
    own = _commitment_year(application)
    own_year_closed = own.closed_at is not None
    paid_from_current = 0
    if own_year_closed and EntryKind(kind) is EntryKind.REFUND:
        paid_from_current = _paid_in(current_fund_year(application.fund), application)
    routed = route_money_back(
        kind,
        amount_cents,
        own_year_closed=own_year_closed,
        carry_over=application.fund.carry_over,
        release_refund=release_refund,
        paid_from_current=paid_from_current,
    )
    return _book_routed(
        application, routed, own, note=note, actor=actor, decision_id=decision_id, form_key=form_key
    )
