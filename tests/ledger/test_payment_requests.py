"""Payment requests (issue 14 item 4): asked for by the applicant or staff, approved, refused or
paid through the books; bank details checked, shown to the area's staff only and erased."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from juryfund.domain.actors import Actor
from juryfund.domain.errors import DomainError
from juryfund.domain.states import State
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import (
    ApplicationEvent,
    AuditEvent,
    FundYear,
    LedgerEntry,
    Mail,
    PaymentRequest,
    guards,
)
from juryfund.models.base import utcnow
from juryfund.services import books, intake, ledger, payments, privacy
from tests.conftest import csrf_from, log_in
from tests.factories import StaffFactory
from tests.fixtures import IBAN_TYPED, Spec, ask_payment, colleague_of
from tests.races import one_won, race

pytestmark = pytest.mark.ledger

IBAN = "DE89370400440532013000"


def _events(application) -> list[str]:
    return list(
        db.session.scalars(
            select(ApplicationEvent.kind)
            .where(ApplicationEvent.application_id == application.id)
            .order_by(ApplicationEvent.id)
        )
    )


# --- the service -----------------------------------------------------------------------------


def test_request_approve_pay_books_one_payment_with_history_audit_and_mail(approved, staff):
    request = ask_payment(approved, Actor.applicant(approved.reference))
    db.session.commit()
    assert (request.state, request.iban, request.bic) == ("requested", IBAN, "COBADEFFXXX")
    assert request.requested_by == "applicant" and request.requested_by_staff_id is None
    payments.approve(request, actor=staff.actor)
    db.session.commit()
    entry = payments.mark_paid(request, actor=staff.actor, note="Überweisung 12")
    db.session.commit()
    assert (request.state, request.ledger_entry_id) == ("paid", entry.id)
    assert (entry.kind, entry.payment_type, entry.amount_cents, entry.note) == (
        "payment",
        "advance",
        10000,
        "Überweisung 12",
    )
    assert ledger.account_of(approved.id).paid == 10000
    assert _events(approved)[-3:] == ["pay_asked", "pay_ok", "pay_paid"]
    actions = list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.object_type == "payment_request")
            .order_by(AuditEvent.id)
        )
    )
    assert actions == [
        "payment_request.requested",
        "payment_request.approved",
        "payment_request.paid",
    ]
    # The booking has its own audit entry, as every payment does; the trail never holds the IBAN.
    assert db.session.scalar(
        select(func.count()).where(
            AuditEvent.object_type == "ledger_entry", AuditEvent.object_id == str(entry.id)
        )
    )
    assert not db.session.scalar(select(func.count()).where(AuditEvent.data.contains("0532013000")))
    purposes = list(db.session.scalars(select(Mail.purpose).where(Mail.to_addr == approved.email)))
    assert purposes.count("payment.requested") == 1  # the applicant's own request, confirmed
    assert "payment.approved" in purposes and "payment.paid" in purposes
    bodies = list(db.session.scalars(select(Mail.body_text).where(Mail.to_addr == approved.email)))
    assert not any("0532013000" in body for body in bodies)


def test_applicant_is_told_of_a_request_entered_for_them_with_the_account_masked(approved, staff):
    """A request staff entered on paper's behalf reaches the applicant at once, naming the
    account masked: a request to a stranger's account cannot pass unnoticed, and no mail ever
    carries a whole IBAN."""
    ask_payment(approved, colleague_of(approved), account_holder="Mallory Muster")
    db.session.commit()
    [mail] = db.session.scalars(
        select(Mail).where(Mail.to_addr == approved.email, Mail.purpose == "payment.requested")
    )
    for body in (mail.body_text, mail.body_html):
        assert "Mallory Muster" in body
        assert "DE89 •••• •••• •••• ••30 00" in body
        assert "0532013000" not in body and "370400440532013000" not in body
        assert "3704 0044" not in body
    assert approved.reference in mail.subject


def test_request_refused_with_reason_and_a_new_one_may_follow(approved, staff):
    request = ask_payment(approved, staff.actor)
    assert request.requested_by == "staff" and request.requested_by_staff_id == staff.id
    with pytest.raises(DomainError) as caught:
        payments.refuse_request(request, reason="  ", actor=staff.actor)
    assert (caught.value.reason, caught.value.field) == ("payment.reason_required", "reason")
    payments.refuse_request(request, reason="Bitte Belege nachreichen.", actor=staff.actor)
    db.session.commit()
    assert (request.state, request.refusal_reason) == ("refused", "Bitte Belege nachreichen.")
    with pytest.raises(DomainError) as caught:
        payments.approve(request, actor=staff.actor)
    assert caught.value.reason == "payment.already_refused"
    assert payments.may_request(approved)
    second = ask_payment(approved, colleague_of(approved), kind="reimbursement")
    db.session.commit()
    assert second.state == "requested"
    assert ledger.account_of(approved.id).paid == 0


def test_request_above_open_money_is_refused(approved, staff):
    with pytest.raises(DomainError) as caught:
        ask_payment(approved, colleague_of(approved), amount=40001)
    assert (caught.value.reason, caught.value.field) == ("payment.exceeds_open", "amount")
    assert caught.value.params == {"open": 40000}
    books.record_payment(
        approved, amount_cents=35000, payment_type="advance", note="", actor=staff.actor
    )
    with pytest.raises(DomainError) as caught:
        ask_payment(approved, colleague_of(approved), amount=5001)
    assert caught.value.params == {"open": 5000}
    assert ask_payment(approved, colleague_of(approved), amount=5000).amount_cents == 5000


def test_approval_rechecks_open_money_paid_meanwhile(approved, staff):
    request = ask_payment(approved, colleague_of(approved), amount=30000)
    # Paid meanwhile by another path of the books (staff's own form refuses while a request
    # is open: test_direct_payment_is_refused_while_a_request_is_open).
    ledger.pay(approved, 20000, payment_type="advance", actor=staff.actor)
    with pytest.raises(DomainError) as caught:
        payments.approve(request, actor=staff.actor)
    assert caught.value.reason == "payment.exceeds_open"
    assert request.state == "requested"


def test_every_bad_field_is_refused_at_once(approved, staff):
    with pytest.raises(DomainError) as caught:
        ask_payment(
            approved, staff.actor, kind="bonus", amount=0, account_holder=" ", iban="DE00", bic="X"
        )
    fields = {caught.value.field, *(e.field for e in caught.value.more)}
    assert fields == {"kind", "amount", "account_holder", "iban", "bic"}
    with pytest.raises(DomainError) as caught:
        ask_payment(approved, colleague_of(approved), iban="DE89370400440532013001")
    assert (caught.value.reason, caught.value.field) == ("iban.checksum", "iban")
    assert db.session.scalar(select(func.count()).select_from(PaymentRequest)) == 0


def test_only_one_open_request_and_only_for_approved_projects(approved, staff, decide):
    ask_payment(approved, colleague_of(approved))
    with pytest.raises(DomainError) as caught:
        ask_payment(approved, colleague_of(approved))
    assert caught.value.reason == "payment.open_exists"
    assert not payments.may_request(approved)
    [rejected] = decide([Spec("Abgelehnt", 20000, "rejected")])
    with pytest.raises(DomainError) as caught:
        ask_payment(rejected, staff.actor)
    assert caught.value.reason == "payment.not_approved"


def test_pay_needs_approval_first_and_pays_once(approved, staff):
    request = ask_payment(approved, colleague_of(approved))
    with pytest.raises(DomainError) as caught:
        payments.mark_paid(request, actor=staff.actor)
    assert caught.value.reason == "payment.already_requested"
    payments.approve(request, actor=staff.actor)
    payments.mark_paid(request, actor=staff.actor)
    with pytest.raises(DomainError) as caught:
        payments.mark_paid(request, actor=staff.actor)
    assert caught.value.reason == "payment.already_paid"
    with pytest.raises(DomainError):
        payments.refuse_request(request, reason="zu spät", actor=staff.actor)
    assert ledger.account_of(approved.id).paid == 10000


def test_database_holds_the_request_invariants(approved, staff):
    request = ask_payment(approved, colleague_of(approved))
    db.session.commit()
    breaches = [
        {"amount_cents": 0},
        {"state": "lost"},
        {"state": "refused", "refusal_reason": ""},
        {"state": "paid", "approved_at": request.requested_at},  # paid without a booking
    ]
    for values in breaches:
        for name, value in values.items():
            setattr(request, name, value)
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
    second = PaymentRequest(
        application_id=approved.id,
        kind="advance",
        amount_cents=100,
        account_holder="X",
        iban=IBAN,
        requested_by="staff",
    )
    db.session.add(second)
    with pytest.raises(IntegrityError):  # one open request per application
        db.session.flush()
    db.session.rollback()


def test_database_keeps_a_paid_request_as_it_was_paid(approved, staff):
    """Someone with database access cannot redirect, shrink, reopen or delete a request: a
    trigger lets it only move forward and lose its bank details to erasure."""
    request = ask_payment(approved, Actor.applicant(approved.reference))
    db.session.commit()
    payments.approve(request, actor=staff.actor)
    db.session.commit()
    entry = payments.mark_paid(request, actor=staff.actor)
    db.session.commit()
    other = StaffFactory(areas=[approved.area])
    db.session.commit()
    breaches = [
        "iban = 'DE02120300000000202051'",
        "bic = 'BYLADEM1001'",
        "account_holder = 'Mallory'",
        "amount_cents = amount_cents + 1",
        "kind = 'reimbursement'",
        "state = 'requested'",
        "state = 'refused', refusal_reason = 'x'",
        "ledger_entry_id = NULL, state = 'approved'",
        f"approved_by_id = {other.id}",
        "paid_at = NULL",
        "requested_by = 'staff'",
    ]
    for change in breaches:
        with pytest.raises(IntegrityError, match="only moves forward"), db.engine.begin() as conn:
            conn.execute(
                text(f"UPDATE payment_request SET {change} WHERE id = :id"), {"id": request.id}
            )
    with pytest.raises(IntegrityError, match="only moves forward"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM payment_request WHERE id = :id"), {"id": request.id})
    db.session.expire_all()
    assert (request.state, request.iban, request.amount_cents, request.ledger_entry_id) == (
        "paid",
        IBAN,
        10000,
        entry.id,
    )
    # Erasure may still empty the bank details (the test of erasure below goes through it).
    assert guards.ERASED_HOLDER == privacy.ERASED


def test_database_lets_a_request_skip_no_step(approved, staff):
    request = ask_payment(approved, Actor.applicant(approved.reference))
    db.session.commit()
    with pytest.raises(IntegrityError, match="only moves forward"), db.engine.begin() as conn:
        conn.execute(
            text("UPDATE payment_request SET state = 'paid' WHERE id = :id"), {"id": request.id}
        )
    payments.refuse_request(request, actor=staff.actor, reason="Konto passt nicht")
    db.session.commit()
    with pytest.raises(IntegrityError, match="only moves forward"), db.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE payment_request SET state = 'approved', refusal_reason = '' WHERE id = :id"
            ),
            {"id": request.id},
        )


def test_paying_after_the_year_closed_books_like_any_payment(approved, staff, fund, clock_at):
    """Once the commitment's year is closed the payment goes to today's open year (as
    books.record_payment does); when the booking is refused, the request stays approved."""
    from datetime import UTC, datetime

    from juryfund.services import setup

    this = fund.years[0]
    request = ask_payment(approved, colleague_of(approved))
    payments.approve(request, actor=staff.actor)
    db.session.commit()
    clock_at(datetime(this.year + 1, 1, 10, 12, tzinfo=UTC))
    books.close_year(this, actor=staff.actor)
    following = setup.open_fund_year(
        fund, year=this.year + 1, allocation_cents=100_000, actor=staff.actor
    )
    db.session.commit()
    before = ledger.balances_of(this.id)
    payments.mark_paid(request, actor=staff.actor)
    db.session.commit()
    assert ledger.balances_of(this.id) == before  # a closed year's figures are final
    assert ledger.balances_of(following.id).paid == 10000
    # The fund's current year closed as well (made to look so): the booking is refused and
    # the request waits, approved, with nothing booked.
    second = ask_payment(approved, colleague_of(approved), amount=5000)
    payments.approve(second, actor=staff.actor)
    rest = ledger.balances_of(following.id).available  # its rest lapsed, as a close books it
    ledger.book(following, "lapse", rest, note=str(following.year), actor=staff.actor)
    following.closed_at = datetime(this.year + 1, 1, 10, tzinfo=UTC)
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        payments.mark_paid(second, actor=staff.actor)
    assert caught.value.reason == "booking.year_closed"
    db.session.rollback()
    assert db.session.get(PaymentRequest, second.id).state == "approved"
    assert ledger.account_of(approved.id).paid == 10000


def test_payment_list_has_the_approved_requests_still_to_transfer(approved, staff, fund):
    """The bank's list: approved, not yet paid; a paid request is never offered again."""
    first = ask_payment(approved, colleague_of(approved), amount=15000)
    db.session.commit()
    fund_year_id = fund.years[0].id
    assert payments.payment_list(approved.area_id, fund_year_id) == []  # not approved yet
    payments.approve(first, actor=staff.actor)
    db.session.commit()
    rows = payments.payment_list(approved.area_id, fund_year_id)
    assert [(r.payee, r.iban, r.bic, r.amount_cents, r.reference, r.state) for r in rows] == [
        ("Ayşe Yılmaz", IBAN, "COBADEFFXXX", 15000, approved.reference, "approved")
    ]
    payments.mark_paid(first, actor=staff.actor)
    second = ask_payment(approved, colleague_of(approved), amount=5000, kind="reimbursement")
    payments.approve(second, actor=staff.actor)
    db.session.commit()
    rows = payments.payment_list(approved.area_id, fund_year_id)
    assert [(r.amount_cents, r.kind, r.state) for r in rows] == [
        (5000, "reimbursement", "approved")
    ]
    assert payments.payment_list(approved.area_id + 1000, fund_year_id) == []


