"""decision reasons and letters: a decision's reasons and the amount asked, an area's objection notice

A rejection and a partial approval (less than asked) carry reasons, held by CHECK constraints.
Decisions are append-only (juryfund.models.guards): the guard triggers are dropped while the
new columns are filled for the decisions already taken, and installed again afterwards.

Revision ID: 9f4594b0b08f
Revises: 119f64b691d5
Create Date: 2026-12-06 01:21:34.888690

"""
from alembic import op
import sqlalchemy as sa

from juryfund.models import guards


# revision identifiers, used by Alembic.
revision = '9f4594b0b08f'
down_revision = '119f64b691d5'
branch_labels = None
depends_on = None

#: What older rejections and partial approvals, taken before reasons were required, say.
LEGACY_REASONS = "Keine Begründung erfasst (Entscheidung vor Einführung der Begründungspflicht)."


def _drop_decision_guards(bind) -> None:
    """Remove the decision table's append-only triggers (the rows are filled in here)."""
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS decision_append_only ON decision")
    else:
        op.execute("DROP TRIGGER IF EXISTS decision_no_update")
        op.execute("DROP TRIGGER IF EXISTS decision_no_delete")


def upgrade():
    bind = op.get_bind()
    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.add_column(sa.Column('objection_notice', sa.Text(), server_default='', nullable=False))

    _drop_decision_guards(bind)
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.add_column(sa.Column('requested_cents', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('reasons', sa.Text(), server_default='', nullable=False))
    op.execute(
        "UPDATE decision SET requested_cents = (SELECT application.requested_cents "
        "FROM application WHERE application.id = decision.application_id)"
    )
    op.execute(
        sa.text(
            "UPDATE decision SET reasons = :legacy WHERE reasons = '' AND (outcome = 'rejected' "
            "OR (outcome = 'approved' AND approved_cents < requested_cents))"
        ).bindparams(legacy=LEGACY_REASONS)
    )
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.alter_column('requested_cents', existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_check_constraint(
            'rejection_has_reasons', "outcome <> 'rejected' OR reasons <> ''"
        )
        batch_op.create_check_constraint(
            'partial_has_reasons',
            "outcome <> 'approved' OR approved_cents >= requested_cents OR reasons <> ''",
        )
    guards.install(bind, tables=("decision",))


def downgrade():
    bind = op.get_bind()
    _drop_decision_guards(bind)
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_constraint('partial_has_reasons', type_='check')
        batch_op.drop_constraint('rejection_has_reasons', type_='check')
        batch_op.drop_column('reasons')
        batch_op.drop_column('requested_cents')
    guards.install(bind, tables=("decision",))

    with op.batch_alter_table('area', schema=None) as batch_op:
        batch_op.drop_column('objection_notice')
