"""The map of funded projects: staff pin a place, the public sees only what it may.

A pin is public only for a funded project, and a private address only with the applicant's
consent; withdrawing the consent takes it off every public page at once (cache included).
"""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from juryfund.domain.actors import Actor
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import ApplicationEvent, ProjectPin
from juryfund.services import intake, places, privacy
from tests.public_text import readable_text

from ..conftest import csrf_from
from ..intake.conftest import last_mail, status_link
from .conftest import Spec

pytestmark = pytest.mark.transparency

#: A private address's coordinates, as typed and as they would appear in any public output.
SECRET_LAT, SECRET_LON = "52.556789", "13.371234"
SECRET_FRAGMENTS = ("52.556789", "13.371234", "52.55678", "13.37123", "52556789", "13371234")


def public_pages(client, application) -> dict[str, str]:
    """Every public page, feed, export and API answer (GET rules of the public blueprints)."""
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


def map_data(html: str) -> list[dict]:
    """The markers a map page hands to its script (empty when the page has no map)."""
    found = re.search(r'<script type="application/json" id="map-data">(.*?)</script>', html, re.S)
    return json.loads(found.group(1)) if found else []


def pin(application, staff, *, kind: str, lat: str = SECRET_LAT, lon: str = SECRET_LON):
    places.set_pin(application, latitude=lat, longitude=lon, kind=kind, actor=staff.actor)
    db.session.commit()


def assert_nowhere_public(client, application) -> None:
    pages = public_pages(client, application)
    assert f"/{application.area.slug}/map" in pages and "/map" in pages
    for url, html in pages.items():
        for fragment in SECRET_FRAGMENTS:
            assert fragment not in html, (url, fragment)
        if url.endswith("/map"):
            assert application.title not in html, url
            assert map_data(html) == [], url


def test_a_public_place_of_a_funded_project_is_on_both_maps(client, area, decide, staff):
    (project,) = decide([Spec("Pflanzaktion", requested=48000)])
    pin(project, staff, kind="public", lat="52,5", lon="13.4")
    for url in (f"/{area.slug}/map", "/map"):
        html = client.get(url).get_data(as_text=True)
        # The list: project linked to its page, amount and place, all without any script.
        assert f'href="/{area.slug}/projects/{project.reference}"' in html, url
        assert "Pflanzaktion" in html and "480,00" in html and "Soldiner Kiez" in html
        assert map_data(html) == [
            {
                "lat": "52.500000",
                "lon": "13.400000",
                "title": "Pflanzaktion",
                "amount": "480,00\xa0€",
                "place": "Soldiner Kiez",
                "url": f"/{area.slug}/projects/{project.reference}",
            }
        ]
    page = client.get(f"/{area.slug}/projects/{project.reference}").get_data(as_text=True)
    assert f"/{area.slug}/map#project-{project.reference}" in page


def test_a_private_address_shows_only_while_the_applicant_consents(client, area, decide, staff):
    (project,) = decide([Spec("Hofkonzert", email="hof@example.org")])
    pin(project, staff, kind="private")
    assert_nowhere_public(client, project)  # pinned, funded, but no consent: nowhere

    # The applicant agrees on the status page ("Your consents").
    intake.resend_links("hof@example.org")
    db.session.commit()
    client.get(status_link(last_mail("hof@example.org")))
    page = client.get(f"/status/{project.reference}").get_data(as_text=True)
    refused = client.post(
        f"/status/{project.reference}/place-consent", data={"csrf_token": csrf_from(page)}
    )
    assert refused.status_code == 200 and "has-error" in refused.get_data(as_text=True)
    assert (
        client.post(
            f"/status/{project.reference}/place-consent",
            data={"csrf_token": csrf_from(page), "confirm_place": "y"},
        ).status_code
        == 302
    )
    for url in (f"/{area.slug}/map", "/map"):
        html = client.get(url).get_data(as_text=True)
        assert "Hofkonzert" in html
        assert [(m["lat"], m["lon"]) for m in map_data(html)] == [(SECRET_LAT, SECRET_LON)]

    # ...and withdraws it: gone from every public page at once, though the pages were cached.
    page = client.get(f"/status/{project.reference}").get_data(as_text=True)
    assert (
        client.post(
            f"/status/{project.reference}/place-consent/withdraw",
            data={"csrf_token": csrf_from(page), "confirm_place_off": "y"},
        ).status_code
        == 302
    )
    db.session.refresh(project)
    assert project.consent_show_place is False
    assert_nowhere_public(client, project)
    kinds = db.session.scalars(
        select(ApplicationEvent.kind).where(ApplicationEvent.application_id == project.id)
    ).all()
    assert kinds[-2:] == ["place_ok", "place_off"]


