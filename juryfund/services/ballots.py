"""What members do on their ballot, and what staff record for them in a meeting."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    CursorResult,
    Exists,
    Select,
    Table,
    delete,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from ..domain.actors import Actor
from ..domain.composition import Seat
from ..domain.conflicts import excluded
from ..domain.errors import DomainError
from ..domain.lifecycles import RoundState, ballot_refusal, vote_ended_at, within_term
from ..domain.states import State
from ..domain.voting import Choice
from ..extensions import db
from ..infra import audit, clock
from ..models import (
    AgendaItem,
    Application,
    Area,
    Body,
    ConflictFlag,
    ConflictRuling,
    Member,
    Position,
    Round,
    RoundMember,
    Substitution,
    Vote,
)
from ..models.base import utcnow
from . import locks


def _insert(table: Table) -> PgInsert | SqliteInsert:
    """INSERT … ON CONFLICT for the dialect in use (SQLite and PostgreSQL both have it)."""
    return (pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert)(
        table
    )


def _audit(
    action: str, participant: RoundMember, item: AgendaItem, actor: Actor, **data: object
) -> None:
    """Record a ballot change on an agenda item in the audit trail."""
    audit_participant(
        participant, action, actor, about=item, application_id=item.application_id, **data
    )


def audit_participant(
    participant: RoundMember,
    action: str,
    actor: Actor,
    *,
    about: AgendaItem | RoundMember | None = None,
    **data: Any,
) -> None:
    """Record an event of a member's part in a round, naming the round and the member."""
    audit.record_about(
        about or participant,
        action,
        actor=actor,
        area_id=participant.round.body.area_id,
        round_id=participant.round_id,
        member_id=participant.member_id,
        **data,
    )


def check_link(
    participant: RoundMember, link_version: int | None, *, now: datetime | None = None
) -> None:
    """Refuse a member whose access ended since the request read it (revoked, taken off the
    body, or their term over), or who acts with a ballot link staff replaced since
    (`link_version` None: staff record it, with no link).

    Read in the transaction that writes: on PostgreSQL under a share lock of the member's rows,
    which staff revoking, removing or sending a new link update (rounds.revoke, reissue_link,
    setup.remove_member), so one of the two waits for the other; on SQLite after the write,
    inside the database's one write lock.
    """
    query = _grant_now(participant)
    if _postgresql():
        query = query.with_for_update(read=True, of=[RoundMember, Member])
    grant = db.session.execute(query).one()
    _refuse_changed_grant(
        grant, link_version=link_version, as_of=membership_as_of(participant.round, now)
    )


#: The columns `_grant_now` reads, in order (`_refuse_changed_grant` takes them so).
GRANT_COLUMNS = 6


def _grant_now(
    participant: RoundMember,
) -> Select[int, datetime | None, datetime | None, date, date | None, str]:
    """The member's link generation, revocation, removal and term (with the area's time zone,
    whose day the term counts in) as they are now."""
    return (
        select(
            RoundMember.link_version,
            RoundMember.revoked_at,
            Member.removed_at,
            Member.term_start,
            Member.term_end,
            Area.timezone,
        )
        .join(Member, Member.id == RoundMember.member_id)
        .join(Body, Body.id == Member.body_id)
        .join(Area, Area.id == Body.area_id)
        .where(RoundMember.id == participant.id)
    )


def _refuse_changed_grant(
    grant: Sequence[Any], *, link_version: int | None, as_of: datetime
) -> None:
    """Refuse when the grant read now is revoked, its link replaced, or its member was taken
    off the body or out of their term (on the area's day) by `as_of` (membership_as_of)."""
    current_link, revoked_at, removed_at, term_start, term_end, timezone = grant
    if revoked_at is not None or (removed_at is not None and removed_at < as_of):
        raise DomainError("ballot.no_access")
    if not within_term(clock.local_day(as_of, timezone), term_start, term_end):
        raise DomainError("ballot.term_over")
    if link_version is not None and current_link != link_version:
        raise DomainError("ballot.link_replaced")


