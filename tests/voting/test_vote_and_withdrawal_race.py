"""A member votes on an application at the moment its applicant withdraws it.

The withdrawal locks the application's row; a vote or conflict declaration reads the application
under a shared lock (PostgreSQL) or inside the write lock it took (SQLite). Either the position
lands before the withdrawal or it is refused: a withdrawn application never collects a vote the
minutes would count.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import select

from juryfund.domain.actors import Actor
from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.models import AgendaItem, Application, Position, RoundMember
from juryfund.services import ballots, intake
from tests.races import TIMEOUT, race
from tests.voting.conftest import open_round, ready_apps  # noqa: F401
from tests.voting.seating import full, p

pytestmark = [pytest.mark.voting, pytest.mark.postgres]


def _race_with_withdrawal(app, round_, member, act) -> list[object]:
    """Withdraw the first item's application and, while the withdrawal holds its lock, let
    the member `act` on the item (from a page read before the withdrawal)."""
    item = round_.agenda[0]
    participant_id, item_id, application_id = p(round_, member).id, item.id, item.application_id
    withdrawn_uncommitted = threading.Event()

    def withdraw(ready):
        application = db.session.get(Application, application_id)
        ready()
        intake.withdraw(application, actor=Actor.applicant(application.reference))
        withdrawn_uncommitted.set()
        time.sleep(0.5)  # the member's request arrives while the withdrawal is not committed

    def position(ready):
        participant = db.session.get(RoundMember, participant_id)
        found = db.session.get(AgendaItem, item_id)
        assert found.application.state != "withdrawn"  # the page the member sees offers it
        participant.round.body.area  # noqa: B018
        ready()
        withdrawn_uncommitted.wait(TIMEOUT)
        act(participant, found)

    return race(app, withdraw, position)


def _positions_on(item_id: int) -> list[Position]:
    return list(db.session.scalars(select(Position).where(Position.agenda_item_id == item_id)))


def test_a_vote_sent_while_the_application_is_withdrawn_is_refused(app, open_round, jury):
    round_ = open_round()
    member = full(jury)[0]
    item_id = round_.agenda[0].id

    outcomes = _race_with_withdrawal(
        app, round_, member, lambda participant, item: ballots.cast_vote(participant, item, "yes")
    )

    assert outcomes[0] == "ok"
    assert isinstance(outcomes[1], DomainError), outcomes
    assert outcomes[1].reason == "ballot.withdrawn"
    assert _positions_on(item_id) == []


def test_a_conflict_declared_while_the_application_is_withdrawn_is_refused(app, open_round, jury):
    round_ = open_round()
    member = full(jury)[1]
    item_id = round_.agenda[0].id

    outcomes = _race_with_withdrawal(
        app,
        round_,
        member,
        lambda participant, item: ballots.declare_conflict(participant, item, "Mein Nachbar"),
    )

    assert outcomes[0] == "ok"
    assert isinstance(outcomes[1], DomainError), outcomes
    assert outcomes[1].reason == "ballot.withdrawn"
    assert _positions_on(item_id) == []


def test_a_vote_on_an_application_already_withdrawn_is_refused_by_the_service(
    app, open_round, jury
):
    """Not only the ballot page: the service itself refuses (staff recording a meeting too)."""
    round_ = open_round()
    item = round_.agenda[0]
    intake.withdraw(item.application, actor=Actor.applicant(item.application.reference))
    db.session.commit()

    with pytest.raises(DomainError) as refused:
        ballots.cast_vote(p(round_, full(jury)[2]), item, "no")
    assert refused.value.reason == "ballot.withdrawn"
