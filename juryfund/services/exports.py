"""Rows of the staff's downloads for the accounts and the funder: bookings, payments, grants.

Each list is read with one query, whatever its length, and is fetched in batches so a long year
does not sit in memory twice (web.spreadsheets writes the rows as they come). Rows are plain
dictionaries keyed like the columns the web layer declares, with money as integer cents and
moments as the area's calendar days.

The grants list (Berlin's § 44 LHO transparency list, "Zuwendungen an juristische Personen")
names organisations only: the application tells a private person from a group by its
``applicant_kind``; ``initiative`` and ``association`` are groups (transparency.GROUP_KINDS) and
are listed under their organisation's name. A group without an organisation name (or whose
personal data was erased) is left out, because its only name would be a private person's.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.orm import aliased

from ..domain.budget import EntryKind, Origin
from ..extensions import db
from ..infra import clock
from ..models import Application, Fund, FundYear, LedgerEntry, StaffUser
from .transparency import GROUP_KINDS

#: Rows are fetched from the database this many at a time while a download is written.
BATCH = 500

Row = dict[str, Any]

#: Bookings where money moves between the fund and an applicant (the payments list): payouts,
#: refunds, and refunds that came in after their commitment's year closed. Those are booked as a
#: RETURN of origin "refund" in the open year (DESIGN.md §5), and are cash all the same: the
#: list is what the QM team reconciles with the bank statement.
CASH_ENTRIES = or_(
    LedgerEntry.kind.in_((EntryKind.PAYMENT.value, EntryKind.REFUND.value)),
    and_(
        LedgerEntry.kind == EntryKind.RETURN.value,
        LedgerEntry.origin == Origin.REFUND.value,
    ),
)


def _recipient(kind: str, name: str, organisation: str) -> str:
    """Who a booking concerns, as the accounts know them: the organisation, else the person."""
    organisation = (organisation or "").strip()
    if kind in GROUP_KINDS and organisation:
        return organisation
    return ", ".join(part for part in ((name or "").strip(), organisation) if part)


def _day(moment: datetime, timezone: str) -> Any:
    """The calendar day of a booking in the area's time zone (the day the QM team booked it)."""
    return clock.local_day(moment, timezone)


def _entries_select(fund_year: FundYear, only: ColumnElement[bool] | None = None) -> Any:
    """The bookings of a fund year with application and actor, oldest first, in one query."""
    actor = aliased(StaffUser)
    query = (
        select(
            LedgerEntry.id,
            LedgerEntry.at,
            LedgerEntry.kind,
            LedgerEntry.payment_type,
            LedgerEntry.origin,
            LedgerEntry.amount_cents,
            LedgerEntry.note,
            Application.reference,
            Application.title,
            Application.applicant_kind,
            Application.applicant_name,
            Application.organisation,
            actor.name.label("actor_name"),
        )
        .select_from(LedgerEntry)
        .outerjoin(Application, Application.id == LedgerEntry.application_id)
        .outerjoin(actor, actor.id == LedgerEntry.actor_id)
        .where(LedgerEntry.fund_year_id == fund_year.id)
        .order_by(LedgerEntry.id)
    )
    if only is not None:
        query = query.where(only)
    return query.execution_options(yield_per=BATCH)


def iter_bookings(fund_year: FundYear) -> Iterator[Row]:
    """Every booking of the fund year, oldest first, each its own row (corrections included).

    Keys: number, day, kind, payment_type, origin, amount_cents, reference, recipient, title,
    note, actor. An adjustment's amount is signed; every other booking's is positive and its
    kind says which way the money went.
    """
    timezone = fund_year.fund.area.timezone
    for row in db.session.execute(_entries_select(fund_year)):
        yield {
            "number": row.id,
            "day": _day(row.at, timezone),
            "kind": row.kind,
            "payment_type": row.payment_type,
            "origin": row.origin,
            "amount_cents": row.amount_cents,
            "reference": row.reference or "",
            "recipient": (
                _recipient(row.applicant_kind, row.applicant_name, row.organisation)
                if row.reference
                else ""
            ),
            "title": row.title or "",
            "note": row.note or "",
            "actor": row.actor_name or "",
        }


