"""Project stories: after the action, the applicant (or staff on their behalf) write a short
report and add photos for the public project page; staff approve before anything is public.

The public page shows only the version approved last, and only while the applicant's consent
to publish it stands (services.privacy). Every step is a line of the application's history and
an audit event, like every other change to an application.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload, undefer

from ..domain.actors import Actor
from ..domain.errors import DomainError
from ..domain.lifecycles import StoryState, move_story
from ..domain.states import State
from ..extensions import db
from ..infra.images import clean_photo
from ..models import Application, ProjectStory, StoryPhoto
from ..models.base import utcnow
from ..models.stories import MAX_STORY_PHOTOS
from . import history, locks, setup

#: Application states in which a story may be told: the action is funded (proof or later).
TELLING_STATES = frozenset({State.APPROVED.value, State.SETTLED.value})
#: The longest story text and photo description accepted.
MAX_TEXT = 5000
MAX_ALT = 300


@dataclass(frozen=True)
class NewPhoto:
    """A photo as uploaded with its description; ``field`` names the form field it came from."""

    #: None when only a description was typed and no file chosen.
    data: bytes | None
    alt_text: str
    field: str


@dataclass(frozen=True)
class PublicStory:
    """What the public project page shows of a story: the approved text and photos."""

    text: str
    photos: list[StoryPhoto]


def find(application: Application) -> ProjectStory | None:
    """The application's story, if one was ever saved."""
    return db.session.scalar(
        select(ProjectStory).where(ProjectStory.application_id == application.id)
    )


def may_tell(application: Application) -> bool:
    """Whether a story may be added or changed now (a funded project, data not erased)."""
    return application.state in TELLING_STATES and application.anonymised_at is None


def save(
    application: Application,
    *,
    text: str,
    consent: bool,
    photos: list[NewPhoto],
    actor: Actor,
    note: str = "",
) -> ProjectStory:
    """Keep the story's text and add new photos; the whole version then waits for approval.

    Needs the consent to publish (given here; staff record one the applicant gave them, with
    a note saying how). Every refusal is raised at once, each on its own field. The story's
    application is locked first, so uploads sent at once count each other's photos.
    """
    locks.lock(Application, application.id)
    if not may_tell(application):
        raise DomainError("story.not_open")
    errors = []
    text = text.strip()
    if not text:
        errors.append(DomainError("story.text_required", field="text"))
    elif len(text) > MAX_TEXT:
        errors.append(DomainError("story.text_too_long", field="text", maximum=MAX_TEXT))
    if not consent:
        errors.append(DomainError("story.consent_required", field="consent"))
    if actor.staff_id is not None and not note.strip():
        errors.append(DomainError("story.behalf_note_required", field="note"))
    story = find(application)
    if story is not None:
        story = locks.lock(ProjectStory, story.id)  # read afresh: another save may have come first
    free = _free_slots(story)
    if len(photos) > len(free):
        errors.append(
            DomainError("story.too_many_photos", field=photos[0].field, maximum=MAX_STORY_PHOTOS)
        )
    cleaned = []
    for photo in photos:
        alt = photo.alt_text.strip()
        alt_field = photo.field.rsplit("-", 1)[0] + "-alt_text"
        if not alt:
            errors.append(DomainError("story.alt_required", field=alt_field))
        elif len(alt) > MAX_ALT:
            errors.append(DomainError("story.alt_too_long", field=alt_field, maximum=MAX_ALT))
        if photo.data is None:
            errors.append(DomainError("story.photo_missing", field=photo.field))
            continue
        try:
            cleaned.append((clean_photo(photo.data, field=photo.field), alt))
        except DomainError as error:
            errors.append(error)
    setup.refuse(errors)
    if story is None:
        story = ProjectStory(
            application_id=application.id, text=text, state=StoryState.SUBMITTED.value
        )
        db.session.add(story)
    else:
        story.state = move_story(story.state, StoryState.SUBMITTED).value
        story.text = text
    story.updated_at = utcnow()
    for slot, (clean, alt) in zip(free, cleaned, strict=False):
        story.photos.append(
            StoryPhoto(
                slot=slot,
                alt_text=alt,
                content_type=clean.content_type,
                width=clean.width,
                height=clean.height,
                size=len(clean.data),
                sha256=clean.sha256,
                data=clean.data,
            )
        )
    application.consent_publish_story = True
    history.record(application, "story", actor=actor, note=note, photos=len(cleaned))
    db.session.flush()
    return story


