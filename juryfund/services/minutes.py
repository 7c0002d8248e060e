"""The minutes of a round (§ 93 VwVfG), gathered in a fixed number of queries.

One data object feeds the minutes page, its print view and the PDF, so the three never differ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from ..domain.composition import Seat
from ..domain.lifecycles import RoundState
from ..domain.meetings import share_in_words
from ..domain.voting import Tally
from ..extensions import db
from ..models import ConflictDeclaration, Decision, Member, Round, RoundMember, StaffUser, Vote
from . import conflicts, decisions, rounds


@dataclass(frozen=True)
class Attendance:
    """A person of the round and how they took part (deputies: whose seat on which items)."""

    participant: RoundMember
    present: bool
    replaces: list[tuple[str, list[int]]] = field(default_factory=list)


@dataclass(frozen=True)
class ItemRecord:
    """One agenda item as the minutes show it: counts, outcome, amount, conditions, reasons."""

    item: Any  # AgendaItem
    tally: Tally | None  # the live count of an open round; None once closed (the item has it)
    decision: Decision | None
    reasons: str
    quorum_waived: bool


@dataclass(frozen=True)
class Minutes:
    """Everything the minutes of one round show."""

    round: Round
    members: list[Attendance]  # the full members whose seats count (the body's seats)
    deputies: list[Attendance]
    left: list[Attendance]  # members and deputies off the body when the vote ended: not counted
    items: list[ItemRecord]
    standings: dict[tuple[int, int], conflicts.Standing]
    quorum_share: str | None  # "half", "two_thirds", … (None: shown as a fraction)
    chair: str
    objector: str
    waived_any: bool

    @property
    def present(self) -> list[Attendance]:
        """Full members present (meeting) or taking part (in writing)."""
        return [a for a in self.members if a.present]

    @property
    def absent(self) -> list[Attendance]:
        """Full members absent (meeting) or who did not take part (in writing)."""
        return [a for a in self.members if not a.present]


def gather(round_id: int) -> Minutes | None:
    """The minutes of a round that has opened (None for an unknown round or a draft)."""
    round_ = rounds.with_agenda(round_id)
    if round_ is None or round_.state == RoundState.DRAFT:
        return None
    item_ids = [item.id for item in round_.agenda]
    standings = conflicts.standings(round_)
    excluded = {pair for pair, standing in standings.items() if standing.excluded}
    open_ = round_.state == RoundState.OPEN
    # Who held each seat on each item, and the live count, as the tally decides them.
    seated = rounds.seats(round_, excluded)
    tallies = {item_id: counted for item_id, (_seats, counted) in seated.items()} if open_ else {}
    found = decisions.decisions_for_items(round_.agenda)
    waived = rounds.waived_applications(round_)
    # Members taken off the body (or outside their term) before the vote ended count for
    # nothing, as in the tally: the minutes list them apart, not among those taking part.
    removed = rounds._removed_members(round_)
    if round_.mode == "meeting":
        taking_part = {p.member_id for p in round_.participants if p.present}
    else:
        # In writing, taking part means a vote or a declared conflict on some item.
        taking_part = set(
            db.session.scalars(
                select(Vote.member_id)
                .where(Vote.agenda_item_id.in_(item_ids))
                .union(
                    select(ConflictDeclaration.member_id).where(
                        ConflictDeclaration.agenda_item_id.in_(item_ids)
                    )
                )
            )
        )
    sat_for: dict[int, dict[str, list[int]]] = {}
    names = {p.member_id: p.member.name for p in round_.participants}
    positions = {item.id: item.position for item in round_.agenda}
    for item_id, (held, _counted) in seated.items():
        # A deputy sat for a member only where they held the seat, not wherever they were
        # named: in writing the member's own vote takes the seat back.
        for seat, holder in held.holders.items():
            if holder != seat:
                sat_for.setdefault(int(holder), {}).setdefault(names.get(int(seat), ""), []).append(
                    positions[item_id]
                )
    members, deputy_rows, left = [], [], []
    for p in round_.participants:
        if p.member_id in removed:
            left.append(Attendance(p, p.member_id in taking_part))
        elif p.seat == Seat.DEPUTY:
            deputy_rows.append(
                Attendance(
                    p,
                    p.member_id in taking_part,
                    sorted(
                        (name, sorted(items))
                        for name, items in sat_for.get(p.member_id, {}).items()
                    ),
                )
            )
        else:
            members.append(Attendance(p, p.member_id in taking_part))
    items = [
        ItemRecord(
            item=item,
            tally=tallies.get(item.id),
            decision=found[item.id],
            reasons=_reasons(found[item.id]),
            quorum_waived=item.application_id in waived,
        )
        for item in round_.agenda
    ]
    return Minutes(
        round=round_,
        members=members,
        deputies=deputy_rows,
        left=left,
        items=items,
        standings=standings,
        quorum_share=share_in_words(round_.quorum_numerator, round_.quorum_denominator),
        chair=_chair(round_, names),
        objector=names.get(round_.objected_by_id, "") if round_.objected_by_id else "",
        waived_any=bool(waived),
    )


def _chair(round_: Round, names: dict[int, str]) -> str:
    """The chair's name: a member of the round, or a staff member (one query at most)."""
    if round_.chair_id is not None:
        if round_.chair_id in names:
            return names[round_.chair_id]
        member = db.session.get(Member, round_.chair_id)
        return member.name if member else ""
    if round_.chair_staff_id is not None:
        staff = db.session.get(StaffUser, round_.chair_staff_id)
        return staff.name if staff else ""
    return ""


def _reasons(decision: Decision | None) -> str:
    """A decision's reasons ("" while an item has none yet)."""
    return decision.reasons if decision is not None else ""
