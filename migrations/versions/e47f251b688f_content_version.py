"""content version for the public page cache

Revision ID: e47f251b688f
Revises: 604feafbb09e
Create Date: 2026-11-22 03:34:46.394659

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'e47f251b688f'
down_revision = '604feafbb09e'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        'content_version',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('value', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_content_version')),
    )
    # The one row the cache reads and every public change moves on.
    op.bulk_insert(table, [{'id': 1, 'value': 0}])


def downgrade():
    op.drop_table('content_version')
