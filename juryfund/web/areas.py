"""Loading an area from the URL, shared by the public blueprints."""

from __future__ import annotations

from flask import abort, g
from sqlalchemy import select

from ..extensions import db
from ..models import Area


def load_area(slug: str) -> Area:
    """The area of a slug (404 otherwise); also picks its languages and time zone for the page."""
    area = db.session.scalar(select(Area).where(Area.slug == slug))
    if area is None:
        abort(404)
    g.area = area
    return area
