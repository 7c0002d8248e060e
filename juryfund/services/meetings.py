"""Meetings of a body: the course for the minutes (§ 93 VwVfG), repeat meetings quorate
regardless of attendance (§ 90 (2) VwVfG), and applicants presenting their project."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from ..domain.actors import Actor
from ..domain.errors import DomainError
from ..domain.lifecycles import RoundState
from ..domain.meetings import (
    check_meeting_record,
    check_repeat,
    needs_presentation,
    on_other_day,
)
from ..domain.voting import Outcome
from ..extensions import db
from ..infra import audit, clock
from ..infra.mail import mail_to
from ..models import AgendaItem, Fund, Round, StaffUser
from . import locks, rounds


def record_course(
    round_: Round,
    *,
    began_at: datetime | None,
    ended_at: datetime | None,
    chair_member_id: int | None,
    chair_staff_id: int | None,
    minute_taker: str,
    actor: Actor,
) -> None:
    """Record when the meeting began and ended, who chaired it and who took the minutes.

    Allowed after the round closed as well: the minutes are often written up afterwards. The
    record must then agree with what was counted and decided: the meeting began before the
    round was closed, and its begin seats the members the closing counted. A member chair was
    in the room and on the body.
    """
    round_ = locks.lock(Round, round_.id)
    if round_.mode != "meeting" or round_.state == RoundState.DRAFT:
        raise DomainError("meeting.not_held")
    participants = {p.member_id: p for p in round_.participants}
    chair = participants.get(chair_member_id) if chair_member_id is not None else None
    if chair_member_id is not None and chair is None:
        raise DomainError("meeting.chair_required", field="chair")
    if chair_staff_id is not None and db.session.get(StaffUser, chair_staff_id) is None:
        raise DomainError("meeting.chair_required", field="chair")
    # Who is on the body is judged at the meeting's begin (lifecycles.vote_ended_at): read it
    # with the begin as recorded so far and as typed now, by the rule the count uses.
    counted = rounds._removed_members(round_)
    recorded_begin = round_.began_at
    round_.began_at = began_at
    removed = rounds._removed_members(round_)
    try:
        if round_.state == RoundState.CLOSED and _changes_result(
            round_, chair_member_id, chair_staff_id
        ):
            raise DomainError("meeting.chair_changes_result", field="chair")
        check_meeting_record(
            began_at=began_at,
            ended_at=ended_at,
            meeting_at=round_.meeting_at,
            chair_member=chair_member_id is not None,
            chair_staff=chair_staff_id is not None,
            minute_taker=minute_taker,
            zone=clock.zone(round_.body.area.timezone),
            closed_at=round_.closed_at,
            chair_present=chair is None or chair.present is True,
            chair_on_body=chair is None or chair.member_id not in removed,
            changes_who_counted=round_.state == RoundState.CLOSED and removed != counted,
        )
    except DomainError:
        round_.began_at = recorded_begin  # nothing of a refused record stays on the round
        raise
    round_.began_at, round_.ended_at = began_at, ended_at
    round_.chair_id, round_.chair_staff_id = chair_member_id, chair_staff_id
    round_.minute_taker = minute_taker.strip()[:200]
    audit.record_about(
        round_,
        "round.meeting_recorded",
        actor=actor,
        area_id=round_.body.area_id,
        began_at=began_at,
        ended_at=ended_at,
        chair_id=chair_member_id,
        chair_staff_id=chair_staff_id,
    )


def repeat_meeting(
    earlier: Round, *, when: datetime, place: str, announce: bool, actor: Actor
) -> Round:
    """Set up the repeat meeting of an inquorate meeting, with its items that had no quorum.

    With `announce`, the invitation will say the meeting is quorate regardless of attendance
    (§ 90 (2) VwVfG), which only a body whose rules allow it may do; without it the repeat is
    an ordinary meeting. The new round is a draft: staff check it and open it as usual.
    """
    facts = rounds.repeat_facts(earlier, earlier.body_id, announced=True)
    if announce:
        check_repeat(facts)
    elif not facts.earlier_closed or not facts.earlier_inquorate or earlier.mode != "meeting":
        raise DomainError("repeat.earlier_was_quorate")
    title = earlier.title or earlier.body.name
    round_ = rounds.save_round(
        None,
        earlier.body,
        mode="meeting",
        title=f"{title} (2)"[:200],
        when=when,
        place=place or earlier.place,
        actor=actor,
    )
    round_.repeats_round_id, round_.quorum_waived = earlier.id, announce
    db.session.flush()
    ready = {a.id for a in rounds.ready_applications(earlier.body)}
    rounds.set_agenda(
        round_,
        [
            item.application_id
            for item in earlier.agenda
            if item.result == Outcome.NO_QUORUM and item.application_id in ready
        ],
    )
    audit.record_about(
        round_,
        "round.repeat_created",
        actor=actor,
        area_id=round_.body.area_id,
        repeats=earlier.id,
        quorum_waived=announce,
    )
    return round_


def set_presentation(item: AgendaItem, at: datetime | None, *, actor: Actor) -> bool:
    """Give an applicant a time slot to present the project, and mail it; True when mailed.

    Only for a meeting that has not ended and an application above its fund's threshold; an
    empty slot takes the invitation back (no mail).
    """
    round_ = item.round
    application = item.application
    if round_.mode != "meeting" or round_.state not in (RoundState.DRAFT, RoundState.OPEN):
        raise DomainError("presentation.not_a_meeting")
    if not needs_presentation(
        application.requested_cents, application.fund.presentation_threshold_cents
    ):
        raise DomainError("presentation.below_threshold", field="presentation_at")
    zone = clock.zone(round_.body.area.timezone)
    if (
        at is not None
        and round_.meeting_at is not None
        and on_other_day(at, round_.meeting_at, zone)
    ):
        raise DomainError("meeting.other_day", field="presentation_at")
    item.presentation_at = at
    audit.record_about(
        application,
        "application.presentation",
        actor=actor,
        area_id=round_.body.area_id,
        round_id=round_.id,
        at=at,
    )
    if at is None:
        return False
    mail_to(
        application,
        purpose="application.presentation",
        template="presentation_invitation",
        application=application,
        round=round_,
        body=round_.body,
        slot=at,
    )
    return True


def presenters(round_: Round) -> list[AgendaItem]:
    """The agenda items whose applicants are invited to present (above the fund's threshold)."""
    # The thresholds of all the agenda's funds in one query (the round page lists every item).
    fund_ids = {item.application.fund_id for item in round_.agenda}
    thresholds: dict[int, int | None] = {}
    if fund_ids:
        rows = db.session.execute(
            select(Fund.id, Fund.presentation_threshold_cents).where(Fund.id.in_(fund_ids))
        )
        thresholds = {fund_id: threshold for fund_id, threshold in rows}
    return [
        item
        for item in round_.agenda
        if needs_presentation(
            item.application.requested_cents, thresholds.get(item.application.fund_id)
        )
    ]


def _changes_result(round_: Round, chair_member_id: int | None, chair_staff_id: int | None) -> bool:
    """Whether the closed round, counted again with this chair (and the begin as typed), comes
    out otherwise than stored: the chair of the meeting holds the casting vote on a tie
    (rounds.casting_vote_of), and a chair recorded after the close must not contradict it."""
    kept = (round_.chair_id, round_.chair_staff_id)
    round_.chair_id, round_.chair_staff_id = chair_member_id, chair_staff_id
    try:
        with db.session.no_autoflush:
            results = rounds.tallies(round_)
    finally:
        round_.chair_id, round_.chair_staff_id = kept
    return any(results[item.id].outcome.value != item.result for item in round_.agenda)
