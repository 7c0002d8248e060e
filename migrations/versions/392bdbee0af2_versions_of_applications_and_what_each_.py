"""versions of applications and what each edit changed

Revision ID: 392bdbee0af2
Revises: 5e55f0a1d2c3
Create Date: 2026-12-06 04:56:44.843527

Each application keeps the version the applicant last sent (JSON); each edit's history line keeps
what it changed. Applications sent before have no stored version: their next edit is compared
with the application as it stands.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '392bdbee0af2'
down_revision = '5e55f0a1d2c3'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sent_version', sa.Text(), nullable=True))

    with op.batch_alter_table('application_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('changes', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('application_event', schema=None) as batch_op:
        batch_op.drop_column('changes')

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_column('sent_version')
