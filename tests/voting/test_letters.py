"""Decision letters: reasons confirmed by staff, the letter in the applicant's language with the
binding German text and the objection notice, its PDF for staff and applicant."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.infra.mail import deliver_pending
from juryfund.models import Decision, Mail
from juryfund.services import ballots, decisions, intake, rounds
from tests.factories import AreaFactory, StaffFactory
from tests.smtp_server import html_of, messages_to, text_of

from ..conftest import log_in
from ..intake.conftest import status_link

pytestmark = pytest.mark.voting

FOOTER = "This is a translation for your convenience. Only the German text is legally binding."
GERMAN_HEADING = "German text (legally binding)"
OBJECTION = (
    "You can object to this decision (Widerspruch) within one month of receiving this letter."
)
REASONS = "Die Aktion findet außerhalb des Quartiers statt."


def in_language(language: str, message: str) -> str:
    """A message id as a language's catalog has it."""
    with force_locale(language):
        return gettext(message)


@pytest.fixture
def closed(open_round, ready_apps, staff):
    """Pflanzaktion approved 4:1; Hoffest (a Turkish applicant) rejected 1:4, both waiting."""
    ready_apps[1].language = "tr"
    round_ = open_round()
    votes = (["yes"] * 4 + ["no"], ["yes"] + ["no"] * 4)
    for item, choices in zip(round_.agenda[:2], votes, strict=True):
        for participant, choice in zip(round_.participants, choices, strict=False):
            ballots.cast_vote(participant, item, choice)
    rounds.close_round(round_, actor=staff.actor, early_reason="Alle haben abgestimmt.")
    db.session.commit()
    return round_


def confirm_url(round_, index: int) -> str:
    """The confirm page of an agenda item."""
    return f"/staff/rounds/{round_.id}/items/{round_.agenda[index].id}/confirm"


def test_confirm_rejection_requires_reasons_shown_next_to_the_field(
    client, closed, staff, login, post_form
):
    login(staff)
    url = confirm_url(closed, 1)
    page = client.get(url)
    assert page.status_code == 200 and 'name="reasons"' in page.get_data(as_text=True)
    response = post_form(url, {"reasons": "   "})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="reasons-error"' in html and 'aria-invalid="true"' in html
    assert closed.agenda[1].application.state == "scheduled"
    assert db.session.scalar(select(Decision).where(Decision.outcome == "rejected")) is None
    assert db.session.scalars(select(Mail).where(Mail.purpose == "decision.rejected")).all() == []

    response = post_form(url, {"reasons": REASONS})
    assert response.status_code == 302
    db.session.expire_all()
    decision = decisions.current_decision(closed.agenda[1].application)
    assert (decision.outcome, decision.reasons) == ("rejected", REASONS)
    assert closed.agenda[1].application.state == "rejected"
    # Confirmed once: the page now refuses, and nothing is recorded twice.
    assert post_form(url, {"reasons": "Noch einmal."}).status_code == 200
    assert (
        len(db.session.scalars(select(Decision).where(Decision.outcome == "rejected")).all()) == 1
    )


def test_partial_approval_requires_reasons_and_keeps_what_was_typed(
    client, closed, staff, login, post_form
):
    login(staff)
    url = confirm_url(closed, 0)
    response = post_form(url, {"amount": "300,00", "conditions": "Fotos schicken."})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="reasons-error"' in html
    assert "Fotos schicken." in html and 'value="300,00"' in html
    response = post_form(
        url, {"amount": "300,00", "conditions": "Fotos schicken.", "reasons": "Knappe Mittel."}
    )
    assert response.status_code == 302
    decision = decisions.decision_for_item(closed.agenda[0])
    assert (decision.approved_cents, decision.requested_cents, decision.reasons) == (
        30000,
        48000,
        "Knappe Mittel.",
    )


