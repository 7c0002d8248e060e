"""Applications from residents (or entered by staff): routing, checks, submission, edits, links."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, select
from sqlalchemy import update as update_rows

from ..domain import fundrules
from ..domain.actors import Actor
from ..domain.errors import DomainError, InvalidTransition
from ..domain.files import check_upload, safe_filename
from ..domain.intake import CostLine, Draft, FundOption, FundRules, check_draft, route
from ..domain.states import APPLICANT_EDITABLE, FINAL, WITHDRAWABLE, State
from ..extensions import db
from ..infra import audit, clock, tokens
from ..infra.links import external_url
from ..infra.mail import mail_to, queue_mail
from ..models import (
    Application,
    ApplicationEvent,
    Area,
    Attachment,
    CostItem,
    Fund,
    FundYear,
    LinkGrant,
)
from ..models.base import utcnow
from . import history, locks, notices, sessions, versions

#: Who submits, edits and withdraws unless staff act on paper's behalf.
THE_APPLICANT = Actor.applicant()

DRAFT_LIFETIME = timedelta(days=1)


@dataclass
class ApplicationInput:
    """Everything the application form collects, already parsed (money in cents)."""

    applicant_kind: str
    applicant_name: str
    organisation: str
    email: str
    phone: str
    address: str
    lives_or_acts_in_area: bool
    title: str
    description: str
    goals: list[str]
    target_group: str
    place: str
    start_date: date
    end_date: date
    participants: int
    cost_lines: list[CostLine]
    volunteer_hours: int
    in_kind: str
    cofunding_source: str
    cofunding_cents: int
    requested_cents: int
    declared_not_started: bool
    declared_no_own_fee: bool
    consent_processing: bool
    consent_publish_name: bool
    language: str = "de"
    #: Own money put in (own contribution beside volunteer hours), in cents.
    own_cents: int = 0
    extra: dict[str, object] = field(default_factory=dict)


# --- routing and checks ------------------------------------------------------------------------


def open_funds(area: Area) -> list[Fund]:
    """The area's funds that take applications: active and with a deciding body."""
    return [fund for fund in area.funds if fund.active and fund.body_id is not None]


def route_fund(area: Area, requested_cents: int) -> Fund:
    """The fund an amount goes to (DomainError on the `requested` field when none fits)."""
    funds = {fund.id: fund for fund in open_funds(area)}
    options = [FundOption(f.id, f.kind, f.cap_cents, f.minimum_cents) for f in funds.values()]
    return funds[route(requested_cents, options).id]


def check(
    area: Area, data: ApplicationInput, *, today: date | None = None, sent_on: date | None = None
) -> tuple[Fund | None, list[DomainError]]:
    """Route the application and check every rule of its fund; all errors at once.

    `sent_on` is the day whose deadline the application met (an edit of one still submitted
    keeps the session it reached); by default today.
    """
    try:
        fund = route_fund(area, data.requested_cents)
    except DomainError as error:
        return None, [error]
    rules = FundRules(
        fund.cap_cents, fund.minimum_cents, fund.lead_time_days, frozenset(fund.category_list)
    )
    draft = Draft(
        data.requested_cents,
        data.start_date,
        data.end_date,
        tuple(data.cost_lines),
        cofunding_cents=data.cofunding_cents,
    )
    today = today or clock.area_today(area)
    errors = check_draft(draft, rules, today=today)
    if not any(error.field == "start_date" for error in errors):
        # The jury must be able to decide before the action starts (one message per field).
        session_error = sessions.start_error(fund, data.start_date, sent_on or today)
        if session_error is not None:
            errors.append(session_error)
    errors.extend(fund_rule_errors(fund, data, draft_errors=errors))
    unknown_goals = set(data.goals) - set(area.action_field_list)
    if unknown_goals:
        errors.append(DomainError("application.unknown_goal", field="goals"))
    return fund, errors


def funding_period(fund: Fund, year: int) -> fundrules.Period:
    """The funding period of the fund's year (the calendar year where none is set)."""
    fund_year = db.session.scalar(
        select(FundYear).where(FundYear.fund_id == fund.id, FundYear.year == year)
    )
    return fund_year.period if fund_year is not None else fundrules.period_of(year)


