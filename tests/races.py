"""Run service calls at the same moment from real threads, each with its own session.

Every thread gets its own app context (so its own database session and connection), loads what
it needs, waits at a barrier and then acts; a DomainError is the rules refusing, anything else
is a failure the test shows. The same code runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from juryfund.domain.errors import DomainError
from juryfund.extensions import db

#: Every thread join and barrier wait is bounded by this many seconds.
TIMEOUT = 30

Job = Callable[[Callable[[], None]], object]


def race(app, *jobs: Job) -> list[object]:
    """Run each job(ready) in its own thread; ready() releases them together.

    Jobs must use ids, never objects of the test's session (a session is not thread-safe).

    A job loads its objects, calls ready() and then does the write; the thread commits. The
    outcome per job, in order: "ok", the DomainError that refused it, or the unexpected error.
    """
    barrier = threading.Barrier(len(jobs))
    outcomes: list[object] = [None] * len(jobs)

    def run(index: int, job: Job) -> None:
        with app.app_context():
            try:
                job(lambda: barrier.wait(TIMEOUT))
                db.session.commit()
                outcomes[index] = "ok"
            except BaseException as error:  # noqa: BLE001  (reported to the test)
                db.session.rollback()
                outcomes[index] = error
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=run, args=(i, job), daemon=True) for i, job in enumerate(jobs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a racing request hung"
    db.session.rollback()  # the test's own session sees what the threads committed
    db.session.expire_all()
    return outcomes


def one_won(outcomes: list[object], *refusals: str) -> int:
    """Assert exactly one job succeeded and every other was refused by the rules; the winner."""
    winners = [i for i, outcome in enumerate(outcomes) if outcome == "ok"]
    assert len(winners) == 1, outcomes
    for outcome in outcomes:
        if outcome != "ok":
            assert isinstance(outcome, DomainError), repr(outcome)
            if refusals:
                assert outcome.reason in refusals, outcome.reason
    return winners[0]
