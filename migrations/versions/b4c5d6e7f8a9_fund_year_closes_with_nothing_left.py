"""fund year closes with nothing left: a trigger refuses closing a year with money available

Revision ID: b4c5d6e7f8a9
Revises: a3b4c5d6e7f8
Create Date: 2026-12-07 18:50:00

services.books.close_year books a year's unspent rest as lapsed or carried over before it sets
closed_at, so a closed year has nothing available. Closed by hand with money left, the rest
would be neither lapsed nor carried and shown nowhere (closed years show no available). The
trigger (juryfund.models.guards, "fund_year_closing") refuses it on PostgreSQL and SQLite; years
closed before stay as they are.
"""

from alembic import op

from juryfund.models import guards


# revision identifiers, used by Alembic.
revision = "b4c5d6e7f8a9"
down_revision = "a3b4c5d6e7f8"
branch_labels = None
depends_on = None


def upgrade():
    guards.install(op.get_bind(), tables=("fund_year_closing",))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS fund_year_closes_with_nothing_left ON fund_year")
        op.execute("DROP FUNCTION IF EXISTS juryfund_closes_with_nothing_left()")
    else:
        op.execute("DROP TRIGGER IF EXISTS fund_year_closes_with_nothing_left")