@dataclass(frozen=True)
class RuleInput:
    """What the fund's own rules look at, from a form or from a stored application."""

    cost_lines: Sequence[CostLine]
    requested_cents: int
    cofunding_cents: int
    own_cents: int
    volunteer_hours: int
    start_date: date
    end_date: date


def fund_rule_errors(
    fund: Fund, data: ApplicationInput | RuleInput, *, draft_errors: Sequence[DomainError] = ()
) -> list[DomainError]:
    """The fund's own rules (domain.fundrules): own share, over-funding, fees, funding period.

    The action is booked in the fund year of its start (a fund year pays for the actions of its
    period), so that year's period must hold the whole action.
    """
    rules = fund.rule_set
    lines = data.cost_lines
    total = sum(line.total_cents for line in lines)
    taken = {error.field for error in draft_errors}
    errors = fundrules.check_fees(
        [fundrules.FeeLine(i, line.category, line.total_cents) for i, line in enumerate(lines)],
        total_cents=total,
        rules=rules,
    )
    if "requested" not in taken:
        # Only once the request itself is fine: "more than the costs" says it better first.
        # Own money pays for costs as other funding does (volunteer hours are not money).
        errors += fundrules.check_over_funding(
            total_cents=total,
            requested_cents=data.requested_cents,
            cofunding_cents=data.cofunding_cents,
            own_cents=max(data.own_cents, 0),
        )
    if data.own_cents < 0:
        errors.append(DomainError("money.negative", field="own"))
    else:
        errors += fundrules.check_own_share(
            total_cents=total,
            own_cents=data.own_cents,
            volunteer_hours=data.volunteer_hours,
            rules=rules,
        )
    if data.start_date <= data.end_date:
        period = funding_period(fund, data.start_date.year)
        errors += fundrules.check_period(start=data.start_date, end=data.end_date, period=period)
    return [error for error in errors if error.field not in taken]


def rule_flags(application: Application, *, booking_year: int) -> list[DomainError]:
    """The fund's rules that the stored application breaks, for staff to judge on the review
    page: rules changed since it was sent (its own rules, and until the body decides the cap
    and minimum per application, which the decision is held to), or money that would be
    booked in another year than the action's (e.g. approved in December for an action in
    January)."""
    data = RuleInput(
        cost_lines=[
            CostLine(item.description, item.category, item.quantity, item.unit_cents)
            for item in application.cost_items
        ],
        requested_cents=application.requested_cents,
        cofunding_cents=application.cofunding_cents,
        own_cents=application.own_cents,
        volunteer_hours=application.volunteer_hours,
        start_date=application.start_date,
        end_date=application.end_date,
    )
    flags = fund_rule_errors(application.fund, data)
    if application.state in WITHDRAWABLE:
        flags += fundrules.check_amount_limits(
            requested_cents=application.requested_cents,
            cap_cents=application.fund.cap_cents,
            minimum_cents=application.fund.minimum_cents,
        )
    if booking_year != application.start_date.year:
        period = funding_period(application.fund, booking_year)
        if not (period.covers(application.start_date) and period.covers(application.end_date)):
            flags.append(
                DomainError(
                    "rules.booked_in_other_year",
                    field="start_date",
                    year=booking_year,
                    period_start=period.start.isoformat(),
                    period_end=period.end.isoformat(),
                )
            )
    return flags


# --- submitting and editing --------------------------------------------------------------------


#: What a resident enters that the application stores under the same name, as entered (text
#: stripped); the edit form is filled back from these too.
SAME_NAMED_FIELDS = (
    "applicant_kind",
    "applicant_name",
    "organisation",
    "phone",
    "address",
    "lives_or_acts_in_area",
    "title",
    "description",
    "target_group",
    "place",
    "start_date",
    "end_date",
    "participants",
    "volunteer_hours",
    "in_kind",
    "cofunding_source",
    "declared_not_started",
    "declared_no_own_fee",
    "consent_processing",
    "consent_publish_name",
)