def test_direct_payment_is_refused_while_a_request_is_open(approved, staff):
    """Booking the money by hand beside an approved request would pay it twice."""
    request = ask_payment(approved, colleague_of(approved), amount=20000)
    payments.approve(request, actor=staff.actor)
    with pytest.raises(DomainError) as caught:
        books.record_payment(
            approved, amount_cents=20000, payment_type="advance", note="", actor=staff.actor
        )
    assert caught.value.reason == "books.payment_request_open"
    payments.refuse_request(request, reason="Bar ausgezahlt", actor=staff.actor)
    books.record_payment(
        approved, amount_cents=20000, payment_type="advance", note="", actor=staff.actor
    )
    assert ledger.account_of(approved.id).paid == 20000


def test_cancelling_the_project_refuses_its_waiting_request_and_empties_the_list(
    approved, staff, fund
):
    """A request not approved yet ends with the project; an approved one is refused or paid
    first (tests/ledger/test_project_ends_after_its_approved_transfer.py)."""
    request = ask_payment(approved, colleague_of(approved))
    books.cancel(approved, reason="Fest abgesagt", actor=staff.actor)
    db.session.commit()
    request = db.session.get(PaymentRequest, request.id)
    assert (request.state, request.refusal_reason) == ("refused", "Fest abgesagt")
    assert payments.payment_list(approved.area_id, fund.years[0].id) == []
    assert ledger.account_of(approved.id).paid == 0


