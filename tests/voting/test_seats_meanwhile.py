"""A vote whose request checked the seat (a deputy's) or the presence (in a meeting) before
staff took it back, and wrote after: it must not land after the change (on SQLite the write
reads both again inside its write lock; on PostgreSQL the round's share lock keeps the two
apart, so the pause below only runs out there)."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select

from juryfund.domain.actors import Actor
from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.models import AgendaItem, RoundMember, Substitution, Vote
from juryfund.services import ballots, deputies, rounds
from tests.races import TIMEOUT

from .seating import deputy, full, p

pytestmark = pytest.mark.voting

#: Seconds the vote waits after its check for the other change to commit (it waits for the
#: vote's lock on PostgreSQL, so there the pause runs out).
PAUSE = 1.5


def _vote_with_change_between(
    app,
    monkeypatch,
    *,
    check: str,
    participant_id: int,
    item_id: int,
    staff_id: int | None,
    change: Callable[[], None],
) -> dict[str, object]:
    """Cast a vote in one thread, pausing after `ballots.<check>`, while `change` commits in
    another; what each ended with ("ok" or the exception)."""
    checked, changed = threading.Event(), threading.Event()
    original = getattr(ballots, check)
    voter: dict[str, int] = {}

    def pausing(*args):
        answer = original(*args)
        if threading.get_ident() == voter.get("thread"):
            checked.set()
            changed.wait(PAUSE)
        return answer

    monkeypatch.setattr(ballots, check, pausing)
    outcome: dict[str, object] = {}

    def run(name: str, job: Callable[[], None], done: threading.Event) -> None:
        with app.app_context():
            try:
                job()
                db.session.commit()
                outcome[name] = "ok"
            except BaseException as error:  # noqa: BLE001  (reported to the test)
                db.session.rollback()
                outcome[name] = error
            finally:
                done.set()
                db.session.remove()

    def vote() -> None:
        voter["thread"] = threading.get_ident()
        ballots.cast_vote(
            db.session.get(RoundMember, participant_id),
            db.session.get(AgendaItem, item_id),
            "yes",
            actor=Actor.staff(staff_id) if staff_id is not None else None,
            link_version=None if staff_id is not None else 1,
        )

    def other() -> None:
        assert checked.wait(TIMEOUT)
        change()

    threads = [
        threading.Thread(target=run, args=("vote", vote, checked), daemon=True),
        threading.Thread(target=run, args=("change", other, changed), daemon=True),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    monkeypatch.setattr(ballots, check, original)
    db.session.rollback()
    db.session.expire_all()
    assert outcome["change"] == "ok", outcome
    assert outcome["vote"] == "ok" or isinstance(outcome["vote"], DomainError), outcome
    return outcome


def test_a_deputy_vote_checked_before_the_seat_was_withdrawn_does_not_land_after(
    app, open_round, jury, staff, monkeypatch
):
    """Staff take back a deputy's seat (which deletes their vote there) while the deputy's vote
    is under way: no vote stays with no seat behind it, and naming the deputy again later
    counts nothing they did not cast in that seat."""
    d1 = deputy(jury, 1)
    round_ = open_round()
    item = round_.agenda[0]
    deputies.assign(round_, p(round_, d1), p(round_, full(jury)[0]), [item], actor=staff.actor)
    db.session.commit()
    deputy_id, item_id, staff_id = d1.id, item.id, staff.id

    def withdraw() -> None:
        substitution = db.session.scalars(
            select(Substitution).where(Substitution.deputy_id == deputy_id)
        ).one()
        deputies.withdraw(substitution, actor=Actor.staff(staff_id))

    _vote_with_change_between(
        app,
        monkeypatch,
        check="holds_seat_on",
        participant_id=p(round_, d1).id,
        item_id=item_id,
        staff_id=None,
        change=withdraw,
    )
    stale = db.session.scalars(
        select(Vote).where(Vote.member_id == deputy_id, Vote.agenda_item_id == item_id)
    ).all()
    assert stale == [], "a deputy's vote stands with no seat behind it"
    round_ = rounds.with_agenda(round_.id)
    deputies.assign(
        round_, p(round_, d1), p(round_, full(jury)[1]), [round_.agenda[0]], actor=staff.actor
    )
    db.session.commit()
    counted = rounds.tallies(round_)[item_id]
    assert (counted.yes, counted.participating) == (0, 0), counted


def test_a_meeting_vote_checked_before_the_member_was_marked_absent_does_not_land_after(
    app, open_round, jury, staff, monkeypatch
):
    """Staff record a vote while a colleague marks the member absent (which withdraws their
    votes): no absent member keeps a vote on record."""
    round_ = open_round("meeting")
    member = full(jury)[0]
    ballots.set_presence(p(round_, member), True, actor=staff.actor)
    db.session.commit()
    participant_id, staff_id = p(round_, member).id, staff.id

    def mark_absent() -> None:
        ballots.set_presence(
            db.session.get(RoundMember, participant_id), False, actor=Actor.staff(staff_id)
        )

    _vote_with_change_between(
        app,
        monkeypatch,
        check="_vote_standing",
        participant_id=participant_id,
        item_id=round_.agenda[0].id,
        staff_id=staff_id,
        change=mark_absent,
    )
    assert db.session.get(RoundMember, participant_id).present is False
    assert db.session.scalars(select(Vote).where(Vote.member_id == member.id)).all() == []
