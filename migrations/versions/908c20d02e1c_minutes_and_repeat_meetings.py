"""minutes and repeat meetings: the course of a meeting (§ 93 VwVfG), repeat meetings quorate
regardless of attendance (§ 90 (2) VwVfG), and applicants presenting above a fund's threshold

Revision ID: 908c20d02e1c
Revises: 9f4594b0b08f
Create Date: 2026-12-06 01:22:24.734354

No trigger guards a round (only decisions, rulings and the books are append-only), so the
meeting's course can be recorded after the round closed; only these columns change then.
"""
from alembic import op
import sqlalchemy as sa

import juryfund.models.base


# revision identifiers, used by Alembic.
revision = '908c20d02e1c'
down_revision = '9f4594b0b08f'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.add_column(sa.Column('presentation_at', juryfund.models.base.UTCDateTime(), nullable=True))

    with op.batch_alter_table('body', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeat_quorate', sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table('fund', schema=None) as batch_op:
        batch_op.add_column(sa.Column('presentation_threshold_cents', sa.BigInteger(), nullable=True))
        batch_op.create_check_constraint(
            'presentation_threshold_nonnegative',
            'presentation_threshold_cents IS NULL OR presentation_threshold_cents >= 0',
        )

    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('repeats_round_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('quorum_waived', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('began_at', juryfund.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('ended_at', juryfund.models.base.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('chair_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('chair_staff_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('minute_taker', sa.String(length=200), server_default='', nullable=False))
        batch_op.create_foreign_key(batch_op.f('fk_round_chair_id_member'), 'member', ['chair_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_round_repeats_round_id_round'), 'round', ['repeats_round_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_round_chair_staff_id_staff_user'), 'staff_user', ['chair_staff_id'], ['id'])
        batch_op.create_check_constraint(
            'meeting_times', 'ended_at IS NULL OR (began_at IS NOT NULL AND ended_at >= began_at)'
        )
        batch_op.create_check_constraint('one_chair', 'chair_id IS NULL OR chair_staff_id IS NULL')
        batch_op.create_check_constraint(
            'waiver_repeats', 'NOT quorum_waived OR repeats_round_id IS NOT NULL'
        )
        batch_op.create_check_constraint(
            'not_own_repeat', 'repeats_round_id IS NULL OR repeats_round_id <> id'
        )


def downgrade():
    with op.batch_alter_table('round', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_round_not_own_repeat'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_round_waiver_repeats'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_round_one_chair'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_round_meeting_times'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_round_chair_staff_id_staff_user'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_round_repeats_round_id_round'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_round_chair_id_member'), type_='foreignkey')
        batch_op.drop_column('minute_taker')
        batch_op.drop_column('chair_staff_id')
        batch_op.drop_column('chair_id')
        batch_op.drop_column('ended_at')
        batch_op.drop_column('began_at')
        batch_op.drop_column('quorum_waived')
        batch_op.drop_column('repeats_round_id')

    with op.batch_alter_table('fund', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_fund_presentation_threshold_nonnegative'), type_='check')
        batch_op.drop_column('presentation_threshold_cents')

    with op.batch_alter_table('body', schema=None) as batch_op:
        batch_op.drop_column('repeat_quorate')

    with op.batch_alter_table('agenda_item', schema=None) as batch_op:
        batch_op.drop_column('presentation_at')