def _check_open(participant: RoundMember, item: AgendaItem, now: datetime) -> None:
    """Changes only while the round is open, on the round's own items, by members with access.

    A vote racing the round's close or an objection lands before it or is refused. On
    PostgreSQL the round row is locked FOR SHARE (votes of one round go on side by side, a close
    waits for them) and read afresh here. SQLite has one writer at a time: taking its write
    lock before these reads would make every vote wait for every other (the benchmark's vote
    POST fell from 618 to 408 req/s), so there the write comes first and `_confirm_open` reads
    the round again inside the write lock.
    """
    if item.round_id != participant.round_id:
        raise DomainError("ballot.wrong_round")
    if _postgresql():
        # Read afresh under the lock: what refusal_now looks at. A refresh of these columns
        # alone (not locks.lock, whose fresh load of the whole row would drop the round's
        # loaded body, read again for the audit event's area).
        db.session.refresh(participant.round, ROUND_STATE_COLUMNS, with_for_update={"read": True})
    refusal = refusal_now(participant, now=now)
    if refusal:
        raise DomainError(refusal)


def _confirm_open(participant: RoundMember, now: datetime) -> None:
    """After the write, on SQLite: refuse (so the write rolls back) if the round closed or its
    deadline passed while this request ran; the write lock now keeps it so until commit."""
    if _postgresql():
        return  # the shared lock taken before the write holds the round as it was read
    state, mode, deadline = db.session.execute(
        select(Round.state, Round.mode, Round.deadline).where(Round.id == participant.round_id)
    ).one()
    refusal = ballot_refusal(state=state, mode=mode, deadline=deadline, now=now, revoked=False)
    if refusal:
        raise DomainError(refusal)


def _postgresql() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


#: What of a round decides whether its members may act (refusal_now).
ROUND_STATE_COLUMNS = ["state", "mode", "deadline"]


def vote_ended_of(round_: Round) -> datetime | None:
    """When the round's vote ends or ended (lifecycles.vote_ended_at)."""
    return vote_ended_at(
        mode=round_.mode,
        deadline=round_.deadline,
        closed_at=round_.closed_at,
        meeting_at=round_.meeting_at,
        began_at=round_.began_at,
    )


def membership_as_of(round_: Round, now: datetime | None = None) -> datetime:
    """The moment whose membership counts for a change now: now, or a meeting's start once it
    began (staff record its votes afterwards, as the members stood in the room)."""
    now = now or utcnow()
    ended = vote_ended_of(round_)
    return min(now, ended) if ended is not None else now


def refusal_now(participant: RoundMember, *, now: datetime | None = None) -> str | None:
    """Why the member may not change a vote or conflict in this round now (None: they may)."""
    round_ = participant.round
    now = now or utcnow()
    member = participant.member
    as_of = membership_as_of(round_, now)
    refusal = ballot_refusal(
        state=round_.state,
        mode=round_.mode,
        deadline=round_.deadline,
        now=now,
        revoked=participant.revoked_at is not None
        or (member.removed_at is not None and member.removed_at < as_of),
    )
    if refusal is None and not within_term(
        clock.local_day(as_of, round_.body.area.timezone), member.term_start, member.term_end
    ):
        return "ballot.term_over"
    return refusal


def meeting_has_begun(
    *, mode: str, meeting_at: datetime | None, began_at: datetime | None, now: datetime
) -> bool:
    """Whether a meeting round's meeting has begun (as recorded, else as invited): from then on
    the QM team records its conflicts of interest with the meeting, not the member's ballot."""
    if mode != "meeting":
        return False
    start = vote_ended_at(
        mode=mode, deadline=None, closed_at=None, meeting_at=meeting_at, began_at=began_at
    )
    return start is not None and now >= start


def declaration_refusal(participant: RoundMember, *, now: datetime | None = None) -> str | None:
    """Why the member may not declare a conflict on their own ballot now (None: they may).

    As refusal_now, and in a meeting round not once the meeting has begun: what the room
    decided is recorded by staff (cast_vote, the meeting record), and a declaration sent from
    home afterwards would take the place of the vote staff recorded.
    """
    now = now or utcnow()
    refusal = refusal_now(participant, now=now)
    if refusal is None and meeting_has_begun(
        mode=participant.round.mode,
        meeting_at=participant.round.meeting_at,
        began_at=participant.round.began_at,
        now=now,
    ):
        return "ballot.meeting_conflict"
    return refusal


