"""Deployment: connection-pool settings, the gunicorn config file, and gunicorn serving the app."""

from __future__ import annotations

import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask import Flask
from gunicorn.config import Config, make_settings

from juryfund import create_app
from juryfund.config import ConfigError
from juryfund.extensions import db

pytestmark = pytest.mark.foundation

ROOT = Path(__file__).resolve().parents[2]
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"
POSTGRES = "postgresql+psycopg://juryfund:secret@db.invalid/juryfund"
#: Names of the config file that are helpers, not gunicorn settings.
HELPERS = {"os", "re", "glogging", "RedactingLogger"}


@pytest.fixture
def clean_env(clean_env):
    """The foundation's clean environment, with a secret key so production starts."""
    clean_env.setenv("JURYFUND_SECRET_KEY", "k")
    clean_env.setenv("JURYFUND_AUDIT_KEY", "audit-k")
    return clean_env


# --- connection pool ---------------------------------------------------------------------------


def test_pool_settings_from_environment_reach_the_postgresql_engine(clean_env):
    clean_env.setenv("JURYFUND_DATABASE_URL", POSTGRES)
    clean_env.setenv("JURYFUND_DB_POOL_SIZE", "4")
    clean_env.setenv("JURYFUND_DB_MAX_OVERFLOW", "6")
    clean_env.setenv("JURYFUND_DB_POOL_RECYCLE", "600")
    clean_env.setenv("JURYFUND_DB_POOL_TIMEOUT", "7")
    app = create_app()
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {
        "pool_pre_ping": True,
        "pool_size": 4,
        "max_overflow": 6,
        "pool_recycle": 600,
        "pool_timeout": 7,
    }
    with app.app_context():  # the engine is built without connecting
        pool = db.engine.pool
        assert (pool.size(), pool._max_overflow, pool._recycle, pool._timeout, pool._pre_ping) == (
            4,
            6,
            600,
            7,
            True,
        )


def test_pool_defaults_for_postgresql_are_small_and_bounded(clean_env):
    clean_env.setenv("JURYFUND_DATABASE_URL", POSTGRES)
    options = create_app().config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options == {
        "pool_pre_ping": True,
        "pool_size": 2,
        "max_overflow": 3,
        "pool_recycle": 1800,
        "pool_timeout": 10,
    }


def test_pool_settings_ignored_for_sqlite_which_keeps_its_pragmas(clean_env, tmp_path):
    clean_env.setenv("JURYFUND_DATABASE_URL", f"sqlite:///{tmp_path / 'pool.sqlite3'}")
    clean_env.setenv("JURYFUND_DB_POOL_SIZE", "4")
    clean_env.setenv("JURYFUND_DB_MAX_OVERFLOW", "6")
    app = create_app()
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}
    with app.app_context(), db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_pool_settings_ignored_for_in_memory_sqlite(clean_env):
    clean_env.setenv("JURYFUND_DATABASE_URL", "sqlite://")
    clean_env.setenv("JURYFUND_DB_POOL_SIZE", "4")
    app = create_app()
    with app.app_context(), db.engine.connect() as conn:  # a StaticPool would refuse pool_size
        assert conn.exec_driver_sql("SELECT 1").scalar() == 1


def test_engine_options_given_by_the_caller_win(clean_env):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": POSTGRES, "SQLALCHEMY_ENGINE_OPTIONS": {"echo": True}}
    )
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {"echo": True}


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DB_POOL_SIZE", "0"),
        ("DB_MAX_OVERFLOW", "-1"),
        ("DB_POOL_TIMEOUT", "0"),
        ("DB_POOL_RECYCLE", "ten"),
    ],
)
def test_unbounded_or_garbage_pool_setting_refused(clean_env, name, value):
    clean_env.setenv("JURYFUND_DATABASE_URL", POSTGRES)
    clean_env.setenv(f"JURYFUND_{name}", value)
    with pytest.raises(ConfigError, match=f"JURYFUND_{name}"):
        create_app()


# --- the gunicorn config file ------------------------------------------------------------------


def _gunicorn_settings() -> dict:
    """The config file's namespace, read as gunicorn reads it (a plain Python file)."""
    return runpy.run_path(str(GUNICORN_CONF))


def test_gunicorn_config_every_name_is_a_setting_or_a_known_helper(clean_env):
    namespace = {k: v for k, v in _gunicorn_settings().items() if not k.startswith("_")}
    settings = make_settings()
    assert set(namespace) - set(settings) == HELPERS
    for name in set(namespace) & set(settings):
        settings[name].set(namespace[name])  # gunicorn's own validation of each value


