"""Settings: built-in defaults, then JURYFUND_* environment variables, then the caller's mapping."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

#: Environments in which the app may run without a configured secret key.
RELAXED_ENVIRONMENTS = frozenset({"development", "testing"})

SUPPORTED_LOCALES = ("de", "en", "tr", "ar", "uk", "ru", "pl")


class ConfigError(RuntimeError):
    """The configuration cannot work; the message says what to set."""


#: OpenStreetMap's own tile server and the attribution its licence asks for (ODbL).
DEFAULT_TILE_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
DEFAULT_MAP_ATTRIBUTION = (
    '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
)


def _env(name: str, default: str | None = None) -> str | None:
    """Read one JURYFUND_ variable; an empty value counts as unset."""
    value = os.environ.get(f"JURYFUND_{name}")
    return value if value not in (None, "") else default


def _env_bool(name: str, default: bool) -> bool:
    """Read a yes/no JURYFUND_ variable."""
    value = _env(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    """Read an integer JURYFUND_ variable, failing loudly on garbage."""
    value = _env(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ConfigError(f"JURYFUND_{name} must be a whole number, got {value!r}.") from exc


def instance_path_from_env() -> str | None:
    """The instance folder chosen by JURYFUND_INSTANCE_PATH, made absolute."""
    path = _env("INSTANCE_PATH")
    return str(Path(path).resolve()) if path else None


def settings_from_env(instance_path: str) -> dict[str, Any]:
    """Collect every setting the app knows from the environment (with defaults)."""
    env = _env("ENV", "production")
    keys = [k.strip() for k in (_env("SECRET_KEY") or "").split(",") if k.strip()]
    audit_keys = [k.strip() for k in (_env("AUDIT_KEY") or "").split(",") if k.strip()]
    return {
        "JURYFUND_ENV": env,
        "JURYFUND_SECRET_KEYS": keys,
        # Seals the audit trail (first seals, all verify); never stored in the database.
        "JURYFUND_AUDIT_KEYS": audit_keys,
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL")
        or f"sqlite:///{Path(instance_path) / 'juryfund.sqlite3'}",
        "JURYFUND_BASE_URL": _env("BASE_URL", "http://127.0.0.1:5000"),
        "JURYFUND_DEFAULT_TIMEZONE": _env("TIMEZONE", "Europe/Berlin"),
        # Mail: "file" writes .eml files under the instance folder, "smtp" delivers.
        "JURYFUND_MAIL_BACKEND": _env("MAIL_BACKEND", "file"),
        "JURYFUND_MAIL_SENDER": _env("MAIL_SENDER", "juryfund <noreply@juryfund.invalid>"),
        "JURYFUND_SMTP_HOST": _env("SMTP_HOST", "localhost"),
        "JURYFUND_SMTP_PORT": _env_int("SMTP_PORT", 25),
        "JURYFUND_SMTP_SECURITY": _env("SMTP_SECURITY", "none"),  # none | starttls | tls
        "JURYFUND_SMTP_USER": _env("SMTP_USER"),
        "JURYFUND_SMTP_PASSWORD": _env("SMTP_PASSWORD"),
        "JURYFUND_SMTP_TIMEOUT": _env_int("SMTP_TIMEOUT", 10),
        "SESSION_COOKIE_SECURE": _env_bool("SECURE_COOKIES", False),
        "JURYFUND_TRUSTED_PROXIES": _env_int("TRUSTED_PROXIES", 0),
        "JURYFUND_SESSION_IDLE_MINUTES": _env_int("SESSION_IDLE_MINUTES", 120),
        "JURYFUND_SESSION_MAX_HOURS": _env_int("SESSION_MAX_HOURS", 12),
        # Rate limits: by default a SQLite file the workers of this machine share (so a limit
        # holds across gunicorn workers); a Redis URL shares counters between app servers.
        "RATELIMIT_STORAGE_URI": _env("RATELIMIT_STORAGE_URI")
        or f"sqlitefile://{Path(instance_path).resolve() / 'ratelimits.sqlite3'}",
        "RATELIMIT_ENABLED": _env_bool("RATELIMIT_ENABLED", True),
        "JURYFUND_LIMIT_LOGIN": _env("LIMIT_LOGIN", "10 per minute;50 per hour"),
        "JURYFUND_LIMIT_APPLY": _env("LIMIT_APPLY", "60 per hour"),
        "JURYFUND_LIMIT_RESEND": _env("LIMIT_RESEND", "5 per hour"),
        "JURYFUND_LIMIT_VOTE": _env("LIMIT_VOTE", "120 per minute"),
        # A staff account is locked for a while after this many wrong passwords in a row.
        "JURYFUND_LOCKOUT_ATTEMPTS": _env_int("LOCKOUT_ATTEMPTS", 5),
        "JURYFUND_LOCKOUT_MINUTES": _env_int("LOCKOUT_MINUTES", 15),
        # Rendered public pages kept per worker process (juryfund/pagecache.py); 0 = no cache.
        "JURYFUND_PAGE_CACHE_SIZE": _env_int("PAGE_CACHE_SIZE", 500),
        # The map pages' tile server: any server with OpenStreetMap's {z}/{x}/{y} scheme.
        "JURYFUND_MAP_TILE_URL": _env("MAP_TILE_URL", DEFAULT_TILE_URL),
        "JURYFUND_MAP_ATTRIBUTION": _env("MAP_ATTRIBUTION", DEFAULT_MAP_ATTRIBUTION),
        # Connection pool of each process (PostgreSQL only; see engine_options).
        "JURYFUND_DB_POOL_SIZE": _env_int("DB_POOL_SIZE", 2),
        "JURYFUND_DB_MAX_OVERFLOW": _env_int("DB_MAX_OVERFLOW", 3),
        "JURYFUND_DB_POOL_RECYCLE": _env_int("DB_POOL_RECYCLE", 1800),
        "JURYFUND_DB_POOL_TIMEOUT": _env_int("DB_POOL_TIMEOUT", 10),
    }


def engine_options(config: Mapping[str, Any]) -> dict[str, Any]:
    """SQLAlchemy engine options for the configured database.

    Every engine checks a pooled connection before use (pre-ping), so a restarted database or
    a connection dropped by a firewall costs a reconnect, not an error page.

    PostgreSQL gets a bounded pool per process. A sync gunicorn worker serves one request at a
    time and a request uses one connection, so a small pool suffices; the bound matters because
    every process of every server counts against the server's max_connections (docs/deploy.md).
    Connections are recycled before idle time-outs of firewalls or PgBouncer cut them, and a
    request gives up waiting for a free connection well before gunicorn's worker time-out.

    SQLite keeps what SQLAlchemy and Flask-SQLAlchemy choose for it (a static pool for an
    in-memory database, where pool sizes make no sense); its settings are the connect hook in
    juryfund/database.py.
    """
    options: dict[str, Any] = {"pool_pre_ping": True}
    try:
        backend = make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name()
    except (ArgumentError, KeyError):
        return options  # Flask-SQLAlchemy reports a bad URL itself
    if backend == "postgresql":
        options.update(
            pool_size=config["JURYFUND_DB_POOL_SIZE"],
            max_overflow=config["JURYFUND_DB_MAX_OVERFLOW"],
            pool_recycle=config["JURYFUND_DB_POOL_RECYCLE"],
            pool_timeout=config["JURYFUND_DB_POOL_TIMEOUT"],
        )
    return options


def apply_defaults(config: dict[str, Any]) -> None:
    """Framework settings not set by the caller; only the engine options follow other settings."""
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", engine_options(config))
    config.setdefault("BABEL_DEFAULT_LOCALE", "de")
    config.setdefault(
        "BABEL_TRANSLATION_DIRECTORIES", str(Path(__file__).parent.parent / "translations")
    )
    config.setdefault("JURYFUND_LOCALES", SUPPORTED_LOCALES)
    config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # the session's lifetime bounds the token
    config.setdefault("MAX_CONTENT_LENGTH", 25 * 1024 * 1024)
    # Text fields together stay far below this; many or huge parts are an attack, not a form.
    config.setdefault("MAX_FORM_MEMORY_SIZE", 1024 * 1024)
    config.setdefault("MAX_FORM_PARTS", 400)
    config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    config.setdefault("RATELIMIT_KEY_PREFIX", "juryfund")
    # A moving window has no boundary at which a burst of twice the limit gets through.
    config.setdefault("RATELIMIT_STRATEGY", "moving-window")


def resolve_secret_keys(config: dict[str, Any], instance_path: str) -> None:
    """Choose the signing key (first of the list) and the older keys that still verify.

    Outside development and tests there is no fallback: signed links and sessions would break
    on every restart, so the app refuses to start and says what to set.
    """
    keys: list[str] = list(config.get("JURYFUND_SECRET_KEYS") or [])
    if not keys and config.get("SECRET_KEY"):
        keys = [config["SECRET_KEY"]]
    if not keys:
        if config["JURYFUND_ENV"] not in RELAXED_ENVIRONMENTS and not config.get("TESTING"):
            raise ConfigError(
                "juryfund refuses to start without a secret key: set JURYFUND_SECRET_KEY to a long "
                "random string (a comma-separated list rotates keys: the first signs, all verify). "
                "For a local try-out set JURYFUND_ENV=development instead."
            )
        keys = [_development_key(instance_path)]
    config["JURYFUND_SECRET_KEYS"] = keys
    config["SECRET_KEY"] = keys[0]
    config["SECRET_KEY_FALLBACKS"] = keys[1:]


def resolve_audit_keys(config: dict[str, Any], instance_path: str) -> None:
    """Choose the key that seals new audit events (first of the list) and the older ones.

    A dedicated key, not the secret key: whoever may sign a session need not be able to
    re-seal the trail, and the two rotate on their own schedules. Outside development and
    tests the app refuses to start without it, as for the secret key.
    """
    keys: list[str] = list(config.get("JURYFUND_AUDIT_KEYS") or [])
    if not keys:
        if config["JURYFUND_ENV"] not in RELAXED_ENVIRONMENTS and not config.get("TESTING"):
            raise ConfigError(
                "juryfund refuses to start without an audit key: set JURYFUND_AUDIT_KEY to a long "
                "random string, different from JURYFUND_SECRET_KEY, and keep it outside the "
                "database (a comma-separated list rotates keys: the first seals, all verify)."
            )
        keys = [_development_key(instance_path, "dev-audit-key")]
    config["JURYFUND_AUDIT_KEYS"] = keys


def _development_key(instance_path: str, name: str = "dev-secret-key") -> str:
    """A per-installation key kept in the instance folder so dev logins survive restarts."""
    path = Path(instance_path) / name
    if path.exists():
        return path.read_text().strip()
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    return key


def build_config(instance_path: str, overrides: Mapping[str, Any] | None) -> dict[str, Any]:
    """Merge defaults, environment and overrides into one validated mapping."""
    config = settings_from_env(instance_path)
    config.update(overrides or {})
    apply_defaults(config)
    if config.get("TESTING"):
        config["JURYFUND_ENV"] = "testing"
    resolve_secret_keys(config, instance_path)
    resolve_audit_keys(config, instance_path)
    if config["JURYFUND_MAIL_BACKEND"] not in {"file", "smtp"}:
        raise ConfigError("JURYFUND_MAIL_BACKEND must be 'file' or 'smtp'.")
    if config["JURYFUND_SMTP_SECURITY"] not in {"none", "starttls", "tls"}:
        raise ConfigError("JURYFUND_SMTP_SECURITY must be 'none', 'starttls' or 'tls'.")
    # SQLAlchemy reads a pool size of 0 and an overflow of -1 as "no limit", the opposite of a bound.
    for name, minimum in (
        ("DB_POOL_SIZE", 1),
        ("DB_MAX_OVERFLOW", 0),
        ("DB_POOL_RECYCLE", 1),
        ("DB_POOL_TIMEOUT", 1),
    ):
        if config[f"JURYFUND_{name}"] < minimum:
            raise ConfigError(f"JURYFUND_{name} must be at least {minimum}.")
    return config
