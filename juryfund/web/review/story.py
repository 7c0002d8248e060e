"""The QM team's side of a project story: write it on the applicant's behalf, approve it for
the public project page, or send it back with a note (services.stories)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import HiddenField, TextAreaField
from wtforms.validators import Length, Optional

from ...models import Application
from ...models.stories import MAX_STORY_PHOTOS
from ...services import privacy, stories
from .. import story_form
from ..downloads import send_photo
from ..fields import AppForm
from ..story_form import StaffStoryForm
from ..unit_of_work import attempt
from .forms import StaffConsentForm
from .routes import bp, staff_application


class StoryReviewForm(AppForm):
    """Approve the waiting story, or send it back with what to change."""

    review_note = TextAreaField(
        _l("What should be changed (for the applicant; needed to send the story back)"),
        validators=[Optional(), Length(max=2000)],
    )
    #: The version of the story the page showed (stories.version_of): only it is decided on.
    seen = HiddenField()


def _story_page(
    application: Application,
    form: StaffStoryForm | None = None,
    review_form: StoryReviewForm | None = None,
    consent_form: StaffConsentForm | None = None,
):
    """The staff's story page with its forms (fresh, or the one with errors)."""
    story = stories.find(application)
    return render_template(
        "review/story.html",
        application=application,
        story=story,
        may_tell=stories.may_tell(application),
        form=form or StaffStoryForm(data=story_form.stored_data(story, application)),
        review_form=_review_form(story, review_form),
        consent_form=consent_form or StaffConsentForm(),
        max_photos=MAX_STORY_PHOTOS,
    )


def _review_form(story, form: StoryReviewForm | None) -> StoryReviewForm:
    """The review form naming the version the page shows now (also after a refusal, so the
    next click decides on what is on the screen)."""
    form = form or StoryReviewForm()
    form.seen.data = stories.version_of(story) if story is not None else ""
    return form


@bp.route("/applications/<int:application_id>/story", methods=["GET", "POST"])
@login_required
def story(application_id: int):
    """The project story as it waits or is published; staff may write it for the applicant."""
    application = staff_application(application_id)
    form = StaffStoryForm(data=story_form.stored_data(stories.find(application), application))
    if form.is_submitted():
        if not stories.may_tell(application):
            flash(_("A story can be added only to a funded project."), "error")
            return redirect(url_for("review.detail", application_id=application.id))
        if story_form.save(form, application, actor=current_user.actor, note=form.note.data or ""):
            flash(_("The story is saved for the applicant; it waits for approval."), "success")
            return redirect(url_for("review.story", application_id=application.id))
    return _story_page(application, form=form)


@bp.post("/applications/<int:application_id>/story/approve")
@login_required
def approve_story(application_id: int):
    """Publish the waiting version of the story on the project page."""
    application = staff_application(application_id)
    form = StoryReviewForm()
    if form.validate_on_submit() and attempt(
        lambda: stories.approve(application, actor=current_user.actor, seen=form.seen.data or ""),
        form=form,
        done=_("The story is approved and published on the project page."),
    ):
        return redirect(url_for("review.story", application_id=application.id))
    return _story_page(application, review_form=form), 200


@bp.post("/applications/<int:application_id>/story/return")
@login_required
def return_story(application_id: int):
    """Send the waiting story back to the applicant with a note; nothing new is published."""
    application = staff_application(application_id)
    form = StoryReviewForm()
    if form.validate_on_submit() and attempt(
        lambda: stories.send_back(
            application,
            note=form.review_note.data or "",
            actor=current_user.actor,
            seen=form.seen.data or "",
        ),
        form=form,
        done=_("The story is sent back to the applicant with your note."),
    ):
        return redirect(url_for("review.story", application_id=application.id))
    return _story_page(application, review_form=form), 200


@bp.post("/applications/<int:application_id>/story/consent")
@login_required
def withdraw_story_consent(application_id: int):
    """Withdraw the consent to publish the story on the applicant's written request."""
    application = staff_application(application_id)
    form = StaffConsentForm()
    if form.validate_on_submit() and attempt(
        lambda: privacy.withdraw_consent(
            application,
            privacy.Consent.PUBLISH_STORY,
            actor=current_user.actor,
            note=form.request_note.data,
        ),
        form=form,
        done=_("The consent is withdrawn: the story and photos are no longer published."),
    ):
        return redirect(url_for("review.story", application_id=application.id))
    return _story_page(application, consent_form=form), 200


@bp.post("/applications/<int:application_id>/story/photos/<int:photo_id>/remove")
@login_required
def remove_story_photo(application_id: int, photo_id: int):
    """Take a photo out of the story (e.g. someone on it asked); it leaves the public page."""
    application = staff_application(application_id)
    attempt(
        lambda: stories.remove_photo(application, photo_id, actor=current_user.actor),
        done=_("The photo is removed."),
    )
    return redirect(url_for("review.story", application_id=application.id))


@bp.get("/applications/<int:application_id>/story/photos/<int:photo_id>")
@login_required
def story_photo(application_id: int, photo_id: int):
    """A photo of the story as stored, approved or not, for the QM team to check."""
    application = staff_application(application_id)
    photo = stories.photo_with_data(photo_id)
    if photo is None or photo.story.application_id != application.id:
        abort(404)
    return send_photo(photo, public=False)
