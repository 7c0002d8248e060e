"""Set-up pages as an admin or a QM team member uses them: areas, bodies, members, funds, years.

Every field of every form gets bad input; each refusal must come back as the same page (200,
never 500) with the message next to the field, in the error summary, and the typed text kept.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from html.parser import HTMLParser

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from juryfund.domain.actors import SYSTEM
from juryfund.domain.voting import Majority, VotingRule
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Area, Body, Fund, FundYear, LedgerEntry, Member, Round, StaffUser
from juryfund.models.base import utcnow

from ..conftest import csrf_from

pytestmark = pytest.mark.foundation

THIS_YEAR = clock.today_in(None).year


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """Cheap hashes: these tests are about the set-up pages, not about password storage."""
    from werkzeug.security import generate_password_hash

    import juryfund.models.staff as staff_model

    monkeypatch.setattr(
        staff_model,
        "generate_password_hash",
        lambda password: generate_password_hash(password, method="pbkdf2:sha256:1000"),
    )


# --- reading pages ----------------------------------------------------------------------------


class Page(HTMLParser):
    """Just enough of a rendered page: texts and attributes by id, inputs, the error summary."""

    VOID = {"input", "br", "meta", "link", "img", "hr"}

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: dict[str, str] = {}
        self.tags: dict[str, tuple[str, dict]] = {}
        self.inputs: list[dict] = []
        self.ids: list[str] = []  # every id attribute, in order, repeats included
        self.options: dict[str | None, list[dict]] = {}  # select id -> its options' attributes
        self.summary: list[tuple[str | None, str]] = []  # (link target, text) per item
        self.cells: list[str] = []  # every table cell, in order
        self._stack: list[tuple[str, str | None, bool]] = []
        self.feed(html)
        self.close()

    def _inside(self, element_id: str) -> bool:
        return any(el_id == element_id for _tag, el_id, _hidden in self._stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        element_id = attrs.get("id")
        if element_id:
            self.ids.append(element_id)
        if element_id and element_id not in self.tags:
            self.tags[element_id] = (tag, attrs)
        if tag == "input":
            self.inputs.append(attrs)
        if tag == "option":
            select = next((i for t, i, _h in reversed(self._stack) if t == "select"), None)
            self.options.setdefault(select, []).append(attrs)
        if tag in self.VOID:
            return
        if tag == "li" and self._inside("error-summary"):
            self.summary.append((None, ""))
        if tag == "a" and self._inside("error-summary") and self.summary:
            self.summary[-1] = (attrs.get("href"), self.summary[-1][1])
        if tag in ("td", "th"):
            self.cells.append("")
        hidden = "visually-hidden" in (attrs.get("class") or "").split()
        self._stack.append((tag, element_id, hidden))
        if element_id:
            self.texts.setdefault(element_id, "")

    def handle_endtag(self, tag):
        for index in range(len(self._stack) - 1, -1, -1):
            if self._stack[index][0] == tag:
                del self._stack[index:]
                break

    def handle_data(self, data):
        if any(hidden for _tag, _id, hidden in self._stack):
            return
        for _tag, element_id, _hidden in self._stack:
            if element_id:
                self.texts[element_id] += data
        if self._stack and any(tag in ("td", "th") for tag, _i, _h in self._stack):
            self.cells[-1] += data
        if any(tag == "li" for tag, _i, _h in self._stack) and self._inside("error-summary"):
            target, text = self.summary[-1]
            self.summary[-1] = (target, text + data)

    def text(self, element_id: str) -> str | None:
        """The visible text of an element, blanks collapsed; None when there is no such id."""
        if element_id not in self.texts:
            return None
        return " ".join(self.texts[element_id].split())

    def selected(self, select_id: str) -> list[str]:
        """The values of the selected options of a select."""
        return [o["value"] for o in self.options.get(select_id, []) if "selected" in o]

    def summary_items(self) -> list[tuple[str | None, str]]:
        return [(target, " ".join(text.split())) for target, text in self.summary]

    def shown(self, field: str):
        """What a field shows: an input's value, a textarea's text, or the ticked boxes."""
        boxes = [i for i in self.inputs if i.get("name") == field and i.get("type") == "checkbox"]
        if boxes:
            return [i["value"] for i in boxes if "checked" in i]
        tag, attrs = self.tags[field]
        if tag == "textarea":
            return self.texts[field].removeprefix("\r\n").removeprefix("\n")
        return attrs.get("value", "")


def page_of(response) -> Page:
    return Page(response.get_data(as_text=True))


def cell_texts(page: Page) -> list[str]:
    return [" ".join(cell.replace("\xa0", " ").split()) for cell in page.cells]


# --- the world --------------------------------------------------------------------------------


@pytest.fixture
def world(make):
    """An area with a 3-member jury, an action fund of this year, another area, an admin."""
    area = make.area(name="Soldiner Kiez", slug="soldiner-kiez", code="SOL")
    body = make.body(area, members=3)
    fund = make.fund(area, body)
    other = make.area(name="Lerchenberg", slug="lerchenberg", code="LER")
    other_body = make.body(other, members=1)
    admin = make.admin(email="ada@example.org")
    return {
        "area": area.id,
        "body": body.id,
        "fund": fund.id,
        "member": body.members[0].id,
        "member_email": body.members[0].email,
        "other_area": other.id,
        "other_body": other_body.id,
        "other_member": other_body.members[0].id,
        "admin": admin.id,
    }


def as_admin(client, login, world, lang: str = "en") -> None:
    """Be the world's admin (a session as the login form makes it) and choose the language.

    The login form itself is tested in test_auth.py; here the session is set directly, which
    halves the requests of the many bad-input cases.
    """
    admin = db.session.get(StaffUser, world["admin"])
    with client.session_transaction() as session:
        session["_user_id"] = admin.get_id()
        session["_fresh"] = True
        session["auth_at"] = session["seen_at"] = int(time.time())
    client.set_cookie("juryfund_lang", lang)


def rows(model) -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def translated(app, message: str, lang: str, **params) -> str:
    """A message as the page shows it in `lang` (whatever the catalogs hold by then)."""
    with app.test_request_context(), force_locale(lang):
        return gettext(message, **params)


# --- the set-up an admin does on a fresh installation -----------------------------------------


def test_admin_sets_up_area_jury_members_fund_and_year_through_the_forms(
    client, make, login, post_form
):
    """As a new user would, in German (the default): every step through the real forms."""
    admin = make.admin(email="ada@example.org")
    assert login(admin).headers["Location"] == "/staff/"
    assert 'href="/staff/admin/areas/new"' in client.get("/staff/").get_data(as_text=True)

    response = post_form(
        "/staff/admin/areas/new",
        {
            "name": "Soldiner Kiez",
            "slug": "soldiner-kiez",
            "code": "SOL",
            "city": "Berlin",
            "timezone": "Europe/Berlin",
            "languages": ["de", "en", "tr", "ar"],
            "description": "Kleine Aktionen im Kiez.",
            "action_fields": "Nachbarschaft\n\n Kultur \n",
            "contact_email": "QM@Soldiner-Kiez.example",
        },
    )
    area = db.session.scalar(select(Area))
    assert (response.status_code, response.headers["Location"]) == (302, f"/staff/areas/{area.id}")
    assert (area.name, area.slug, area.code, area.city, area.timezone, area.languages) == (
        "Soldiner Kiez",
        "soldiner-kiez",
        "SOL",
        "Berlin",
        "Europe/Berlin",
        "de,en,tr,ar",
    )
    assert (area.action_field_list, area.contact_email) == (
        ["Nachbarschaft", "Kultur"],
        "qm@soldiner-kiez.example",
    )

    response = post_form(
        f"/staff/areas/{area.id}/bodies/new",
        {
            "kind": "jury",
            "name": "Aktionsfondsjury Soldiner Kiez",
            "quorum_numerator": "2",
            "quorum_denominator": "3",
            "quorum_minimum": "4",
            "majority": "two_thirds",
            "abstain_counts_as_no": "y",
        },
    )
    body = db.session.scalar(select(Body))
    assert (response.status_code, response.headers["Location"]) == (302, f"/staff/bodies/{body.id}")
    assert (body.area_id, body.kind, body.name) == (
        area.id,
        "jury",
        "Aktionsfondsjury Soldiner Kiez",
    )
    assert body.rule == VotingRule(
        quorum=Fraction(2, 3),
        quorum_strict=False,
        quorum_minimum=4,
        majority=Majority.TWO_THIRDS,
        abstain_counts_as_no=True,
        tie_breaker=None,
    )

    people = [
        ("Ayşe Yılmaz", "Ayse@Example.org", "tr", "resident", "2025-01-01", ""),
        ("Bernd Krause", "bernd@example.org", "de", "resident", "2025-01-01", "2027-12-31"),
        ("Chiara Rossi", "chiara@example.org", "en", "institution", "2025-01-01", ""),
        ("Dmytro Koval", "dmytro@example.org", "uk", "resident", "2025-01-01", ""),
        ("Elif Demir", "elif@example.org", "de", "resident", "2025-01-01", ""),
        ("Fatima Haddad", "fatima@example.org", "ar", "resident", "2025-01-01", ""),
        ("Gerd Neumann", "gerd@example.org", "de", "resident", "2025-01-01", ""),
        ("Hanna Vertreterin", "hanna@example.org", "de", "resident", "2025-01-01", ""),
    ]
    for name, email, language, role, start_day, end_day in people:
        response = post_form(
            f"/staff/bodies/{body.id}/members/new",
            {
                "name": name,
                "email": email,
                "language": language,
                "role": role,
                # Hanna is a deputy: she votes only in place of a named member.
                **({"seat": "deputy"} if name.startswith("Hanna") else {}),
                "term_start": start_day,
                "term_end": end_day,
            },
        )
        assert (response.status_code, response.headers["Location"]) == (
            302,
            f"/staff/bodies/{body.id}",
        )
    db.session.rollback()
    members = db.session.scalars(select(Member).order_by(Member.name)).all()
    assert [(m.name, m.email, m.language, m.role) for m in members[:3]] == [
        ("Ayşe Yılmaz", "ayse@example.org", "tr", "resident"),
        ("Bernd Krause", "bernd@example.org", "de", "resident"),
        ("Chiara Rossi", "chiara@example.org", "en", "institution"),
    ]
    assert (members[1].term_start, members[1].term_end) == (date(2025, 1, 1), date(2027, 12, 31))
    assert len(db.session.get(Body, body.id).voting_members(date(2026, 6, 1))) == 7
    assert [m.name for m in db.session.get(Body, body.id).deputies(date(2026, 6, 1))] == [
        "Hanna Vertreterin"
    ]

    response = post_form(
        f"/staff/areas/{area.id}/funds/new",
        {
            "kind": "action_fund",
            "name": "Aktionsfonds Soldiner Kiez",
            "body": str(body.id),
            "cap": "1.500,00",
            "minimum": "",
            "lead_time_days": "14",
            "eligible_categories": ["material", "consumables", "services"],
            "carry_over": "y",
            "proof_weeks": "4",
            "description": "Für kleine Aktionen von Nachbarinnen und Nachbarn.",
        },
    )
    fund = db.session.scalar(select(Fund))
    assert (response.status_code, response.headers["Location"]) == (302, f"/staff/areas/{area.id}")
    assert (
        fund.kind,
        fund.body_id,
        fund.cap_cents,
        fund.minimum_cents,
        fund.lead_time_days,
        fund.category_list,
        fund.carry_over,
        fund.proof_weeks,
    ) == ("action_fund", body.id, 150000, 0, 14, ["material", "consumables", "services"], True, 4)

    response = post_form(
        f"/staff/funds/{fund.id}/years/new", {"year": str(THIS_YEAR), "allocation": "10.000,00"}
    )
    assert (response.status_code, response.headers["Location"]) == (302, f"/staff/areas/{area.id}")
    fund_year = db.session.scalar(select(FundYear))
    assert (fund_year.fund_id, fund_year.year, fund_year.closed_at) == (fund.id, THIS_YEAR, None)
    entries = db.session.execute(
        select(
            LedgerEntry.fund_year_id,
            LedgerEntry.kind,
            LedgerEntry.amount_cents,
            LedgerEntry.actor_id,
        )
    ).all()
    assert entries == [(fund_year.id, "allocation", 1_000_000, admin.id)]

    overview = page_of(client.get(f"/staff/areas/{area.id}"))
    assert cell_texts(overview)[-5:] == [
        str(THIS_YEAR),
        "10.000,00 €",
        "0,00 €",
        "0,00 €",
        "10.000,00 €",
    ]


def test_area_page_shows_balances_of_every_year_in_english(client, make, login, world):
    as_admin(client, login, world, "en")
    fund = db.session.get(Fund, world["fund"])
    from juryfund.services import setup

    setup.open_fund_year(fund, year=THIS_YEAR + 1, allocation_cents=1_234_550, actor=SYSTEM)
    db.session.commit()

    cells = cell_texts(page_of(client.get(f"/staff/areas/{world['area']}")))

    assert cells[-10:] == [
        str(THIS_YEAR + 1),
        "€12,345.50",
        "€0.00",
        "€0.00",
        "€12,345.50",
        str(THIS_YEAR),
        "€10,000.00",
        "€0.00",
        "€0.00",
        "€10,000.00",
    ]


# --- bad input in every field -----------------------------------------------------------------

LONG = "x" * 201

AREA_OK = {
    "name": "Neues Gebiet",
    "slug": "neues-gebiet",
    "code": "NEU",
    "city": "Berlin",
    "timezone": "Europe/Berlin",
    "languages": ["de", "en"],
    "description": "",
    "action_fields": "",
    "contact_email": "",
}
FUND_OK = {
    "kind": "action_fund",
    "name": "Zweiter Fonds",
    "body": "{body}",
    "cap": "1.500,00",
    "minimum": "",
    "lead_time_days": "14",
    "eligible_categories": ["material"],
    "proof_weeks": "4",
    "description": "",
}
YEAR_OK = {"year": str(THIS_YEAR + 1), "allocation": "10.000,00"}
BODY_OK = {
    "kind": "jury",
    "name": "Zweite Jury",
    "quorum_numerator": "1",
    "quorum_denominator": "2",
    "quorum_strict": "y",
    "quorum_minimum": "3",
    "majority": "simple",
}
MEMBER_OK = {
    "name": "Neue Person",
    "email": "neu@example.org",
    "language": "de",
    "role": "resident",
    "term_start": "2025-01-01",
    "term_end": "",
}
STAFF_OK = {
    "email": "new.staff@example.org",
    "name": "Nina Neu",
    "role": "staff",
    "areas": ["{area}"],
    "active": "y",
    "password": "a long enough password",
}

#: form -> (url, valid data, model whose row count must not change)
FORMS = {
    "area": ("/staff/admin/areas/new", AREA_OK, Area),
    "area-edit": (
        "/staff/admin/areas/{area}/edit",
        {**AREA_OK, "slug": "soldiner-kiez", "code": "SOL"},
        Area,
    ),
    "fund": ("/staff/areas/{area}/funds/new", FUND_OK, Fund),
    "year": ("/staff/funds/{fund}/years/new", YEAR_OK, FundYear),
    "body": ("/staff/areas/{area}/bodies/new", BODY_OK, Body),
    "body-edit": ("/staff/bodies/{body}/edit", {**BODY_OK, "tie_breaker": "0"}, Body),
    "member": ("/staff/bodies/{body}/members/new", MEMBER_OK, Member),
    "staff": ("/staff/admin/staff/new", STAFF_OK, StaffUser),
    "staff-self": (
        "/staff/admin/staff/{admin}/edit",
        {"email": "ada@example.org", "name": "Ada", "role": "admin", "active": "y", "password": ""},
        StaffUser,
    ),
}

REQUIRED = "This field is required."
WHOLE = "Please enter a whole number."
DATE = "Please enter a date as YYYY-MM-DD."
EMAIL = "Please enter an email address such as name@example.org."
CHOICE = "Not a valid choice."
TOO_LONG_200 = "Field cannot be longer than 200 characters."


TYPED = object()


def case(form, field, value, label, message, *, shown=TYPED, lang="en", params=None, id=None):
    """One bad input: the field gets `value`; `message` must sit next to it, labelled `label`.

    `shown` is what the field must show afterwards: by default the value as typed; None for
    fields that cannot show a refused value (a select offers only its own options).
    """
    return pytest.param(
        form,
        field,
        value,
        label,
        message,
        value if shown is TYPED else shown,
        lang,
        params or {},
        id=id or f"{form}-{field}-{value!s:.20}",
    )


# fmt: off  (one case per line reads as a table)
BAD_INPUT = [
    # area
    case("area", "name", "", "Name of the area", REQUIRED),
    case("area", "name", "   ", "Name of the area", REQUIRED, shown="", id="area-name-blanks"),
    case("area", "name", LONG, "Name of the area", TOO_LONG_200, id="area-name-too-long"),
    case("area", "slug", "", "Web address", REQUIRED),
    case("area", "slug", "k", "Web address", "Field must be between 2 and 60 characters long."),
    case(
        "area",
        "slug",
        "x" * 61,
        "Web address",
        "Field must be between 2 and 60 characters long.",
        id="area-slug-too-long",
    ),
    case(
        "area",
        "slug",
        "soldiner kiez!",
        "Web address",
        "Use lower-case letters, digits and hyphens only.",
    ),
    case(
        "area", "slug", "-kiez-", "Web address", "Use lower-case letters, digits and hyphens only."
    ),
    case(
        "area",
        "slug",
        "staff",
        "Web address",
        "This address is used by juryfund itself; please choose another.",
    ),
    case(
        "area",
        "slug",
        "static",
        "Web address",
        "This address is used by juryfund itself; please choose another.",
    ),
    case("area", "slug", "lerchenberg", "Web address", "Another area already uses this address."),
    case("area", "code", "", "Reference code", REQUIRED),
    case("area", "code", "SO", "Reference code", "Use exactly three capital letters A–Z."),
    case("area", "code", "S0L", "Reference code", "Use exactly three capital letters A–Z."),
    case("area", "code", "ÄÖÜ", "Reference code", "Use exactly three capital letters A–Z."),
    case("area", "code", "LER", "Reference code", "Another area already uses this code."),
    case(
        "area",
        "city",
        "x" * 101,
        "City",
        "Field cannot be longer than 100 characters.",
        id="area-city-too-long",
    ),
    case("area", "timezone", "", "Time zone", REQUIRED),
    case(
        "area",
        "timezone",
        "Berlin",
        "Time zone",
        "Unknown time zone; use a name such as Europe/Berlin.",
    ),
    case(
        "area",
        "timezone",
        "Mars/Olympus_Mons",
        "Time zone",
        "Unknown time zone; use a name such as Europe/Berlin.",
    ),
    case(
        "area",
        "timezone",
        "x" * 65,
        "Time zone",
        "Field cannot be longer than 64 characters.",
        id="area-timezone-too-long",
    ),
    case("area", "languages", [], "Languages offered", "Tick at least one language."),
    case(
        "area",
        "languages",
        ["en", "tr"],
        "Languages offered",
        "German must be offered: it is the legally binding version.",
    ),
    case(
        "area",
        "languages",
        ["de", "xx"],
        "Languages offered",
        "'xx' is not a valid choice for this field.",
        shown=["de"],
    ),
    case(
        "area",
        "description",
        "x" * 5001,
        "What the area's funds are for",
        "Field cannot be longer than 5000 characters.",
        id="area-description-too-long",
    ),
    case(
        "area",
        "action_fields",
        "x" * 3001,
        "Action fields",
        "Field cannot be longer than 3000 characters.",
        id="area-action_fields-too-long",
    ),
    case("area", "contact_email", "qm at example", "Contact email of the QM team", EMAIL),
    case(
        "area-edit", "slug", "lerchenberg", "Web address", "Another area already uses this address."
    ),
    case("area-edit", "code", "LER", "Reference code", "Another area already uses this code."),
    case("area-edit", "name", "", "Name of the area", REQUIRED),
    # fund (amounts typed in German, the default language)
    case("fund", "name", "", "Name of the fund", REQUIRED),
    case("fund", "name", LONG, "Name of the fund", TOO_LONG_200, id="fund-name-too-long"),
    case("fund", "kind", "lottery", "Kind of fund", CHOICE, shown=None),
    case("fund", "body", "", "Deciding body", REQUIRED, shown=None),
    case(
        "fund",
        "body",
        "{other_body}",
        "Deciding body",
        CHOICE,
        shown=None,
        id="fund-body-of-other-area",
    ),
    case("fund", "cap", "", "Most per application (€)", REQUIRED, lang="de"),
    case(
        "fund", "cap", "   ", "Most per application (€)", REQUIRED, lang="de", id="fund-cap-blanks"
    ),
    case(
        "fund",
        "cap",
        "abc",
        "Most per application (€)",
        "Please enter an amount such as %(example)s.",
        lang="de",
        params={"example": "1234,50"},
    ),
    case(
        "fund", "cap", "-5", "Most per application (€)", "The amount cannot be negative.", lang="de"
    ),
    case(
        "fund",
        "cap",
        "1,234",
        "Most per application (€)",
        "Use at most two decimal places (cents).",
        lang="de",
    ),
    case(
        "fund",
        "cap",
        "12,345",
        "Most per application (€)",
        "Use at most two decimal places (cents).",
        lang="de",
    ),
    case(
        "fund",
        "cap",
        "1.5",
        "Most per application (€)",
        "Please enter an amount such as %(example)s.",
        lang="de",
        params={"example": "1234,50"},
    ),
    case(
        "fund", "cap", "0", "Most per application (€)", "The cap must be more than zero.", lang="de"
    ),
    case(
        "fund",
        "cap",
        "1" * 40,
        "Most per application (€)",
        "This amount is far too large (at most %(maximum_cents)s).",
        lang="de",
        params={"maximum_cents": "100.000.000,00\xa0€"},
        id="fund-cap-absurd",
    ),
    case(
        "fund",
        "minimum",
        "2.000,00",
        "Least per application (€)",
        "The minimum cannot be above the cap.",
        lang="de",
    ),
    case(
        "fund",
        "minimum",
        "viel",
        "Least per application (€)",
        "Please enter an amount such as %(example)s.",
        lang="de",
        params={"example": "1234,50"},
    ),
    case("fund", "lead_time_days", "", "Lead time in days", WHOLE),
    case("fund", "lead_time_days", "zwei", "Lead time in days", WHOLE),
    case("fund", "lead_time_days", "1.5", "Lead time in days", WHOLE),
    case("fund", "lead_time_days", "-1", "Lead time in days", "Enter a number from 0 to 365."),
    case("fund", "lead_time_days", "366", "Lead time in days", "Enter a number from 0 to 365."),
    case(
        "fund",
        "eligible_categories",
        [],
        "Eligible cost categories",
        "Tick at least one eligible cost category.",
    ),
    case(
        "fund",
        "eligible_categories",
        ["material", "gold"],
        "Eligible cost categories",
        "'gold' is not a valid choice for this field.",
        shown=["material"],
    ),
    case(
        "fund",
        "proof_weeks",
        "0",
        "Proof of use due (weeks after the action)",
        "Enter a number from 1 to 52.",
    ),
    case(
        "fund",
        "proof_weeks",
        "53",
        "Proof of use due (weeks after the action)",
        "Enter a number from 1 to 52.",
    ),
    case("fund", "proof_weeks", "vier", "Proof of use due (weeks after the action)", WHOLE),
    case(
        "fund",
        "description",
        "x" * 5001,
        "What the fund is for",
        "Field cannot be longer than 5000 characters.",
        id="fund-description-too-long",
    ),
    # fund year
    case("year", "year", "", "Year", WHOLE),
    case("year", "year", "nächstes", "Year", WHOLE),
    case("year", "year", "1999", "Year", "Enter a number from 2000 to 2100."),
    case("year", "year", "2101", "Year", "Enter a number from 2000 to 2100."),
    case("year", "year", "99999999999999999999", "Year", "Enter a number from 2000 to 2100."),
    case(
        "year",
        "year",
        str(THIS_YEAR),
        "Year",
        "This fund already has a fund year for that year.",
        lang="de",
        id="year-year-duplicate",
    ),
    case("year", "allocation", "", "Allocation (€)", REQUIRED, lang="de"),
    case(
        "year",
        "allocation",
        "   ",
        "Allocation (€)",
        REQUIRED,
        lang="de",
        id="year-allocation-blanks",
    ),
    case(
        "year",
        "allocation",
        "0",
        "Allocation (€)",
        "The allocation must be more than zero.",
        lang="de",
    ),
    case(
        "year", "allocation", "-100", "Allocation (€)", "The amount cannot be negative.", lang="de"
    ),
    case(
        "year",
        "allocation",
        "10.000,001",
        "Allocation (€)",
        "Use at most two decimal places (cents).",
        lang="de",
    ),
    case(
        "year",
        "allocation",
        "10,000.00",
        "Allocation (€)",
        "Please enter an amount such as %(example)s.",
        lang="de",
        params={"example": "1234,50"},
    ),
    case(
        "year",
        "allocation",
        "NaN",
        "Allocation (€)",
        "Please enter a real amount of money.",
        lang="de",
    ),
    # body and its rule
    case("body", "name", "", "Name of the body", REQUIRED),
    case("body", "name", LONG, "Name of the body", TOO_LONG_200, id="body-name-too-long"),
    case("body", "kind", "committee", "Kind of body", CHOICE, shown=None),
    case(
        "body",
        "quorum_numerator",
        "3",
        "Quorum: share of eligible members (numerator)",
        "The quorum must be a share between 0 and 1, e.g. 1/2 or 2/3.",
    ),
    case(
        "body",
        "quorum_numerator",
        "0",
        "Quorum: share of eligible members (numerator)",
        "Enter a number from 1 to 100.",
    ),
    case("body", "quorum_numerator", "0.5", "Quorum: share of eligible members (numerator)", WHOLE),
    case("body", "quorum_numerator", "", "Quorum: share of eligible members (numerator)", WHOLE),
    case(
        "body",
        "quorum_denominator",
        "0",
        "Quorum: share of eligible members (denominator)",
        "Enter a number from 1 to 100.",
    ),
    case(
        "body",
        "quorum_denominator",
        "halb",
        "Quorum: share of eligible members (denominator)",
        WHOLE,
    ),
    case(
        "body",
        "quorum_minimum",
        "0",
        "Never fewer participants than",
        "Enter a number from 1 to 100.",
    ),
    case(
        "body",
        "quorum_minimum",
        "-3",
        "Never fewer participants than",
        "Enter a number from 1 to 100.",
    ),
    case("body", "quorum_minimum", "", "Never fewer participants than", WHOLE),
    case("body", "majority", "most", "Majority needed", CHOICE, shown=None),
    case(
        "body-edit",
        "name",
        "   ",
        "Name of the body",
        REQUIRED,
        shown="",
        id="body-edit-name-blanks",
    ),
    case(
        "body-edit",
        "quorum_denominator",
        "101",
        "Quorum: share of eligible members (denominator)",
        "Enter a number from 1 to 100.",
    ),
    case(
        "body-edit",
        "tie_breaker",
        "{other_member}",
        "Chair whose vote decides a tie",
        CHOICE,
        shown=None,
        id="body-edit-tie_breaker-other-body",
    ),
    # member
    case("member", "name", "", "Name", REQUIRED),
    case("member", "name", LONG, "Name", TOO_LONG_200, id="member-name-too-long"),
    case("member", "email", "", "Email", REQUIRED),
    case("member", "email", "ayse.example.org", "Email", EMAIL),
    case(
        "member",
        "email",
        "{member_email_upper}",
        "Email",
        "This body already has a member with this email address.",
        id="member-email-duplicate",
    ),
    case("member", "language", "xx", "Preferred language", CHOICE, shown=None),
    case("member", "role", "chair", "Group", CHOICE, shown=None),
    case("member", "term_start", "", "Term starts", DATE),
    case("member", "term_start", "01.02.2025", "Term starts", DATE),
    case("member", "term_start", "2025-02-30", "Term starts", DATE),
    case(
        "member",
        "term_start",
        "0225-01-01",
        "Term starts",
        "Please enter a date between the years 1990 and 2100.",
    ),
    case("member", "term_end", "2024-12-31", "Term ends", "The term cannot end before it starts."),
    case("member", "term_end", "bald", "Term ends", DATE),
    case(
        "member",
        "term_end",
        "2250-01-01",
        "Term ends",
        "Please enter a date between the years 1990 and 2100.",
    ),
    # staff accounts
    case("staff", "email", "", "Email", REQUIRED),
    case("staff", "email", "nina@", "Email", EMAIL),
    case(
        "staff",
        "email",
        "ADA@example.org",
        "Email",
        "An account with this email address already exists.",
    ),
    case("staff", "name", "", "Name", REQUIRED),
    case("staff", "name", LONG, "Name", TOO_LONG_200, id="staff-name-too-long"),
    case("staff", "role", "owner", "Role", CHOICE, shown=None),
    case(
        "staff", "areas", ["999"], "Areas", "'999' is not a valid choice for this field.", shown=[]
    ),
    case("staff", "password", "", "Password", REQUIRED),
    case(
        "staff",
        "password",
        "kurz",
        "Password",
        "The password must have at least %(minimum)s characters.",
        shown="",
        params={"minimum": 10},
    ),
    case(
        "staff-self",
        "role",
        "staff",
        "Role",
        "You cannot demote or deactivate your own account.",
        shown=None,
    ),
    case(
        "staff-self",
        "active",
        None,
        "Account active",
        "You cannot demote or deactivate your own account.",
        shown=None,
        id="staff-self-deactivate",
    ),
    case(
        "staff-self",
        "password",
        "kurz",
        "Password",
        "The password must have at least %(minimum)s characters.",
        shown="",
        params={"minimum": 10},
    ),
]
# fmt: on


def _fill(value, world):
    """Put the world's ids into a template value."""
    if isinstance(value, list):
        return [_fill(v, world) for v in value]
    if isinstance(value, str):
        return value.format(**world, member_email_upper=world["member_email"].upper())
    return value


