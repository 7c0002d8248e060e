"""HTTP hardening: headers, cookies, staff session time-outs, rate limits (memory and Redis)."""

from __future__ import annotations

import socket
import time
import uuid

import pytest

from juryfund import create_app

from ..conftest import PASSWORD, csrf_from

pytestmark = pytest.mark.security


@pytest.mark.parametrize("path", ["/", "/staff/login", "/nowhere/", "/status/resend"])
def test_security_headers_on_every_response(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert (
        "script-src 'self'" in csp
        and "unsafe-inline" not in csp
        and "frame-ancestors 'none'" in csp
    )
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers


@pytest.mark.parametrize("path", ["/", "/staff/login", "/map"])
def test_the_inline_style_sheet_is_the_one_the_policy_allows_by_hash(client, path):
    """The page carries app.css in its head (no second round trip on a slow line); the CSP
    allows exactly that text by its SHA-256 and no other inline style."""
    import base64
    import hashlib
    import re
    from pathlib import Path

    response = client.get(path)
    html = response.get_data(as_text=True)
    styles = re.findall(r"<style>(.*?)</style>", html, flags=re.DOTALL)
    css = (Path(__file__).resolve().parents[2] / "static" / "app.css").read_text("utf-8")
    assert styles == [css]
    assert 'href="/static/app.css' not in html
    digest = base64.b64encode(hashlib.sha256(styles[0].encode()).digest()).decode()
    style_src = re.search(r"style-src ([^;]*);", response.headers["Content-Security-Policy"])
    assert style_src.group(1).split() == ["'self'", f"'sha256-{digest}'"]


def test_hsts_only_over_tls(client):
    response = client.get("/", base_url="https://localhost")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_session_cookie_httponly_samesite_and_secure_when_configured(app, make, login, client):
    login(make.admin())
    cookie = client.get_cookie("session")
    assert cookie.http_only and cookie.same_site == "Lax" and not cookie.secure
    app.config["SESSION_COOKIE_SECURE"] = True
    secure = app.test_client()
    html = secure.get("/staff/login", base_url="https://localhost").get_data(as_text=True)
    response = secure.post(
        "/staff/login",
        base_url="https://localhost",
        data={"csrf_token": csrf_from(html), "email": "x@example.org", "password": "x"},
    )
    assert "Secure" in response.headers.get("Set-Cookie", "")


def test_login_starts_a_new_session(client, make):
    user = make.admin()
    client.get("/staff/login")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    html = client.get("/staff/login").get_data(as_text=True)
    client.post(
        "/staff/login",
        data={"csrf_token": csrf_from(html), "email": user.email, "password": PASSWORD},
    )
    with client.session_transaction() as session:
        assert "planted" not in session


@pytest.mark.parametrize(("field", "age"), [("seen_at", 121 * 60), ("auth_at", 13 * 3600)])
def test_idle_and_absolute_timeouts_end_the_session(client, make, login, field, age):
    login(make.admin())
    assert client.get("/staff/").status_code == 200
    with client.session_transaction() as session:
        session[field] = int(time.time()) - age
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    assert client.get("/staff/").status_code == 302  # still logged out


def test_public_pages_may_be_cached_until_a_staff_member_sees_them(client, area, staff, login):
    """A public page for the public carries no no-store; the same page for staff (with their
    name in the header) is kept by no cache, and neither is any staff page."""
    assert "no-store" not in client.get(f"/{area.slug}").headers.get("Cache-Control", "")
    login(staff)
    assert "no-store" in client.get(f"/{area.slug}").headers["Cache-Control"]
    assert "no-store" in client.get("/staff/").headers["Cache-Control"]


def _limited_app(database_url, tmp_path, **settings):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "JURYFUND_SECRET_KEYS": ["k"],
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
            # Counters of this test only: the default file lives in the instance folder, which
            # a second run of the suite (e.g. on PostgreSQL after SQLite) would find full.
            "RATELIMIT_STORAGE_URI": f"sqlitefile://{tmp_path / 'ratelimits.sqlite3'}",
            **settings,
        }
    )


def _post_login(client):
    html = client.get("/staff/login").get_data(as_text=True)
    return client.post(
        "/staff/login",
        data={
            "csrf_token": csrf_from(html),
            "email": "a@example.org",
            "password": "wrong password",
        },
    )


def test_login_rate_limited(database_url, tmp_path, app):
    limited = _limited_app(database_url, tmp_path, JURYFUND_LIMIT_LOGIN="3 per minute")
    client = limited.test_client()
    statuses = [_post_login(client).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert client.get("/staff/login").status_code == 200  # reading the page is not limited


def test_resend_rate_limited(database_url, tmp_path, app):
    limited = _limited_app(database_url, tmp_path, JURYFUND_LIMIT_RESEND="2 per hour")
    client = limited.test_client()
    codes = []
    for _ in range(3):
        html = client.get("/status/resend").get_data(as_text=True)
        codes.append(
            client.post(
                "/status/resend", data={"csrf_token": csrf_from(html), "email": "x@example.org"}
            ).status_code
        )
    assert codes == [200, 200, 429]


def _redis_up() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


OTHER_SERVER = """
import sys, re
from juryfund import create_app
app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": sys.argv[1], "JURYFUND_SECRET_KEYS": ["k"],
                  "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": sys.argv[2], "RATELIMIT_KEY_PREFIX": sys.argv[3],
                  "JURYFUND_LIMIT_LOGIN": "3 per minute"})
client = app.test_client()
codes = []
for _ in range(2):
    html = client.get("/staff/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    codes.append(client.post("/staff/login", data={"csrf_token": token, "email": "a@example.org",
                                                   "password": "wrong password"}).status_code)
print(codes)
"""


def _app_server(database_url: str, storage: str, prefix: str) -> str:
    """Two logins through an app server of its own (another process) with the given storage."""
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", OTHER_SERVER, database_url, storage, prefix],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.strip().splitlines()[-1]


@pytest.mark.skipif(not _redis_up(), reason="Redis is not running on 127.0.0.1:6379")
@pytest.mark.parametrize(
    ("storage", "second_server"),
    [
        (
            "redis://127.0.0.1:6379/0",
            "[200, 429]",
        ),  # counters shared: the limit holds across servers
        ("memory://", "[200, 200]"),  # per process: the second server knows nothing of the first
    ],
)
def test_rate_limit_counters_shared_between_app_servers_through_redis(
    database_url, app, storage, second_server
):
    prefix = f"test-{uuid.uuid4().hex}"
    assert _app_server(database_url, storage, prefix) == "[200, 200]"
    assert _app_server(database_url, storage, prefix) == second_server
