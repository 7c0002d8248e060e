"""Residents' rights (issue 15): withdrawing a consent and erasure on request (Art. 17 GDPR).

A withdrawn consent takes effect on every public page at once; an erasure removes the personal
data from every page, export and mail file, while the books, the annual report and the audit
trail read exactly as before.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import Actor
from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.infra import audit, clock, reconcile
from juryfund.infra.mail import deliver_pending
from juryfund.models import (
    Application,
    ApplicationEvent,
    LedgerEntry,
    Mail,
    ProjectStory,
    StoryPhoto,
)
from juryfund.services import books, intake, privacy, proofs, stories
from tests.photos import phone_jpeg
from tests.public_text import readable_text
from tests.races import one_won, race

from ..conftest import csrf_from
from ..intake.conftest import last_mail, status_link

pytestmark = pytest.mark.security

NAME = "Zeynep Kaya"
EMAIL = "zeynep.kaya@example.org"
PHONE = "030 98765432"
ADDRESS = "Koloniestraße 77, 13359 Berlin"
PERSONAL_TEXT = "Nachbarin Zeynep Kaya aus dem Hinterhaus"
PERSONAL = (NAME, EMAIL, PHONE, ADDRESS, "Kaya", "Koloniestraße 77")


@pytest.fixture
def published(approved):
    """The approved "Pflanzaktion" with a named applicant who agreed to publication."""
    approved.applicant_name = NAME
    approved.email = EMAIL
    approved.phone = PHONE
    approved.address = ADDRESS
    approved.consent_publish_name = True
    approved.applicant_kind = "person"
    db.session.commit()
    return approved


@pytest.fixture
def settled(published, staff, app):
    """Paid, proof of use with a receipt naming the applicant accepted: settled; mails sent
    to the file backend; its target group names the applicant too."""
    published.target_group = PERSONAL_TEXT
    books.record_payment(
        published, amount_cents=40000, payment_type="advance", note="", actor=staff.actor
    )
    proof = proofs.proof_for(published)
    proofs.save(
        proof,
        report=f"Bericht von {NAME}",
        receipts=[
            proofs.ReceiptLine(
                date=clock.today_in(None),
                supplier=f"Gärtnerei {NAME}",
                item="Erde",
                amount_cents=40000,
            )
        ],
    )
    proofs.submit(proof)
    db.session.commit()
    proofs.accept(proof, actor=staff.actor)
    db.session.commit()
    # The project story names her too, and a photo's description does (issue 17).
    stories.save(
        published,
        text=f"{NAME} und die Nachbarn haben gepflanzt.",
        consent=True,
        photos=[stories.NewPhoto(phone_jpeg(), f"{NAME} am Beet", field="new_photos-0-file")],
        actor=Actor.applicant(published.reference),
    )
    stories.approve(published, actor=staff.actor)
    db.session.commit()
    deliver_pending()
    db.session.refresh(published)
    assert published.state == "settled"
    return published


def _public_pages(client, application) -> dict[str, str]:
    """Every public page, feed, export and API answer about the application's area."""
    values = {
        "slug": application.area.slug,
        "reference": application.reference,
        "year": clock.today_in(None).year,
    }
    pages = {}
    for rule in client.application.url_map.iter_rules():
        blueprint = rule.endpoint.split(".")[0]
        if (
            blueprint not in ("public", "transparency", "api")
            or "GET" not in rule.methods
            or not set(rule.arguments) <= set(values)
        ):
            continue
        url = rule.build({name: values[name] for name in rule.arguments})[1]
        response = client.get(url)
        if response.status_code == 200:
            pages[url] = readable_text(response)  # PDFs (annual reports) read as text
    return pages