@pytest.mark.parametrize(
    ("form", "field", "value", "label", "message", "shown", "lang", "params"), BAD_INPUT
)
def test_bad_input_is_refused_next_to_its_field(
    app, client, login, post_form, world, form, field, value, label, message, shown, lang, params
):
    as_admin(client, login, world, lang)
    url, valid, model = FORMS[form]
    data = {key: _fill(v, world) for key, v in valid.items()}
    if value is None:
        data.pop(field)  # an unticked checkbox is not sent
    else:
        data[field] = _fill(value, world)
    before = rows(model)

    response = post_form(_fill(url, world), data)

    page = page_of(response)
    expected = " ".join(translated(app, message, lang, **params).split())
    assert response.status_code == 200
    assert page.text(f"{field}-error") == expected
    assert [text for target, text in page.summary_items() if target == f"#{field}"] == [
        f"{translated(app, label, lang)}: {expected}"
    ]
    if shown is not None:
        assert page.shown(field) == _fill(shown, world)
    assert rows(model) == before


def test_bad_input_in_many_fields_is_reported_for_each_at_once(client, login, post_form, world):
    as_admin(client, login, world)

    response = post_form(
        "/staff/admin/areas/new",
        {
            **AREA_OK,
            "slug": "lerchenberg",
            "code": "LER",
            "timezone": "Mond/Krater",
            "languages": ["en"],
        },
    )

    page = page_of(response)
    assert response.status_code == 200
    assert [page.text(f"{f}-error") for f in ("slug", "code", "timezone", "languages")] == [
        "Another area already uses this address.",
        "Another area already uses this code.",
        "Unknown time zone; use a name such as Europe/Berlin.",
        "German must be offered: it is the legally binding version.",
    ]
    assert [target for target, _text in page.summary_items()] == [
        "#slug",
        "#code",
        "#timezone",
        "#languages",
    ]


