"""Rate-limit counters in a SQLite file that every worker process of one machine shares.

Flask-Limiter's "memory://" storage keeps counters per process: with three gunicorn workers a
limit of 10 logins a minute lets 30 through. Redis shares counters between machines, but the
single-machine default must not need a server. This storage (URI ``sqlitefile:///abs/path``)
keeps the counters in a small SQLite file of its own, next to the app's data, so the workers
of one machine count together and the app's database never waits for a rate-limit write.

Each check-and-count runs in one ``BEGIN IMMEDIATE`` transaction, which SQLite serialises
between processes: two workers can never both take the last free entry.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path
from urllib.parse import unquote, urlparse

from limits.storage import MovingWindowSupport, Storage

SCHEME = "sqlitefile"

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, value INTEGER NOT NULL, "
    "expires REAL NOT NULL)",
    "CREATE TABLE IF NOT EXISTS event (key TEXT NOT NULL, at REAL NOT NULL)",
    "CREATE INDEX IF NOT EXISTS event_key_at ON event (key, at)",
)


def path_of(uri: str) -> Path:
    """The file a ``sqlitefile:///abs/path`` URI names."""
    path = unquote(urlparse(uri).path)
    if not path:
        raise ValueError(f"{uri!r} names no file (use {SCHEME}:///absolute/path)")
    return Path(path)


class SQLiteFileStorage(Storage, MovingWindowSupport):
    """Fixed and moving windows in a SQLite file shared by the processes of one machine."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options) -> None:
        """Open (and create) the counter file the URI names; connections are made per process."""
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = path_of(uri)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()

    @property
    def base_exceptions(self) -> type[Exception]:
        """Errors of the storage that Flask-Limiter may treat as "storage unavailable"."""
        return sqlite3.Error

    def _connection(self) -> sqlite3.Connection:
        """This thread's connection; a forked worker opens its own instead of the master's."""
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA synchronous=NORMAL")
            for statement in _SCHEMA:
                connection.execute(statement)
            local.connection, local.pid = connection, os.getpid()
        return local.connection

    def _write(self, work):
        """Run work(connection) in one immediate (write-locked) transaction."""
        connection = self._connection()
        connection.execute("BEGIN IMMEDIATE")
        try:
            result = work(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        return result

    # --- fixed windows -------------------------------------------------------------------------

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """Add to a counter, starting a new window of `expiry` seconds when none is running."""

        def work(connection: sqlite3.Connection) -> int:
            now = time.time()
            row = connection.execute(
                "SELECT value, expires FROM counter WHERE key = ?", (key,)
            ).fetchone()
            if row is None or row[1] <= now:
                value, expires = amount, now + expiry
            else:
                value, expires = row[0] + amount, row[1]
            connection.execute(
                "INSERT OR REPLACE INTO counter (key, value, expires) VALUES (?, ?, ?)",
                (key, value, expires),
            )
            return value

        return self._write(work)

    def get(self, key: str) -> int:
        """A counter's value in its running window (0 when none runs)."""
        row = (
            self._connection()
            .execute("SELECT value FROM counter WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return row[0] if row else 0

    def get_expiry(self, key: str) -> float:
        """When a counter's window ends (now when none runs)."""
        now = time.time()
        row = (
            self._connection()
            .execute("SELECT expires FROM counter WHERE key = ? AND expires > ?", (key, now))
            .fetchone()
        )
        return row[0] if row else now

    # --- moving windows --------------------------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        """Take `amount` entries if fewer than `limit` - `amount` were taken in the last `expiry` s."""
        if amount > limit:
            return False

        def work(connection: sqlite3.Connection) -> bool:
            now = time.time()
            # Entries older than the window never count again: drop them as we pass.
            connection.execute("DELETE FROM event WHERE key = ? AND at <= ?", (key, now - expiry))
            (taken,) = connection.execute(
                "SELECT COUNT(*) FROM event WHERE key = ?", (key,)
            ).fetchone()
            if taken + amount > limit:
                return False
            connection.executemany(
                "INSERT INTO event (key, at) VALUES (?, ?)", [(key, now)] * amount
            )
            return True

        return self._write(work)

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """(oldest entry in the window, entries in the window) of a key."""
        now = time.time()
        oldest, count = (
            self._connection()
            .execute(
                "SELECT MIN(at), COUNT(*) FROM event WHERE key = ? AND at > ?", (key, now - expiry)
            )
            .fetchone()
        )
        return (oldest, count) if count else (now, 0)

    # --- housekeeping ----------------------------------------------------------------------------

    def check(self) -> bool:
        """True while the counter file can be read."""
        try:
            self._connection().execute("SELECT 1").fetchone()
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int:
        """Forget every counter and entry; how many there were."""

        def work(connection: sqlite3.Connection) -> int:
            counters = connection.execute("DELETE FROM counter").rowcount
            return counters + connection.execute("DELETE FROM event").rowcount

        return self._write(work)

    def clear(self, key: str) -> None:
        """Forget one key's counter and entries."""

        def work(connection: sqlite3.Connection) -> None:
            connection.execute("DELETE FROM counter WHERE key = ?", (key,))
            connection.execute("DELETE FROM event WHERE key = ?", (key,))

        self._write(work)
