"""fund rules: own share, fee rule and caps, flat allowance, funding period, receipt choices

Funds get the rules real funds apply (issue 12, item 7; juryfund.domain.fundrules): a minimum own
contribution as a share of the costs with volunteer hours valued at an hourly rate, a fee rule
(allowed / forbidden / capped by amount and/or share), and a flat allowance on the proven costs.
Fund years get a funding period (empty: the calendar year). Applications record own money.
Receipts record staff's choice on a flagged (retroactive) receipt. A cost category `fee`
(Honorar for someone else) joins the cost plan's categories.

Existing rows keep today's behaviour through server defaults: no own share, fees allowed, no
allowance, calendar-year periods. SQLite rebuilds a table to add a CHECK, and a rebuild drops
the table's triggers (juryfund.models.guards): they are kept and created again afterwards.

Revision ID: 119f64b691d5
Revises: ef4fc6179f78
Create Date: 2026-12-06 01:22:52.518564

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '119f64b691d5'
down_revision = 'ef4fc6179f78'
branch_labels = None
depends_on = None

CATEGORIES_BEFORE = ("material", "consumables", "services", "rent", "publicity", "catering",
                     "transport", "equipment", "applicant_fee", "other")
CATEGORIES_AFTER = ("material", "consumables", "services", "rent", "publicity", "catering",
                    "transport", "equipment", "fee", "applicant_fee", "other")


def _quoted(values) -> str:
    return ", ".join(f"'{v}'" for v in values)


def _sqlite_triggers(bind) -> list[str]:
    """Drop every trigger on SQLite and return their SQL, to create them again after rebuilds."""
    if bind.dialect.name != 'sqlite':
        return []
    if bind.exec_driver_sql('PRAGMA foreign_keys').scalar():
        raise RuntimeError(
            'SQLite foreign keys are enforced: rebuilding the tables would cascade deletes. '
            'Run this migration through migrations/env.py, which turns them off.'
        )
    rows = bind.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND sql IS NOT NULL "
        "ORDER BY name"
    ).all()
    # All of them, not only those of rebuilt tables: a trigger on ledger_entry names fund_year
    # in its body, and SQLite checks such bodies when the rebuilt table is renamed into place.
    for name, _sql in rows:
        bind.exec_driver_sql(f'DROP TRIGGER IF EXISTS "{name}"')
    return [sql for _name, sql in rows]


def _restore(bind, triggers: list[str]) -> None:
    """Create the SQLite triggers again and make sure no reference broke."""
    for statement in triggers:
        bind.exec_driver_sql(statement)
    if bind.dialect.name == 'sqlite':
        broken = bind.exec_driver_sql('PRAGMA foreign_key_check').all()
        if broken:
            raise RuntimeError(f'foreign keys broken by the table rebuild: {broken[:5]}')


def upgrade():
    bind = op.get_bind()
    triggers = _sqlite_triggers(bind)
    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.add_column(sa.Column('own_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.create_check_constraint('own_nonnegative', 'own_cents >= 0')

    with op.batch_alter_table('fund', schema=None) as batch_op:
        batch_op.add_column(sa.Column('own_share_bp', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('hour_rate_cents', sa.BigInteger(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('fee_rule', sa.String(length=10), server_default='allowed', nullable=False))
        batch_op.add_column(sa.Column('fee_cap_cents', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('fee_cap_bp', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('allowance_bp', sa.Integer(), server_default='0', nullable=False))
        batch_op.create_check_constraint('own_share_bp_range', 'own_share_bp BETWEEN 0 AND 10000')
        batch_op.create_check_constraint('hour_rate_nonnegative', 'hour_rate_cents >= 0')
        batch_op.create_check_constraint(
            'fee_rule_valid', "fee_rule IN ('allowed', 'forbidden', 'capped')"
        )
        batch_op.create_check_constraint(
            'fee_cap_cents_nonnegative', 'fee_cap_cents IS NULL OR fee_cap_cents >= 0'
        )
        batch_op.create_check_constraint(
            'fee_cap_bp_range', 'fee_cap_bp IS NULL OR fee_cap_bp BETWEEN 0 AND 10000'
        )
        batch_op.create_check_constraint('allowance_bp_range', 'allowance_bp BETWEEN 0 AND 10000')

    with op.batch_alter_table('fund_year', schema=None) as batch_op:
        batch_op.add_column(sa.Column('period_start', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('period_end', sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            'period_order',
            'period_start IS NULL OR period_end IS NULL OR period_end >= period_start',
        )

    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('choice', sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column('choice_reason', sa.Text(), server_default='', nullable=False))
        batch_op.create_check_constraint('choice_valid', "choice IN ('accepted', 'refused')")
        batch_op.create_check_constraint(
            'refusal_has_reason', "choice IS NULL OR choice <> 'refused' OR choice_reason <> ''"
        )

    with op.batch_alter_table('cost_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cost_item_category_valid'), type_='check')
        batch_op.create_check_constraint(
            'category_valid', f'category IN ({_quoted(CATEGORIES_AFTER)})'
        )
    _restore(bind, triggers)


def downgrade():
    bind = op.get_bind()
    # Fee lines become "services" (what they were booked as before the category existed).
    op.execute("UPDATE cost_item SET category = 'services' WHERE category = 'fee'")
    triggers = _sqlite_triggers(bind)
    with op.batch_alter_table('cost_item', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cost_item_category_valid'), type_='check')
        batch_op.create_check_constraint(
            'category_valid', f'category IN ({_quoted(CATEGORIES_BEFORE)})'
        )

    with op.batch_alter_table('receipt', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_receipt_refusal_has_reason'), type_='check')
        batch_op.drop_constraint(op.f('ck_receipt_choice_valid'), type_='check')
        batch_op.drop_column('choice_reason')
        batch_op.drop_column('choice')

    with op.batch_alter_table('fund_year', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_fund_year_period_order'), type_='check')
        batch_op.drop_column('period_end')
        batch_op.drop_column('period_start')

    with op.batch_alter_table('fund', schema=None) as batch_op:
        for name in ('allowance_bp_range', 'fee_cap_bp_range', 'fee_cap_cents_nonnegative',
                     'fee_rule_valid', 'hour_rate_nonnegative', 'own_share_bp_range'):
            batch_op.drop_constraint(op.f(f'ck_fund_{name}'), type_='check')
        batch_op.drop_column('allowance_bp')
        batch_op.drop_column('fee_cap_bp')
        batch_op.drop_column('fee_cap_cents')
        batch_op.drop_column('fee_rule')
        batch_op.drop_column('hour_rate_cents')
        batch_op.drop_column('own_share_bp')

    with op.batch_alter_table('application', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_application_own_nonnegative'), type_='check')
        batch_op.drop_column('own_cents')
    _restore(bind, triggers)
