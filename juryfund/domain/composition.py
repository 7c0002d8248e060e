"""Who sits on a body and who holds each seat on an item: full members, deputies, successors.

A body's seats are its full members. A deputy (Stellvertreter*in) votes only in place of a named
full member of the same group who is absent or excluded from the item, and never counts on top
of the full members: the tally sees seats, not people. Successors (Nachrücker*innen) do not vote;
they step in as full members when one leaves. Pure Python: the services feed it rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

__all__ = [
    "CompositionRule",
    "Group",
    "Problem",
    "Seat",
    "SeatedMember",
    "SeatVotes",
    "age_on",
    "composition_problems",
    "seat_votes",
]


class Seat(StrEnum):
    """How a person sits on a body."""

    FULL = "full"
    DEPUTY = "deputy"
    SUCCESSOR = "successor"


class Group(StrEnum):
    """The group a seat belongs to; a deputy replaces only a member of their own group."""

    RESIDENT = "resident"
    INSTITUTION = "institution"


@dataclass(frozen=True)
class CompositionRule:
    """What a body requires of its full members (0 / None: no requirement)."""

    min_members: int = 0
    min_residents: int = 0
    #: Quartiersrat: more than half of the full members are residents.
    residents_majority: bool = False
    #: Aktionsfondsjury: members are 16 or older (a date of birth or a confirmation).
    min_age: int | None = None


@dataclass(frozen=True)
class SeatedMember:
    """A full member as the composition check sees them."""

    group: Group
    birth_date: date | None = None
    #: Staff confirmed the member has the body's minimum age (no date of birth kept).
    age_confirmed: bool = False


@dataclass(frozen=True)
class Problem:
    """One way a body breaks its own composition rule, with the numbers for the message."""

    code: str
    params: Mapping[str, int] = field(default_factory=dict)


def age_on(birth_date: date, day: date) -> int:
    """Full years of age on a day."""
    before_birthday = (day.month, day.day) < (birth_date.month, birth_date.day)
    return day.year - birth_date.year - int(before_birthday)


def composition_problems(
    members: Sequence[SeatedMember], rule: CompositionRule, on: date
) -> list[Problem]:
    """Every way the full members serving on a day break the body's rule (empty: none)."""
    problems: list[Problem] = []
    count = len(members)
    residents = sum(1 for member in members if member.group is Group.RESIDENT)
    if count < rule.min_members:
        problems.append(Problem("too_few_members", {"num": count, "minimum": rule.min_members}))
    if residents < rule.min_residents:
        problems.append(
            Problem("too_few_residents", {"num": residents, "minimum": rule.min_residents})
        )
    if rule.residents_majority and not 2 * residents > count:
        problems.append(Problem("residents_not_majority", {"num": residents, "total": count}))
    if rule.min_age is not None:
        unconfirmed = sum(1 for member in members if not _old_enough(member, rule.min_age, on))
        if unconfirmed:
            problems.append(Problem("age_unconfirmed", {"num": unconfirmed, "age": rule.min_age}))
    return problems


def _old_enough(member: SeatedMember, min_age: int, on: date) -> bool:
    # A recorded date of birth decides; without one, staff's confirmation does.
    if member.birth_date is not None:
        return age_on(member.birth_date, on) >= min_age
    return member.age_confirmed


@dataclass(frozen=True)
class SeatVotes:
    """One item's input for domain.voting.tally, by seat (the full member's id), and who held
    each seat (the member themselves or their deputy) for the minutes."""

    members: frozenset[str]
    votes: Mapping[str, str]
    conflicted: frozenset[str]
    present: frozenset[str] | None
    holders: Mapping[str, str]


def seat_votes(
    *,
    seats: Iterable[str],
    substitutes: Mapping[str, str],
    votes: Mapping[str, str],
    excluded: Iterable[str] = frozenset(),
    present: Iterable[str] | None = None,
) -> SeatVotes:
    """Map people's votes on one item onto the body's seats.

    ``seats`` are the full members; ``substitutes`` maps a full member to the deputy named for
    them on this item; ``votes`` and ``excluded`` are by person (members and deputies);
    ``present`` (a meeting) the people in the room. A seat is held by its member unless they
    are excluded or, in a meeting, absent; then by the named deputy if the deputy may act
    (not excluded, and in the room in a meeting). In writing, a member who has not voted is
    absent: their deputy's vote counts, and the member's own later vote takes the seat back.
    A seat nobody may hold because of a conflict is conflicted; one left empty is absent.
    """
    excluded_set = frozenset(excluded)
    present_set = None if present is None else frozenset(present)
    seat_set = frozenset(seats)
    seat_vote: dict[str, str] = {}
    conflicted: set[str] = set()
    seats_present: set[str] = set()
    holders: dict[str, str] = {}
    for seat in seat_set:
        deputy = substitutes.get(seat)
        deputy_may_act = (
            deputy is not None
            and deputy not in excluded_set
            and (present_set is None or deputy in present_set)
        )
        member_out = seat in excluded_set
        member_absent = present_set is not None and seat not in present_set
        holder: str | None = seat
        if member_out or member_absent:
            holder = deputy if deputy_may_act else None
        elif present_set is None and seat not in votes and deputy_may_act and deputy in votes:
            holder = deputy
        if holder is None:
            if member_out:
                conflicted.add(seat)
            continue
        holders[seat] = holder
        if present_set is None or holder in present_set:
            seats_present.add(seat)
        if holder in votes:
            seat_vote[seat] = votes[holder]
    return SeatVotes(
        members=seat_set,
        votes=seat_vote,
        conflicted=frozenset(conflicted),
        present=None if present_set is None else frozenset(seats_present),
        holders=holders,
    )
