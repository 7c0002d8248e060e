"""The "Easy to read" page (Einfach erklärt, issue 16 item 3): in every offered language, with the
area's real funds, money, body, session deadline and contact; its German and English texts follow
the Leichte Sprache / Easy Read rules a program can check; every area page, form and done page
links to it."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.dates import format_date
from babel.messages.pofile import read_po
from flask_babel import force_locale, gettext, pgettext

from juryfund.config import SUPPORTED_LOCALES
from juryfund.domain.actors import SYSTEM
from juryfund.domain.money import format_euros
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.services import sessions
from juryfund.web.i18n import LANGUAGE_COOKIE
from tests.factories import BodyFactory, FundFactory

pytestmark = pytest.mark.i18n

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
LINK_TEXT = "Easy to read: how it works"

# --- the rules ------------------------------------------------------------------------------------

#: Leichte Sprache: at most about 15 words a sentence (Netzwerk Leichte Sprache, DIN SPEC 33429).
MAX_WORDS = 15
#: Other languages read longer for the same statement (Turkish and Polish suffixes, Arabic
#: particles written apart): a looser bound that still catches a sentence of two statements.
MAX_WORDS_OTHER = 20
ABBREVIATIONS = {
    "de": r"\b(?:z\.\s?B|bzw|ca|usw|ggf|evtl|u\.\s?a|d\.\s?h|inkl|zzgl|vgl|Nr|bspw|etc)\.",
    "en": r"\b(?:e\.\s?g|i\.\s?e|etc|approx|incl|vs)\.",
}
#: Passive voice, as far as a pattern catches it: a form of "werden" with a past participle, and
#: "to be" with a regular or a common irregular past participle.
PASSIVE = {
    "de": r"\b(?:wird|werden|wurde|wurden|worden)\b.*\bge\w+(?:t|en)\b|\bge\w+(?:t|en) (?:wird|werden)\b",
    "en": r"\b(?:is|are|was|were|be|been|being)\s+(?:\w+ed|paid|sent|made|given|done|kept|told"
    r"|shown|written|taken|seen|called|known|held|spent|bought)\b",
}
WORD = re.compile(r"[^\W_]+(?:[-'’.,][^\W_]+)*")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def rule_breaks(sentences: list[str], language: str, max_words: int = MAX_WORDS) -> list[str]:
    """Each sentence that breaks a rule, with the rule: length, abbreviation, euro sign,
    semicolon, passive voice."""
    found = []
    for sentence in sentences:
        words = WORD.findall(sentence)
        if len(words) > max_words:
            found.append(f"{len(words)} words: {sentence}")
        if language in ABBREVIATIONS and re.search(ABBREVIATIONS[language], sentence, re.I):
            found.append(f"abbreviation: {sentence}")
        if "€" in sentence:
            found.append(f"euro sign: {sentence}")
        if ";" in sentence:
            found.append(f"semicolon: {sentence}")
        if language in PASSIVE and re.search(PASSIVE[language], sentence, re.I):
            found.append(f"passive: {sentence}")
    return found


def sentences_of(text: str) -> list[str]:
    """The sentences of a line of text."""
    return [s.strip() for s in SENTENCE_END.split(" ".join(text.split())) if s.strip()]


class _EasyText(HTMLParser):
    """The easy-to-read lines of a rendered page: each block of the page's easy part, with typed
    data (in <bdi>) as one word and the area's own typed texts (class "prose") left out."""

    BLOCKS = {"p", "li", "h1", "h2", "h3", "dt", "dd", "a"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.depth = 0  # inside .easy-read
        self.skip = 0  # inside .prose
        self.data = 0  # inside <bdi>

    def _flush(self) -> None:
        line = " ".join("".join(self.current).split())
        if line:
            self.lines.append(line)
        self.current = []

    def handle_starttag(self, tag, attrs):
        classes = (dict(attrs).get("class") or "").split()
        if "easy-read" in classes:
            self.depth = 1
            return
        if not self.depth:
            return
        if tag == "div":
            self.depth += 1
            if "prose" in classes or self.skip:
                self.skip += 1
        if tag in self.BLOCKS:
            self._flush()
        if tag == "bdi":
            self.data += 1
            self.current.append("Data")

    def handle_endtag(self, tag):
        if not self.depth:
            return
        if tag == "div":
            self.depth -= 1
            self.skip = max(0, self.skip - 1)
        if tag in self.BLOCKS:
            self._flush()
        if tag == "bdi":
            self.data -= 1

    def handle_data(self, data):
        if self.depth and not self.skip and not self.data:
            self.current.append(data)


def easy_sentences(html: str) -> list[str]:
    """Every sentence of the page's easy-to-read part."""
    parser = _EasyText()
    parser.feed(html)
    parser._flush()
    return [s for line in parser.lines for s in sentences_of(line)]


def test_rule_checker_finds_each_kind_of_break():
    """The checker is not blind: a sentence breaking each rule is reported."""
    german = [
        "Der Antrag wird vom Team geprüft.",
        "Sie bekommen z. B. 1.500 € für Material.",
        "Bringen Sie Belege mit; wir prüfen sie.",
        "Wir bezahlen Material, Mieten, Honorare, Fahrkarten, Essen, Getränke, Werbung, "
        "Technik, Miete für Räume und noch viel mehr.",
        "Sie bekommen höchstens 1.500 Euro.",
    ]
    found = rule_breaks(german, "de")
    assert [f.split(":")[0] for f in found] == [
        "passive",
        "abbreviation",
        "euro sign",
        "semicolon",
        "17 words",
    ]
    assert rule_breaks(["Your application is checked by the team, e.g. for receipts."], "en")
    assert rule_breaks(["The QM team checks your application."], "en") == []


def test_easy_text_skips_typed_texts_and_counts_data_as_one_word():
    html = (
        '<div class="easy-read"><p>Die Jury heißt: <bdi lang="de">Aktionsfondsjury Soldiner '
        'Kiez Nord-Ost</bdi>.</p><div class="prose" lang="de">Sprechzeiten: Di 10–13 Uhr; '
        "z. B. mittwochs</div><ul><li>die Belege</li></ul></div><p>Außerhalb; z. B.</p>"
    )
    assert easy_sentences(html) == ["Die Jury heißt: Data.", "die Belege"]


# --- the page -------------------------------------------------------------------------------------


@pytest.fixture
def easy_area(make):
    """An area offering every language with an Aktionsfonds (jury) and a Quartiersfonds
    (council, from 5,000 €), a next jury session, a contact text and address."""
    area = make.area(
        name="Soldiner Kiez",
        slug="soldiner-kiez",
        code="SOL",
        contact_email="qm@soldiner-kiez.example",
    )
    area.contact_info = "Quartiersbüro, Koloniestraße 129"  # an area text (staff's texts page)
    jury = make.body(area, members=7)
    council = BodyFactory(area=area, kind="council", name="Quartiersrat Soldiner Kiez", members=15)
    action = make.fund(area, jury, cap_cents=150_000, allocation_cents=1_000_000)
    neighbourhood = FundFactory(
        area=area,
        body=council,
        kind="neighbourhood_fund",
        name="Quartiersfonds",
        cap_cents=5_000_000,
        minimum_cents=500_000,
        lead_time_days=42,
        proof_weeks=8,
        fund_year__allocation_cents=6_000_000,
    )
    today = clock.area_today(area)
    session = sessions.add_session(
        action,
        meets_on=today + timedelta(days=30),
        apply_by=today + timedelta(days=21),
        place="Nachbarschaftsetage",
        actor=SYSTEM,
    )
    db.session.commit()
    return area, action, neighbourhood, session


def page(client, url: str, language: str) -> str:
    client.set_cookie(LANGUAGE_COOKIE, language)
    response = client.get(url)
    assert response.status_code == 200, (url, language, response.status_code)
    return response.get_data(as_text=True)


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_easy_page_shows_the_areas_real_figures_in_every_language(client, easy_area, language):
    area, action, neighbourhood, session = easy_area
    html = page(client, f"/{area.slug}/easy", language)
    assert f'<html lang="{language}"' in html
    with force_locale(language):
        title = pgettext("easy", "Easy to read")
    assert f"<title>{title} · Soldiner Kiez" in html
    for cents in (150_000, 1_000_000, 5_000_000, 500_000, 6_000_000):
        assert format_euros(cents, language) in html, (cents, language)
    for shown in ("Aktionsfonds", "Quartiersfonds", "Quartiersrat Soldiner Kiez"):
        assert shown in html
    assert format_date(session.apply_by, "long", locale=language) in html
    assert format_date(session.meets_on, "long", locale=language) in html
    assert "Nachbarschaftsetage" in html
    assert "mailto:qm@soldiner-kiez.example" in html
    assert "Quartiersbüro, Koloniestraße 129" in html
    assert f'href="/{area.slug}/apply"' in html


@pytest.mark.parametrize("language", ["de", "en"])
def test_easy_page_follows_the_rules_as_rendered(client, easy_area, language):
    area = easy_area[0]
    sentences = easy_sentences(page(client, f"/{area.slug}/easy", language))
    assert len(sentences) > 80  # the whole page was read, not only its title
    assert rule_breaks(sentences, language) == []


def test_easy_page_headings_are_questions(client, easy_area):
    html = page(client, f"/{easy_area[0].slug}/easy", "de")
    headings = re.findall(r"<h2[^>]*>(.*?)</h2>", html, re.DOTALL)
    assert len(headings) == 7
    assert [h for h in headings if not h.strip().endswith("?")] == []


def test_easy_page_of_an_area_without_funds_says_so(client, make):
    area = make.area(slug="leer", code="LEE")
    html = page(client, f"/{area.slug}/easy", "de")
    assert "Im Moment gibt es hier keinen Fonds." in html
    assert f'href="/{area.slug}/apply"' not in html
    assert rule_breaks(easy_sentences(html), "de") == []


def test_easy_page_of_an_unknown_area_is_404(client):
    assert client.get("/no-such-area/easy").status_code == 404


def _easy_messages(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f, locale=locale)
    return [m for m in catalog if m.id and m.context == "easy"]


@pytest.mark.parametrize("locale", ["de", "en", "tr", "ar", "uk", "ru", "pl"])
def test_every_easy_message_follows_the_rules_in_its_catalog(locale):
    """Also the sentences a given area does not show (no fund, only a council, no session)."""
    messages = _easy_messages(locale)
    assert len(messages) > 100
    sentences = []
    for message in messages:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for string in strings:
            # Placeholders stand for one piece of data: a name, a number, a date.
            sentences += sentences_of(re.sub(r"%\(\w+\)s", "Data", string))
    limit = MAX_WORDS if locale in ("de", "en") else MAX_WORDS_OTHER
    assert rule_breaks(sentences, locale, limit) == []


@pytest.mark.parametrize("language", SUPPORTED_LOCALES)
def test_area_page_form_and_done_page_link_to_the_easy_page(client, easy_area, language):
    area = easy_area[0]
    with force_locale(language):
        label = gettext(LINK_TEXT)
    link = f'<a href="/{area.slug}/easy">{label}</a>'
    assert link in page(client, f"/{area.slug}/", language)
    form = page(client, f"/{area.slug}/apply", language)
    assert link in form
    # Near the top: before the first field of the form.
    assert form.index(link) < form.index("<form")


def test_done_page_links_to_the_easy_page(client, easy_area):
    area = easy_area[0]
    with client.session_transaction() as session:
        session["submitted_reference"] = "SOL-2026-0001"
    assert f'href="/{area.slug}/easy"' in page(client, f"/{area.slug}/apply/done", "de")


def test_euros_in_easy_sentences_are_whole_numbers(client, easy_area):
    """Leichte Sprache writes numbers as digits and without ",00"."""
    html = page(client, f"/{easy_area[0].slug}/easy", "de")
    assert "Sie bekommen höchstens 1.500 Euro." in html
    assert "Der Fonds bezahlt nur Projekte ab 5.000 Euro." in html
    assert ",00" not in " ".join(easy_sentences(html))


def test_easy_page_dates_are_in_the_areas_calendar(client, easy_area):
    session = easy_area[3]
    assert session.apply_by > date(2000, 1, 1)
    html = page(client, f"/{easy_area[0].slug}/easy", "de")
    apply_by = format_date(session.apply_by, "long", locale="de")
    assert f"Schicken Sie Ihren Antrag spätestens bis zum {apply_by}." in html
