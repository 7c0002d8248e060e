"""a cut keeps a fund year's own money above zero: a trigger refuses the booking that would not

Revision ID: d6e7f8a9b0c1
Revises: c5d6e7f8a9b0
Create Date: 2026-12-08 00:45:00

domain.budget refuses an adjustment that takes the year's allocation, adjustments and money
carried in below zero (booking.allocated_below_zero): money returned by projects is available to
grants but is not the year's own to cut, and the budget page would show a negative allocation.
The trigger (juryfund.models.guards, "ledger_entry_allocated") holds it for anything else with
database access. Bookings made before stay as they are.
"""

from alembic import op

from juryfund.models import guards


# revision identifiers, used by Alembic.
revision = "d6e7f8a9b0c1"
down_revision = "c5d6e7f8a9b0"
branch_labels = None
depends_on = None


def upgrade():
    guards.install(op.get_bind(), tables=("ledger_entry_allocated",))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_keeps_allocated ON ledger_entry")
        op.execute("DROP FUNCTION IF EXISTS juryfund_keeps_allocated()")
    else:
        op.execute("DROP TRIGGER IF EXISTS ledger_entry_keeps_allocated")
