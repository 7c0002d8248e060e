"""SQLite's write gate (infra.writegate): writers queue at a file lock, never poll for the database.

Real threads and real processes on a database file; no test measures time. Waits that must end
are bounded by short busy timeouts, so a broken gate fails a test instead of hanging it.
"""

from __future__ import annotations

import fcntl
import multiprocessing
import os
import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from juryfund.extensions import db
from juryfund.infra.writegate import GatedConnection, gate_path

#: Every thread join, barrier and queue wait is bounded by this many seconds.
TIMEOUT = 30


@pytest.fixture
def database(tmp_path) -> str:
    """An empty WAL database file with one table."""
    path = str(tmp_path / "gate.sqlite3")
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (n INTEGER)")
    connection.close()
    return path


def connect(path: str, timeout: float = TIMEOUT) -> GatedConnection:
    """A gated connection as the app makes them (pysqlite's default, deferred transactions)."""
    return sqlite3.connect(path, timeout=timeout, factory=GatedConnection, check_same_thread=False)


def gate_free(path: str) -> bool:
    """Whether nobody holds the gate now: a fresh open of its file can lock it at once."""
    fd = os.open(gate_path(path), os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing drops the lock taken here
    return True


def gate_freed(path: str, seconds: float = TIMEOUT) -> bool:
    """Whether the gate is free within `seconds`: an abandoned wait's helper thread still takes
    the gate for a moment when the holder lets go, and closes its file (letting it go) at once."""
    deadline = time.monotonic() + seconds
    while not gate_free(path):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


def database_write_lock_free(path: str) -> bool:
    """Whether SQLite's own write lock is free: an ungated connection can take it at once."""
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as error:
        assert "locked" in str(error)
        return False
    else:
        other.execute("ROLLBACK")
        return True
    finally:
        other.close()


def test_in_memory_databases_have_no_gate():
    assert gate_path(":memory:") is None
    assert gate_path("") is None
    assert gate_path("file::memory:?cache=shared", uri=True) is None
    assert gate_path("file:x.db?mode=memory", uri=True) is None
    assert gate_path("file:/srv/j.db?mode=rwc", uri=True) == "/srv/j.db-writegate"
    connection = sqlite3.connect(":memory:", factory=GatedConnection)
    connection.execute("CREATE TABLE t (n INTEGER)")
    connection.execute("INSERT INTO t VALUES (1)")
    connection.commit()
    assert connection.execute("SELECT n FROM t").fetchall() == [(1,)]


def test_a_write_holds_the_gate_and_the_write_lock_from_its_first_statement(database):
    connection = connect(database)
    connection.execute("SELECT count(*) FROM t").fetchall()  # reads take nothing
    assert gate_free(database) and database_write_lock_free(database)
    connection.execute("INSERT INTO t VALUES (1)")
    assert not gate_free(database)
    assert not database_write_lock_free(database)  # BEGIN IMMEDIATE: no upgrade later
    connection.commit()
    assert gate_free(database) and database_write_lock_free(database)


def test_the_gate_is_let_go_on_every_way_out(database):
    connection = connect(database)
    connection.execute("INSERT INTO t VALUES (1)")
    connection.rollback()
    assert gate_free(database)

    connection.execute("UPDATE t SET n = 2")
    connection.execute("COMMIT")  # ended by SQL, not by the driver's commit()
    assert gate_free(database)

    connection.execute("INSERT INTO t VALUES (3)")
    with pytest.raises(sqlite3.OperationalError):
        connection.execute("INSERT INTO missing VALUES (1)")  # a failed statement
    assert not gate_free(database)  # the transaction is still open: still held
    connection.rollback()
    assert gate_free(database)

    connection.execute("DELETE FROM t")
    connection.close()
    assert gate_free(database)
    assert database_write_lock_free(database)


def test_a_savepoint_outside_a_transaction_begins_one_that_writes(database):
    """SQLite would begin a deferred transaction for it, and releasing the savepoint would
    commit it apart from the rest; now it is a write transaction that commit() ends."""
    connection = connect(database)
    connection.execute("SAVEPOINT part")
    assert not gate_free(database) and not database_write_lock_free(database)
    connection.execute("INSERT INTO t VALUES (1)")
    connection.execute("RELEASE SAVEPOINT part")
    assert connection.in_transaction  # the part is not committed on its own
    connection.rollback()
    assert gate_free(database)
    assert connection.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_threads_writing_at_once_all_succeed_one_at_a_time(database):
    """Eight threads, each reading, then incrementing inside its write transaction: no write is
    refused, none is lost, and no two are ever inside a write transaction together."""
    threads, rounds = 8, 25
    connection = connect(database)
    connection.execute("INSERT INTO t VALUES (0)")
    connection.commit()
    inside, most_inside, errors = [0], [0], []
    guard = threading.Lock()
    barrier = threading.Barrier(threads)

    def writer() -> None:
        own = connect(database, timeout=TIMEOUT)
        try:
            barrier.wait(TIMEOUT)
            for _ in range(rounds):
                own.execute("SELECT n FROM t").fetchone()  # a read first, as the app does
                own.execute("UPDATE t SET n = n + 1")
                with guard:
                    inside[0] += 1
                    most_inside[0] = max(most_inside[0], inside[0])
                (value,) = own.execute("SELECT n FROM t").fetchone()
                own.execute("UPDATE t SET n = ?", (value,))  # read-modify-write in the lock
                with guard:
                    inside[0] -= 1
                own.commit()
        except Exception as error:  # noqa: BLE001  (reported to the test)
            errors.append(error)
        finally:
            own.close()

    workers = [threading.Thread(target=writer, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(TIMEOUT)
    assert not any(worker.is_alive() for worker in workers), "a writer hung"
    assert errors == []
    assert most_inside[0] == 1
    assert connection.execute("SELECT n FROM t").fetchone() == (threads * rounds,)
    assert gate_free(database)


def test_a_thread_never_waits_for_its_own_other_connection(database):
    """Two connections of one thread: the second write meets SQLite's lock (busy timeout) and is
    refused as locked, instead of waiting for a gate its own thread holds, forever."""
    first, second = connect(database), connect(database, timeout=0.05)
    first.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("INSERT INTO t VALUES (2)")
    first.commit()
    second.execute("INSERT INTO t VALUES (2)")
    second.commit()
    assert first.execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_a_writer_waits_at_most_the_busy_timeout_and_then_gets_in(database):
    holder = connect(database)
    holder.execute("INSERT INTO t VALUES (1)")
    outcome: list[object] = []

    def impatient() -> None:
        waiter = connect(database, timeout=0.05)
        try:
            waiter.execute("INSERT INTO t VALUES (2)")
        except sqlite3.OperationalError as error:
            outcome.append(str(error))
            waiter.close()
            return
        outcome.append("wrote")

    thread = threading.Thread(target=impatient, daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    assert outcome == ["database is locked"]  # what web/retry.py treats as a lost race
    holder.commit()
    assert gate_freed(database)  # the abandoned wait did not keep the gate

    patient_done = threading.Event()

    def patient() -> None:
        waiter = connect(database)
        waiter.execute("INSERT INTO t VALUES (3)")
        waiter.commit()
        waiter.close()
        patient_done.set()

    holder.execute("INSERT INTO t VALUES (2)")
    thread = threading.Thread(target=patient, daemon=True)
    thread.start()
    assert not patient_done.wait(0.05)  # it waits at the gate while the holder writes
    holder.commit()
    assert patient_done.wait(TIMEOUT)  # and gets in once the holder is done
    assert holder.execute("SELECT n FROM t ORDER BY n").fetchall() == [(1,), (2,), (3,)]


def _hold_the_gate(path: str, holding, release) -> None:
    """In another process: write, say so, wait to be told, commit."""
    connection = connect(path)
    connection.execute("INSERT INTO t VALUES (1)")
    holding.set()
    release.wait(TIMEOUT)
    connection.commit()
    connection.close()


def test_the_gate_holds_across_processes(database):
    context = multiprocessing.get_context("spawn")
    holding, release = context.Event(), context.Event()
    other = context.Process(target=_hold_the_gate, args=(database, holding, release))
    other.start()
    try:
        assert holding.wait(TIMEOUT)
        assert not gate_free(database)
        waiter = connect(database, timeout=0.05)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            waiter.execute("INSERT INTO t VALUES (2)")
        release.set()
        other.join(TIMEOUT)
        assert other.exitcode == 0
        waiter.execute("INSERT INTO t VALUES (2)")
        waiter.commit()
        assert waiter.execute("SELECT count(*) FROM t").fetchone() == (2,)
    finally:
        release.set()
        other.join(TIMEOUT)


def test_the_apps_sqlite_connections_pass_the_gate(app):
    """Every engine of the app opens gated connections; a write holds the gate until commit."""
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    if db.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL needs no gate: it locks rows, not the database")
    assert isinstance(driver, GatedConnection)
    path = db.engine.url.database
    db.session.execute(text("UPDATE area SET id = id WHERE 1 = 0"))
    assert not gate_free(path)
    db.session.commit()
    assert gate_free(path)