def test_settling_with_the_proof_refuses_the_waiting_request(approved, staff, fund):
    """Not approved yet, so on no bank list: the settlement pays what is owed instead."""
    from juryfund.infra import clock
    from juryfund.services import proofs

    request = ask_payment(approved, colleague_of(approved), amount=30000, kind="reimbursement")
    proof = proofs.proof_for(approved)
    proofs.save(
        proof,
        report="Es war schön.",
        # The area's day (the decision's): in UTC's last hour Berlin's day is the next one.
        receipts=[proofs.ReceiptLine(clock.area_today(approved.area), "Baumarkt", "Erde", 25000)],
    )
    proofs.submit(proof)
    proofs.accept(proof, actor=staff.actor)
    db.session.commit()
    assert db.session.get(PaymentRequest, request.id).state == "refused"
    assert ledger.account_of(approved.id).paid == 25000  # the settlement paid, once
    assert payments.payment_list(approved.area_id, fund.years[0].id) == []


def test_a_cut_below_an_approved_request_waits_until_staff_settle_the_request(
    approved, staff, fund, client, login, post_form
):
    """400 € approved, a 350 € advance approved and on the bank's list: cutting the decision to
    200 € would have the bank pay 150 € the books then refuse. The cut is refused, next to the
    amount, naming the request, with what staff typed kept; once the request is refused, the
    same cut goes through."""
    from juryfund.services import decisions

    request = ask_payment(approved, colleague_of(approved), amount=35000)
    payments.approve(request, actor=staff.actor)
    db.session.commit()
    decision = decisions.current_decision(approved)
    login(staff)
    url = f"/staff/decisions/{decision.id}/correct"
    typed = {
        "amount": "200,00",
        "conditions": "",
        "reason": "Kürzung durch die Jury",
        "reasons": "Die Jury hat die Mittel gekürzt.",
    }
    response = post_form(url, typed, headers={"Accept-Language": "de"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="amount-error"' in html and "350,00" in html
    assert "Kürzung durch die Jury" in html  # what staff typed stays
    assert decisions.current_decision(approved).id == decision.id
    assert payments.payment_list(approved.area_id, fund.years[0].id)[0].amount_cents == 35000

    # Down to exactly what the request needs is fine; below it only after the request is gone.
    with pytest.raises(DomainError) as refused:
        decisions.correct_decision(
            decision, amount_cents=34999, conditions="", reason="x", reasons="y", actor=staff.actor
        )
    assert refused.value.reason == "decision.below_approved_request"
    db.session.rollback()
    payments.refuse_request(
        db.session.get(PaymentRequest, request.id), reason="Kürzung", actor=staff.actor
    )
    db.session.commit()
    assert post_form(url, typed).status_code == 302
    assert decisions.current_decision(approved).approved_cents == 20000
    assert ledger.account_of(approved.id).open == 20000


def test_payment_list_of_todays_year_has_requests_of_projects_from_a_closed_year(
    approved, staff, fund, clock_at
):
    """Paid from today's open year once the commitment's year closed, so listed there."""
    from datetime import UTC, datetime

    from juryfund.services import setup

    this = fund.years[0]
    request = ask_payment(approved, colleague_of(approved))
    payments.approve(request, actor=staff.actor)
    db.session.commit()
    clock_at(datetime(this.year + 1, 1, 10, 12, tzinfo=UTC))
    books.close_year(this, actor=staff.actor)
    following = setup.open_fund_year(
        fund, year=this.year + 1, allocation_cents=100_000, actor=staff.actor
    )
    db.session.commit()
    assert payments.payment_list(approved.area_id, this.id) == []
    [row] = payments.payment_list(approved.area_id, following.id)
    assert (row.reference, row.amount_cents) == (approved.reference, 10000)


def test_the_office_hears_of_an_applicants_request_without_the_bank_details(approved, staff, area):
    area.contact_email = "qm@soldiner.example"
    db.session.commit()
    ask_payment(approved, Actor.applicant(approved.reference), amount=12345)
    db.session.commit()
    [notice] = db.session.scalars(select(Mail).where(Mail.to_addr == "qm@soldiner.example")).all()
    assert notice.purpose == "notice.payment_requested"
    assert approved.reference in notice.body_text and "123,45" in notice.body_text
    assert f"/staff/applications/{approved.id}/money" in notice.body_text
    assert "0532" not in notice.body_text and "Yılmaz" not in notice.body_text
    # Entered by a colleague for the applicant: the office hears of it too (someone else
    # approves it, four eyes).
    payments.refuse_request(
        db.session.scalars(select(PaymentRequest)).one(), reason="doppelt", actor=staff.actor
    )
    ask_payment(approved, colleague_of(approved))
    db.session.commit()
    assert (
        db.session.scalar(select(func.count()).where(Mail.purpose == "notice.payment_requested"))
        == 2
    )


# --- privacy -------------------------------------------------------------------------------------


def test_bank_details_are_exported_and_erased_with_the_personal_data(approved, staff):
    request = ask_payment(approved, colleague_of(approved))
    payments.approve(request, actor=staff.actor)
    payments.mark_paid(request, actor=staff.actor)
    db.session.commit()
    [exported] = privacy.export(approved)["payment_requests"]
    assert (exported["iban"], exported["account_holder"], exported["amount_cents"]) == (
        IBAN,
        "Ayşe Yılmaz",
        10000,
    )
    books.cancel(approved, reason="abgesagt", actor=staff.actor)
    db.session.commit()
    # The paid advance comes back first: until then the data are needed to claim it.
    books.record_refund(approved, amount_cents=10000, note="zurück", actor=staff.actor)
    db.session.commit()
    privacy.erase(approved, actor=staff.actor, reason="Antrag per Mail", title="Projekt")
    db.session.commit()
    db.session.refresh(request)
    assert (request.account_holder, request.iban, request.bic) == (privacy.ERASED, "", "")
    assert (request.amount_cents, request.state) == (10000, "paid")
    assert request.ledger_entry_id is not None
    [exported] = privacy.export(approved)["payment_requests"]
    assert exported["iban"] == ""


# --- the pages -----------------------------------------------------------------------------------


#: A page whose form carries the session's CSRF token (the status page's forms have prefixes).
TOKEN_PAGE = "/status/resend"


def _land(client, application):
    """Open the applicant's status link in this client."""
    token = intake.new_status_token(application)
    db.session.commit()
    assert client.get(f"/status/link/{token}").status_code == 302


def test_applicant_requests_from_status_page_and_sees_errors_next_to_fields(
    client, approved, post_form
):
    _land(client, approved)
    page = f"/status/{approved.reference}"
    html = client.get(page).get_data(as_text=True)
    assert 'id="payment"' in html and 'name="payreq-iban"' in html
    url = f"{page}/payment-request"
    typed = {
        "payreq-kind": "advance",
        "payreq-amount": "100,00",
        "payreq-account_holder": "Ayşe Yılmaz",
        "payreq-iban": "DE89 3704 0044 0532 0130 01",
        "payreq-bic": "",
    }
    response = post_form(url, typed, page=TOKEN_PAGE)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="payreq-iban-error"' in html
    assert 'value="DE89 3704 0044 0532 0130 01"' in html  # what was typed stays
    assert 'value="Ayşe Yılmaz"' in html
    response = post_form(
        url, {**typed, "payreq-amount": "401,00", "payreq-iban": IBAN_TYPED}, page=TOKEN_PAGE
    )
    html = response.get_data(as_text=True)
    assert 'id="payreq-amount-error"' in html and "400,00" in html
    assert db.session.scalar(select(func.count()).select_from(PaymentRequest)) == 0
    response = post_form(url, {**typed, "payreq-iban": IBAN_TYPED}, page=TOKEN_PAGE)
    assert response.status_code == 302
    request = db.session.scalars(select(PaymentRequest)).one()
    assert (request.iban, request.amount_cents, request.requested_by) == (IBAN, 10000, "applicant")
    html = client.get(page).get_data(as_text=True)
    assert "DE89 •••• •••• •••• ••30 00" in html and "0532 0130" not in html
    assert 'name="payreq-iban"' not in html  # one open request at a time


def test_status_page_translates_the_payment_section(client, approved):
    approved.language = "tr"
    db.session.commit()
    _land(client, approved)
    html = client.get(f"/status/{approved.reference}").get_data(as_text=True)
    assert "Request payment" not in html and 'name="payreq-iban"' in html


def test_staff_enter_approve_and_pay_on_the_money_page(client, approved, staff, login, post_form):
    login(staff)
    money = f"/staff/applications/{approved.id}/money"
    base = f"/staff/applications/{approved.id}/payment-requests"
    typed = {
        "payreq-kind": "reimbursement",
        "payreq-amount": "250,00",
        "payreq-account_holder": "Kiezverein e. V.",
        "payreq-iban": "DE89 3704",
        "payreq-bic": "COBADE",
    }
    html = post_form(base, typed, page=money).get_data(as_text=True)
    assert 'id="payreq-iban-error"' in html and 'id="payreq-bic-error"' in html
    assert 'value="DE89 3704"' in html
    assert (
        post_form(base, {**typed, "payreq-iban": IBAN, "payreq-bic": ""}, page=money).status_code
        == 302
    )
    request = db.session.scalars(select(PaymentRequest)).one()
    assert request.requested_by == "staff"
    html = client.get(money).get_data(as_text=True)
    assert "DE89 3704 0044 0532 0130 00" in html  # in full for the area's staff
    # Who entered it does not approve it too (four eyes); a colleague does.
    response = post_form(f"{base}/{request.id}/approve", {}, page=money)
    assert response.status_code == 200 and "Vier-Augen-Prinzip" in response.get_data(as_text=True)
    assert db.session.get(PaymentRequest, request.id).state == "requested"
    colleague = StaffFactory(areas=[approved.area])
    db.session.commit()
    client.post(
        "/staff/logout", data={"csrf_token": csrf_from(client.get(money).get_data(as_text=True))}
    )
    login(colleague)
    assert post_form(f"{base}/{request.id}/approve", {}, page=money).status_code == 302
    assert (
        post_form(f"{base}/{request.id}/paid", {"prstep-note": "Ü-123"}, page=money).status_code
        == 302
    )
    db.session.expire_all()
    assert db.session.get(PaymentRequest, request.id).state == "paid"
    assert ledger.account_of(approved.id).paid == 25000
    # Again: refused with a message, nothing booked twice.
    response = post_form(f"{base}/{request.id}/paid", {}, page=money)
    assert response.status_code == 200
    assert ledger.account_of(approved.id).paid == 25000


def test_staff_refuse_needs_reason_next_to_the_field(client, approved, staff, login, post_form):
    request = ask_payment(approved, colleague_of(approved))
    db.session.commit()
    login(staff)
    money = f"/staff/applications/{approved.id}/money"
    url = f"/staff/applications/{approved.id}/payment-requests/{request.id}/refuse"
    html = post_form(url, {"prrefuse-reason": ""}, page=money).get_data(as_text=True)
    assert 'id="prrefuse-reason-error"' in html
    assert post_form(url, {"prrefuse-reason": "Belege fehlen"}, page=money).status_code == 302
    db.session.expire_all()
    assert db.session.get(PaymentRequest, request.id).state == "refused"


def test_bank_details_masked_for_admin_outside_the_area_and_closed_to_other_areas(
    app, client, approved, staff, make, login, post_form
):
    request = ask_payment(approved, colleague_of(approved))
    db.session.commit()
    other = make.staff(areas=[make.area(slug="elsewhere")])
    login(other)
    money = f"/staff/applications/{approved.id}/money"
    assert client.get(money).status_code == 403
    base = f"/staff/applications/{approved.id}/payment-requests/{request.id}"
    token_page = "/staff/notices"
    for step in ("approve", "paid", "refuse"):
        response = post_form(f"{base}/{step}", {"prrefuse-reason": "x"}, page=token_page)
        assert response.status_code == 403
    db.session.expire_all()
    assert db.session.get(PaymentRequest, request.id).state == "requested"
    fresh = app.test_client()
    log_in(fresh, make.admin())
    html = fresh.get(money).get_data(as_text=True)
    assert "DE89 •••• •••• •••• ••30 00" in html and "0532 0130" not in html
    # The Art. 15 export of the application neither: masked for the outside administrator,
    # in full for the area's own staff, who answer the applicant's request.
    exported = fresh.get(f"/staff/applications/{approved.id}/personal-data.json").get_json()
    assert [r["iban"] for r in exported["payment_requests"]] == ["DE89 •••• •••• •••• ••30 00"]
    own = app.test_client()
    log_in(own, staff)
    exported = own.get(f"/staff/applications/{approved.id}/personal-data.json").get_json()
    assert [r["iban"] for r in exported["payment_requests"]] == [request.iban]


def test_request_of_another_application_is_not_found(
    client, approved, staff, login, post_form, decide
):
    [other] = decide([Spec("Zweites Projekt", 20000, "approved")])
    request = ask_payment(other, staff.actor)
    db.session.commit()
    login(staff)
    money = f"/staff/applications/{approved.id}/money"
    url = f"/staff/applications/{approved.id}/payment-requests/{request.id}/approve"
    assert post_form(url, {}, page=money).status_code == 404


# --- two staff at once (PostgreSQL, real threads) ---------------------------------------------


def test_two_staff_marking_paid_at_once_book_one_payment(app, approved, staff, make, area):
    request = ask_payment(approved, colleague_of(approved), amount=30000)
    payments.approve(request, actor=staff.actor)
    db.session.commit()
    request_id, ids = request.id, (staff.id, make.staff(areas=[area]).id)
    db.session.commit()

    def pay(ready, staff_id):
        found = db.session.get(PaymentRequest, request_id)
        actor = Actor.staff(staff_id)
        found.application.fund.area  # noqa: B018
        ready()
        payments.mark_paid(found, actor=actor)

    outcomes = race(app, lambda r: pay(r, ids[0]), lambda r: pay(r, ids[1]))
    one_won(outcomes, "payment.already_paid")
    payments_booked = db.session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.application_id == approved.id, LedgerEntry.kind == "payment"
        )
    ).all()
    assert [e.amount_cents for e in payments_booked] == [30000]
    assert db.session.get(PaymentRequest, request_id).ledger_entry_id == payments_booked[0].id


