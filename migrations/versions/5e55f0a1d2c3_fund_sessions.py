"""fund sessions: a fund's announced jury sessions with their application deadlines

Revision ID: 5e55f0a1d2c3
Revises: 5a4727582c9a
Create Date: 2026-12-06 05:05:00.000000

A session is announced long before a round is set up, so it is its own table; "apply by" never
falls after the meeting, and a fund meets at most once a day.
"""
from alembic import op
import sqlalchemy as sa

import juryfund.models.base


# revision identifiers, used by Alembic.
revision = '5e55f0a1d2c3'
down_revision = '5a4727582c9a'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'fund_session',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('fund_id', sa.Integer(), nullable=False),
        sa.Column('meets_on', sa.Date(), nullable=False),
        sa.Column('apply_by', sa.Date(), nullable=False),
        sa.Column('place', sa.String(length=300), server_default='', nullable=False),
        sa.Column('note', sa.Text(), server_default='', nullable=False),
        sa.Column('created_at', juryfund.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint('apply_by <= meets_on', name=op.f('ck_fund_session_apply_by_order')),
        sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_fund_session_fund_id_fund')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_fund_session')),
        sa.UniqueConstraint('fund_id', 'meets_on', name=op.f('uq_fund_session_fund_id_meets_on')),
    )
    with op.batch_alter_table('fund_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fund_session_fund_id'), ['fund_id'], unique=False)


def downgrade():
    with op.batch_alter_table('fund_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fund_session_fund_id'))

    op.drop_table('fund_session')
