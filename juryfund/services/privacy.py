"""Residents' rights over their data: export (Art. 15 GDPR), withdrawal of a consent, erasure on
request (Art. 17) and anonymisation at the end of the retention period.

Erasure removes what identifies the applicant and keeps what the funder's retention duties need:
the decision, the amounts, the bookings, the reference and the audit trail (which holds
references, never personal data), so the books, the annual report and `verify-audit` read the
same before and after.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from flask import current_app
from markupsafe import escape
from sqlalchemy import Select, delete, func, or_, select

from ..domain.actors import SYSTEM, Actor
from ..domain.banking import mask_iban
from ..domain.errors import DomainError
from ..domain.places import PlaceKind, degrees
from ..domain.states import FINAL, State
from ..extensions import db
from ..infra import clock
from ..infra.mail import remove_mail_files
from ..models import (
    Application,
    ApplicationEvent,
    Attachment,
    Decision,
    Fund,
    LedgerEntry,
    LinkGrant,
    Mail,
    PaymentRequest,
    PendingNotice,
    ProjectPin,
    ProofOfUse,
)
from ..models.base import utcnow
from . import history, ledger, locks, setup, stories, versions

#: What replaces a name or an address once the retention period is over.
ERASED = "—"


class Consent(StrEnum):
    """A consent an applicant may give and withdraw at any time (Art. 7 (3) GDPR)."""

    PUBLISH_NAME = "publish_name"
    #: Show the private address staff pinned on the public map (services.places).
    SHOW_PLACE = "show_place"
    #: Publish the project story and its photos (services.stories).
    PUBLISH_STORY = "publish_story"


#: The column that holds each consent.
CONSENT_COLUMNS = {
    Consent.PUBLISH_NAME: "consent_publish_name",
    Consent.SHOW_PLACE: "consent_show_place",
    Consent.PUBLISH_STORY: "consent_publish_story",
}
#: The history line of a consent withdrawn, and of one given (the name's is given only with
#: the application form, the story's with the story, so they have no line of their own).
WITHDRAWN_EVENTS = {
    Consent.PUBLISH_NAME: "consent",
    Consent.SHOW_PLACE: "place_off",
    Consent.PUBLISH_STORY: "story_off",
}
GIVEN_EVENTS = {Consent.SHOW_PLACE: "place_ok"}

#: Free texts that may hold personal data; staff choose which to erase (each a stable code).
PERSONAL_TEXTS = (
    "description",
    "target_group",
    "place",
    "in_kind",
    "cofunding_source",
    "review_note",
    "history_notes",
    "proof_report",
    "receipt_items",
)


def export(application: Application, *, bank_details: bool = True) -> dict[str, Any]:
    """Everything stored about an application and its applicant, as JSON-ready data (Art. 15 GDPR).

    ``bank_details`` False masks the IBANs: bank details go to the area's own staff only.
    """
    mails = _mails_about(application)
    proof = db.session.scalar(select(ProofOfUse).where(ProofOfUse.application_id == application.id))
    return {
        "reference": application.reference,
        "area": application.area.name,
        "fund": application.fund.name,
        "state": application.state,
        "language": application.language,
        "applicant": {
            "kind": application.applicant_kind,
            "name": application.applicant_name,
            "organisation": application.organisation,
            "email": application.email,
            "phone": application.phone,
            "address": application.address,
            "lives_or_acts_in_area": application.lives_or_acts_in_area,
            "consent_processing": application.consent_processing,
            "consent_publish_name": application.consent_publish_name,
            "consent_show_place": application.consent_show_place,
            "consent_publish_story": application.consent_publish_story,
        },
        "project": {
            "title": application.title,
            "description": application.description,
            "goals": application.goals.splitlines(),
            "target_group": application.target_group,
            "place": application.place,
            "start_date": application.start_date.isoformat(),
            "end_date": application.end_date.isoformat(),
            "participants": application.participants,
            "volunteer_hours": application.volunteer_hours,
            "in_kind": application.in_kind,
            "cofunding_source": application.cofunding_source,
            "cofunding_cents": application.cofunding_cents,
            "requested_cents": application.requested_cents,
            "total_cents": application.total_cents,
        },
        "place_on_map": _pin_export(application),
        "cost_plan": [
            {
                "description": i.description,
                "category": i.category,
                "quantity": i.quantity,
                "unit_cents": i.unit_cents,
                "total_cents": i.total_cents,
            }
            for i in application.cost_items
        ],
        "history": [
            {
                "at": e.at.isoformat(),
                "kind": e.kind,
                "from": e.from_state,
                "to": e.to_state,
                "note": e.note,
                "internal": e.internal,
                "changes": json.loads(e.changes) if e.changes is not None else None,
            }
            for e in application.events
        ],
        "decisions": _rows(
            Decision,
            application.id,
            at="decided_at",
            columns=("outcome", "approved_cents", "conditions", "reasons", "correction_reason"),
        ),
        "bookings": _rows(
            LedgerEntry, application.id, at="at", columns=("kind", "amount_cents", "note")
        ),
        "proof_of_use": None
        if proof is None
        else {
            "state": proof.state,
            "report": proof.report,
            "due_on": proof.due_on.isoformat(),
            "receipts": [
                {
                    "date": r.date.isoformat(),
                    "supplier": r.supplier,
                    "item": r.item,
                    "amount_cents": r.amount_cents,
                }
                for r in proof.receipts
            ],
        },
        # Bank details are the applicant's data too (the payment list is their only other way out).
        "payment_requests": [
            {
                "requested_at": r.requested_at.isoformat(),
                "kind": r.kind,
                "amount_cents": r.amount_cents,
                "account_holder": r.account_holder,
                "iban": r.iban if bank_details else mask_iban(r.iban),
                "bic": r.bic if bank_details else "",
                "state": r.state,
                "refusal_reason": r.refusal_reason,
            }
            for r in _payment_requests(application)
        ],
        "files": _rows(
            Attachment,
            application.id,
            columns=("filename", "kind", "content_type", "size", "sha256"),
        ),
        # Every mail to the applicant about it, with its text: what we wrote is their data.
        "mails": [
            {
                "at": m.created_at.isoformat(),
                "to": m.to_addr,
                "purpose": m.purpose,
                "subject": m.subject,
                "text": m.body_text,
                "sent": m.sent_at is not None,
            }
            for m in db.session.scalars(select(Mail).where(Mail.id.in_(mails)).order_by(Mail.id))
        ],
        # The project story and its photos' descriptions (the photos are with the QM team).
        "project_story": stories.export(application),
        "anonymised_at": application.anonymised_at.isoformat()
        if application.anonymised_at
        else None,
    }


def _pin_export(application: Application) -> dict[str, Any] | None:
    """The application's place on the map, as staff pinned it."""
    pin = db.session.get(ProjectPin, application.id)
    if pin is None:
        return None
    return {
        "latitude": degrees(pin.latitude_micro),
        "longitude": degrees(pin.longitude_micro),
        "kind": pin.kind,
    }


