"""money columns 64-bit

Every column that holds cents (and cost_item.quantity, which is multiplied into cents) becomes
BIGINT: a 32-bit INTEGER ends at 21,474,836.47 €, below the 100 million euros the forms accept
(domain.money.MAX_CENTS), so larger amounts failed on PostgreSQL with "integer out of range".

SQLite stores every INTEGER in up to 8 bytes already; its tables are rebuilt (batch mode) only so
that the declared type matches the models. The rebuild drops and renames tables, so foreign key
enforcement must be off (migrations/env.py does that): otherwise dropping `application` would
cascade into `cost_item`. Triggers of a rebuilt table go with it and are created again.

Revision ID: b64c0a11e5ce
Revises: e47f251b688f
Create Date: 2026-11-23 10:00:00.000000

"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'b64c0a11e5ce'
down_revision = 'e47f251b688f'
branch_labels = None
depends_on = None

#: table -> (column, nullable) of every money-ish column.
COLUMNS = {
    'fund': (('cap_cents', False), ('minimum_cents', False)),
    'application': (('cofunding_cents', False), ('total_cents', False), ('requested_cents', False)),
    'cost_item': (('quantity', False), ('unit_cents', False), ('total_cents', False)),
    'decision': (('approved_cents', True),),
    'receipt': (('amount_cents', False),),
    'ledger_entry': (('amount_cents', False),),
}


def upgrade():
    _retype(sa.Integer(), sa.BigInteger())


def downgrade():
    # On PostgreSQL an amount above 21 million euros stops the downgrade ("integer out of
    # range") instead of being cut: the data decides whether going back is possible.
    _retype(sa.BigInteger(), sa.Integer())


def _retype(old: sa.types.TypeEngine, new: sa.types.TypeEngine) -> None:
    """Alter every money column from `old` to `new`, keeping SQLite's triggers and references."""
    bind = op.get_bind()
    sqlite = bind.dialect.name == 'sqlite'
    triggers = []
    if sqlite:
        if bind.exec_driver_sql('PRAGMA foreign_keys').scalar():
            raise RuntimeError(
                'SQLite foreign keys are enforced: rebuilding the tables would cascade deletes. '
                'Run this migration through migrations/env.py, which turns them off.'
            )
        names = ', '.join(f"'{table}'" for table in COLUMNS)
        triggers = bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
            f"AND tbl_name IN ({names}) AND sql IS NOT NULL ORDER BY name"
        ).scalars().all()
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column, nullable in columns:
                batch_op.alter_column(
                    column, existing_type=old, type_=new, existing_nullable=nullable
                )
    if sqlite:
        for statement in triggers:
            bind.exec_driver_sql(statement)
        broken = bind.exec_driver_sql('PRAGMA foreign_key_check').all()
        if broken:
            raise RuntimeError(f'foreign keys broken by the table rebuild: {broken[:5]}')