def test_applicant_and_staff_requesting_at_once_leave_one_open_request(app, approved, staff):
    application_id, reference, staff_id = approved.id, approved.reference, staff.id

    def ask(ready, actor):
        from juryfund.models import Application

        application = db.session.get(Application, application_id)
        ready()
        ask_payment(application, actor)

    outcomes = race(
        app,
        lambda r: ask(r, Actor.applicant(reference)),
        lambda r: ask(r, Actor.staff(staff_id)),
    )
    one_won(outcomes, "payment.open_exists")
    assert db.session.scalar(select(func.count()).select_from(PaymentRequest)) == 1
    assert approved.state == State.APPROVED


def test_four_eyes_whoever_entered_a_request_does_not_approve_it(approved, staff):
    request = ask_payment(approved, staff.actor)
    with pytest.raises(DomainError) as caught:
        payments.approve(request, actor=staff.actor)
    assert caught.value.reason == "payment.four_eyes"
    db.session.commit()
    # The database holds it too, whatever the code does.
    request.state, request.approved_at, request.approved_by_id = "approved", utcnow(), staff.id
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    colleague = StaffFactory(areas=[approved.area])
    payments.approve(db.session.get(PaymentRequest, request.id), actor=colleague.actor)
    db.session.commit()
    assert db.session.get(PaymentRequest, request.id).state == "approved"


