"""Deputies taking a full member's seat in a round, successors stepping in, body composition."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from ..domain.actors import Actor
from ..domain.composition import Group, Problem, Seat, SeatedMember, composition_problems
from ..domain.errors import DomainError
from ..domain.lifecycles import seats_refusal
from ..extensions import db
from ..infra import audit, clock
from ..models import AgendaItem, Body, Member, Position, Round, RoundMember, Substitution
from ..models.base import utcnow
from . import ballots, locks


def problems_on(body: Body, day: date) -> list[Problem]:
    """How the body's full members serving on a day break its own composition rule."""
    seated = [
        SeatedMember(Group(member.role), member.birth_date, member.age_confirmed)
        for member in body.voting_members(day)
    ]
    return composition_problems(seated, body.composition_rule, day)


def substitutes_by_item(round_: Round) -> dict[int, dict[int, int]]:
    """Per agenda item: replaced full member id -> deputy id, in one query."""
    found: dict[int, dict[int, int]] = defaultdict(dict)
    for item_id, replaces_id, deputy_id in db.session.execute(
        select(Substitution.agenda_item_id, Substitution.replaces_id, Substitution.deputy_id).where(
            Substitution.round_id == round_.id
        )
    ):
        found[item_id][replaces_id] = deputy_id
    return found


def substitutions(round_: Round) -> list[Substitution]:
    """The round's substitutions, by item and member, with the people loaded."""
    return list(
        db.session.scalars(
            select(Substitution)
            .where(Substitution.round_id == round_.id)
            .order_by(Substitution.agenda_item_id, Substitution.id)
        )
    )


def seats_of(participant: RoundMember) -> dict[int, str]:
    """For a deputy: agenda item id -> the name of the member whose seat they take there."""
    rows = db.session.execute(
        select(Substitution.agenda_item_id, Member.name)
        .join(Member, Substitution.replaces_id == Member.id)
        .where(
            Substitution.round_id == participant.round_id,
            Substitution.deputy_id == participant.member_id,
        )
    )
    return {item_id: name for item_id, name in rows}


def assign(
    round_: Round,
    deputy: RoundMember,
    replaces: RoundMember,
    items: list[AgendaItem],
    *,
    actor: Actor,
) -> list[Substitution]:
    """Name a deputy to take a full member's seat on these items (a meeting: all of them).

    The round is locked, so two staff naming deputies at once are seen one after the other;
    unique constraints hold one deputy per seat and one seat per deputy on each item.
    """
    round_ = locks.lock(Round, round_.id)
    _check_seats_may_change(round_)
    if not items or any(item.round_id != round_.id for item in items):
        raise DomainError("deputy.item_required", field="item")
    if deputy.round_id != round_.id or deputy.seat != Seat.DEPUTY:
        raise DomainError("deputy.not_a_deputy", field="deputy")
    if replaces.round_id != round_.id or replaces.seat != Seat.FULL:
        raise DomainError("deputy.not_a_full_member", field="replaces")
    if deputy.member.role != replaces.member.role:
        raise DomainError("deputy.other_group", field="deputy")
    if deputy.revoked_at is not None or deputy.member.removed_at is not None:
        raise DomainError("deputy.no_access", field="deputy")
    taken = set(
        db.session.execute(
            select(
                Substitution.agenda_item_id, Substitution.replaces_id, Substitution.deputy_id
            ).where(Substitution.agenda_item_id.in_([item.id for item in items]))
        ).all()
    )
    for _item_id, replaces_id, deputy_id in taken:
        if replaces_id == replaces.member_id:
            raise DomainError("deputy.seat_taken", field="replaces")
        if deputy_id == deputy.member_id:
            raise DomainError("deputy.already_replacing", field="deputy")
    made = [
        Substitution(
            round_id=round_.id,
            agenda_item_id=item.id,
            deputy_id=deputy.member_id,
            replaces_id=replaces.member_id,
            created_by_id=actor.staff_id,
        )
        for item in items
    ]
    db.session.add_all(made)
    db.session.flush()
    ballots.audit_participant(
        deputy,
        "deputy.assigned",
        actor,
        replaces_id=replaces.member_id,
        items=[item.application_id for item in items],
    )
    return made


def _check_seats_may_change(round_: Round) -> None:
    """Refuse naming or withdrawing a deputy once the round is closed or its deadline passed."""
    refusal = seats_refusal(round_.state, round_.mode, round_.deadline, utcnow())
    if refusal:
        raise DomainError(refusal)


def withdraw(substitution: Substitution, *, actor: Actor) -> None:
    """Take back a deputy's seat on an item while the round is open; their vote there goes."""
    round_ = locks.lock(Round, substitution.round_id)
    _check_seats_may_change(round_)
    # A deputy's vote counts only through the seat; without it the vote would mean nothing,
    # so it goes with the substitution (the audit trail keeps that it was cast).
    vote = db.session.scalar(
        select(Position).where(
            Position.agenda_item_id == substitution.agenda_item_id,
            Position.member_id == substitution.deputy_id,
            Position.kind == "vote",
        )
    )
    if vote is not None:
        db.session.delete(vote)
    audit.record_about(
        substitution.agenda_item,
        "deputy.withdrawn",
        actor=actor,
        area_id=round_.body.area_id,
        round_id=round_.id,
        member_id=substitution.deputy_id,
        replaces_id=substitution.replaces_id,
        application_id=substitution.agenda_item.application_id,
    )
    db.session.delete(substitution)
    db.session.flush()


def move_up(successor: Member, *, actor: Actor) -> Member:
    """The next successor steps in as a full member of the body from today."""
    locks.lock(Body, successor.body_id)
    if successor.seat != Seat.SUCCESSOR or successor.removed_at is not None:
        raise DomainError("member.not_a_successor")
    successor.seat, successor.successor_rank = Seat.FULL.value, None
    today = clock.area_today(successor.body.area)
    successor.term_start = max(successor.term_start, today)
    if successor.term_end is not None and successor.term_end < successor.term_start:
        successor.term_end = None
    audit.record_about(
        successor,
        "member.moved_up",
        actor=actor,
        area_id=successor.body.area_id,
        body_id=successor.body_id,
    )
    db.session.flush()
    return successor
