"""One receipt per place in a proof's receipt list

Revision ID: b7d2f0c4e913
Revises: 5f0e1a2b3c4d
Create Date: 2026-12-06 19:40:00

Two saves of one proof at once could each clear the list and insert theirs, leaving it doubled.
The save now locks the proof; the database also refuses a second receipt at the same place. A
list doubled before is renumbered in the order the receipts were written (nothing is deleted:
the receipts are the applicant's record, and staff see the doubled lines to sort out).
"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'b7d2f0c4e913'
down_revision = '5f0e1a2b3c4d'
branch_labels = None
depends_on = None


def upgrade():
    op.execute(
        "UPDATE receipt SET position = ("
        " SELECT COUNT(*) FROM receipt AS earlier"
        " WHERE earlier.proof_id = receipt.proof_id AND earlier.id <= receipt.id"
        ") WHERE proof_id IN ("
        " SELECT proof_id FROM receipt GROUP BY proof_id, position HAVING COUNT(*) > 1"
        ")"
    )
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.create_unique_constraint(
            batch_op.f('uq_receipt_proof_id_position'), ['proof_id', 'position']
        )


def downgrade():
    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_receipt_proof_id_position'), type_='unique')
