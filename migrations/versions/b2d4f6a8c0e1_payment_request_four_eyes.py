"""Payment requests: four eyes on requests staff enter for the applicant

Revision ID: b2d4f6a8c0e1
Revises: a1c0a7e5d3b2
Create Date: 2026-12-06 19:55:00

Whoever entered a request on the applicant's behalf does not approve it too. (Payment requests
arrive with the same release, so no stored row can break the check.)
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b2d4f6a8c0e1'
down_revision = 'a1c0a7e5d3b2'
branch_labels = None
depends_on = None

CONDITION = (
    "requested_by_staff_id IS NULL OR approved_by_id IS NULL"
    " OR approved_by_id <> requested_by_staff_id"
)
OPEN_STATES_SQL = "state IN ('requested', 'approved')"


def upgrade():
    with op.batch_alter_table('payment_request', schema=None) as batch_op:
        batch_op.create_check_constraint(op.f('ck_payment_request_four_eyes'), sa.text(CONDITION))
    _keep_open_index()


def downgrade():
    with op.batch_alter_table('payment_request', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_payment_request_four_eyes'), type_='check')
    _keep_open_index()


def _keep_open_index():
    """SQLite's table copy may lose the partial unique index's condition: make it again."""
    if op.get_bind().dialect.name != "sqlite":
        return
    op.execute("DROP INDEX IF EXISTS uq_payment_request_open")
    op.create_index(
        'uq_payment_request_open',
        'payment_request',
        ['application_id'],
        unique=True,
        sqlite_where=sa.text(OPEN_STATES_SQL),
    )