def _free_slots(story: ProjectStory | None) -> list[int]:
    """The photo places still free in a story, lowest first (read from the database under the
    application's lock, never from a collection loaded before it)."""
    taken = (
        set(db.session.scalars(select(StoryPhoto.slot).where(StoryPhoto.story_id == story.id)))
        if story is not None
        else set()
    )
    return [slot for slot in range(1, MAX_STORY_PHOTOS + 1) if slot not in taken]


def remove_photo(application: Application, photo_id: int, *, actor: Actor) -> None:
    """Take a photo out of the story; it leaves the public page at once (less needs no approval)."""
    locks.lock(Application, application.id)
    story = find(application)
    photo = db.session.get(StoryPhoto, photo_id)
    if story is None or photo is None or photo.story_id != story.id:
        raise DomainError("story.no_such_photo")
    story.photos.remove(photo)
    history.record(application, "story_pic", actor=actor)
    db.session.flush()


def version_of(story: ProjectStory) -> str:
    """What names the version of a story a page shows: when it was last saved."""
    return story.updated_at.isoformat()


def approve(application: Application, *, actor: Actor, seen: str | None = None) -> ProjectStory:
    """Publish the waiting version: its text and photos become the public ones.

    ``seen`` is the version staff read (version_of, from the page they approve on): when the
    applicant saved another one since, nothing is published. None only for callers that read
    the story themselves in the same transaction (demo data, tests).
    """
    story = _waiting(application, seen)
    story.state = move_story(story.state, StoryState.APPROVED).value
    story.public_text = story.text
    story.review_note = ""
    story.approved_at = utcnow()
    for photo in story.photos:
        photo.approved = True
    history.record(application, "story_ok", actor=actor)
    db.session.flush()
    return story


def send_back(
    application: Application, *, note: str, actor: Actor, seen: str | None = None
) -> ProjectStory:
    """Send the waiting version back with what to change; the public version stays as it was.

    ``seen`` as for approve: a note written on an older version does not go back with a newer.
    """
    if not note.strip():
        raise DomainError("story.note_required", field="review_note")
    story = _waiting(application, seen)
    story.state = move_story(story.state, StoryState.RETURNED).value
    story.review_note = note.strip()
    history.record(application, "story_back", actor=actor, note=note)
    db.session.flush()
    return story


def _waiting(application: Application, seen: str | None) -> ProjectStory:
    """The application's story, locked and waiting for approval (else DomainError); when
    ``seen`` is given, still the version staff read (else DomainError "story.changed").

    Checked under the application's lock, which every save takes first: a save either comes
    before the check (and is seen here) or waits until the decision is committed.
    """
    locks.lock(Application, application.id)
    if not may_tell(application):  # no longer funded, or erased, since it was sent
        raise DomainError("story.not_publishable")
    story = find(application)
    if story is None or story.state != StoryState.SUBMITTED:
        raise DomainError("story.not_waiting")
    story = locks.lock(ProjectStory, story.id)
    if seen is not None and seen != version_of(story):
        raise DomainError("story.changed")
    return story


def unpublish(application: Application) -> None:
    """The consent is withdrawn: nothing of the story stays public, and showing it again takes
    a new consent and a new approval (called under the application's lock, in its request)."""
    story = find(application)
    if story is None or story.state == StoryState.WITHDRAWN:
        return
    story.state = move_story(story.state, StoryState.WITHDRAWN).value
    story.public_text = None
    for photo in story.photos:
        photo.approved = False
    db.session.flush()


