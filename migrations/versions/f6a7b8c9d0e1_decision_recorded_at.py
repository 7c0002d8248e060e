"""decision recorded_at: a correction keeps the date of the decision it corrects

Revision ID: f6a7b8c9d0e1
Revises: e5a6b7c8d9f0
Create Date: 2026-12-08 10:00:00

A correction of a decision used to take the moment staff entered it as its decided_at, so a
2026 decision corrected in January 2027 left the 2026 annual report and open data for 2027's.
A correction now keeps the decided_at of the decision it corrects (a trigger holds it, see
juryfund.models.guards) and carries its own moment in the new column recorded_at.

Existing rows: recorded_at takes decided_at (for a correction, the moment it was entered);
a correction's decided_at then takes that of the decision it corrects (along a chain of
corrections). Decisions are append-only: their guard triggers are dropped while the rows are
filled in and installed again afterwards. The downgrade gives corrections their recorded_at
back as decided_at, as before.
"""

from alembic import op
import sqlalchemy as sa

import juryfund.models.base
from juryfund.models import guards


# revision identifiers, used by Alembic.
revision = "f6a7b8c9d0e1"
down_revision = "e5a6b7c8d9f0"
branch_labels = None
depends_on = None

_PARENT_DATE = "(SELECT p.decided_at FROM decision p WHERE p.id = decision.supersedes_id)"


def _drop_decision_guards(bind) -> None:
    """Remove the decision table's triggers (the rows are filled in here)."""
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS decision_append_only ON decision")
        op.execute("DROP TRIGGER IF EXISTS decision_correction_keeps_date ON decision")
    else:
        op.execute("DROP TRIGGER IF EXISTS decision_no_update")
        op.execute("DROP TRIGGER IF EXISTS decision_no_delete")
        op.execute("DROP TRIGGER IF EXISTS decision_correction_keeps_date")


def _corrections_keep_their_dates(bind) -> None:
    """Give every correction the decided_at of the decision it corrects, down every chain."""
    while bind.execute(
        sa.text(
            f"UPDATE decision SET decided_at = {_PARENT_DATE} "
            f"WHERE supersedes_id IS NOT NULL AND decided_at <> {_PARENT_DATE}"
        )
    ).rowcount:
        pass


def upgrade():
    bind = op.get_bind()
    _drop_decision_guards(bind)
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("recorded_at", juryfund.models.base.UTCDateTime(), nullable=True)
        )
    op.execute("UPDATE decision SET recorded_at = decided_at")
    _corrections_keep_their_dates(bind)
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.alter_column(
            "recorded_at", existing_type=juryfund.models.base.UTCDateTime(), nullable=False
        )
    guards.install(bind, tables=("decision",))


def downgrade():
    bind = op.get_bind()
    _drop_decision_guards(bind)
    op.execute("UPDATE decision SET decided_at = recorded_at WHERE supersedes_id IS NOT NULL")
    with op.batch_alter_table("decision", schema=None) as batch_op:
        batch_op.drop_column("recorded_at")
    guards.install(bind, tables=("decision",))
    # Today's guards include the trigger this revision introduced: take it away again. (Older
    # revisions that rebuild the decision table install today's guards, this trigger among
    # them: a database downgraded past them keeps it.)
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS decision_correction_keeps_date ON decision")
        op.execute("DROP FUNCTION IF EXISTS juryfund_correction_keeps_date()")
    else:
        op.execute("DROP TRIGGER IF EXISTS decision_correction_keeps_date")
