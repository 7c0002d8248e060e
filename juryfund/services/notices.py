"""Notices to the QM team: what came in and what needs them, by mail at once or once a day.

The area's contact address hears of everything at once (it is the office's shared inbox). Each
staff member of the area chooses the kinds they want and whether one mail each or a daily
digest. Notices that must go out once only ("the round is quorate") are claimed with a row
whose unique key a second tick cannot insert, so two ticks at once never send two mails.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..domain.lifecycles import RoundState
from ..domain.notices import NoticeKind, parse_kinds
from ..extensions import db
from ..infra import clock
from ..infra.links import external_url
from ..infra.mail import queue_mail
from ..models import (
    Application,
    Area,
    NoticeOnce,
    PendingNotice,
    ProofOfUse,
    Round,
    StaffUser,
    staff_area,
)
from . import locks

#: The language of mails to an area's contact address (the office's working language).
OFFICE_LANGUAGE = "de"
#: A digest goes out at most once in this time, at the first tick after it has passed.
DIGEST_EVERY = timedelta(hours=20)
#: "Deadline tomorrow": a written round ending within this time, with votes missing.
DEADLINE_NOTICE = timedelta(hours=24)


def _plain(params: dict[str, Any]) -> dict[str, Any]:
    """Params as JSON-ready values (dates as ISO text)."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in params.items()}


def _revived(params: dict[str, Any]) -> dict[str, Any]:
    """Params read back from JSON, with their dates as dates again."""
    return {
        k: date.fromisoformat(v) if k.endswith("date") and isinstance(v, str) else v
        for k, v in params.items()
    }


def subscribers(area: Area, kind: NoticeKind) -> list[StaffUser]:
    """The active staff of the area who chose this kind."""
    staff = db.session.scalars(
        select(StaffUser)
        .join(staff_area, staff_area.c.staff_id == StaffUser.id)
        .where(staff_area.c.area_id == area.id, StaffUser.active.is_(True))
        .order_by(StaffUser.id)
    ).all()
    return [user for user in staff if kind in parse_kinds(user.notify_kinds)]


def notify(kind: NoticeKind, area: Area, **params: Any) -> None:
    """Tell the area's contact address and the staff who chose this kind (in the same
    transaction as the change it is about)."""
    contact = area.contact_email.strip().lower()
    if contact:
        _mail(contact, OFFICE_LANGUAGE, kind, params)
    for user in subscribers(area, kind):
        if user.email.lower() == contact:
            continue  # the office inbox is theirs: one mail is enough
        if user.notify_digest:
            db.session.add(
                PendingNotice(
                    staff_id=user.id,
                    kind=kind.value,
                    area_id=area.id,
                    params=json.dumps(_plain(params)),
                )
            )
        else:
            _mail(user.email, user.language, kind, params)


def notify_once(kind: NoticeKind, subject: str, area: Area, **params: Any) -> bool:
    """Send a notice that must go out once only; False if it was sent already."""
    try:
        with db.session.begin_nested():
            db.session.add(NoticeOnce(kind=kind.value, subject=subject))
    except IntegrityError:
        return False
    notify(kind, area, **params)
    return True


def _mail(to: str, language: str, kind: NoticeKind, params: dict[str, Any]) -> None:
    queue_mail(
        to=to,
        language=language,
        purpose=f"notice.{kind.value}",
        template="staff_notice",
        kind=kind.value,
        p=params,
    )


# --- what the services report ------------------------------------------------------------------


def _application_params(application: Application) -> dict[str, Any]:
    return {
        "reference": application.reference,
        "title": application.title,
        # The language the applicant typed in: marks the title in the mail (lang, isolation).
        "language": application.language,
        "url": external_url("review.detail", application_id=application.id),
    }


def application_received(application: Application, *, resubmitted: bool = False) -> None:
    """A new application came in, or a returned one was sent again."""
    kind = NoticeKind.APPLICATION_RESUBMITTED if resubmitted else NoticeKind.APPLICATION_NEW
    notify(kind, application.area, **_application_params(application))


def proof_submitted(proof: ProofOfUse) -> None:
    """An applicant sent the proof of use."""
    application = proof.application
    params = _application_params(application)
    params["url"] = external_url("books.money", application_id=application.id)
    notify(NoticeKind.PROOF_SUBMITTED, application.area, **params)


