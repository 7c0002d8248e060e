"""Bounded retry of a request whose transaction lost a race in the database.

SQLite answers "database is locked" when busy_timeout runs out; PostgreSQL aborts a transaction
with a serialization failure or a deadlock. Each is transient: the view is run again from the
start on a clean session, a few times with a short pause, and then a calm error page says that
nothing was saved.

Running a view again is safe because every view is one unit of work (web/unit_of_work.py): it
commits once, at its end, so a lost race leaves nothing half done to be done twice, and it
reads uploaded files from their start, so a second run sees the same bytes as the first.
"""

from __future__ import annotations

import random
import time
from functools import wraps

from sqlalchemy.exc import DBAPIError, OperationalError

from ..extensions import db

ATTEMPTS = 3
#: PostgreSQL SQLSTATEs: serialization_failure, deadlock_detected, lock_not_available.
RETRYABLE_SQLSTATES = frozenset({"40001", "40P01", "55P03"})


class DatabaseBusy(Exception):
    """The database stayed busy through every attempt."""


def is_transient(error: Exception) -> bool:
    """True for a lost race that a new attempt may win."""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    sqlstate = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if sqlstate in RETRYABLE_SQLSTATES:
        return True
    return isinstance(error, OperationalError) and "database is locked" in str(original)


def retrying(view):
    """Run a view again (up to ATTEMPTS) when its transaction lost a race; then DatabaseBusy."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return view(*args, **kwargs)
            except DBAPIError as error:
                if not is_transient(error):
                    raise
                db.session.rollback()
                if attempt == ATTEMPTS:
                    raise DatabaseBusy() from error
                time.sleep(0.05 * attempt + random.random() * 0.05)  # spread the retries apart
        raise AssertionError("unreachable")

    return wrapped


def wrap_views(app) -> None:
    """Give every view of the app the retry (after all blueprints are registered)."""
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            app.view_functions[endpoint] = retrying(view)