def test_member_with_bad_term_and_taken_email_gets_both_errors(client, login, post_form, world):
    as_admin(client, login, world)

    response = post_form(
        f"/staff/bodies/{world['body']}/members/new",
        {**MEMBER_OK, "email": world["member_email"], "term_end": "2020-01-01"},
    )

    page = page_of(response)
    assert (page.text("email-error"), page.text("term_end-error")) == (
        "This body already has a member with this email address.",
        "The term cannot end before it starts.",
    )


def test_tie_breaker_with_two_thirds_majority_is_refused(client, login, post_form, world):
    as_admin(client, login, world)
    chair = world["member"]

    response = post_form(
        f"/staff/bodies/{world['body']}/edit",
        {**BODY_OK, "majority": "two_thirds", "tie_breaker": str(chair)},
    )

    page = page_of(response)
    assert response.status_code == 200
    assert page.text("tie_breaker-error") == "A tie breaker only applies to a simple majority."
    assert page.summary_items() == [
        (
            "#tie_breaker",
            "Chair whose vote decides a tie: A tie breaker only applies to a simple majority.",
        )
    ]
    db.session.rollback()
    body = db.session.get(Body, world["body"])
    assert (body.majority, body.tie_breaker_id, body.name) == ("simple", None, "Jury Soldiner Kiez")


