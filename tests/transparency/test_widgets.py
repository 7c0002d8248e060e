"""Widgets for the QM team's website (issue 17, item 4): money left, latest decisions, apply now.

Framed only by the websites the area lists (CSP frame-ancestors), never by anyone else, and no
other page loses X-Frame-Options: DENY. The browser side (a real page on another origin) is
tests/browser/test_widget_embed.py.
"""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from juryfund.domain.errors import DomainError
from juryfund.domain.widgets import frame_ancestors, normalise_origin, parse_origins
from juryfund.extensions import db
from juryfund.models import Area
from juryfund.services import books, ledger, setup, transparency

from .conftest import Spec

pytestmark = pytest.mark.transparency

WIDGETS = ("money", "decisions", "apply")


def allow(area, *origins: str) -> None:
    """Let these websites embed the area's widgets, as the area form saves them."""
    area.widget_origins = "\n".join(parse_origins(" ".join(origins)))
    db.session.commit()


def csp(response) -> str:
    return response.headers["Content-Security-Policy"]


# --- which websites ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "origin"),
    [
        ("https://qm-soldiner.de", "https://qm-soldiner.de"),
        ("HTTPS://QM-Soldiner.DE/", "https://qm-soldiner.de"),
        ("https://qm-soldiner.de:443", "https://qm-soldiner.de"),
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
        ("https://www.xn--mnchen-3ya.de", "https://www.xn--mnchen-3ya.de"),
    ],
)
def test_an_origin_is_normalised(typed, origin):
    assert normalise_origin(typed) == origin


@pytest.mark.parametrize(
    "typed",
    [
        "qm-soldiner.de",
        "https://qm-soldiner.de/widgets",
        "https://qm-soldiner.de/?x=1",
        "https://*.qm-soldiner.de",
        "*",
        "https:",
        "ftp://qm-soldiner.de",
        "javascript://x",
        "https://user@qm-soldiner.de",
        "https://qm-soldiner.de:99999",
        "https://qm-soldiner.de;script-src",
        "https://qm-soldiner.de'",
        "'self'",
        "https://-bad-.de",
        "https://qm soldiner.de",
    ],
)
def test_anything_but_an_origin_is_refused(typed):
    with pytest.raises(DomainError) as refused:
        parse_origins(typed)
    assert refused.value.reason == "widgets.origin_invalid"
    assert refused.value.field == "widget_origins"


def test_a_list_is_split_deduplicated_and_bounded():
    assert parse_origins(" https://a.de\nhttps://b.de, https://a.de/ \n\n") == [
        "https://a.de",
        "https://b.de",
    ]
    assert parse_origins("") == []
    with pytest.raises(DomainError):
        parse_origins(" ".join(f"https://site{n}.de" for n in range(21)))


def test_frame_ancestors_is_none_without_websites_and_skips_bad_stored_text():
    assert frame_ancestors("") == "frame-ancestors 'none'"
    assert frame_ancestors("https://a.de\nnot-an-origin") == "frame-ancestors https://a.de"


def test_admin_saves_the_websites_on_the_area_form(client, area, make, login, post_form):
    login(make.admin())
    url = f"/staff/admin/areas/{area.id}/edit"
    fields = {
        "name": area.name,
        "slug": area.slug,
        "code": area.code,
        "timezone": "Europe/Berlin",
        "languages": ["de", "en"],
    }

    refused = post_form(
        url, {**fields, "widget_origins": "https://qm-soldiner.de/kiez\nhttps://ok.de"}
    )
    html = refused.get_data(as_text=True)
    assert refused.status_code == 200
    assert "is not a website address" in html or "keine Website-Adresse" in html
    assert "https://qm-soldiner.de/kiez" in html  # nothing typed is lost
    db.session.expire_all()
    assert db.session.get(Area, area.id).widget_origins == ""

    saved = post_form(
        url, {**fields, "widget_origins": "https://QM-Soldiner.de/\nhttp://127.0.0.1:8001"}
    )
    assert saved.status_code == 302
    db.session.expire_all()
    assert db.session.get(Area, area.id).widget_origin_list == [
        "https://qm-soldiner.de",
        "http://127.0.0.1:8001",
    ]
    assert "https://qm-soldiner.de" in client.get(url).get_data(as_text=True)