def _fill(application: Application, data: ApplicationInput) -> None:
    """Copy the form's data onto the application and rebuild its cost plan."""
    # The new total first: the request may grow with the plan, and a flush in between (the old
    # lines go first) must never see the new request over the old total.
    application.total_cents = sum(line.total_cents for line in data.cost_lines)
    for name in (*SAME_NAMED_FIELDS, "cofunding_cents", "own_cents", "requested_cents"):
        value = getattr(data, name)
        setattr(application, name, value.strip() if isinstance(value, str) else value)
    application.email = data.email.strip().lower()
    application.goals = "\n".join(data.goals)
    application.cost_items.clear()
    db.session.flush()  # the old lines go first, so positions can be reused
    application.cost_items.extend(
        CostItem(
            position=i + 1,
            description=line.description.strip(),
            category=line.category,
            quantity=line.quantity,
            unit_cents=line.unit_cents,
            total_cents=line.total_cents,
        )
        for i, line in enumerate(data.cost_lines)
    )


def session_day(application: Application | None) -> date | None:
    """The day an application being edited counts as sent for the jury session it reaches: the
    day it was last sent (first sent or resubmitted after a return) while it is still submitted;
    None (today) for a new or a returned one, which is sent anew."""
    if application is None or application.state != State.SUBMITTED:
        return None
    # `submitted_at` is the first sending only; a resubmission is the history's move back to
    # submitted, and it reaches a later session.
    last_sent = db.session.scalar(
        select(func.max(ApplicationEvent.at)).where(
            ApplicationEvent.application_id == application.id,
            ApplicationEvent.to_state == State.SUBMITTED.value,
        )
    )
    return clock.local_day(last_sent or application.submitted_at, application.area.timezone)


def _refuse_if_invalid(area: Area, data: ApplicationInput, *, sent_on: date | None = None) -> Fund:
    """Re-check at the service boundary; the form checked already, so this only guards."""
    fund, errors = check(area, data, sent_on=sent_on)
    if errors:
        raise errors[0]
    assert fund is not None
    return fund


def new_submission_key() -> str:
    """A random key for one application form, sent with it (Application.submission_key)."""
    return secrets.token_urlsafe(24)


def sent_with(submission_key: str | None) -> Application | None:
    """The application sent from the form with this key, if it was sent."""
    if not submission_key:
        return None
    return db.session.scalar(
        select(Application).where(Application.submission_key == submission_key)
    )


def submit(
    area: Area,
    data: ApplicationInput,
    *,
    draft_key: str | None,
    actor: Actor = THE_APPLICANT,
    submission_key: str | None = None,
) -> Application:
    """Create the application with the next reference, claim its uploads, mail the status link.

    Staff entering a paper application act for the applicant (`entered_by` names them). A
    resident's form carries `submission_key`: sent twice (a double click), it is refused the
    second time (application.already_sent), and a unique constraint holds it too.
    """
    fund = _refuse_if_invalid(area, data)
    year = clock.area_today(area).year
    number, reference = history.next_reference(area, year)
    # After the counter's lock, which every sending in the area and year waits for: a form sent
    # twice at once finds its first sending here, and the refusal gives the number back.
    if (first := sent_with(submission_key)) is not None:
        raise DomainError("application.already_sent", reference=first.reference)
    application = Application(
        area_id=area.id,
        fund_id=fund.id,
        year=year,
        number=number,
        reference=reference,
        submission_key=submission_key,
        language=data.language,
        entered_by_id=actor.staff_id,
    )
    _fill(application, data)
    db.session.add(application)
    db.session.flush()
    history.record(application, "submitted", actor=actor, to_state=State.SUBMITTED)
    if draft_key:
        claim_uploads(application, draft_key)
    versions.remember(application)
    if application.email:
        send_status_link(
            application, purpose="application.received", template="application_received"
        )
    notices.application_received(application)
    db.session.flush()
    return application


