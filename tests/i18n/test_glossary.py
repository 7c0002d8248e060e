"""Every catalog uses the glossary's fixed term for each domain term, and the known translation
errors of the review (issue 16) stay fixed: in the catalogs, the rendered error summary, the
German greeting, the applicant's language on the staff page and the euro sign."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from juryfund.domain.money import format_money
from juryfund.web.i18n import LANGUAGE_COOKIE
from tests.factories import ApplicationFactory
from tests.intake.conftest import application_data

from ..conftest import csrf_from

pytestmark = pytest.mark.i18n

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "translations"
LANGUAGES = ["de", "tr", "ar", "uk", "ru", "pl"]
GLOSSARY = tomllib.loads((TRANSLATIONS / "glossary.toml").read_text(encoding="utf-8"))["terms"]


def _catalog(locale: str):
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


CATALOGS = {locale: _catalog(locale) for locale in LANGUAGES}


def _entries(locale: str):
    """(English msgid, every translated string) of each message of the catalog."""
    for message in CATALOGS[locale]:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield ids, strings


def test_glossary_names_a_term_and_forms_for_every_language():
    """A term without a language's choice would let that catalog pass unchecked."""
    missing = [
        (key, locale)
        for key, term in GLOSSARY.items()
        for locale in LANGUAGES
        if not (term.get(locale, {}).get("term") and term.get(locale, {}).get("forms"))
    ]
    assert missing == []
    assert {"german", "english", "match", "bracket"} <= set().union(
        *(set(term) for term in GLOSSARY.values())
    )


def test_every_glossary_term_matches_some_message():
    """The match phrases are not dead: each term occurs in the English messages."""
    unused = [
        key
        for key, term in GLOSSARY.items()
        if not any(
            re.search(pattern, msgid, re.IGNORECASE)
            for ids, _ in _entries("de")
            for msgid in ids
            for pattern in term["match"]
        )
    ]
    assert unused == []


@pytest.mark.parametrize("locale", LANGUAGES)
def test_catalog_uses_its_glossary_terms(locale):
    """Every translation of a message naming a glossary term uses that language's term."""
    wrong = []
    for ids, strings in _entries(locale):
        for key, term in GLOSSARY.items():
            if not any(re.search(p, msgid, re.IGNORECASE) for p in term["match"] for msgid in ids):
                continue
            forms = term[locale]["forms"]
            for string in strings:
                if not any(re.search(form, string, re.IGNORECASE) for form in forms):
                    wrong.append((key, ids[0], string))
    assert wrong == []


@pytest.mark.parametrize("locale", LANGUAGES)
def test_resident_letter_keeps_the_german_terms_in_brackets(locale):
    """The decision letter names what to send by the German words the forms on paper use."""
    message = CATALOGS[locale].get(
        "Proof of use: by %(date)s send a short report, the list of receipts with the receipts, "
        "and photos if you have them."
    )
    for german in ("Verwendungsnachweis", "Sachbericht", "Belegliste"):
        assert german in message.string


def _all_strings(locale: str) -> list[str]:
    return [string for _, strings in _entries(locale) for string in strings]


def test_turkish_says_harcama_raporu_not_kullanim_belgesi():
    strings = _all_strings("tr")
    assert [s for s in strings if re.search("kullanım belge", s, re.IGNORECASE)] == []
    # "fiş ve fatura(lar)" was repeated in every receipt text; receipts are "(harcama) belge".
    assert [s for s in strings if re.search("fiş ve fatura", s, re.IGNORECASE)] == []
    assert [s for s in strings if re.search("makbuz", s, re.IGNORECASE)] == []


@pytest.mark.parametrize("locale", ["uk", "ru"])
def test_a_valid_amount_is_not_a_real_one(locale):
    assert [s for s in _all_strings(locale) if "реальн" in s.lower()] == []


@pytest.mark.parametrize(("locale", "qualifiers"), [("uk", "журі|ради"), ("ru", "жюри|совет")])
def test_member_always_says_of_which_body(locale, qualifiers):
    """ "член" alone reads oddly (and in Russian ambiguously): a jury or council member is named
    as such, and no label is a bare "Член"/"Члени"."""
    wrong = []
    for ids, strings in _entries(locale):
        says_body_member = any(
            re.search(r"\b(jury|council)\b[\w ]{0,20}\bmembers?\b", i, re.I) for i in ids
        )
        for string in strings:
            if "член" not in string.lower():
                continue
            if says_body_member and not re.search(qualifiers, string, re.IGNORECASE):
                wrong.append(string)
            if re.fullmatch(r"\s*член[аиыі]?\s*", string, re.IGNORECASE):
                wrong.append(string)
    assert wrong == []


def test_arabic_payment_texts_say_disbursement_not_instalment():
    """A payout is "صرف" (disbursement); "دفعة" (an instalment) read as if paid in parts."""
    wrong = [
        (ids[0], string)
        for ids, strings in _entries("ar")
        if any(re.search(r"\bpay(ment|out)s?\b|\bpaid\b", i, re.I) for i in ids)
        for string in strings
        if "دفعة" in string or "المدفوعات" in string
    ]
    assert wrong == []


