"""project stories: the applicant's report and photos for the public project page, with the
consent to publish them and five more kinds of history line

Revision ID: 5f0e1a2b3c4d
Revises: b7e1a9c3d2f4
Create Date: 2026-12-06 19:00:00

"""

import sqlalchemy as sa
from alembic import op

import juryfund.models.base

# revision identifiers, used by Alembic.
revision = "5f0e1a2b3c4d"
down_revision = 'b7e1a9c3d2f4'
branch_labels = None
depends_on = None

OLD_KINDS = (
    "'state', 'submitted', 'changed', 'note', 'proof', 'consent', 'erased', 'link', "
    "'pay_asked', 'pay_ok', 'pay_refuse', 'pay_paid', 'place_ok', 'place_off'"
)
STORY_KINDS = "'story', 'story_ok', 'story_back', 'story_pic', 'story_off'"
NEW_KINDS = f"{OLD_KINDS}, {STORY_KINDS}"


def upgrade():
    op.create_table(
        "project_story",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("public_text", sa.Text(), nullable=True),
        sa.Column("review_note", sa.Text(), nullable=False),
        sa.Column("updated_at", juryfund.models.base.UTCDateTime(), nullable=False),
        sa.Column("approved_at", juryfund.models.base.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "state IN ('submitted', 'approved', 'returned', 'withdrawn')",
            name=op.f("ck_project_story_state_valid"),
        ),
        sa.CheckConstraint("text <> ''", name=op.f("ck_project_story_text_given")),
        sa.CheckConstraint(
            "state <> 'approved' OR public_text IS NOT NULL",
            name=op.f("ck_project_story_approved_is_public"),
        ),
        sa.CheckConstraint(
            "state <> 'withdrawn' OR public_text IS NULL",
            name=op.f("ck_project_story_withdrawn_hidden"),
        ),
        sa.CheckConstraint(
            "state <> 'returned' OR review_note <> ''",
            name=op.f("ck_project_story_returned_has_note"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["application.id"],
            name=op.f("fk_project_story_application_id_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_project_story")),
        sa.UniqueConstraint("application_id", name=op.f("uq_project_story_application_id")),
    )
    op.create_table(
        "story_photo",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("story_id", sa.Integer(), nullable=False),
        sa.Column("slot", sa.Integer(), nullable=False),
        sa.Column("alt_text", sa.String(length=300), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("content_type", sa.String(length=20), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", juryfund.models.base.UTCDateTime(), nullable=False),
        sa.CheckConstraint("slot BETWEEN 1 AND 6", name=op.f("ck_story_photo_slot_in_range")),
        sa.CheckConstraint("alt_text <> ''", name=op.f("ck_story_photo_alt_text_given")),
        sa.CheckConstraint(
            "content_type IN ('image/jpeg', 'image/png', 'image/webp')",
            name=op.f("ck_story_photo_content_type_valid"),
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_story_photo_size_positive")),
        sa.CheckConstraint(
            "width > 0 AND height > 0", name=op.f("ck_story_photo_dimensions_positive")
        ),
        sa.ForeignKeyConstraint(
            ["story_id"], ["project_story.id"], name=op.f("fk_story_photo_story_id_project_story")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_photo")),
        sa.UniqueConstraint("story_id", "slot", name=op.f("uq_story_photo_story_id_slot")),
    )
    with op.batch_alter_table("story_photo", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_story_photo_story_id"), ["story_id"], unique=False)
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "consent_publish_story",
                sa.Boolean(),
                server_default=sa.false(),
                nullable=False,
            )
        )
    with op.batch_alter_table("application_event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_application_event_kind_valid"), type_="check")
        batch_op.create_check_constraint("kind_valid", f"kind IN ({NEW_KINDS})")


def downgrade():
    # The story's history lines cannot be told in the old vocabulary: they become notes.
    op.execute(f"UPDATE application_event SET kind = 'note' WHERE kind IN ({STORY_KINDS})")
    with op.batch_alter_table("application_event", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_application_event_kind_valid"), type_="check")
        batch_op.create_check_constraint("kind_valid", f"kind IN ({OLD_KINDS})")
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_column("consent_publish_story")
    with op.batch_alter_table("story_photo", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_story_photo_story_id"))
    op.drop_table("story_photo")
    op.drop_table("project_story")