def test_applicant_withdraws_consent_from_the_status_page(client, published, app):
    """The status page offers the withdrawal; afterwards no public page shows the name, the
    cache included, and the history says so."""
    before = _public_pages(client, published)
    assert any(NAME in html for html in before.values()), "the name was published before"

    intake.resend_links(EMAIL)
    db.session.commit()
    client.get(status_link(last_mail(EMAIL)))
    page = client.get(f"/status/{published.reference}").get_data(as_text=True)
    assert "Withdraw consent" in page or "Einwilligung widerrufen" in page
    # Without the confirmation nothing happens, and the error stands next to the box.
    refused = client.post(
        f"/status/{published.reference}/consent", data={"csrf_token": csrf_from(page)}
    )
    assert refused.status_code == 200
    db.session.refresh(published)
    assert published.consent_publish_name is True
    response = client.post(
        f"/status/{published.reference}/consent",
        data={"csrf_token": csrf_from(page), "confirm_consent": "y"},
    )
    assert response.status_code == 302
    db.session.refresh(published)
    assert published.consent_publish_name is False
    after = _public_pages(client, published)
    assert after.keys() == before.keys()
    for url, html in after.items():
        assert NAME not in html, url
    kinds = db.session.scalars(
        select(ApplicationEvent.kind).where(ApplicationEvent.application_id == published.id)
    ).all()
    assert "consent" in kinds
    assert reconcile.reconcile() == [] and audit.verify() == []


def test_staff_withdraw_consent_on_a_written_request(client, published, staff, login):
    login(staff)
    url = f"/staff/applications/{published.id}"
    page = client.get(url).get_data(as_text=True)
    missing = client.post(f"{url}/consent", data={"csrf_token": csrf_from(page)})
    assert missing.status_code == 200  # the note of how the request came is required
    db.session.refresh(published)
    assert published.consent_publish_name is True
    done = client.post(
        f"{url}/consent",
        data={"csrf_token": csrf_from(page), "request_note": "Brief vom 3. Dezember"},
    )
    assert done.status_code == 302
    db.session.refresh(published)
    assert published.consent_publish_name is False
    event = db.session.scalars(
        select(ApplicationEvent).where(ApplicationEvent.kind == "consent")
    ).one()
    assert event.note == "Brief vom 3. Dezember" and event.actor_staff_id == staff.id


def test_withdrawing_twice_is_refused(published):
    privacy.withdraw_consent(published, "publish_name", actor=Actor.applicant("x"))
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        privacy.withdraw_consent(published, "publish_name", actor=Actor.applicant("x"))
    assert refused.value.reason == "privacy.consent_not_given"


def _books(application) -> list[tuple]:
    return db.session.execute(
        select(LedgerEntry.kind, LedgerEntry.amount_cents, LedgerEntry.fund_year_id)
        .where(LedgerEntry.application_id == application.id)
        .order_by(LedgerEntry.id)
    ).all()


def _staff_pages(client, application) -> dict[str, str]:
    urls = [
        f"/staff/applications/{application.id}",
        f"/staff/applications/{application.id}/personal-data.json",
        f"/staff/areas/{application.area_id}/applications",
        f"/staff/applications/{application.id}/money",
        f"/staff/audit/applications/{application.id}",
    ]
    pages = {}
    for url in urls:
        response = client.get(url)
        if response.status_code == 200:
            pages[url] = readable_text(response)  # PDFs (annual reports) read as text
    return pages


def _mail_files(app) -> dict[str, str]:
    directory = Path(app.instance_path) / "mail"
    return {
        path.name: path.read_bytes().decode("utf-8", "replace") for path in directory.glob("*.eml")
    }


