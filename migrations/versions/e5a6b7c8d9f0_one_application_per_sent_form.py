"""The key of the form an application was sent from, unique: a form sent twice makes one

Revision ID: e5a6b7c8d9f0
Revises: d4f1a2b3c5e6
Create Date: 2026-12-07 12:10:00

A resident's double click on "send" (or a reload of the sending request) used to make two
applications with two references, the second taking the first one's uploads. Each form now
carries a random key; the application stores it, and the database keeps it unique. Existing
applications have none (NULL, which a unique constraint allows many times).
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e5a6b7c8d9f0'
down_revision = 'd4f1a2b3c5e6'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_key", sa.String(length=64), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_application_submission_key"), ["submission_key"]
        )


def downgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_application_submission_key"), type_="unique")
        batch_op.drop_column("submission_key")