def test_the_service_refuses_a_bad_website_with_the_other_refusals(area):
    with pytest.raises(DomainError) as refused:
        setup.save_area(
            area,
            name=area.name,
            slug=area.slug,
            code=area.code,
            city="",
            timezone="Nowhere/City",
            languages=["de"],
            widget_origins="https://a.de/path",
        )
    reasons = {refused.value.reason, *(more.reason for more in refused.value.more)}
    assert reasons == {"widgets.origin_invalid", "area.timezone_unknown"}


# --- the headers ---------------------------------------------------------------------------------


@pytest.mark.parametrize("widget", WIDGETS)
def test_widgets_are_framed_only_by_the_listed_websites(client, area, fund, widget):
    allow(area, "https://qm-soldiner.de", "http://127.0.0.1:8001")
    for _ in range(2):  # rendered, then answered from the page cache: the same headers
        response = client.get(f"/{area.slug}/widgets/{widget}")
        assert response.status_code == 200
        assert "X-Frame-Options" not in response.headers
        policy = csp(response)
        assert "frame-ancestors https://qm-soldiner.de http://127.0.0.1:8001" in policy
        assert policy.count("frame-ancestors") == 1
        assert "script-src 'self'" in policy and "default-src 'self'" in policy


@pytest.mark.parametrize("widget", WIDGETS)
def test_without_websites_nobody_may_frame_a_widget(client, area, fund, widget):
    response = client.get(f"/{area.slug}/widgets/{widget}")
    assert response.status_code == 200
    assert csp(response).endswith("frame-ancestors 'none'")


def test_a_changed_list_reaches_a_cached_widget_at_once(client, area, fund):
    allow(area, "https://old.de")
    assert "https://old.de" in csp(client.get(f"/{area.slug}/widgets/money"))
    setup.save_area(
        area,
        name=area.name,
        slug=area.slug,
        code=area.code,
        city="",
        timezone="Europe/Berlin",
        languages=["de"],
        widget_origins="https://new.de",
    )
    db.session.commit()
    policy = csp(client.get(f"/{area.slug}/widgets/money"))
    assert "https://new.de" in policy and "https://old.de" not in policy


def test_no_other_page_becomes_frameable(client, area, fund):
    allow(area, "https://qm-soldiner.de")
    client.get(f"/{area.slug}/widgets/money")  # a widget first: nothing of it may stick
    year = transparency.current_year(area)
    for path in (
        f"/{area.slug}/",
        f"/{area.slug}/budget",
        f"/{area.slug}/decisions",
        f"/{area.slug}/report/{year}",
        f"/{area.slug}/calendar.ics",
        "/nowhere/widgets/money",  # an unknown area: a 404 page, not a widget
        f"/{area.slug}/widgets/unknown",
    ):
        response = client.get(path)
        assert response.headers["X-Frame-Options"] == "DENY", path
        assert csp(response).endswith("frame-ancestors 'none'"), path


# --- what they show ------------------------------------------------------------------------------