def test_payment_list_goes_to_the_areas_staff_only_and_each_download_is_recorded(
    app, client, approved, staff, fund, make, login
):
    request = ask_payment(approved, colleague_of(approved))
    payments.approve(request, actor=staff.actor)
    db.session.commit()
    url = f"/staff/fund-years/{fund.years[0].id}/payment-list.csv"
    login(staff)
    response = client.get(url)
    assert response.status_code == 200 and "DE89 3704" in response.get_data(as_text=True)
    [event] = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "export.payment_list")
    ).all()
    assert (event.actor, event.object_id, event.area_id) == (
        staff.actor.name[:80],
        str(fund.years[0].id),
        approved.area_id,
    )
    outsider = app.test_client()
    log_in(outsider, make.admin())
    assert outsider.get(url).status_code == 403


def test_an_approved_request_stays_on_a_bank_list_after_its_year_closes(
    approved, area, fund, staff, clock_at
):
    """A 400 € advance approved in December stands on the old year's bank list. The old year
    closes on 5 January, before the new year's budget is known: a closed year's projects are
    listed on today's year's list, so the close makes today's year (without money) and the
    request stays on a list the QM team can download."""
    colleague = StaffFactory(areas=[area]).actor
    request = payments.request_payment(
        approved,
        kind="advance",
        amount_cents=40000,
        account_holder="Ayşe Yılmaz",
        iban="DE89370400440532013000",
        bic="",
        actor=colleague,
    )
    payments.approve(request, actor=staff.actor)
    db.session.commit()
    year = clock.area_today(area).year
    this = db.session.scalar(
        select(FundYear).where(FundYear.fund_id == fund.id, FundYear.year == year)
    )
    assert [row.reference for row in payments.payment_list(area.id, this.id)] == [
        approved.reference
    ]

    clock_at(datetime(year + 1, 1, 5, 12, tzinfo=UTC))
    books.close_year(this, actor=staff.actor)
    db.session.commit()
    years = db.session.scalars(select(FundYear).where(FundYear.fund_id == fund.id)).all()
    listed = [row.reference for fy in years for row in payments.payment_list(area.id, fy.id)]
    assert listed == [approved.reference]
    assert year + 1 in {fy.year for fy in years}
