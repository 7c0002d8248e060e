"""The applicant's status link: landing, page, editing, withdrawing, resending, files."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from juryfund.extensions import db
from juryfund.models import LinkGrant, Mail
from juryfund.models.base import utcnow

from .conftest import application_data, last_mail, only_application, status_link

pytestmark = pytest.mark.intake


@pytest.fixture
def applied(client, area, apply):
    """One application sent; returns (application, its status link path)."""
    apply()
    return only_application(), status_link(last_mail("ayse@example.org"))


def test_status_link_moves_grant_to_session_and_drops_token(client, applied):
    application, link = applied
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/status/{application.reference}"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert application.title in html and "Ayşe Yılmaz" in html
    assert "1.234,50" in html


def test_status_link_get_changes_nothing(client, applied):
    application, link = applied
    before = (application.state, len(application.events))
    client.get(link)
    db.session.refresh(application)
    assert (application.state, len(application.events)) == before


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-2] + "xx", lambda t: "garbage", lambda t: t + "a"]
)
def test_tampered_link_gets_clear_page(client, applied, mangle):
    _application, link = applied
    token = link.rsplit("/", 1)[1]
    response = client.get(f"/status/link/{mangle(token)}", headers={"Accept-Language": "en"})
    assert response.status_code == 400
    assert "This link does not work" in response.get_data(as_text=True)


def test_revoked_link_refused_and_session_access_ends(client, applied):
    application, link = applied
    client.get(link)
    grant = db.session.scalars(select(LinkGrant)).one()
    grant.revoked_at = utcnow()
    db.session.commit()
    assert client.get(link).status_code == 400
    assert client.get(f"/status/{application.reference}").status_code == 403


def test_session_access_ends_when_the_link_would_have_expired(client, applied, clock_at):
    """A session keeps the link's grant, but not longer than the link itself lives: used daily,
    the session would otherwise open the application for ever."""
    from datetime import timedelta

    from juryfund.infra import tokens

    application, link = applied
    client.get(link)
    page = f"/status/{application.reference}"
    grant = db.session.scalars(select(LinkGrant)).one()
    clock_at(grant.created_at + timedelta(seconds=tokens.STATUS_MAX_AGE - 60))
    assert client.get(page).status_code == 200
    clock_at(grant.created_at + timedelta(seconds=tokens.STATUS_MAX_AGE + 60))
    assert client.get(page).status_code == 403


def test_status_page_without_grant_is_forbidden(client, applied):
    application, _link = applied
    assert client.get(f"/status/{application.reference}").status_code == 403


def test_status_token_of_other_purpose_refused(client, applied, app):
    from juryfund.infra import tokens

    application, _link = applied
    token = tokens.sign("ballot", {"g": 1, "a": application.id})
    assert client.get(f"/status/link/{token}").status_code == 400


def test_applicant_edits_while_submitted(client, applied, send):
    application, link = applied
    client.get(link)
    url = f"/status/{application.reference}/edit"
    form_html = client.get(url).get_data(as_text=True)
    assert 'value="Hoffest"' in form_html and 'value="1234,50"' in form_html
    data = application_data(title="Großes Hoffest")
    checked = send(url, data, "check").get_data(as_text=True)
    assert 'class="confirm-panel"' in checked
    fund_id = str(application.fund_id)
    response = send(url, {**data, "confirmed_fund": fund_id}, "submit")
    assert response.status_code == 302
    db.session.refresh(application)
    assert (application.title, application.state) == ("Großes Hoffest", "submitted")
    assert [e.kind for e in application.events] == ["submitted", "changed"]


def test_withdraw_needs_confirmation_then_withdraws(client, applied, post_form):
    application, link = applied
    client.set_cookie("juryfund_lang", "en")
    client.get(link)
    page = f"/status/{application.reference}"
    response = post_form(
        f"{page}/withdraw",
        {"reason": "Fest fällt aus"},
        page=page,
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "Please confirm that you want to withdraw" in response.get_data(as_text=True)
    response = post_form(
        f"{page}/withdraw", {"reason": "Fest fällt aus", "confirm": "y"}, page=page
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state == "withdrawn"
    assert application.events[-1].note == "Fest fällt aus"
    assert "/edit" not in client.get(page).get_data(as_text=True)


def test_withdrawn_application_cannot_be_edited(client, applied, post_form):
    application, link = applied
    client.get(link)
    page = f"/status/{application.reference}"
    post_form(f"{page}/withdraw", {"confirm": "y"}, page=page)
    response = client.get(f"{page}/edit")
    assert response.status_code == 302


def test_resend_answers_the_same_for_known_and_unknown_address(client, applied, post_form):
    before = db.session.scalar(select(func.count(Mail.id)))
    known = post_form("/status/resend", {"email": "AYSE@example.org"}).get_data(as_text=True)
    unknown = post_form("/status/resend", {"email": "nobody@example.org"}).get_data(as_text=True)
    strip = lambda html: html.split('<main id="main"')[1].split("</main>")[0]  # noqa: E731
    assert strip(known) == strip(unknown)
    assert db.session.scalar(select(func.count(Mail.id))) == before + 1
    assert last_mail("ayse@example.org").purpose == "application.link"


def test_resend_new_link_works(client, applied, post_form):
    application, _link = applied
    post_form("/status/resend", {"email": "ayse@example.org"})
    response = client.get(status_link(last_mail("ayse@example.org")))
    assert response.headers["Location"] == f"/status/{application.reference}"


def test_resend_bad_address_gets_field_error(client, post_form):
    html = post_form(
        "/status/resend", {"email": "nope"}, headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert 'id="email-error"' in html


def test_applicant_downloads_own_attachment_only(client, area, apply, send):
    apply(attachments=[(io.BytesIO(b"%PDF-1.4 quote"), "quote.pdf")])
    application = only_application()
    client.get(status_link(last_mail("ayse@example.org")))
    attachment = application.attachments[0]
    response = client.get(f"/status/{application.reference}/files/{attachment.id}")
    assert response.status_code == 200
    assert response.data == b"%PDF-1.4 quote"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    other = client.application.test_client()
    assert other.get(f"/status/{application.reference}/files/{attachment.id}").status_code == 403
