"""Make a request lose a race with the database once, as a deadlock or a busy SQLite would.

The retry of web/retry.py then runs the view again; a view that is one unit of work (one
commit, uploads read from their start) must end exactly as if the race had never happened.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session


def lost_race() -> OperationalError:
    """The error a request gets when it lost a race: transient, so the view is run again."""
    return OperationalError("COMMIT", {}, sqlite3.OperationalError("database is locked"))


def lose_after(monkeypatch, module: Any, name: str) -> list[int]:
    """Let `module.name` do its work and then lose the race, the first time only.

    Returns the list of calls (one entry per call), to count how often the view ran it.
    """
    real = getattr(module, name)
    calls: list[int] = []

    def flaky(*args: Any, **kwargs: Any) -> Any:
        result = real(*args, **kwargs)
        calls.append(1)
        if len(calls) == 1:
            raise lost_race()
        return result

    monkeypatch.setattr(module, name, flaky)
    return calls


@contextmanager
def commits_seen(lose_when: Callable[[Session], bool] | None = None) -> Iterator[list[int]]:
    """Count the commits of whole transactions (one entry each, savepoints left out); with
    `lose_when`, the first commit for which it is true loses the race instead of committing."""
    seen: list[int] = []
    armed = [lose_when is not None]

    def before_commit(session: Session) -> None:
        if session.in_nested_transaction():
            return
        if armed[0] and lose_when is not None and lose_when(session):
            armed[0] = False
            raise lost_race()

    def after_commit(session: Session) -> None:
        if not session.in_nested_transaction():
            seen.append(1)

    event.listen(Session, "before_commit", before_commit)
    event.listen(Session, "after_commit", after_commit)
    try:
        yield seen
    finally:
        event.remove(Session, "before_commit", before_commit)
        event.remove(Session, "after_commit", after_commit)


def holds(model: type) -> Callable[[Session], bool]:
    """True for a session that holds an object of `model` (e.g. the application just sent)."""
    return lambda session: any(isinstance(obj, model) for obj in session.identity_map.values())