def update(
    application: Application,
    data: ApplicationInput,
    *,
    draft_key: str | None,
    actor: Actor = THE_APPLICANT,
) -> int | None:
    """Change an application while it is submitted or returned; a returned one is resubmitted.

    The history line of the edit keeps what changed since the version sent before (fields, cost
    lines, files). The row lock makes two edits sent at once count one after the other, so the
    second one's changes are counted from the first one's version.

    A new contact address ends every status link sent so far (see `_address_changed`); the
    result is then the id of a fresh grant for the editing session to hold, else None.
    """
    locks.lock(Application, application.id)
    db.session.expire(application, ["sent_version"])  # read after the lock, never before
    if application.state not in APPLICANT_EDITABLE or application.anonymised_at is not None:
        # Erased (on request or at the end of the retention period): nothing comes back.
        raise DomainError("application.not_editable")
    before = versions.last_sent(application)
    application.fund_id = _refuse_if_invalid(
        application.area, data, sent_on=session_day(application)
    ).id
    old_email = application.email
    _fill(application, data)
    if draft_key:
        claim_uploads(application, draft_key)
    if application.state == State.RETURNED:
        event = history.transition(application, State.SUBMITTED, actor=actor)
        notices.application_received(application, resubmitted=True)
    else:
        event = history.record(application, "changed", actor=actor)
    versions.record_edit(application, event, before)
    session_grant = None
    if old_email.strip().lower() != application.email.strip().lower():
        session_grant = _address_changed(application, old_email, actor=actor)
    db.session.flush()
    return session_grant


def _address_changed(application: Application, old_email: str, *, actor: Actor) -> int:
    """End the status links mailed so far and send one to the new address; the old address is
    told, without the new one or a link. The id of a new grant for the editing session.

    The old mailbox may be a stranger's (a typo) or the initiative's former chair's: its links
    would keep opening the application, its personal data and its payment requests for as long
    as a status link lives. The session that made the change holds a grant no mail carries.
    """
    revoked = _revoke_status_links(application)
    if application.email:
        send_status_link(
            application, purpose="application.address_changed", template="address_changed"
        )
    if old_email:
        queue_mail(
            to=old_email,
            language=application.language,
            purpose="application.address_left",
            template="address_left",
            application=application,
            area=application.area,
        )
    history.record(application, "link", actor=actor, revoked=revoked)
    grant = LinkGrant(purpose="status", application_id=application.id)
    db.session.add(grant)
    db.session.flush()
    return grant.id


def withdraw(application: Application, *, reason: str = "", actor: Actor = THE_APPLICANT) -> None:
    """The applicant takes the application back (until it is decided; never once erased)."""
    if application.state not in WITHDRAWABLE or application.anonymised_at is not None:
        raise DomainError("application.not_withdrawable")
    history.transition(application, State.WITHDRAWN, actor=actor, note=reason)
    db.session.flush()


# --- staff review ------------------------------------------------------------------------------


def check_seen(application: Application, seen: str | None) -> None:
    """Refuse a review step decided on a version of the application that the applicant has
    changed since: `seen` is the fingerprint of the version the page showed (None: not asked).

    Read under the application's lock, which an edit takes too: the edit lands before (and is
    noticed) or after the step (and is refused or sent again by its own rules).
    """
    locks.lock(Application, application.id)
    if seen is None:
        return
    db.session.expire(application, ["sent_version"])  # read after the lock, never before
    if versions.fingerprint(application) != seen:
        raise DomainError("review.changed_meanwhile")


def return_for_changes(
    application: Application, *, note: str, actor: Actor, seen: str | None = None
) -> None:
    """Send the application back to the applicant with what to change (mailed)."""
    _send_back(application, State.RETURNED, note, "review.note_required", actor, seen)


def mark_ineligible(
    application: Application, *, reason: str, actor: Actor, seen: str | None = None
) -> None:
    """Refuse an application that the fund cannot pay for (reason mailed)."""
    _send_back(application, State.INELIGIBLE, reason, "review.reason_required", actor, seen)