def _position(participant: RoundMember, item: AgendaItem) -> tuple[str | None, str | None]:
    """The member's current position on the item: (kind, choice), (None, None) when none."""
    row = db.session.execute(
        select(Position.kind, Position.choice).where(
            Position.agenda_item_id == item.id, Position.member_id == participant.member_id
        )
    ).one_or_none()
    return (row.kind, row.choice) if row is not None else (None, None)


def _finding_and_ruling(participant: RoundMember, item: AgendaItem) -> tuple[Any, Any]:
    """Columns for a read: whether the product found a conflict of the member on the item, and
    the body's ruling on it (None: none)."""
    flagged = exists().where(
        ConflictFlag.agenda_item_id == item.id, ConflictFlag.member_id == participant.member_id
    )
    ruled = (
        select(ConflictRuling.excluded)
        .where(
            ConflictRuling.agenda_item_id == item.id,
            ConflictRuling.member_id == participant.member_id,
        )
        .scalar_subquery()
    )
    return flagged, ruled


def _vote_standing(
    participant: RoundMember, item: AgendaItem
) -> tuple[str | None, str | None, bool]:
    """The member's position on the item (kind, choice: None, None when none) and whether the
    product's finding or the body's ruling keeps them from it, in one read."""
    mine = (Position.agenda_item_id == item.id) & (Position.member_id == participant.member_id)
    kind, choice, detected, ruling, state = db.session.execute(
        select(
            select(Position.kind).where(mine).scalar_subquery(),
            select(Position.choice).where(mine).scalar_subquery(),
            *_finding_and_ruling(participant, item),
            Application.state,
        )
        .where(Application.id == item.application_id)
        # The application row shared (PostgreSQL; SQLite ignores it): a withdrawal, which locks
        # it, lands wholly before this vote (refused here) or after it.
        .with_for_update(read=True, of=Application)
    ).one()
    if state == State.WITHDRAWN.value:
        raise DomainError("ballot.withdrawn")
    return kind, choice, excluded(detected=bool(detected), declared=False, ruled=ruling)


def _withdrawn(item: AgendaItem) -> Exists:
    """A column for a read: whether the applicant withdrew the item's application."""
    return exists().where(
        Application.id == item.application_id, Application.state == State.WITHDRAWN.value
    )


def _refuse_withdrawn(item: AgendaItem) -> None:
    """Refuse a change of position on an application its applicant withdrew, read under the
    application's shared lock on PostgreSQL (after the write's lock on SQLite)."""
    query = select(_withdrawn(item))
    if _postgresql():
        query = (
            select(Application.state == State.WITHDRAWN.value)
            .where(Application.id == item.application_id)
            .with_for_update(read=True)
        )
    if db.session.scalar(query):
        raise DomainError("ballot.withdrawn")


def _confirm_vote_after_write(
    participant: RoundMember, item: AgendaItem, now: datetime, link_version: int | None
) -> None:
    """On SQLite, inside the write lock the vote's write took, in one read: the round is still
    open (as `_confirm_open`), the member's access not ended nor their link replaced since (as
    `check_link`), no ruling of the body landed between the check and the lock, a deputy still
    holds the seat they vote in and, in a meeting, the member is still marked present
    (PostgreSQL's locks kept all of them as read)."""
    row = db.session.execute(
        _grant_now(participant)
        .join(Round, Round.id == RoundMember.round_id)
        .add_columns(
            Round.state,
            Round.mode,
            Round.deadline,
            RoundMember.present,
            _seat_held(participant, item),
            _withdrawn(item),
            *_finding_and_ruling(participant, item),
        )
    ).one()
    grant, (state, mode, deadline, present, seat_held, withdrawn, detected, ruling) = (
        row[:GRANT_COLUMNS],
        row[GRANT_COLUMNS:],
    )
    refusal = ballot_refusal(state=state, mode=mode, deadline=deadline, now=now, revoked=False)
    if refusal:
        raise DomainError(refusal)
    _refuse_changed_grant(
        grant, link_version=link_version, as_of=membership_as_of(participant.round, now)
    )
    if withdrawn:  # the applicant withdrew between the check and the lock
        raise DomainError("ballot.withdrawn")
    if excluded(detected=bool(detected), declared=False, ruled=ruling):
        raise DomainError("ballot.excluded")
    if mode == "meeting" and not present:  # marked absent between the check and the lock
        raise DomainError("ballot.not_present")
    if participant.seat == Seat.DEPUTY and not seat_held:  # the seat was withdrawn meanwhile
        raise DomainError("ballot.deputy_no_seat")
    if mode == "meeting" and participant.seat == Seat.DEPUTY:  # the member marked present since
        _refuse_seat_kept(participant, item)