def _rows(
    model: type[Decision | LedgerEntry | Attachment],
    application_id: int,
    *,
    columns: tuple[str, ...],
    at: str | None = None,
) -> list[dict[str, Any]]:
    """An application's rows of one table: when (as ISO text, if named) and the named columns."""
    found = db.session.scalars(select(model).where(model.application_id == application_id))
    return [
        ({"at": getattr(row, at).isoformat()} if at else {})
        | {name: getattr(row, name) for name in columns}
        for row in found
    ]


def anonymise(application: Application, *, now: datetime | None = None) -> None:
    """Erase the applicant's personal data at the end of the retention period; the decisions,
    amounts and bookings stay for audit.

    Under the application's lock, which a story or a map pin being saved takes too: one saved
    at this moment is either there to be erased or refused after (it sees the erasure).
    """
    locks.lock(Application, application.id)
    if application.anonymised_at is not None:
        return  # erased on request meanwhile
    if now is not None and not _still_due(application, now):
        return  # resubmitted (or changed) since the retention job read it: not due any more
    removed = _erase_personal_data(application, texts=(), title=None)
    if now is not None:
        application.anonymised_at = now
    history.record(
        application,
        "erased",
        actor=SYSTEM,
        internal=True,
        texts=[],
        mails=removed["mails"],
        files=removed["files"],
    )
    db.session.flush()


