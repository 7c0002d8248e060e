"""A written round closed early while staff take a member who voted off the body.

The close holds the round's members (FOR SHARE, read afresh) and the removal locks the member
before it stamps the moment: either the removal waits and is dated after the close, or the close
waits and sees it. The stored result of the round (and the decision built on it) is always the
round's own count of itself.
"""

from __future__ import annotations

import threading

import pytest

from juryfund.domain.actors import Actor
from juryfund.extensions import db
from juryfund.models import AgendaItem, Member, Round
from juryfund.services import ballots, rounds, setup
from tests.conftest import POSTGRES_URL
from tests.races import TIMEOUT, race
from tests.voting.seating import full, p

pytestmark = [
    pytest.mark.voting,
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="the race needs PostgreSQL's row locks"),
]


def test_a_member_removed_while_the_round_closes_is_not_counted_in_its_stored_tally(
    app,
    open_round,
    jury,
    staff,
    monkeypatch,  # noqa: F811
):
    round_ = open_round()
    item = round_.agenda[0]
    members = full(jury)
    for member in members[:4]:
        ballots.cast_vote(p(round_, member), item, "yes")
    for member in members[4:]:
        ballots.cast_vote(p(round_, member), item, "no")
    db.session.commit()
    round_id, item_id, staff_id = round_.id, item.id, staff.id
    leaving_id = members[0].id  # voted yes

    read_members = threading.Event()
    removed = threading.Event()
    real = rounds._removed_members
    closer: list[int] = []

    def removed_members(r):
        found = real(r)
        if threading.get_ident() in closer and not read_members.is_set():
            read_members.set()
            removed.wait(5)  # bounded: a close that locks the members goes on after 5 s
        return found

    monkeypatch.setattr(rounds, "_removed_members", removed_members)

    def close(ready):
        closer.append(threading.get_ident())
        found = db.session.get(Round, round_id)
        actor = Actor.staff(staff_id)
        ready()
        rounds.close_round(found, actor=actor, early_reason="Alle haben abgestimmt")

    def remove(ready):
        member = db.session.get(Member, leaving_id)
        actor = Actor.staff(staff_id)
        member.body  # noqa: B018
        ready()
        read_members.wait(TIMEOUT)
        try:
            setup.remove_member(member, actor=actor)
            db.session.commit()
        finally:
            removed.set()

    outcomes = race(app, close, remove)
    assert outcomes == ["ok", "ok"], outcomes

    closed = db.session.get(Round, round_id)
    stored = db.session.get(AgendaItem, item_id)
    leaving = db.session.get(Member, leaving_id)
    # The round's own count of itself, as every page and the minutes' checks recompute it.
    recount = rounds.tallies(closed)[item_id]
    assert (stored.result, stored.participating, stored.yes, stored.no) == (
        recount.outcome.value,
        recount.participating,
        recount.yes,
        recount.no,
    ), (
        f"member removed at {leaving.removed_at}, round closed at {closed.closed_at}: "
        f"stored {stored.result} {stored.yes}:{stored.no}, recount {recount.outcome} "
        f"{recount.yes}:{recount.no}"
    )
