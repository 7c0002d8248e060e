"""Voting rounds: set up, open (freeze rule and members, mail ballot links), remind, tally, close."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, String, cast, func, inspect, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from ..domain.actors import Actor
from ..domain.composition import Seat, SeatVotes, seat_votes
from ..domain.errors import DomainError
from ..domain.lifecycles import (
    LINK_GRACE,
    RoundState,
    access_refusal,
    move_round,
    seats_refusal,
    within_term,
)
from ..domain.meetings import RepeatFacts, check_repeat, waived_items
from ..domain.states import State
from ..domain.voting import Outcome, Tally, VotingRule, tally
from ..extensions import db
from ..infra import audit, clock, tokens
from ..infra.links import external_url
from ..infra.mail import mail_to
from ..models import (
    AgendaItem,
    Application,
    Body,
    ConflictFlag,
    Fund,
    FundYear,
    Member,
    Position,
    Round,
    RoundMember,
)
from ..models.base import utcnow
from . import ballots, conflicts, decisions, deputies, history, ledger, locks, notices

_log = logging.getLogger(__name__)

#: Ballot links keep working this long after the deadline or meeting, for late reading.
GRACE = LINK_GRACE
#: No round runs longer than this; it bounds every ballot signature's age.
BALLOT_MAX_AGE = 120 * 24 * 3600
#: The automatic reminder goes out this long before a circulation deadline.
REMINDER_BEFORE = timedelta(hours=48)


# --- setting up --------------------------------------------------------------------------------


def available_money(round_: Round) -> list[tuple[str, int]]:
    """("fund year", money still available) for each fund the body decides, in the fund year
    that an approval made now would be booked into (shown to staff and on the ballot).

    The fund years are those decisions.fund_year_for_fund picks, read for all funds at once.
    """
    funds = [fund for fund in round_.body.area.funds if fund.body_id == round_.body_id]
    open_years = {
        fund_year.fund_id: fund_year
        for fund_year in db.session.scalars(
            select(FundYear).where(
                FundYear.fund_id.in_([fund.id for fund in funds]),
                FundYear.year == clock.area_today(round_.body.area).year,
                FundYear.closed_at.is_(None),
            )
        )
    }
    balances = ledger.balances_by_year([fund_year.id for fund_year in open_years.values()])
    # A fund without an open fund year this year has nothing that could be approved now.
    return [
        (f"{fund.name} {open_years[fund.id].year}", balances[open_years[fund.id].id].available)
        for fund in funds
        if fund.id in open_years
    ]


def with_agenda(
    round_id: int, *, dossiers: bool = False, members: bool = True, applications: bool = True
) -> Round | None:
    """A round with its agenda's applications and its members, loaded in a fixed number of
    queries for the pages that list them all; `dossiers` adds what the ballot shows of each
    application (fund, cost plan, files); `members=False` leaves the members out;
    `applications=False` loads the agenda items alone (the ballot, whose dossiers are mostly
    rendered from the fragment cache: load_dossiers then loads what a missing one needs)."""
    application = selectinload(Round.agenda).joinedload(AgendaItem.application)
    options = [application if applications else selectinload(Round.agenda), joinedload(Round.body)]
    if members:
        options.append(selectinload(Round.participants).joinedload(RoundMember.member))
    if dossiers:
        options += [
            application.joinedload(Application.fund),
            application.selectinload(Application.cost_items),
            application.selectinload(Application.attachments),
        ]
    return db.session.scalar(select(Round).where(Round.id == round_id).options(*options))


def load_applications(items: list[AgendaItem]) -> None:
    """Load the applications of these items that are not loaded yet, in one query (a member's
    part of a ballot item names its application, rendered where the dossier came cached)."""
    missing = [item for item in items if "application" in inspect(item).unloaded]
    if not missing:
        return
    found = {
        application.id: application
        for application in db.session.scalars(
            select(Application).where(Application.id.in_({i.application_id for i in missing}))
        )
    }
    for item in missing:
        set_committed_value(item, "application", found[item.application_id])


def load_dossiers(items: list[AgendaItem]) -> None:
    """Load these items' applications with their fund, cost plan and files in three queries.

    Each application is set on its item as loaded (the session keeps loaded objects only while
    something refers to them, so a bare load would be gone again before the page reads it).
    """
    if not items:
        return
    found = {
        application.id: application
        for application in db.session.scalars(
            select(Application)
            .where(Application.id.in_({item.application_id for item in items}))
            .options(
                joinedload(Application.fund),
                selectinload(Application.cost_items),
                selectinload(Application.attachments),
            )
        ).unique()
    }
    for item in items:
        set_committed_value(item, "application", found[item.application_id])


def withdrawn_items(round_: Round) -> set[int]:
    """The round's agenda items whose applications their applicants withdrew: read from the
    loaded applications where the page loaded them all, else in one query."""
    items = round_.agenda
    if all("application" not in inspect(item).unloaded for item in items):
        return {item.id for item in items if item.application.state == State.WITHDRAWN}
    return withdrawn_item_ids(round_.id)


def withdrawn_item_ids(round_id: int) -> set[int]:
    """The round's agenda items whose applications their applicants withdrew; one query."""
    return set(db.session.scalars(_withdrawn_items_of(AgendaItem.id, round_id)))


