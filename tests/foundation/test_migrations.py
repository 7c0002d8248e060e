"""The committed Alembic migrations build exactly the schema the models describe."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from juryfund import create_app
from juryfund.extensions import db

from ..conftest import POSTGRES_URL

pytestmark = pytest.mark.foundation


def _empty_database(url: str) -> None:
    """Drop everything so the migrations start from nothing."""
    engine = create_engine(url)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def migration_app(tmp_path, database_url):
    """An app on an empty database of the same kind as the suite's."""
    url = POSTGRES_URL or f"sqlite:///{tmp_path / 'migrate.sqlite3'}"
    _empty_database(url)
    app = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "JURYFUND_SECRET_KEYS": ["k"]}
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if POSTGRES_URL:
        # Leave the shared PostgreSQL database as the rest of the suite expects it.
        from ..conftest import _reset_schema

        _reset_schema(POSTGRES_URL)


def test_upgrade_of_empty_database_matches_models(migration_app):
    upgrade()
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, db.metadata)
    assert differences == []


def _triggers() -> set[str]:
    """The names of the database's triggers (the guards of the books, decisions, requests)."""
    sql = (
        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
        if db.engine.dialect.name == "postgresql"
        else "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    )
    with db.engine.connect() as conn:
        return set(conn.execute(text(sql)).scalars())


def test_upgrade_installs_every_guard_the_models_install(migration_app):
    """A migration that rebuilds a guarded table (SQLite's batch mode copies it) would drop its
    triggers silently; the migrated database must carry the same guards as create_all."""
    upgrade()
    migrated = _triggers()
    _empty_database(db.engine.url.render_as_string(hide_password=False))
    if db.engine.dialect.name == "sqlite":
        db.drop_all()
    db.create_all()
    assert migrated == _triggers()
    assert "payment_request_moves" in migrated


def test_downgrade_removes_every_table(migration_app):
    upgrade()
    downgrade(revision="base")
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert tables == set()


#: Every money column (and the quantity multiplied into one), as the 64-bit migration made them.
MONEY_COLUMNS = {
    "fund": {"cap_cents", "minimum_cents"},
    "application": {"cofunding_cents", "total_cents", "requested_cents"},
    "cost_item": {"quantity", "unit_cents", "total_cents"},
    "decision": {"approved_cents"},
    "receipt": {"amount_cents"},
    "ledger_entry": {"amount_cents"},
}
_ROWS = [
    "INSERT INTO area (id, slug, code, name, city, timezone, languages, description, action_fields,"
    " contact_email, created_at) VALUES (1, 'a', 'AAA', 'A', '', 'Europe/Berlin', 'de', '', '', '',"
    " '2026-01-01')",
    "INSERT INTO fund (id, area_id, kind, name, description, cap_cents, minimum_cents,"
    " lead_time_days, eligible_categories, carry_over, proof_weeks, retention_years, active,"
    " created_at) VALUES"
    " (1, 1, 'action_fund', 'F', '', 150000, 0, 14, 'material', false, 4, 10, true, '2026-01-01')",
    "INSERT INTO application (id, area_id, fund_id, year, number, reference, state, language,"
    " applicant_kind, applicant_name, organisation, email, phone, address, lives_or_acts_in_area,"
    " title, description, goals, target_group, place, start_date, end_date, participants,"
    " volunteer_hours, in_kind, cofunding_source, cofunding_cents, total_cents, requested_cents,"
    " declared_not_started, declared_no_own_fee, consent_processing, consent_publish_name,"
    " review_note, submitted_at, updated_at) VALUES (1, 1, 1, 2026, 1, 'AAA-2026-1', 'submitted',"
    " 'de', 'person', 'X', '', '', '', '', true, 'T', 'D', '', '', '', '2026-02-01', '2026-02-01',"
    " 0, 0, '', '', 0, 1000, 1000, true, true, true, false, '', '2026-01-01', '2026-01-01')",
    "INSERT INTO cost_item (id, application_id, position, description, category, quantity,"
    " unit_cents, total_cents) VALUES (1, 1, 1, 'Erde', 'material', 2, 500, 1000)",
]


def test_money_columns_become_64_bit_and_keep_their_rows(migration_app):
    upgrade(revision="e47f251b688f")
    with db.engine.begin() as conn:
        for statement in _ROWS:
            conn.execute(text(statement))
    upgrade(revision="b64c0a11e5ce")
    inspector = inspect(db.engine)
    for table, columns in MONEY_COLUMNS.items():
        types = {c["name"]: c["type"] for c in inspector.get_columns(table)}
        assert {name: type(types[name]).__name__ for name in columns} == dict.fromkeys(
            columns, "BIGINT"
        ), table
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "sqlite":
            # The table rebuild ran without foreign keys (else dropping `application` would have
            # cascaded into cost_item); the pooled connection has them back.
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.execute(text("SELECT total_cents FROM cost_item")).scalars().all() == [1000]
        # 100,000 pieces at 1,000 €: 32 bits end at 21 million euros.
        conn.execute(
            text(
                "UPDATE cost_item SET quantity = 100000, unit_cents = 100000, total_cents = 10000000000"
            )
        )
        conn.execute(text("UPDATE application SET total_cents = 10000000000"))
        assert conn.execute(text("SELECT total_cents FROM application")).scalar() == 10_000_000_000


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (JURYFUND_TEST_DATABASE_URL)")
def test_money_columns_are_bigint_on_postgresql(migration_app):
    upgrade(revision="b64c0a11e5ce")
    with db.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT table_name, column_name, data_type FROM information_schema.columns"
                " WHERE table_schema = 'public' AND table_name = ANY(:tables)"
            ),
            {"tables": list(MONEY_COLUMNS)},
        ).all()
    found = {(table, column): kind for table, column, kind in rows}
    assert {key: found[key] for key in found if key[1] in MONEY_COLUMNS[key[0]]} == {
        (table, column): "bigint" for table, columns in MONEY_COLUMNS.items() for column in columns
    }


