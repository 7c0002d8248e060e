"""Conflicts of interest in a round: found when it opens, declared, ruled on by the body.

The product's finding (ConflictFlag) and a member's declaration (a ConflictDeclaration
position) exclude the member from the item; only the body decides otherwise, and staff record
that decision (ConflictRuling, § 20 (4) VwVfG). domain.conflicts says who is excluded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import and_, delete, select
from sqlalchemy.orm import selectinload

from ..domain.actors import SYSTEM, Actor
from ..domain.conflicts import Ground, Party, RaisedBy, likely_conflict
from ..domain.conflicts import excluded as is_excluded
from ..domain.errors import DomainError
from ..domain.lifecycles import seats_refusal
from ..extensions import db
from ..models import (
    AgendaItem,
    Application,
    ConflictDeclaration,
    ConflictFlag,
    ConflictRuling,
    Member,
    Position,
    Round,
    RoundMember,
    Vote,
)
from ..models.base import utcnow
from . import ballots, locks

#: (member id, agenda item id)
Pair = tuple[int, int]
Row = TypeVar("Row", ConflictFlag, ConflictDeclaration, ConflictRuling)


@dataclass(frozen=True)
class Standing:
    """Everything about one member's conflict on one item: found, declared, ruled."""

    member_id: int
    item_id: int
    grounds: tuple[str, ...] = ()
    declaration: ConflictDeclaration | None = None
    ruling: ConflictRuling | None = None

    @property
    def excluded(self) -> bool:
        """Whether the member is excluded from voting on the item now."""
        return is_excluded(
            detected=bool(self.grounds),
            declared=self.declaration is not None,
            ruled=self.ruling.excluded if self.ruling is not None else None,
        )

    @property
    def raised_by(self) -> RaisedBy:
        """Who brought the conflict up (a ruling keeps it; a lifted declaration is gone)."""
        if self.ruling is not None:
            return RaisedBy(self.ruling.raised_by)
        if self.declaration is not None:
            return RaisedBy.MEMBER
        return RaisedBy.DETECTED if self.grounds else RaisedBy.STAFF


def _member_party(member: Member) -> Party:
    return Party(name=member.name, email=member.email, organisation=member.organisation)


def _applicant_party(application: Application) -> Party:
    texts = (
        application.title,
        application.description,
        application.goals,
        application.target_group,
        application.place,
        application.in_kind,
        application.cofunding_source,
        *(line.description for line in application.cost_items),
    )
    return Party(
        name=application.applicant_name,
        email=application.email,
        organisation=application.organisation,
        texts=texts,
    )


def detect(members: Iterable[Member], items: Iterable[AgendaItem]) -> dict[Pair, list[str]]:
    """Likely conflicts by (member id, item id): the grounds found, in a fixed order."""
    items = list(items)
    # The cost lines are part of what a member may be named in: one query for all of them.
    db.session.scalars(
        select(Application)
        .where(Application.id.in_([item.application_id for item in items]))
        .options(selectinload(Application.cost_items))
    ).all()
    applicants = [(item, _applicant_party(item.application)) for item in items]
    found: dict[Pair, list[str]] = {}
    for member in members:
        person = _member_party(member)
        for item, applicant in applicants:
            grounds = likely_conflict(person, applicant)
            if grounds:
                found[(member.id, item.id)] = [g.value for g in Ground if g in grounds]
    return found


def flag_at_opening(round_: Round, participants: Iterable[RoundMember]) -> int:
    """Store the likely conflicts of a round that opens now (they exclude until ruled on)."""
    by_member = {p.member_id: p for p in participants}
    found = detect((p.member for p in by_member.values()), round_.agenda)
    items = {item.id: item for item in round_.agenda}
    for (member_id, item_id), grounds in found.items():
        db.session.add(
            ConflictFlag(agenda_item_id=item_id, member_id=member_id, grounds=",".join(grounds))
        )
        ballots.audit_participant(
            by_member[member_id],
            "conflict.detected",
            SYSTEM,
            about=items[item_id],
            application_id=items[item_id].application_id,
            grounds=grounds,
        )
    db.session.flush()
    return len(found)


def standings(
    round_: Round,
    *,
    member_id: int | None = None,
) -> dict[Pair, Standing]:
    """Every conflict found, declared or ruled on in the round (one member's, if given; the
    ballot reads one member's with their votes: member_ballot)."""
    item_ids = [item.id for item in round_.agenda]
    rows: dict[Pair, dict[str, Any]] = {}

    def of(model: type[Row]) -> Iterable[Row]:
        query = select(model).where(model.agenda_item_id.in_(item_ids))
        if member_id is not None:
            query = query.where(model.member_id == member_id)
        return db.session.scalars(query)

    for flag in of(ConflictFlag):
        key = (flag.member_id, flag.agenda_item_id)
        rows.setdefault(key, {})["grounds"] = tuple(flag.ground_list)
    for declaration in of(ConflictDeclaration):
        key = (declaration.member_id, declaration.agenda_item_id)
        rows.setdefault(key, {})["declaration"] = declaration
    for ruling in of(ConflictRuling):
        rows.setdefault((ruling.member_id, ruling.agenda_item_id), {})["ruling"] = ruling
    return {key: Standing(key[0], key[1], **fields) for key, fields in rows.items()}


