"""A fund year's downloads for the accounts and the funder: bookings, payments, the payment
list for the bank and the grants list.

Each list is declared once as columns (web.spreadsheets) and offered as CSV for German
spreadsheet software and as XLSX. Only staff of the fund year's area get them (the same check
as the ledger page).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from ...domain.banking import format_iban
from ...extensions import db
from ...infra import audit, clock
from ...models import FundYear
from ...services import exports, payments
from ..labels import (
    ENTRY_KIND_LABELS,
    PAYMENT_REQUEST_KIND_LABELS,
    PAYMENT_REQUEST_STATE_LABELS,
)
from ..notes import note_text
from ..permissions import works_in
from ..spreadsheets import Column, spreadsheet_response
from .forms import PAYMENT_TYPE_LABELS
from .routes import _fund_year, bp

#: Where a return came from (a booking of money that came back after its year closed).
ORIGIN_LABELS = {"release": _l("Release"), "refund": _l("Refund")}

BOOKING_COLUMNS = (
    Column("number", _l("Booking no."), "int"),
    Column("day", _l("Booking date"), "date"),
    Column("kind", _l("Kind"), labels=ENTRY_KIND_LABELS),
    Column("payment_type", _l("Kind of payment"), labels=PAYMENT_TYPE_LABELS),
    Column("origin", _l("Returned money from"), labels=ORIGIN_LABELS),
    Column("reference", _l("Application")),
    Column("recipient", _l("Applicant")),
    Column("title", _l("Project")),
    Column("note", _l("Note")),
    Column("actor", _l("Booked by")),
    Column("amount_cents", _l("Amount (EUR)"), "money_cents"),
)

PAYMENT_COLUMNS = (
    Column("number", _l("Booking no."), "int"),
    Column("day", _l("Booking date"), "date"),
    Column("kind", _l("Kind"), labels=ENTRY_KIND_LABELS),
    Column("payment_type", _l("Kind of payment"), labels=PAYMENT_TYPE_LABELS),
    Column("reference", _l("Application")),
    Column("recipient", _l("Applicant")),
    Column("title", _l("Project")),
    Column("note", _l("Note")),
    Column("paid_out_cents", _l("Paid out (EUR)"), "money_cents"),
    Column("paid_back_cents", _l("Paid back (EUR)"), "money_cents"),
)

#: The payment list for the Träger's bank or accounting: the only download with bank details.
PAYMENT_LIST_COLUMNS = (
    Column("payee", _l("Account holder")),
    Column("iban", _l("IBAN")),
    Column("bic", _l("BIC")),
    Column("amount_cents", _l("Amount (EUR)"), "money_cents"),
    Column("purpose", _l("Payment reference")),
    Column("kind", _l("Kind of payment"), labels=PAYMENT_REQUEST_KIND_LABELS),
    Column("state", _l("State"), labels=PAYMENT_REQUEST_STATE_LABELS),
    Column("approved_on", _l("Approved on"), "date"),
    Column("paid_on", _l("Paid on"), "date"),
)

#: Berlin's § 44 LHO transparency list: recipient, address, purpose, amount and year.
GRANT_COLUMNS = (
    Column("recipient", _l("Recipient")),
    Column("address", _l("Address")),
    Column("purpose", _l("Purpose")),
    Column("amount_cents", _l("Amount (EUR)"), "money_cents"),
    Column("year", _l("Year"), "int"),
    Column("fund", _l("Fund")),
    Column("reference", _l("Application")),
)

_FORMATS = "<any(csv, xlsx):fmt>"


def _filename(kind: str, fund_year: FundYear) -> str:
    """An ASCII file name: what, the area's slug, the year and the fund (an area has several)."""
    return f"{kind}-{fund_year.fund.area.slug}-{fund_year.year}-fund{fund_year.fund_id}"


def _worded(rows: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The rows with each note the product wrote worded in the staff member's language."""
    for row in rows:
        yield {**row, "note": note_text(row.get("note"))}


@bp.get(f"/fund-years/<int:fund_year_id>/bookings.{_FORMATS}")
@login_required
def bookings_export(fund_year_id: int, fmt: str):
    """Every booking of the fund year as CSV or XLSX, oldest first, each correction its own row."""
    fund_year = _fund_year(fund_year_id)
    return spreadsheet_response(
        fmt,
        _filename("bookings", fund_year),
        BOOKING_COLUMNS,
        _worded(exports.iter_bookings(fund_year)),
        title=f"{fund_year.fund.name} {fund_year.year}",
    )


@bp.get(f"/fund-years/<int:fund_year_id>/payments.{_FORMATS}")
@login_required
def payments_export(fund_year_id: int, fmt: str):
    """The fund year's payouts to applicants and their refunds as CSV or XLSX."""
    fund_year = _fund_year(fund_year_id)
    return spreadsheet_response(
        fmt,
        _filename("payments", fund_year),
        PAYMENT_COLUMNS,
        _worded(exports.iter_payments(fund_year)),
        title=f"{fund_year.fund.name} {fund_year.year}",
    )


@bp.get(f"/fund-years/<int:fund_year_id>/grants.{_FORMATS}")
@login_required
def grants_export(fund_year_id: int, fmt: str):
    """The fund year's grants to organisations (§ 44 LHO transparency list) as CSV or XLSX."""
    fund_year = _fund_year(fund_year_id)
    return spreadsheet_response(
        fmt,
        _filename("grants", fund_year),
        GRANT_COLUMNS,
        exports.iter_grants(fund_year),
        title=f"§ 44 LHO {fund_year.year}",
    )


@bp.get(f"/fund-years/<int:fund_year_id>/payment-list.{_FORMATS}")
@login_required
def payment_list_export(fund_year_id: int, fmt: str):
    """The approved payment requests still to transfer, with bank details, for the bank."""
    fund_year = _fund_year(fund_year_id)
    area = fund_year.fund.area
    if not works_in(area.id):
        # Bank details go to the area's own staff only; an administrator looking in from
        # outside sees them masked on the money page and gets no list of accounts.
        abort(403)
    # Who took the only list with bank details, and when, stays on record.
    audit.record(
        "export.payment_list",
        actor=current_user.actor,
        object_type="fund_year",
        object_id=fund_year.id,
        area_id=area.id,
        format=fmt,
    )
    db.session.commit()

    def day(moment):
        return clock.local_day(moment, area.timezone) if moment is not None else None

    rows = (
        {
            "payee": row.payee,
            "iban": format_iban(row.iban) if row.iban else "",
            "bic": row.bic,
            "amount_cents": row.amount_cents,
            # What the bank transfer carries, so the applicant and the accounts recognise it.
            "purpose": f"{row.reference} {fund_year.fund.name}",
            "kind": row.kind,
            "state": row.state,
            "approved_on": day(row.approved_at),
            "paid_on": day(row.paid_at),
        }
        for row in payments.payment_list(area.id, fund_year.id)
    )
    return spreadsheet_response(
        fmt,
        _filename("payment-list", fund_year),
        PAYMENT_LIST_COLUMNS,
        rows,
        title=f"{fund_year.fund.name} {fund_year.year}",
    )