def test_erasure_on_request_leaves_books_report_and_trail_unchanged(
    client, settled, staff, login, app
):
    """Staff read what goes and what stays, confirm; every page, export and mail file is then
    free of the applicant's data, while the books, the annual report and verify-audit agree."""
    anonymous = app.test_client()
    slug = settled.area.slug
    report_before = anonymous.get(f"/{slug}/report").get_data(as_text=True)
    books_before = _books(settled)
    login(staff)
    staff_before = _staff_pages(client, settled)
    assert any(EMAIL in html for html in staff_before.values())
    found = client.get(f"/staff/areas/{settled.area_id}/applications?q=Kaya")
    assert settled.reference in found.get_data(as_text=True)
    files_before = _mail_files(app)
    assert any(EMAIL in text for text in files_before.values()), "mails were written before"
    mails_before = db.session.scalar(select(func.count(Mail.id)))
    assert {table for table, _value in _rows_containing(PERSONAL)} >= {
        "application",
        "mail",
        "project_story",
        "story_photo",
    }
    story_before = anonymous.get(f"/{slug}/projects/{settled.reference}").get_data(as_text=True)
    assert f"{NAME} am Beet" in story_before, "the story was public before"

    page = client.get(f"/staff/applications/{settled.id}/erase").get_data(as_text=True)
    assert "What is kept, and why" in page or "Was bleibt" in page
    # Without a reason nothing is erased, and what was typed stays in the form.
    refused = client.post(
        f"/staff/applications/{settled.id}/erase",
        data={"csrf_token": csrf_from(page), "title": "Pflanzaktion", "confirm_erasure": "y"},
    )
    assert refused.status_code == 200 and 'value="Pflanzaktion"' in refused.get_data(as_text=True)
    db.session.refresh(settled)
    assert settled.anonymised_at is None
    done = client.post(
        f"/staff/applications/{settled.id}/erase",
        data={
            "csrf_token": csrf_from(page),
            "reason": "Schriftlicher Antrag vom 1. Dezember",
            "title": "Pflanzaktion",
            "texts": ["target_group", "proof_report"],
            "confirm_erasure": "y",
        },
    )
    assert done.status_code == 302
    db.session.refresh(settled)
    assert settled.anonymised_at is not None

    # The books, the annual report and the trail read as before.
    assert _books(settled) == books_before
    assert anonymous.get(f"/{slug}/report").get_data(as_text=True) == report_before
    assert audit.verify() == [] and reconcile.reconcile() == []
    assert runner_ok(app)

    # No page, export or mail file still holds the personal data.
    pages = {**_staff_pages(client, settled), **_public_pages(anonymous, settled)}
    for url, html in pages.items():
        for value in PERSONAL:
            assert value not in html, (url, value)
    for name, text in _mail_files(app).items():
        for value in (NAME, EMAIL):
            assert value not in text, name
    assert db.session.scalar(select(func.count(Mail.id))) < mails_before
    # Searching the inbox by the erased name or address finds nothing any more.
    for query in ("Kaya", EMAIL):
        found = client.get(f"/staff/areas/{settled.area_id}/applications?q={query}")
        assert settled.reference not in found.get_data(as_text=True), query
    export = json.loads(
        client.get(f"/staff/applications/{settled.id}/personal-data.json").get_data()
    )
    assert export["applicant"]["email"] == "" and export["mails"] == []
    # Nor does any row of any table: the erased values are nowhere in the database.
    assert _rows_containing(PERSONAL) == []
    # The story and its photos are gone, the bytes included.
    assert db.session.scalar(select(func.count(StoryPhoto.id))) == 0
    assert db.session.scalar(select(func.count(ProjectStory.id))) == 0
    assert export["project_story"] is None
    # The status link is gone with the other personal data.
    assert app.test_client().get(f"/status/{settled.reference}").status_code == 403


def _rows_containing(values: tuple[str, ...]) -> list[tuple[str, str]]:
    """(table, value) for every text cell of the database that holds one of the values."""
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(select(table)).all():
            for cell in row:
                if isinstance(cell, str | bytes):
                    text = cell.decode("utf-8", "replace") if isinstance(cell, bytes) else cell
                    found += [(table.name, value) for value in values if value in text]
    return found


def runner_ok(app) -> bool:
    """`flask juryfund verify-audit` passes."""
    result = app.test_cli_runner().invoke(args=["juryfund", "verify-audit"])
    return result.exit_code == 0


