"""Payment requests move only forward, keep their amount and account, are never deleted

Revision ID: c3e5a7b9d1f2
Revises: b7d2f0c4e913
Create Date: 2026-12-06 22:40:00

The services already move a request requested -> approved -> paid (or refused) and never change
what was asked for; a trigger now makes the same true for anyone with database access, so a paid
request cannot be pointed at another account afterwards. Erasure may still empty the bank
details (models.guards).
"""
from alembic import op

from juryfund.models import guards


# revision identifiers, used by Alembic.
revision = 'c3e5a7b9d1f2'
down_revision = 'b7d2f0c4e913'
branch_labels = None
depends_on = None


def upgrade():
    guards.install(op.get_bind(), tables=("payment_request",))


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS payment_request_moves ON payment_request")
        op.execute("DROP FUNCTION IF EXISTS juryfund_payment_request_moves()")
    else:
        op.execute("DROP TRIGGER IF EXISTS payment_request_moves")
        op.execute("DROP TRIGGER IF EXISTS payment_request_no_delete")