def test_gunicorn_config_defaults(clean_env):
    conf = _gunicorn_settings()
    cores = len(os.sched_getaffinity(0))
    assert conf["bind"] == ["127.0.0.1:8000"]
    assert conf["workers"] == min(2 * cores + 1, 4)  # SQLite by default
    assert (conf["worker_class"], conf["preload_app"], conf["timeout"]) == ("sync", True, 30)
    assert conf["forwarded_allow_ips"] == "127.0.0.1,::1"
    assert conf["graceful_timeout"] > 0 and conf["keepalive"] > 0
    assert conf["max_requests"] > 0 and 0 < conf["max_requests_jitter"] < conf["max_requests"]
    assert conf["control_socket_disable"] is True
    assert conf["wsgi_app"] == "app:app"
    assert callable(conf["post_fork"])


def test_gunicorn_config_from_environment(clean_env):
    clean_env.setenv("JURYFUND_BIND", "0.0.0.0:9000, unix:/run/juryfund/web.sock")
    clean_env.setenv("JURYFUND_WORKERS", "3")
    clean_env.setenv("JURYFUND_TIMEOUT", "60")
    clean_env.setenv("JURYFUND_FORWARDED_ALLOW_IPS", "10.0.0.5,10.0.0.6")
    clean_env.setenv("JURYFUND_CONTROL_SOCKET", "/run/juryfund/gunicorn.ctl")
    conf = _gunicorn_settings()
    assert conf["bind"] == ["0.0.0.0:9000", "unix:/run/juryfund/web.sock"]
    assert (conf["workers"], conf["timeout"]) == (3, 60)
    assert conf["forwarded_allow_ips"] == "10.0.0.5,10.0.0.6"
    assert (conf["control_socket"], conf["control_socket_disable"]) == (
        "/run/juryfund/gunicorn.ctl",
        False,
    )


def test_gunicorn_default_workers_on_postgresql_allow_more(clean_env):
    clean_env.setenv("JURYFUND_DATABASE_URL", POSTGRES)
    cores = len(os.sched_getaffinity(0))
    assert _gunicorn_settings()["workers"] == min(2 * cores + 1, 8)


@pytest.mark.parametrize(
    ("name", "value"), [("WORKERS", "many"), ("WORKERS", "0"), ("TIMEOUT", "-5")]
)
def test_gunicorn_config_refuses_garbage_numbers(clean_env, name, value):
    clean_env.setenv(f"JURYFUND_{name}", value)
    with pytest.raises(SystemExit, match=f"JURYFUND_{name}"):
        _gunicorn_settings()


def test_access_log_hides_link_tokens(clean_env):
    logger = _gunicorn_settings()["logger_class"](Config())
    environ = {
        "REQUEST_METHOD": "GET",
        "RAW_URI": "/ballot/link/eyJzZWNyZXQiOjF9.abc?lang=de",
        "PATH_INFO": "/ballot/link/eyJzZWNyZXQiOjF9.abc",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_REFERER": "https://funds.example.org/status/link/eyJvdGhlciI6Mn0.def",
    }
    response = SimpleNamespace(status="302 FOUND", sent=0, headers=[])
    atoms = logger.atoms(response, [], environ, SimpleNamespace(seconds=0, microseconds=1000))
    assert atoms["r"] == "GET /ballot/link/[token]?lang=de HTTP/1.1"
    assert atoms["U"] == "/ballot/link/[token]"
    assert atoms["f"] == "https://funds.example.org/status/link/[token]"


def test_post_fork_gives_the_worker_a_fresh_pool(clean_env, tmp_path):
    clean_env.setenv("JURYFUND_DATABASE_URL", f"sqlite:///{tmp_path / 'fork.sqlite3'}")
    app = create_app()
    with app.app_context():
        with db.engine.connect() as conn:  # the "master" connects during start-up
            conn.exec_driver_sql("SELECT 1")
        inherited = db.engine.pool
        assert inherited.checkedin() == 1
        server = SimpleNamespace(cfg=SimpleNamespace(preload_app=True), log=None)
        worker = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app))
        _gunicorn_settings()["post_fork"](server, worker)
        assert db.engine.pool is not inherited
        assert db.engine.pool.checkedin() == 0
        assert inherited.checkedin() == 1  # not closed: the master's connection stays the master's
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT 1").scalar() == 1
        db.engine.dispose()
        inherited.dispose()