def test_erasure_waits_until_the_application_is_finished(client, published, staff, login):
    login(staff)
    page = client.get(f"/staff/applications/{published.id}/erase").get_data(as_text=True)
    assert "once the application is finished" in page or "abgeschlossen" in page
    with pytest.raises(DomainError) as refused:
        privacy.erase(published, actor=staff.actor, reason="Antrag", title="Pflanzaktion")
    assert refused.value.reason == "privacy.not_final"


def test_staff_send_a_new_status_link_and_the_old_one_stops_working(
    app, client, published, staff, login
):
    """A resident lost the link or passed it on: staff send a new one; the old one is dead."""
    intake.resend_links(EMAIL)
    db.session.commit()
    old_link = status_link(last_mail(EMAIL))
    resident = app.test_client()
    assert resident.get(old_link).status_code == 302
    login(staff)
    page = client.get(f"/staff/applications/{published.id}").get_data(as_text=True)
    response = client.post(
        f"/staff/applications/{published.id}/status-link", data={"csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302
    new_link = status_link(last_mail(EMAIL))
    assert new_link != old_link
    assert app.test_client().get(old_link).status_code == 400  # "this link no longer works"
    assert resident.get(f"/status/{published.reference}").status_code == 403  # grant revoked
    fresh = app.test_client()
    assert fresh.get(new_link).status_code == 302
    assert fresh.get(f"/status/{published.reference}").status_code == 200
    kinds = db.session.scalars(
        select(ApplicationEvent.kind).where(ApplicationEvent.application_id == published.id)
    ).all()
    assert "link" in kinds


# --- at once: the applicant and staff, or two staff, send the same request ---------------------


def _withdraw(application_id: int, actor: Actor):
    def job(ready):
        application = db.session.get(Application, application_id)
        ready()
        privacy.withdraw_consent(application, "publish_name", actor=actor)

    return job


def test_consent_withdrawn_by_applicant_and_staff_at_once_is_recorded_once(app, published, staff):
    """One history line and one refusal ("not given"), never two withdrawals of one consent."""
    outcomes = race(
        app,
        _withdraw(published.id, Actor.applicant(published.reference)),
        _withdraw(published.id, staff.actor),
    )
    one_won(outcomes, "privacy.consent_not_given")
    events = db.session.scalar(
        select(func.count(ApplicationEvent.id)).where(
            ApplicationEvent.application_id == published.id, ApplicationEvent.kind == "consent"
        )
    )
    assert (events, db.session.get(Application, published.id).consent_publish_name) == (1, False)


def _erase(application_id: int, staff_id: int):
    def job(ready):
        application = db.session.get(Application, application_id)
        ready()
        privacy.erase(
            application, actor=Actor.staff(staff_id), reason="Brief", title="Pflanzaktion"
        )

    return job


def test_two_staff_erasing_at_once_erase_once(app, settled, staff):
    """The second finds the data erased: one "erased" line in the history, books unchanged."""
    books_before = _books(settled)
    outcomes = race(app, _erase(settled.id, staff.id), _erase(settled.id, staff.id))
    one_won(outcomes, "privacy.already_erased")
    erased = db.session.scalar(
        select(func.count(ApplicationEvent.id)).where(
            ApplicationEvent.application_id == settled.id, ApplicationEvent.kind == "erased"
        )
    )
    application = db.session.get(Application, settled.id)
    assert (erased, application.email, application.anonymised_at is not None) == (1, "", True)
    assert NAME not in application.applicant_name
    assert _books(application) == books_before


def test_erasure_form_shows_every_missing_field_at_once(client, settled, staff, login):
    """Reason and anonymised title both missing: both errors, each next to its field."""
    login(staff)
    page = f"/staff/applications/{settled.id}/erase"
    html = client.get(page).get_data(as_text=True)
    response = client.post(page, data={"csrf_token": csrf_from(html), "reason": "", "title": ""})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert 'id="reason-error"' in body and 'id="title-error"' in body
    assert db.session.get(Application, settled.id).anonymised_at is None
