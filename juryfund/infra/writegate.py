"""SQLite's writers queue at a gate instead of polling for the database's write lock.

SQLite lets one transaction write at a time. A writer that finds the lock taken is handed to
the busy handler, which sleeps in growing steps (1, 2, 5, 10 … up to 100 ms) and tries again:
while the lock is free for most of those sleeps the others wait, and a newcomer can take it
before a writer that has been sleeping for a second. With more workers than cores the writes
then collapse (the benchmark's vote POST fell from 9 to 1 req/s between 4 and 8 workers, with
p99 over 4 s, and application POSTs ran out of busy_timeout).

Here every write transaction first takes an exclusive `flock` on a file beside the database
(`<database>-writegate`), blocking in the kernel, and only then begins with BEGIN IMMEDIATE.
The gate is released the moment the transaction ends. A waiter wakes as soon as the gate is
free, so the database's own lock is never contended between gated writers and the busy handler
never sleeps for them. BEGIN IMMEDIATE (instead of pysqlite's deferred BEGIN) means the write
lock is held from the transaction's first statement on: no transaction ever has to upgrade a
read snapshot to a write, which SQLite refuses at once ("database is locked") when another
writer committed in between.

The gate works across processes (gunicorn workers, the CLI, the tick) and threads: each
acquisition opens the file anew, and flock locks of separate opens exclude each other even in one
process. A thread that already holds the gate through another connection to the same database
does not wait for itself (it falls back to the busy handler, as without the gate). Waiting is
bounded by the busy timeout; then the write is refused as "database is locked", which
web/retry.py treats as a lost race, just as SQLite's own timeout.

It applies to file databases only (an in-memory database has one connection and no file to
gate) and to connections made by the pysqlite driver; writers that do not take the gate (the
sqlite3 shell) still meet SQLite's own lock and busy handler.
"""

from __future__ import annotations

import fcntl
import os
import re
import sqlite3
import threading
import urllib.parse
from typing import Any

