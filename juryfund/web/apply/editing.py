"""The form workflow shared by applying, editing and paper entry: buttons, uploads, checks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import g, render_template, request, session
from werkzeug.datastructures import FileStorage

from ...domain.errors import DomainError
from ...domain.files import MAX_FILE_BYTES
from ...extensions import db
from ...infra import clock
from ...models import Application, Area, Attachment, Fund, FundSession
from ...services import intake, sessions
from .. import i18n
from ..fields import apply_domain_error, button_number, field_by_path, options
from ..unit_of_work import attempt_part, read_upload
from .forms import ApplicationForm

#: The session's draft keys, one per form ([form, key] pairs, newest last): an upload waits
#: under its own form's key, so it never shows in, or goes with, another form of the browser
#: (a helper filling in forms for several residents).
DRAFT_KEYS = "upload_keys"
#: The forms a session keeps uploads for; the oldest is forgotten first (the cookie stays
#: small, and the stale-draft purge deletes its files later).
MAX_DRAFT_FORMS = 8
#: The form of a request that names none: a new application's page that sent no submission key
#: (an old cached page, a script) or staff's paper entry.
NEW_FORM = "new"

#: Reasons the fund's check gives from the cost plan's total or its lines taken together; while
#: a cost line is unreadable that total leaves the line out, so these would blame the wrong field.
TOTAL_REASONS = frozenset(
    {
        "application.no_cost_lines",
        "application.requested_above_total",
        "money.total_too_large",
        "rules.costs_covered",
        "rules.fee_over_cap",
        "rules.over_funding",
        "rules.own_share_short",
    }
)


@dataclass
class Outcome:
    """What the form step ended with: ready to save (fund chosen and confirmed) or shown again."""

    form: ApplicationForm
    fund: Fund | None = None
    confirmed: bool = False
    files: list[Attachment] | None = None
    saved: bool = False
    result: Any = None


def complete(
    form: ApplicationForm,
    area: Area,
    save: Callable[[], Any],
    *,
    application: Application | None = None,
    form_key: str | None = None,
) -> Outcome:
    """Run one request of an application form and, once fund and body are confirmed, save it.

    The request commits once, at the end: the uploads, and the application when it is saved. A
    refused save (shown on the form) undoes only itself, so it never loses the uploads. The
    outcome says whether it was saved and what `save` returned. ``form_key`` names a new
    application's form (its uploads wait under that form's own key); an edit is named by its
    application.
    """
    use_form(application, form_key)
    prepare(form, area)
    if not form.is_submitted():
        return Outcome(form, files=files(application))
    outcome = run(form, area, application=application)
    if outcome.confirmed:
        saved = attempt_part(save, form=form)
        outcome.saved, outcome.result = saved.ok, saved.result
    db.session.commit()
    if outcome.saved:
        rotate_draft_key()  # only once saved for good: a retried request keeps its uploads' key
    else:
        # The form is shown again: its files as committed, each list read in one query (read
        # before the commit, each file would be loaded again one by one when the page shows it).
        outcome.files = files(application)
    return outcome


def form_page(template: str, outcome: Outcome, area: Area, mode: str, **context: Any) -> str:
    """The application form shown again: what was typed, the fund found, the files kept, and
    each fund's next jury session with its deadline."""
    funds = intake.open_funds(area)
    return render_template(
        template,
        area=area,
        form=outcome.form,
        fund=outcome.fund,
        files=outcome.files,
        funds=funds,
        deadlines=next_deadlines(funds, area),
        mode=mode,
        **context,
    )


def next_deadlines(funds: list[Fund], area: Area) -> list[tuple[Fund, FundSession]]:
    """Each open fund's next session that an application sent today reaches, in fund order."""
    upcoming = sessions.upcoming_by_fund([f.id for f in funds], clock.area_today(area), limit=1)
    return [(fund, coming) for fund in funds for coming in upcoming[fund.id]]


def use_form(application: Application | None, form_key: str | None = None) -> None:
    """Name the form this request works on, whose uploads wait under a key of its own."""
    if application is not None:
        g.draft_form = f"application-{application.id}"
    else:
        g.draft_form = form_key or NEW_FORM


def _draft_keys() -> list[list[str]]:
    """The session's [form, key] pairs, oldest first (a list: the cookie keeps its order)."""
    return [list(pair) for pair in session.get(DRAFT_KEYS, ())]


def draft_key() -> str:
    """The key for uploads of this request's form until it is sent (made when first needed)."""
    form = g.get("draft_form", NEW_FORM)
    pairs = _draft_keys()
    for name, key in pairs:
        if name == form:
            return key
    key = intake.new_draft_key()
    session[DRAFT_KEYS] = [*pairs, [form, key]][-MAX_DRAFT_FORMS:]
    return key