def holds_seat_on(participant: RoundMember, item: AgendaItem) -> bool:
    """Whether staff named this deputy for a full member's seat on the item."""
    return bool(db.session.scalar(select(_seat_held(participant, item))))


def _seat_held(participant: RoundMember, item: AgendaItem) -> Exists:
    """A column for a read: whether staff named this member as a deputy for a seat on the item."""
    return exists().where(
        Substitution.agenda_item_id == item.id, Substitution.deputy_id == participant.member_id
    )


def _kept_from(member_id: Any, item_id: Any) -> ColumnElement[bool]:
    """An SQL condition: the member is kept from voting on the item (domain.conflicts.excluded:
    a conflict they declared; else the body's ruling, else the product's finding)."""
    declared = aliased(Position)  # its own alias: never correlated with a Position outside
    flag = aliased(ConflictFlag)
    ruling = aliased(ConflictRuling)
    return or_(
        exists().where(
            declared.agenda_item_id == item_id,
            declared.member_id == member_id,
            declared.kind == "conflict",
        ),
        func.coalesce(
            select(ruling.excluded)
            .where(ruling.agenda_item_id == item_id, ruling.member_id == member_id)
            .scalar_subquery(),
            exists().where(flag.agenda_item_id == item_id, flag.member_id == member_id),
        ),
    )


def _refuse_seat_kept(participant: RoundMember, item: AgendaItem) -> None:
    """Refuse a deputy's vote in a meeting while the member whose seat staff named them for on
    the item is marked present and not kept from the item: that member holds their own seat
    (domain.composition.seat_votes), and a second vote for it would count for nothing."""
    seat = aliased(RoundMember)
    member = db.session.scalar(
        select(Member.name)
        .join(Substitution, Substitution.replaces_id == Member.id)
        .join(
            seat,
            (seat.member_id == Substitution.replaces_id) & (seat.round_id == Substitution.round_id),
        )
        .where(
            Substitution.agenda_item_id == item.id,
            Substitution.deputy_id == participant.member_id,
            seat.present.is_(True),
            ~_kept_from(Substitution.replaces_id, item.id),
        )
    )
    if member is not None:
        raise DomainError(
            "ballot.member_holds_seat",
            deputy=participant.member.name,
            member=member,
            title=item.application.title,
        )


def _refuse_deputy_voted(participant: RoundMember, item: AgendaItem | None = None) -> None:
    """Refuse marking a full member present in a meeting while a deputy named for their seat
    has a vote on an item the member is not kept from: the member would take the seat back
    and the deputy's vote, recorded as cast, would silently stop counting. With `item`: the
    same for that item alone, whatever keeps the member from it now (the body is about to
    lift it, refuse_seat_taken_back)."""
    on_items = (
        Substitution.agenda_item_id == item.id
        if item is not None
        else ~_kept_from(participant.member_id, Substitution.agenda_item_id)
    )
    deputy = db.session.scalar(
        select(Member.name)
        .join(Substitution, Substitution.deputy_id == Member.id)
        .join(
            Position,
            (Position.agenda_item_id == Substitution.agenda_item_id)
            & (Position.member_id == Substitution.deputy_id),
        )
        .where(
            Substitution.round_id == participant.round_id,
            Substitution.replaces_id == participant.member_id,
            Position.kind == "vote",
            on_items,
        )
        .limit(1)
    )
    if deputy is not None:
        raise DomainError(
            "meeting.deputy_voted_in_seat", deputy=deputy, member=participant.member.name
        )


def refuse_seat_taken_back(participant: RoundMember, item: AgendaItem) -> None:
    """Refuse lifting a present full member's conflict on an item in a meeting while their
    deputy's vote stands in the seat: the member would hold it again and the deputy's vote
    would silently stop counting (as set_presence refuses)."""
    if participant.round.mode == "meeting" and participant.present:
        _refuse_deputy_voted(participant, item)


def is_conflicted(participant: RoundMember, item: AgendaItem) -> bool:
    """True when the member declared a conflict of interest on this item."""
    return _position(participant, item)[0] == "conflict"


