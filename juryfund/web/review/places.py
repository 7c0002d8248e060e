"""The place of an application on the map, set by the QM team on the application's page.

Coordinates are typed (or, with script, filled by a click on the small map of
static/pinpicker.js); no geocoding service is asked, so no address leaves the installation.
"""

from __future__ import annotations

from flask import redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField

from ...domain.places import PlaceKind, degrees
from ...models import Application
from ...services import places, privacy
from ..fields import AppForm, options
from ..unit_of_work import attempt
from .forms import StaffConsentForm
from .routes import _detail_page, bp, staff_application

#: What a pinned place is, in the words staff choose from.
PLACE_KIND_LABELS = {
    PlaceKind.PUBLIC.value: _l("Public place (a square, a park, a school yard)"),
    PlaceKind.PRIVATE.value: _l("Private address (only shown with the applicant's consent)"),
}
#: The prefix of the form withdrawing the consent to show the place (the page has two such forms).
PLACE_CONSENT_PREFIX = "place"
#: The prefix of the pin form (the file form on the same page has a "kind" field too).
PIN_PREFIX = "pin"


class PinForm(AppForm):
    """Where the project takes place; the service checks the numbers and the kind."""

    latitude = StringField(_l("Latitude (degrees north)"), description=_l("For example 52.520008"))
    longitude = StringField(_l("Longitude (degrees east)"), description=_l("For example 13.404954"))
    kind = RadioField(
        _l("What kind of place"),
        choices=options(PLACE_KIND_LABELS.items()),
        validate_choice=False,
    )


def pin_form(application: Application) -> PinForm:
    """The form filled with the pin as it is (empty without one)."""
    pin = places.pin_of(application)
    if pin is None:
        return PinForm(formdata=None, prefix=PIN_PREFIX)
    return PinForm(
        formdata=None,
        prefix=PIN_PREFIX,
        data={
            "latitude": degrees(pin.latitude_micro),
            "longitude": degrees(pin.longitude_micro),
            "kind": pin.kind,
        },
    )


@bp.post("/applications/<int:application_id>/pin")
@login_required
def set_pin(application_id: int):
    """Place or move the project's pin; bad numbers are shown next to their fields."""
    application = staff_application(application_id)
    form = PinForm(prefix=PIN_PREFIX)
    if form.validate_on_submit() and attempt(
        lambda: places.set_pin(
            application,
            latitude=form.latitude.data,
            longitude=form.longitude.data,
            kind=form.kind.data,
            actor=current_user.actor,
        ),
        form=form,
        done=_("The place on the map is saved."),
    ):
        return redirect(url_for("review.detail", application_id=application.id) + "#place")
    return _detail_page(application, pin_form=form), 200


@bp.post("/applications/<int:application_id>/pin/remove")
@login_required
def remove_pin(application_id: int):
    """Take the project off the map."""
    application = staff_application(application_id)
    if FlaskForm().validate_on_submit():
        attempt(
            lambda: places.remove_pin(application, actor=current_user.actor),
            done=_("The place is removed from the map."),
        )
    return redirect(url_for("review.detail", application_id=application.id) + "#place")


@bp.post("/applications/<int:application_id>/place-consent")
@login_required
def withdraw_place_consent(application_id: int):
    """Withdraw the consent to show the private address, on the applicant's written request."""
    application = staff_application(application_id)
    form = StaffConsentForm(prefix=PLACE_CONSENT_PREFIX)
    if form.validate_on_submit() and attempt(
        lambda: privacy.withdraw_consent(
            application,
            privacy.Consent.SHOW_PLACE,
            actor=current_user.actor,
            note=form.request_note.data,
        ),
        form=form,
        done=_("The consent is withdrawn: the address is no longer on the public map."),
    ):
        return redirect(url_for("review.detail", application_id=application.id) + "#place")
    return _detail_page(application, place_consent_form=form), 200