def _withdrawn_items_of(column: Any, round_id: Any) -> Select[Any]:
    """Select `column` of the round's agenda items whose applications were withdrawn."""
    return (
        select(column)
        .join(Application, Application.id == AgendaItem.application_id)
        .where(AgendaItem.round_id == round_id, Application.state == State.WITHDRAWN.value)
    )


def withdrawn_items_column() -> Any:
    """A column for a ballot request's first read: the ids of the items of the participant's
    round whose applications were withdrawn, joined by commas (NULL: none); read with the
    grant, so that what the ballot offers costs no query of its own (parse_item_ids)."""
    ids = func.aggregate_strings(cast(AgendaItem.id, String), ",")
    return _withdrawn_items_of(ids, RoundMember.round_id).scalar_subquery()


def parse_item_ids(joined: str | None) -> set[int]:
    """The item ids of a withdrawn_items_column value."""
    return {int(part) for part in joined.split(",")} if joined else set()


def applications_before_body(round_id: int) -> set[int]:
    """The applications on the round's agenda that are still before the body: all but those
    their applicants withdrew (a member's ballot no longer hands out their files); one query."""
    return set(
        db.session.scalars(
            select(AgendaItem.application_id)
            .join(Application, Application.id == AgendaItem.application_id)
            .where(AgendaItem.round_id == round_id, Application.state != State.WITHDRAWN.value)
        )
    )


def ready_applications(body: Body) -> list[Application]:
    """Applications ready for this body: formally reviewed, for a fund the body decides."""
    return list(
        db.session.scalars(
            select(Application)
            .join(Fund, Application.fund_id == Fund.id)
            .where(Fund.body_id == body.id, Application.state == State.READY.value)
            .order_by(Application.submitted_at, Application.id)
        )
    )


def save_round(
    round_: Round | None,
    body: Body,
    *,
    mode: str,
    title: str,
    when: datetime,
    place: str,
    actor: Actor,
    now: datetime | None = None,
) -> Round:
    """Create a round of a body (round_=None) or change one that is not open yet."""
    if round_ is not None:
        # Read afresh under the round's lock: a round opened (its invitations mailed with the
        # deadline) while staff edited it must not change afterwards.
        round_ = locks.lock(Round, round_.id)
        if round_.state != RoundState.DRAFT:
            raise DomainError("round.not_draft")
        if round_.quorum_waived and mode != "meeting":
            # The waiver (§ 90 (2) VwVfG) is for the repeat *meeting* announced to the members;
            # a written round decided under it would decide with one vote of seven. Refused
            # rather than dropped unseen: staff who want it in writing set up a new round.
            raise DomainError("repeat.waiver_meeting_only", field="mode")
        if mode == "circulation" and round_.mode != "circulation":
            _check_objections([item.application for item in round_.agenda], field="mode")
    if mode == "circulation" and when <= (now or utcnow()):
        raise DomainError("round.deadline_past", field="when")
    if round_ is None:
        round_ = Round(body_id=body.id, created_by_id=actor.staff_id)
        db.session.add(round_)
    round_.mode, round_.title, round_.place = mode, title.strip(), place.strip()
    round_.deadline = when if mode == "circulation" else None
    round_.meeting_at = when if mode == "meeting" else None
    round_.freeze_rule(body.rule)  # shown while drafting; taken again at opening
    db.session.flush()
    return round_


def set_agenda(round_: Round, application_ids: list[int]) -> None:
    """Put ready applications of the body on a draft round's agenda, in the given order."""
    round_ = locks.lock(Round, round_.id)
    if round_.state != RoundState.DRAFT:
        raise DomainError("round.not_draft")
    chosen = list(dict.fromkeys(application_ids))
    ready = {application.id: application for application in ready_applications(round_.body)}
    for application_id in chosen:
        if application_id not in ready:
            _refuse_unready(round_, application_id)
    _check_agenda(round_, [ready[application_id] for application_id in chosen])
    round_.agenda.clear()
    db.session.flush()
    round_.agenda.extend(
        AgendaItem(application_id=application_id, position=position)
        for position, application_id in enumerate(chosen, start=1)
    )
    db.session.flush()


def _refuse_unready(round_: Round, application_id: int) -> None:
    """Refuse an application that is not ready for the round's body, saying why where it helps:
    one of the area's applications whose fund another body decides (it moved to another fund
    while the page was open) is named; anything else is simply not ready."""
    application = db.session.get(Application, application_id)
    if application is not None and application.area_id == round_.body.area_id:
        _check_body(round_, application)
    raise DomainError("round.not_ready", field="applications")


def _check_body(round_: Round, application: Application) -> None:
    """Refuse an application whose fund another body decides: its decision would be void."""
    fund = db.session.get(Fund, application.fund_id)
    if fund is None or fund.body_id != round_.body_id:
        raise DomainError("round.other_body", field="applications", **_named(application))


def _check_agenda(round_: Round, applications: list[Application]) -> None:
    """Refuse an agenda the round cannot decide: an application whose fund another body decides
    (moved to another fund after it was put on the agenda), or, in a written round, one a
    member objected to deciding in writing. Setting the agenda and opening both ask this."""
    for application in applications:
        _check_body(round_, application)
    if round_.mode == "circulation":
        _check_objections(applications, field="applications")


