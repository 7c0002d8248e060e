"""Database triggers that keep the books and decisions append-only and closed years closed.

A correction of a decision keeps the date of the decision it corrects; a fund's years close in
order; an application's own money and other funding leave room for what it asks of the fund.

Payment requests move only forward (requested -> approved -> paid, or refused), keep what was
asked for, and lose their bank details only to erasure.

The books keep their invariants (DESIGN.md §5): no booking leaves a fund year with less than
nothing available, nor an application with more released than committed or more paid than it
still has committed. services.ledger.book checks them under the fund year's lock; the trigger
checks them again, under the same lock, for a booking that skipped the service.

A fund year never opens before a closed year of its fund, and a close and such an opening
check each other's year under the fund's lock.

The services never edit a booking or a decision and never book into a closed fund year; these
triggers make the same true for anything else with database access (a script, a console, a
bug), on PostgreSQL and SQLite alike. They are created with the tables (``create_all``, used by
the tests) and by the migration that introduced them, from the same statements.
"""

from __future__ import annotations

from sqlalchemy import DDL, event

from ..extensions import db

_PG_FUNCTIONS = [
    """
    CREATE OR REPLACE FUNCTION juryfund_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE =
            'juryfund: ' || TG_TABLE_NAME || ' rows are never changed or deleted (append-only)';
    END $$
    """,
    # FOR SHARE waits for a close running at the same moment and then sees its closed_at, so
    # even a booking that skipped the service's lock cannot land in a year being closed.
    """
    CREATE OR REPLACE FUNCTION juryfund_open_year_only() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE closed timestamp;
    BEGIN
        SELECT closed_at INTO closed FROM fund_year WHERE id = NEW.fund_year_id FOR SHARE;
        IF closed IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE =
                'juryfund: fund year ' || NEW.fund_year_id || ' is closed and takes no bookings';
        END IF;
        RETURN NEW;
    END $$
    """,
    """
    CREATE OR REPLACE FUNCTION juryfund_stays_closed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF OLD.closed_at IS NOT NULL AND NEW.closed_at IS DISTINCT FROM OLD.closed_at THEN
            RAISE EXCEPTION 'juryfund: a closed fund year stays closed'
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
    END $$
    """,
]