#: Besides the final states, the one an application can stay in for ever: returned for
#: changes, only the applicant can move it on (resubmit or withdraw).
_RETAINED_THEN_ERASED = frozenset({*(s.value for s in FINAL), State.RETURNED.value})


def kept_until(last: datetime, years: int) -> datetime:
    """When a retention period of whole calendar years from `last` ends (29 February: on
    1 March), never a day early: 365 days a year would end it before the leap days."""
    try:
        return last.replace(year=last.year + years)
    except ValueError:
        return last.replace(year=last.year + years, month=3, day=1)


def _still_due(application: Application, now: datetime) -> bool:
    """Read under the application's lock: still in a state kept only for the period, and its
    last activity still older than the period."""
    last = db.session.scalar(
        select(func.max(ApplicationEvent.at)).where(
            ApplicationEvent.application_id == application.id
        )
    )
    return (
        application.state in _RETAINED_THEN_ERASED
        and last is not None
        and kept_until(last, application.fund.retention_years) <= now
    )


def due_for_anonymisation(now: datetime) -> list[Application]:
    """Final applications, and ones returned to an applicant who never came back, whose last
    activity is older than their fund's retention period."""
    last_activity = (
        select(ApplicationEvent.application_id, func.max(ApplicationEvent.at).label("last"))
        .group_by(ApplicationEvent.application_id)
        .subquery()
    )
    candidates = db.session.execute(
        select(Application, Fund.retention_years, last_activity.c.last)
        .join(Fund, Application.fund_id == Fund.id)
        .join(last_activity, last_activity.c.application_id == Application.id)
        .where(
            Application.anonymised_at.is_(None),
            Application.state.in_(sorted(_RETAINED_THEN_ERASED)),
        )
    ).all()
    return [app for app, years, last in candidates if kept_until(last, years) <= now]


# --- consent -----------------------------------------------------------------------------------


def withdraw_consent(
    application: Application, consent: Consent | str, *, actor: Actor, note: str = ""
) -> ApplicationEvent:
    """Withdraw a consent; public pages, feeds, exports and the API follow with the commit.

    Every public view reads the consent when it renders, and the commit moves the page cache's
    content version on, so no cached page keeps showing what the consent allowed.
    """
    locks.lock(Application, application.id)
    consent = Consent(consent)
    column = CONSENT_COLUMNS[consent]
    if not getattr(application, column):
        raise DomainError("privacy.consent_not_given")
    setattr(application, column, False)
    if consent == Consent.PUBLISH_STORY:
        stories.unpublish(application)
    # Each consent has its own history line, so the applicant reads which consent went.
    return history.record(
        application,
        WITHDRAWN_EVENTS[consent],
        actor=actor,
        note=note.strip(),
        consent=consent.value,
    )


def give_consent(
    application: Application, consent: Consent | str, *, actor: Actor
) -> ApplicationEvent:
    """The applicant gives a consent after applying (only those with a line of their own).

    Public pages show what it allows from the commit on (the page cache's version moves on).
    """
    locks.lock(Application, application.id)
    consent = Consent(consent)
    if consent not in GIVEN_EVENTS or application.anonymised_at is not None:
        raise DomainError("privacy.consent_not_possible")
    column = CONSENT_COLUMNS[consent]
    if getattr(application, column):
        raise DomainError("privacy.consent_already_given")
    setattr(application, column, True)
    return history.record(application, GIVEN_EVENTS[consent], actor=actor, consent=consent.value)