def iter_payments(fund_year: FundYear) -> Iterator[Row]:
    """The money paid to applicants and paid back by them in the fund year, oldest first.

    Keys as iter_bookings, plus paid_out_cents and paid_back_cents (one of them 0), so a
    spreadsheet sums each column without reading the kind. Money paid back after its year
    closed (a return from a refund) is listed as paid back in the year it came in.
    """
    timezone = fund_year.fund.area.timezone
    for row in db.session.execute(_entries_select(fund_year, CASH_ENTRIES)):
        paid_out = row.kind == EntryKind.PAYMENT.value
        yield {
            "number": row.id,
            "day": _day(row.at, timezone),
            "kind": row.kind,
            "payment_type": row.payment_type,
            "reference": row.reference or "",
            "recipient": _recipient(row.applicant_kind, row.applicant_name, row.organisation),
            "title": row.title or "",
            "note": row.note or "",
            "paid_out_cents": row.amount_cents if paid_out else 0,
            "paid_back_cents": 0 if paid_out else row.amount_cents,
        }


def iter_grants(fund_year: FundYear) -> Iterator[Row]:
    """The year's grants to organisations (§ 44 LHO list), by recipient name.

    A grant belongs to the year its commitment was booked in; its amount is what stays granted
    (that year's commitment less its releases, and less the returns booked in the fund's later
    years once it closed, as domain.budget.Account.committed counts them), so a settled project
    shows what it used and a project cancelled before any payout drops out. (A project with
    commitments in several years is listed in each with that year's part.)

    Keys: reference, recipient, address, purpose, amount_cents, year, fund.
    """
    granted_here = (
        select(LedgerEntry.application_id)
        .where(
            LedgerEntry.fund_year_id == fund_year.id,
            LedgerEntry.kind == EntryKind.COMMITMENT.value,
        )
        .scalar_subquery()
    )
    this_year = LedgerEntry.fund_year_id == fund_year.id
    signed = case(
        (
            and_(this_year, LedgerEntry.kind == EntryKind.COMMITMENT.value),
            LedgerEntry.amount_cents,
        ),
        (and_(this_year, LedgerEntry.kind == EntryKind.RELEASE.value), -LedgerEntry.amount_cents),
        # Money of this year's commitment that came back after the year closed is booked as a
        # return in a later year of the same fund.
        (
            and_(
                LedgerEntry.kind == EntryKind.RETURN.value,
                FundYear.fund_id == fund_year.fund_id,
                FundYear.year > fund_year.year,
            ),
            -LedgerEntry.amount_cents,
        ),
        else_=0,
    )
    amount = func.sum(signed).label("amount_cents")
    query = (
        select(
            Application.reference,
            Application.organisation,
            Application.applicant_kind,
            Application.address,
            Application.title,
            Fund.name.label("fund_name"),
            amount,
        )
        .select_from(Application)
        .join(LedgerEntry, LedgerEntry.application_id == Application.id)
        .join(FundYear, FundYear.id == LedgerEntry.fund_year_id)
        .join(Fund, Fund.id == Application.fund_id)
        .where(
            Application.id.in_(granted_here),
            Application.applicant_kind.in_(GROUP_KINDS),
            func.trim(Application.organisation) != "",
            Application.anonymised_at.is_(None),
        )
        .group_by(
            Application.id,
            Application.reference,
            Application.organisation,
            Application.applicant_kind,
            Application.address,
            Application.title,
            Fund.name,
        )
        .having(amount > 0)
        .order_by(Application.organisation, Application.reference)
        .execution_options(yield_per=BATCH)
    )
    for row in db.session.execute(query):
        yield {
            "reference": row.reference,
            "recipient": row.organisation.strip(),
            # The form's postal address is the contact person's: for an informal initiative a
            # private home, which a list made for publication must not carry. Only a registered
            # association's address is its own seat. One line per cell: a multi-line address
            # would break the rows of some readers.
            "address": ", ".join(
                line.strip() for line in (row.address or "").splitlines() if line.strip()
            )
            if row.applicant_kind == "association"
            else "",
            "purpose": row.title,
            "amount_cents": int(row.amount_cents),
            "year": fund_year.year,
            "fund": row.fund_name,
        }
