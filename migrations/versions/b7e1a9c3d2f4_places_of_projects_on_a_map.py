"""places of projects on a map: a pin per application (micro-degrees), the consent to show a
private address, and its two history lines

Revision ID: b7e1a9c3d2f4
Revises: b7d3e5a1c920
Create Date: 2026-12-06 18:45:00

"""

from alembic import op
import sqlalchemy as sa

import juryfund.models.base


# revision identifiers, used by Alembic.
revision = "b7e1a9c3d2f4"
down_revision = 'b7d3e5a1c920'
branch_labels = None
depends_on = None

OLD_KINDS = (
    "'state', 'submitted', 'changed', 'note', 'proof', 'consent', 'erased', 'link', "
    "'pay_asked', 'pay_ok', 'pay_refuse', 'pay_paid'"
)
NEW_KINDS = f"{OLD_KINDS}, 'place_ok', 'place_off'"


def _event_kinds(kinds: str) -> None:
    with op.batch_alter_table("application_event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_application_event_kind_valid"), type_="check")
        batch_op.create_check_constraint("kind_valid", f"kind IN ({kinds})")


def upgrade():
    op.create_table(
        "project_pin",
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("latitude_micro", sa.Integer(), nullable=False),
        sa.Column("longitude_micro", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("set_at", juryfund.models.base.UTCDateTime(), nullable=False),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "latitude_micro BETWEEN -90000000 AND 90000000",
            name=op.f("ck_project_pin_latitude_range"),
        ),
        sa.CheckConstraint(
            "longitude_micro BETWEEN -180000000 AND 180000000",
            name=op.f("ck_project_pin_longitude_range"),
        ),
        sa.CheckConstraint(
            "kind IN ('public', 'private')", name=op.f("ck_project_pin_kind_valid")
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_project_pin_application_id_application"),
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["staff_user.id"], name=op.f("fk_project_pin_set_by_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_project_pin")),
    )
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "consent_show_place", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    _event_kinds(NEW_KINDS)


def downgrade():
    # The consent's history lines cannot be told in the old vocabulary: they become notes.
    op.execute(
        "UPDATE application_event SET kind = 'note' WHERE kind IN ('place_ok', 'place_off')"
    )
    _event_kinds(OLD_KINDS)
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("consent_show_place")
    op.drop_table("project_pin")
