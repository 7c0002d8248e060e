"""The maps of funded projects: one per area and one of the whole installation.

The list of projects is the page (it works without script and without tiles); the map drawn
by static/map.js from the page's JSON data only adds to it. The data holds only what the list
shows, so a pin the public may not see is in neither (services.places decides).
"""

from __future__ import annotations

from flask import current_app, render_template, url_for

from ...domain.places import degrees
from ...services import places
from ...services.places import MapEntry
from ..areas import load_area
from ..i18n import money
from ..pagecache import public_page
from ..security import map_page
from .blueprint import bp


def _marker(entry: MapEntry, amount: str) -> dict[str, str]:
    """What the script needs to draw one marker: where, what, and the project page's address."""
    return {
        "lat": degrees(entry.latitude_micro),
        "lon": degrees(entry.longitude_micro),
        "title": entry.title,
        "amount": amount,
        "place": entry.place,
        "url": url_for("transparency.project", slug=entry.area_slug, reference=entry.reference),
    }


def _render(entries: list[MapEntry], **context):
    """The map page: the list, and the markers and tile settings for the script."""
    return render_template(
        "transparency/map.html",
        entries=entries,
        markers=[_marker(entry, money(entry.approved_cents)) for entry in entries],
        tile_url=current_app.config["JURYFUND_MAP_TILE_URL"],
        attribution=current_app.config["JURYFUND_MAP_ATTRIBUTION"],
        **context,
    )


@bp.get("/map")
@map_page
@public_page
def installation_map():
    """Every area's funded projects with a public place, as a list and on a map."""
    return _render(places.public_map(), area=None)


@bp.get("/<slug>/map")
@map_page
@public_page
def area_map(slug: str):
    """An area's funded projects with a public place, as a list and on a map."""
    area = load_area(slug)
    return _render(places.public_map(area), area=area)