#: Statements after which pysqlite would have begun a (deferred) transaction by itself.
_WRITE = re.compile(r"\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)
#: Statements that begin a transaction that will write, or a savepoint (which outside a
#: transaction begins a deferred one of its own).
_BEGIN_WRITE = re.compile(r"\s*(BEGIN\s+(IMMEDIATE|EXCLUSIVE)|SAVEPOINT)\b", re.IGNORECASE)

#: (gate file, thread id) pairs holding the gate in this process: a thread never waits for itself.
_held: set[tuple[str, int]] = set()
_held_guard = threading.Lock()


def gate_path(database: str | bytes | os.PathLike, *, uri: bool = False) -> str | None:
    """The gate file of a database as sqlite3.connect names it; None for an in-memory one."""
    name = os.fsdecode(database)
    if uri and name.startswith("file:"):
        path, _, query = name[len("file:") :].partition("?")
        if urllib.parse.parse_qs(query).get("mode") == ["memory"]:
            return None
        name = urllib.parse.unquote(path)
    if name in ("", ":memory:") or name.startswith("file::memory:"):
        return None
    return os.path.abspath(name) + "-writegate"


class Gate:
    """One connection's hold on the gate of its database file."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.fd: int | None = None
        self._key: tuple[str, int] | None = None

    @property
    def held(self) -> bool:
        """Whether this connection holds the gate now."""
        return self.fd is not None

    def acquire(self, timeout: float) -> None:
        """Wait (at most `timeout` seconds) until no other writer holds the gate, then hold it.

        Raises sqlite3.OperationalError("database is locked") when the wait runs out.
        """
        key = (self.path, threading.get_ident())
        with _held_guard:
            if key in _held:
                return  # this thread writes through another connection: it must not wait for it
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        if not _flock(fd, timeout):
            raise sqlite3.OperationalError("database is locked")
        self.fd, self._key = fd, key
        with _held_guard:
            _held.add(key)

    def release(self) -> None:
        """Let the next writer in (closing the file drops the lock); nothing if not held."""
        fd, key = self.fd, self._key
        if fd is None:
            return
        self.fd = self._key = None
        with _held_guard:
            _held.discard(key)  # type: ignore[arg-type]
        os.close(fd)


def _flock(fd: int, timeout: float) -> bool:
    """Lock fd exclusively within `timeout` seconds; False (and fd closed) when it ran out.

    flock itself cannot time out: when the gate is taken, a helper thread waits in the kernel
    (and is woken the moment the gate is free) while this thread waits for it with the timeout.
    A helper whose caller gave up closes the file once it gets the lock, which lets it go again.
    """
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        pass
    done = threading.Event()
    guard = threading.Lock()
    state = {"abandoned": False, "locked": False}

    def wait() -> None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError:
            pass
        else:
            with guard:
                state["locked"] = not state["abandoned"]
        with guard:
            if state["abandoned"]:
                os.close(fd)
            done.set()  # under the guard: the caller then knows who closes the file

    threading.Thread(target=wait, name="sqlite-write-gate", daemon=True).start()
    done.wait(timeout)
    with guard:
        if state["locked"]:
            return True
        state["abandoned"] = True
        if done.is_set():  # the helper failed and will not close the file
            os.close(fd)
    return False


class GatedCursor(sqlite3.Cursor):
    """A cursor that takes its connection's write gate before the transaction's first write."""

    connection: GatedConnection

    def execute(self, sql: str, parameters: Any = (), /) -> GatedCursor:  # type: ignore[override]
        """Run a statement; a write outside a transaction first passes the gate."""
        connection = self.connection
        connection.before(sql)
        try:
            return super().execute(sql, parameters)  # type: ignore[return-value]
        finally:
            connection.after()

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> GatedCursor:  # type: ignore[override]
        """Run a statement for many parameter sets, through the gate like execute."""
        connection = self.connection
        connection.before(sql)
        try:
            return super().executemany(sql, seq_of_parameters)  # type: ignore[return-value]
        finally:
            connection.after()

    def executescript(self, sql_script: str, /) -> GatedCursor:  # type: ignore[override]
        """Run a script (pysqlite commits first); the gate is let go if no transaction is left."""
        try:
            return super().executescript(sql_script)  # type: ignore[return-value]
        finally:
            self.connection.after()


class GatedConnection(sqlite3.Connection):
    """A pysqlite connection whose write transactions pass the database's write gate.

    Given to sqlite3.connect as its factory (infra.database does this for every engine).
    """

    def __init__(self, database: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(database, *args, **kwargs)
        path = gate_path(database, uri=bool(kwargs.get("uri")))
        self._gate = Gate(path) if path is not None else None
        self._timeout = float(kwargs.get("timeout", args[0] if args else 5.0))
        self._pid = os.getpid()

    def set_busy_timeout(self, seconds: float) -> None:
        """How long the gate waits before refusing (PRAGMA busy_timeout does not tell us)."""
        self._timeout = seconds

    def cursor(self, factory: Any = GatedCursor) -> Any:  # type: ignore[override]
        """Cursors that pass the gate."""
        return super().cursor(factory)

    # The shortcuts of sqlite3.Connection make a plain cursor of their own: route them through
    # a gated one (SQLAlchemy uses cursor(); scripts and tests use these).
    def execute(self, sql: str, parameters: Any = (), /) -> Any:  # type: ignore[override]
        """Connection.execute through a gated cursor."""
        return self.cursor().execute(sql, parameters)

    def executemany(self, sql: str, seq_of_parameters: Any, /) -> Any:  # type: ignore[override]
        """Connection.executemany through a gated cursor."""
        return self.cursor().executemany(sql, seq_of_parameters)

    def executescript(self, sql_script: str, /) -> Any:  # type: ignore[override]
        """Connection.executescript through a gated cursor."""
        return self.cursor().executescript(sql_script)

    def before(self, sql: str) -> None:
        """Before a statement: a write (or a write transaction's BEGIN) takes the gate first."""
        gate = self._gate
        if gate is None or gate.held or os.getpid() != self._pid:
            return
        if self.in_transaction:
            if _WRITE.match(sql):  # a deferred transaction begun elsewhere starts to write
                gate.acquire(self._timeout)
            return
        if _BEGIN_WRITE.match(sql):
            gate.acquire(self._timeout)
            if sql.lstrip()[:9].upper() == "SAVEPOINT":
                self._begin_immediate(gate)
        elif _WRITE.match(sql):
            gate.acquire(self._timeout)
            self._begin_immediate(gate)

    def _begin_immediate(self, gate: Gate) -> None:
        """Begin the transaction with the write lock (pysqlite would begin it deferred)."""
        try:
            sqlite3.Connection.execute(self, "BEGIN IMMEDIATE")
        except BaseException:
            gate.release()
            raise

    def after(self) -> None:
        """After a statement: once no transaction is open any more, the gate is free again."""
        if self._gate is not None and self._gate.held and not self.in_transaction:
            self._gate.release()

    def commit(self) -> None:
        """Commit, then let the next writer in (also when the commit failed and rolled back)."""
        try:
            super().commit()
        finally:
            self.after()

    def rollback(self) -> None:
        """Roll back and let the next writer in."""
        try:
            super().rollback()
        finally:
            self.after()

    def close(self) -> None:
        """Close; the gate is let go whatever happened."""
        try:
            super().close()
        finally:
            if self._gate is not None:
                self._gate.release()