def _plain_chain(rows: list[dict]) -> list[dict]:
    """Events sealed the way the trail was before it was keyed (plain SHA-256)."""
    import hashlib
    import json

    sealed, prev = [], "0" * 64
    for number, row in enumerate(rows, start=1):
        document = json.dumps(
            {"prev_hash": prev, **row, "at": "2026-01-01T10:00:00.000000Z"},
            sort_keys=True,
            separators=(",", ":"),
            ensure_ascii=False,
        )
        seal = hashlib.sha256(document.encode()).hexdigest()
        sealed.append({**row, "id": number, "prev_hash": prev, "hash": seal})
        prev = seal
    return sealed


def _insert_events(events: list[dict]) -> None:
    with db.engine.begin() as conn:
        for event in events:
            conn.execute(
                text(
                    "INSERT INTO audit_event (id, at, actor, action, object_type, object_id,"
                    " area_id, data, prev_hash, hash) VALUES (:id, '2026-01-01 10:00:00.000000',"
                    " :actor, :action, :object_type, :object_id, NULL, :data, :prev_hash, :hash)"
                ),
                event,
            )


_OLD_EVENTS = [
    {
        "actor": "system",
        "action": "area.created",
        "object_type": "area",
        "object_id": "1",
        "area_id": None,
        "data": "{}",
    },
    {
        "actor": "staff:1",
        "action": "round.opened",
        "object_type": "round",
        "object_id": "7",
        "area_id": None,
        "data": '{"mode":"meeting"}',
    },
]


def test_keying_the_trail_reseals_an_intact_chain(migration_app):
    """The upgrade re-seals the existing events with the audit key: verify-audit passes after
    it, and an event changed afterwards (even with its plain hash recomputed) is caught."""
    from juryfund.infra import audit

    upgrade(revision="a3b214f8a178")
    _insert_events(_plain_chain(_OLD_EVENTS))
    upgrade(revision="140efa52dd50")
    upgrade()  # today's code reads today's columns; the keyed chain becomes the installation's
    assert audit.verify() == []
    key_ids = db.session.execute(text("SELECT DISTINCT key_id FROM audit_event")).scalars().all()
    assert key_ids == [audit.sealing_key()[0]]
    db.session.rollback()
    downgrade(revision="a3b214f8a178")
    # Back to plain SHA-256: the old chain is exactly what it was.
    with db.engine.connect() as conn:
        hashes = conn.execute(text("SELECT hash FROM audit_event ORDER BY id")).scalars().all()
    assert hashes == [event["hash"] for event in _plain_chain(_OLD_EVENTS)]


