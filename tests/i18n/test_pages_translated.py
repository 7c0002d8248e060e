"""Every public page, rendered in each language, shows no English text from the templates.

For each page, the English rendering gives the reference: its visible text (text nodes, the page
title, and the labels screen readers read: aria-label, title, alt, placeholder, button values),
cut at every piece of data the test seeded (names, titles, references, amounts, dates, the
product name, the language names of the switcher, addresses). What is left and has at least three
words is template text; none of it may appear verbatim in the same page in another language.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from juryfund.domain.money import format_amount_for_input
from juryfund.extensions import db
from juryfund.models import Mail
from juryfund.services import ballots, decisions, rounds, transparency
from juryfund.web.i18n import LANGUAGE_COOKIE, LANGUAGE_NAMES
from tests.intake.conftest import application_data
from tests.voting.conftest import make_ready

from ..conftest import csrf_from

pytestmark = pytest.mark.i18n

LANGUAGES = ["de", "tr", "ar", "uk", "ru", "pl"]
SLUG = "soldiner-kiez"

#: Everything the test puts into the database or types into forms: user data, not UI text.
SEEDED = [
    "juryfund",
    "Soldiner Kiez",
    "Berlin",
    "Aktionsfonds",
    "Jury Soldiner Kiez",
    "Nachbarschaft",
    "Kultur",
    "Umlauf März",
    "Jurysitzung",
    "Nachbarschaftsetage",
    "Formal geprüft.",
    "Material",
    "Pflanzaktion",
    "Lesecafé",
    "Kiezkino",
    "Beschreibung",
    "Soldiner Str. 1",
    "Ayşe Yılmaz",
    "Hofgemeinschaft",
    "Hoffest",
    "Ein Fest im Hof",
    "Hof",
    "Erde",
    "Stauden",
    "Musiker",
    "Soldiner Str. 1, 13359 Berlin",
    *LANGUAGE_NAMES.values(),
]
#: Pieces that are data by their shape: numbered names of seeded people and groups, e-mail
#: addresses, references, numbers and amounts.
DATA_SHAPES = [
    r"(?:Member|Antragsteller|Initiative) \d+",
    r"\S+@\S+",
    # English dates and times as Babel writes them: "Nov 29, 2026, 2:45 AM", "January 1, 2027"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}, \d{4}(?:,? \d{1,2}:\d{2}[\s\u202f]?[AP]M)?",
    r"[A-Z]{2,5}-\d{4}-\d{4}",
    r"[\d.,\s\u00a0\u202f]*\d[\d.,]*\s*€?",
]
WORD = re.compile(r"[^\W\d_]+")
READ_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}


class _Text(HTMLParser):
    """The visible and read-aloud text of a page, piece by piece."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.lang: str | None = None
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.lang = attributes.get("lang")
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if value and (
                name in READ_ATTRIBUTES
                or (name == "value" and attributes.get("type") in ("submit", "button"))
            ):
                self.pieces.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip = max(0, self._skip - 1)

    def handle_data(self, data):
        if not self._skip and data.strip():
            self.pieces.append(data)


def page_text(html: str) -> tuple[str | None, list[str]]:
    """(the <html lang>, the text pieces with whitespace collapsed)."""
    parser = _Text()
    parser.feed(html)
    return parser.lang, [" ".join(piece.split()) for piece in parser.pieces]


DATA = re.compile(
    "|".join([*(re.escape(s) for s in sorted(SEEDED, key=len, reverse=True)), *DATA_SHAPES])
)


def template_phrases(pieces: list[str]) -> list[str]:
    """The pieces of English UI text, data cut out, with at least three words each."""
    phrases = []
    for piece in pieces:
        for fragment in DATA.split(piece):
            fragment = fragment.strip(" \t\u00a0\u202f·–-:;,.()€“”\"'")
            if len(WORD.findall(fragment)) >= 3 and fragment not in phrases:
                phrases.append(fragment)
    return phrases


# --- seed data: one area with every kind of public page filled --------------------------------------


