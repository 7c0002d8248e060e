"""The project story's form and its handling: the applicant's (status link) and staff's on the
applicant's behalf share the fields and the rules (services.stories)."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, FieldList, Form, FormField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from ..domain.actors import Actor
from ..infra.images import MAX_PHOTO_BYTES
from ..models import Application, ProjectStory
from ..services import stories
from .fields import AppForm
from .unit_of_work import attempt, read_upload

#: New photos offered at once; more are added by saving and adding again.
NEW_PHOTO_PLACES = 2


class NewPhotoForm(Form):
    """One photo to add, with the description people who cannot see it hear instead."""

    file = FileField(_l("Photo (JPEG, PNG or WebP)"))
    alt_text = StringField(
        _l("What the photo shows (for people who cannot see it)"),
        validators=[Optional(), Length(max=stories.MAX_ALT)],
    )


class StoryForm(AppForm):
    """The story's text, new photos and the consent to publish them."""

    text = TextAreaField(
        _l("Your story: what happened at the action, who took part, what came of it?"),
        validators=[Optional(), Length(max=stories.MAX_TEXT)],
    )
    new_photos = FieldList(
        FormField(NewPhotoForm), min_entries=NEW_PHOTO_PLACES, max_entries=NEW_PHOTO_PLACES
    )
    consent = BooleanField(
        _l(
            "I agree that this story and these photos are published on the project's public "
            "page, and the people who can be recognised on the photos agree too. I can withdraw "
            "this consent at any time."
        )
    )

    def photos(self) -> list[stories.NewPhoto]:
        """The photos chosen (or described) in the form, as the service takes them."""
        found = []
        for index, entry in enumerate(self.new_photos):
            upload = entry.form.file.data
            chosen = upload is not None and bool(getattr(upload, "filename", ""))
            alt = entry.form.alt_text.data or ""
            if chosen or alt.strip():
                data = read_upload(upload, MAX_PHOTO_BYTES + 1) if chosen else None
                found.append(stories.NewPhoto(data, alt, field=f"new_photos-{index}-file"))
        return found


class StaffStoryForm(StoryForm):
    """The applicant's story form, with staff's note on how story and consent came in."""

    note = TextAreaField(
        _l("How the applicant gave you the story and their consent (shown in the history)"),
        validators=[Optional(), Length(max=2000)],
    )


def stored_data(story: ProjectStory | None, application: Application) -> dict:
    """The form's fields filled from the stored story (the consent as it stands)."""
    if story is None:
        return {}
    return {"text": story.text, "consent": application.consent_publish_story}


def save(
    form: StoryForm,
    application: Application,
    *,
    actor: Actor,
    note: str = "",
    guard: Callable[[], None] = lambda: None,
) -> bool:
    """Check and save the form's story (one commit); refusals go next to their fields.

    ``guard`` runs first when the story is saved (the applicant's link read again under the
    application's lock); a form that is only checked runs nothing.
    """
    if not form.validate_on_submit():
        return False

    def guarded_save() -> ProjectStory:
        guard()
        return stories.save(
            application,
            text=form.text.data or "",
            consent=bool(form.consent.data),
            photos=form.photos(),
            actor=actor,
            note=note,
        )

    return attempt(guarded_save, form=form).ok
