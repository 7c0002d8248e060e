"""booking form key: a staff form that books money is booked once, however often it is sent

Revision ID: f2a3b4c5d6e7
Revises: e1f2a3b4c5d6
Create Date: 2026-12-07 18:20:00

The payment, refund and adjustment forms carry a random key that goes with the first booking
they make; a unique index refuses a second booking with the same key (a double click, a
browser sending the form again). Bookings made so far have none. The column and its index are
added in place, so the append-only guards of the table stay as they are.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "f2a3b4c5d6e7"
down_revision = "e1f2a3b4c5d6"
branch_labels = None
depends_on = None


def upgrade():
    op.add_column("ledger_entry", sa.Column("form_key", sa.String(length=43), nullable=True))
    op.create_index("uq_ledger_entry_form_key", "ledger_entry", ["form_key"], unique=True)


def downgrade():
    op.drop_index("uq_ledger_entry_form_key", table_name="ledger_entry")
    with op.batch_alter_table("ledger_entry", schema=None) as batch_op:
        batch_op.drop_column("form_key")
