"""The QM team's inbox: find applications, review them, enter paper applications."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload

from ...domain.places import degrees, is_public
from ...domain.states import FINAL, State
from ...extensions import db
from ...infra import clock
from ...models import Application, ApplicationEvent, Area, Decision
from ...services import (
    decisions,
    history,
    intake,
    ledger,
    places,
    privacy,
    stories,
    todos,
    versions,
)
from .. import changes, letters
from ..apply import editing
from ..apply.forms import PaperApplicationForm
from ..downloads import load_with_data, send_attachment
from ..fields import options
from ..labels import STATE_LABELS
from ..messages import reason_text
from ..notes import note_text
from ..permissions import require_area, works_in
from ..security import allow_map_tiles
from ..unit_of_work import attempt
from .forms import (
    TODO_LABELS,
    InboxFilterForm,
    InternalNoteForm,
    ReviewActionForm,
    StaffConsentForm,
)

bp = Blueprint("review", __name__, url_prefix="/staff")

PAGE_SIZE = 25

#: Review steps: the service to call and the message when it is done.
ACTIONS = {
    "return": (intake.return_for_changes, "note", _l("Returned to the applicant with your note.")),
    "ineligible": (
        intake.mark_ineligible,
        "reason",
        _l("Marked ineligible; the applicant is told the reason."),
    ),
    "ready": (intake.mark_ready, "review_note", _l("Ready for the body.")),
}


@bp.get("/areas/<int:area_id>/applications")
@login_required
def inbox(area_id: int):
    """The area's applications with filters by state, fund and year, a search and pages."""
    area = require_area(db.get_or_404(Area, area_id))
    form = InboxFilterForm(request.args)
    form.state.choices = options(
        [("", _("all"))] + [(s.value, STATE_LABELS[s.value]) for s in State]
    )
    form.todo.choices = options([("", _("all"))] + list(TODO_LABELS.items()))
    form.fund.choices = options([("", _("all"))] + [(str(f.id), f.name) for f in area.funds])
    years = db.session.scalars(
        select(Application.year).where(Application.area_id == area.id).distinct()
    ).all()
    form.year.choices = options(
        [("", _("all"))] + [(str(y), str(y)) for y in sorted(years, reverse=True)]
    )
    form.validate()  # a filter with a bad value is ignored; the others still apply
    query = _filtered(
        select(Application).where(Application.area_id == area.id), form, clock.area_today(area)
    )
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    # A page beyond the last shows the last: a huge number would overflow the database's OFFSET.
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    # A to-do list shows the longest-waiting first; the plain inbox the newest.
    order = (
        (Application.submitted_at, Application.id)
        if form.todo.data and not form.todo.errors
        else (Application.submitted_at.desc(), Application.id.desc())
    )
    rows = db.session.scalars(
        query.order_by(*order).limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)
    ).all()
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "review/inbox.html",
        area=area,
        form=form,
        applications=rows,
        page=page,
        pages=pages,
        total=total,
        args=args,
    )


def _chosen(field) -> bool:
    """Whether a filter holds one of its own choices (a hand-made address may hold anything:
    Optional() lets blanks through without the choice check)."""
    return (
        bool(field.data)
        and not field.errors
        and field.data in {str(value) for value, *_rest in field.iter_choices()}
    )


def _filtered(query, form: InboxFilterForm, today: date):
    """Apply the chosen filters that are valid (to-dos counted on the area's `today`), and the
    search words."""
    if _chosen(form.state):
        query = query.where(Application.state == form.state.data)
    if _chosen(form.todo):
        query = query.where(todos.condition(form.todo.data, today))
    if _chosen(form.fund):
        query = query.where(Application.fund_id == int(form.fund.data))
    if _chosen(form.year):
        query = query.where(Application.year == int(form.year.data))
    for word in (form.q.data or "").split()[:5]:
        pattern = f"%{word.lower().replace('%', '').replace('_', '')}%"
        query = query.where(
            or_(
                func.lower(Application.reference).like(pattern),
                func.lower(Application.title).like(pattern),
                func.lower(Application.applicant_name).like(pattern),
                func.lower(Application.email).like(pattern),
                func.lower(Application.organisation).like(pattern),
            )
        )
    return query