def test_keying_refuses_to_launder_a_broken_chain(migration_app):
    upgrade(revision="a3b214f8a178")
    events = _plain_chain(_OLD_EVENTS)
    events[0]["data"] = '{"changed":true}'  # edited after it was sealed
    _insert_events(events)
    with pytest.raises(SystemExit):  # Flask-Migrate logs the RuntimeError and exits
        upgrade(revision="140efa52dd50")
    db.session.rollback()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == (
            "a3b214f8a178"
        )
        hashes = conn.execute(text("SELECT hash FROM audit_event ORDER BY id")).scalars().all()
    assert hashes == [event["hash"] for event in events]


_DECISIONS = [
    "INSERT INTO decision (id, application_id, outcome, approved_cents, conditions, eligible,"
    " participating, quorum_needed, yes, no, abstain, decided_at, correction_reason) VALUES"
    " (1, 1, 'rejected', NULL, '', 7, 5, 4, 1, 4, 0, '2026-03-01', ''),"
    " (2, 1, 'approved', 600, '', 7, 5, 4, 4, 1, 0, '2026-03-01', ''),"
    " (3, 1, 'approved', 1000, '', 7, 5, 4, 4, 1, 0, '2026-03-01', '')",
]


def test_decision_reasons_migration_fills_old_decisions_and_keeps_them_append_only(
    migration_app,
):
    upgrade(revision="a3b214f8a178")
    with db.engine.begin() as conn:
        for statement in [*_ROWS, *_DECISIONS]:
            conn.execute(text(statement))
    upgrade(revision="9f4594b0b08f")
    with db.engine.begin() as conn:
        rows = conn.execute(
            text("SELECT id, requested_cents, reasons <> '' FROM decision ORDER BY id")
        ).all()
        # The rejection and the partial approval say that no reasons were recorded back then.
        assert [tuple(row) for row in rows] == [(1, 1000, True), (2, 1000, True), (3, 1000, False)]
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("UPDATE decision SET reasons = 'x' WHERE id = 3"))
    with pytest.raises(Exception, match="(?i)check"), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO decision (application_id, outcome, requested_cents, conditions,"
                " reasons, eligible, participating, quorum_needed, yes, no, abstain, decided_at,"
                " correction_reason) VALUES (1, 'rejected', 1000, '', '', 7, 5, 4, 1, 4, 0,"
                " '2026-03-01', '')"
            )
        )
    downgrade(revision="a3b214f8a178")
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT count(*) FROM decision")).scalar() == 3
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM decision WHERE id = 3"))


#: A decision of 1 March 2026 corrected on 10 and 20 January 2027, as before corrections kept
#: the date of the decision they correct (each took the moment staff entered it).
_CORRECTED = [
    "INSERT INTO decision (id, application_id, outcome, approved_cents, requested_cents,"
    " conditions, reasons, eligible, participating, quorum_needed, yes, no, abstain, decided_at,"
    " supersedes_id, correction_reason) VALUES"
    " (1, 1, 'approved', 1000, 1000, '', '', 7, 5, 4, 4, 1, 0, '2026-03-01 18:00:00', NULL, ''),"
    " (2, 1, 'approved', 900, 1000, '', 'Kürzung', 7, 5, 4, 4, 1, 0, '2027-01-10 09:00:00', 1,"
    " 'Kürzung'),"
    " (3, 1, 'approved', 800, 1000, '', 'Kürzung', 7, 5, 4, 4, 1, 0, '2027-01-20 09:00:00', 2,"
    " 'Kürzung')",
]


def _decision_dates() -> list[tuple[str, ...]]:
    with db.engine.begin() as conn:
        rows = conn.execute(text("SELECT * FROM decision ORDER BY id")).mappings().all()
    return [
        tuple(str(row[name])[:16] for name in ("decided_at", "recorded_at") if name in row)
        for row in rows
    ]


