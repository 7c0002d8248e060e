"""fund years close in order: a trigger refuses closing a year while an earlier one is open

Revision ID: a7b8c9d0e1f2
Revises: f6a7b8c9d0e1
Create Date: 2026-12-07 15:00:00

Closing a year carries its rest into the year after it (when the fund carries money over); with
that year closed first, the carry-in was refused and the rest stayed stranded in a past year.
services.books.close_year refuses it; this trigger (juryfund.models.guards) holds it for anything
else with database access. It checks only new closes: years already closed stay as they are.
"""

from alembic import op

from juryfund.models import guards


# revision identifiers, used by Alembic.
revision = "a7b8c9d0e1f2"
down_revision = "f6a7b8c9d0e1"
branch_labels = None
depends_on = None


def upgrade():
    guards.install(op.get_bind(), tables=("fund_year",))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS fund_year_closes_in_order ON fund_year")
        op.execute("DROP FUNCTION IF EXISTS juryfund_closes_in_order()")
    else:
        op.execute("DROP TRIGGER IF EXISTS fund_year_closes_in_order")