def _pg_refusal(trigger: str, table: str, event: str, condition: str, message: str) -> list[str]:
    """A PostgreSQL trigger refusing a row of `table` when `condition` holds (`event`: e.g.
    "BEFORE UPDATE"); its function is named after it: fund_year_x runs juryfund_x()."""
    function = "juryfund_" + trigger.removeprefix(f"{table}_")
    return [
        f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF {condition} THEN
                RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = '{message}';
            END IF;
            RETURN NEW;
        END $$
        """,
        f"DROP TRIGGER IF EXISTS {trigger} ON {table}",
        f"CREATE TRIGGER {trigger} {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


def _sqlite_refusal(
    trigger: str, table: str, event: str, condition: str, message: str
) -> list[str]:
    """The same on SQLite (`event` may name columns: "BEFORE UPDATE OF closed_at")."""
    return [
        f"CREATE TRIGGER IF NOT EXISTS {trigger} {event} ON {table} WHEN {condition} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
    ]


#: A fund's years close in order (services.books.close_year): an earlier year's close carries its
#: rest into the year after it, which must still be open to take it.
_IN_ORDER_MESSAGE = "juryfund: a fund year closes only after the earlier years of its fund"
_CLOSES_OUT_OF_ORDER_SQL = (
    "OLD.closed_at IS NULL AND NEW.closed_at IS NOT NULL AND EXISTS (SELECT 1 FROM fund_year e "
    "WHERE e.fund_id = NEW.fund_id AND e.year < NEW.year AND e.closed_at IS NULL)"
)


#: A fund year's bookings get their fund and year from its row: moving the row would move every
#: booking of it (a closed year's final figures included) into another year or fund. Its funding
#: period is final once the year is closed.
_PLACE_MESSAGE = "juryfund: a fund year keeps its fund and year, and a closed year its period"


def _place_changes_sql(distinct: str) -> str:
    """SQL: the update moves the year, or changes a closed year's period (`distinct` is the
    dialect's null-safe inequality)."""
    return (
        f"NEW.year {distinct} OLD.year OR NEW.fund_id {distinct} OLD.fund_id "
        f"OR (OLD.closed_at IS NOT NULL AND (NEW.period_start {distinct} OLD.period_start "
        f"OR NEW.period_end {distinct} OLD.period_end))"
    )


def _pg_keeps_its_place() -> list[str]:
    return _pg_refusal(
        "fund_year_keeps_its_place",
        "fund_year",
        "BEFORE UPDATE",
        _place_changes_sql("IS DISTINCT FROM"),
        _PLACE_MESSAGE,
    )


def _sqlite_keeps_its_place() -> list[str]:
    return _sqlite_refusal(
        "fund_year_keeps_its_place",
        "fund_year",
        "BEFORE UPDATE",
        _place_changes_sql("IS NOT"),
        _PLACE_MESSAGE,
    )


#: A year closes with nothing left available: services.books.close_year books the unspent rest
#: as lapsed or carried first (domain.budget.close_entries). Closed by hand with money left, the
#: rest would be neither lapsed nor carried and shown nowhere (a closed year shows no available).
_CLOSING_MESSAGE = (
    "juryfund: a fund year closes only once its rest is booked as lapsed or carried over"
)
_CLOSES_WITH_MONEY_LEFT_SQL = (
    "OLD.closed_at IS NULL AND NEW.closed_at IS NOT NULL AND (SELECT COALESCE(SUM(CASE "
    "WHEN e.kind IN ('allocation', 'adjustment', 'carry_in', 'return', 'release') "
    "THEN e.amount_cents WHEN e.kind IN ('commitment', 'lapse', 'carry_out') "
    "THEN -e.amount_cents ELSE 0 END), 0) FROM ledger_entry e "
    "WHERE e.fund_year_id = NEW.id) <> 0"
)


def _pg_closes_with_nothing_left() -> list[str]:
    # The name sorts after fund_year_closes_in_order: that refusal, the likelier, comes first.
    return _pg_refusal(
        "fund_year_closes_with_nothing_left",
        "fund_year",
        "BEFORE UPDATE",
        _CLOSES_WITH_MONEY_LEFT_SQL,
        _CLOSING_MESSAGE,
    )


def _sqlite_closes_with_nothing_left() -> list[str]:
    return _sqlite_refusal(
        "fund_year_closes_with_nothing_left",
        "fund_year",
        "BEFORE UPDATE OF closed_at",
        _CLOSES_WITH_MONEY_LEFT_SQL,
        _CLOSING_MESSAGE,
    )


#: Takes the fund's row before the check reads its years (as services.ledger.lock_fund does):
#: a close and the opening of an earlier year of the same fund then run one after the other,
#: each seeing what the other committed (each statement of the function reads afresh). FOR NO
#: KEY UPDATE leaves the foreign-key checks of rows naming the fund free to go on.
_LOCK_FUND_SQL = "PERFORM 1 FROM fund WHERE id = NEW.fund_id FOR NO KEY UPDATE;"


def _pg_refusal_under_fund_lock(
    trigger: str, event: str, when: str, condition: str, message: str
) -> list[str]:
    """A PostgreSQL trigger on fund_year refusing a row when `condition` holds, checked under
    the fund's lock, which it takes only when `when` holds (not on every booking's lock)."""
    function = "juryfund_" + trigger.removeprefix("fund_year_")
    return [
        f"""
        CREATE OR REPLACE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF {when} THEN
                {_LOCK_FUND_SQL}
                IF {condition} THEN
                    RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE = '{message}';
                END IF;
            END IF;
            RETURN NEW;
        END $$
        """,
        f"DROP TRIGGER IF EXISTS {trigger} ON fund_year",
        f"CREATE TRIGGER {trigger} {event} ON fund_year FOR EACH ROW EXECUTE FUNCTION {function}()",
    ]


def _pg_closes_in_order() -> list[str]:
    return _pg_refusal_under_fund_lock(
        "fund_year_closes_in_order",
        "BEFORE UPDATE",
        "OLD.closed_at IS NULL AND NEW.closed_at IS NOT NULL",
        _CLOSES_OUT_OF_ORDER_SQL,
        _IN_ORDER_MESSAGE,
    )


def _sqlite_closes_in_order() -> list[str]:
    return _sqlite_refusal(
        "fund_year_closes_in_order",
        "fund_year",
        "BEFORE UPDATE OF closed_at",
        _CLOSES_OUT_OF_ORDER_SQL,
        _IN_ORDER_MESSAGE,
    )


#: No year opens before a closed year of its fund (services.setup.open_fund_year refuses it as
#: fund_year.before_closed): its rest could never be carried or closed into the closed year
#: after it, and the years after it could then never close (they close in order).
_BEFORE_CLOSED_MESSAGE = "juryfund: a fund year never opens before a closed year of its fund"
_LATER_YEAR_SQL = (
    "EXISTS (SELECT 1 FROM fund_year c WHERE c.fund_id = NEW.fund_id AND c.year > NEW.year)"
)
_BEFORE_CLOSED_SQL = (
    "EXISTS (SELECT 1 FROM fund_year c WHERE c.fund_id = NEW.fund_id AND c.year > NEW.year "
    "AND c.closed_at IS NOT NULL)"
)


def _pg_opens_after_closed_years() -> list[str]:
    # A year after every year of the fund (the usual new year) has no later year that could be
    # closing: it takes no lock.
    return _pg_refusal_under_fund_lock(
        "fund_year_opens_after_closed_years",
        "BEFORE INSERT",
        _LATER_YEAR_SQL,
        _BEFORE_CLOSED_SQL,
        _BEFORE_CLOSED_MESSAGE,
    )


def _sqlite_opens_after_closed_years() -> list[str]:
    return _sqlite_refusal(
        "fund_year_opens_after_closed_years",
        "fund_year",
        "BEFORE INSERT",
        _BEFORE_CLOSED_SQL,
        _BEFORE_CLOSED_MESSAGE,
    )


#: An application never asks the fund for money its own money and other funding already cover
#: (services.intake, domain.fundrules.check_over_funding). Checked when an application is made
#: and whenever its money changes: one accepted under the earlier rule stays as it was sent.
_OVER_FUNDING_MESSAGE = (
    "juryfund: the amount requested, own money and other funding together exceed the total costs"
)
_OVER_FUNDED_SQL = "NEW.requested_cents + NEW.cofunding_cents + NEW.own_cents > NEW.total_cents"
_MONEY_COLUMNS = ("requested_cents", "cofunding_cents", "own_cents", "total_cents")


def _pg_financing_within_total() -> list[str]:
    changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _MONEY_COLUMNS)
    return _pg_refusal(
        "application_financing_within_total",
        "application",
        "BEFORE INSERT OR UPDATE",
        f"(TG_OP = 'INSERT' OR {changed}) AND {_OVER_FUNDED_SQL}",
        _OVER_FUNDING_MESSAGE,
    )


