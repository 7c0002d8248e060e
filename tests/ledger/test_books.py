"""Payouts, refunds, adjustments, cancellation and year close, through services and staff pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from juryfund.domain.errors import BookingRefused, DomainError
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import FundYear, LedgerEntry
from juryfund.services import books, ledger
from tests.conftest import csrf_from

pytestmark = pytest.mark.ledger


def test_payment_advance_then_reimbursement_within_commitment(approved, staff, fund):
    books.record_payment(
        approved, amount_cents=20000, payment_type="advance", note="", actor=staff.actor
    )
    books.record_payment(
        approved, amount_cents=20000, payment_type="reimbursement", note="", actor=staff.actor
    )
    db.session.commit()
    account = ledger.account_of(approved.id)
    assert (account.commitment, account.paid, account.open) == (40000, 40000, 0)
    assert ledger.balances_of(fund.years[0].id).paid == 40000
    with pytest.raises(BookingRefused) as caught:
        books.record_payment(
            approved, amount_cents=1, payment_type="instalment", note="", actor=staff.actor
        )
    assert caught.value.reason == "booking.paid_exceeds_committed"


def test_refund_cannot_exceed_paid(approved, staff):
    books.record_payment(
        approved, amount_cents=10000, payment_type="advance", note="", actor=staff.actor
    )
    with pytest.raises(BookingRefused) as caught:
        books.record_refund(approved, amount_cents=10001, note="", actor=staff.actor)
    assert caught.value.reason == "booking.refund_exceeds_paid"


def test_adjustment_needs_reason_and_cannot_make_available_negative(fund, staff):
    fund_year = fund.years[0]
    with pytest.raises(DomainError):
        books.record_adjustment(fund_year, amount_cents=-100, reason=" ", actor=staff.actor)
    books.record_adjustment(
        fund_year, amount_cents=250000, reason="Nachbewilligung", actor=staff.actor
    )
    with pytest.raises(BookingRefused) as caught:
        books.record_adjustment(
            fund_year, amount_cents=-1_250_001, reason="Kürzung", actor=staff.actor
        )
    assert caught.value.reason == "booking.exceeds_available"
    assert ledger.balances_of(fund_year.id).allocated == 1_250_000


def test_cancel_releases_open_part_and_later_refund_is_released_too(approved, staff, fund):
    books.record_payment(
        approved, amount_cents=15000, payment_type="advance", note="", actor=staff.actor
    )
    books.cancel(approved, reason="Fest abgesagt", actor=staff.actor)
    db.session.commit()
    assert approved.state == "cancelled"
    account = ledger.account_of(approved.id)
    assert (account.committed, account.paid, account.released) == (15000, 15000, 25000)
    books.record_refund(approved, amount_cents=15000, note="zurücküberwiesen", actor=staff.actor)
    db.session.commit()
    account = ledger.account_of(approved.id)
    assert (account.committed, account.paid) == (0, 0)
    assert ledger.balances_of(fund.years[0].id).available == 1_000_000


def test_cancel_needs_reason_and_an_approved_project(approved, staff):
    with pytest.raises(DomainError):
        books.cancel(approved, reason="", actor=staff.actor)
    books.cancel(approved, reason="abgesagt", actor=staff.actor)
    with pytest.raises(DomainError) as caught:
        books.cancel(approved, reason="noch einmal", actor=staff.actor)
    assert caught.value.reason == "books.not_approved"


def _last_year(fund, make, staff, carry_over: bool):
    from juryfund.services import setup

    fund.carry_over = carry_over
    old = setup.open_fund_year(
        fund, year=clock.today_in(None).year - 1, allocation_cents=500_000, actor=staff.actor
    )
    db.session.commit()
    return old


@pytest.mark.parametrize("carry_over", [False, True])
def test_close_year_lapses_or_carries_unspent_money(fund, make, staff, carry_over):
    old = _last_year(fund, make, staff, carry_over)
    this_year = db.session.scalar(
        select(FundYear).where(
            FundYear.fund_id == fund.id, FundYear.year == clock.today_in(None).year
        )
    )
    before = ledger.balances_of(this_year.id).allocated
    assert books.close_year(old, actor=staff.actor) == 500_000
    db.session.commit()
    assert old.closed_at is not None
    carried = ledger.balances_of(this_year.id).allocated - before
    assert carried == (500_000 if carry_over else 0)
    closed = ledger.balances_of(old.id)
    # A closed year keeps its allocation and shows what lapsed or was carried, never "available".
    assert (closed.allocated, closed.available) == (500_000, 0)
    assert (closed.lapsed, closed.carried_out) == ((0, 500_000) if carry_over else (500_000, 0))
    kinds = db.session.scalars(
        select(LedgerEntry.kind).where(LedgerEntry.fund_year_id == this_year.id)
    ).all()
    assert ("carry_in" in kinds) is carry_over


def test_closed_year_refuses_every_booking(approved, fund, staff):
    fund_year = fund.years[0]
    # Closed as the service would (its rest lapsed first), though the year is not over.
    rest = ledger.balances_of(fund_year.id).available
    ledger.book(fund_year, "lapse", rest, note=str(fund_year.year), actor=staff.actor)
    fund_year.closed_at = __import__("datetime").datetime.now(__import__("datetime").UTC)
    db.session.commit()
    with pytest.raises(BookingRefused) as caught:
        books.record_adjustment(fund_year, amount_cents=100, reason="zu spät", actor=staff.actor)
    assert caught.value.reason == "booking.year_closed"
    # Its projects' money moves on in the open year; with none open, it is refused, not lost.
    with pytest.raises(BookingRefused) as caught:
        books.record_payment(
            approved, amount_cents=40000, payment_type="reimbursement", note="", actor=staff.actor
        )
    assert caught.value.reason == "booking.year_closed"


def test_current_year_cannot_be_closed(fund, staff):
    with pytest.raises(DomainError) as caught:
        books.close_year(fund.years[0], actor=staff.actor)
    assert caught.value.reason == "books.year_not_over"


def test_close_year_command(runner, fund, make, staff):
    old = _last_year(fund, make, staff, carry_over=True)
    result = runner.invoke(args=["juryfund", "close-year", str(old.year)])
    assert result.exit_code == 0, result.output
    assert "5000.00 EUR carried into the next year" in result.output
    db.session.refresh(old)
    assert old.closed_at is not None
    again = runner.invoke(args=["juryfund", "close-year", str(old.year)])
    assert f"No open fund year {old.year}." in again.output


def test_staff_books_pages_show_balances_and_refuse_bad_amounts(
    client, approved, staff, login, post_form, fund
):
    login(staff)
    page = f"/staff/fund-years/{fund.years[0].id}"
    html = client.get(page).get_data(as_text=True)
    assert "10.000,00\xa0€" in html and "400,00\xa0€" in html and approved.reference in html
    money = f"/staff/applications/{approved.id}/money"
    response = post_form(
        f"/staff/applications/{approved.id}/payment",
        {"pay-payment_type": "advance", "pay-amount": "500,00", "pay-note": ""},
        page=money,
    )
    assert response.status_code == 200
    assert 'id="pay-amount-error"' in response.get_data(as_text=True)
    response = post_form(
        f"/staff/applications/{approved.id}/payment",
        {"pay-payment_type": "advance", "pay-amount": "abc"},
        page=money,
    )
    assert 'value="abc"' in response.get_data(as_text=True)
    response = post_form(
        f"/staff/applications/{approved.id}/payment",
        {"pay-payment_type": "advance", "pay-amount": "150,00", "pay-note": "Überweisung"},
        page=money,
    )
    assert response.status_code == 302
    assert ledger.account_of(approved.id).paid == 15000
    response = post_form(
        f"{page}/adjust", {"adjust-amount": "-500,00", "adjust-reason": "Kürzung"}, page=page
    )
    assert response.status_code == 302
    assert ledger.balances_of(fund.years[0].id).allocated == 950000


def test_books_pages_closed_to_other_areas(client, approved, make, login, fund):
    login(make.staff(areas=[make.area(slug="elsewhere")]))
    assert client.get(f"/staff/fund-years/{fund.years[0].id}").status_code == 403
    assert client.get(f"/staff/applications/{approved.id}/money").status_code == 403


def test_a_booking_form_sent_twice_books_once(client, approved, staff, login):
    """The treasurer books "150,00 € advance" and the browser sends the form twice (a double
    click, a resend after a slow answer): the form's key goes with the booking and the second
    sending books nothing, saying so; a fresh form from the page books the next payment."""
    login(staff)
    money = f"/staff/applications/{approved.id}/money"

    def sent_form(html: str) -> dict[str, str]:
        key = re.search(r'name="pay-form_key" type="hidden" value="([^"]+)"', html)
        assert key, "the payment form carries no key"
        return {
            "csrf_token": csrf_from(html),
            "pay-form_key": key.group(1),
            "pay-payment_type": "advance",
            "pay-amount": "150.00",
            "pay-note": "Überweisung 4711",
        }

    english = {"Accept-Language": "en"}
    form = sent_form(client.get(money, headers=english).get_data(as_text=True))
    url = f"/staff/applications/{approved.id}/payment"
    assert client.post(url, data=form, headers=english).status_code == 302
    again = client.post(url, data=form, headers=english)
    assert again.status_code == 200
    assert "This form was sent twice: it is booked once." in again.get_data(as_text=True)
    assert ledger.account_of(approved.id).paid == 15000

    fresh = sent_form(client.get(money, headers=english).get_data(as_text=True))
    assert fresh["pay-form_key"] != form["pay-form_key"]
    assert client.post(url, data=fresh, headers=english).status_code == 302
    assert ledger.account_of(approved.id).paid == 30000
