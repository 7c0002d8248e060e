"""gunicorn settings for juryfund, read with

    gunicorn -c deploy/gunicorn.conf.py app:app

from the checkout (app.py builds the app once: `app = create_app()`). The app itself reads the
same JURYFUND_* environment as every other command; the few server settings below come from the
environment too, so one environment file serves the web server, the mail sender and the tick.
See docs/deploy.md.

    JURYFUND_BIND                 127.0.0.1:8000  address(es), comma-separated; unix:/run/... works too
    JURYFUND_WORKERS              2 x cores + 1, at most 8 (at most 4 on SQLite)
    JURYFUND_TIMEOUT              30              seconds before a stuck worker is killed and replaced
    JURYFUND_FORWARDED_ALLOW_IPS  127.0.0.1,::1   proxies whose X-Forwarded-Proto gunicorn believes
    JURYFUND_CONTROL_SOCKET       (off)           path of gunicorn's control socket (gunicornc)

gunicorn ignores the names in this file that are not its settings (the helpers below).
"""

import os
import re

from gunicorn import glogging


def _env(name: str, default: str) -> str:
    """One JURYFUND_ variable; empty counts as unset, as in juryfund/config.py."""
    return os.environ.get(f"JURYFUND_{name}") or default


def _env_int(name: str, default: int) -> int:
    """A positive whole number; gunicorn stops with the message otherwise."""
    value = _env(name, str(default))
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise SystemExit(f"JURYFUND_{name} must be a whole number above 0, got {value!r}.")
    return number


def _uses_sqlite() -> bool:
    """True unless JURYFUND_DATABASE_URL names another database (the default is SQLite)."""
    return _env("DATABASE_URL", "sqlite:").startswith("sqlite")


def _cores() -> int:
    """CPUs this process may run on (respects taskset/cpusets, unlike os.cpu_count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _default_workers() -> int:
    # The usual 2 x cores + 1 keeps the CPUs busy while some workers wait for the database.
    # Capped: every worker holds its own connection pool and memory, and beyond a handful per
    # machine it is cheaper to add a machine (PostgreSQL) than to queue more on one database.
    # SQLite lets one writer in at a time; more workers would mostly wait for its write lock.
    return min(2 * _cores() + 1, 4 if _uses_sqlite() else 8)


wsgi_app = "app:app"  # used when the command line names no app
bind = [address.strip() for address in _env("BIND", "127.0.0.1:8000").split(",") if address.strip()]
workers = _env_int("WORKERS", _default_workers())

# One request per process at a time: the app is plain blocking code (SQLAlchemy sessions, no
# async), and slow clients never tie up a worker because the reverse proxy buffers requests
# and responses. Setting `threads` above 1 would switch gunicorn to gthread workers; size the
# database pool to the threads then (JURYFUND_DB_POOL_SIZE).
worker_class = "sync"

# A request that takes longer is stuck (mail goes through the outbox, never inside a request):
# the worker is killed and replaced. JURYFUND_DB_POOL_TIMEOUT (10 s) stays below this, so a
# request starved of database connections gets an error page instead of a killed worker.
timeout = _env_int("TIMEOUT", 30)
# On stop and restart, running requests get this long to finish.
graceful_timeout = 30
# Only honoured by threaded/async workers (sync closes the connection after each response);
# kept so that switching worker classes behind a load balancer does not need a second change.
keepalive = 5

# Replace each worker after about a thousand requests so slow memory growth (caches, fragmentation)
# never accumulates; the jitter keeps the workers from restarting all at the same moment.
max_requests = 1000
max_requests_jitter = 100

# Load the app once in the master before forking: a bad configuration (no secret key, a typo in
# a setting) stops the start with one clear message instead of workers crashing in a loop, and
# the workers share the loaded code's memory. Code and JURYFUND_* changes therefore need a
# restart (systemctl restart), not a HUP. See post_fork for what must not be shared.
preload_app = True

# gunicorn sets wsgi.url_scheme to https from X-Forwarded-Proto only for these peers. The app's
# own ProxyFix (JURYFUND_TRUSTED_PROXIES) does the same for the client address and host; set
# both to match the proxies in front (docs/deploy.md).
forwarded_allow_ips = _env("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to stdout/stderr, i.e. to the journal under systemd.
accesslog = "-"
errorlog = "-"
loglevel = "info"
# Client (after ProxyFix, when JURYFUND_TRUSTED_PROXIES is set), time, request, status, size,
# duration and user agent; no referrer (Referrer-Policy: same-origin keeps it internal anyway).
access_log_format = '%(h)s %(t)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'

# gunicorn 25+ opens a control socket at $XDG_RUNTIME_DIR/gunicorn.ctl or ~/.gunicorn/ by
# default, a path shared by every gunicorn of the same user (a second one takes it over). Off
# unless a path is given; systemd's signals (stop, restart) are all juryfund needs.
if _env("CONTROL_SOCKET", ""):
    control_socket = _env("CONTROL_SOCKET", "")
control_socket_disable = not _env("CONTROL_SOCKET", "")

proc_name = "juryfund"

#: Ballot and status links carry their signed token in the path (/ballot/link/<token>).
_LINK_TOKEN = re.compile(r"(/link/)[^/?#\s\"]+")


class RedactingLogger(glogging.Logger):
    """The access log without the tokens of ballot and status links.

    A token in a log file is a working link for weeks to anyone who can read the log.
    """

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "f"):
            if isinstance(atoms.get(key), str):
                atoms[key] = _LINK_TOKEN.sub(r"\1[token]", atoms[key])
        return atoms


logger_class = RedactingLogger


def post_fork(server, worker):
    """Give each worker fresh database pools instead of the master's.

    With preload_app the master built the app, and anything it connected to the database during
    start-up sits in the engine's pool. A forked worker would inherit those sockets (or SQLite
    handles) and use them at the same time as its siblings: corrupted protocol streams and
    answers delivered to the wrong process. dispose(close=False) drops the inherited pool without
    closing the sockets (closing them would also close them for the master) and starts an empty
    one; each worker then opens its own connections on first use.
    """
    if not server.cfg.preload_app:
        return  # nothing was loaded, hence nothing inherited
    app = worker.app.wsgi()  # the master's loaded app; no second load
    db = getattr(app, "extensions", {}).get("sqlalchemy")  # Flask-SQLAlchemy registers itself here
    if db is None:
        return  # not a Flask app with Flask-SQLAlchemy: no pools of ours to drop
    with app.app_context():
        for engine in db.engines.values():
            engine.dispose(close=False)
