"""The map of funded projects in a real browser: the list and the Leaflet markers are there with
the tile server unreachable, loaded only when the reader asks (and then remembered), no script
error or CSP refusal, the list works without JavaScript,
and on a staff application page a click on the small map fills in the coordinates."""

from __future__ import annotations

import pytest

from juryfund.extensions import db
from juryfund.services import places
from tests.fixtures import PASSWORD, Spec

from .conftest import html_attributes, requires_chromium, set_language, t

pytestmark = [pytest.mark.browser, pytest.mark.transparency, requires_chromium]

TILES = "https://tile.openstreetmap.org/**"


@pytest.fixture
def mapped(decide, staff):
    """Two funded projects at public places, one at a private address without consent, and a
    rejected one: only the first two may appear."""
    apps = decide(
        [
            Spec("Pflanzaktion Baumscheiben"),
            Spec("Hoffest im Hinterhof"),
            Spec("Nähwerkstatt privat"),
            Spec("Kiez-Kino", outcome="rejected"),
        ]
    )
    for app, (lat, lon), kind in zip(
        apps,
        [
            ("52.5589", "13.3745"),
            ("52.5573", "13.3773"),
            ("52.5562", "13.3801"),
            ("52.555", "13.376"),
        ],
        ["public", "public", "private", "public"],
        strict=True,
    ):
        places.set_pin(app, latitude=lat, longitude=lon, kind=kind, actor=staff.actor)
    db.session.commit()
    return apps


def _own_errors(page) -> list[str]:
    """What the page reported, less the tile loads this test refuses on purpose."""
    return [error for error in page.js_errors if "ERR_FAILED" not in error]


@pytest.mark.parametrize("language", ["de", "ar"])
def test_area_map_shows_list_and_markers_without_tiles(
    page, context, live_server, area, mapped, language
):
    blocked: list[str] = []
    context.route(TILES, lambda route: (blocked.append(route.request.url), route.abort()))
    set_language(context, live_server, language)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(f"/{area.slug}/map")
    page.wait_for_load_state("load")
    assert html_attributes(page) == (language, "rtl" if language == "ar" else "ltr")
    items = page.locator(".map-list > li")
    assert items.count() == 2
    assert sorted(items.locator("h3").all_inner_texts()) == [
        "Hoffest im Hinterhof",
        "Pflanzaktion Baumscheiben",
    ]
    # Nothing of the map (Leaflet, tiles) loads until the reader asks for it.
    page.wait_for_timeout(300)
    assert page.evaluate("typeof L") == "undefined"
    assert blocked == [] and not page.locator("#project-map").is_visible()
    show = page.get_by_role("button", name=t(language, "Show the map"))
    assert "tile.openstreetmap.org" in page.locator("#map-load").inner_text()
    show.click()
    page.locator("#project-map .leaflet-marker-icon").first.wait_for()
    assert not show.is_visible()
    markers = page.locator("#project-map .leaflet-marker-icon")
    assert markers.count() == 2
    assert sorted(markers.evaluate_all("els => els.map(e => e.title)")) == [
        "Hoffest im Hinterhof",
        "Pflanzaktion Baumscheiben",
    ]
    assert page.locator("#project-map").is_visible()
    assert blocked, "the map asked the tile server (blocked here) for tiles"
    assert _own_errors(page) == []
    width = page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert width[0] <= width[1]
    # A marker opens its popup with a link to the project page.
    markers.first.click()
    popup_link = page.locator(".leaflet-popup-content a")
    assert popup_link.get_attribute("href").startswith(f"/{area.slug}/projects/")
    assert "Nähwerkstatt" not in page.content() and "Kiez-Kino" not in page.content()
    # The browser remembers the choice: the next map page opens its map without the button.
    page.goto("/map")
    page.locator("#project-map .leaflet-marker-icon").first.wait_for()
    assert not page.locator("#map-load").is_visible()
    # ... until the reader takes it back: then the next map page asks again, loading nothing.
    page.get_by_role("button", name=t(language, "Ask before loading maps again")).click()
    assert page.locator("#map-forget [role=status]").inner_text() == t(
        language, "Maps will load only when you ask."
    )
    page.goto(f"/{area.slug}/map")
    page.get_by_role("button", name=t(language, "Show the map")).wait_for()
    page.wait_for_timeout(300)
    assert page.evaluate("typeof L") == "undefined"


def test_map_list_works_without_javascript(browser, live_server, area, mapped):
    context = browser.new_context(base_url=live_server, java_script_enabled=False, locale="de-DE")
    try:
        page = context.new_page()
        page.goto("/map")
        links = page.locator(".map-list h3 a")
        assert links.count() == 2
        assert not page.locator("#project-map").is_visible()  # no empty box without the script
        links.filter(has_text="Pflanzaktion").click()
        assert page.locator("h1").inner_text() == "Pflanzaktion Baumscheiben"
    finally:
        context.close()


def test_a_click_on_the_staff_map_fills_the_coordinates(
    page, context, live_server, staff, approved
):
    context.route(TILES, lambda route: route.abort())
    page.goto("/staff/login")
    page.get_by_label(t("de", "Email")).fill(staff.email)
    page.get_by_label(t("de", "Password")).fill(PASSWORD)
    page.get_by_role("button", name=t("de", "Log in")).click()
    page.goto(f"/staff/applications/{approved.id}")
    assert not page.locator("#pin-map").is_visible()
    page.get_by_role("button", name=t("de", "Show the map")).click()
    page.locator("#pin-map.leaflet-container").wait_for()
    page.locator("#pin-map").scroll_into_view_if_needed()
    page.locator("#pin-map").click()
    latitude = page.locator("#pin-latitude").input_value()
    longitude = page.locator("#pin-longitude").input_value()
    assert latitude and longitude and "." in latitude
    page.locator("#pin-kind-0").check()
    page.get_by_role("button", name=t("de", "Save the place")).click()
    page.wait_for_load_state("load")
    page.locator("#pin-map .leaflet-marker-icon").wait_for()  # remembered: no second click
    assert page.locator("#pin-map .leaflet-marker-icon").count() == 1
    db.session.expire_all()
    pin = places.pin_of(approved)
    assert pin is not None and pin.kind == "public"
    assert _own_errors(page) == []