def _sqlite_financing_within_total() -> list[str]:
    raise_it = f"BEGIN SELECT RAISE(ABORT, '{_OVER_FUNDING_MESSAGE}'); END"
    return [
        "CREATE TRIGGER IF NOT EXISTS application_financing_on_insert BEFORE INSERT ON application "
        f"WHEN {_OVER_FUNDED_SQL} {raise_it}",
        "CREATE TRIGGER IF NOT EXISTS application_financing_on_update BEFORE UPDATE OF "
        f"{', '.join(_MONEY_COLUMNS)} ON application WHEN {_OVER_FUNDED_SQL} {raise_it}",
    ]


#: A correction keeps the date of the decision it corrects (services.decisions.correct_decision):
#: the body decided then, so the decision stays in the year (and annual report) of that date.
_CORRECTION_MESSAGE = "juryfund: a correction keeps the decided_at of the decision it corrects"
_CORRECTION_MOVES_DATE_SQL = (
    "NEW.supersedes_id IS NOT NULL AND NEW.decided_at IS DISTINCT FROM "
    "(SELECT decided_at FROM decision WHERE id = NEW.supersedes_id)"
)


def _pg_correction_keeps_date() -> list[str]:
    return _pg_refusal(
        "decision_correction_keeps_date",
        "decision",
        "BEFORE INSERT",
        _CORRECTION_MOVES_DATE_SQL,
        _CORRECTION_MESSAGE,
    )