def payment_requested(application: Application, amount_cents: int) -> None:
    """An applicant asked for an advance or a reimbursement (never the bank details here)."""
    params = _application_params(application)
    params["url"] = external_url("books.money", application_id=application.id)
    params["amount_cents"] = amount_cents
    notify(NoticeKind.PAYMENT_REQUESTED, application.area, **params)


def proof_overdue(proof: ProofOfUse) -> None:
    """A proof of use is past its due date and not sent."""
    application = proof.application
    notify(
        NoticeKind.PROOF_OVERDUE,
        application.area,
        **_application_params(application),
        due_date=proof.due_on,
    )


def _round_params(round_: Round) -> dict[str, Any]:
    return {
        "round": round_.title or f"#{round_.id}",
        "url": external_url("rounds.detail", round_id=round_.id),
    }


def round_objected(round_: Round) -> None:
    """A member objected to deciding in writing (§ 90 (1) VwVfG)."""
    notify(NoticeKind.ROUND_OBJECTED, round_.body.area, **_round_params(round_))


def round_progress(now: datetime) -> int:
    """At each tick: written rounds that became quorate, in which every member has voted, or
    that end within a day with votes missing; each told once. How many notices went out."""
    from . import conflicts, rounds  # rounds reports objections through this module

    sent = 0
    open_rounds = db.session.scalars(
        select(Round).where(Round.state == RoundState.OPEN.value, Round.mode == "circulation")
    ).all()
    for round_ in open_rounds:
        area, subject, params = round_.body.area, f"round:{round_.id}", _round_params(round_)
        # The exclusions are read once for the tally and the missing votes alike.
        excluded = conflicts.excluded_pairs(round_)
        counted = rounds.tallies(round_, excluded)
        if counted and all(tally.quorate for tally in counted.values()):
            sent += notify_once(NoticeKind.ROUND_QUORATE, subject, area, **params)
        missing = rounds.missing_votes(round_, excluded)
        waiting = sum(
            1
            for participant in round_.participants
            if missing.get(participant.id)
            and participant.revoked_at is None
            and participant.member.removed_at is None
        )
        if waiting == 0:
            sent += notify_once(NoticeKind.ROUND_COMPLETE, subject, area, **params)
        elif round_.deadline is not None and now < round_.deadline <= now + DEADLINE_NOTICE:
            sent += notify_once(
                NoticeKind.ROUND_DEADLINE,
                subject,
                area,
                **params,
                end_date=clock.local_day(round_.deadline, area.timezone),
                waiting=waiting,
            )
    return sent


# --- daily digests -----------------------------------------------------------------------------


def send_digests(now: datetime) -> int:
    """One mail per staff member with notices waiting and no digest in the last day; how many."""
    staff_ids = db.session.scalars(
        select(PendingNotice.staff_id).where(PendingNotice.sent_at.is_(None)).distinct()
    ).all()
    sent = 0
    for staff_id in staff_ids:
        user = locks.lock(StaffUser, staff_id)  # a parallel tick waits, then sees sent_at
        if user.digest_sent_at is not None and now - user.digest_sent_at < DIGEST_EVERY:
            continue
        waiting = db.session.scalars(
            select(PendingNotice)
            .where(PendingNotice.staff_id == staff_id, PendingNotice.sent_at.is_(None))
            .order_by(PendingNotice.id)
        ).all()
        if not waiting:
            continue
        # Only what the staff member may still see: an area taken off their account since the
        # notice was queued is no business of theirs any more (DESIGN.md §2).
        areas = {area.id for area in user.areas}
        telling = [n for n in waiting if n.area_id is None or user.is_admin or n.area_id in areas]
        if user.active and telling:
            queue_mail(
                to=user.email,
                language=user.language,
                purpose="notice.digest",
                template="staff_digest",
                notices=[(n.kind, _revived(json.loads(n.params))) for n in telling],
            )
            sent += 1
            user.digest_sent_at = now  # a digest that told nothing does not hold the next back
        for notice in waiting:
            notice.sent_at = now
    return sent
