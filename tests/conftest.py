"""Fixtures: an app on SQLite (default) or PostgreSQL (JURYFUND_TEST_DATABASE_URL), clients, logging in.

The test data (areas, juries, funds, staff, decided applications) comes from the plugin
``tests/fixtures.py``, built by the factory_boy factories of ``tests/factories.py``.
"""

from __future__ import annotations

import os
import re

import pytest
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

import juryfund.models  # noqa: F401  (registers every table on db.metadata)
from juryfund import create_app
from juryfund.extensions import db
from juryfund.models import guards
from tests.factories import PASSWORD  # noqa: F401  (the tests import it from here)

# For every test module: the real SMTP server, and the shared data fixtures.
pytest_plugins = ["tests.smtp_server", "tests.fixtures"]

POSTGRES_URL = os.environ.get("JURYFUND_TEST_DATABASE_URL", "")


def _reset_schema(url: str) -> None:
    """Start the session from an empty database with the models' tables."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        db.metadata.create_all(conn)
    engine.dispose()


def _truncate(url: str) -> None:
    """Empty every table between tests; much faster than rebuilding the schema."""
    engine = create_engine(url)
    tables = [t.name for t in db.metadata.sorted_tables]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # The append-only guards refuse DELETE; lift them while emptying, then put them back.
            for (trigger,) in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            ).all():
                conn.exec_driver_sql(f'DROP TRIGGER "{trigger}"')
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))
            guards.install(conn)
    engine.dispose()


class FreshContextClient(FlaskClient):
    """Runs every request in its own app context, as in production.

    Without this, requests would reuse the test's app context and share its `g` and database
    session, hiding bugs that only appear with a fresh session per request.
    """

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        db.session.expire_all()  # the test's own session then sees what the request changed
        return response


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    """The URL of the test database, freshly built once per test session."""
    url = POSTGRES_URL or f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    _reset_schema(url)
    return url


@pytest.fixture
def app(database_url, tmp_path):
    """An app bound to the test database, with an app context pushed for the test."""
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "JURYFUND_SECRET_KEYS": ["test-secret-key"],
            "JURYFUND_MAIL_BACKEND": "file",
            "JURYFUND_INSTANCE_PATH": str(tmp_path),
            # Counters would carry over between tests; the security tests switch limits on.
            "RATELIMIT_ENABLED": False,
        }
    )
    app.instance_path = str(tmp_path)
    app.test_client_class = FreshContextClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    _truncate(database_url)


@pytest.fixture
def client(app):
    """A test client that keeps cookies (session, language) between requests."""
    return app.test_client()


@pytest.fixture
def runner(app):
    """A CLI runner for `flask juryfund ...` commands."""
    return app.test_cli_runner()


CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|value="([^"]+)" name="csrf_token"|name="csrf_token" value="([^"]+)"'
)


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return next(group for group in match.groups() if group)


@pytest.fixture
def post_form(client):
    """POST a form as a browser would: fetch the page first for its CSRF token."""

    def post(url: str, data: dict, *, page: str | None = None, **kwargs):
        html = client.get(page or url).get_data(as_text=True)
        payload = {"csrf_token": csrf_from(html), **data}
        return client.post(url, data=payload, **kwargs)

    return post


def log_in(client: FlaskClient, user, password: str = PASSWORD):
    """Log a staff user in through the real login form of this client; the redirect response."""
    html = client.get("/staff/login").get_data(as_text=True)
    response = client.post(
        "/staff/login",
        data={"csrf_token": csrf_from(html), "email": user.email, "password": password},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture
def login(client):
    """Log a staff user in through the real login form of the test's client."""

    def do_login(user, password=PASSWORD):
        return log_in(client, user, password)

    return do_login


@pytest.fixture
def clock_at(monkeypatch):
    """Move the product's one clock (juryfund.infra.clock.now) to a given aware moment."""
    from juryfund.infra import clock

    def move(moment):
        assert moment.tzinfo is not None, "the clock is aware (UTC)"
        monkeypatch.setattr(clock, "now", lambda: moment)
        return moment

    return move
