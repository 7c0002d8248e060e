"""history records consent withdrawals, erasures and reissued status links: three more kinds

Revision ID: 4a21d631f980
Revises: 140efa52dd50
Create Date: 2026-12-06 02:00:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "4a21d631f980"
down_revision = "140efa52dd50"
branch_labels = None
depends_on = None

OLD_KINDS = "'state', 'submitted', 'changed', 'note', 'proof'"
NEW_KINDS = f"{OLD_KINDS}, 'consent', 'erased', 'link'"


def upgrade():
    with op.batch_alter_table("application_event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_application_event_kind_valid"), type_="check")
        batch_op.create_check_constraint("kind_valid", f"kind IN ({NEW_KINDS})")


def downgrade():
    # The lines of the new kinds cannot be told in the old vocabulary; they become notes.
    op.execute(
        "UPDATE application_event SET kind = 'note' WHERE kind IN ('consent', 'erased', 'link')"
    )
    with op.batch_alter_table("application_event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_application_event_kind_valid"), type_="check")
        batch_op.create_check_constraint("kind_valid", f"kind IN ({OLD_KINDS})")
