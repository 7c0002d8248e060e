"""Residents' rights handled by the QM team: a consent withdrawn on a written request, the
erasure of an applicant's personal data on request (Art. 17 GDPR), and a new status link for
an applicant who lost theirs or passed it on."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import SelectField
from wtforms.validators import InputRequired

from ...domain.files import MAX_FILE_BYTES
from ...services import intake, privacy
from ..fields import REQUIRED, AppForm, options
from ..unit_of_work import attempt, read_upload
from .forms import PERSONAL_TEXT_LABELS, ErasureForm, StaffConsentForm
from .routes import _detail_page, bp, staff_application


@bp.post("/applications/<int:application_id>/consent")
@login_required
def withdraw_consent(application_id: int):
    """Withdraw the consent to publish the name, on the applicant's written request."""
    application = staff_application(application_id)
    form = StaffConsentForm()
    if form.validate_on_submit() and attempt(
        lambda: privacy.withdraw_consent(
            application,
            privacy.Consent.PUBLISH_NAME,
            actor=current_user.actor,
            note=form.request_note.data,
        ),
        form=form,
        done=_("The consent is withdrawn: the name is no longer published."),
    ):
        return redirect(url_for("review.detail", application_id=application.id))
    return _detail_page(application, consent_form=form), 200


@bp.route("/applications/<int:application_id>/erase", methods=["GET", "POST"])
@login_required
def erase(application_id: int):
    """What an erasure removes and keeps, and the confirmation that carries it out."""
    application = staff_application(application_id)
    preview = privacy.preview_erasure(application)
    form = ErasureForm(data=None if preview.allowed else {"title": application.title})
    if not form.is_submitted() and preview.allowed:
        form.title.data = application.title
    if (
        preview.allowed
        and form.validate_on_submit()
        and attempt(
            lambda: privacy.erase(
                application,
                actor=current_user.actor,
                reason=form.reason.data,
                title=form.title.data,
                texts=form.texts.data or (),
            ),
            form=form,
            done=_("The personal data is erased. The decision and the bookings are kept."),
        )
    ):
        return redirect(url_for("review.detail", application_id=application.id))
    return render_template(
        "review/erase.html",
        application=application,
        preview=preview,
        form=form,
        text_labels=PERSONAL_TEXT_LABELS,
    )


@bp.post("/applications/<int:application_id>/status-link")
@login_required
def reissue_status_link(application_id: int):
    """Mail the applicant a new status link and revoke the old ones (a lost or passed-on link)."""
    application = staff_application(application_id)
    form = FlaskForm()
    if form.validate_on_submit():
        attempt(
            lambda: intake.reissue_status_link(application, actor=current_user.actor),
            done=_("A new status link is on its way; the earlier links no longer work."),
        )
    return redirect(url_for("review.detail", application_id=application.id))


class StaffFileForm(AppForm):
    """A file the applicant handed in on paper or sent by mail."""

    file = FileField(_l("File"), validators=[FileRequired(_l("Please choose a file."))])
    kind = SelectField(
        _l("What it is"),
        choices=options([("quote", _l("Quote")), ("other", _l("Other document"))]),
        validators=[InputRequired(REQUIRED)],
    )


@bp.post("/applications/<int:application_id>/files")
@login_required
def add_file(application_id: int):
    """Add a file the applicant handed in (staff upload on the applicant's behalf)."""
    application = staff_application(application_id)
    form = StaffFileForm()
    if form.validate_on_submit() and attempt(
        lambda: intake.add_file_for_applicant(
            application,
            form.file.data.filename or "",
            read_upload(form.file.data, MAX_FILE_BYTES + 1),
            kind=form.kind.data,
            actor=current_user.actor,
        ),
        form=form,
        done=_("The file is added to the application."),
    ):
        return redirect(url_for("review.detail", application_id=application.id))
    return _detail_page(application, file_form=form), 200
