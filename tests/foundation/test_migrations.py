"""The committed Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from juryfund import create_app
from juryfund.extensions import db

from ..conftest import POSTGRES_URL

pytestmark = pytest.mark.foundation


def _empty_database(url: str) -> None:
    """Drop everything so the migrations start from nothing."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def migration_app(tmp_path, database_url):
    """An app on an empty database of the same kind as the suite's."""
    url = POSTGRES_URL or f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    _empty_database(url)
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "JURYFUND_SECRET_KEYS": ["k"]})
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if POSTGRES_URL:
        # Leave the shared PostgreSQL database as the rest of the suite expects it.
        from ..conftest import _reset_schema

        _reset_schema(POSTGRES_URL)


def test_upgrade_of_empty_database_matches_models(migration_app):
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def test_downgrade_removes_every_table(migration_app):
    upgrade()
    downgrade(revision="base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()