# --- erasure -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ErasurePreview:
    """What an erasure would remove and what it keeps, for staff to read before they confirm."""

    allowed: bool
    #: Why a finished application may not be erased yet: money still to be settled.
    money_owed: bool
    files: int
    mails: int
    receipts: int
    decisions: int
    bookings: int
    retained_until: date | None


#: The purposes of mails that are not the applicant's, though they may name the reference:
#: ballots are the members' (their agenda titles are theirs to read), notices and digests the
#: staff's (a digest lists other residents' applications). Every other mail naming the
#: reference is the applicant's, whatever purpose later code gives it: mails to them and what
#: they wrote to the office (accessibility feedback, with their name and address).
NOT_THE_APPLICANTS = ("ballot.", "notice.")
#: A staff member's daily digest: one line for each of several applications.
DIGEST_PURPOSE = "notice.digest"


def _naming(application: Application) -> Any:
    """Mails whose subject or text names the application's reference."""
    reference = application.reference
    return or_(
        Mail.subject.contains(reference, autoescape=True),
        Mail.body_text.contains(reference, autoescape=True),
    )


def _mails_about(application: Application) -> Select[Any]:
    """The outbox's mails of the applicant about this application, each naming its reference:
    what the Art. 15 export hands out, and what the erasure deletes with the office's notices.

    Never by the applicant's name or address alone: a member whose name begins like theirs
    would lose their ballot links to the erasure (and have them handed to the applicant), and
    the mails of the applicant's other applications, still running, would go too. Never the
    staff's mails either, though they name the reference: a daily digest lists other residents'
    applications (and a ballot mail is a member's, whose agenda titles are theirs to read).
    """
    return select(Mail.id).where(
        _naming(application),
        *(~Mail.purpose.startswith(prefix) for prefix in NOT_THE_APPLICANTS),
    )


def _office_notices_about(application: Application) -> Select[Any]:
    """The staff's notice mails of this application alone (a digest is about several)."""
    return select(Mail.id).where(
        _naming(application),
        Mail.purpose.startswith("notice."),
        Mail.purpose != DIGEST_PURPOSE,
    )


def _erased_mails(application: Application) -> Select[Any]:
    """What the erasure deletes: the applicant's mails and the office's notices about it."""
    return select(Mail.id).where(
        or_(
            Mail.id.in_(_mails_about(application)),
            Mail.id.in_(_office_notices_about(application)),
        )
    )


def _money_owed(application: Application) -> bool:
    """Whether money of the application is still to be settled: a payment request open, or a
    cancelled project's paid money not refunded (the data are needed to claim it back)."""
    if db.session.scalar(
        select(PaymentRequest.id)
        .where(
            PaymentRequest.application_id == application.id,
            PaymentRequest.state.in_(("requested", "approved")),
        )
        .limit(1)
    ):
        return True
    return application.state == State.CANCELLED and ledger.account_of(application.id).paid > 0


def _payment_requests(application: Application) -> list[PaymentRequest]:
    """The application's payment requests, oldest first."""
    return list(
        db.session.scalars(
            select(PaymentRequest)
            .where(PaymentRequest.application_id == application.id)
            .order_by(PaymentRequest.id)
        )
    )


def _proof(application: Application) -> ProofOfUse | None:
    """The application's proof of use, if one was started."""
    return db.session.scalar(select(ProofOfUse).where(ProofOfUse.application_id == application.id))


def preview_erasure(application: Application) -> ErasurePreview:
    """Count what would go and what stays; erasure waits until the application is final."""
    mails = _erased_mails(application)
    proof = _proof(application)
    last = db.session.scalar(
        select(func.max(ApplicationEvent.at)).where(
            ApplicationEvent.application_id == application.id
        )
    )
    years = application.fund.retention_years
    owed = _money_owed(application)
    return ErasurePreview(
        allowed=application.state in {s.value for s in FINAL}
        and application.anonymised_at is None
        and not owed,
        money_owed=owed,
        files=(
            db.session.scalar(
                select(func.count()).where(Attachment.application_id == application.id)
            )
            or 0
        )
        + stories.photo_count(application),
        mails=len(db.session.scalars(mails).all()),
        receipts=len(proof.receipts) if proof else 0,
        decisions=db.session.scalar(
            select(func.count()).where(Decision.application_id == application.id)
        )
        or 0,
        bookings=db.session.scalar(
            select(func.count()).where(LedgerEntry.application_id == application.id)
        )
        or 0,
        # The day in the area's time zone: an event at 23:30 UTC already happened tomorrow in Berlin.
        retained_until=(
            clock.local_day(kept_until(last, years), application.area.timezone) if last else None
        ),
    )