def test_money_widget_shows_exactly_what_the_budget_page_counts(client, area, fund, staff, decide):
    (project,) = decide([Spec("Hoffest", 57_055)])
    books.record_payment(
        project, amount_cents=10_000, payment_type="advance", note="", actor=staff.actor
    )
    db.session.commit()
    year = transparency.current_year(area)
    (line,) = transparency.budget(area, year).lines
    assert line.balances.available == 1_000_000 - 57_055

    html = client.get(f"/{area.slug}/widgets/money?lang=de").get_data(as_text=True)
    assert "9.429,45\xa0€" in html  # to the cent
    assert fund.name in html
    assert f"/{area.slug}/budget?year={year}" in html
    budget_page = client.get(f"/{area.slug}/budget?year={year}").get_data(as_text=True)
    assert "9.429,45\xa0€" in budget_page

    # The widget follows the books at once (the page cache moves on with the booking).
    ledger_year = ledger.year_of_fund(fund.id, year)
    books.record_adjustment(
        ledger_year, amount_cents=100_000, reason="Nachbewilligung", actor=staff.actor
    )
    db.session.commit()
    assert "10.429,45\xa0€" in client.get(f"/{area.slug}/widgets/money?lang=de").get_data(
        as_text=True
    )


def test_decisions_widget_shows_names_only_with_consent(client, area, decide):
    decide(
        [
            Spec("Hoffest", kind="person", name="Jonas Becker", consent=False),
            Spec("Kiezkino", kind="person", name="Ayşe Yılmaz", consent=True),
        ]
    )
    html = client.get(f"/{area.slug}/widgets/decisions?lang=en").get_data(as_text=True)
    assert "Hoffest" in html and "Kiezkino" in html
    assert "Jonas Becker" not in html and "Ayşe Yılmaz" in html
    assert "Private initiative" in html
    assert "€500.00" in html


def test_apply_widget_links_to_the_form(app, client, area, fund):
    html = client.get(f"/{area.slug}/widgets/apply?lang=en").get_data(as_text=True)
    # On the configured public address, whatever host the request named (tests/security/
    # test_host_header.py).
    base = app.config["JURYFUND_BASE_URL"].rstrip("/")
    assert f"{base}/{area.slug}/apply" in html
    assert "Apply now" in html and "up to €1,500.00" in html


@pytest.mark.parametrize("widget", WIDGETS)
def test_every_link_leaves_the_frame_and_no_script_runs(client, area, fund, decide, widget):
    decide([Spec("Hoffest")])
    html = client.get(f"/{area.slug}/widgets/{widget}").get_data(as_text=True)
    links = re.findall(r"<a\s[^>]*>", html)
    assert links
    for link in links:
        assert 'target="_blank"' in link and 'rel="noopener"' in link, link
        assert re.search(r'href="https?://', link), link  # absolute: the frame is elsewhere
    assert "<script" not in html and "<form" not in html


@pytest.mark.parametrize("widget", WIDGETS)
def test_widget_language_comes_from_lang_then_the_visitor(client, area, fund, widget):
    arabic = client.get(f"/{area.slug}/widgets/{widget}?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in arabic
    english = client.get(
        f"/{area.slug}/widgets/{widget}?lang=xx", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in english
    area.languages = "de"
    db.session.commit()
    offered_only = client.get(f"/{area.slug}/widgets/{widget}?lang=ar").get_data(as_text=True)
    assert '<html lang="de" dir="ltr">' in offered_only


def test_lang_parameter_does_not_choose_the_language_of_other_pages(client, area, fund):
    html = client.get(f"/{area.slug}/?lang=ar", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert '<html lang="en" dir="ltr">' in html


def test_staff_page_offers_the_documented_snippets(client, area, fund, staff, login):
    allow(area, "https://qm-soldiner.de")
    login(staff)
    html = client.get(f"/staff/areas/{area.id}").get_data(as_text=True)
    snippets = [unescape(code) for code in re.findall(r"&lt;iframe .*?&lt;/iframe&gt;", html)]
    assert len(snippets) == 3
    for widget, snippet in zip(("money", "decisions", "apply"), snippets, strict=True):
        assert f"/{area.slug}/widgets/{widget}?lang=de" in snippet
        for attribute in ("title=", 'width="360"', "height=", 'loading="lazy"', "sandbox="):
            assert attribute in snippet, attribute
    assert "https://qm-soldiner.de" in html
    assert db.session.scalar(select(Area.widget_origins).where(Area.id == area.id))
