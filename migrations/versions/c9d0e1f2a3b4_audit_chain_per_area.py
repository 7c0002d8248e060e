"""audit chain per area: each area's events form their own chain, numbered by seq

Revision ID: c9d0e1f2a3b4
Revises: b8c9d0e1f2a3
Create Date: 2026-12-07 17:40:00

The trail used to be one chain for the whole installation, sealed at every commit under one
lock, so every write of every area queued on it. Each area now has its own chain (`chain` is
the area's id, 0 for the installation's own events) with its own dense numbering (`seq`) and
its own lock. Events stored so far keep their seals: they stay one chain, the installation's
(chain 0, seq = their id), and the installation's new events go on from its end. The database
assigns ids from now on (chains commit side by side); on PostgreSQL its sequence starts after
the highest id stored so far.
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "c9d0e1f2a3b4"
down_revision = "b8c9d0e1f2a3"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.add_column(sa.Column("chain", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
    op.execute("UPDATE audit_event SET chain = 0, seq = id")
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_audit_event_chain_seq", ["chain", "seq"])
        batch_op.create_check_constraint("seq_positive", "seq >= 1")
    if op.get_bind().dialect.name == "postgresql":
        # Ids were given by the chain until now; the sequence never moved.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('audit_event', 'id'), "
            "COALESCE((SELECT MAX(id) FROM audit_event), 0) + 1, false)"
        )


def downgrade():
    # One chain again cannot be made of several without the audit key: refuse rather than
    # leave a trail that no longer verifies.
    several = op.get_bind().execute(
        sa.text("SELECT COUNT(*) FROM audit_event WHERE chain <> 0")
    ).scalar()
    if several:
        raise RuntimeError(
            "the audit trail has per-area chains; going back to one chain would break it"
        )
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.drop_constraint("seq_positive", type_="check")
        batch_op.drop_constraint("uq_audit_event_chain_seq", type_="unique")
        batch_op.drop_column("seq")
        batch_op.drop_column("chain")