def erase(
    application: Application,
    *,
    actor: Actor,
    reason: str,
    title: str,
    texts: Iterable[str] = (),
) -> ApplicationEvent:
    """Erase the applicant's personal data on request (Art. 17 GDPR).

    Only a final application can be erased: while money or a decision is pending the data is
    needed to carry it out. The title is replaced by the anonymised title staff give; the free
    texts staff marked as personal are emptied.
    """
    locks.lock(Application, application.id)
    errors = []
    if not reason.strip():
        errors.append(DomainError("privacy.reason_required", field="reason"))
    if not title.strip():
        errors.append(DomainError("privacy.title_required", field="title"))
    unknown = set(texts) - set(PERSONAL_TEXTS)
    if unknown:
        errors.append(DomainError("privacy.unknown_text", field="texts"))
    if application.anonymised_at is not None:
        raise DomainError("privacy.already_erased")
    if application.state not in {s.value for s in FINAL}:
        raise DomainError("privacy.not_final")
    if _money_owed(application):
        raise DomainError("privacy.money_owed")
    setup.refuse(errors)  # every missing field at once, each next to its own field
    chosen = tuple(sorted(set(texts)))
    removed = _erase_personal_data(application, texts=chosen, title=title.strip()[:200])
    return history.record(
        application,
        "erased",
        actor=actor,
        note=reason.strip(),
        internal=True,
        texts=list(chosen),
        mails=removed["mails"],
        files=removed["files"],
    )


def _erase_personal_data(
    application: Application, *, texts: tuple[str, ...], title: str | None
) -> dict[str, int]:
    """Remove names, contact, address, files, mails and the chosen texts; counts of what went."""
    mail_ids: list[int] = list(db.session.scalars(_erased_mails(application)))
    if mail_ids:
        db.session.execute(delete(Mail).where(Mail.id.in_(mail_ids)))
    # Staff's notices about it (waiting for their digest, or kept after it) carry its title,
    # which erasure replaces because a title may name people; the digests already sent keep
    # their other applications' lines, with the new title in this one's.
    notices = _pending_notices_about(application)
    redacted = (
        _retitle_digests(application, _titles(application, notices), title)
        if title is not None
        else []
    )
    for notice in notices:
        db.session.delete(notice)
    # The files are copies of mails already sent; removing them before the commit means a
    # failed commit leaves a mail row without its file, never a file the erasure missed. A
    # digest's file goes too: its outbox row is the copy that keeps the other lines.
    remove_mail_files(current_app, mail_ids + redacted)
    application.applicant_name = ERASED
    application.email = application.phone = ""
    application.address = ERASED
    if application.applicant_kind == "person":
        application.organisation = ""
    application.consent_publish_name = False
    application.consent_show_place = False
    # A private address on the map is the applicant's data; a public place is not.
    db.session.execute(
        delete(ProjectPin).where(
            ProjectPin.application_id == application.id,
            ProjectPin.kind == PlaceKind.PRIVATE.value,
        )
    )
    if title is not None:
        application.title = title
    for field in ("description", "target_group", "place", "in_kind", "cofunding_source"):
        if field in texts:
            setattr(application, field, ERASED if field == "description" else "")
    if "review_note" in texts:
        application.review_note = ""
    if "history_notes" in texts:
        for event in application.events:
            event.note = ""
    # Earlier versions and the diffs of edits hold the same data: blanked the same way.
    versions.erase(
        application,
        placeholder=ERASED,
        texts=[text for text in texts if text in versions.FIELDS],
        title=title is not None,
    )
    proof = _proof(application)
    for receipt in proof.receipts if proof else []:
        receipt.supplier = ERASED
        if "receipt_items" in texts:
            receipt.item = ERASED
    if proof is not None and "proof_report" in texts:
        proof.report = ERASED
        proof.review_note = ""
    # Bank details go; what was asked for and paid stays with the books.
    for request in _payment_requests(application):
        request.account_holder = ERASED
        request.iban = request.bic = ""
    # Files (quotes, receipts, photos) carry names and signatures; the amounts are in the books.
    file_ids = list(
        db.session.scalars(select(Attachment.id).where(Attachment.application_id == application.id))
    )
    db.session.execute(delete(Attachment).where(Attachment.id.in_(file_ids)))
    # The project story is the applicant's own words and pictures: it goes entirely.
    photos = stories.erase(application)
    db.session.execute(delete(LinkGrant).where(LinkGrant.application_id == application.id))
    application.anonymised_at = utcnow()
    db.session.flush()
    return {"mails": len(mail_ids), "files": len(file_ids) + photos}