def decide_in_meeting(area, fund, jury, staff, titles_and_outcomes):
    """A jury meeting an hour ago decides the applications (6 of 7 present); approvals confirmed."""
    closed_at = datetime.now(UTC) - timedelta(hours=1)
    apps = [make_ready(area, fund, title, 50000) for title, _outcome in titles_and_outcomes]
    meeting = rounds.save_round(
        None,
        jury,
        mode="meeting",
        title="Jurysitzung",
        when=closed_at - timedelta(hours=2),
        place="Nachbarschaftsetage",
        actor=staff.actor,
    )
    rounds.set_agenda(meeting, [a.id for a in apps])
    rounds.open_round(meeting, actor=staff.actor, now=closed_at - timedelta(days=7))
    present = meeting.participants[:6]
    for participant in present:
        ballots.set_presence(participant, True, actor=staff.actor)
    for item, (_title, outcome) in zip(meeting.agenda, titles_and_outcomes, strict=True):
        yes = 5 if outcome == "approved" else 1
        for i, participant in enumerate(present):
            ballots.cast_vote(participant, item, "yes" if i < yes else "no", actor=staff.actor)
    rounds.close_round(meeting, actor=staff.actor, now=closed_at)
    for item in meeting.agenda:
        if item.result == "approved":
            decisions.confirm_approval(
                item,
                amount_cents=45000,
                conditions="",
                reasons="Weniger Mittel als beantragt verfügbar.",
                actor=staff.actor,
            )
    db.session.commit()
    return apps


def link_in_mail(to: str, kind: str) -> str:
    """The path of the newest /<kind>/link/ in a queued mail to an address."""
    mail = db.session.scalars(
        select(Mail).where(Mail.to_addr == to).order_by(Mail.id.desc())
    ).first()
    match = re.search(rf"https?://[^/\s]+(/{kind}/link/[^\s\"<]+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


@pytest.fixture
def pages(client, make):
    """name -> a function rendering that public page for the client (in the cookie's language)."""
    area = make.area(name="Soldiner Kiez", slug=SLUG, code="SOL")
    jury = make.body(area, members=7)
    fund = make.fund(area, jury, cap_cents=150000, allocation_cents=1_000_000)
    staff = make.staff(areas=[area])
    funded, _rejected = decide_in_meeting(
        area, fund, jury, staff, [("Pflanzaktion", "approved"), ("Kiezkino", "rejected")]
    )
    circulation = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf März",
        when=datetime.now(UTC) + timedelta(days=7),
        place="",
        actor=staff.actor,
    )
    rounds.set_agenda(circulation, [make_ready(area, fund, "Lesecafé", 30000).id])
    rounds.open_round(circulation, actor=staff.actor)
    db.session.commit()
    year = transparency.current_year(area)

    # A resident applies through the form (in German); the client then holds the done page.
    client.set_cookie(LANGUAGE_COOKIE, "de")
    form_url = f"/{SLUG}/apply"
    data = application_data()
    checked = client.post(
        form_url,
        data={
            "csrf_token": csrf_from(client.get(form_url).get_data(as_text=True)),
            "action": "check",
            **data,
        },
    ).get_data(as_text=True)
    fund_id = re.search(r'name="confirmed_fund" value="(\d+)"', checked)
    assert fund_id, checked[:3000]
    sent = client.post(
        form_url,
        data={
            "csrf_token": csrf_from(checked),
            "action": "submit",
            "confirmed_fund": fund_id.group(1),
            **data,
        },
    )
    assert sent.status_code == 302, sent.get_data(as_text=True)[:3000]
    reference = re.search(
        r"[A-Z]+-\d{4}-\d{4}", client.get(f"/{SLUG}/apply/done").get_data(as_text=True)
    ).group(0)
    assert client.get(link_in_mail(data["email"], "status")).status_code == 302
    assert client.get(link_in_mail(jury.members[0].email, "ballot")).status_code == 302

    def get(url: str, status: int = 200):
        def render(language: str) -> str:
            client.set_cookie(LANGUAGE_COOKIE, language)
            response = client.get(url)
            assert response.status_code == status, (url, language, response.status_code)
            return response.get_data(as_text=True)

        return render

    def post(url: str, payload, *, page: str | None = None, status: int = 200):
        """payload: a dict, or a function of the language giving one."""

        def render(language: str) -> str:
            client.set_cookie(LANGUAGE_COOKIE, language)
            token = csrf_from(client.get(page or url).get_data(as_text=True))
            data = payload(language) if callable(payload) else payload
            response = client.post(url, data={"csrf_token": token, **data})
            assert response.status_code == status, (url, language, response.status_code)
            return response.get_data(as_text=True)

        return render

    def complete(language: str) -> dict:
        """The application with its amounts typed the way of the language."""
        amounts = {
            "cost_items-0-unit_price": 450,
            "cost_items-1-unit_price": 3000,
            "cost_items-2-unit_price": 60000,
            "requested": 123450,
        }
        return {
            **data,
            "action": "check",
            **{name: format_amount_for_input(cents, language) for name, cents in amounts.items()},
        }

    broken = {
        **data,
        "action": "check",
        "title": "",
        "requested": "zwölf",
        "cost_items-0-unit_price": "4,5,0",
        "email": "nope",
    }
    return {
        "start page /": get("/"),
        "privacy notice": get("/privacy"),
        "area page": get(f"/{SLUG}/"),
        "easy to read page": get(f"/{SLUG}/easy"),
        "application form": get(form_url),
        "application form with errors": post(form_url, broken),
        "application form, fund confirmation": post(form_url, complete),
        "application sent": get(f"/{SLUG}/apply/done"),
        "status page": get(f"/status/{reference}"),
        "status page, withdraw with errors": post(
            f"/status/{reference}/withdraw", {"reason": ""}, page=f"/status/{reference}"
        ),
        "status page, change application": get(f"/status/{reference}/edit"),
        "status link broken": get("/status/link/not-a-token", status=400),
        "resend page": get("/status/resend"),
        "resend page with errors": post("/status/resend", {"email": "nope"}),
        "resend page, sent": post("/status/resend", {"email": "ayse@example.org"}),
        "ballot page": get(f"/ballot/{circulation.id}"),
        "ballot link broken": get("/ballot/link/not-a-token", status=400),
        "decisions": get(f"/{SLUG}/decisions"),
        "budget": get(f"/{SLUG}/budget"),
        "project": get(f"/{SLUG}/projects/{funded.reference}"),
        "annual report": get(f"/{SLUG}/report/{year}"),
        "city report": get(f"/report/{year}"),
        "error page 404": get(f"/{SLUG}/no-such-page", status=404),
    }