def test_pins_of_rejected_or_undecided_applications_never_show(client, area, decide, staff):
    rejected, funded = decide([Spec("Kiezkino", outcome="rejected"), Spec("Lesecafé")])
    pin(rejected, staff, kind="public")
    rejected.consent_show_place = True
    db.session.commit()
    assert_nowhere_public(client, rejected)
    pin(funded, staff, kind="public", lat="52.1", lon="13.1")
    html = client.get(f"/{area.slug}/map").get_data(as_text=True)
    assert [m["title"] for m in map_data(html)] == ["Lesecafé"]


def test_cancelled_project_and_erased_private_address_leave_the_map(client, area, decide, staff):
    (project,) = decide([Spec("Nachbarschaftsfest")])
    pin(project, staff, kind="private")
    privacy.give_consent(project, privacy.Consent.SHOW_PLACE, actor=Actor.applicant("x"))
    db.session.commit()
    assert map_data(client.get("/map").get_data(as_text=True)) != []
    # Erasure (after the project is final) removes the private address itself.
    project.state = "settled"
    db.session.commit()
    privacy.erase(project, actor=staff.actor, reason="Brief", title="Fest")
    db.session.commit()
    assert db.session.get(ProjectPin, project.id) is None
    assert map_data(client.get("/map").get_data(as_text=True)) == []


def test_map_pages_allow_the_tile_server_and_no_other_page_does(client, area, app):
    for url in (f"/{area.slug}/map", f"/{area.slug}/map", "/map"):  # the second: a cache hit
        policy = client.get(url).headers["Content-Security-Policy"]
        assert "img-src 'self' data: https://tile.openstreetmap.org;" in policy, url
        assert "script-src 'self';" in policy
    for url in (f"/{area.slug}/", f"/{area.slug}/decisions", "/"):
        assert "openstreetmap" not in client.get(url).headers["Content-Security-Policy"]
    app.config["JURYFUND_MAP_TILE_URL"] = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    policy = client.get("/map").headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://*.tiles.example.org;" in policy


def test_a_map_page_links_no_leaflet_until_asked_and_names_the_tile_host(
    client, area, decide, staff, app
):
    """Leaflet (more than the rest of the page) and the tiles load only on the reader's click."""
    (project,) = decide([Spec("Pflanzaktion")])
    pin(project, staff, kind="public")
    app.config["JURYFUND_MAP_TILE_URL"] = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    for url in (f"/{area.slug}/map", "/map"):
        html = client.get(url).get_data(as_text=True)
        assert 'id="map-load"' in html and 'data-map-script="/static/map.js' in html, url
        assert '<script src="/static/vendor/leaflet' not in html
        assert 'rel="stylesheet" href="/static/vendor/leaflet' not in html
        assert "tiles.example.org" in html and "*.tiles" not in html


def test_an_empty_map_says_so_and_has_no_map(client, area):
    html = client.get(f"/{area.slug}/map").get_data(as_text=True)
    assert 'id="project-map"' not in html and "leaflet.js" not in html
    assert client.get("/nowhere/map").status_code == 404


def test_the_area_page_and_the_navigation_link_the_map(client, area):
    assert f'href="/{area.slug}/map"' in client.get(f"/{area.slug}/").get_data(as_text=True)
    assert f'href="/{area.slug}/map"' in client.get(f"/{area.slug}/budget").get_data(as_text=True)
    assert 'href="/map"' in client.get("/").get_data(as_text=True)


def test_a_pin_set_or_removed_shows_at_once_on_cached_pages(client, area, decide, staff, app):
    assert app.config["JURYFUND_PAGE_CACHE_SIZE"] > 0
    (project,) = decide([Spec("Lesecafé")])
    urls = (f"/{area.slug}/map", "/map", f"/{area.slug}/projects/{project.reference}")
    for url in urls:  # cached without the pin
        assert "#project-" not in client.get(url).get_data(as_text=True), url
    pin(project, staff, kind="public", lat="52.1", lon="13.1")
    for url in urls[:2]:
        assert [m["title"] for m in map_data(client.get(url).get_data(as_text=True))] == [
            "Lesecafé"
        ], url
    assert f"/{area.slug}/map#project-{project.reference}" in client.get(urls[2]).get_data(
        as_text=True
    )
    places.remove_pin(project, actor=staff.actor)
    db.session.commit()
    for url in urls[:2]:
        assert map_data(client.get(url).get_data(as_text=True)) == [], url
    assert "#project-" not in client.get(urls[2]).get_data(as_text=True)