def test_fund_form_without_a_body_asks_for_one_first(client, login, post_form, world, make):
    as_admin(client, login, world)
    empty = make.area(name="Neues Gebiet", slug="neues-gebiet", code="NEU")

    response = post_form(f"/staff/areas/{empty.id}/funds/new", {**FUND_OK, "body": ""})

    assert response.status_code == 200
    assert page_of(response).summary_items() == [
        (None, "Set up the deciding body (jury or council) first.")
    ]
    assert rows(Fund) == 1


# --- what good input does ---------------------------------------------------------------------


def test_area_input_is_tidied_before_saving(client, login, post_form, world):
    as_admin(client, login, world)

    response = post_form(
        "/staff/admin/areas/new",
        {
            **AREA_OK,
            "name": "  Neues Gebiet ",
            "slug": " Neues-Gebiet ",
            "code": "neu",
            "timezone": "europe/berlin",
            "contact_email": " QM@Example.org ",
        },
    )

    assert response.status_code == 302
    area = db.session.scalar(select(Area).where(Area.code == "NEU"))
    assert (area.name, area.slug, area.timezone, area.contact_email) == (
        "Neues Gebiet",
        "neues-gebiet",
        "Europe/Berlin",
        "qm@example.org",
    )


def test_area_edit_keeps_its_own_slug_and_code(client, login, post_form, world):
    as_admin(client, login, world)
    url = f"/staff/admin/areas/{world['area']}/edit"
    form = page_of(client.get(url))
    assert (form.shown("slug"), form.shown("code"), form.shown("languages")) == (
        "soldiner-kiez",
        "SOL",
        ["de", "en", "tr", "ar", "uk", "ru", "pl"],
    )

    response = post_form(
        url, {**AREA_OK, "name": "Soldiner Kiez (Wedding)", "slug": "soldiner-kiez", "code": "SOL"}
    )

    assert (response.status_code, response.headers["Location"]) == (
        302,
        f"/staff/areas/{world['area']}",
    )
    db.session.rollback()
    area = db.session.get(Area, world["area"])
    assert (area.name, area.slug, area.code, area.languages) == (
        "Soldiner Kiez (Wedding)",
        "soldiner-kiez",
        "SOL",
        "de,en",
    )