def _send_back(
    application: Application,
    target: State,
    note: str,
    missing: str,
    actor: Actor,
    seen: str | None,
) -> None:
    """Move the application to the applicant's side and mail why; the why is required."""
    check_seen(application, seen)
    if not note.strip():
        raise DomainError(missing, field="note")
    history.transition(application, target, actor=actor, note=note)
    if application.email:
        send_status_link(  # the mail says why: "application_returned", "…_ineligible"
            application,
            purpose=f"application.{target.value}",
            template=f"application_{target.value}",
            note=note.strip(),
        )


def mark_ready(
    application: Application, *, review_note: str, actor: Actor, seen: str | None = None
) -> None:
    """Formal review passed: the application goes to its fund's body.

    Only from the formal review: an application on a round's agenda (scheduled) stays with the
    body until the round decides it; moving it back here would leave the round unable to
    record its outcome. Only the version staff reviewed (`seen`): one the applicant changed
    meanwhile would go to the body unreviewed.
    """
    check_seen(application, seen)
    if application.state != State.SUBMITTED:
        raise InvalidTransition(State(application.state), State.READY)
    history.transition(application, State.READY, actor=actor, note=review_note)
    application.review_note = review_note.strip()


# --- status links ------------------------------------------------------------------------------


def new_status_token(application: Application) -> str:
    """A fresh grant for the applicant's status page and its signed token."""
    grant = LinkGrant(purpose="status", application_id=application.id)
    db.session.add(grant)
    db.session.flush()
    return tokens.sign("status", {"g": grant.id, "a": application.id})


def send_status_link(
    application: Application, *, purpose: str, template: str, **context: object
) -> None:
    """Queue a mail to the applicant in their language, carrying a new status link."""
    token = new_status_token(application)
    mail_to(
        application,
        purpose=purpose,
        template=template,
        application=application,
        area=application.area,
        fund=application.fund,
        status_url=external_url("status.land", token=token),
        **context,
    )


def reissue_status_link(application: Application, *, actor: Actor) -> int:
    """Revoke every status link of the application and mail a new one (staff, on request, e.g.
    when a link was passed on or lost); how many links were revoked."""
    if not application.email:
        raise DomainError("application.no_email")
    locks.lock(Application, application.id)
    count = _revoke_status_links(application)
    send_status_link(application, purpose="application.link", template="status_link")
    history.record(application, "link", actor=actor, revoked=count)
    return count


