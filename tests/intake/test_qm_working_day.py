"""Issue 14, "Done when": the QM team's working day, tried as a new user would, end to end.

A resident applies; the area's QM contact gets the mail; the dashboard shows "1 to review";
the resident's later edit shows as a diff; after approval the resident requests an advance with
an IBAN; staff approve, pay and export the payment list and the bookings, read back as German
spreadsheet software reads them; staff edit the area's Turkish description and the Turkish area
page shows it. (The phone-width sweep of every page is tests/browser/test_every_page_on_a_phone.)
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import FundYear, LedgerEntry, Mail, PaymentRequest
from juryfund.services import decisions
from tests.fixtures import approved_round

from ..conftest import csrf_from
from .conftest import application_data, last_mail, only_application, status_link

pytestmark = pytest.mark.intake

CONTACT = "qm@soldiner.example"
PAYEE = "Jürgen Müller-Straße"
IBAN = "DE89 3704 0044 0532 0130 00"


def _post(browser, url: str, data: dict, *, page: str | None = None, **kwargs):
    """POST a form with the CSRF token of the page it is on."""
    token = csrf_from(browser.get(page or url).get_data(as_text=True))
    return browser.post(url, data={"csrf_token": token, **data}, **kwargs)


def _spreadsheet(response) -> list[list[str]]:
    """A CSV download read as German spreadsheet software does: UTF-8 with BOM, semicolons."""
    assert response.status_code == 200
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))


def test_a_day_at_the_qm_office(app, client, area, make, login, apply):
    area.contact_email = CONTACT
    db.session.commit()

    # A resident applies; the QM contact address gets the mail.
    apply()
    application = only_application()
    office = db.session.scalars(select(Mail).where(Mail.to_addr == CONTACT)).all()
    assert len(office) == 1 and application.reference in office[0].subject

    # Staff see "1 to review" on the dashboard, linked to the filtered list.
    staff = make.staff(areas=[area])
    db.session.commit()
    login(staff)
    dashboard = client.get("/staff/").get_data(as_text=True)
    link = f"/staff/areas/{area.id}/applications?todo=review"
    assert re.search(rf'href="{re.escape(link)}"><strong>1</strong>', dashboard)

    # The resident changes the title; staff read the change field by field.
    resident = app.test_client()
    assert resident.get(status_link(last_mail(application.email))).status_code == 302
    url = f"/status/{application.reference}/edit"
    data = application_data(title="Hoffest für alle")
    response = _post(
        resident, url, {**data, "action": "submit", "confirmed_fund": str(application.fund_id)}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    review = client.get(f"/staff/applications/{application.id}").get_data(as_text=True)
    assert "Was sich geändert hat" in review
    assert re.search(r"<del>.*?Hoffest</bdi>.*?<ins>.*?Hoffest für alle</bdi>", review, re.S)

    # Staff find it complete; the jury approves 400 €; the resident asks for an advance.
    detail = f"/staff/applications/{application.id}"
    assert _post(client, f"{detail}/ready", {"note": ""}, page=detail).status_code == 302
    db.session.expire_all()
    round_ = approved_round(application.fund.body, staff, [application])
    decisions.confirm_approval(
        round_.agenda[0], amount_cents=40000, conditions="", reasons="Gekürzt.", actor=staff.actor
    )
    db.session.commit()
    page = f"/status/{application.reference}"
    shown = resident.get(page)
    assert shown.status_code == 200 and 'name="payreq-iban"' in shown.get_data(as_text=True)
    response = _post(
        resident,
        f"{page}/payment-request",
        {
            "payreq-kind": "advance",
            "payreq-amount": "250,50",
            "payreq-account_holder": PAYEE,
            "payreq-iban": IBAN.lower(),
            "payreq-bic": "",
        },
        page="/status/resend",  # the session's token; the status page's forms carry it too
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    request = db.session.scalars(select(PaymentRequest)).one()

    # Staff approve; the payment list for the bank, read back in German spreadsheet settings.
    money = f"/staff/applications/{application.id}/money"
    base = f"/staff/applications/{application.id}/payment-requests/{request.id}"
    assert _post(client, f"{base}/approve", {}, page=money).status_code == 302
    year = db.session.scalars(select(FundYear).where(FundYear.fund_id == application.fund_id)).one()
    listed = _spreadsheet(client.get(f"/staff/fund-years/{year.id}/payment-list.csv"))
    heading = ["Kontoinhaber*in", "IBAN", "BIC", "Betrag (EUR)", "Verwendungszweck"]
    assert listed[0][:5] == heading
    [row] = listed[1:]
    assert row[:4] == [PAYEE, IBAN, "", "250,50"]  # umlauts, grouped IBAN, German amount
    assert row[4].startswith(application.reference)

    # Staff pay: the payment is booked once, leaves the bank's list and is in the bookings.
    assert (
        _post(client, f"{base}/paid", {"prstep-note": "Überweisung 12"}, page=money).status_code
        == 302
    )
    payments = db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "payment")).all()
    assert [p.amount_cents for p in payments] == [25050]
    listed = _spreadsheet(client.get(f"/staff/fund-years/{year.id}/payment-list.csv"))
    assert listed[1:] == []
    bookings = _spreadsheet(client.get(f"/staff/fund-years/{year.id}/bookings.csv"))
    amounts = [r[-1] for r in bookings[1:]]
    assert "400,00" in amounts and "250,50" in amounts

    # Staff write the Turkish description; the Turkish area page shows it, marked Turkish.
    texts = f"/staff/areas/{area.id}/texts"
    html = client.get(texts).get_data(as_text=True)
    field = re.search(r'name="(tr-description)"', html) or re.search(
        r'name="([^"]*tr[^"]*description[^"]*)"', html
    )
    assert field, "no Turkish description field on the texts page"
    turkish = "Mahalle fonu, sakinlerin küçük eylemlerini destekler."
    response = client.post(texts, data={"csrf_token": csrf_from(html), field.group(1): turkish})
    assert response.status_code == 302
    public = app.test_client().get(f"/{area.slug}/", headers={"Accept-Language": "tr"})
    assert re.search(rf'lang="tr"[^>]*>\s*{re.escape(turkish)}', public.get_data(as_text=True))
