"""Application numbers from a counter row per area and year

Revision ID: a1c0a7e5d3b2
Revises: e701f190be7c
Create Date: 2026-12-06 19:00:00

Submissions drew max(number) + 1 and retried when another submission took the same number at the
same moment; under load that refused some residents. A counter row per area and year, raised in
the submitting transaction, makes them wait their turn instead. Existing years start at their
highest number.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a1c0a7e5d3b2'
down_revision = 'e701f190be7c'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'application_counter',
        sa.Column('area_id', sa.Integer(), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last_number', sa.Integer(), nullable=False),
        sa.CheckConstraint('last_number >= 0', name=op.f('ck_application_counter_last_number_nonnegative')),
        sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_application_counter_area_id_area')),
        sa.PrimaryKeyConstraint('area_id', 'year', name=op.f('pk_application_counter')),
    )
    op.execute(
        "INSERT INTO application_counter (area_id, year, last_number) "
        "SELECT area_id, year, MAX(number) FROM application GROUP BY area_id, year"
    )


def downgrade():
    op.drop_table('application_counter')
