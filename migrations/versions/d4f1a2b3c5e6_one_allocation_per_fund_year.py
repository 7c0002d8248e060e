"""A fund year holds one allocation: a partial unique index on the ledger's allocation entries

Revision ID: d4f1a2b3c5e6
Revises: c3e5a7b9d1f2
Create Date: 2026-12-07 12:00:00

Opening a fund year twice at once (a double click, two staff) could book its allocation twice;
the service now locks the year first, and the database refuses a second allocation as well.
Bookings are never edited or deleted, so a database that already holds two allocations for one
year cannot be repaired here: the upgrade stops and names the years (correct them with an
adjustment booked against the second allocation, then ask for help to remove the duplicate).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd4f1a2b3c5e6'
down_revision = 'c3e5a7b9d1f2'
branch_labels = None
depends_on = None

WHERE = "kind = 'allocation'"


def upgrade():
    doubled = op.get_bind().execute(
        sa.text(
            "SELECT fund_year_id FROM ledger_entry WHERE kind = 'allocation' "
            "GROUP BY fund_year_id HAVING count(*) > 1 ORDER BY fund_year_id"
        )
    ).scalars().all()
    if doubled:
        raise RuntimeError(
            "these fund years hold more than one allocation, which the new index forbids: "
            + ", ".join(str(fund_year_id) for fund_year_id in doubled)
        )
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.create_index(
            "uq_ledger_entry_one_allocation",
            ["fund_year_id"],
            unique=True,
            sqlite_where=sa.text(WHERE),
            postgresql_where=sa.text(WHERE),
        )


def downgrade():
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_ledger_entry_one_allocation",
            sqlite_where=sa.text(WHERE),
            postgresql_where=sa.text(WHERE),
        )
