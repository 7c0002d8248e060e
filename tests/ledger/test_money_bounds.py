"""Large amounts in the books and the proof of use: stored in 64 bits, or refused next to their
field with what was typed kept; never a server error."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from juryfund.domain.money import MAX_CENTS
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Fund, FundYear, ProofOfUse
from juryfund.services import intake, ledger, proofs
from tests.intake.test_money_bounds import field_error, field_value

from ..conftest import csrf_from

pytestmark = pytest.mark.ledger


def _next_year() -> int:
    """The year after the one the test runs in."""
    return clock.today_in(None).year + 1


def _receipt() -> dict[str, str]:
    """A receipt dated on the day the test runs: after the application, within its period."""
    today = clock.today_in(None).isoformat()
    return {
        "receipts-0-date": today,
        "receipts-0-supplier": "Baumarkt",
        "receipts-0-item": "Erde",
    }


def _resident(app, application):
    """The resident's browser, opened with a status link."""
    token = intake.new_status_token(application)
    db.session.commit()
    browser = app.test_client()
    assert browser.get(f"/status/link/{token}").status_code == 302
    return browser


def _save_proof(browser, reference: str, data: dict):
    url = f"/status/{reference}/proof"
    token = csrf_from(browser.get(url).get_data(as_text=True))
    return browser.post(
        url, data={"csrf_token": token, "action": "save", "report": "Bericht", **data}
    )


def test_receipt_of_zero_is_a_field_error_and_kept(app, approved):
    browser = _resident(app, approved)
    response = _save_proof(browser, approved.reference, {**_receipt(), "receipts-0-amount": "0,00"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert field_error(page, "receipts-0-amount") == "Fehler: Der Betrag muss größer als null sein."
    assert field_value(page, "receipts-0-amount") == "0,00"
    assert field_value(page, "receipts-0-supplier") == "Baumarkt"
    proof = db.session.scalars(select(ProofOfUse)).one()
    assert proof.receipts == []


def test_receipt_just_below_the_bound_is_stored(app, approved):
    browser = _resident(app, approved)
    response = _save_proof(
        browser, approved.reference, {**_receipt(), "receipts-0-amount": "99.999.999,99"}
    )
    assert response.status_code == 302
    proof = db.session.scalars(select(ProofOfUse)).one()
    assert [r.amount_cents for r in proof.receipts] == [MAX_CENTS - 1]
    assert proofs.proven_cents(proof) == MAX_CENTS - 1


def test_receipt_list_above_the_bound_is_refused_at_the_receipt_that_passes_it(app, approved):
    browser = _resident(app, approved)
    data = {
        **_receipt(),
        "receipts-0-amount": "99.999.999,99",
        # receipts-1 is left blank: the error must still land on the line the resident typed.
        "receipts-1-date": "",
        "receipts-1-supplier": "",
        "receipts-1-item": "",
        "receipts-1-amount": "",
        "receipts-2-date": _receipt()["receipts-0-date"],
        "receipts-2-supplier": "Kiosk",
        "receipts-2-item": "Wasser",
        "receipts-2-amount": "2,00",
    }
    response = _save_proof(browser, approved.reference, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "100.000.000,00" in field_error(page, "receipts-2-amount")
    assert field_error(page, "receipts-0-amount") == ""
    assert field_value(page, "receipts-2-amount") == "2,00"
    assert field_value(page, "receipts-0-amount") == "99.999.999,99"
    assert db.session.scalars(select(ProofOfUse)).one().receipts == []


def test_too_large_receipt_is_refused_by_the_parser(app, approved):
    browser = _resident(app, approved)
    response = _save_proof(
        browser, approved.reference, {**_receipt(), "receipts-0-amount": "100.000.000,01"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "100.000.000,00" in field_error(page, "receipts-0-amount")
    assert field_value(page, "receipts-0-amount") == "100.000.000,01"


def test_allocation_of_30_million_is_booked(client, fund, staff, login, post_form):
    login(staff)
    response = post_form(
        f"/staff/funds/{fund.id}/years/new",
        {"year": str(_next_year()), "allocation": "30.000.000,00"},
    )
    assert response.status_code == 302
    fund_year = db.session.scalar(select(FundYear).where(FundYear.year == _next_year()))
    assert ledger.balances_of(fund_year.id).allocated == 30_000_000_00
    page = client.get(f"/staff/fund-years/{fund_year.id}").get_data(as_text=True)
    assert "30.000.000,00" in page


def test_adjustment_may_reach_but_not_pass_the_bound(client, fund, staff, login, post_form):
    login(staff)
    post_form(
        f"/staff/funds/{fund.id}/years/new",
        {"year": str(_next_year()), "allocation": "30.000.000,00"},
    )
    fund_year = db.session.scalar(select(FundYear).where(FundYear.year == _next_year()))
    page = f"/staff/fund-years/{fund_year.id}"

    response = post_form(
        f"{page}/adjust",
        {"adjust-amount": "80.000.000,00", "adjust-reason": "Nachbewilligung"},
        page=page,
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "100.000.000,00" in field_error(html, "adjust-amount")
    assert field_value(html, "adjust-amount") == "80.000.000,00"
    assert field_value(html, "adjust-reason") == "Nachbewilligung"
    assert ledger.balances_of(fund_year.id).allocated == 30_000_000_00

    response = post_form(
        f"{page}/adjust",
        {"adjust-amount": "70.000.000,00", "adjust-reason": "Nachbewilligung"},
        page=page,
    )
    assert response.status_code == 302
    assert ledger.balances_of(fund_year.id).allocated == MAX_CENTS
    response = post_form(
        f"{page}/adjust", {"adjust-amount": "0,01", "adjust-reason": "Rest"}, page=page
    )
    assert response.status_code == 200
    assert field_error(response.get_data(as_text=True), "adjust-amount")
    # A cut stays possible at the bound.
    response = post_form(
        f"{page}/adjust", {"adjust-amount": "-1,00", "adjust-reason": "Kürzung"}, page=page
    )
    assert response.status_code == 302
    assert ledger.balances_of(fund_year.id).allocated == MAX_CENTS - 100


def test_fund_cap_of_100_million_is_stored(client, area, fund, staff, login, post_form):
    login(staff)
    data = {
        "kind": "neighbourhood_fund",
        "name": "Großfonds",
        "body": str(fund.body_id),
        "cap": "100.000.000,00",
        "minimum": "30.000.000,00",
        "lead_time_days": "14",
        "eligible_categories": ["material"],
        "proof_weeks": "4",
        "retention_years": "10",
    }
    response = post_form(f"/staff/areas/{area.id}/funds/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    big = db.session.scalar(select(Fund).where(Fund.name == "Großfonds"))
    assert (big.cap_cents, big.minimum_cents) == (MAX_CENTS, 30_000_000_00)
