"""fund year opens after closed years: a trigger refuses a year before a closed one of its fund

Revision ID: c5d6e7f8a9b0
Revises: b4c5d6e7f8a9
Create Date: 2026-12-07 21:00:00

services.setup.open_fund_year refuses opening a year before a closed year of the same fund
(fund_year.before_closed): its rest could never be carried or closed into the closed year after
it. The trigger (juryfund.models.guards, "fund_year_opening") holds it for anything else with
database access. On PostgreSQL it and the trigger that keeps closes in order now check under the
fund's row lock, so an opening and a close of the same fund running at once cannot both pass on
rows the other has not committed yet; the services take the same lock first
(services.ledger.lock_fund). Years opened before stay as they are.
"""

from alembic import op

from juryfund.models import guards


# revision identifiers, used by Alembic.
revision = "c5d6e7f8a9b0"
down_revision = "b4c5d6e7f8a9"
branch_labels = None
depends_on = None


def upgrade():
    # "fund_year" again: on PostgreSQL it replaces the close-in-order function with the one
    # taking the fund's lock (on SQLite, one writer at a time, its trigger stays as it is).
    guards.install(op.get_bind(), tables=("fund_year", "fund_year_opening"))


def downgrade():
    # The close-in-order function keeps taking the fund's lock: harmless to the older schema.
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS fund_year_opens_after_closed_years ON fund_year")
        op.execute("DROP FUNCTION IF EXISTS juryfund_opens_after_closed_years()")
    else:
        op.execute("DROP TRIGGER IF EXISTS fund_year_opens_after_closed_years")