def _public(area_id: int, reference: str) -> Select[ProjectStory]:
    """The project's story while its approved version may be public: consent given, not erased."""
    return _public_many(area_id, [reference])


def public_story(area_id: int, reference: str) -> PublicStory | None:
    """The approved version of a project's story, or None while nothing of it may be public.

    The caller shows it only on the page of a funded project (services.transparency.project).
    """
    story = db.session.scalar(
        _public(area_id, reference).options(selectinload(ProjectStory.photos))
    )
    if story is None or story.public_text is None:
        return None
    return PublicStory(
        text=story.public_text, photos=[photo for photo in story.photos if photo.approved]
    )


def public_stories(
    area_id: int, references: list[str], *, with_data: bool = False
) -> dict[str, PublicStory]:
    """The approved, consented stories of several projects by reference (two queries).

    The same rule as ``public_story``: a project whose consent was withdrawn, or whose data was
    erased, is missing from the result. ``with_data`` loads the photos' bytes too (documents
    that embed them); the caller shows only stories of funded projects.
    """
    if not references:
        return {}
    photos = selectinload(ProjectStory.photos)
    rows = db.session.execute(
        _public_many(area_id, references)
        .add_columns(Application.reference)
        .options(photos.options(undefer(StoryPhoto.data)) if with_data else photos)
    ).all()
    return {
        reference: PublicStory(
            text=story.public_text, photos=[photo for photo in story.photos if photo.approved]
        )
        for story, reference in rows
        if story.public_text is not None
    }


def _public_many(area_id: int, references: list[str]) -> Select[ProjectStory]:
    """The stories of these projects while their approved versions may be public."""
    return (
        select(ProjectStory)
        .join(Application, ProjectStory.application_id == Application.id)
        .where(
            Application.area_id == area_id,
            Application.reference.in_(references),
            Application.consent_publish_story.is_(True),
            Application.anonymised_at.is_(None),
            ProjectStory.public_text.is_not(None),
        )
    )


def public_photo(area_id: int, reference: str, photo_id: int) -> StoryPhoto | None:
    """A photo with its bytes when it belongs to the project's approved, consented story."""
    story_ids = _public(area_id, reference).with_only_columns(ProjectStory.id)
    return db.session.scalar(
        select(StoryPhoto)
        .where(
            StoryPhoto.id == photo_id,
            StoryPhoto.approved.is_(True),
            StoryPhoto.story_id.in_(story_ids.scalar_subquery()),
        )
        .options(undefer(StoryPhoto.data))
    )


def photo_with_data(photo_id: int) -> StoryPhoto | None:
    """A story photo with its bytes (which are otherwise never loaded)."""
    return db.session.scalar(
        select(StoryPhoto).where(StoryPhoto.id == photo_id).options(undefer(StoryPhoto.data))
    )


def photo_count(application: Application) -> int:
    """How many photos the application's story holds (for the erasure's preview)."""
    story = find(application)
    return len(story.photos) if story is not None else 0


def erase(application: Application) -> int:
    """Delete the story and its photos (erasure and anonymisation); how many photos went."""
    story = find(application)
    application.consent_publish_story = False
    if story is None:
        return 0
    count = len(story.photos)
    db.session.delete(story)
    db.session.flush()
    return count


def export(application: Application) -> dict[str, Any] | None:
    """The story as the applicant's data (Art. 15 GDPR), photos described without their bytes."""
    story = find(application)
    if story is None:
        return None
    return {
        "state": story.state,
        "text": story.text,
        "public_text": story.public_text,
        "review_note": story.review_note,
        "consent_publish_story": application.consent_publish_story,
        "photos": [
            {
                "alt_text": photo.alt_text,
                "content_type": photo.content_type,
                "width": photo.width,
                "height": photo.height,
                "size": photo.size,
                "sha256": photo.sha256,
                "approved": photo.approved,
                "uploaded_at": photo.uploaded_at.isoformat(),
            }
            for photo in story.photos
        ],
    }
