"""Fixtures: an app on SQLite (default) or PostgreSQL (JURYFUND_TEST_DATABASE_URL), clients, logging in.

The test data (areas, juries, funds, staff, decided applications) comes from the plugin
``tests/fixtures.py``, built by the factory_boy factories of ``tests/factories.py``.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from jinja2 import BytecodeCache
from sqlalchemy import create_engine, text
from werkzeug.routing import rules as werkzeug_rules

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
            # A test database need not survive a crash of the server: commits do not wait for
            # the disk (every commit still happens in order and is seen by every connection).
            conn.execute(
                text(
                    "DO $$ BEGIN EXECUTE 'ALTER DATABASE ' || quote_ident(current_database()) "
                    "|| ' SET synchronous_commit = off'; END $$"
                )
            )
        db.metadata.create_all(conn)
    engine.dispose()


def _non_empty(conn, tables: list[str]) -> list[str]:
    """The tables that hold rows, in one query."""
    if not tables:
        return []
    query = " UNION ALL ".join(
        f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables
    )
    return [name for (name,) in conn.exec_driver_sql(query).all()]


def _truncate(url: str) -> None:
    """Empty every table between tests; much faster than rebuilding the schema.

    Only the tables that hold rows are emptied, children first; afterwards every table is empty,
    every id counts from 1 again and the append-only guards are in place, as after the schema
    was built.
    """
    engine = create_engine(url)
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with engine.begin() as conn:
        filled = _non_empty(conn, tables)
        if engine.dialect.name == "postgresql":
            # Deleting the few rows a test left is much cheaper than TRUNCATE (a new file per
            # table). The replica role lifts the append-only guards and the foreign-key checks
            # for this transaction only.
            if filled:
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
                conn.exec_driver_sql("; ".join(f'DELETE FROM "{name}"' for name in filled))
            # What RESTART IDENTITY did: every sequence that was used starts again.
            conn.exec_driver_sql(
                "SELECT setval((quote_ident(schemaname) || '.' || quote_ident(sequencename))::regclass, "
                "start_value, false) FROM pg_sequences "
                "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
            )
        else:
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
            # The append-only guards refuse DELETE; lift them while emptying, then put them back
            # (any other trigger a test left behind goes, as the schema has none).
            for trigger, table in conn.exec_driver_sql(
                "SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'"
            ).all():
                if table in filled or trigger not in _SQLITE_GUARD_TRIGGERS:
                    conn.exec_driver_sql(f'DROP TRIGGER "{trigger}"')
            for name in filled:
                conn.execute(text(f'DELETE FROM "{name}"'))
            guards.install(conn)
    engine.dispose()


#: The trigger names the guards create on SQLite (kept between tests unless their table is emptied).
_SQLITE_GUARD_TRIGGERS = {
    match.group(1)
    for table in guards.ALL_GUARDS
    for statement in guards.statements("sqlite", table)
    if (match := re.match(r"CREATE TRIGGER IF NOT EXISTS (\w+)", statement))
}


# --- one app per test, built quickly ---------------------------------------------------------------


class _SharedBytecode(BytecodeCache):
    """Compiled templates shared by the tests' apps (each app has its own Jinja environment).

    Jinja checks each template's source checksum, so a changed template is compiled again.
    """

    def __init__(self) -> None:
        self.code: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:  # noqa: D102
        if (code := self.code.get(bucket.key)) is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket) -> None:  # noqa: D102
        self.code[bucket.key] = bucket.bytecode_to_string()


_TEMPLATES = _SharedBytecode()


def _share_url_builders() -> None:
    """Werkzeug compiles a URL builder for each rule of each new app (most of create_app's
    time, ~700 rules per test); the builder depends only on the rule, so compile it once.

    The builder's code comes from the rule's text, its parts (the trace, with the host or
    subdomain part), its defaults and whether unknown arguments are appended; the key holds all of
    them. The rule (and its converters) is bound to the builder at call time, as before.
    """
    rule_class = werkzeug_rules.Rule
    compile_builder = rule_class.__dict__.get("_compile_builder")
    if compile_builder is None or getattr(compile_builder, "shared", False):
        return  # another werkzeug: leave it as it is
    builders: dict[tuple, object] = {}

    def shared(self, append_unknown: bool = True):
        defaults = self.defaults or {}
        key = (
            self.rule,
            tuple(self._trace),
            tuple(sorted((str(name), repr(value)) for name, value in defaults.items())),
            append_unknown,
        )
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    shared.shared = True
    rule_class._compile_builder = shared


_share_url_builders()


def _remember_password_hashes() -> None:
    """scrypt (werkzeug's default) takes a good part of a second on a busy machine, and nearly
    every test creates staff with the same password and logs them in.

    Within the session a password is hashed once (the hash is a real scrypt hash of it, with
    its own salt) and each (hash, password) pair is checked once; the answers are the real ones.
    A test that switches to cheap hashes (monkeypatch) replaces these for its own run.
    """
    from werkzeug import security

    from juryfund.models import staff as staff_models
    from juryfund.services import accounts

    hashed: dict[str, str] = {}
    checked: dict[tuple[str, str], bool] = {}

    def generate_password_hash(password: str, *args, **kwargs) -> str:
        if args or kwargs:
            return security.generate_password_hash(password, *args, **kwargs)
        if password not in hashed:
            hashed[password] = security.generate_password_hash(password)
        return hashed[password]

    def check_password_hash(pwhash: str, password: str) -> bool:
        if (pwhash, password) not in checked:
            checked[pwhash, password] = security.check_password_hash(pwhash, password)
        return checked[pwhash, password]

    for module in (staff_models, accounts):
        module.generate_password_hash = generate_password_hash
        module.check_password_hash = check_password_hash


_remember_password_hashes()


# --- which tests CI runs in one of its two passes only ------------------------------------------------


def _is_property_test(item) -> bool:
    """A hypothesis test: @given, or a state machine's TestCase."""
    from hypothesis import is_hypothesis_test

    if is_hypothesis_test(getattr(item, "obj", None)):
        return True
    cls = getattr(item, "cls", None)
    return cls is not None and any(base.__module__ == "hypothesis.stateful" for base in cls.__mro__)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark the hypothesis searches and the slow (load) tests ``once``: .ci/run leaves them out of
    its SQLite pass (``-m "not once"``) and runs them in the PostgreSQL pass, with their full
    numbers of examples. A plain ``pytest`` or ``python3 dev.py test`` still runs everything."""
    for item in items:
        if item.get_closest_marker("slow") or _is_property_test(item):
            item.add_marker(pytest.mark.once)


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
def database_url(tmp_path_factory):
    """The URL of the test database, freshly built once per test session.

    The SQLite file lives in memory-backed /dev/shm where there is one: every commit of every
    test would otherwise wait for the disk.
    """
    folder = None
    if not POSTGRES_URL:
        shm = Path("/dev/shm")
        if shm.is_dir() and os.access(shm, os.W_OK):
            folder = Path(tempfile.mkdtemp(prefix="juryfund-test-", dir=shm))
        else:
            folder = tmp_path_factory.mktemp("db")
    url = POSTGRES_URL or f"sqlite:///{folder / 'test.sqlite3'}"
    _reset_schema(url)
    yield url
    if folder is not None and str(folder).startswith("/dev/shm/"):
        shutil.rmtree(folder, ignore_errors=True)


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
    app.jinja_env.bytecode_cache = _TEMPLATES
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
