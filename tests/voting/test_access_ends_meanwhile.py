"""A member's access ends while their vote is under way: the vote lands before it or not at all.

Staff revoke a member's ballot access, or take the member off the body, "at once" (rounds.revoke,
setup.remove_member). A vote or a conflict declaration whose request read the grant before that
and writes after it must be refused: the trail must never show a member's vote after the end of
their access. First in a fixed order on both databases, then as a real race on PostgreSQL.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import Actor
from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.models import AgendaItem, Member, Position, RoundMember
from juryfund.services import ballots, rounds, setup
from tests.races import TIMEOUT, race

pytestmark = pytest.mark.voting

TRIES = 4


def _participant_id(round_, member) -> int:
    return db.session.scalars(
        select(RoundMember.id).where(
            RoundMember.round_id == round_.id, RoundMember.member_id == member.id
        )
    ).one()


def _act(action: str, participant: RoundMember, item: AgendaItem) -> None:
    """What the member sends with their link (generation 1)."""
    if action == "vote":
        ballots.cast_vote(participant, item, "yes", link_version=1)
    else:
        ballots.declare_conflict(participant, item, "Mein Verein", link_version=1)


def _end_access(how: str, participant_id: int, staff_id: int) -> None:
    participant = db.session.get(RoundMember, participant_id)
    if how == "revoke":
        rounds.revoke(participant, actor=Actor.staff(staff_id))
    else:
        setup.remove_member(
            db.session.get(Member, participant.member_id), actor=Actor.staff(staff_id)
        )


def _positions(participant_id: int) -> int:
    member_id = db.session.get(RoundMember, participant_id).member_id
    return db.session.scalar(select(func.count(Position.id)).where(Position.member_id == member_id))


@pytest.mark.parametrize("how", ["revoke", "remove"])
@pytest.mark.parametrize("action", ["vote", "conflict"])
def test_an_act_read_before_the_access_ended_and_written_after_is_refused(
    app, open_round, jury, staff, how, action
):
    round_ = open_round()
    participant_id = _participant_id(round_, jury.members[0])
    item_id, staff_id = round_.agenda[0].id, staff.id
    loaded, ended = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def member() -> None:
        with app.app_context():
            try:
                participant = db.session.get(RoundMember, participant_id)
                item = db.session.get(AgendaItem, item_id)
                participant.round.body, participant.member  # noqa: B018  (read as a request does)
                loaded.set()
                assert ended.wait(TIMEOUT)
                _act(action, participant, item)
                db.session.commit()
                outcome["member"] = "ok"
            except BaseException as error:  # noqa: BLE001  (reported to the test)
                db.session.rollback()
                outcome["member"] = error
            finally:
                loaded.set()
                db.session.remove()

    def staff_member() -> None:
        with app.app_context():
            try:
                assert loaded.wait(TIMEOUT)
                _end_access(how, participant_id, staff_id)
                db.session.commit()
                outcome["staff"] = "ok"
            except BaseException as error:  # noqa: BLE001
                db.session.rollback()
                outcome["staff"] = error
            finally:
                ended.set()
                db.session.remove()

    threads = [threading.Thread(target=job, daemon=True) for job in (member, staff_member)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert outcome["staff"] == "ok", outcome
    refused = outcome["member"]
    assert isinstance(refused, DomainError) and refused.reason == "ballot.no_access", outcome
    db.session.expire_all()
    assert _positions(participant_id) == 0


@pytest.mark.parametrize("how", ["revoke", "remove"])
def test_a_vote_racing_the_end_of_access_lands_before_it_or_is_refused(
    app, open_round, jury, staff, how
):
    round_ = open_round()
    staff_id = staff.id
    item_ids = [item.id for item in round_.agenda]
    participant_ids = [_participant_id(round_, m) for m in jury.members[:TRIES]]
    for participant_id, item_id in zip(participant_ids, item_ids * TRIES, strict=False):

        def vote(ready, participant_id=participant_id, item_id=item_id):
            participant = db.session.get(RoundMember, participant_id)
            item = db.session.get(AgendaItem, item_id)
            participant.round.body, participant.member  # noqa: B018
            ready()
            ballots.cast_vote(participant, item, "no", link_version=1)

        def end(ready, participant_id=participant_id):
            db.session.get(RoundMember, participant_id).member  # noqa: B018
            ready()
            _end_access(how, participant_id, staff_id)

        voted, ended = race(app, vote, end)
        assert ended == "ok", ended
        if voted != "ok":
            assert isinstance(voted, DomainError) and voted.reason == "ballot.no_access", voted
            assert _positions(participant_id) == 0
        else:
            assert _positions(participant_id) == 1  # landed before the end: counted