#: Both the feminine and the masculine form of "residents", in any case ("мешканкам і мешканцям").
BOTH_FORMS = {
    "uk": r"мешкан(к|ок)\w* (і|й|та) мешканц",
    "ru": r"жительниц\w* и жител",
    "pl": r"mieszkan(ki|ek|kom|kami) i mieszkańc|mieszkańc\w* i mieszkan(ki|ek|kom|kami)\b",
}
#: Texts where German names residents gender-fair ("Bewohnerinnen und Bewohner", "Bewohner*innen").
RESIDENT_TEXTS = [
    "Residents of these neighbourhoods can apply for money for their own actions: a street party, "
    "a planting day, a workshop. A jury of residents decides.",
    "For the QM team and administrators. Residents and jury members need no login: they use the "
    "links sent to them by email.",
    "A Quartiersrat: residents hold the majority.",
    "At least this many residents among the full members",
    "More than half of the full members are residents",
    "%(num)s of %(total)s full members are residents; the rule asks for more than half.",
]


@pytest.mark.parametrize("locale", ["uk", "ru", "pl"])
def test_residents_are_named_gender_fair_where_german_is(locale):
    """Where the German text names residents of both genders, the translation does too."""
    catalog = CATALOGS[locale]
    assert "innen" in CATALOGS["de"].get(RESIDENT_TEXTS[2]).string
    wrong = [
        text
        for text in RESIDENT_TEXTS
        if not re.search(BOTH_FORMS[locale], catalog.get(text).string, re.IGNORECASE)
    ]
    assert wrong == []


@pytest.mark.parametrize("locale", ["uk", "ru", "pl"])
def test_applicant_is_named_neutrally_where_german_is(locale):
    """German says "antragstellende Person"; so do the translations, not the masculine form."""
    masculine = {"uk": r"\bзаявник(а|ові|ом)?\b", "ru": r"\bзаявител(ь|я|ю|ем)\b"}
    masculine["pl"] = r"\bwnioskodawc(a|y|ę|ą|zy|ów)\b"
    texts = [
        "Please write what the applicant should change.",
        "The applicant got the time slot by mail.",
        "language of the applicant:",
        "Note to the applicant",
        "Save and mail the applicant",
        "Fees for the applicants themselves",
        "Not paid for: fees for the applicants themselves, and anything bought before the decision.",
    ]
    wrong = [
        text
        for text in texts
        if re.search(masculine[locale], CATALOGS[locale].get(text).string, re.IGNORECASE)
    ]
    assert wrong == []


def test_german_greeting_has_a_comma_after_guten_tag():
    catalog = CATALOGS["de"]
    assert catalog.get("Hello %(name)s,").string == "Guten Tag, %(name)s,"
    assert catalog.get("Hello %(name)s.").string == "Guten Tag, %(name)s."
    assert not any("Guten Tag %" in s for s in _all_strings("de"))


@pytest.mark.parametrize("locale", ["de", "en", "tr", "ar", "uk", "ru", "pl"])
def test_euro_is_always_the_euro_sign(locale):
    """Ukrainian CLDR data writes "EUR"; every language shows "€", so amounts read alike."""
    text = format_money(123450, locale)
    assert "€" in text
    assert "EUR" not in text


SUMMARY = re.compile(r'<div class="error-summary".*?</div>', re.DOTALL)


@pytest.mark.parametrize("locale", LANGUAGES)
def test_error_summary_has_no_full_stop_before_the_colon(client, fund, locale):
    """The unticked declarations have sentence labels ending in a full stop; the summary writes
    "label: message" without ".:"."""
    client.set_cookie(LANGUAGE_COOKIE, locale)
    url = "/soldiner-kiez/apply"
    token = csrf_from(client.get(url).get_data(as_text=True))
    data = application_data(declared_not_started=None, declared_no_own_fee=None)
    response = client.post(url, data={"csrf_token": token, "action": "check", **data})
    assert response.status_code == 200
    summary = SUMMARY.search(response.get_data(as_text=True))
    assert summary, "no error summary rendered"
    links = re.findall(r'<a href="#[^"]+">(.*?)</a>', summary.group(0), re.DOTALL)
    assert len(links) >= 2
    assert [link for link in links if re.search(r"[.。۔]\s*:", link)] == []
    # The label is still there, just without its own full stop.
    label = CATALOGS[locale].get("The action has not started yet.").string.rstrip(".")
    assert any(link.startswith(label + ":") for link in links)


def test_staff_application_page_names_the_language_not_its_code(client, fund, login):
    """The applicant's language shows as "Polnisch" on the German staff page, not "pl"."""
    from tests.factories import StaffFactory

    staff = StaffFactory(areas=[fund.area])
    application = ApplicationFactory(area=fund.area, fund=fund, language="pl")
    login(staff)
    html = client.get(f"/staff/applications/{application.id}").get_data(as_text=True)
    shown = re.search(r"Sprache der antragstellenden Person:\s*([^<]+)</p>", html)
    assert shown, html[:3000]
    assert shown.group(1).strip() == "Polnisch"