def _check_objections(applications: list[Application], *, field: str) -> None:
    """Refuse deciding in writing an application a member objected to deciding in writing
    (§ 90 (1) VwVfG): it is decided in a meeting, as the members were told."""
    objected = objected_to_writing([application.id for application in applications])
    for application in applications:
        if application.id in objected:
            raise DomainError("round.objected_to_writing", field=field, **_named(application))


def objected_to_writing(application_ids: list[int]) -> set[int]:
    """Of these applications, those a member objected to deciding in writing (§ 90 (1)
    VwVfG): on the agenda of a written round the objection deferred. They are decided in a
    meeting from then on (DESIGN.md §4); one query, or none."""
    if not application_ids:
        return set()
    return set(
        db.session.scalars(
            select(AgendaItem.application_id)
            .join(Round, AgendaItem.round_id == Round.id)
            .where(
                AgendaItem.application_id.in_(application_ids),
                Round.objected_at.is_not(None),
            )
            .distinct()
        )
    )


def _named(application: Application) -> dict[str, str]:
    """The parameters that name an application in a refusal (reference and title)."""
    return {"reference": application.reference, "title": application.title}


def open_round(
    round_: Round, *, actor: Actor, now: datetime | None = None, composition_reason: str = ""
) -> int:
    """Freeze rule and members, schedule the agenda and mail every member a ballot link;
    returns how many were mailed.

    Deputies join the round too (they vote only in place of a named member). A body that
    breaks its own composition rule opens only with staff's reason, which the minutes show.
    """
    now = now or utcnow()
    round_ = locks.lock(Round, round_.id)  # opened twice at once: the second finds it open
    opened = move_round(round_.state, RoundState.OPEN)
    if not round_.agenda:
        raise DomainError("round.empty_agenda", field="applications")
    if round_.mode == "circulation" and _deadline(round_) <= now:
        raise DomainError("round.deadline_past", field="when")
    # The members of the area's own day: a meeting just after midnight in Berlin falls on the
    # next day, whose members vote, although the UTC date is still the day before.
    day = clock.local_day(round_.due_at or now, round_.body.area.timezone)
    if round_.mode == "circulation":
        day = min(day, clock.area_today(round_.body.area))
    _hold_body_members(round_.body_id)
    members = round_.body.voting_members(day)
    if not members:
        raise DomainError("round.no_members")
    # Each application read afresh under its lock (in id order, as every opening takes them),
    # so a move to another state or another fund committed meanwhile is seen here.
    for application_id in sorted(item.application_id for item in round_.agenda):
        locks.lock(Application, application_id)
    for item in round_.agenda:
        if item.application.state != State.READY:
            raise DomainError("round.not_ready", field="applications")
    _check_agenda(round_, [item.application for item in round_.agenda])
    problems = deputies.problems_on(round_.body, day)
    if problems and not composition_reason.strip():
        raise DomainError("round.composition_reason", field="composition_reason")
    round_.composition_exception = composition_reason.strip() if problems else ""
    _check_waiver_at_opening(round_)
    round_.freeze_rule(round_.body.rule)
    round_.state, round_.opened_at = opened, now
    for item in round_.agenda:
        history.transition(item.application, State.SCHEDULED, actor=actor)
    participants = [
        RoundMember(round_id=round_.id, member_id=member.id, seat=member.seat)
        for member in [*members, *round_.body.deputies(day)]
    ]
    db.session.add_all(participants)
    db.session.flush()
    conflicts.flag_at_opening(round_, participants)
    _audit(
        round_,
        "round.opened",
        actor,
        mode=round_.mode,
        due_at=round_.due_at,
        applications=[item.application_id for item in round_.agenda],
        members=[p.member_id for p in participants if p.seat == Seat.FULL],
        deputies=[p.member_id for p in participants if p.seat == Seat.DEPUTY],
        rule=round_.rule_record(),
        composition=[problem.code for problem in problems],
    )
    # In writing a deputy has nothing to do until staff name them for a member's seat; the
    # mail goes out then. A meeting invites deputies as well.
    invited = [p for p in participants if p.seat == Seat.FULL or round_.mode == "meeting"]
    for participant in invited:
        mail_ballot(participant, purpose="ballot.invitation", template="ballot_invitation")
    return len(invited)


# --- repeat meetings (§ 90 (2) VwVfG) ---------------------------------------------------------


def repeat_facts(earlier: Round, body_id: int, *, announced: bool) -> RepeatFacts:
    """The facts § 90 (2) asks about an earlier round, for a repeat meeting of this body."""
    return RepeatFacts(
        body_allows=earlier.body.repeat_quorate,
        same_body=earlier.body_id == body_id,
        earlier_mode=earlier.mode,
        earlier_closed=earlier.state == RoundState.CLOSED,
        earlier_inquorate=any(item.result == Outcome.NO_QUORUM for item in earlier.agenda),
        announced=announced,
    )


def _check_waiver_at_opening(round_: Round) -> None:
    """Refuse opening a repeat meeting whose announced waiver the body no longer allows, and
    any waived round that is not a meeting (§ 90 (2) VwVfG covers a repeat meeting only)."""
    if not round_.quorum_waived:
        return
    if round_.mode != "meeting":
        raise DomainError("repeat.waiver_meeting_only", field="mode")
    if round_.repeats is not None:
        check_repeat(repeat_facts(round_.repeats, round_.body_id, announced=True))