def _sqlite_correction_keeps_date() -> list[str]:
    # SQLite spells IS DISTINCT FROM as IS NOT.
    condition = _CORRECTION_MOVES_DATE_SQL.replace("IS DISTINCT FROM", "IS NOT")
    return _sqlite_refusal(
        "decision_correction_keeps_date",
        "decision",
        "BEFORE INSERT",
        condition,
        _CORRECTION_MESSAGE,
    )


#: What erasure writes into a request's account holder (services.privacy.ERASED).
ERASED_HOLDER = "\u2014"
#: The moves a payment request may make (domain.lifecycles.PAYMENT_REQUEST_TRANSITIONS).
_REQUEST_MOVES_SQL = (
    "(OLD.state = NEW.state"
    " OR (OLD.state = 'requested' AND NEW.state IN ('approved', 'refused'))"
    " OR (OLD.state = 'approved' AND NEW.state IN ('paid', 'refused')))"
)
#: True when an UPDATE keeps what was asked for, only fills what is still empty and changes the
#: bank details only by erasing them: a paid or approved request can never be pointed at another
#: account or amount, not even by someone with database access.
_REQUEST_UPDATE_OK_SQL = (
    "NEW.application_id = OLD.application_id AND NEW.kind = OLD.kind"
    " AND NEW.amount_cents = OLD.amount_cents AND NEW.requested_by = OLD.requested_by"
    " AND NEW.requested_by_staff_id IS NOT DISTINCT FROM OLD.requested_by_staff_id"
    " AND NEW.requested_at = OLD.requested_at"
    f" AND {_REQUEST_MOVES_SQL}"
    " AND (OLD.approved_at IS NULL OR NEW.approved_at IS NOT DISTINCT FROM OLD.approved_at)"
    " AND (OLD.approved_by_id IS NULL"
    " OR NEW.approved_by_id IS NOT DISTINCT FROM OLD.approved_by_id)"
    " AND (OLD.refused_at IS NULL OR NEW.refused_at IS NOT DISTINCT FROM OLD.refused_at)"
    " AND (OLD.paid_at IS NULL OR NEW.paid_at IS NOT DISTINCT FROM OLD.paid_at)"
    " AND (OLD.ledger_entry_id IS NULL"
    " OR NEW.ledger_entry_id IS NOT DISTINCT FROM OLD.ledger_entry_id)"
    " AND (OLD.refusal_reason = '' OR NEW.refusal_reason = OLD.refusal_reason)"
    f" AND (NEW.account_holder = OLD.account_holder OR NEW.account_holder = '{ERASED_HOLDER}')"
    " AND (NEW.iban = OLD.iban OR NEW.iban = '') AND (NEW.bic = OLD.bic OR NEW.bic = '')"
)
_REQUEST_MESSAGE = (
    "juryfund: a payment request only moves forward, keeps its amount and account "
    "(erasure aside) and is never deleted"
)


def _pg_payment_request() -> list[str]:
    return [
        f"""
        CREATE OR REPLACE FUNCTION juryfund_payment_request_moves() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'DELETE' OR NOT ({_REQUEST_UPDATE_OK_SQL}) THEN
                RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE =
                    '{_REQUEST_MESSAGE}';
            END IF;
            RETURN NEW;
        END $$
        """,
        "DROP TRIGGER IF EXISTS payment_request_moves ON payment_request",
        "CREATE TRIGGER payment_request_moves BEFORE UPDATE OR DELETE ON payment_request "
        "FOR EACH ROW EXECUTE FUNCTION juryfund_payment_request_moves()",
    ]


def _sqlite_payment_request() -> list[str]:
    return [
        "CREATE TRIGGER IF NOT EXISTS payment_request_moves BEFORE UPDATE ON payment_request "
        f"WHEN NOT ({_REQUEST_UPDATE_OK_SQL}) "
        f"BEGIN SELECT RAISE(ABORT, '{_REQUEST_MESSAGE}'); END",
        "CREATE TRIGGER IF NOT EXISTS payment_request_no_delete BEFORE DELETE ON payment_request "
        f"BEGIN SELECT RAISE(ABORT, '{_REQUEST_MESSAGE}'); END",
    ]


