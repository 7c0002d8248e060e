"""Public pages and the language switcher."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.foundation


@pytest.fixture
def area(make):
    area = make.area(
        name="Soldiner Kiez", slug="soldiner-kiez", code="SOL", description="Für Aktionen im Kiez."
    )
    make.fund(area, make.body(area), allocation_cents=1_000_000)
    return area


def test_start_page_lists_areas_with_links(client, area):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/soldiner-kiez/"' in html
    assert "Soldiner Kiez" in html


def test_area_page_shows_cap_and_money_left_in_locale(client, area):
    client.set_cookie("juryfund_lang", "de")
    html = client.get("/soldiner-kiez/").get_data(as_text=True)
    assert "1.500,00\xa0€" in html
    assert "10.000,00\xa0€" in html
    client.set_cookie("juryfund_lang", "en")
    html = client.get("/soldiner-kiez/").get_data(as_text=True)
    assert "€1,500.00" in html


def test_area_page_has_apply_entry(client, area):
    assert 'href="/soldiner-kiez/apply"' in client.get("/soldiner-kiez/").get_data(as_text=True)


def test_unknown_area_is_404_page_not_crash(client):
    response = client.get("/nowhere/")
    assert response.status_code == 404
    assert "<h1>" in response.get_data(as_text=True)


def test_language_switch_sets_cookie_and_returns_to_page(client, area):
    response = client.get("/language/tr?next=/soldiner-kiez/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/soldiner-kiez/"
    html = client.get("/soldiner-kiez/").get_data(as_text=True)
    assert '<html lang="tr" dir="ltr">' in html


def test_arabic_pages_are_right_to_left(client, area):
    client.get("/language/ar")
    assert '<html lang="ar" dir="rtl">' in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\t/evil.example", "\\\\evil"]
)
def test_language_switch_never_redirects_off_site(client, target):
    response = client.get("/language/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


def test_unknown_language_is_404(client):
    assert client.get("/language/xx").status_code == 404


def test_first_visit_uses_accept_language(client, area):
    html = client.get("/", headers={"Accept-Language": "uk,en;q=0.5"}).get_data(as_text=True)
    assert '<html lang="uk"' in html


def test_area_offering_subset_falls_back_to_its_languages(client, make):
    make.area(slug="only-german", languages=["de"])
    html = client.get("/only-german/", headers={"Accept-Language": "tr"}).get_data(as_text=True)
    assert '<html lang="de"' in html
    assert 'hreflang="tr"' not in html
