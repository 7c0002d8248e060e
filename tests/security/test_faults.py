"""Faults: a busy database is retried then answered calmly; a killed worker leaves no trace."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from juryfund.extensions import db
from juryfund.infra import database
from juryfund.models import LedgerEntry, Mail
from juryfund.web.retry import is_transient

from ..conftest import POSTGRES_URL, csrf_from

pytestmark = pytest.mark.security

sqlite_only = pytest.mark.skipif(bool(POSTGRES_URL), reason="holds SQLite's database lock directly")


@pytest.fixture
def short_busy_timeout(monkeypatch):
    """Wait only 200 ms for a lock, so a held lock shows quickly (new connections pick it up)."""
    monkeypatch.setattr(database, "BUSY_TIMEOUT_MS", 200)
    db.engine.dispose()


def _hold_write_lock(path: str, seconds: float, ready: threading.Event) -> None:
    """Another process's writer: take SQLite's write lock and keep it for a while."""
    conn = sqlite3.connect(path, isolation_level=None, timeout=5)
    conn.execute("BEGIN IMMEDIATE")
    ready.set()
    time.sleep(seconds)
    conn.execute("ROLLBACK")
    conn.close()


@sqlite_only
def test_database_busy_through_every_retry_gives_calm_503_and_saves_nothing(
    app, make, login, client, short_busy_timeout, post_form
):
    area = make.area()
    fund = make.fund(area, make.body(area, members=1))
    user = make.staff(areas=[area])
    login(user)
    page = f"/staff/fund-years/{fund.years[0].id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    before = db.session.scalar(select(func.count(LedgerEntry.id)))
    ready = threading.Event()
    holder = threading.Thread(target=_hold_write_lock, args=(db.engine.url.database, 3.0, ready))
    holder.start()
    ready.wait()
    client.set_cookie("juryfund_lang", "en")
    response = client.post(
        f"{page}/adjust",
        data={"csrf_token": token, "adjust-amount": "100.00", "adjust-reason": "Nachbewilligung"},
    )
    holder.join()
    assert response.status_code == 503
    assert "Nothing was saved" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(LedgerEntry.id))) == before


@sqlite_only
def test_busy_database_retried_until_the_lock_is_free(app, make, login, client, short_busy_timeout):
    area = make.area()
    fund = make.fund(area, make.body(area, members=1))
    login(make.staff(areas=[area]))
    page = f"/staff/fund-years/{fund.years[0].id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    ready = threading.Event()
    # Longer than one busy timeout (200 ms), shorter than the retries together.
    holder = threading.Thread(target=_hold_write_lock, args=(db.engine.url.database, 0.3, ready))
    holder.start()
    ready.wait()
    response = client.post(
        f"{page}/adjust",
        data={"csrf_token": token, "adjust-amount": "100,00", "adjust-reason": "Nachbewilligung"},
    )
    holder.join()
    assert response.status_code == 302
    assert (
        db.session.scalar(
            select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == "adjustment")
        )
        == 1
    )


def test_transient_errors_are_recognised():
    import psycopg

    locked = OperationalError("UPDATE …", {}, sqlite3.OperationalError("database is locked"))
    assert is_transient(locked)
    assert not is_transient(
        OperationalError("SELECT …", {}, sqlite3.OperationalError("no such table: x"))
    )
    for error_class in (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected):
        assert is_transient(OperationalError("UPDATE …", {}, error_class("conflict")))
    assert not is_transient(ValueError("not a database error"))


KILLED_WORKER = """
import sys, time
from juryfund import create_app
from juryfund.extensions import db
from juryfund.models import FundYear
from juryfund.services import ledger
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1], "JURYFUND_SECRET_KEYS": ["k"]})
with app.app_context():
    fund_year = db.session.get(FundYear, int(sys.argv[2]))
    ledger.book(fund_year, "adjustment", 12345, note="half done")
    from juryfund.infra.mail import queue_mail  # a mail written in the same transaction
    queue_mail(to="x@example.org", language="de", purpose="test", template="test_message",
               reference="R", name="N", note="n", link="http://x")
    db.session.flush()
    print("flushed", flush=True)
    time.sleep(60)  # killed here, before the commit
"""


def test_worker_killed_mid_transaction_leaves_no_partial_change(app, make):
    area = make.area()
    fund = make.fund(area, make.body(area, members=1))
    fund_year_id = fund.years[0].id
    before = (
        db.session.scalar(select(func.count(LedgerEntry.id))),
        db.session.scalar(select(func.count(Mail.id))),
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-c",
            KILLED_WORKER,
            str(db.engine.url.render_as_string(False)),
            str(fund_year_id),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout.readline().strip() == "flushed"
    finally:
        worker.kill()  # SIGKILL: no cleanup, no rollback by the worker itself
        worker.wait(timeout=10)
    db.session.rollback()
    after = (
        db.session.scalar(select(func.count(LedgerEntry.id))),
        db.session.scalar(select(func.count(Mail.id))),
    )
    assert after == before
    # and the database is usable at once (no lock left behind)
    from juryfund.services import ledger

    ledger.book(fund.years[0], "adjustment", 100, note="after the crash")
    db.session.commit()


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES_URL, reason="needs JURYFUND_TEST_DATABASE_URL (PostgreSQL) for a real deadlock"
)
def test_real_postgres_deadlock_is_retried_until_both_succeed(app, make):
    """Two transactions lock two fund years in opposite order: PostgreSQL aborts one (40P01);
    the retry runs it again and both bookings land."""
    from juryfund.services import ledger
    from juryfund.web.retry import retrying

    area = make.area()
    body = make.body(area, members=1)
    first, second = make.fund(area, body).years[0].id, make.fund(area, body).years[0].id
    barrier = threading.Barrier(2)
    attempts = {"a": 0, "b": 0}
    results = {}

    def transfer(name, one, other):
        @retrying
        def work():
            attempts[name] += 1
            ledger.lock_fund_year(one)
            if attempts[name] == 1:
                barrier.wait(timeout=10)  # both hold their first lock before taking the second
            ledger.lock_fund_year(other)
            db.session.commit()
            return "done"

        with app.app_context():
            try:
                results[name] = work()
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=transfer, args=("a", first, second)),
        threading.Thread(target=transfer, args=("b", second, first)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == {"a": "done", "b": "done"}
    assert sorted(attempts.values()) == [1, 2]  # exactly one was aborted and retried
