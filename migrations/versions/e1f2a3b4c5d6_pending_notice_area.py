"""pending notice area: a digest tells staff only of the areas they still work in

Revision ID: e1f2a3b4c5d6
Revises: d0e1f2a3b4c5
Create Date: 2026-12-07 18:10:00

A notice waiting for a staff member's daily digest names its area, so a digest sent after the
area was taken off the staff member's account leaves it out. Notices waiting now have no area:
they go out as before (they were queued while the staff member worked there).
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "e1f2a3b4c5d6"
down_revision = "d0e1f2a3b4c5"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pending_notice", schema=None) as batch_op:
        batch_op.add_column(sa.Column("area_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_pending_notice_area_id_area"),
            "area",
            ["area_id"],
            ["id"],
            ondelete="CASCADE",
        )


def downgrade():
    with op.batch_alter_table("pending_notice", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_pending_notice_area_id_area"), type_="foreignkey")
        batch_op.drop_column("area_id")
