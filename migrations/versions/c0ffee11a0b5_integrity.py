"""integrity: one position per member and item, one decision per item, closed years, guards

Votes and conflict declarations become one table (a member's position on an item is one thing
at a time); a decision per agenda item at most; ledger entries gain the kinds of closed years
(carry_out, lapse, return); the books and decisions become append-only and closed fund years
take no bookings (triggers, juryfund.models.guards).

Revision ID: c0ffee11a0b5
Revises: b64c0a11e5ce
Create Date: 2026-12-04 17:30:00

"""
import sqlalchemy as sa
from alembic import op

import juryfund.models.base
from juryfund.models import guards

# revision identifiers, used by Alembic.
revision = 'c0ffee11a0b5'
down_revision = 'b64c0a11e5ce'
branch_labels = None
depends_on = None

KINDS_BEFORE = "'allocation', 'adjustment', 'carry_in', 'commitment', 'release', 'payment', 'refund'"
KINDS_AFTER = KINDS_BEFORE + ", 'carry_out', 'lapse', 'return'"
NAMING_BEFORE = "'commitment', 'release', 'payment', 'refund'"
NAMING_AFTER = "'commitment', 'payment', 'refund', 'release', 'return'"


def _drop_guards(bind) -> None:
    """Remove the triggers (SQLite's batch mode would lose them anyway)."""
    if bind.dialect.name == "postgresql":
        for table, trigger in [("ledger_entry", "ledger_entry_append_only"),
                               ("ledger_entry", "ledger_entry_open_year"),
                               ("decision", "decision_append_only"),
                               ("fund_year", "fund_year_stays_closed")]:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        for function in ("juryfund_append_only", "juryfund_open_year_only", "juryfund_stays_closed"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        for trigger in ("ledger_entry_no_update", "ledger_entry_no_delete", "ledger_entry_open_year",
                        "decision_no_update", "decision_no_delete", "fund_year_stays_closed"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")


def _close_years_as_now(bind) -> None:
    """Book closed years the way year close now does: a carry-over transfer becomes carry_out
    (it was a negative adjustment), and an unspent rest of a lapsing fund becomes a lapse."""
    bind.execute(sa.text(
        "UPDATE ledger_entry SET kind = 'carry_out', amount_cents = -amount_cents "
        "WHERE kind = 'adjustment' AND amount_cents < 0 AND note LIKE :pattern "
        "AND fund_year_id IN (SELECT id FROM fund_year WHERE closed_at IS NOT NULL)"
    ), {"pattern": "% → %"})
    rows = bind.execute(sa.text(
        "SELECT fy.id, e.kind, SUM(e.amount_cents) FROM fund_year fy "
        "JOIN fund f ON f.id = fy.fund_id JOIN ledger_entry e ON e.fund_year_id = fy.id "
        "WHERE fy.closed_at IS NOT NULL GROUP BY fy.id, e.kind"
    )).all()
    sums: dict[int, dict[str, int]] = {}
    for fund_year_id, kind, total in rows:
        sums.setdefault(fund_year_id, {})[kind] = int(total)
    for fund_year_id, by_kind in sums.items():
        available = (by_kind.get("allocation", 0) + by_kind.get("adjustment", 0)
                     + by_kind.get("carry_in", 0) - by_kind.get("commitment", 0)
                     + by_kind.get("release", 0) - by_kind.get("carry_out", 0))
        if available > 0:
            bind.execute(sa.text(
                "INSERT INTO ledger_entry (fund_year_id, kind, amount_cents, note, at) "
                "VALUES (:fy, 'lapse', :amount, 'year close', CURRENT_TIMESTAMP)"
            ), {"fy": fund_year_id, "amount": available})


def upgrade():
    bind = op.get_bind()
    op.create_table('member_position',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('choice', sa.String(length=8), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('at', juryfund.models.base.UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("(kind = 'vote') = (choice IS NOT NULL)", name=op.f('ck_member_position_vote_has_choice')),
    sa.CheckConstraint("choice IN ('yes', 'no', 'abstain')", name=op.f('ck_member_position_choice_valid')),
    sa.CheckConstraint("kind <> 'conflict' OR reason <> ''", name=op.f('ck_member_position_conflict_has_reason')),
    sa.CheckConstraint("kind IN ('vote', 'conflict')", name=op.f('ck_member_position_kind_valid')),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_member_position_agenda_item_id_agenda_item')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_position_member_id_member')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_user.id'], name=op.f('fk_member_position_recorded_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_position')),
    sa.UniqueConstraint('agenda_item_id', 'member_id', name=op.f('uq_member_position_agenda_item_id_member_id'))
    )
    with op.batch_alter_table('member_position', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_position_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_member_position_member_id'), ['member_id'], unique=False)
    # A conflict declared on an item withdrew the member's vote on it: the conflict wins.
    op.execute(
        "INSERT INTO member_position (agenda_item_id, member_id, kind, choice, reason, at, recorded_by_id) "
        "SELECT agenda_item_id, member_id, 'conflict', NULL, "
        "CASE WHEN reason = '' THEN '-' ELSE reason END, declared_at, recorded_by_id "
        "FROM conflict_declaration"
    )
    op.execute(
        "INSERT INTO member_position (agenda_item_id, member_id, kind, choice, reason, at, recorded_by_id) "
        "SELECT v.agenda_item_id, v.member_id, 'vote', v.choice, '', v.cast_at, v.recorded_by_id "
        "FROM vote v WHERE NOT EXISTS (SELECT 1 FROM conflict_declaration c "
        "WHERE c.agenda_item_id = v.agenda_item_id AND c.member_id = v.member_id)"
    )
    op.drop_table('vote')
    op.drop_table('conflict_declaration')

    _drop_guards(bind)
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('origin', sa.String(length=8), nullable=True))
        batch_op.drop_constraint(op.f('ck_ledger_entry_kind_valid'), type_='check')
        batch_op.drop_constraint(op.f('ck_ledger_entry_application_where_needed'), type_='check')
        batch_op.create_check_constraint('kind_valid', f"kind IN ({KINDS_AFTER})")
        batch_op.create_check_constraint(
            'application_where_needed', f"(kind IN ({NAMING_AFTER})) = (application_id IS NOT NULL)")
        batch_op.create_check_constraint('origin_valid', "origin IN ('release', 'refund')")
        batch_op.create_check_constraint('return_has_origin', "(kind = 'return') = (origin IS NOT NULL)")
    _close_years_as_now(bind)
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.create_unique_constraint(batch_op.f('uq_decision_agenda_item_id'), ['agenda_item_id'])
    # The tables this revision guards; later revisions install their own.
    guards.install(bind, tables=("fund_year", "ledger_entry", "decision"))


def downgrade():
    bind = op.get_bind()
    _drop_guards(bind)
    with op.batch_alter_table('decision', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_decision_agenda_item_id'), type_='unique')
    op.execute("DELETE FROM ledger_entry WHERE kind IN ('carry_out', 'lapse', 'return')")
    with op.batch_alter_table('ledger_entry', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_ledger_entry_return_has_origin'), type_='check')
        batch_op.drop_constraint(op.f('ck_ledger_entry_origin_valid'), type_='check')
        batch_op.drop_constraint(op.f('ck_ledger_entry_application_where_needed'), type_='check')
        batch_op.drop_constraint(op.f('ck_ledger_entry_kind_valid'), type_='check')
        batch_op.create_check_constraint('kind_valid', f"kind IN ({KINDS_BEFORE})")
        batch_op.create_check_constraint(
            'application_where_needed', f"(kind IN ({NAMING_BEFORE})) = (application_id IS NOT NULL)")
        batch_op.drop_column('origin')
    op.create_table('vote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('choice', sa.String(length=8), nullable=False),
    sa.Column('cast_at', juryfund.models.base.UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("choice IN ('yes', 'no', 'abstain')", name=op.f('ck_vote_choice_valid')),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_vote_agenda_item_id_agenda_item')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_vote_member_id_member')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_user.id'], name=op.f('fk_vote_recorded_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_vote')),
    sa.UniqueConstraint('agenda_item_id', 'member_id', name=op.f('uq_vote_agenda_item_id_member_id'))
    )
    with op.batch_alter_table('vote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_vote_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_vote_member_id'), ['member_id'], unique=False)
    op.create_table('conflict_declaration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agenda_item_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('declared_at', juryfund.models.base.UTCDateTime(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['agenda_item_id'], ['agenda_item.id'], name=op.f('fk_conflict_declaration_agenda_item_id_agenda_item')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_conflict_declaration_member_id_member')),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['staff_user.id'], name=op.f('fk_conflict_declaration_recorded_by_id_staff_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conflict_declaration')),
    sa.UniqueConstraint('agenda_item_id', 'member_id', name=op.f('uq_conflict_declaration_agenda_item_id_member_id'))
    )
    with op.batch_alter_table('conflict_declaration', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conflict_declaration_agenda_item_id'), ['agenda_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_conflict_declaration_member_id'), ['member_id'], unique=False)
    op.execute(
        "INSERT INTO vote (agenda_item_id, member_id, choice, cast_at, recorded_by_id) "
        "SELECT agenda_item_id, member_id, choice, at, recorded_by_id FROM member_position WHERE kind = 'vote'"
    )
    op.execute(
        "INSERT INTO conflict_declaration (agenda_item_id, member_id, reason, declared_at, recorded_by_id) "
        "SELECT agenda_item_id, member_id, reason, at, recorded_by_id FROM member_position WHERE kind = 'conflict'"
    )
    with op.batch_alter_table('member_position', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_member_position_member_id'))
        batch_op.drop_index(batch_op.f('ix_member_position_agenda_item_id'))
    op.drop_table('member_position')