# --- digests -----------------------------------------------------------------------------------


def _pending_notices_about(application: Application) -> list[PendingNotice]:
    """The staff's notices of this application, waiting for a digest or kept after it."""
    return list(
        db.session.scalars(
            select(PendingNotice).where(
                PendingNotice.params.contains(f'"{application.reference}"', autoescape=True)
            )
        )
    )


def _titles(application: Application, notices: Iterable[PendingNotice]) -> set[str]:
    """Every title a digest may show for the application: the one it has now and those its
    notices were queued with (the applicant may have changed it since)."""
    found = {application.title}
    for notice in notices:
        params = json.loads(notice.params)
        if params.get("reference") == application.reference and params.get("title"):
            found.add(str(params["title"]))
    return {title for title in found if title.strip()}


def _retitle_digests(application: Application, titles: set[str], new_title: str) -> list[int]:
    """Put the new title in the lines of the staff's digests that name this application; the
    ids of the digests changed.

    Only in the lines naming its reference, so another application's line never changes, even
    when its title holds the same words. The HTML part has each notice on a line of its own too
    (templates/mail/staff_digest.html), with the title escaped as the template escaped it.
    """
    named = re.compile(rf"(?<![\w-]){re.escape(application.reference)}(?![\w-])")
    text = _replacer(titles, new_title, render=str)
    html = _replacer(titles, new_title, render=lambda value: str(escape(value)))
    changed = []
    digests = db.session.scalars(
        select(Mail).where(_naming(application), Mail.purpose == DIGEST_PURPOSE)
    )
    for mail in digests:
        before = (mail.subject, mail.body_text, mail.body_html)
        mail.subject = _in_lines_naming(named, mail.subject, text)
        mail.body_text = _in_lines_naming(named, mail.body_text, text)
        mail.body_html = _in_lines_naming(named, mail.body_html, html)
        # A digest found by a longer reference that begins like this one stays as it was.
        if (mail.subject, mail.body_text, mail.body_html) != before:
            changed.append(mail.id)
    return changed


def _replacer(
    titles: set[str], new_title: str, *, render: Callable[[str], str]
) -> Callable[[str], str]:
    """A function that puts the new title in place of any of the old ones in a line, each as
    `render` shows it (plain, or HTML-escaped)."""
    if not titles:
        return lambda line: line
    # Longest first: a title that begins another one must not leave the other's rest behind.
    old = sorted({render(title) for title in titles}, key=len, reverse=True)
    pattern = re.compile("|".join(re.escape(title) for title in old))
    replacement = render(new_title)
    return lambda line: pattern.sub(lambda _match: replacement, line)


def _in_lines_naming(named: re.Pattern[str], text: str, replace: Callable[[str], str]) -> str:
    """The text with `replace` applied to each line that names the reference."""
    return "".join(
        replace(line) if named.search(line) else line for line in text.splitlines(keepends=True)
    )
