"""App factory and settings."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from juryfund import create_app
from juryfund.config import ConfigError
from juryfund.extensions import db

pytestmark = pytest.mark.foundation


def test_create_app_production_without_secret_key_refuses_and_says_why(clean_env):
    with pytest.raises(ConfigError, match="JURYFUND_SECRET_KEY"):
        create_app()


def test_create_app_development_without_secret_key_keeps_a_generated_key(clean_env, tmp_path):
    clean_env.setenv("JURYFUND_ENV", "development")
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert len(first) >= 32
    assert first == second
    assert (tmp_path / "dev-secret-key").read_text() == first


def test_production_without_audit_key_refuses_and_says_why(clean_env):
    """The audit key is its own setting: a secret key alone does not start production."""
    clean_env.setenv("JURYFUND_SECRET_KEY", "k")
    with pytest.raises(ConfigError, match="JURYFUND_AUDIT_KEY"):
        create_app()


def test_audit_keys_from_environment_first_seals(clean_env):
    clean_env.setenv("JURYFUND_SECRET_KEY", "k")
    clean_env.setenv("JURYFUND_AUDIT_KEY", "new-audit, old-audit")
    assert create_app().config["JURYFUND_AUDIT_KEYS"] == ["new-audit", "old-audit"]


def test_development_keeps_a_generated_audit_key_apart_from_the_secret_key(clean_env, tmp_path):
    clean_env.setenv("JURYFUND_ENV", "development")
    first = create_app().config["JURYFUND_AUDIT_KEYS"]
    assert first == create_app().config["JURYFUND_AUDIT_KEYS"]
    assert first == [(tmp_path / "dev-audit-key").read_text()]
    assert first[0] != (tmp_path / "dev-secret-key").read_text()


def test_secret_key_list_newest_signs_all_verify(clean_env):
    clean_env.setenv("JURYFUND_SECRET_KEY", "new-key, old-key,older-key")
    clean_env.setenv("JURYFUND_AUDIT_KEY", "audit-k")
    app = create_app()
    assert app.config["SECRET_KEY"] == "new-key"
    assert app.config["SECRET_KEY_FALLBACKS"] == ["old-key", "older-key"]


def test_session_signed_with_old_key_still_verifies_after_rotation(clean_env):
    clean_env.setenv("JURYFUND_SECRET_KEY", "old-key")
    clean_env.setenv("JURYFUND_AUDIT_KEY", "audit-k")
    clean_env.setenv("JURYFUND_DATABASE_URL", "sqlite://")
    old = create_app()
    with old.test_request_context():
        cookie = old.session_interface.get_signing_serializer(old).dumps({"lang": "tr"})
    clean_env.setenv("JURYFUND_SECRET_KEY", "new-key,old-key")
    new = create_app()
    with new.test_request_context():
        assert new.session_interface.get_signing_serializer(new).loads(cookie) == {"lang": "tr"}


def test_database_url_default_is_sqlite_in_instance_folder(clean_env, tmp_path):
    clean_env.setenv("JURYFUND_ENV", "development")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'juryfund.sqlite3'}"


def test_settings_from_environment(clean_env):
    clean_env.setenv("JURYFUND_SECRET_KEY", "k")
    clean_env.setenv("JURYFUND_AUDIT_KEY", "audit-k")
    clean_env.setenv("JURYFUND_DATABASE_URL", "sqlite:///x.db")
    clean_env.setenv("JURYFUND_MAIL_BACKEND", "smtp")
    clean_env.setenv("JURYFUND_SMTP_HOST", "mail.example.org")
    clean_env.setenv("JURYFUND_SMTP_PORT", "587")
    clean_env.setenv("JURYFUND_SMTP_SECURITY", "starttls")
    config = create_app().config
    assert (config["SQLALCHEMY_DATABASE_URI"], config["JURYFUND_MAIL_BACKEND"]) == (
        "sqlite:///x.db",
        "smtp",
    )
    assert (config["JURYFUND_SMTP_HOST"], config["JURYFUND_SMTP_PORT"]) == ("mail.example.org", 587)


@pytest.mark.parametrize(
    ("name", "value"),
    [("MAIL_BACKEND", "pigeon"), ("SMTP_SECURITY", "ssl3"), ("SMTP_PORT", "twenty-five")],
)
def test_bad_setting_refused_with_message(clean_env, name, value):
    clean_env.setenv("JURYFUND_SECRET_KEY", "k")
    clean_env.setenv("JURYFUND_AUDIT_KEY", "audit-k")
    clean_env.setenv(f"JURYFUND_{name}", value)
    with pytest.raises(ConfigError, match=f"JURYFUND_{name}"):
        create_app()


def test_sqlite_connection_has_wal_busy_timeout_and_foreign_keys(clean_env, tmp_path):
    clean_env.setenv("JURYFUND_ENV", "development")
    app = create_app()
    with app.app_context(), db.engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 5000