@pytest.mark.parametrize("language", LANGUAGES)
def test_public_pages_show_no_english_ui_text(client, pages, language):
    untranslated: dict[str, list[str]] = {}
    for name, render in pages.items():
        english_lang, english = page_text(render("en"))
        assert english_lang == "en", name
        phrases = template_phrases(english)
        assert phrases, name  # the page has UI text to compare at all

        lang, pieces = page_text(render(language))
        assert lang == language, name
        translated = "\n".join(pieces)
        found = [phrase for phrase in phrases if phrase in translated]
        if found:
            untranslated[name] = found
    assert untranslated == {}, (
        "English UI text in "
        + language
        + ":\n"
        + "\n".join(f"  {name}: {found}" for name, found in untranslated.items())
    )


def test_comparison_finds_english_left_in_a_page():
    english = (
        '<html lang="en"><head><title>Apply · Soldiner Kiez · juryfund</title></head><body>'
        '<a href="#main">Skip to content</a><p>Your application goes to the <strong>Aktionsfonds</strong>.</p>'
        '<p>Total: €1,234.50 on Nov 29, 2026, 2:45\u202fAM</p><nav aria-label="Links between the pages"></nav>'
        "<p>Ayşe Yılmaz · SOL-2026-0001 · ayse@example.org</p></body></html>"
    )
    lang, pieces = page_text(english)
    assert lang == "en"
    assert template_phrases(pieces) == [
        "Skip to content",
        "Your application goes to the",
        "Links between the pages",
    ]
    german = '<html lang="de"><body><a>Zum Inhalt</a><p>Your application goes to the <b>Aktionsfonds</b></p></body></html>'
    translated = "\n".join(page_text(german)[1])
    assert [p for p in template_phrases(pieces) if p in translated] == [
        "Your application goes to the"
    ]