def test_fund_edit_form_shows_amounts_in_the_users_locale(client, login, world):
    as_admin(client, login, world, "de")

    german = page_of(client.get(f"/staff/funds/{world['fund']}/edit"))
    client.set_cookie("juryfund_lang", "en")
    english = page_of(client.get(f"/staff/funds/{world['fund']}/edit"))

    assert (german.shown("cap"), english.shown("cap")) == ("1500,00", "1500.00")
    assert german.shown("eligible_categories") == ["material", "services"]


def test_fund_edit_saves_new_rules(client, login, post_form, world):
    as_admin(client, login, world, "de")

    response = post_form(
        f"/staff/funds/{world['fund']}/edit",
        {
            **FUND_OK,
            "name": "Aktionsfonds",
            "body": str(world["body"]),
            "cap": "2.000",
            "minimum": "50,50",
            "lead_time_days": "0",
        },
    )

    assert response.status_code == 302
    db.session.rollback()
    fund = db.session.get(Fund, world["fund"])
    assert (fund.cap_cents, fund.minimum_cents, fund.lead_time_days, fund.category_list) == (
        200000,
        5050,
        0,
        ["material"],
    )


def test_tie_breaker_is_saved_for_a_simple_majority(client, login, post_form, world):
    as_admin(client, login, world)

    response = post_form(
        f"/staff/bodies/{world['body']}/edit", {**BODY_OK, "tie_breaker": str(world["member"])}
    )

    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(Body, world["body"]).rule.tie_breaker == str(world["member"])


