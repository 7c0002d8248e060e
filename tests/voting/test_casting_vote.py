"""The chair's casting vote (§ 91 VwVfG, DESIGN.md §4): a tie is decided by the chair's own
vote. A deputy sitting in the chair's seat (the chair excluded for a conflict, or absent from
the meeting) casts an ordinary vote: the tie then rejects."""

from __future__ import annotations

import pytest

from juryfund.extensions import db
from juryfund.services import ballots, deputies, rounds

from .seating import deputy, full, p

pytestmark = pytest.mark.voting


def _with_chair(jury):
    chair = full(jury)[0]
    jury.tie_breaker_id = chair.id  # the body's rule: the chair decides a tie
    db.session.commit()
    return chair


def test_the_chairs_own_vote_breaks_a_tie(open_round, jury):
    chair = _with_chair(jury)
    round_ = open_round()
    item = round_.agenda[0]
    others = full(jury)[1:]
    for member, choice in (
        (chair, "yes"),
        (others[0], "yes"),
        (others[1], "no"),
        (others[2], "no"),
    ):
        ballots.cast_vote(p(round_, member), item, choice)
    db.session.commit()
    counted = rounds.tallies(round_)[item.id]
    assert (counted.yes, counted.no, counted.outcome.value) == (2, 2, "approved")


def test_a_deputy_in_a_conflicted_chairs_seat_does_not_break_a_tie(open_round, jury, staff):
    chair = _with_chair(jury)
    d1 = deputy(jury, 1)
    round_ = open_round()
    item = round_.agenda[0]
    assert round_.tie_breaker_id == chair.id
    # The chair is the applicant's neighbour and declares a conflict; the deputy takes the seat.
    ballots.declare_conflict(p(round_, chair), item, "Mein Nachbar stellt den Antrag.")
    deputies.assign(round_, p(round_, d1), p(round_, chair), [item], actor=staff.actor)
    ballots.cast_vote(p(round_, d1), item, "yes")
    others = full(jury)[1:]
    ballots.cast_vote(p(round_, others[0]), item, "yes")
    ballots.cast_vote(p(round_, others[1]), item, "no")
    ballots.cast_vote(p(round_, others[2]), item, "no")
    db.session.commit()
    counted = rounds.tallies(round_)[item.id]
    assert (counted.yes, counted.no, counted.quorate) == (2, 2, True)
    assert counted.outcome.value == "rejected"


def test_a_deputy_for_an_absent_chair_in_a_meeting_does_not_break_a_tie(open_round, jury, staff):
    chair = _with_chair(jury)
    d1 = deputy(jury, 1)
    round_ = open_round("meeting")
    item = round_.agenda[0]
    deputies.assign(round_, p(round_, d1), p(round_, chair), [item], actor=staff.actor)
    others = full(jury)[1:4]
    for participant in [p(round_, d1), *(p(round_, m) for m in others)]:
        ballots.set_presence(participant, True, actor=staff.actor)
    ballots.cast_vote(p(round_, d1), item, "yes", actor=staff.actor)
    ballots.cast_vote(p(round_, others[0]), item, "yes", actor=staff.actor)
    ballots.cast_vote(p(round_, others[1]), item, "no", actor=staff.actor)
    ballots.cast_vote(p(round_, others[2]), item, "no", actor=staff.actor)
    db.session.commit()
    counted = rounds.tallies(round_)[item.id]
    assert (counted.yes, counted.no, counted.quorate) == (2, 2, True)
    assert counted.outcome.value == "rejected"
