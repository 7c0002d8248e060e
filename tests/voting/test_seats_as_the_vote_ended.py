"""A round is decided as it stood when its vote ended (a written round's deadline, a meeting's
start): membership changes after that, made before `tick` or staff close it, change nothing;
a member whose term ended while the round ran neither votes nor counts, as one taken off the
body (DESIGN.md §4: members on the day of the round)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.services import ballots, deputies, rounds, setup

from .seating import deputy, full, p

pytestmark = pytest.mark.voting


def _four_yes(round_, jury, item, *, staff=None):
    for member in full(jury)[:4]:
        ballots.cast_vote(p(round_, member), item, "yes", actor=staff)
    db.session.commit()


def _newcomer(jury):
    made = setup.save_member(
        None,
        jury,
        name="Neu Mitglied",
        email="neu@example.org",
        language="de",
        role="resident",
        term_start=date(2020, 1, 1),
        term_end=None,
    )
    db.session.commit()
    return made


def _term_ends_in(jury, member, days: int):
    setup.save_member(
        member,
        jury,
        name=member.name,
        email=member.email,
        language=member.language,
        role=member.role,
        term_start=member.term_start,
        term_end=clock.area_today(jury.area) + timedelta(days=days),
    )
    db.session.commit()


def test_a_member_taken_off_after_the_deadline_does_not_undo_a_quorate_written_vote(
    open_round, jury, staff, clock_at
):
    deadline = datetime.now(UTC) + timedelta(days=7)
    round_ = open_round(deadline=deadline)
    item = round_.agenda[0]
    _four_yes(round_, jury, item)
    # Ten minutes after the deadline (tick has not run yet) a member who voted resigns.
    later = clock_at(deadline + timedelta(minutes=10))
    setup.remove_member(full(jury)[0], actor=staff.actor)
    db.session.commit()
    results = rounds.close_round(round_, actor=staff.actor, now=later)
    db.session.commit()
    # Decided as it stood at the deadline: 4 of 7 took part, 4 yes.
    assert (results[item.id].participating, results[item.id].outcome.value) == (4, "approved")


def test_a_member_taken_off_before_the_deadline_no_longer_counts(open_round, jury, staff):
    round_ = open_round()
    item = round_.agenda[0]
    _four_yes(round_, jury, item)
    setup.remove_member(full(jury)[0], actor=staff.actor)
    db.session.commit()
    counted = rounds.tallies(round_)[item.id]
    assert (counted.eligible, counted.participating) == (6, 3)


def test_no_member_is_added_and_no_deputy_named_after_the_deadline(
    open_round, jury, staff, clock_at
):
    d1 = deputy(jury, 1)
    deadline = datetime.now(UTC) + timedelta(days=7)
    round_ = open_round(deadline=deadline)
    item = round_.agenda[0]
    _four_yes(round_, jury, item)
    newcomer = _newcomer(jury)
    later = clock_at(deadline + timedelta(minutes=10))
    with pytest.raises(DomainError) as refused:
        rounds.add_participant(round_, newcomer, actor=staff.actor)
    assert refused.value.reason == "round.deadline_passed"
    db.session.rollback()
    with pytest.raises(DomainError) as refused:
        deputies.assign(round_, p(round_, d1), p(round_, full(jury)[5]), [item], actor=staff.actor)
    assert refused.value.reason == "round.deadline_passed"
    db.session.rollback()
    results = rounds.close_round(round_, actor=staff.actor, now=later)
    db.session.commit()
    # Eight seats would have needed five: the vote that ended 4 of 7 stands.
    assert (results[item.id].eligible, results[item.id].outcome.value) == (7, "approved")


def test_a_member_taken_off_after_the_meeting_does_not_undo_its_quorate_vote(
    open_round, jury, staff, clock_at
):
    meeting_at = datetime.now(UTC) + timedelta(days=2)
    round_ = open_round("meeting", deadline=meeting_at)
    item = round_.agenda[0]
    for member in full(jury)[:4]:
        ballots.set_presence(p(round_, member), True, actor=staff.actor)
    _four_yes(round_, jury, item, staff=staff.actor)
    # The day after the meeting a member who was there resigns; staff close the round after.
    later = clock_at(meeting_at + timedelta(days=1))
    setup.remove_member(full(jury)[0], actor=staff.actor)
    db.session.commit()
    results = rounds.close_round(round_, actor=staff.actor, now=later)
    db.session.commit()
    assert results[item.id].outcome.value == "approved", results[item.id]


def test_a_member_whose_term_ended_mid_round_neither_votes_nor_counts(open_round, jury, clock_at):
    leaving = full(jury)[0]
    _term_ends_in(jury, leaving, days=1)
    round_ = open_round(deadline=datetime.now(UTC) + timedelta(days=7))
    item = round_.agenda[0]
    _four_yes(round_, jury, item)  # the leaving member votes while still serving
    assert rounds.tallies(round_)[item.id].eligible == 7
    clock_at(datetime.now(UTC) + timedelta(days=3))  # the term ended two days ago
    participant = p(round_, leaving)
    assert ballots.refusal_now(participant) == "ballot.term_over"  # the ballot offers no form
    with pytest.raises(DomainError) as refused:
        ballots.cast_vote(participant, round_.agenda[1], "yes", link_version=1)
    assert refused.value.reason == "ballot.term_over"
    db.session.rollback()
    counted = rounds.tallies(round_)[item.id]
    assert (counted.eligible, counted.participating, counted.yes) == (6, 3, 3)


def test_a_term_ending_after_the_deadline_changes_nothing(open_round, jury, clock_at):
    deadline = datetime.now(UTC) + timedelta(days=2)
    leaving = full(jury)[0]
    _term_ends_in(jury, leaving, days=4)
    round_ = open_round(deadline=deadline)
    item = round_.agenda[0]
    _four_yes(round_, jury, item)
    clock_at(deadline + timedelta(days=5))  # the term is over now, but was not at the deadline
    counted = rounds.tallies(round_)[item.id]
    assert (counted.eligible, counted.participating, counted.yes) == (7, 4, 4)


def test_staff_record_the_vote_of_a_member_whose_term_ended_after_the_meeting(
    open_round, jury, staff, clock_at
):
    meeting_at = datetime.now(UTC) + timedelta(days=2)
    leaving = full(jury)[0]
    _term_ends_in(jury, leaving, days=3)  # serving on the meeting's day
    round_ = open_round("meeting", deadline=meeting_at)
    item = round_.agenda[0]
    for member in full(jury)[:4]:
        ballots.set_presence(p(round_, member), True, actor=staff.actor)
    db.session.commit()
    clock_at(meeting_at + timedelta(days=5))  # staff type in the minutes the week after
    counted = rounds.tallies(round_)[item.id]
    assert counted.eligible == 7  # the leaving member counts: she served at the meeting
    # Her vote in the room is recorded as she stood then.
    ballots.cast_vote(p(round_, leaving), item, "yes", actor=staff.actor)
    db.session.commit()
    assert rounds.tallies(round_)[item.id].yes == 1


def test_staff_record_the_vote_of_a_member_removed_after_the_meeting(
    open_round, jury, staff, clock_at
):
    meeting_at = datetime.now(UTC) + timedelta(days=2)
    leaving = full(jury)[0]
    round_ = open_round("meeting", deadline=meeting_at)
    item = round_.agenda[0]
    for member in full(jury)[:4]:
        ballots.set_presence(p(round_, member), True, actor=staff.actor)
    db.session.commit()
    clock_at(meeting_at + timedelta(days=1))
    setup.remove_member(leaving, actor=staff.actor)
    db.session.commit()
    counted = rounds.tallies(round_)[item.id]
    assert (counted.eligible, counted.participating) == (7, 4)  # she counts (present: abstains)
    ballots.cast_vote(p(round_, leaving), item, "yes", actor=staff.actor)
    db.session.commit()
    assert rounds.tallies(round_)[item.id].yes == 1