def test_corrections_keep_the_date_of_the_decision_they_correct_after_the_migration(
    migration_app,
):
    """Corrections entered before the fix moved their decision into the year they were entered;
    the migration gives them back the body's date (down a chain of corrections) and keeps the
    moment each was entered as recorded_at. The downgrade restores the old dates."""
    upgrade(revision="e5a6b7c8d9f0")
    with db.engine.begin() as conn:
        # The older revisions install today's decision guards, this revision's trigger among
        # them; the old code wrote these rows without it.
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER decision_correction_keeps_date ON decision"))
        else:
            conn.execute(text("DROP TRIGGER decision_correction_keeps_date"))
        for statement in [*_ROWS, *_CORRECTED]:
            conn.execute(text(statement))
    upgrade(revision="f6a7b8c9d0e1")
    assert _decision_dates() == [
        ("2026-03-01 18:00", "2026-03-01 18:00"),
        ("2026-03-01 18:00", "2027-01-10 09:00"),
        ("2026-03-01 18:00", "2027-01-20 09:00"),
    ]
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("UPDATE decision SET decided_at = recorded_at WHERE id = 3"))
    with pytest.raises(Exception, match="keeps the decided_at"), db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO decision (application_id, outcome, approved_cents, requested_cents,"
                " conditions, reasons, eligible, participating, quorum_needed, yes, no, abstain,"
                " decided_at, recorded_at, supersedes_id, correction_reason) VALUES (1,"
                " 'approved', 700, 1000, '', 'Kürzung', 7, 5, 4, 4, 1, 0, '2027-02-01',"
                " '2027-02-01', 3, 'Kürzung')"
            )
        )
    downgrade(revision="e5a6b7c8d9f0")
    assert _decision_dates() == [
        ("2026-03-01 18:00",),
        ("2027-01-10 09:00",),
        ("2027-01-20 09:00",),
    ]
    with pytest.raises(Exception, match="append-only"), db.engine.begin() as conn:
        conn.execute(text("DELETE FROM decision WHERE id = 3"))


def test_the_one_chain_becomes_the_installations_and_areas_chain_on(migration_app):
    """Events stored while the trail was one chain keep their seals as the installation's chain
    (numbered by their ids); new events of an area start the area's own chain, with ids the
    database assigns after the old ones."""
    from juryfund.domain.actors import SYSTEM
    from juryfund.infra import audit

    upgrade(revision="b8c9d0e1f2a3")
    with db.engine.begin() as conn:
        conn.execute(text(_ROWS[0]))  # area 1
    fingerprint, key = audit.sealing_key()
    prev_hash, old = audit.GENESIS, []
    for number, event in enumerate(_OLD_EVENTS, start=1):
        at = "2026-01-01 10:00:00.000000"
        seal = audit.event_hash(
            key=key,
            key_id=fingerprint,
            prev_hash=prev_hash,
            at=datetime(2026, 1, 1, 10, tzinfo=UTC),
            **event,
        )
        old.append({**event, "id": number, "prev_hash": prev_hash, "hash": seal, "at": at})
        prev_hash = seal
    with db.engine.begin() as conn:
        for event in old:
            conn.execute(
                text(
                    "INSERT INTO audit_event (id, at, actor, action, object_type, object_id,"
                    " area_id, data, prev_hash, key_id, hash) VALUES (:id, :at, :actor, :action,"
                    " :object_type, :object_id, :area_id, :data, :prev_hash, :key_id, :hash)"
                ),
                {**event, "key_id": fingerprint},
            )
    one_chain_head = f"jfhead1.2.{prev_hash}.{fingerprint}." + audit._head_signature(
        key, "jfhead1", f"2|{prev_hash}"
    )
    upgrade()

    audit.record("test.area", actor=SYSTEM, object_type="test", object_id=1, area_id=1)
    audit.record("test.installation", actor=SYSTEM, object_type="test", object_id=2)
    db.session.commit()
    rows = db.session.execute(
        text("SELECT id, chain, seq, action FROM audit_event ORDER BY chain, seq")
    ).all()
    assert [tuple(row) for row in rows] == [
        (1, 0, 1, "area.created"),
        (2, 0, 2, "round.opened"),
        (3, 0, 3, "test.installation"),  # chains are sealed in ascending order
        (4, 1, 1, "test.area"),
    ]
    assert audit.verify(expect_head=one_chain_head) == []
    assert audit.verify(expect_head=audit.signed_head()) == []
    db.session.rollback()
    # Back to one chain is refused once an area has a chain of its own.
    with pytest.raises(SystemExit):
        downgrade(revision="b8c9d0e1f2a3")
