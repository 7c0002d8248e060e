"""Every mail declares its language and direction, and keeps typed text in its own order.

Each template in ``templates/mail/`` is rendered in German and in Arabic with one context that
holds everything any mail needs: a German title with punctuation and a number, typed by an
applicant who uses the Arabic form. The built message must say its language in the header
(Content-Language) and in the HTML part (``<html lang dir>``, and on body and container for
clients that drop the html element); the title must be isolated wherever it appears (``<bdi>``
in HTML, FSI … PDI in Arabic plain text) so it reads left to right inside right-to-left text.
"""

from __future__ import annotations

import html as html_lib
from datetime import UTC, date, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import force_locale, gettext

from juryfund.infra.mail import build_message, make_message_id, render_mail
from juryfund.models.base import utcnow
from juryfund.models.system import Mail
from juryfund.web.bidi import FSI, PDI

pytestmark = pytest.mark.i18n

TEMPLATES = Path(__file__).resolve().parents[2] / "templates" / "mail"
TITLE = "Hoffest 2026: Musik & Tanz!"
NAME = "Jürgen Müller-Lüdenscheidt"
NOTE = "Bitte den Kostenplan ergänzen (Punkt 3)."
MAILS = sorted(
    path.stem
    for path in TEMPLATES.glob("*.html")
    if path.stem != "base" and not path.stem.startswith("_")
)


def context() -> dict:
    """Everything any mail template reads, with German typed text and an Arabic applicant."""
    body = SimpleNamespace(name="Quartiersrat")
    fund = SimpleNamespace(name="Aktionsfonds", body=body)
    area = SimpleNamespace(
        name="Soldiner Kiez", contact_email="qm@example.org", objection_notice="", city="Berlin"
    )
    application = SimpleNamespace(
        title=TITLE,
        applicant_name=NAME,
        organisation="Nachbarn e.V.",
        language="ar",
        reference="SOL-2026-0042",
        requested_cents=120_000,
    )
    meeting = datetime(2026, 5, 12, 16, 0, tzinfo=UTC)
    round_ = SimpleNamespace(
        mode="meeting",
        title="Sitzung im Mai",
        meeting_at=meeting,
        deadline=meeting,
        due_at=meeting,
        place="Nachbarschaftshaus, Raum 2",
        quorum_waived=False,
    )
    decision = SimpleNamespace(
        outcome="approved",
        supersedes_id=None,
        approved_cents=100_000,
        requested_cents=120_000,
        reasons=NOTE,
        conditions=NOTE,
        correction_reason="",
    )
    notice = {
        "reference": application.reference,
        "title": TITLE,
        "language": "ar",
        "url": "https://kiez.example.org/staff/applications/1",
        "amount_cents": 50_000,
        "due_date": date(2026, 9, 30),
        "round": "Sitzung im Mai",
        "waiting": 2,
    }
    return {
        "application": application,
        "fund": fund,
        "area": area,
        "body": body,
        "round": round_,
        "items": [SimpleNamespace(position=1, application=application)],
        "member": SimpleNamespace(name=NAME),
        "decision": decision,
        "proof_due": date(2026, 9, 30),
        "proof": SimpleNamespace(due_on=date(2026, 9, 30)),
        "request": SimpleNamespace(amount_cents=50_000, refusal_reason=NOTE),
        "step": "refused",
        "note": NOTE,
        "owed": 2_000,
        "proven": 98_000,
        "released": 2_000,
        "allowance": 0,
        "slot": meeting,
        "deputy": True,
        "replacing": [(TITLE, NAME)],
        "conflicted": [TITLE],
        "replaces": False,
        "kind": "application_new",
        "p": notice,
        "notices": [("application_new", notice)],
        "status_url": "https://kiez.example.org/status/abc",
        "ballot_url": "https://kiez.example.org/ballot/abc",
        "message": NOTE,
        "page_address": "https://kiez.example.org/soldiner-kiez",
        "area_name": "Soldiner Kiez",
        "sender_name": NAME,
        "sender_email": "jm@example.org",
        "sender_language": "de",
        "name": NAME,
        "link": "https://kiez.example.org/status/abc",
    }


