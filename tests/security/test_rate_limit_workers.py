"""Rate limits hold exactly across gunicorn workers on one machine, with no Redis (issue 15).

The real gunicorn starts from deploy/gunicorn.conf.py with three workers and the default
rate-limit storage; a client sends more logins than the limit allows, each on a new connection
(sync workers take connections in turn), and exactly the configured number gets through.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from juryfund.infra.ratelimit_storage import SQLiteFileStorage
from tests.foundation.test_deploy import GUNICORN_CONF, ROOT, _free_port, _wait_for_port

pytestmark = pytest.mark.security

LIMIT = 5
ATTEMPTS = 3 * LIMIT


def _opener() -> urllib.request.OpenerDirector:
    """A client with its own cookies (the session that carries the CSRF token)."""
    return urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )


def _failed_login(opener, base: str) -> int:
    """The status of one wrong-password login, sent as a browser sends the form."""
    with opener.open(f"{base}/staff/login", timeout=10) as response:
        html = response.read().decode()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode(
        {"csrf_token": token, "email": "nobody@example.org", "password": "wrong password"}
    ).encode()
    try:
        with opener.open(f"{base}/staff/login", data=body, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.fixture
def gunicorn(tmp_path: Path):
    """gunicorn with the deploy config, three workers, default rate-limit storage; base URL."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JURYFUND_", "RATELIMIT"))}
    env.update(
        JURYFUND_ENV="production",
        JURYFUND_SECRET_KEY="rate-limit-secret-key",
        JURYFUND_AUDIT_KEY="rate-limit-audit-key",
        JURYFUND_INSTANCE_PATH=str(tmp_path),
        JURYFUND_DATABASE_URL=f"sqlite:///{tmp_path / 'juryfund.sqlite3'}",
        JURYFUND_BIND=f"127.0.0.1:{port}",
        JURYFUND_WORKERS="3",
        JURYFUND_LIMIT_LOGIN=f"{LIMIT} per minute",
    )
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    log = (tmp_path / "gunicorn.log").open("w+")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF), "app:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, process, time.monotonic() + 60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.seek(0)
        print(log.read()[-3000:])


@pytest.mark.slow
def test_three_gunicorn_workers_accept_exactly_the_configured_logins(gunicorn, tmp_path):
    statuses = [_failed_login(_opener(), gunicorn) for _ in range(ATTEMPTS)]
    accepted = [status for status in statuses if status != 429]
    assert len(accepted) == LIMIT, statuses
    assert statuses[LIMIT:] == [429] * (ATTEMPTS - LIMIT)  # no worker lets one more through
    # The counters are in the instance folder's shared file, not in each worker's memory.
    assert (tmp_path / "ratelimits.sqlite3").exists()


def test_moving_window_counts_across_processes(tmp_path):
    """Two storages on one file (as two workers have) share one window."""
    uri = f"sqlitefile://{tmp_path / 'limits.sqlite3'}"
    first, second = SQLiteFileStorage(uri), SQLiteFileStorage(uri)
    taken = [storage.acquire_entry("login", 3, 60) for storage in (first, second) * 3]
    assert taken == [True, True, True, False, False, False]
    start, count = second.get_moving_window("login", 3, 60)
    assert count == 3 and start <= time.time()
    second.clear("login")
    assert first.get_moving_window("login", 3, 60)[1] == 0


def test_fixed_window_counter_and_expiry(tmp_path):
    storage = SQLiteFileStorage(f"sqlitefile://{tmp_path / 'limits.sqlite3'}")
    assert storage.incr("k", 60) == 1 and storage.incr("k", 60, amount=2) == 3
    assert storage.get("k") == 3 and storage.get_expiry("k") > time.time()
    assert storage.incr("gone", -1) == 1 and storage.get("gone") == 0  # its window is over
    assert storage.check() and storage.reset() >= 1 and storage.get("k") == 0


def test_a_uri_without_a_path_is_refused():
    with pytest.raises(ValueError, match="names no file"):
        SQLiteFileStorage("sqlitefile://")