def _acting(participant: RoundMember, actor: Actor | None) -> Actor:
    """Who acts on a ballot: the given actor (staff recording a meeting), else the member."""
    return actor if actor is not None else Actor.member(participant.member_id)


def cast_vote(
    participant: RoundMember,
    item: AgendaItem,
    choice: str,
    *,
    actor: Actor | None = None,
    link_version: int | None = None,
) -> None:
    """Record or change a vote; one row per member and item however often it is sent.

    The write itself refuses to turn a conflict into a vote (ON CONFLICT … WHERE kind =
    'vote'), so a vote and a conflict declaration sent at once from two tabs leave one
    position, never both. ``link_version`` is the generation of the ballot link the member
    came with: a replaced link is refused (see check_link).
    """
    actor = _acting(participant, actor)
    now = utcnow()
    _check_open(participant, item, now)
    if _postgresql():
        check_link(participant, link_version)
    if choice not in {c.value for c in Choice}:
        raise DomainError("ballot.choice_required", field="choice")
    choice = Choice(choice).value
    if participant.round.mode == "meeting":
        if actor.staff_id is None:  # in a meeting only staff record votes
            raise DomainError("ballot.meeting_mode")
        db.session.refresh(participant, ["present"])  # read after the round lock
        if not participant.present:
            raise DomainError("ballot.not_present")
    kind, previous, kept_from_item = _vote_standing(participant, item)
    if kind == "conflict":
        raise DomainError("ballot.conflicted")
    if kept_from_item:
        raise DomainError("ballot.excluded")
    if participant.seat == Seat.DEPUTY and not holds_seat_on(participant, item):
        raise DomainError("ballot.deputy_no_seat")
    if participant.round.mode == "meeting" and participant.seat == Seat.DEPUTY:
        # Read after the round's lock (shared on PostgreSQL; marking presence takes it
        # exclusively); on SQLite asked again inside the write lock.
        _refuse_seat_kept(participant, item)
    table = Position.__table__
    recorded_by_id = actor.staff_id
    statement = _insert(table).values(
        agenda_item_id=item.id,
        member_id=participant.member_id,
        kind="vote",
        choice=choice,
        reason="",
        at=now,
        recorded_by_id=recorded_by_id,
    )
    written = db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["agenda_item_id", "member_id"],
            set_={"choice": choice, "at": now, "recorded_by_id": recorded_by_id},
            where=table.c.kind == "vote",
        ).returning(table.c.id)
    ).first()
    if written is None:  # a conflict was declared in between
        raise DomainError("ballot.conflicted")
    if not _postgresql():
        # On SQLite the round may have closed, the link been replaced or the body's ruling
        # landed between the checks and the write lock; the lock is held now.
        _confirm_vote_after_write(participant, item, now, link_version)
    if previous != choice:  # the same vote sent again changes nothing
        _audit("vote.cast", participant, item, actor, choice=choice, previous=previous)


def declare_conflict(
    participant: RoundMember,
    item: AgendaItem,
    reason: str,
    *,
    actor: Actor | None = None,
    link_version: int | None = None,
) -> None:
    """Declare a conflict of interest on an item: it takes the place of the member's vote
    (refused with a replaced ballot link, as a vote is).

    In a meeting round the member declares on their ballot only before the meeting begins
    (declaration_refusal); then staff record it with the meeting. A member's declaration never
    takes the place of a position staff recorded in a meeting (ON CONFLICT … WHERE
    recorded_by_id IS NULL), should staff have recorded one before the invited time.
    """
    actor = _acting(participant, actor)
    now = utcnow()
    _check_open(participant, item, now)
    by_member_in_meeting = actor.staff_id is None and participant.round.mode == "meeting"
    if by_member_in_meeting and meeting_has_begun(
        mode="meeting",
        meeting_at=participant.round.meeting_at,
        began_at=participant.round.began_at,
        now=now,
    ):
        raise DomainError("ballot.meeting_conflict")
    if _postgresql():
        check_link(participant, link_version)
    if not reason.strip():
        raise DomainError("ballot.reason_required", field="reason")
    if _postgresql():
        _refuse_withdrawn(item)
    conflicted = is_conflicted(participant, item)
    table = Position.__table__
    values = dict(
        kind="conflict", choice=None, reason=reason.strip(), at=now, recorded_by_id=actor.staff_id
    )
    statement = _insert(table).values(
        agenda_item_id=item.id, member_id=participant.member_id, **values
    )
    written = db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["agenda_item_id", "member_id"],
            set_=values,
            where=table.c.recorded_by_id.is_(None) if by_member_in_meeting else None,
        ).returning(table.c.id)
    ).first()
    if written is None:  # staff recorded the member's position in the meeting
        raise DomainError("ballot.meeting_conflict")
    if not conflicted:  # the reason is not recorded: it may be personal
        _audit("conflict.declared", participant, item, actor)
    _confirm_open(participant, now)
    if not _postgresql():
        check_link(participant, link_version)
        _refuse_withdrawn(item)  # inside the write lock the declaration took


