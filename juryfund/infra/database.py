"""Database connection settings that SQLAlchemy's URL cannot express."""

from __future__ import annotations

import sqlite3

from sqlalchemy import event
from sqlalchemy.engine import Engine

from .writegate import GatedConnection

_installed = False
#: How long SQLite waits for another writer before answering "database is locked".
BUSY_TIMEOUT_MS = 5000


def _unicode_lower(value: str | None) -> str | None:
    """lower() for every alphabet, as PostgreSQL's (SQLite's own folds A–Z only)."""
    return value.lower() if isinstance(value, str) else value


def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL lets readers work beside a writer; busy_timeout waits for a lock instead of failing;
    lower() folds every alphabet (a search for "özlem" finds "Özlem", as on PostgreSQL)."""
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # No index is built on lower(): replacing the built-in changes no stored order.
    dbapi_connection.create_function("lower", 1, _unicode_lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    if isinstance(dbapi_connection, GatedConnection):
        dbapi_connection.set_busy_timeout(BUSY_TIMEOUT_MS / 1000)
    if cursor.execute("PRAGMA journal_mode").fetchone()[0] != "memory":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _gated_sqlite(dialect, connection_record, cargs, cparams) -> None:
    """pysqlite connections pass the database's write gate (infra.writegate) when they write."""
    if dialect.name == "sqlite" and dialect.driver == "pysqlite":
        cparams.setdefault("factory", GatedConnection)


def install_connect_hooks() -> None:
    """Register the connect hooks once per process for every engine."""
    global _installed
    if not _installed:
        event.listen(Engine, "do_connect", _gated_sqlite)
        event.listen(Engine, "connect", _sqlite_pragmas)
        _installed = True
