"""The session hooks run in the order create_app writes down, whatever was imported first."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from juryfund.domain.actors import SYSTEM
from juryfund.extensions import db
from juryfund.infra import audit, session_hooks
from juryfund.web import pagecache

pytestmark = pytest.mark.foundation

PACKAGE = Path(__file__).resolve().parents[2] / "juryfund"


def test_create_app_installs_the_hooks_in_their_order(app):
    assert session_hooks.installed("before_commit") == (
        pagecache.move_version_on,
        audit.chain_pending,
    )
    assert session_hooks.installed("after_soft_rollback") == (
        pagecache.forget_changes,
        audit.drop_rolled_back,
    )
    assert session_hooks.installed("after_transaction_end") == (audit.drop_at_end,)


def test_each_event_has_one_listener_however_often_an_app_is_built(app):
    from juryfund import create_app

    create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]})
    for name in session_hooks.EVENTS:
        assert event.contains(Session, name, session_hooks._DISPATCHERS[name])
    assert len(session_hooks.installed("before_commit")) == 2


def test_no_module_registers_a_session_listener_of_its_own():
    """A decorator listener would run in import order again, outside the dispatcher."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "session_hooks.py"
        and re.search(r"listens_for\(\s*Session\b|event\.listen\(\s*Session\b", path.read_text())
    ]
    assert offenders == []


def test_unknown_event_names_are_refused(app):
    with pytest.raises(ValueError, match="not a session event"):
        session_hooks.install({"before_comit": [audit.chain_pending]})


def test_the_version_moves_before_the_audit_chain_is_locked(app, make):
    """At commit the page cache writes its version row first and the audit trail chains last."""
    area = make.area(code="ORD")
    db.session.commit()
    statements: list[str] = []

    def remember(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()).lower())

    engine = db.engine
    event.listen(engine, "before_cursor_execute", remember)
    try:
        area.name = "Ordnung"  # a public change: the version moves on
        audit.record("test.order", actor=SYSTEM, object_type="area", object_id=area.id)
        db.session.commit()
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    version = next(i for i, s in enumerate(statements) if s.startswith("update content_version"))
    chained = next(i for i, s in enumerate(statements) if s.startswith("insert into audit_event"))
    assert version < chained