def waived_applications(round_: Round) -> frozenset[int]:
    """The applications this round decides without quorum (§ 90 (2)); one query, or none."""
    # Announced (quorum_waived is set only while drafting, before any invitation goes out)
    # and only for what the earlier meeting could not decide: not for items added later.
    # Only ever in a meeting: a written round is never quorate by § 90 (2), whatever a row
    # says (save_round and the opening refuse that already; the count does not rely on it).
    if round_.mode != "meeting" or not round_.quorum_waived or round_.repeats_round_id is None:
        return frozenset()
    rows = db.session.execute(
        select(AgendaItem.application_id, AgendaItem.result).where(
            AgendaItem.round_id == round_.repeats_round_id
        )
    )
    return waived_items((application_id, result) for application_id, result in rows)


# --- ballot links ------------------------------------------------------------------------------


class LinkReplaced(tokens.BadLink):
    """A ballot link of an earlier generation: staff sent the member a newer one."""


def ballot_token(participant: RoundMember) -> str:
    """A signed ballot link token bound to member, round and the link's generation."""
    return tokens.sign(
        "ballot",
        {
            "p": participant.id,
            "r": participant.round_id,
            "m": participant.member_id,
            "v": participant.link_version,
        },
    )


def token_version(payload: dict[str, Any]) -> int | None:
    """The link generation a ballot token names (links from before generations count as 1)."""
    version = payload.get("v", 1)
    return version if isinstance(version, int) and not isinstance(version, bool) else None


def participant_for_token(token: str, *, now: datetime | None = None) -> RoundMember:
    """The round member a ballot token grants; BadLink when tampered, expired or revoked.

    The signature's age is capped at BALLOT_MAX_AGE; the link's real end is the round's
    deadline (or meeting) plus GRACE, checked against the server's record of the round.
    """
    payload = tokens.read("ballot", token, max_age=BALLOT_MAX_AGE)
    participant = (
        db.session.get(RoundMember, payload.get("p")) if isinstance(payload.get("p"), int) else None
    )
    if participant is None or (participant.round_id, participant.member_id) != (
        payload.get("r"),
        payload.get("m"),
    ):
        raise tokens.BadLink("unknown participant")
    version = token_version(payload)
    if version is None:
        raise tokens.BadLink("bad version")
    if version != participant.link_version:
        raise LinkReplaced("replaced")
    check_access(participant, now=now)
    return participant


def check_access(participant: RoundMember, *, now: datetime | None = None) -> None:
    """Refuse a revoked grant, a member taken off the body or out of their term, a round not
    opened, or a link past the deadline (or meeting) plus GRACE; checked on every request,
    not only at the link."""
    refusal = access_refusal_now(participant, now=now)
    if refusal is not None:
        raise tokens.BadLink(refusal)


def access_refusal_now(participant: RoundMember, *, now: datetime | None = None) -> str | None:
    """Why the participant's ballot does not open now (lifecycles.access_refusal), or None."""
    now = now or utcnow()
    round_, member = participant.round, participant.member
    # The term counts on the area's day of the moment a vote would count as of, so that the
    # ballot stops opening exactly when ballots.refusal_now says "term over".
    as_of = ballots.membership_as_of(round_, now)
    return access_refusal(
        revoked=participant.revoked_at is not None,
        removed=member.removed_at is not None,
        state=round_.state,
        due=round_.due_at,
        now=now,
        member_day=clock.local_day(as_of, round_.body.area.timezone),
        term_end=member.term_end,
    )


def add_participant(round_: Round, member: Member, *, actor: Actor) -> RoundMember:
    """Add a member who joined the body while the round is open (staff choose; never silently).

    The member gets a ballot link like everyone at opening, and the product's check for
    conflicts of interest runs for them.
    """
    round_ = locks.lock(Round, round_.id)
    now = utcnow()
    refusal = seats_refusal(round_.state, round_.mode, round_.deadline, now)
    if refusal is None and meeting_begun(round_, now):
        # Who sat on the body for the meeting is fixed once it began (read under the round's
        # lock, which recording the begin takes too): a member added afterwards would change
        # the quorum of what the room decided.
        refusal = "round.meeting_begun"
    if refusal:
        raise DomainError(refusal)
    if (
        member.body_id != round_.body_id
        or member.seat == Seat.SUCCESSOR
        or not member.serves_on(_seating_day(round_))
    ):
        raise DomainError("round.not_a_member", field="member")
    if any(p.member_id == member.id for p in round_.participants):
        raise DomainError("round.already_member", field="member")
    participant = RoundMember(round_id=round_.id, member_id=member.id, seat=member.seat)
    db.session.add(participant)
    db.session.flush()
    conflicts.flag_at_opening(round_, [participant])
    ballots.audit_participant(participant, "round.member_added", actor)
    mail_ballot(participant, purpose="ballot.invitation", template="ballot_invitation")
    return participant


