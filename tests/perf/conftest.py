"""Fixtures for query budgets: a query counter, a signed-in client, and data built by the services.

The area, jury, fund, staff and `decide` fixtures are the shared ones of tests/fixtures.py:
decisions come from real rounds (agenda, votes, close, confirmation), so every page sees the rows
it shows in production.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event
from werkzeug.security import generate_password_hash

from juryfund.extensions import db
from juryfund.models import staff as staff_models
from juryfund.web import pagecache
from tests.conftest import log_in as sign_in  # noqa: F401  (the query budgets import it from here)


class QueryCounter:
    """Calls a function and counts the SQL statements the database saw meanwhile."""

    def __init__(self) -> None:
        #: The statements of the last run, to read when a budget is broken.
        self.statements: list[str] = []

    def __call__(self, fn: Callable[[], object]) -> int:
        statements: list[str] = []

        def listener(conn, cursor, statement, parameters, context, executemany):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", listener)
        # The content version read on PostgreSQL goes around SQLAlchemy (pagecache.py).
        pagecache.raw_read_listeners.append(statements.append)
        try:
            fn()
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
            pagecache.raw_read_listeners.remove(statements.append)
        self.statements = statements
        return len(statements)


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch):
    """Cheap password hashes: fifty staff accounts hashed with scrypt would take most of a test."""
    monkeypatch.setattr(
        staff_models,
        "generate_password_hash",
        partial(generate_password_hash, method="pbkdf2:sha256:1"),
    )


@pytest.fixture
def count_queries(app) -> QueryCounter:
    """count_queries(fn) -> number of SQL statements the database saw while fn ran."""
    return QueryCounter()


@pytest.fixture
def measure(count_queries):
    """measure(client, {name: url}) -> {name: queries of a full GET}; each page must answer 200."""

    def run(client: FlaskClient, urls: dict[str, str]) -> dict[str, int]:
        counts = {}
        for name, url in urls.items():
            status: list[int] = []

            def get(url=url, status=status):
                response = client.get(url)
                response.get_data()  # streamed bodies run their queries while being read
                status.append(response.status_code)

            counts[name] = count_queries(get)
            assert status == [200], (name, url, status)
        return counts

    return run
