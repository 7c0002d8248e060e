"""fund year keeps its place: a trigger refuses moving a fund year to another fund or year

Revision ID: a3b4c5d6e7f8
Revises: f2a3b4c5d6e7
Create Date: 2026-12-07 18:30:00

A fund year's bookings take their fund and year from its row, so rewriting the row would move
every booking of it (a closed year's final figures too) into another year or fund. The trigger
refuses changing a fund year's fund or year, and a closed year's funding period, on PostgreSQL
and SQLite (juryfund.models.guards, "fund_year_place": it reads the funding period, which
earlier migrations than some that install the fund_year guards do not have yet).
"""

from alembic import op

from juryfund.models import guards


# revision identifiers, used by Alembic.
revision = "a3b4c5d6e7f8"
down_revision = "f2a3b4c5d6e7"
branch_labels = None
depends_on = None


def upgrade():
    guards.install(op.get_bind(), tables=("fund_year_place",))


def downgrade():
    op.execute(
        "DROP TRIGGER IF EXISTS fund_year_keeps_its_place ON fund_year"
        if op.get_bind().dialect.name == "postgresql"
        else "DROP TRIGGER IF EXISTS fund_year_keeps_its_place"
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS juryfund_keeps_its_place()")
