"""area: websites allowed to embed the area's widgets (issue 17, item 4)

The origins go into the widget pages' Content-Security-Policy (frame-ancestors); empty means
nobody may embed them. A check keeps quotes and semicolons out of the header for any writer.

Revision ID: b7d3e5a1c920
Revises: b2d4f6a8c0e1
Create Date: 2026-12-06 18:55:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "b7d3e5a1c920"
down_revision = "b2d4f6a8c0e1"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("widget_origins", sa.Text(), server_default="", nullable=False)
        )
        batch_op.create_check_constraint(
            op.f("ck_area_widget_origins_safe"),
            "widget_origins NOT LIKE '%;%' AND widget_origins NOT LIKE '%''%'",
        )


def downgrade():
    with op.batch_alter_table("area", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_area_widget_origins_safe"), type_="check")
        batch_op.drop_column("widget_origins")