def members_not_taking_part(round_: Round) -> list[Member]:
    """Members and deputies serving on the round's day who are not in it (they joined later);
    none once its meeting has begun (add_participant refuses them then)."""
    if meeting_begun(round_, utcnow()):
        return []
    taking_part = {p.member_id for p in round_.participants}
    day = _seating_day(round_)
    serving = [*round_.body.voting_members(day), *round_.body.deputies(day)]
    return [m for m in serving if m.id not in taking_part]


def _seating_day(round_: Round) -> date:
    """The area's day whose members a member added to the round must serve on: a meeting's
    own day (as at opening), a written round's today."""
    if round_.mode == "meeting" and round_.meeting_at is not None:
        return clock.local_day(round_.meeting_at, round_.body.area.timezone)
    return clock.area_today(round_.body.area)


def meeting_begun(round_: Round, now: datetime | None = None) -> bool:
    """Whether the round is a meeting that has begun (as recorded, else as invited)."""
    return ballots.meeting_has_begun(
        mode=round_.mode,
        meeting_at=round_.meeting_at,
        began_at=round_.began_at,
        now=now or utcnow(),
    )


def revoke(participant: RoundMember, *, actor: Actor) -> None:
    """End a member's access to this round at once."""
    if participant.revoked_at is None:
        ballots.audit_participant(participant, "ballot.revoked", actor)
    participant.revoked_at = participant.revoked_at or utcnow()


def reissue_link(participant: RoundMember, *, actor: Actor) -> int:
    """Send a member a new ballot link; every earlier link (and session) of theirs stops working.

    Only while the round is open and the member still has access. Votes already cast stay. The
    generation is counted up by one UPDATE of the member's row: a vote sent with the old link at
    the same moment reads the generation under a share lock of that row (ballots.cast_vote), so
    it lands before this commits (and counts) or is refused after; never in between.
    """
    round_ = locks.lock(Round, participant.round_id, shared=True)
    if round_.state != RoundState.OPEN:
        raise DomainError("round.not_open")
    if participant.revoked_at is not None or participant.member.removed_at is not None:
        raise DomainError("ballot.no_access")
    _raise_link_version(participant)
    ballots.audit_participant(
        participant, "ballot.reissued", actor, version=participant.link_version
    )
    mail_ballot(participant, purpose="ballot.reissued", template="ballot_invitation", replaces=True)
    return participant.link_version


def end_links(participant: RoundMember, *, actor: Actor) -> None:
    """End every ballot link (and session) of the member in a round that is no longer open,
    sending none in its place: a closed round's ballot still opens for reading until its grace
    ends, and after a corrected address it must not stay open to whoever got the mistyped mail.
    """
    locks.lock(Round, participant.round_id, shared=True)
    _raise_link_version(participant)
    ballots.audit_participant(
        participant, "ballot.links_ended", actor, version=participant.link_version
    )