def _revoke_status_links(application: Application) -> int:
    """Revoke every live status grant of the application (under its lock); how many."""
    revoked = db.session.execute(
        update_rows(LinkGrant)
        .where(LinkGrant.application_id == application.id, LinkGrant.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return cast("CursorResult[Any]", revoked).rowcount


def grant_for_token(token: str) -> LinkGrant:
    """The valid grant behind a status token; BadLink when expired, tampered or revoked."""
    payload = tokens.read("status", token, max_age=tokens.STATUS_MAX_AGE)
    grant = (
        db.session.get(LinkGrant, payload.get("g")) if isinstance(payload.get("g"), int) else None
    )
    if grant is None or not grant_holds(grant, payload.get("a")):
        raise tokens.BadLink("unknown or revoked grant")
    return grant


def grant_holds(grant: LinkGrant, application_id: object) -> bool:
    """Whether a status grant still opens the application: its own, not revoked, and not older
    than a status link lives (a session holding it ends with the link, however often used)."""
    return (
        grant.application_id == application_id
        and grant.revoked_at is None
        and utcnow() - grant.created_at < timedelta(seconds=tokens.STATUS_MAX_AGE)
    )


def resend_links(email: str) -> int:
    """Mail a fresh status link for every application made with this address; how many."""
    address = email.strip().lower()
    applications = db.session.scalars(
        select(Application).where(func.lower(Application.email) == address, Application.email != "")
    ).all()
    for application in applications:
        send_status_link(application, purpose="application.link", template="status_link")
    return len(applications)


# --- uploads -----------------------------------------------------------------------------------


def new_draft_key() -> str:
    """A random key that ties uploads to one form in one browser session."""
    return secrets.token_urlsafe(24)


def drafts(draft_key: str | None) -> list[Attachment]:
    """Files uploaded with a form that is not submitted yet."""
    if not draft_key:
        return []
    return list(
        db.session.scalars(
            select(Attachment)
            .where(Attachment.draft_key == draft_key, Attachment.application_id.is_(None))
            .order_by(Attachment.id)
        )
    )


def stage_upload(
    draft_key: str, filename: str, data: bytes, *, already: int, kind: str = "quote"
) -> Attachment:
    """Keep an uploaded file with the form until it is submitted (checked by content)."""
    media_type = check_upload(data, already=already)
    return store_file(filename, data, media_type, kind=kind, draft_key=draft_key)


def store_file(
    filename: str, data: bytes, media_type: str, *, kind: str, **owner: Any
) -> Attachment:
    """Store a checked upload with a safe name and its checksum; `owner` names what it is for."""
    attachment = Attachment(
        kind=kind,
        filename=safe_filename(filename, media_type),
        content_type=media_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        **owner,
    )
    db.session.add(attachment)
    db.session.flush()
    return attachment


def discard_upload(
    attachment_id: int, *, draft_key: str | None, application: Application | None
) -> None:
    """Remove a file from a form: a draft upload, or one of the application's own files."""
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        return
    owned_draft = (
        draft_key and attachment.draft_key == draft_key and attachment.application_id is None
    )
    owned_file = application is not None and attachment.application_id == application.id
    if owned_file:
        assert application is not None
        # As an edit does: under the application's lock, so a file is never taken from an
        # application that staff moved on (formally reviewed) while the form was open.
        locks.lock(Application, application.id)
        if application.state not in APPLICANT_EDITABLE:
            raise DomainError("application.not_editable")
    if owned_draft or owned_file:
        db.session.delete(attachment)
        db.session.flush()


def claim_uploads(application: Application, draft_key: str) -> None:
    """Attach the form's draft uploads to the submitted application.

    Through the loaded rows, not one UPDATE: the page cache counts any bulk statement on a
    public table as a public change (it cannot tell that no row was touched), and a sent
    application must leave the public pages' cache valid.
    """
    for attachment in drafts(draft_key):
        attachment.application_id = application.id
        attachment.draft_key = None


def purge_stale_drafts(now: datetime | None = None) -> int:
    """Delete uploads of forms never submitted (run from `tick`)."""
    cutoff = (now or utcnow()) - DRAFT_LIFETIME
    # A DELETE's result is a CursorResult (it has rowcount), but Session.execute is typed to
    # return a plain Result for every statement: SQLAlchemy's typing leaves only a cast.
    result = cast(
        CursorResult[Any],
        db.session.execute(
            delete(Attachment).where(
                Attachment.application_id.is_(None), Attachment.uploaded_at < cutoff
            )
        ),
    )
    return result.rowcount or 0


#: Kinds of file staff add to an application itself; receipts and photos go with the proof.
APPLICATION_FILE_KINDS = ("quote", "other")


def add_file_for_applicant(
    application: Application, filename: str, data: bytes, *, kind: str, actor: Actor
) -> Attachment:
    """A file the applicant handed in on paper or by mail, added by staff (checked by content,
    like every upload); recorded in the trail with its checksum."""
    if kind not in APPLICATION_FILE_KINDS:
        raise DomainError("upload.kind", field="kind")
    # Two staff adding the last allowed file at once: the second waits here and then counts
    # the first one's file, so the limit holds (and a state changed meanwhile is seen).
    application = locks.lock(Application, application.id)
    if application.state in {s.value for s in FINAL} or application.anonymised_at is not None:
        raise DomainError("application.not_editable")
    already = db.session.execute(
        select(func.count(Attachment.id)).where(
            Attachment.application_id == application.id, Attachment.proof_id.is_(None)
        )
    ).scalar_one()
    media_type = check_upload(data, already=already, field="file")
    attachment = store_file(filename, data, media_type, kind=kind, application_id=application.id)
    versions.note_file_added(application, attachment)
    db.session.flush()
    audit.record_about(
        application,
        "application.file_added",
        actor=actor,
        area_id=application.area_id,
        kind=kind,
        sha256=attachment.sha256,
    )
    return attachment
