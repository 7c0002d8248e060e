"""One listener per session event, calling the app's hooks in the order the app installs them.

SQLAlchemy calls listeners of one event in the order they were registered, so hooks registered
with decorators at import time run in the order their modules happened to be imported. The
audit trail must chain its events last at commit (its lock is taken after every other lock of
the transaction, see infra.audit), after the page cache has moved its version on; that order is
written down once, in `create_app`, and this module keeps it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

#: The session events the app hooks into.
EVENTS = (
    "after_flush",
    "do_orm_execute",
    "before_commit",
    "after_commit",
    "after_soft_rollback",
    "after_transaction_end",
)

Hook = Callable[..., None]

_hooks: dict[str, tuple[Hook, ...]] = {name: () for name in EVENTS}


def _dispatcher(name: str) -> Hook:
    """The one listener of an event: it runs the installed hooks in their order."""

    def dispatch(*args: Any) -> None:
        for hook in _hooks[name]:
            hook(*args)

    dispatch.__name__ = f"dispatch_{name}"
    return dispatch


_DISPATCHERS = {name: _dispatcher(name) for name in EVENTS}


def install(hooks: Mapping[str, Sequence[Hook]]) -> None:
    """Set the hooks of each event, in order; listen once (calling it again replaces the hooks).

    Session events are global to the process, so every app built in it (tests build many)
    shares one set of hooks; they are the same functions each time.
    """
    unknown = set(hooks) - set(EVENTS)
    if unknown:
        raise ValueError(f"not a session event of the app: {sorted(unknown)}")
    for name in EVENTS:
        _hooks[name] = tuple(hooks.get(name, ()))
        if not event.contains(Session, name, _DISPATCHERS[name]):
            event.listen(Session, name, _DISPATCHERS[name])


def installed(name: str) -> tuple[Hook, ...]:
    """The hooks of one event, in the order they run."""
    return _hooks[name]