def _raise_link_version(participant: RoundMember) -> None:
    """Count the member's link generation up by one UPDATE of their row (see reissue_link)."""
    db.session.execute(
        update(RoundMember)
        .where(RoundMember.id == participant.id)
        .values(link_version=RoundMember.link_version + 1)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(participant, ["link_version"])


def mail_ballot(
    participant: RoundMember, *, purpose: str, template: str, replaces: bool = False
) -> None:
    """Mail a member a fresh ballot link in their language (a meeting's: the invitation);
    ``replaces`` tells them it takes the place of the link they had."""
    member, round_ = participant.member, participant.round
    replacing = {
        item_id: replaced
        for item_id, seats in deputies.substitutes_by_item(round_).items()
        for replaced, deputy in seats.items()
        if deputy == member.id
    }
    names = {p.member_id: p.member.name for p in round_.participants}
    flagged = set(
        db.session.scalars(
            select(ConflictFlag.agenda_item_id).where(
                ConflictFlag.member_id == member.id,
                ConflictFlag.agenda_item_id.in_([item.id for item in round_.agenda]),
            )
        )
    )
    # A reminder or new link after a withdrawal names only what is still to be decided (a
    # withdrawn application's title may name people), in every list of the mail.
    items = [item for item in round_.agenda if item.application.state != State.WITHDRAWN]
    mail_to(
        member,
        purpose=purpose,
        template=template,
        member=member,
        round=round_,
        body=round_.body,
        items=items,
        # The titles of items the product found a likely conflict on: told before anyone votes.
        conflicted=[item.application.title for item in items if item.id in flagged],
        # A deputy is told whose seat they take on which item (empty for a full member).
        deputy=participant.seat == Seat.DEPUTY,
        replacing=[
            (item.application.title, names.get(replacing[item.id], ""))
            for item in items
            if item.id in replacing
        ],
        ballot_url=external_url("ballot.land", token=ballot_token(participant)),
        replaces=replaces,
    )


# --- tallies -----------------------------------------------------------------------------------


def tallies(round_: Round, excluded_pairs: set[tuple[int, int]] | None = None) -> dict[int, Tally]:
    """The current tally of every agenda item under the round's frozen rule.

    ``excluded_pairs`` are the (member, item) pairs excluded for a conflict of interest, when
    the caller has read them already (conflicts.excluded_pairs otherwise).
    """
    return {
        item_id: counted for item_id, (_seats, counted) in seats(round_, excluded_pairs).items()
    }


def seats(
    round_: Round, excluded_pairs: set[tuple[int, int]] | None = None
) -> dict[int, tuple[SeatVotes, Tally]]:
    """Per agenda item: who holds each seat (a member or their deputy) and the tally.

    The tally counts seats, the full members frozen into the round: a deputy's vote counts
    only for the seat of a member they were named for, while that member is absent or
    excluded (domain.composition.seat_votes), never on top. Each person has one position per
    item (a vote or a conflict, one row: the database holds it). Should a row still not fit
    (a vote by someone not frozen into the round, or, in a meeting, by a member marked absent
    while it was recorded), it is left out and logged: a tally never fails a page, the
    minutes, the closing or `tick`.
    """
    item_ids = [item.id for item in round_.agenda]
    waived = waived_applications(round_)
    # A member taken off the body mid-round no longer votes or counts (their votes neither).
    removed = _removed_members(round_)
    active = [p for p in round_.participants if p.member_id not in removed]
    people = {str(p.member_id) for p in active}
    full = {str(p.member_id) for p in active if p.seat == Seat.FULL}
    present = {str(p.member_id) for p in active if p.present} if round_.mode == "meeting" else None
    votes: dict[int, dict[str, str]] = {item_id: {} for item_id in item_ids}
    excluded: dict[int, set[str]] = {item_id: set() for item_id in item_ids}
    if excluded_pairs is None:
        excluded_pairs = conflicts.excluded_pairs(round_)
    for member_id, item_id in excluded_pairs:
        if str(member_id) in people:
            excluded[item_id].add(str(member_id))
    for position in db.session.scalars(
        select(Position).where(Position.agenda_item_id.in_(item_ids))
    ):
        member = str(position.member_id)
        if position.member_id in removed:
            pass  # taken off the body: the position no longer counts
        elif member not in people:
            _log.error(
                "round %s: position %s of a member outside the round left out",
                round_.id,
                position.id,
            )
        elif position.kind == "conflict":
            excluded[position.agenda_item_id].add(member)
        elif member in excluded[position.agenda_item_id]:
            pass  # excluded by a finding or ruling (which takes back votes)
        elif present is not None and member not in present:
            _log.error("round %s: vote %s of an absent member left out", round_.id, position.id)
        else:
            # A vote always has its choice (the CHECK vote_has_choice), a conflict never.
            assert position.choice is not None
            votes[position.agenda_item_id][member] = position.choice
    substitutes = deputies.substitutes_by_item(round_)
    applications = {item.id: item.application_id for item in round_.agenda}
    chair = casting_vote_of(round_)
    casting_vote = str(chair) if chair is not None else None
    result: dict[int, tuple[SeatVotes, Tally]] = {}
    for item_id in item_ids:
        seated = seat_votes(
            seats=full,
            substitutes={
                str(replaced): str(deputy)
                for replaced, deputy in substitutes.get(item_id, {}).items()
                if str(deputy) in people
            },
            votes=votes[item_id],
            excluded=excluded[item_id] & people,
            present=present,
        )
        result[item_id] = (
            seated,
            tally(
                members=seated.members,
                votes=seated.votes,
                conflicted=seated.conflicted,
                present=seated.present,
                rule=_rule_for(round_.rule, seated, casting_vote),
                waive_quorum=applications[item_id] in waived,
            ),
        )
    return result


def casting_vote_of(round_: Round) -> int | None:
    """The member whose own vote decides a tie in this round (§ 91 VwVfG), or None.

    Only where the body's rule gives its chair the casting vote (the frozen tie breaker, the
    body's usual chair). In a meeting whose chair is recorded, the chair of that meeting
    holds it: the member recorded, or nobody when the QM team chaired (the body's usual chair
    then sat as an ordinary member). A written round has no chair of its own: the rule's.
    """
    if round_.tie_breaker_id is None:
        return None
    if round_.mode == "meeting" and (
        round_.chair_id is not None or round_.chair_staff_id is not None
    ):
        return round_.chair_id
    return round_.tie_breaker_id


def _rule_for(rule: VotingRule, seated: SeatVotes, chair: str | None) -> VotingRule:
    """The round's rule for one item: the casting vote of `chair` (casting_vote_of) only
    while the chair holds their own seat on it.

    A tie is decided by the chair's own vote (§ 91 VwVfG); a deputy who votes in the chair's
    seat (the chair excluded for a conflict, absent, or not voting) casts an ordinary vote,
    and the tie then rejects.
    """
    if chair is not None and seated.holders.get(chair) == chair:
        return replace(rule, tie_breaker=chair)
    return replace(rule, tie_breaker=None)


def missing_votes(
    round_: Round, excluded_pairs: set[tuple[int, int]] | None = None
) -> dict[int, int]:
    """Per participant id: on how many items they can still vote but have not.

    Items a member is excluded from count as dealt with, and so does a seat a deputy voted
    for; a deputy has to vote only where they were named for a seat and the member has not
    voted; a member taken off the body has nothing left.
    """
    item_ids = [item.id for item in round_.agenda]
    if excluded_pairs is None:
        excluded_pairs = conflicts.excluded_pairs(round_)
    removed = _removed_members(round_)
    # An application withdrawn meanwhile asks nothing more of anyone (its ballot item shows
    # no form, and it gets no decision).
    withdrawn = withdrawn_items(round_)
    done: dict[int, set[int]] = {
        p.member_id: set(item_ids) if p.member_id in removed else set(withdrawn)
        for p in round_.participants
    }
    for member_id, item_id in excluded_pairs:
        done.setdefault(member_id, set()).add(item_id)
    voted: set[tuple[int, int]] = set()
    for member_id, item_id, kind in db.session.execute(
        select(Position.member_id, Position.agenda_item_id, Position.kind).where(
            Position.agenda_item_id.in_(item_ids)
        )
    ):
        done.setdefault(member_id, set()).add(item_id)
        if kind == "vote":
            voted.add((member_id, item_id))
    substitutes = deputies.substitutes_by_item(round_)
    to_do: dict[int, set[int]] = {}
    for participant in round_.participants:
        if participant.seat == Seat.DEPUTY:
            to_do[participant.member_id] = {
                item_id
                for item_id, seats_ in substitutes.items()
                for replaced, deputy in seats_.items()
                if deputy == participant.member_id and item_id not in done.get(replaced, set())
            }
        else:
            to_do[participant.member_id] = set(item_ids)
    for item_id, seats_ in substitutes.items():
        for replaced, deputy in seats_.items():
            if (deputy, item_id) in voted:
                done.setdefault(replaced, set()).add(item_id)  # the deputy voted for the seat
    return {
        p.id: len(to_do[p.member_id] - done.get(p.member_id, set())) for p in round_.participants
    }


# --- reminders, objection, closing -------------------------------------------------------------


def send_reminders(round_: Round, *, now: datetime | None = None) -> int:
    """Mail a fresh link to every member who has not voted on everything yet; how many.

    Under the round's lock, and only if nobody reminded the members since the caller read the
    round: two ticks at once (cron overlapping, a timer on every app server), or staff's button
    and the tick, send one reminder, not two (the second finds it sent and sends none).
    """
    seen = round_.reminded_at  # as the caller read it, before the lock reads it afresh
    round_ = locks.lock(Round, round_.id)
    if round_.state != RoundState.OPEN:
        raise DomainError("round.not_open")
    if round_.reminded_at != seen:
        return 0
    now = now or utcnow()
    missing = missing_votes(round_)
    count = 0
    for participant in round_.participants:
        # Only to members whose link still opens the ballot (not revoked, not taken off the
        # body, term not over): the mail would hand out a link that no longer works.
        if missing[participant.id] and access_refusal_now(participant, now=now) is None:
            mail_ballot(participant, purpose="ballot.reminder", template="ballot_reminder")
            participant.reminded_at = now
            count += 1
    round_.reminded_at = now
    return count


def object_to_writing(
    participant: RoundMember, *, now: datetime | None = None, link_version: int | None = None
) -> None:
    """A member objects to deciding in writing: every item goes back to be decided in a meeting.

    Only before the deadline: after it nothing on a round changes, and closing (`tick`, maybe
    minutes later) takes the round as it stood at the deadline. The round is locked, so an
    objection and a close sent at once happen one after the other. ``link_version`` is the
    generation of the ballot link the member came with: one staff replaced since is refused.
    """
    now = now or utcnow()
    objector = Actor.member(participant.member_id)  # an objection is the member's own act
    round_ = locks.lock(Round, participant.round_id)
    # After the round's lock (which a new link's shared lock waits for), read afresh.
    ballots.check_link(participant, link_version)
    if round_.mode != "circulation":
        raise DomainError("round.not_open")
    if participant.seat == Seat.DEPUTY and not deputies.seats_of(participant):
        # A deputy acts as a member only in a seat staff named them for (DESIGN.md §1).
        raise DomainError("ballot.deputy_no_seat_to_object")
    deferred = move_round(round_.state, RoundState.DEFERRED)
    if now >= _deadline(round_):
        raise DomainError("ballot.round_closed")
    round_.state, round_.objected_by_id, round_.objected_at = (
        deferred,
        participant.member_id,
        now,
    )
    _audit(round_, "round.objected", objector, member_id=participant.member_id)
    for item in round_.agenda:
        # Each waiting application goes back to be decided in a meeting; one its applicant
        # withdrew meanwhile stays withdrawn (read under its lock, as the move itself is).
        application = locks.lock(Application, item.application_id)
        if application.state == State.SCHEDULED:
            history.transition(application, State.READY, actor=objector, note="§ 90 (1) VwVfG")
    notices.round_objected(round_)


def close_round(
    round_: Round, *, actor: Actor, now: datetime | None = None, early_reason: str = ""
) -> dict[int, Tally]:
    """Tally every item with the frozen rule and record the outcomes that need no confirmation.

    The round is locked first: votes still being written finish before the tally, later ones
    find the round closed, and a second close (staff and `tick` at once) is refused. Closing
    a written round before its deadline while members have not voted needs a reason, which
    the minutes show.
    """
    round_ = locks.lock(Round, round_.id)
    closed = move_round(round_.state, RoundState.CLOSED)
    # Each application read afresh under its lock, in id order as every opening takes them: an
    # application withdrawn at this moment is withdrawn before the close (and gets no decision)
    # or after it (and is decided), never found scheduled here and withdrawn when decided.
    for application_id in sorted(item.application_id for item in round_.agenda):
        locks.lock(Application, application_id)
    if round_.mode == "meeting" and not meeting_begun(round_, now or utcnow()):
        # A meeting's votes are taken in the room: closed before it, every item would get a
        # "no quorum" decision dated before the body met.
        raise DomainError("round.meeting_not_begun")
    _hold_members(round_)
    if (
        round_.mode == "circulation"
        and (now or utcnow()) < _deadline(round_)
        and any(missing_votes(round_).values())
    ):
        if not early_reason.strip():
            raise DomainError("round.early_close_reason", field="reason")
        round_.closed_early_reason = early_reason.strip()
    results = tallies(round_)
    round_.state, round_.closed_at = closed, now or utcnow()
    for item in round_.agenda:
        result = results[item.id]
        item.result = result.outcome.value
        item.eligible, item.participating, item.quorum_needed = (
            result.eligible,
            result.participating,
            result.quorum_needed,
        )
        item.yes, item.no, item.abstain = result.yes, result.no, result.abstain
        # An application withdrawn while the round was open keeps its tally in the minutes
        # but gets no decision: nothing may stop a round from closing. Approvals and
        # rejections wait for staff to confirm them (amount; reasons) and are recorded then.
        if item.result == Outcome.NO_QUORUM and item.application.state == State.SCHEDULED:
            decisions.record_outcome(item, actor=actor)
    db.session.flush()
    _audit(
        round_,
        "round.closed",
        actor,
        results={
            str(item.application_id): {
                "result": item.result,
                "yes": item.yes,
                "no": item.no,
                "abstain": item.abstain,
                "participating": item.participating,
                "eligible": item.eligible,
            }
            for item in round_.agenda
        },
    )
    return results


def due_rounds(now: datetime) -> tuple[list[Round], list[Round]]:
    """Open circulation rounds that need a reminder, and those past their deadline."""
    rounds = db.session.scalars(
        select(Round)
        .where(Round.state == RoundState.OPEN.value, Round.mode == "circulation")
        .order_by(Round.id)  # two ticks at once lock the rounds in one order
    ).all()
    to_remind = [r for r in rounds if _reminder_due(r, now)]
    to_close = [r for r in rounds if _deadline(r) <= now]
    return to_remind, to_close


def _hold_members(round_: Round) -> None:
    """Read the round's members afresh and hold them so until the close commits: the tally
    counts who was off the body when the vote ended, so taking a member off (or ending their
    term) waits for the close, or the close waits for it and sees it (FOR SHARE on PostgreSQL,
    after the round's lock; on SQLite the round's lock is the database's write lock)."""
    ids = [participant.member_id for participant in round_.participants]
    query = select(Member).where(Member.id.in_(ids)).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    db.session.scalars(query).all()


def _hold_body_members(body_id: int) -> None:
    """Read the body's members afresh and hold them until the opening commits, after the
    round's lock: an address corrected at the same moment is written before the ballot links
    are mailed (and mailed to the new address), or after, and then reissues the new round's
    links itself (setup.save_member). FOR SHARE on PostgreSQL; SQLite has one writer."""
    query = (
        select(Member).where(Member.body_id == body_id).execution_options(populate_existing=True)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=True)
    db.session.scalars(query).all()


def _reminder_due(round_: Round, now: datetime) -> bool:
    """Whether the round is in its last REMINDER_BEFORE and nobody has reminded its members in
    that window yet. A reminder staff sent earlier (or one sent before the deadline was moved
    later) does not stand for the one before the deadline."""
    window_opens = _deadline(round_) - REMINDER_BEFORE
    reminded = round_.reminded_at
    return window_opens <= now < _deadline(round_) and (reminded is None or reminded < window_opens)


def _removed_members(round_: Round) -> set[int]:
    """The round's members who left the body before its vote ended: taken off it, or their
    term over, before a written round's deadline (or its early close) or a meeting's start.

    What happens after the vote ended does not change it: closing (`tick`, maybe minutes
    later, or staff days after a meeting) counts the round as it stood then.
    """
    ended = min(utcnow(), _vote_ended_at(round_))
    last_day = clock.local_day(ended, round_.body.area.timezone)
    # The pages load the members with the round (with_agenda): no query there.
    return {
        p.member_id
        for p in round_.participants
        if (p.member.removed_at is not None and p.member.removed_at < ended)
        or not within_term(last_day, p.member.term_start, p.member.term_end)
    }


def _vote_ended_at(round_: Round) -> datetime:
    """When the round's vote ends or ended (lifecycles.vote_ended_at); every round has one (the
    CHECKs circulation_deadline and meeting_date)."""
    ended = ballots.vote_ended_of(round_)
    assert ended is not None, f"round {round_.id} without a deadline or date"
    return ended


def _deadline(round_: Round) -> datetime:
    """A circulation round's deadline: it always has one (the CHECK circulation_deadline)."""
    assert round_.deadline is not None, f"circulation round {round_.id} without a deadline"
    return round_.deadline


def _audit(round_: Round, action: str, actor: Actor, **data: Any) -> None:
    """Record a round's step in the audit trail, filed under its body's area."""
    audit.record_about(round_, action, actor=actor, area_id=round_.body.area_id, **data)
