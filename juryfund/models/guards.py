"""Database triggers that keep the books and decisions append-only and closed years closed.

The services never edit a booking or a decision and never book into a closed fund year; these
triggers make the same true for anything else with database access (a script, a console, a
bug), on PostgreSQL and SQLite alike. They are created with the tables (``create_all``, used by
the tests) and by the migration that introduced them, from the same statements.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from ..extensions import db

_PG_FUNCTIONS = [
    """
    CREATE OR REPLACE FUNCTION juryfund_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE =
            'juryfund: ' || TG_TABLE_NAME || ' rows are never changed or deleted (append-only)';
    END $$
    """,
    # FOR SHARE waits for a close running at the same moment and then sees its closed_at, so
    # even a booking that skipped the service's lock cannot land in a year being closed.
    """
    CREATE OR REPLACE FUNCTION juryfund_open_year_only() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE closed timestamp;
    BEGIN
        SELECT closed_at INTO closed FROM fund_year WHERE id = NEW.fund_year_id FOR SHARE;
        IF closed IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE =
                'juryfund: fund year ' || NEW.fund_year_id || ' is closed and takes no bookings';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION juryfund_stays_closed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.closed_at IS NOT NULL AND NEW.closed_at IS DISTINCT FROM OLD.closed_at THEN
            RAISE EXCEPTION 'juryfund: a closed fund year stays closed'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
]


def _pg_append_only(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION juryfund_append_only()",
    ]


def _sqlite_append_only(table: str) -> list[str]:
    message = f"juryfund: {table} rows are never changed or deleted (append-only)"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
    ]


def statements(dialect: str, table: str) -> list[str]:
    """The statements that guard one table on a dialect (none for an unguarded table)."""
    if dialect == "postgresql":
        if table == "ledger_entry":
            return [
                *_PG_FUNCTIONS,
                *_pg_append_only(table),
                "DROP TRIGGER IF EXISTS ledger_entry_open_year ON ledger_entry",
                "CREATE TRIGGER ledger_entry_open_year BEFORE INSERT ON ledger_entry "
                "FOR EACH ROW EXECUTE FUNCTION juryfund_open_year_only()",
            ]
        if table in ("decision", "conflict_ruling"):
            return [*_PG_FUNCTIONS, *_pg_append_only(table)]
        if table == "fund_year":
            return [
                *_PG_FUNCTIONS,
                "DROP TRIGGER IF EXISTS fund_year_stays_closed ON fund_year",
                "CREATE TRIGGER fund_year_stays_closed BEFORE UPDATE ON fund_year "
                "FOR EACH ROW EXECUTE FUNCTION juryfund_stays_closed()",
            ]
    elif dialect == "sqlite":
        if table == "ledger_entry":
            return [
                *_sqlite_append_only(table),
                "CREATE TRIGGER IF NOT EXISTS ledger_entry_open_year BEFORE INSERT ON ledger_entry "
                "WHEN (SELECT closed_at FROM fund_year WHERE id = NEW.fund_year_id) IS NOT NULL "
                "BEGIN SELECT RAISE(ABORT, 'juryfund: the fund year is closed and takes no "
                "bookings'); END",
            ]
        if table in ("decision", "conflict_ruling"):
            return _sqlite_append_only(table)
        if table == "fund_year":
            return [
                "CREATE TRIGGER IF NOT EXISTS fund_year_stays_closed BEFORE UPDATE OF closed_at "
                "ON fund_year WHEN OLD.closed_at IS NOT NULL AND (NEW.closed_at IS NULL "
                "OR NEW.closed_at <> OLD.closed_at) "
                "BEGIN SELECT RAISE(ABORT, 'juryfund: a closed fund year stays closed'); END",
            ]
    return []


GUARDED = ("fund_year", "ledger_entry", "decision", "conflict_ruling")


def install(connection, tables: tuple[str, ...] = GUARDED) -> None:
    """Create the guards of these tables on a connection's database (used by the migrations)."""
    for table in tables:
        for statement in statements(connection.dialect.name, table):
            connection.exec_driver_sql(statement)


def _after_create(table, connection, **_kw) -> None:
    """Guard a table right after create_all made it."""
    for statement in statements(connection.dialect.name, table.name):
        connection.execute(DDL(statement))


def register() -> None:
    """Attach the guards to create_all of the guarded tables (once, at import)."""
    for name in GUARDED:
        table = db.metadata.tables[name]
        if not event.contains(table, "after_create", _after_create):
            event.listen(table, "after_create", _after_create)