#: The books of a fund year and of an application keep the invariants of DESIGN.md §5 that
#: services.ledger.book checks in the domain (budget.check_booking); the trigger holds them for a
#: booking that skips the service. It runs before the row is written, so the sums take in the
#: entries already there and NEW beside them; ledger_entry is append-only, so only an insert can
#: break them. Money is summed as domain.budget sums it (Balances.available, Account.from_totals).
_AVAILABLE_MESSAGE = (
    "juryfund: a booking never leaves the fund year with less than nothing available"
)
_ACCOUNT_MESSAGE = (
    "juryfund: a booking never releases more than was committed to an application, "
    "nor leaves more paid than is still committed, nor less than nothing paid"
)
#: Only an entry that takes money out of the year is checked against what is available: one that
#: adds money (or moves cash, as payments and refunds do) never overdraws the year, and a year
#: the books left short (before this rule) still takes the money that fills it.
_LOWERS_AVAILABLE_SQL = (
    "(NEW.kind IN ('commitment', 'lapse', 'carry_out') "
    "OR (NEW.kind = 'adjustment' AND NEW.amount_cents < 0))"
)
#: Available after the booking: (allocation + adjustment + carry_in + return) - (commitment -
#: release) - lapse - carry_out over the year's entries and NEW.
_OVERDRAWN_SQL = (
    "(SELECT SUM(CASE WHEN e.kind IN ('allocation', 'adjustment', 'carry_in', 'return', 'release') "
    "THEN e.amount_cents WHEN e.kind IN ('commitment', 'lapse', 'carry_out') "
    "THEN -e.amount_cents ELSE 0 END) "
    "FROM (SELECT kind, amount_cents FROM ledger_entry WHERE fund_year_id = NEW.fund_year_id "
    "UNION ALL SELECT NEW.kind, NEW.amount_cents) AS e) < 0"
)
#: The application's account over all fund years after the booking: commitment; released =
#: release + return; paid = payment - refund - the returns of refunded money. It must keep
#: released <= commitment and 0 <= paid <= commitment - released.
_ACCOUNT_BROKEN_SQL = (
    "EXISTS (SELECT 1 FROM (SELECT "
    "SUM(CASE WHEN e.kind = 'commitment' THEN e.amount_cents ELSE 0 END) AS commitment, "
    "SUM(CASE WHEN e.kind IN ('release', 'return') THEN e.amount_cents ELSE 0 END) AS released, "
    "SUM(CASE WHEN e.kind = 'payment' THEN e.amount_cents "
    "WHEN e.kind = 'refund' OR (e.kind = 'return' AND e.origin = 'refund') "
    "THEN -e.amount_cents ELSE 0 END) AS paid "
    "FROM (SELECT kind, amount_cents, origin FROM ledger_entry "
    "WHERE application_id = NEW.application_id "
    "UNION ALL SELECT NEW.kind, NEW.amount_cents, NEW.origin) AS e) AS account "
    "WHERE account.released > account.commitment "
    "OR account.paid > account.commitment - account.released OR account.paid < 0)"
)


def _pg_books_balance() -> list[str]:
    # The fund year's row is locked FOR UPDATE before anything is summed, so two bookings of one
    # year are checked one after the other, each seeing what the other committed (a statement of
    # a volatile function takes a fresh snapshot). The services hold the row already
    # (ledger.lock_fund_year): for them this is a re-lock. The application's row is not locked:
    # the services lock it before the fund year, and a trigger taking it after could deadlock;
    # bookings of one application go to one open year at a time, whose lock serialises them.
    # The trigger's name sorts before ledger_entry_open_year, so it fires first (PostgreSQL
    # fires a table's BEFORE triggers by name): taking FOR UPDATE after that trigger's FOR SHARE
    # could let two direct inserts share the row and then deadlock, each upgrading its lock.
    return [
        f"""
        CREATE OR REPLACE FUNCTION juryfund_books_balance() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM 1 FROM fund_year WHERE id = NEW.fund_year_id FOR UPDATE;
            IF {_LOWERS_AVAILABLE_SQL} AND {_OVERDRAWN_SQL} THEN
                RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE =
                    '{_AVAILABLE_MESSAGE}';
            END IF;
            IF NEW.application_id IS NOT NULL AND {_ACCOUNT_BROKEN_SQL} THEN
                RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE =
                    '{_ACCOUNT_MESSAGE}';
            END IF;
            RETURN NEW;
        END $$
        """,
        "DROP TRIGGER IF EXISTS ledger_entry_books_balance ON ledger_entry",
        "CREATE TRIGGER ledger_entry_books_balance BEFORE INSERT ON ledger_entry "
        "FOR EACH ROW EXECUTE FUNCTION juryfund_books_balance()",
    ]


