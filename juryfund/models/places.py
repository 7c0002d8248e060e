"""Where a project takes place, as a pin staff put on a map."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..domain.places import LATITUDE_LIMIT, LONGITUDE_LIMIT, PlaceKind
from ..extensions import Model
from .base import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from .applications import Application

PLACE_KINDS = tuple(kind.value for kind in PlaceKind)


class ProjectPin(Model):
    """One application's place on the map (at most one), in micro-degrees.

    Whether the public sees it is decided when a page is read (domain.places.is_public and the
    application's state), never stored: a withdrawn consent hides the pin everywhere at once.
    """

    __tablename__ = "project_pin"
    __table_args__ = (
        CheckConstraint(
            f"latitude_micro BETWEEN {-LATITUDE_LIMIT} AND {LATITUDE_LIMIT}",
            name="latitude_range",
        ),
        CheckConstraint(
            f"longitude_micro BETWEEN {-LONGITUDE_LIMIT} AND {LONGITUDE_LIMIT}",
            name="longitude_range",
        ),
        one_of("kind", PLACE_KINDS),
    )

    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), primary_key=True)
    #: Degrees north (negative: south) times 1,000,000.
    latitude_micro: Mapped[int]
    #: Degrees east (negative: west) times 1,000,000.
    longitude_micro: Mapped[int]
    #: "public" (a square, a school yard) or "private" (someone's address: only with consent).
    kind: Mapped[str] = mapped_column(String(8))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    application: Mapped[Application] = relationship()
