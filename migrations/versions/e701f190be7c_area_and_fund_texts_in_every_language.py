"""Area and fund texts in every language

Revision ID: e701f190be7c
Revises: 6eaa78c3c551
Create Date: 2026-12-06 04:57:09.955908

The area's goals, contact and meeting places and a fund's eligibility hints get German columns
(empty for existing rows); area_text holds the same texts in the other offered languages.
"""
from alembic import op
import sqlalchemy as sa

import juryfund.models.base


# revision identifiers, used by Alembic.
revision = 'e701f190be7c'
down_revision = '6eaa78c3c551'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('area_text',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('fund_id', sa.Integer(), nullable=True),
    sa.Column('field', sa.String(length=20), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', juryfund.models.base.UTCDateTime(), nullable=False),
    sa.CheckConstraint("(fund_id IS NULL AND field IN ('description', 'goals', 'contact_info', 'meeting_places')) OR (fund_id IS NOT NULL AND field IN ('description', 'eligibility_hints'))", name=op.f('ck_area_text_field_valid')),
    sa.CheckConstraint("locale IN ('en', 'tr', 'ar', 'uk', 'ru', 'pl')", name=op.f('ck_area_text_locale_valid')),
    sa.CheckConstraint('length(text) > 0', name=op.f('ck_area_text_text_not_empty')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_area_text_area_id_area')),
    sa.ForeignKeyConstraint(['fund_id'], ['fund.id'], name=op.f('fk_area_text_fund_id_fund')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_area_text'))
    )
    with op.batch_alter_table('area_text', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_area_text_area_id'), ['area_id'], unique=False)
        batch_op.create_index('uq_area_text_area_field_locale', ['area_id', 'field', 'locale'], unique=True, sqlite_where=sa.text('fund_id IS NULL'), postgresql_where=sa.text('fund_id IS NULL'))
        batch_op.create_index('uq_area_text_fund_field_locale', ['fund_id', 'field', 'locale'], unique=True, sqlite_where=sa.text('fund_id IS NOT NULL'), postgresql_where=sa.text('fund_id IS NOT NULL'))

    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.add_column(sa.Column('goals', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('contact_info', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('meeting_places', sa.Text(), server_default='', nullable=False))

    with op.batch_alter_table('fund', schema=None) as batch_op:
        batch_op.add_column(sa.Column('eligibility_hints', sa.Text(), server_default='', nullable=False))



def downgrade():
    with op.batch_alter_table('fund', schema=None) as batch_op:
        batch_op.drop_column('eligibility_hints')

    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.drop_column('meeting_places')
        batch_op.drop_column('contact_info')
        batch_op.drop_column('goals')

    with op.batch_alter_table('area_text', schema=None) as batch_op:
        batch_op.drop_index('uq_area_text_fund_field_locale', sqlite_where=sa.text('fund_id IS NOT NULL'), postgresql_where=sa.text('fund_id IS NOT NULL'))
        batch_op.drop_index('uq_area_text_area_field_locale', sqlite_where=sa.text('fund_id IS NULL'), postgresql_where=sa.text('fund_id IS NULL'))
        batch_op.drop_index(batch_op.f('ix_area_text_area_id'))

    op.drop_table('area_text')
