"""The applicant's project story (report and photos for the public project page), reached
through the status link; staff approve it before anything of it is public."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from ...domain.actors import Actor
from ...models.stories import MAX_STORY_PHOTOS
from ...services import privacy, stories
from .. import story_form
from ..downloads import send_photo
from ..story_form import StoryForm
from ..unit_of_work import attempt
from .forms import WithdrawForm, WithdrawStoryConsentForm
from .routes import _page, as_grant_holder, bp, granted_application, hold_grant


@bp.route("/<reference>/story", methods=["GET", "POST"])
def story(reference: str):
    """Write the project story and add photos; each saved version waits for approval."""
    application = granted_application(reference)
    if not stories.may_tell(application):
        flash(_("A story can be added only to a funded project."), "error")
        return redirect(url_for("status.page", reference=reference))
    record = stories.find(application)
    form = StoryForm(data=story_form.stored_data(record, application))
    if story_form.save(
        form, application, actor=Actor.applicant(reference), guard=lambda: hold_grant(application)
    ):
        flash(
            _("Thank you. Your story is saved; the QM team will check it before it is published."),
            "success",
        )
        return redirect(url_for("status.story", reference=reference))
    return render_template(
        "status/story.html",
        application=application,
        story=stories.find(application),
        form=form,
        max_photos=MAX_STORY_PHOTOS,
    )


@bp.post("/<reference>/story/photos/<int:photo_id>/remove")
def remove_story_photo(reference: str, photo_id: int):
    """Take a photo out of the story; it leaves the public page at once."""
    application = granted_application(reference)
    attempt(
        as_grant_holder(
            application,
            lambda: stories.remove_photo(application, photo_id, actor=Actor.applicant(reference)),
        ),
        done=_("The photo is removed."),
    )
    return redirect(url_for("status.story", reference=reference))


@bp.get("/<reference>/story/photos/<int:photo_id>")
def story_photo(reference: str, photo_id: int):
    """One of the story's photos as stored (approved or not), for the applicant's own page."""
    application = granted_application(reference)
    photo = stories.photo_with_data(photo_id)
    if photo is None or photo.story.application_id != application.id:
        abort(404)
    return send_photo(photo, public=False)


@bp.post("/<reference>/story/consent")
def withdraw_story_consent(reference: str):
    """Withdraw the consent to publish the story: it leaves every public page at once."""
    application = granted_application(reference)
    form = WithdrawStoryConsentForm()
    if form.validate_on_submit():
        attempt(
            as_grant_holder(
                application,
                lambda: privacy.withdraw_consent(
                    application, privacy.Consent.PUBLISH_STORY, actor=Actor.applicant(reference)
                ),
            ),
            done=_("Your consent is withdrawn: your story and photos are no longer published."),
        )
        return redirect(url_for("status.page", reference=reference))
    return _page(application, WithdrawForm(), story_consent_form=form)