def staff_application(application_id: int) -> Application:
    """An application of one of the staff member's areas (403 otherwise)."""
    application = db.get_or_404(Application, application_id)
    require_area(application.area)
    return application


@bp.get("/applications/<int:application_id>")
@login_required
def detail(application_id: int):
    """Everything about an application, with the review steps that are possible now."""
    return _detail_page(staff_application(application_id))


def _detail_page(
    application: Application,
    *,
    action_form: ReviewActionForm | None = None,
    note_form: InternalNoteForm | None = None,
    consent_form: StaffConsentForm | None = None,
    file_form: FlaskForm | None = None,
    pin_form: FlaskForm | None = None,
    place_consent_form: FlaskForm | None = None,
    failed_action: str | None = None,
):
    """The detail page with its forms (fresh, or the one with errors)."""
    from . import places as place_views  # the pin's views live apart (they import this module)

    allow_map_tiles()  # the small map where staff place the project's pin
    return render_template(
        "review/detail.html",
        **_detail_context(application),
        **_place_context(application),
        action_form=action_form or ReviewActionForm(),
        note_form=note_form or InternalNoteForm(),
        consent_form=consent_form or StaffConsentForm(),
        file_form=file_form or _file_form(),
        pin_form=pin_form or place_views.pin_form(application),
        place_consent_form=place_consent_form
        or StaffConsentForm(prefix=place_views.PLACE_CONSENT_PREFIX),
        remove_pin_form=FlaskForm(),
        failed_action=failed_action,
        # The version this page shows: a review step sent from it is refused if the applicant
        # changed the application since (intake.check_seen).
        seen_version=versions.fingerprint(application),
    )


def _place_context(application: Application) -> dict:
    """The pin, whether the public sees it, where the small map starts, and the tile server."""
    pin = places.pin_of(application)
    centre = (
        (pin.latitude_micro, pin.longitude_micro) if pin else places.centre_of(application.area)
    )
    return {
        "pin": pin,
        "pin_public": pin is not None
        and application.state in places.MAPPED_STATES
        and is_public(pin.kind, consent=application.consent_show_place),
        "map_centre": (degrees(centre[0]), degrees(centre[1])) if centre else None,
        "tile_url": current_app.config["JURYFUND_MAP_TILE_URL"],
        "attribution": current_app.config["JURYFUND_MAP_ATTRIBUTION"],
    }


def _file_form() -> FlaskForm:
    """A fresh form to add a file for the applicant (it lives with the views that use it)."""
    from .privacy import StaffFileForm

    return StaffFileForm()


def _detail_context(application: Application) -> dict:
    """What the detail page shows besides its forms: history and decisions."""
    rows = db.session.scalars(
        select(Decision).where(Decision.application_id == application.id).order_by(Decision.id)
    ).all()
    # The history names the staff member of each line; many notes come from a few people.
    events = db.session.scalars(
        select(ApplicationEvent)
        .where(ApplicationEvent.application_id == application.id)
        .options(joinedload(ApplicationEvent.actor_staff))
        .order_by(ApplicationEvent.id)
    ).all()
    # The year the money is (or, before approval, would be) booked in: the commitment's.
    # What each edit or resubmission changed; the newest one is shown at the top of the page.
    edits = {
        event.id: changes.rows(found)
        for event in events
        if (found := versions.changes_of(event)) is not None
    }
    latest_edit = versions.latest_edit(events)
    fund_year = ledger.fund_year_of(application)
    booking_year = fund_year.year if fund_year else clock.area_today(application.area).year
    return {
        "application": application,
        # Staff add files for the applicant while the application is still being handled.
        "files_open": application.state not in {s.value for s in FINAL}
        and application.anonymised_at is None,
        "events": events,
        "event_changes": edits,
        "latest_edit": latest_edit,
        "decisions": rows,
        "current_decision": decisions.current_decision(application),
        "story": stories.find(application),
        "rule_flags": [
            reason_text(flag) for flag in intake.rule_flags(application, booking_year=booking_year)
        ],
    }


