"""books invariants in the database: a trigger refuses a booking that breaks the books

Revision ID: d0e1f2a3b4c5
Revises: c9d0e1f2a3b4
Create Date: 2026-12-07 18:00:00

No booking may leave a fund year with less than nothing available, nor an application with more
released than committed, more paid than still committed, or less than nothing paid (DESIGN.md
§5). services.ledger.book refuses it under the fund year's lock; this trigger
(juryfund.models.guards) holds it for anything else with database access, taking the same lock
on PostgreSQL. It checks only new bookings: the entries already there stay as they are.
Installing the ledger_entry guards again leaves the existing ones as they were (PostgreSQL
replaces them, SQLite keeps them).
"""

from alembic import op

from juryfund.models import guards

# revision identifiers, used by Alembic.
revision = "d0e1f2a3b4c5"
down_revision = "c9d0e1f2a3b4"
branch_labels = None
depends_on = None


def upgrade():
    guards.install(op.get_bind(), tables=("ledger_entry",))


def downgrade():
    # Only the trigger this revision introduced. (Older revisions that install the ledger_entry
    # guards, c0ffee11a0b5 among them, install today's, this trigger among them: a database
    # migrated from nothing has it from there on, and loses it here.)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_books_balance ON ledger_entry")
        op.execute("DROP FUNCTION IF EXISTS juryfund_books_balance()")
    else:
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_books_balance")
