"""Seats, deputies and a body's composition rule (domain.composition), table by table."""

from __future__ import annotations

from datetime import date

import pytest

from juryfund.domain.composition import (
    CompositionRule,
    Group,
    SeatedMember,
    age_on,
    composition_problems,
    seat_votes,
)
from juryfund.domain.voting import tally

pytestmark = pytest.mark.voting

SEVEN = [f"m{i}" for i in range(1, 8)]


@pytest.mark.parametrize(
    ("substitutes", "votes", "excluded", "present", "expected_votes", "conflicted", "holders"),
    [
        # Nobody replaced: each member holds their own seat; deputies' votes are ignored.
        ({}, {"m1": "yes", "d1": "no"}, set(), None, {"m1": "yes"}, set(), {}),
        # In writing, a deputy named for a member who did not vote votes for that seat.
        (
            {"m2": "d1"},
            {"m1": "yes", "d1": "no"},
            set(),
            None,
            {"m1": "yes", "m2": "no"},
            set(),
            {"m2": "d1"},
        ),
        # ... but the member's own vote takes the seat back: never two votes for one seat.
        ({"m2": "d1"}, {"m2": "yes", "d1": "no"}, set(), None, {"m2": "yes"}, set(), {"m2": "m2"}),
        # An excluded member's seat goes to the deputy, even if the member voted before.
        ({"m3": "d1"}, {"m3": "yes", "d1": "no"}, {"m3"}, None, {"m3": "no"}, set(), {"m3": "d1"}),
        # An excluded member without a deputy: the seat is conflicted.
        ({}, {"m3": "yes"}, {"m3"}, None, {}, {"m3"}, {}),
        # The deputy excluded too: nobody may hold the seat.
        ({"m3": "d1"}, {"d1": "yes"}, {"m3", "d1"}, None, {}, {"m3"}, {}),
        # Meeting: a present member holds the seat; the deputy in the room does not vote.
        (
            {"m1": "d1"},
            {"m1": "no", "d1": "yes"},
            set(),
            {"m1", "d1"},
            {"m1": "no"},
            set(),
            {"m1": "m1"},
        ),
        # Meeting: an absent member's seat goes to the deputy in the room.
        ({"m1": "d1"}, {"d1": "yes"}, set(), {"d1"}, {"m1": "yes"}, set(), {"m1": "d1"}),
        # Meeting: a deputy who is not in the room holds nothing; the seat stays empty.
        ({"m1": "d1"}, {}, set(), set(), {}, set(), {}),
    ],
)
def test_votes_are_mapped_onto_seats(
    substitutes, votes, excluded, present, expected_votes, conflicted, holders
):
    seats = seat_votes(
        seats=SEVEN, substitutes=substitutes, votes=votes, excluded=excluded, present=present
    )
    assert dict(seats.votes) == expected_votes
    assert seats.conflicted == frozenset(conflicted)
    assert seats.members == frozenset(SEVEN)
    for seat, holder in holders.items():
        assert seats.holders[seat] == holder
    assert set(seats.holders) <= set(SEVEN)


def test_a_deputy_replacing_an_absent_member_keeps_the_quorum_over_the_seven_seats():
    # 7 full members, 2 deputies; a meeting where m1 is absent and d1 replaces them.
    present = {"m2", "m3", "m4", "d1", "d2"}
    seats = seat_votes(
        seats=SEVEN,
        substitutes={"m1": "d1"},
        votes={"m2": "yes", "m3": "yes", "m4": "no", "d1": "yes", "d2": "yes"},
        present=present,
    )
    result = tally(
        members=seats.members,
        votes=seats.votes,
        conflicted=seats.conflicted,
        present=seats.present,
    )
    # Eligible are the 7 seats, not 9 people: more than half of 7 is 4; 4 seats are present.
    assert (result.eligible, result.quorum_needed, result.participating) == (7, 4, 4)
    assert (result.yes, result.no) == (3, 1)  # d2 replaces nobody: their "yes" is not counted


def test_an_excluded_member_without_deputy_lowers_eligibility_and_with_one_does_not():
    alone = seat_votes(seats=SEVEN, substitutes={}, votes={}, excluded={"m7"})
    replaced = seat_votes(seats=SEVEN, substitutes={"m7": "d1"}, votes={}, excluded={"m7"})
    assert tally(members=alone.members, votes={}, conflicted=alone.conflicted).eligible == 6
    assert tally(members=replaced.members, votes={}, conflicted=replaced.conflicted).eligible == 7


@pytest.mark.parametrize(
    ("birth", "day", "age"),
    [
        (date(2010, 6, 15), date(2026, 6, 14), 15),
        (date(2010, 6, 15), date(2026, 6, 15), 16),
        (date(2008, 2, 29), date(2026, 2, 28), 17),
        (date(2008, 2, 29), date(2026, 3, 1), 18),
    ],
)
def test_age_on_a_day(birth, day, age):
    assert age_on(birth, day) == age


R, INST = Group.RESIDENT, Group.INSTITUTION
DAY = date(2026, 12, 5)
JURY = CompositionRule(min_members=7, min_residents=7, min_age=16)
COUNCIL = CompositionRule(min_members=5, residents_majority=True)


@pytest.mark.parametrize(
    ("groups", "rule", "codes"),
    [
        ([R] * 7, JURY, []),
        ([R] * 6, JURY, ["too_few_members", "too_few_residents"]),
        ([R] * 6 + [INST], JURY, ["too_few_residents"]),
        ([R] * 3 + [INST] * 2, COUNCIL, []),
        ([R] * 3 + [INST] * 3, COUNCIL, ["residents_not_majority"]),
        ([R] * 2 + [INST], COUNCIL, ["too_few_members"]),
        ([], CompositionRule(), []),
    ],
)
def test_composition_rules(groups, rule, codes):
    members = [SeatedMember(group, age_confirmed=True) for group in groups]
    assert [problem.code for problem in composition_problems(members, rule, DAY)] == codes


def test_age_needs_a_date_of_birth_or_a_confirmation():
    members = [
        SeatedMember(R, birth_date=date(2010, 12, 5)),  # 16 today
        SeatedMember(R, birth_date=date(2010, 12, 6)),  # 16 tomorrow
        SeatedMember(R),  # nothing known
        SeatedMember(R, age_confirmed=True),
    ]
    problems = composition_problems(members, CompositionRule(min_age=16), DAY)
    assert [(p.code, dict(p.params)) for p in problems] == [
        ("age_unconfirmed", {"num": 2, "age": 16})
    ]