def _sqlite_books_balance() -> list[str]:
    # SQLite has one writer at a time: the sums cannot change between the check and the insert.
    return [
        "CREATE TRIGGER IF NOT EXISTS ledger_entry_books_balance BEFORE INSERT ON ledger_entry "
        f"BEGIN SELECT RAISE(ABORT, '{_AVAILABLE_MESSAGE}') "
        f"WHERE {_LOWERS_AVAILABLE_SQL} AND {_OVERDRAWN_SQL}; "
        f"SELECT RAISE(ABORT, '{_ACCOUNT_MESSAGE}') "
        f"WHERE NEW.application_id IS NOT NULL AND {_ACCOUNT_BROKEN_SQL}; END",
    ]


_ALLOCATED_MESSAGE = (
    "juryfund: a cut never takes the own money of a fund year (allocation, adjustments and money "
    "carried in) below zero"
)
#: A cut (a negative adjustment) that leaves the year's own money below zero: returned money is
#: available to grants but is not the year's to cut (domain.budget checks the same).
_ALLOCATED_BELOW_ZERO_SQL = (
    "NEW.kind = 'adjustment' AND NEW.amount_cents < 0 AND "
    "(SELECT SUM(e.amount_cents) FROM (SELECT amount_cents FROM ledger_entry "
    "WHERE fund_year_id = NEW.fund_year_id AND kind IN ('allocation', 'adjustment', 'carry_in') "
    "UNION ALL SELECT NEW.amount_cents) AS e) < 0"
)


def _pg_keeps_allocated() -> list[str]:
    # Fires after ledger_entry_books_balance (triggers fire by name), which locked the fund
    # year's row: two cuts of one year are checked one after the other.
    return [
        f"""
        CREATE OR REPLACE FUNCTION juryfund_keeps_allocated() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF {_ALLOCATED_BELOW_ZERO_SQL} THEN
                RAISE EXCEPTION USING ERRCODE = 'check_violation', MESSAGE =
                    '{_ALLOCATED_MESSAGE}';
            END IF;
            RETURN NEW;
        END $$
        """,
        "DROP TRIGGER IF EXISTS ledger_entry_keeps_allocated ON ledger_entry",
        "CREATE TRIGGER ledger_entry_keeps_allocated BEFORE INSERT ON ledger_entry "
        "FOR EACH ROW EXECUTE FUNCTION juryfund_keeps_allocated()",
    ]


def _sqlite_keeps_allocated() -> list[str]:
    return [
        "CREATE TRIGGER IF NOT EXISTS ledger_entry_keeps_allocated BEFORE INSERT ON ledger_entry "
        f"WHEN {_ALLOCATED_BELOW_ZERO_SQL} "
        f"BEGIN SELECT RAISE(ABORT, '{_ALLOCATED_MESSAGE}'); END",
    ]


def _pg_append_only(table: str) -> list[str]:
    return [
        f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
        f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION juryfund_append_only()",
    ]


def _sqlite_append_only(table: str) -> list[str]:
    message = f"juryfund: {table} rows are never changed or deleted (append-only)"
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_update BEFORE UPDATE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_delete BEFORE DELETE ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{message}'); END",
    ]