def test_full_approval_needs_no_reasons(closed, staff):
    decision = decisions.confirm_approval(
        closed.agenda[0], amount_cents=48000, conditions="", actor=staff.actor
    )
    assert decision.reasons == ""


def test_services_refuse_missing_reasons(closed, staff):
    with pytest.raises(DomainError) as caught:
        decisions.confirm_rejection(closed.agenda[1], reasons=" \n", actor=staff.actor)
    assert (caught.value.reason, caught.value.field) == ("decision.reasons_rejected", "reasons")
    with pytest.raises(DomainError) as caught:
        decisions.confirm_approval(
            closed.agenda[0], amount_cents=40000, conditions="", actor=staff.actor
        )
    assert (caught.value.reason, caught.value.field) == ("decision.reasons_partial", "reasons")
    # A rejected item is not confirmed as an approval, nor the other way round.
    with pytest.raises(DomainError, match="decision.rejection_not_pending"):
        decisions.confirm_rejection(closed.agenda[0], reasons="x", actor=staff.actor)
    with pytest.raises(DomainError, match="decision.not_pending"):
        decisions.confirm_approval(
            closed.agenda[1], amount_cents=120000, conditions="", actor=staff.actor
        )


@pytest.mark.parametrize(
    ("outcome", "approved", "reasons"),
    [("rejected", None, ""), ("approved", 30000, "")],
)
def test_database_refuses_a_rejection_or_partial_approval_without_reasons(
    closed, outcome, approved, reasons
):
    item = closed.agenda[0]
    db.session.add(
        Decision(
            application_id=item.application_id,
            outcome=outcome,
            approved_cents=approved,
            requested_cents=48000,
            reasons=reasons,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_turkish_rejection_letter_has_turkish_and_german_text_reasons_and_objection_notice(
    smtp_app, smtp_server, closed, staff, area
):
    area.contact_email = "qm@soldiner-kiez.example.org"
    hoffest = closed.agenda[1].application
    decisions.confirm_rejection(closed.agenda[1], reasons=REASONS, actor=staff.actor)
    db.session.commit()
    deliver_pending()
    [letter] = messages_to(smtp_server, hoffest.email)
    assert letter["Content-Language"] == "tr"
    for body in (text_of(letter), html_of(letter)):
        # Turkish first: the catalog's text, really Turkish.
        for message in ("Reasons:", OBJECTION, FOOTER):
            assert in_language("tr", message) != message
            assert in_language("tr", message) in body
        # Then the binding German text, with the same reasons and the objection notice.
        for message in (GERMAN_HEADING, "Reasons:", OBJECTION):
            assert in_language("de", message) in body
        assert "Widerspruch" in body and "qm@soldiner-kiez.example.org" in body
        assert body.count(REASONS) == 2
        assert body.index(in_language("tr", OBJECTION)) < body.index(
            in_language("de", GERMAN_HEADING)
        )


def test_binding_footer_only_in_mails_that_carry_the_german_text(
    smtp_app, smtp_server, closed, staff, ready_apps
):
    pflanz, hoffest = ready_apps[0], ready_apps[1]
    decisions.confirm_approval(
        closed.agenda[0], amount_cents=48000, conditions="Mit Logo.", actor=staff.actor
    )
    decisions.confirm_rejection(closed.agenda[1], reasons=REASONS, actor=staff.actor)
    intake.send_status_link(hoffest, purpose="application.link", template="status_link")
    db.session.commit()
    deliver_pending()
    german_letter = messages_to(smtp_server, pflanz.email)[-1]
    turkish_letter, turkish_link = messages_to(smtp_server, hoffest.email)
    turkish_footer = in_language("tr", FOOTER)
    assert turkish_footer in text_of(turkish_letter) and turkish_footer in html_of(turkish_letter)
    # A Turkish mail without the German text says nothing of a binding German text.
    assert turkish_footer not in text_of(turkish_link)
    assert turkish_footer not in html_of(turkish_link)
    # A German letter is the German text itself: no translation note, no second copy.
    text = text_of(german_letter)
    assert in_language("de", FOOTER) not in text
    assert in_language("de", GERMAN_HEADING) not in text
    assert "Mit Logo." in text and in_language("de", OBJECTION) in text


def test_area_objection_notice_is_set_by_its_staff_and_used_in_letters(
    app, client, closed, staff, area, login, post_form
):
    url = f"/staff/areas/{area.id}/objection-notice"
    stranger = app.test_client()
    log_in(stranger, StaffFactory(areas=[AreaFactory()]))
    assert stranger.get(url).status_code == 403
    assert client.get(url).status_code == 302  # to the login page
    login(staff)
    assert client.get(url).status_code == 200
    # Without the CSRF token nothing is saved.
    assert client.post(url, data={"notice": "Nein"}).status_code == 400
    notice = "Widerspruch schriftlich an: Träger GmbH, Soldiner Str. 1, 13359 Berlin."
    assert post_form(url, {"notice": notice}).status_code == 302
    assert area.objection_notice == notice
    decisions.confirm_rejection(closed.agenda[1], reasons=REASONS, actor=staff.actor)
    db.session.commit()
    mail = db.session.scalars(select(Mail).where(Mail.purpose == "decision.rejected")).one()
    assert mail.body_text.count(notice) == 2  # in the Turkish part and in the German text
    assert in_language("tr", OBJECTION) not in mail.body_text


def test_letter_pdf_for_staff_and_applicant_with_link_on_the_status_page(
    app, client, closed, staff, login
):
    hoffest = closed.agenda[1].application
    browser = app.test_client()
    # Before the rejection is confirmed there is no letter.
    intake.send_status_link(hoffest, purpose="application.link", template="status_link")
    db.session.commit()
    link = status_link(db.session.scalars(select(Mail).order_by(Mail.id.desc())).first())
    browser.get(link)
    page = browser.get(f"/status/{hoffest.reference}").get_data(as_text=True)
    assert f"/status/{hoffest.reference}/letter.pdf" not in page
    assert browser.get(f"/status/{hoffest.reference}/letter.pdf").status_code == 404

    decisions.confirm_rejection(closed.agenda[1], reasons=REASONS, actor=staff.actor)
    db.session.commit()
    page = browser.get(f"/status/{hoffest.reference}").get_data(as_text=True)
    assert f'href="/status/{hoffest.reference}/letter.pdf"' in page
    assert in_language("tr", "Download letter (PDF)") in page
    login(staff)
    for client_, url in (
        (browser, f"/status/{hoffest.reference}/letter.pdf"),
        (client, f"/staff/applications/{hoffest.id}/letter.pdf"),
    ):
        response = client_.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "application/pdf"
        assert response.data.startswith(b"%PDF")
        assert "no-store" in response.headers["Cache-Control"]
    printable = browser.get(f"/status/{hoffest.reference}/letter").get_data(as_text=True)
    assert REASONS in printable and in_language("de", GERMAN_HEADING) in printable
    assert '<html lang="tr"' in printable
    # A letter is dated by its day, never with the time of the click.
    assert not re.search(r"\b\d{1,2}:\d{2}\b", printable)
    assert client.get(f"/staff/applications/{hoffest.id}/letter").status_code == 200
    # Without the link's grant, or for staff of another area, the letter stays closed.
    assert app.test_client().get(f"/status/{hoffest.reference}/letter.pdf").status_code == 403
    stranger = app.test_client()
    log_in(stranger, StaffFactory(areas=[AreaFactory()]))
    assert stranger.get(f"/staff/applications/{hoffest.id}/letter.pdf").status_code == 403
    # No letter for an application without a confirmed decision.
    pflanz = closed.agenda[0].application
    assert client.get(f"/staff/applications/{pflanz.id}/letter.pdf").status_code == 404