def test_new_body_ignores_a_posted_tie_breaker(client, login, post_form, world):
    as_admin(client, login, world)

    response = post_form(
        f"/staff/areas/{world['area']}/bodies/new", {**BODY_OK, "tie_breaker": str(world["member"])}
    )

    assert response.status_code == 302
    body = db.session.scalar(select(Body).where(Body.name == "Zweite Jury"))
    assert body.tie_breaker_id is None


def test_editing_the_rule_leaves_an_opened_round_unchanged(client, login, post_form, world):
    as_admin(client, login, world)
    body = db.session.get(Body, world["body"])
    opened = Round(body_id=body.id, mode="circulation", state="open", title="Runde 1")
    opened.opened_at = utcnow()
    opened.deadline = utcnow() + timedelta(days=7)
    opened.freeze_rule(body.rule)
    db.session.add(opened)
    db.session.commit()
    round_id, rule_at_opening = opened.id, body.rule

    edited = {
        **BODY_OK,
        "name": "Jury Soldiner Kiez",
        "quorum_numerator": "2",
        "quorum_denominator": "3",
        "quorum_minimum": "5",
        "majority": "two_thirds",
        "abstain_counts_as_no": "y",
        "tie_breaker": "0",
    }
    del edited["quorum_strict"]  # unticked

    response = post_form(f"/staff/bodies/{body.id}/edit", edited)

    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(Body, body.id).rule == VotingRule(
        quorum=Fraction(2, 3),
        quorum_strict=False,
        quorum_minimum=5,
        majority=Majority.TWO_THIRDS,
        abstain_counts_as_no=True,
    )
    assert db.session.get(Round, round_id).rule == rule_at_opening == VotingRule()