@bp.post("/applications/<int:application_id>/<any(return, ineligible, ready):action>")
@login_required
def act(application_id: int, action: str):
    """Return for changes, mark ineligible, or mark ready; each recorded in the history."""
    application = staff_application(application_id)
    form = ReviewActionForm()
    service, keyword, done = ACTIONS[action]
    if form.validate_on_submit() and attempt(
        lambda: service(
            application,
            **{keyword: form.note.data or ""},
            actor=current_user.actor,
            seen=form.seen.data or None,
        ),
        form=form,
        done=done,
    ):
        return redirect(url_for("review.detail", application_id=application.id))
    return _detail_page(application, action_form=form, failed_action=action), 200


@bp.post("/applications/<int:application_id>/note")
@login_required
def note(application_id: int):
    """Add an internal note for the QM team."""
    application = staff_application(application_id)
    form = InternalNoteForm()
    if form.validate_on_submit() and attempt(
        lambda: history.add_note(
            application, form.internal_note.data, actor=current_user.actor, internal=True
        ),
        done=_("Note saved."),
    ):
        return redirect(url_for("review.detail", application_id=application.id))
    return _detail_page(application, note_form=form), 200


@bp.get("/applications/<int:application_id>/letter")
@login_required
def letter(application_id: int):
    """The decision letter as the applicant receives it, printable (404 before a decision)."""
    return letters.letter_html(staff_application(application_id))


@bp.get("/applications/<int:application_id>/letter.pdf")
@login_required
def letter_pdf(application_id: int):
    """The decision letter as a PDF, for residents without e-mail."""
    return letters.letter_pdf(staff_application(application_id))


@bp.get("/applications/<int:application_id>/personal-data.json")
@login_required
def personal_data(application_id: int):
    """Everything stored about the applicant, as a JSON download (to answer an Art. 15 request)."""
    application = staff_application(application_id)
    # An administrator looking in from outside the area gets the bank details masked, as on
    # the money page (books.routes._iban_shown): they are for the area's own staff.
    data = privacy.export(application, bank_details=works_in(application.area_id))
    # Notes the product wrote are stored as codes ("@no_quorum"): worded for the person reading.
    for event in data["history"]:
        event["note"] = note_text(event["note"])
    response = jsonify(data)
    response.headers.set(
        "Content-Disposition", "attachment", filename=f"{application.reference}-personal-data.json"
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.get("/files/<int:attachment_id>")
@login_required
def download(attachment_id: int):
    """An attachment of an application in one of the staff member's areas."""
    attachment = load_with_data(attachment_id)
    if attachment is None or attachment.application is None:
        abort(404)
    require_area(attachment.application.area)
    return send_attachment(attachment)


@bp.route("/areas/<int:area_id>/applications/new", methods=["GET", "POST"])
@login_required
def paper(area_id: int):
    """Enter a paper application on behalf of a resident."""
    area = require_area(db.get_or_404(Area, area_id))
    form = PaperApplicationForm()
    outcome = editing.complete(
        form,
        area,
        lambda: intake.submit(
            area,
            form.to_input(form.language.data),
            draft_key=editing.held_draft_key(),
            actor=current_user.actor,
        ),
    )
    if outcome.saved:
        application = outcome.result
        flash(
            _("Application %(reference)s is entered.", reference=application.reference), "success"
        )
        return redirect(url_for("review.detail", application_id=application.id))
    return editing.form_page("review/paper.html", outcome, area, "paper")