def held_draft_key() -> str | None:
    """This form's draft key if it has one: a form saved without one has no uploads to
    claim (asking for a key would make one, and then look for files under it)."""
    form = g.get("draft_form", NEW_FORM)
    return next((key for name, key in _draft_keys() if name == form), None)


def rotate_draft_key() -> None:
    """After saving, the form's next use starts without files (other forms keep theirs)."""
    form = g.get("draft_form", NEW_FORM)
    pairs = _draft_keys()
    if any(name == form for name, _key in pairs):
        session[DRAFT_KEYS] = [pair for pair in pairs if pair[0] != form]


def prepare(form: ApplicationForm, area: Area) -> None:
    """Fill the choices that depend on the area."""
    form.goals.choices = options((goal, goal) for goal in area.action_field_list)


def _stage_uploads(form: ApplicationForm, application: Application | None) -> list[DomainError]:
    """Keep every newly uploaded file (checked by content); the refusals, for the file field."""
    refused: list[DomainError] = []
    files: list[FileStorage] = [
        f for f in request.files.getlist(form.attachments.name) if f and f.filename
    ]
    if not files:
        return refused
    # The files the form holds already count towards the limit.
    existing = len(application.attachments) if application else 0
    existing += len(intake.drafts(held_draft_key()))
    for upload in files:
        data = read_upload(upload, MAX_FILE_BYTES + 1)
        try:
            intake.stage_upload(draft_key(), upload.filename, data, already=existing)
            existing += 1
        except DomainError as error:
            error.params.setdefault("name", upload.filename)
            refused.append(error)
    return refused


def run(form: ApplicationForm, area: Area, *, application: Application | None = None) -> Outcome:
    """Handle one POST of the form: add/remove lines or files, or check and confirm.

    Nothing typed or uploaded is lost: every path re-renders the form with what was sent,
    and uploads are stored under the form's draft key until the form is saved.
    """
    action = request.form.get("action", "check")
    refused = _stage_uploads(form, application)
    outcome = _act(form, area, action, application)
    for error in refused:  # after validation, which would clear them
        apply_domain_error(form, error)
    if refused:
        outcome.fund, outcome.confirmed = None, False
    db.session.flush()
    return outcome


def _act(
    form: ApplicationForm, area: Area, action: str, application: Application | None
) -> Outcome:
    """Carry out the button that was pressed."""
    if (number := button_number(action, "remove_file-")) is not None:
        try:
            intake.discard_upload(number, draft_key=held_draft_key(), application=application)
        except DomainError as error:  # reviewed by staff meanwhile: the file stays, and why
            error.field = error.field or form.attachments.name
            apply_domain_error(form, error)
    elif action == "add_line" and len(form.cost_items.entries) < form.cost_items.max_entries:
        form.cost_items.append_entry()
    elif (number := button_number(action, "remove_line-")) is not None:
        _remove_line(form, number)
    elif action in ("check", "submit"):
        fund = _check(form, area, application)
        if fund is not None:
            confirmed = action == "submit" and request.form.get("confirmed_fund") == str(fund.id)
            return Outcome(form, fund, confirmed)
    return Outcome(form)


def files(application: Application | None) -> list[Attachment]:
    """The files shown with the form: the application's own and this form's drafts."""
    own = list(application.attachments) if application else []
    return own + intake.drafts(held_draft_key())


def _remove_line(form: ApplicationForm, index: int) -> None:
    """Drop one cost line; at least one line stays."""
    entries = form.cost_items.entries
    if 0 <= index < len(entries) and len(entries) > 1:
        entries.pop(index)


def _check(form: ApplicationForm, area: Area, application: Application | None) -> Fund | None:
    """Validate the fields and every rule of the fund; the fund when all is well."""
    valid = form.validate()
    needed = (form.requested.data, form.start_date.data, form.end_date.data)
    if any(value is None for value in needed) or form.requested.errors:
        return None
    entries = form.filled_cost_entries()
    # A line with a typo is left out of the total: the checks of that total wait until it is
    # readable, and the typo is told only next to the line itself.
    lines_unreadable = any(entry.form.errors for entry in form.cost_items)
    fund, errors = intake.check(
        area, form.to_input(i18n.current_language()), sent_on=intake.session_day(application)
    )
    for error in errors:
        if lines_unreadable and error.reason in TOTAL_REASONS:
            continue
        if error.field and error.field.startswith("cost_items-"):
            # The domain counts filled lines; the form may have blank ones in between.
            _prefix, index, *rest = error.field.split("-", 2)
            name = rest[0] if rest else "category"
            error.field = (
                f"{entries[int(index)].id}-{name}" if int(index) < len(entries) else "cost_items"
            )
            target = field_by_path(form, error.field)
            if target is not None and target.errors:
                continue  # the form's own check said it already (a quantity out of range)
        if error.field == "cost_items":
            error.field = (
                entries[0].id + "-description"
                if entries
                else form.cost_items.entries[0].id + "-description"
            )
        apply_domain_error(form, error)
    return fund if valid and not errors else None