def test_taking_a_member_off_the_body(client, login, post_form, world):
    as_admin(client, login, world)
    body_id, member_id = world["body"], world["member"]
    body = db.session.get(Body, body_id)
    body.tie_breaker_id = member_id
    db.session.commit()

    response = post_form(f"/staff/members/{member_id}/remove", {}, page=f"/staff/bodies/{body_id}")

    assert (response.status_code, response.headers["Location"]) == (302, f"/staff/bodies/{body_id}")
    db.session.rollback()
    member, body = db.session.get(Member, member_id), db.session.get(Body, body_id)
    assert member.removed_at is not None
    assert member.id not in [m.id for m in body.voting_members(clock.today_in(None))]
    assert len(body.voting_members(clock.today_in(None))) == 2
    assert body.tie_breaker_id is None
    listing = cell_texts(page_of(client.get(f"/staff/bodies/{body_id}")))
    assert [listing.count("taken off the body"), listing.count("serving")] == [1, 2]


def test_member_outside_term_does_not_count(client, login, post_form, world):
    as_admin(client, login, world)
    yesterday = clock.today_in(None) - timedelta(days=1)

    response = post_form(
        f"/staff/bodies/{world['body']}/members/new",
        {**MEMBER_OK, "term_start": "2024-01-01", "term_end": yesterday.isoformat()},
    )

    assert response.status_code == 302
    db.session.rollback()
    assert len(db.session.get(Body, world["body"]).voting_members(clock.today_in(None))) == 3
    assert len(db.session.get(Body, world["body"]).voting_members(yesterday)) == 4


