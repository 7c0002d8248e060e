"""A written round closes (tick or staff) while an applicant withdraws one of its applications:
the close locks the agenda's applications after the round, so the withdrawal lands wholly before
(no decision for it) or after (decided). Real threads on PostgreSQL, interleaving forced."""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import SYSTEM
from juryfund.domain.states import State
from juryfund.extensions import db
from juryfund.models import Application, Decision, Round
from juryfund.services import intake, rounds
from tests.conftest import POSTGRES_URL
from tests.races import TIMEOUT, race
from tests.voting.conftest import make_ready, open_round, ready_apps  # noqa: F401

pytestmark = [
    pytest.mark.voting,
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="the race needs PostgreSQL's row locks"),
]


def test_a_round_without_quorum_closes_while_its_applicant_withdraws_at_that_moment(
    app,
    open_round,
    area,
    fund,  # noqa: F811
):
    """The tick closes a written round nobody voted in (no quorum: every item goes back to
    ready) while an applicant withdraws one of its applications. Nothing may stop a round from
    closing: expected the close lands, the withdrawn application stays withdrawn with no
    decision, the others get their no-quorum decision."""
    apps = [make_ready(area, fund, f"Aktion {n}", 30000) for n in range(3)]
    round_ = open_round(apps=apps)
    round_id, withdrawn_id = round_.id, apps[0].id

    withdrawn_flushed = threading.Event()

    def withdraw(ready):
        application = db.session.get(Application, withdrawn_id)
        ready()
        intake.withdraw(application, reason="Wir feiern doch nicht.")
        db.session.flush()
        withdrawn_flushed.set()
        time.sleep(1.0)  # the close reads the application's state meanwhile, then waits

    def close(ready):
        found = db.session.get(Round, round_id)
        ready()
        withdrawn_flushed.wait(TIMEOUT)
        rounds.close_round(found, actor=SYSTEM, early_reason="Vor der Frist geschlossen.")

    outcomes = race(app, withdraw, close)
    assert outcomes == ["ok", "ok"], outcomes
    assert db.session.get(Round, round_id).state == "closed"
    assert db.session.get(Application, withdrawn_id).state == State.WITHDRAWN
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Decision)
            .where(Decision.application_id == withdrawn_id)
        )
        == 0
    )