def statements(dialect: str, table: str) -> list[str]:
    """The statements that guard one table on a dialect (none for an unguarded table)."""
    if dialect == "postgresql":
        if table == "ledger_entry":
            return [
                *_PG_FUNCTIONS,
                *_pg_append_only(table),
                "DROP TRIGGER IF EXISTS ledger_entry_open_year ON ledger_entry",
                "CREATE TRIGGER ledger_entry_open_year BEFORE INSERT ON ledger_entry "
                "FOR EACH ROW EXECUTE FUNCTION juryfund_open_year_only()",
                *_pg_books_balance(),
            ]
        if table == "decision":
            return [*_PG_FUNCTIONS, *_pg_append_only(table), *_pg_correction_keeps_date()]
        if table == "conflict_ruling":
            return [*_PG_FUNCTIONS, *_pg_append_only(table)]
        if table == "fund_year":
            return [
                *_PG_FUNCTIONS,
                "DROP TRIGGER IF EXISTS fund_year_stays_closed ON fund_year",
                "CREATE TRIGGER fund_year_stays_closed BEFORE UPDATE ON fund_year "
                "FOR EACH ROW EXECUTE FUNCTION juryfund_stays_closed()",
                *_pg_closes_in_order(),
            ]
        if table == "fund_year_place":
            return _pg_keeps_its_place()
        if table == "fund_year_closing":
            return _pg_closes_with_nothing_left()
        if table == "fund_year_opening":
            return _pg_opens_after_closed_years()
        if table == "ledger_entry_allocated":
            return _pg_keeps_allocated()
        if table == "payment_request":
            return _pg_payment_request()
        if table == "application":
            return _pg_financing_within_total()
    elif dialect == "sqlite":
        if table == "ledger_entry":
            return [
                *_sqlite_append_only(table),
                "CREATE TRIGGER IF NOT EXISTS ledger_entry_open_year BEFORE INSERT ON ledger_entry "
                "WHEN (SELECT closed_at FROM fund_year WHERE id = NEW.fund_year_id) IS NOT NULL "
                "BEGIN SELECT RAISE(ABORT, 'juryfund: the fund year is closed and takes no "
                "bookings'); END",
                *_sqlite_books_balance(),
            ]
        if table == "decision":
            return [*_sqlite_append_only(table), *_sqlite_correction_keeps_date()]
        if table == "conflict_ruling":
            return _sqlite_append_only(table)
        if table == "fund_year":
            return [
                "CREATE TRIGGER IF NOT EXISTS fund_year_stays_closed BEFORE UPDATE OF closed_at "
                "ON fund_year WHEN OLD.closed_at IS NOT NULL AND (NEW.closed_at IS NULL "
                "OR NEW.closed_at <> OLD.closed_at) "
                "BEGIN SELECT RAISE(ABORT, 'juryfund: a closed fund year stays closed'); END",
                *_sqlite_closes_in_order(),
            ]
        if table == "fund_year_place":
            return _sqlite_keeps_its_place()
        if table == "fund_year_closing":
            return _sqlite_closes_with_nothing_left()
        if table == "fund_year_opening":
            return _sqlite_opens_after_closed_years()
        if table == "ledger_entry_allocated":
            return _sqlite_keeps_allocated()
        if table == "payment_request":
            return _sqlite_payment_request()
        if table == "application":
            return _sqlite_financing_within_total()
    return []


GUARDED = (
    "fund_year",
    "ledger_entry",
    "decision",
    "conflict_ruling",
    "payment_request",
    "application",
)


#: Guards installed with a table beyond its own name's: those that read columns added by a later
#: migration than the one that first guarded the table (an earlier migration installing the
#: table's guards of today must not meet a column it has not made yet).
LATER_GUARDS = {
    "fund_year": ("fund_year_place", "fund_year_closing", "fund_year_opening"),
    "ledger_entry": ("ledger_entry_allocated",),
}
#: Every guard by the name `statements` knows it: the tables' and the later ones.
ALL_GUARDS = GUARDED + tuple(name for later in LATER_GUARDS.values() for name in later)


def install(connection, tables: tuple[str, ...] = ALL_GUARDS) -> None:
    """Create the guards of these tables on a connection's database (used by the migrations)."""
    for table in tables:
        for statement in statements(connection.dialect.name, table):
            connection.exec_driver_sql(statement)


def _after_create(table, connection, **_kw) -> None:
    """Guard a table right after create_all made it."""
    for name in (table.name, *LATER_GUARDS.get(table.name, ())):
        for statement in statements(connection.dialect.name, name):
            connection.execute(DDL(statement))


def register() -> None:
    """Attach the guards to create_all of the guarded tables (once, at import)."""
    for name in GUARDED:
        table = db.metadata.tables[name]
        if not event.contains(table, "after_create", _after_create):
            event.listen(table, "after_create", _after_create)
