"""The accessibility statement (BITV 2.0 § 7): linked from every page, in every language, edited
by admins, and its feedback form reaches the QM team through the outbox (issue 16, item 4)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import delete, select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import AccessibilityStatement, Mail
from tests.factories import AdminFactory

from ..conftest import csrf_from

pytestmark = pytest.mark.i18n

LANGUAGES = ["de", "en", "tr", "ar", "uk", "ru", "pl"]
GAPS = "Die Karten der Projekte sind noch nicht mit der Tastatur bedienbar."
ENFORCEMENT = "Schlichtungsstelle nach dem Landesgleichberechtigungsgesetz Berlin"
#: First saves raced, each on an empty table (a collision needs the two to overlap).
TRIES = 4


def _statement(**overrides) -> AccessibilityStatement:
    values = {
        "id": 1,
        "conformity": "partial",
        "known_gaps": GAPS,
        "checked_on": date(2026, 11, 30),
        "checked_how": "Selbstbewertung mit axe-core",
        "contact_email": "barrierefrei@qm.example",
        "enforcement_body": ENFORCEMENT,
        **overrides,
    }
    row = AccessibilityStatement(**values)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.mark.parametrize("language", LANGUAGES)
def test_statement_exists_in_every_language_and_every_page_links_to_it(client, area, language):
    """Each language renders the statement in its own words; the footer links it everywhere."""
    _statement()
    headers = {"Accept-Language": language}
    page = client.get("/accessibility", headers=headers)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and f'lang="{language}"' in html
    # The admins' German text keeps its language; other pages say it is only in German.
    assert f'<div class="staff-text" lang="de" dir="auto">{GAPS}</div>' in html
    assert ENFORCEMENT in html
    if language != "de":
        with force_locale(language):
            assert gettext("This text is only available in German.") in html
    for path in ("/", f"/{area.slug}/", "/privacy", "/staff/login", "/status/resend"):
        assert 'href="/accessibility"' in client.get(path, headers=headers).get_data(as_text=True)


def test_unsaved_statement_says_so_instead_of_inventing_a_check(client):
    html = client.get("/accessibility", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "noch nicht vollständig ausgefüllt" in html
    assert "zuletzt am" not in html


def test_admin_edits_the_statement_every_error_at_once_then_saved(client, login):
    admin = AdminFactory()
    db.session.commit()
    login(admin)
    url = "/staff/admin/accessibility"
    html = client.get(url).get_data(as_text=True)
    typed = "Diagramme haben eine Tabelle als Alternative."
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(html),
            "conformity": "partial",
            "known_gaps": typed,
            "checked_on": (clock.today_in(None) + timedelta(days=3)).isoformat(),
            "contact_email": "",
            "enforcement_body": "",
        },
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    for field in ("contact_email", "enforcement_body"):
        assert f'id="{field}-error"' in body
    assert typed in body  # nothing typed is lost
    assert db.session.get(AccessibilityStatement, 1) is None

    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(html),
            "conformity": "partial",
            "known_gaps": typed,
            "checked_on": (clock.today_in(None) + timedelta(days=3)).isoformat(),
            "contact_email": "barrierefrei@qm.example",
            "enforcement_body": ENFORCEMENT,
        },
    )
    assert 'id="checked_on-error"' in response.get_data(as_text=True)  # a check in the future

    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(html),
            "conformity": "full",
            "known_gaps": typed,
            "checked_on": "2026-11-30",
            "checked_how": "Test durch eine Prüfstelle",
            "contact_email": "barrierefrei@qm.example",
            "enforcement_body": ENFORCEMENT,
        },
    )
    assert response.status_code == 302
    row = db.session.get(AccessibilityStatement, 1)
    assert (row.conformity, row.checked_on, row.known_gaps) == ("full", date(2026, 11, 30), typed)
    public = client.get("/accessibility", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "30.11.2026" in public and "vollständig" in public and typed in public


def test_staff_who_are_not_admins_cannot_edit_the_statement(client, login, staff):
    login(staff)
    assert client.get("/staff/admin/accessibility").status_code == 403


def _send(client, **fields):
    page = client.get("/accessibility/feedback").get_data(as_text=True)
    # A browser always sends the select's value; "" is "not about one neighbourhood".
    data = {"csrf_token": csrf_from(page), "area": "", **fields}
    return client.post("/accessibility/feedback", data=data)


def test_feedback_reaches_the_statement_contact_through_the_outbox(client):
    _statement()
    empty = _send(client, message="", page="/soldiner-kiez/apply", name="Ayşe")
    body = empty.get_data(as_text=True)
    assert empty.status_code == 200 and 'id="message-error"' in body and "Ayşe" in body
    assert db.session.scalar(select(Mail.id)) is None

    response = _send(
        client,
        message="Der Knopf »Senden« ist mit dem Screenreader nicht zu finden.",
        page="/soldiner-kiez/apply",
        name="Ayşe Kaya",
        email="ayse@example.org",
    )
    assert response.status_code == 200
    mail = db.session.scalars(select(Mail)).one()
    assert (mail.to_addr, mail.purpose, mail.language) == (
        "barrierefrei@qm.example",
        "accessibility.feedback",
        "de",
    )
    assert "Screenreader" in mail.body_text and "ayse@example.org" in mail.body_text
    assert "/soldiner-kiez/apply" in mail.body_text


def test_feedback_about_an_area_goes_to_its_qm_team_and_without_statement_to_admins(client, area):
    admin = AdminFactory(email="admin-a11y@example.org")
    area.contact_email = "qm@soldiner.example"
    db.session.commit()
    _send(client, message="Zu kleine Schrift.", area=str(area.id))
    _send(client, message="Kontrast zu schwach.", area="")
    recipients = [m.to_addr for m in db.session.scalars(select(Mail).order_by(Mail.id))]
    assert recipients == ["qm@soldiner.example", admin.email]


def test_feedback_with_an_unknown_area_is_an_error_not_a_500(client):
    response = _send(client, message="Test", area="999999")
    assert response.status_code == 200 and 'id="area-error"' in response.get_data(as_text=True)


def test_two_admins_saving_the_first_statement_at_once_both_succeed(app, client):
    """Nothing saved yet: both saves create the one row race-free, the second wins after the
    first (no unique-key error, no 500), and the public page shows what was saved last."""
    from juryfund.domain.actors import Actor
    from juryfund.models import AuditEvent
    from juryfund.services import accessibility
    from tests.races import race

    assert "@qm.example" not in client.get("/accessibility").get_data(as_text=True)  # cached
    admin_ids = [AdminFactory().id, AdminFactory().id]
    db.session.commit()

    def save(admin_id: int, contact: str):
        def job(ready):
            actor = Actor.staff(admin_id)
            ready()
            accessibility.save_statement(
                conformity="partial",
                known_gaps=GAPS,
                checked_on=date(2026, 11, 30),
                checked_how="Selbstbewertung",
                contact_email=contact,
                enforcement_body=ENFORCEMENT,
                actor=actor,
            )

        return job

    contacts = ["barrierefrei-a@qm.example", "barrierefrei-b@qm.example"]
    for attempt in range(TRIES):  # the first save each time: the statement row is gone again
        if attempt:
            db.session.execute(delete(AccessibilityStatement))
            db.session.commit()
        outcomes = race(app, save(admin_ids[0], contacts[0]), save(admin_ids[1], contacts[1]))
        assert outcomes == ["ok", "ok"], (attempt, outcomes)
    row = db.session.get(AccessibilityStatement, 1)
    assert row.contact_email in contacts
    saved = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "accessibility.statement_saved")
    ).all()
    assert len(saved) == 2 * TRIES
    assert row.contact_email in client.get("/accessibility").get_data(as_text=True)
