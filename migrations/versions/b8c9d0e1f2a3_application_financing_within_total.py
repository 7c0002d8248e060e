"""application financing within total: a trigger refuses asking the fund for covered costs

Revision ID: b8c9d0e1f2a3
Revises: a7b8c9d0e1f2
Create Date: 2026-12-07 16:10:00

The amount requested, own money and other funding together may not exceed the total costs
(services.intake refuses it; own money used to be left out of that sum). The trigger checks an
application when it is made and whenever its money changes, so one accepted under the earlier
rule stays as it was sent (a CHECK constraint would refuse to be added over such a row).
"""

from alembic import op

from juryfund.models import guards


# revision identifiers, used by Alembic.
revision = "b8c9d0e1f2a3"
down_revision = "a7b8c9d0e1f2"
branch_labels = None
depends_on = None


def upgrade():
    guards.install(op.get_bind(), tables=("application",))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS application_financing_within_total ON application")
        op.execute("DROP FUNCTION IF EXISTS juryfund_financing_within_total()")
    else:
        op.execute("DROP TRIGGER IF EXISTS application_financing_on_insert")
        op.execute("DROP TRIGGER IF EXISTS application_financing_on_update")