@dataclass(frozen=True)
class MemberBallot:
    """One member's own rows on every item of their round, as the ballot shows them."""

    #: The round's agenda items, in id order.
    item_ids: tuple[int, ...]
    #: item id -> the member's vote.
    votes: dict[int, str]
    #: item id -> the member's conflict declaration.
    declared: dict[int, ConflictDeclaration]
    #: item id -> the member's conflict standing, where one was found, declared or ruled.
    standings: dict[int, Standing]


def member_ballot(participant: RoundMember) -> MemberBallot:
    """The member's votes, declarations, findings and rulings on each item of the round, in one
    statement.

    Each of the three is unique per (item, member), so the round's items come one row each.
    """

    def mine(model: Any) -> Any:
        return and_(model.agenda_item_id == AgendaItem.id, model.member_id == RoundMember.member_id)

    rows = db.session.execute(
        select(
            AgendaItem.id,
            Position,
            ConflictFlag.grounds,
            ConflictRuling,
        )
        .select_from(RoundMember)
        .outerjoin(AgendaItem, AgendaItem.round_id == RoundMember.round_id)
        .outerjoin(Position, mine(Position))
        .outerjoin(ConflictFlag, mine(ConflictFlag))
        .outerjoin(ConflictRuling, mine(ConflictRuling))
        .where(RoundMember.id == participant.id)
        .order_by(AgendaItem.id)
    ).all()
    votes: dict[int, str] = {}
    declared: dict[int, ConflictDeclaration] = {}
    standings: dict[int, Standing] = {}
    for item_id, position, grounds, ruling in rows:
        if item_id is None:
            continue  # a round without items
        if isinstance(position, ConflictDeclaration):
            declared[item_id] = position
        elif position is not None:
            # A vote always has its choice (the CHECK vote_has_choice), a conflict never.
            assert position.choice is not None
            votes[item_id] = position.choice
        found = tuple(grounds.split(",")) if grounds is not None else ()  # as ground_list
        if grounds is not None or item_id in declared or ruling is not None:
            standings[item_id] = Standing(
                participant.member_id,
                item_id,
                grounds=found,
                declaration=declared.get(item_id),
                ruling=ruling,
            )
    return MemberBallot(
        item_ids=tuple(row[0] for row in rows if row[0] is not None),
        votes=votes,
        declared=declared,
        standings=standings,
    )


def excluded_pairs(round_: Round) -> set[Pair]:
    """The (member, item) pairs whose member does not vote on the item now."""
    return {key for key, standing in standings(round_).items() if standing.excluded}


def rule(
    participant: RoundMember,
    item: AgendaItem,
    *,
    excluded: bool,
    reason: str,
    actor: Actor,
    left_room: bool | None = None,
) -> ConflictRuling:
    """Record the body's decision on a member's conflict on one item (§ 20 (4) VwVfG).

    Excluding takes back a vote the member cast on the item; not excluding takes back their
    declaration, so they may vote. One ruling per member and item: the round is locked first,
    so two staff recording at once find the first one's ruling.
    """
    if actor.staff_id is None:
        raise DomainError("conflict.staff_only")
    round_ = locks.lock(Round, participant.round_id)
    # As every other change of who votes: only while the round is open and, in writing, before
    # its deadline (closing counts the round as it stood then, even before tick closes it).
    refusal = seats_refusal(round_.state, round_.mode, round_.deadline, utcnow())
    if refusal == "round.not_open":
        raise DomainError("conflict.round_not_open")
    if refusal:
        raise DomainError(refusal)
    if item.round_id != round_.id:
        raise DomainError("ballot.wrong_round")
    if not reason.strip():
        raise DomainError("conflict.reason_required", field="reason")
    standing = standings(round_, member_id=participant.member_id).get(
        (participant.member_id, item.id), Standing(participant.member_id, item.id)
    )
    if standing.ruling is not None:
        raise DomainError("conflict.already_ruled", field="member")
    if not excluded and standing.raised_by is RaisedBy.STAFF:
        raise DomainError("conflict.nothing_to_lift", field="excluded")
    if not excluded:
        db.session.refresh(participant, ["present"])  # read after the round's lock
        ballots.refuse_seat_taken_back(participant, item)
    ruling = ConflictRuling(
        agenda_item_id=item.id,
        member_id=participant.member_id,
        raised_by=standing.raised_by.value,
        excluded=excluded,
        reason=reason.strip(),
        left_room=left_room if round_.mode == "meeting" else None,
        decided_by_id=actor.staff_id,
    )
    db.session.add(ruling)
    _take_back(participant, item, Vote if excluded else ConflictDeclaration, actor)
    ballots.audit_participant(  # the reason stays out of the trail: it may be personal
        participant,
        "conflict.ruled",
        actor,
        about=item,
        application_id=item.application_id,
        raised_by=ruling.raised_by,
        excluded=excluded,
        left_room=ruling.left_room,
    )
    db.session.flush()
    return ruling


def _take_back(
    participant: RoundMember,
    item: AgendaItem,
    model: type[Vote] | type[ConflictDeclaration],
    actor: Actor,
) -> None:
    """Remove the member's vote (or declaration) on the item, recorded as the trail expects."""
    removed = db.session.execute(
        delete(model)
        .where(model.agenda_item_id == item.id, model.member_id == participant.member_id)
        .returning(model.id)
    ).first()
    if removed is not None:
        action = "vote.cleared" if model is Vote else "conflict.withdrawn"
        ballots.audit_participant(
            participant, action, actor, about=item, application_id=item.application_id
        )