def built(template: str, language: str) -> tuple[EmailMessage, str]:
    """The message as a receiver parses it, and its HTML part."""
    subject, text, html = render_mail(template, language, context())
    mail = Mail(
        message_id=make_message_id(),
        to_addr="resident@example.org",
        language=language,
        purpose="test",
        subject=subject,
        body_text=text,
        body_html=html,
        created_at=utcnow(),
        attempts=0,
        last_error="",
    )
    raw = build_message(mail, "juryfund <noreply@example.org>").as_bytes()
    message = message_from_bytes(raw, policy=default_policy)
    assert isinstance(message, EmailMessage)
    part = message.get_body(preferencelist=("html",))
    assert part is not None, f"{template}: no HTML part"
    return message, part.get_content()


def test_every_mail_template_is_found():
    assert len(MAILS) >= 15
    for name in MAILS:
        assert (TEMPLATES / f"{name}.txt").is_file(), f"{name}.html has no .txt part"
        source = (TEMPLATES / f"{name}.html").read_text(encoding="utf-8")
        assert '{% extends "mail/base.html" %}' in source, f"{name}.html bypasses mail/base.html"


@pytest.mark.parametrize("template", MAILS)
@pytest.mark.parametrize(("language", "direction"), [("de", "ltr"), ("ar", "rtl")])
def test_every_mail_declares_its_language_and_direction(app, template, language, direction):
    message, html = built(template, language)
    assert message["Content-Language"] == language
    assert html.startswith("<!doctype html>")
    assert f'<html lang="{language}" dir="{direction}">' in html
    # Clients that strip <html> (webmail) keep the body or the container with its direction.
    assert f'<body lang="{language}" dir="{direction}"' in html
    assert (
        f'role="article" aria-label="{html_lib.escape(message["Subject"])}" lang="{language}" dir="{direction}"'
        in html
    )


def shown_body(html: str) -> str:
    """The HTML inside the mail's container: the subject in <title> and aria-label is text."""
    return html.split('role="article"', 1)[1].split(">", 1)[1]


def before_german_text(text: str) -> str:
    """A translated plain-text mail up to the binding German text (which is German, LTR)."""
    with force_locale("de"):
        heading = gettext("German text (legally binding)")
    return text.split(heading)[0]


@pytest.mark.parametrize("template", MAILS)
@pytest.mark.parametrize("language", ["de", "ar"])
def test_typed_title_is_isolated_wherever_a_mail_shows_it(app, template, language):
    _, text, html = render_mail(template, language, context())
    body = shown_body(html)
    escaped = html_lib.escape(TITLE, quote=False)
    shown = body.count(escaped)
    # In HTML: inside <bdi lang="de"> (the letters are Latin though the applicant reads Arabic),
    # or a plain <bdi> where only the title is at hand (a member's list of conflicts).
    isolated = body.count(f'<bdi lang="de">{escaped}</bdi>') + body.count(f"<bdi>{escaped}</bdi>")
    assert shown == isolated, f"{template}: {shown - isolated} of {shown} titles not isolated"
    assert TITLE not in body  # never unescaped
    if language == "ar":
        arabic = before_german_text(text)
        assert arabic.count(TITLE) == arabic.count(f"{FSI}{TITLE}{PDI}"), template
    else:
        assert FSI not in text and PDI not in text, template


def test_arabic_plain_text_keeps_a_german_title_and_amount_apart(app):
    _, text, _ = render_mail("ballot_invitation", "ar", context())
    line = next(line for line in text.splitlines() if line.startswith("1. "))
    # "1. ⁨Hoffest 2026: Musik & Tanz!⁩ (⁨1.200,00 €⁩)" with the locale's own number format.
    assert line.startswith(f"1. {FSI}{TITLE}{PDI} ({FSI}")
    assert line.endswith(f"{PDI})")


def test_a_multi_line_note_is_isolated_line_by_line(app):
    values = context() | {"note": "Erste Zeile: 1.\nZweite Zeile!"}
    _, text, _ = render_mail("application_returned", "ar", values)
    assert f"{FSI}Erste Zeile: 1.{PDI}\n{FSI}Zweite Zeile!{PDI}" in text