@pytest.mark.parametrize(
    "wsgi_app",
    [Flask("bare"), lambda environ, start_response: []],
    ids=["flask-without-db", "plain-wsgi"],
)
def test_post_fork_leaves_other_apps_alone(clean_env, wsgi_app):
    """The benchmark's bare Flask app (bench/hello.py) is served with the same config."""
    server = SimpleNamespace(cfg=SimpleNamespace(preload_app=True), log=None)
    worker = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: wsgi_app))
    _gunicorn_settings()["post_fork"](server, worker)  # no error


def test_post_fork_without_preload_loads_nothing(clean_env):
    def never():
        raise AssertionError("the app must not be loaded in post_fork")

    server = SimpleNamespace(cfg=SimpleNamespace(preload_app=False), log=None)
    _gunicorn_settings()["post_fork"](server, SimpleNamespace(app=SimpleNamespace(wsgi=never)))


# --- gunicorn serving the app --------------------------------------------------------------------

#: Wraps the real config file: connects to the database in the master after preloading (as
#: start-up code might), and records the pool each worker has before and after the real post_fork.
OBSERVING_CONF = """
import json, os
CONF = {conf!r}
RECORD = {record!r}
exec(compile(open(CONF).read(), CONF, "exec"))
_deployed_post_fork = post_fork


def when_ready(server):
    from juryfund.extensions import db
    with server.app.wsgi().app_context(), db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")


def post_fork(server, worker):
    from juryfund.extensions import db
    with worker.app.wsgi().app_context():
        before = (id(db.engine.pool), db.engine.pool.checkedin())
        _deployed_post_fork(server, worker)
        after = (id(db.engine.pool), db.engine.pool.checkedin())
    with open(RECORD, "a") as f:
        f.write(json.dumps({{"pid": os.getpid(), "before": before, "after": after}}) + "\\n")
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Accept-Language": "en"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


def _wait_for_port(port: int, process: subprocess.Popen, deadline: float) -> None:
    while time.monotonic() < deadline:
        assert process.poll() is None, "gunicorn exited during start-up"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("gunicorn did not start listening in time")


@pytest.mark.slow
def test_gunicorn_with_the_deploy_config_serves_the_app(tmp_path):
    """db upgrade, then gunicorn with the config (preloaded, 2 workers) on a fresh SQLite file.

    The config is wrapped only to observe it (OBSERVING_CONF): every setting and the post_fork
    hook are the deployed ones.
    """
    port = _free_port()
    record = tmp_path / "post_fork.jsonl"
    observing = tmp_path / "observing.conf.py"
    observing.write_text(OBSERVING_CONF.format(conf=str(GUNICORN_CONF), record=str(record)))
    env = {k: v for k, v in os.environ.items() if not k.startswith("JURYFUND_")}
    env.update(
        JURYFUND_ENV="production",
        JURYFUND_SECRET_KEY="e2e-secret-key",
        JURYFUND_AUDIT_KEY="e2e-audit-key",
        JURYFUND_INSTANCE_PATH=str(tmp_path),
        JURYFUND_DATABASE_URL=f"sqlite:///{tmp_path / 'juryfund.sqlite3'}",
        JURYFUND_BIND=f"127.0.0.1:{port}",
        JURYFUND_WORKERS="2",
        JURYFUND_TRUSTED_PROXIES="1",
    )
    python = sys.executable
    subprocess.run(
        [python, "-m", "flask", "--app", "app", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    log = (tmp_path / "gunicorn.log").open("w+")
    process = subprocess.Popen(
        [python, "-m", "gunicorn", "-c", str(observing), "app:app"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for_port(port, process, time.monotonic() + 30)
        status, html = _get(f"http://127.0.0.1:{port}/")
        assert status == 200 and "<html" in html
        status, html = _get(f"http://127.0.0.1:{port}/privacy")
        assert status == 200 and "<html" in html
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/ballot/link/not-a-real-token-4711",
            headers={"X-Forwarded-For": "203.0.113.9"},
        )
        with pytest.raises(urllib.error.HTTPError) as bad_link:
            urllib.request.urlopen(request, timeout=10)
        assert bad_link.value.code == 400
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    log.seek(0)
    output = log.read()
    log.close()
    assert process.returncode == 0, output
    assert output.count("Booting worker") == 2, output
    # The access log names the client behind the proxy and never a link's token.
    assert "203.0.113.9 " in output and '"GET /ballot/link/[token] HTTP/1.1" 400' in output, output
    assert "not-a-real-token-4711" not in output
    # Each worker started with the master's pool (holding the master's connection), and the
    # deployed post_fork replaced it with an empty one of its own.
    forks = [json.loads(line) for line in record.read_text().splitlines()]
    assert len(forks) == 2
    for fork in forks:
        assert fork["before"][1] == 1
        assert fork["after"][1] == 0 and fork["after"][0] != fork["before"][0]
