"""The whole intake as a new user would go through it, with mail over a real SMTP server."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest

from juryfund.extensions import db
from juryfund.infra.mail import deliver_pending
from tests.smtp_server import links_in, messages_to, text_of

from ..conftest import csrf_from
from .conftest import application_data, only_application

pytestmark = pytest.mark.intake


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path


def _status_link(message) -> str:
    return next(_path(link) for link in links_in(message) if "/status/link/" in link)


def test_resident_applies_gets_mail_edits_staff_returns_resident_fixes_staff_readies(
    smtp_app, smtp_server, client, area, apply, make, login, post_form
):
    # 1. A resident applies in German: three cost lines, amount typed as "1.234,50", a quote.
    response = apply(attachments=[(io.BytesIO(b"%PDF-1.4 quote"), "Angebot.pdf")])
    assert response.status_code == 302
    application = only_application()
    assert application.requested_cents == 123450

    # 2. The confirmation arrives on the SMTP server, in German, with the status link.
    assert deliver_pending() == 1
    [confirmation] = messages_to(smtp_server, "ayse@example.org")
    assert application.reference in confirmation["Subject"]
    link = _status_link(confirmation)

    # 3. The resident opens the link and edits the title.
    resident = smtp_app.test_client()
    page = resident.get(link, follow_redirects=True)
    assert application.reference in page.get_data(as_text=True)
    edit = f"/status/{application.reference}/edit"
    data = application_data(title="Hoffest mit Musik")
    resident.post(
        edit,
        data={
            "csrf_token": csrf_from(resident.get(edit).get_data(as_text=True)),
            "action": "submit",
            "confirmed_fund": str(application.fund_id),
            **data,
        },
    )
    db.session.refresh(application)
    assert application.title == "Hoffest mit Musik"

    # 4. Staff return it with a note; the note reaches the resident by mail.
    login(make.staff(areas=[area]))
    staff_page = f"/staff/applications/{application.id}"
    post_form(
        f"{staff_page}/return",
        {"note": "Bitte die Zielgruppe genauer beschreiben."},
        page=staff_page,
    )
    assert deliver_pending() == 1
    [_, returned] = messages_to(smtp_server, "ayse@example.org")
    assert "Bitte die Zielgruppe genauer beschreiben." in text_of(returned)

    # 5. The resident fixes it from the new link and sends it again.
    resident.get(_status_link(returned))
    data = application_data(
        title="Hoffest mit Musik", target_group="Familien und ältere Nachbarn im Hof"
    )
    resident.post(
        edit,
        data={
            "csrf_token": csrf_from(resident.get(edit).get_data(as_text=True)),
            "action": "submit",
            "confirmed_fund": str(application.fund_id),
            **data,
        },
    )
    db.session.refresh(application)
    assert (application.state, application.target_group) == (
        "submitted",
        "Familien und ältere Nachbarn im Hof",
    )

    # 6. Staff mark it ready for the jury.
    post_form(f"{staff_page}/ready", {"note": "Vollständig."}, page=staff_page)
    db.session.refresh(application)
    assert application.state == "ready"
    assert [e.to_state for e in application.events if e.kind == "state"] == [
        "returned",
        "submitted",
        "ready",
    ]