def clear_vote(participant: RoundMember, item: AgendaItem, *, actor: Actor) -> None:
    """Remove a member's vote on an item (staff correcting the meeting record).

    Without a vote there is nothing to clear, and nothing is refused: a member who left the
    body before the meeting, or whose access ended, has none, and the meeting record is saved
    without them.
    """
    if _position(participant, item)[0] != "vote":
        return
    now = utcnow()
    _check_open(participant, item, now)
    # A DELETE's result is a CursorResult (it has rowcount), but Session.execute is typed to
    # return a plain Result for every statement: SQLAlchemy's typing leaves only a cast.
    removed = cast(
        CursorResult[Any],
        db.session.execute(
            delete(Vote).where(
                Vote.agenda_item_id == item.id, Vote.member_id == participant.member_id
            )
        ),
    )
    if removed.rowcount:
        _confirm_open(participant, now)
        _audit("vote.cleared", participant, item, actor)


def set_presence(participant: RoundMember, present: bool, *, actor: Actor) -> None:
    """Record in a meeting whether a member is present; an absent member's votes are withdrawn.

    A full member is not marked present while a deputy's vote stands in their seat (see
    _refuse_deputy_voted): staff remove the deputy's vote first.
    """
    round_ = locks.lock(Round, participant.round_id)
    if round_.mode != "meeting" or round_.state != RoundState.OPEN:
        raise DomainError("ballot.round_closed")
    if present and participant.seat == Seat.FULL:
        _refuse_deputy_voted(participant)
    if participant.present != present:
        audit_participant(participant, "presence.set", actor, present=present)
    participant.present = present
    if not present:
        item_ids = [item.id for item in participant.round.agenda]
        db.session.execute(
            delete(Vote).where(
                Vote.agenda_item_id.in_(item_ids), Vote.member_id == participant.member_id
            )
        )
    db.session.flush()


@dataclass(frozen=True)
class MeetingRecord:
    """A meeting's record as it is now: presence by participant id, and the votes' choices and
    the declared conflicts' reasons by (member id, item id)."""

    present: dict[int, bool | None]
    votes: dict[tuple[int, int], str]
    reasons: dict[tuple[int, int], str]


def meeting_record_now(round_: Round) -> MeetingRecord:
    """Lock a meeting round for a save of its record and read the record as it is now.

    Two saves of the record go one after the other (the round's row lock), and each compares
    what its form showed with what this returns, read after the lock: what a colleague saved
    meanwhile. The participants are read afresh too. Refused unless the round is an open
    meeting (as set_presence).
    """
    locked = locks.lock(Round, round_.id)
    if locked.mode != "meeting" or locked.state != RoundState.OPEN:
        raise DomainError("ballot.round_closed")
    participants = db.session.scalars(
        select(RoundMember)
        .where(RoundMember.round_id == locked.id)
        .execution_options(populate_existing=True)
    ).all()
    rows = db.session.execute(
        select(Position.member_id, Position.agenda_item_id, Position.kind, Position.choice)
        .add_columns(Position.reason)
        .join(AgendaItem, AgendaItem.id == Position.agenda_item_id)
        .where(AgendaItem.round_id == locked.id)
    ).all()
    return MeetingRecord(
        present={participant.id: participant.present for participant in participants},
        votes={(m, i): choice for m, i, kind, choice, _ in rows if kind == "vote" and choice},
        reasons={(m, i): reason for m, i, kind, _, reason in rows if kind == "conflict"},
    )
