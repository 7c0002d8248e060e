"""Project stories: the applicant's short report and photos for the public project page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, deferred, mapped_column, relationship

from ..domain.lifecycles import StoryState
from ..extensions import Model
from .applications import Application
from .base import UTCDateTime, one_of, utcnow

STORY_STATES = tuple(state.value for state in StoryState)
#: What a stored photo is re-encoded as (the type it was uploaded in; never the browser's word).
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
#: Photos per story: each current photo holds one of these numbered places, so the database
#: itself refuses a seventh even when two uploads race past the service's count.
MAX_STORY_PHOTOS = 6


class ProjectStory(Model):
    """An application's story: the version being edited and the one staff approved last."""

    __tablename__ = "project_story"
    __table_args__ = (
        one_of("state", STORY_STATES),
        CheckConstraint("text <> ''", name="text_given"),
        # An approved story has a public version; a withdrawn consent leaves none.
        CheckConstraint(
            "state <> 'approved' OR public_text IS NOT NULL", name="approved_is_public"
        ),
        CheckConstraint("state <> 'withdrawn' OR public_text IS NULL", name="withdrawn_hidden"),
        CheckConstraint("state <> 'returned' OR review_note <> ''", name="returned_has_note"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), unique=True)
    state: Mapped[str] = mapped_column(String(10), default=StoryState.SUBMITTED.value)
    #: The version last saved (by the applicant, or staff on their behalf), waiting or approved.
    text: Mapped[str] = mapped_column(Text)
    #: The version staff approved last: the only one a public page shows.
    public_text: Mapped[str | None] = mapped_column(Text)
    #: Staff's note when they sent the story back.
    review_note: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    application: Mapped[Application] = relationship()
    photos: Mapped[list[StoryPhoto]] = relationship(
        back_populates="story", order_by="StoryPhoto.id", cascade="all, delete-orphan"
    )


class StoryPhoto(Model):
    """A photo of a story, stored re-encoded without metadata; bytes loaded only when sent."""

    __tablename__ = "story_photo"
    __table_args__ = (
        UniqueConstraint("story_id", "slot"),
        CheckConstraint(f"slot BETWEEN 1 AND {MAX_STORY_PHOTOS}", name="slot_in_range"),
        CheckConstraint("alt_text <> ''", name="alt_text_given"),
        one_of("content_type", PHOTO_TYPES),
        CheckConstraint("size > 0", name="size_positive"),
        CheckConstraint("width > 0 AND height > 0", name="dimensions_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("project_story.id"), index=True)
    #: The photo's numbered place in the story (1..MAX_STORY_PHOTOS).
    slot: Mapped[int]
    #: Describes the photo for people who cannot see it; required.
    alt_text: Mapped[str] = mapped_column(String(300))
    #: Part of the version staff approved last (a photo added since waits for approval).
    approved: Mapped[bool] = mapped_column(default=False)
    content_type: Mapped[str] = mapped_column(String(20))
    width: Mapped[int]
    height: Mapped[int]
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = deferred(mapped_column(LargeBinary, nullable=False))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    story: Mapped[ProjectStory] = relationship(back_populates="photos")