def test_new_member_s_term_starts_on_the_area_s_today(client, login, world, clock_at):
    # 23:30 UTC on 6 December is 00:30 on 7 December in Berlin: the form offers the 7th.
    as_admin(client, login, world)
    clock_at(datetime(2026, 12, 6, 23, 30, tzinfo=UTC))
    page = client.get(f"/staff/bodies/{world['body']}/members/new").get_data(as_text=True)
    assert 'value="2026-12-07"' in page and "2026-12-06" not in page


def test_member_edit_keeps_own_email(client, login, post_form, world):
    as_admin(client, login, world)

    response = post_form(
        f"/staff/members/{world['member']}/edit",
        {
            **MEMBER_OK,
            "name": "Member One",
            "email": world["member_email"].upper(),
            "language": "pl",
        },
    )

    assert response.status_code == 302
    db.session.rollback()
    member = db.session.get(Member, world["member"])
    assert (member.name, member.email, member.language) == (
        "Member One",
        world["member_email"],
        "pl",
    )


def test_admin_creates_a_staff_account_that_can_log_in(app, client, login, post_form, world):
    as_admin(client, login, world)

    response = post_form(
        "/staff/admin/staff/new", {key: _fill(v, world) for key, v in STAFF_OK.items()}
    )

    assert (response.status_code, response.headers["Location"]) == (302, "/staff/admin/staff")
    user = db.session.scalar(select(StaffUser).where(StaffUser.email == "new.staff@example.org"))
    assert (user.name, user.role, user.active, [a.id for a in user.areas]) == (
        "Nina Neu",
        "staff",
        True,
        [world["area"]],
    )
    other = app.test_client()
    token = csrf_from(other.get("/staff/login").get_data(as_text=True))
    login_response = other.post(
        "/staff/login",
        data={
            "csrf_token": token,
            "email": "new.staff@example.org",
            "password": "a long enough password",
        },
    )
    assert login_response.status_code == 302


# --- what staff of an area may set up ---------------------------------------------------------


def test_staff_sets_up_body_members_fund_and_year_in_own_area(
    client, make, login, post_form, world
):
    staff = make.staff(email="sam@example.org", areas=[db.session.get(Area, world["area"])])
    login(staff)
    client.set_cookie("juryfund_lang", "de")
    area_id = world["area"]

    body = post_form(f"/staff/areas/{area_id}/bodies/new", BODY_OK)
    body_id = db.session.scalar(select(Body.id).where(Body.name == "Zweite Jury"))
    member = post_form(f"/staff/bodies/{body_id}/members/new", MEMBER_OK)
    fund = post_form(f"/staff/areas/{area_id}/funds/new", {**FUND_OK, "body": str(body_id)})
    fund_id = db.session.scalar(select(Fund.id).where(Fund.name == "Zweiter Fonds"))
    year = post_form(f"/staff/funds/{fund_id}/years/new", YEAR_OK)

    assert [r.status_code for r in (body, member, fund, year)] == [302, 302, 302, 302]
    db.session.rollback()
    assert (
        db.session.scalar(select(func.count()).select_from(Member).where(Member.body_id == body_id))
        == 1
    )
    assert (
        db.session.scalar(select(FundYear.year).where(FundYear.fund_id == fund_id)) == THIS_YEAR + 1
    )


def test_staff_cannot_create_areas(client, make, login, world):
    staff = make.staff(email="sam@example.org", areas=[db.session.get(Area, world["area"])])
    login(staff)
    token = csrf_from(client.get("/staff/").get_data(as_text=True))

    form_page = client.get("/staff/admin/areas/new")
    response = client.post("/staff/admin/areas/new", data={"csrf_token": token, **AREA_OK})

    assert (form_page.status_code, response.status_code) == (403, 403)
    assert rows(Area) == 2
    assert 'href="/staff/admin/areas/new"' not in client.get("/staff/").get_data(as_text=True)


def test_every_fixed_first_path_segment_is_refused_as_a_slug(app):
    from juryfund.services.setup import reserved_slugs

    segments = {rule.rule.split("/")[1] for rule in app.url_map.iter_rules()}
    fixed = {segment for segment in segments if segment and "<" not in segment}

    with app.test_request_context():
        assert fixed - reserved_slugs() == set()


def test_chair_between_terms_stays_chair_when_the_rule_is_edited(client, login, post_form, world):
    as_admin(client, login, world)
    body = db.session.get(Body, world["body"])
    chair = db.session.get(Member, world["member"])
    chair.term_end = clock.today_in(None) - timedelta(days=1)
    body.tie_breaker_id = chair.id
    db.session.commit()

    form = page_of(client.get(f"/staff/bodies/{body.id}/edit"))
    response = post_form(
        f"/staff/bodies/{body.id}/edit", {**BODY_OK, "tie_breaker": str(world["member"])}
    )

    assert form.selected("tie_breaker") == [str(world["member"])]
    assert response.status_code == 302
    db.session.rollback()
    assert db.session.get(Body, world["body"]).tie_breaker_id == world["member"]


def test_body_page_with_members_has_unique_ids(client, login, world):
    as_admin(client, login, world)

    page = page_of(client.get(f"/staff/bodies/{world['body']}"))

    assert sorted(set(page.ids)) == sorted(page.ids)


def test_account_with_an_odd_stored_email_can_still_be_edited(client, login, post_form, world):
    """`flask juryfund create-admin` takes any text as email; the form must not lock it."""
    from juryfund.services import accounts

    odd = accounts.create_staff(email="root", name="Root", password="a long password")
    db.session.commit()
    as_admin(client, login, world)

    response = post_form(
        f"/staff/admin/staff/{odd.id}/edit",
        {"name": "Root Admin", "role": "staff", "active": "y", "password": ""},
    )

    assert response.status_code == 302
    db.session.rollback()
    user = db.session.get(StaffUser, odd.id)
    assert (user.email, user.name) == ("root", "Root Admin")
