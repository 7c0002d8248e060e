"""The benchmark: gunicorn (2 sync workers) on seeded databases, loaded by wrk.

    python3 dev.py bench                      # what the README documents
    .venv/bin/python bench/run.py --help      # the same, with every option

First a bare Flask "hello" app runs under the same server settings: the ceiling. Then, per
database (SQLite; PostgreSQL when JURYFUND_TEST_DATABASE_URL is set) and per size (1,000 and
100,000 applications by default), juryfund serves each scenario to wrk for a fixed time. The
report gives req/s, p50, p99 and the ratio to the ceiling, checks the targets of issue 8, and
the numbers go to bench/results/<time>.json.

`--workers 2,4,8` sweeps the worker count for the write scenarios (vote POST, application POST):
each count runs them on a fresh working copy, and the report shows req/s and p99 per count and
checks the targets of issue 18 (throughput never falls as workers are added; p99 at the most
workers < 150 ms for a vote, < 500 ms for an application).

The write scenarios run twice: in one area (one member voting through a 20-item ballot; one
area's application form), and spread over four areas ("vote POST, 4 areas", "application POST,
4 areas": each request goes to the next area's round or form), as a city's installation gets
them. Each area has its own audit chain and application counter, so on PostgreSQL the spread
writes do not queue behind one lock; in one area they do.

Seeded databases are kept under bench/.data/ and reused while seed-bench, the migrations and
the day stay the same; every measurement works on a fresh copy of them (writes from the POST
scenarios never pile up from one run to the next).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
DATA = BENCH / ".data"
RESULTS = BENCH / "results"
BIN = Path(sys.executable).parent
SECRET = "bench-secret-key-not-for-production"

#: Targets of issue 8 (2 cores, 16 connections).
READ_SHARE, VOTE_SHARE, P99_MS, GROWTH, PG_FACTOR = 0.30, 0.15, 50.0, 1.5, 1.5
#: Targets of issue 18 for the write scenarios of a --workers sweep: p99 at the most workers.
SWEEP_P99_MS = {"vote POST": 150.0, "application POST": 500.0}
#: Issue 18: shares of the ceiling for single scenarios (instead of READ_SHARE / VOTE_SHARE).
SCENARIO_SHARES = {
    "ballot, 20 items": 0.25,
    "CSV export, unchanged": 0.20,
    "vote interaction": 0.20,
    "application POST": 0.08,
}
#: Issue 18: cached public pages on PostgreSQL at least this share of their SQLite speed.
PG_CACHED_SHARE = 0.9
PG_CACHED_PAGES = ("area page", "decisions, first page", "decisions, deep page", "project page")


@dataclass
class Result:
    """One wrk run."""

    scenario: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx responses plus socket errors
    ratio: float | None = None
    note: str = ""
    workers: int | None = None  # gunicorn workers, in a --workers sweep


@dataclass
class Run:
    """Every scenario on one database at one size."""

    backend: str
    applications: int
    areas: int
    seed_seconds: float | None
    results: list[Result] = field(default_factory=list)
    checks: dict = field(default_factory=dict)
    sweep: list[Result] = field(default_factory=list)  # the write scenarios per worker count


# --- wrk ---------------------------------------------------------------------------------------


def _ms(value: str) -> float:
    """wrk's '812.00us', '3.40ms' or '1.02s' in milliseconds."""
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def parse_wrk(output: str) -> tuple[float, float, float, int, int]:
    """(req/s, p50 ms, p99 ms, requests, errors) from wrk --latency output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = _ms(re.search(r"\s99%\s+(\S+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", output):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    ):
        # Sync workers close every connection after the response; wrk counts the reads that
        # then fail as errors although each request was answered. Connect, write and timeout
        # errors are real.
        errors += int(match.group(1)) + int(match.group(3)) + int(match.group(4))
    return rps, p50, p99, requests, errors


def wrk(
    url: str,
    *,
    seconds: int,
    connections: int,
    threads: int,
    script: str | None = None,
    headers: dict[str, str] | None = None,
    warmup: int = 2,
) -> str:
    """Load url with wrk (after a short warm-up) and return its report."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", "--latency", "--timeout", "5s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    if script:
        command += ["-s", script]
    if warmup:
        subprocess.run([*command, f"-d{warmup}s", url], capture_output=True, text=True, check=True)
    return subprocess.run(
        [*command, f"-d{seconds}s", url], capture_output=True, text=True, check=True
    ).stdout


def lua_posts(
    posts: list[tuple[str, str]], headers: dict[str, str], directory: Path, name: str
) -> str:
    """A wrk script that POSTs the (path, form body) pairs in turn."""
    lines = [
        'wrk.method = "POST"',
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"',
    ]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    pairs = ", ".join(f"{{{json.dumps(path)}, {json.dumps(body)}}}" for path, body in posts)
    lines += [
        f"local posts = {{{pairs}}}",
        "local n = 0",
        "request = function()",
        "  n = n + 1",
        "  local post = posts[n % #posts + 1]",
        "  return wrk.format(nil, post[1], nil, post[2])",
        "end",
    ]
    script = directory / f"{name}.lua"
    script.write_text("\n".join(lines) + "\n")
    return str(script)


def lua_votes(
    rounds: list[tuple[int, list[int]]], token: str, headers: dict[str, str], directory: Path
) -> str:
    """A wrk script that votes on the rounds in turn, and in each on every item in turn,
    cycling yes / no / abstain."""
    lines = [
        'wrk.method = "POST"',
        'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"',
    ]
    lines += [f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items()]
    listed = ", ".join(
        f"{{{round_id}, {{{', '.join(map(str, items))}}}}}" for round_id, items in rounds
    )
    lines += [
        f"local rounds = {{{listed}}}",
        'local choices = {"yes", "no", "abstain"}',
        "local n = 0",
        "request = function()",
        "  n = n + 1",
        "  local round = rounds[n % #rounds + 1]",
        "  local items = round[2]",
        "  local item = items[math.floor(n / #rounds) % #items + 1]",
        '  local path = "/ballot/" .. round[1] .. "/items/" .. item .. "/vote"',
        f'  local body = "csrf_token={urllib.parse.quote(token)}&choice=" .. choices[n % 3 + 1]',
        "  return wrk.format(nil, path, nil, body)",
        "end",
    ]
    script = directory / "vote.lua"
    script.write_text("\n".join(lines) + "\n")
    return str(script)


# --- servers -----------------------------------------------------------------------------------


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


#: Loopback addresses the server listens on. Sync workers close every connection, so each request
#: is a new TCP connection, and each closed one waits out TIME_WAIT for a minute. Thousands per
#: second exhaust the ephemeral ports of one address pair; the kernel's search for a free port
#: then shows up as latency of hundreds of milliseconds (measured: hello fell from 1,150 to 650
#: req/s with p99 over 1 s). Every wrk run therefore loads the server through its own address.
ADDRESSES = [f"127.0.0.{n}" for n in range(2, 22)]


class Server:
    """A running gunicorn; hands out a fresh loopback address for every load run."""

    def __init__(self, port: int) -> None:
        self.port, self._next = port, 0

    @property
    def url(self) -> str:
        """The base URL for setting up sessions (few connections)."""
        return f"http://127.0.0.1:{self.port}"

    def fresh_url(self) -> str:
        """A base URL whose address no earlier load run of this server used."""
        address = ADDRESSES[self._next % len(ADDRESSES)]
        self._next += 1
        return f"http://{address}:{self.port}"


@contextlib.contextmanager
def gunicorn(app: str, env: dict[str, str], *, workers: int, pythonpath: Path = ROOT):
    """gunicorn with the project's config (deploy/gunicorn.conf.py) on a free port; a Server."""
    port = free_port()
    binds = []
    for address in ["127.0.0.1", *ADDRESSES]:
        binds += ["--bind", f"{address}:{port}"]
    command = [
        str(BIN / "gunicorn"),
        "-c",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        *binds,
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        # Steady state is measured: no access log lines and no worker recycling during a run.
        "--access-logfile",
        "/dev/null",
        "--max-requests",
        "0",
        "--pythonpath",
        str(pythonpath),
        app,
    ]
    log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in the finally below
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    running = Server(port)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(running.url + "/", timeout=2).read()
                break
            except OSError:  # not listening yet, or still starting up
                if server.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    output = log.read().decode(errors="replace")
                    raise SystemExit(f"gunicorn did not start:\n{output}") from None
                time.sleep(0.2)
        yield running
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


# --- databases ---------------------------------------------------------------------------------


def _area_today() -> date:
    """Today in Berlin, the seeded areas' time zone: seed-bench and the app count days there,
    and between 23:00 and 24:00 UTC the UTC date is still the day before."""
    return datetime.now(ZoneInfo("Europe/Berlin")).date()


def _fingerprint(applications: int, areas: int, years: int) -> str:
    """Changes when the seeded data would: seed-bench, models, migrations, the day."""
    digest = hashlib.sha256(f"{applications}/{areas}/{years}/{_area_today()}".encode())
    for path in sorted(
        [
            ROOT / "juryfund" / "devtools" / "benchdata.py",
            *(ROOT / "juryfund" / "models").glob("*.py"),
            *(ROOT / "migrations" / "versions").glob("*.py"),
        ]
    ):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def flask(*args: str, env: dict[str, str]) -> str:
    """`flask --app app ...` in the virtual environment; its output."""
    result = subprocess.run(
        [str(BIN / "flask"), "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise SystemExit(f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def base_env(instance: Path) -> dict[str, str]:
    """The app's environment for the benchmark: production mode, mail to files, loose limits."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("JURYFUND_")}
    env.update(
        {
            "JURYFUND_ENV": "production",
            "JURYFUND_SECRET_KEY": SECRET,
            "JURYFUND_AUDIT_KEY": f"audit-{SECRET}",
            "JURYFUND_INSTANCE_PATH": str(instance),
            "JURYFUND_MAIL_BACKEND": "file",
            # Rate limits off: wrk sends from one address what thousands of residents would send,
            # so real limits would answer 429, and limits raised high enough would make the limiter
            # keep a minute's worth of hits per address in its moving window (thousands of entries
            # scanned per request), a cost no real member causes.
            "JURYFUND_RATELIMIT_ENABLED": "false",
        }
    )
    return env


class Database:
    """A seeded database kept between runs, and fresh working copies of it."""

    def __init__(
        self, backend: str, applications: int, areas: int, admin_url: str | None, years: int = 10
    ) -> None:
        self.backend, self.applications, self.areas, self.years = (
            backend,
            applications,
            areas,
            years,
        )
        self.admin_url = admin_url
        self.key = _fingerprint(applications, areas, years)
        self.label = f"{areas}x{applications}x{years}y"
        # One PostgreSQL server serves every checkout on the machine: each its own databases.
        checkout = hashlib.sha256(str(ROOT).encode()).hexdigest()[:6]
        self.name = f"juryfund_bench_{self.label}_{checkout}"
        self.seed_seconds: float | None = None

    # SQLite: a file and its copies.
    def _file(self, suffix: str = "") -> Path:
        return DATA / f"sqlite-{self.label}{suffix}.sqlite3"

    def _url(self, name: str) -> str:
        parts = urllib.parse.urlsplit(self.admin_url)
        return urllib.parse.urlunsplit(parts._replace(path="/" + name))

    def _admin(self, *statements: str) -> None:
        from sqlalchemy import create_engine, text

        engine = create_engine(self.admin_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
        engine.dispose()

    def prepare(self, env: dict[str, str]) -> None:
        """Seed the pristine database unless an identical one is already there."""
        DATA.mkdir(parents=True, exist_ok=True)
        stamp = DATA / f"{self.backend}-{self.label}.key"
        if stamp.exists() and stamp.read_text() == self.key:
            print(
                f"  reusing the seeded {self.backend} database ({self.applications:,} applications)"
            )
            return
        if self.backend == "sqlite":
            for path in DATA.glob(f"sqlite-{self.label}.sqlite3*"):
                path.unlink()
        else:
            self._admin(
                f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)',
                f'CREATE DATABASE "{self.name}"',
            )
        url = self.url()
        seed_env = {**env, "JURYFUND_DATABASE_URL": url}
        print(
            f"  seeding {self.backend} with {self.applications:,} applications in {self.areas} areas ...",
            flush=True,
        )
        flask("db", "upgrade", env=seed_env)
        started = time.perf_counter()
        flask(
            "juryfund",
            "seed-bench",
            "--areas",
            str(self.areas),
            "--applications",
            str(self.applications),
            "--years",
            str(self.years),
            env=seed_env,
        )
        self.seed_seconds = round(time.perf_counter() - started, 1)
        if self.backend == "postgresql":  # fresh statistics, as autovacuum would have by now
            from sqlalchemy import create_engine, text

            engine = create_engine(url, isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                conn.execute(text("VACUUM ANALYZE"))
            engine.dispose()
        stamp.write_text(self.key)
        print(f"  seeded in {self.seed_seconds} s", flush=True)

    def url(self) -> str:
        """The pristine database's URL (for reading only)."""
        return f"sqlite:///{self._file()}" if self.backend == "sqlite" else self._url(self.name)

    def working_copy(self) -> str:
        """A fresh copy of the pristine database for one measurement; its URL."""
        if self.backend == "sqlite":
            import sqlite3

            copy = self._file("-work")
            for path in DATA.glob(f"sqlite-{self.label}-work.sqlite3*"):
                path.unlink()
            # SQLite's backup API, not a file copy: the newest pages may still sit in the WAL file.
            source, target = sqlite3.connect(self._file()), sqlite3.connect(copy)
            with target:
                source.backup(target)
            source.close()
            target.close()
            return f"sqlite:///{copy}"
        work = f"{self.name}_work"
        self._admin(
            f'DROP DATABASE IF EXISTS "{work}" WITH (FORCE)',
            f'CREATE DATABASE "{work}" TEMPLATE "{self.name}"',
        )
        return self._url(work)


# --- sessions ----------------------------------------------------------------------------------


class Browser:
    """Just enough of a browser to get a session cookie and a CSRF token from the server."""

    class _NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: D102
            return None

    def __init__(self, base_url: str) -> None:
        self.base_url, self.cookies = base_url, {}
        self.opener = urllib.request.build_opener(self._NoRedirect)

    def get(self, path: str) -> str:
        """GET a path with the cookies so far; the body (redirects are not followed)."""
        request = urllib.request.Request(
            self.base_url + path, headers={"Cookie": self.cookie_header()}
        )
        try:
            response = self.opener.open(request, timeout=10)
        except urllib.error.HTTPError as redirect:
            if redirect.code not in (301, 302, 303):
                raise
            response = redirect
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, value = header.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        return response.read().decode("utf-8", errors="replace")

    def cookie_header(self) -> str:
        """The cookies as a Cookie header."""
        return "; ".join(f"{name}={value}" for name, value in self.cookies.items())

    def csrf(self, path: str) -> str:
        """The CSRF token of the form on a page."""
        page = self.get(path)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page
        )
        if not match:
            raise SystemExit(f"no CSRF token on {path}")
        return match.group(1)


def etag_of(url: str) -> str:
    """The ETag a first download of url carries (for the conditional request scenario)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        response.read()
        return response.headers.get("ETag") or '"none"'


def application_form(token: str, fund_id: int) -> str:
    """A complete, valid application as a German browser sends it, ready to be saved."""
    start = date.fromordinal(_area_today().toordinal() + 30).isoformat()
    fields = [
        ("csrf_token", token),
        ("action", "submit"),
        ("confirmed_fund", str(fund_id)),
        ("applicant_kind", "initiative"),
        ("applicant_name", "Ayşe Yılmaz"),
        ("organisation", "Hofgemeinschaft"),
        ("email", "bench@example.org"),
        ("phone", ""),
        ("address", "Soldiner Str. 1, 13359 Berlin"),
        ("lives_or_acts_in_area", "y"),
        ("title", "Hoffest"),
        ("description", "Ein Fest im Hof für alle Nachbarinnen und Nachbarn."),
        ("goals", "Nachbarschaft"),
        ("target_group", "Nachbarschaft"),
        ("place", "Hof"),
        ("start_date", start),
        ("end_date", start),
        ("participants", "40"),
        ("cost_items-0-description", "Erde"),
        ("cost_items-0-category", "material"),
        ("cost_items-0-quantity", "10"),
        ("cost_items-0-unit_price", "4,50"),
        ("cost_items-1-description", "Stauden"),
        ("cost_items-1-category", "material"),
        ("cost_items-1-quantity", "20"),
        ("cost_items-1-unit_price", "30,00"),
        ("cost_items-2-description", "Musiker"),
        ("cost_items-2-category", "services"),
        ("cost_items-2-quantity", "1"),
        ("cost_items-2-unit_price", "600"),
        ("volunteer_hours", "12"),
        ("in_kind", ""),
        ("cofunding_source", ""),
        ("cofunding", ""),
        ("requested", "1.234,50"),
        ("declared_not_started", "y"),
        ("declared_no_own_fee", "y"),
        ("consent_processing", "y"),
    ]
    return urllib.parse.urlencode(fields)


# --- scenarios -----------------------------------------------------------------------------------


def count_rows(url: str, sql: str) -> int:
    """One number from the database (to confirm that the POSTs really wrote)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.connect() as conn:
        value = conn.execute(text(sql)).scalar_one()
    engine.dispose()
    return int(value)


def find_targets(env: dict[str, str]) -> dict:
    """What the scenarios load (bench/targets.py), looked up in the database of `env`."""
    found = json.loads(
        subprocess.run(
            [str(BIN / "python"), str(BENCH / "targets.py")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    print(
        f"  {found['applications']:,} applications; ballot round {found['round_id']} "
        f"with {found['agenda_items']} items; {found['decisions_this_year']} decisions this year",
        flush=True,
    )
    return found


def measure_app(run: Run, url: str, env: dict[str, str], args, ceiling: float) -> None:
    """Every juryfund scenario against one working copy of a database.

    In a --workers sweep the write scenarios are left to `measure_sweep`.
    """
    env = {**env, "JURYFUND_DATABASE_URL": url}
    found = find_targets(env)
    load = {"seconds": args.duration, "connections": args.connections, "threads": args.threads}
    with (
        tempfile.TemporaryDirectory() as scripts,
        gunicorn("app:app", env, workers=args.workers) as server,
    ):
        scripts = Path(scripts)
        base = server.url
        area = found["area"]
        member = Browser(base)
        member.get(f"/ballot/link/{found['ballot_token']}")
        reads = [
            ("area page", f"/{area}/", None),
            ("decisions, first page", f"/{area}/decisions", None),
            (
                "decisions, deep page",
                f"/{area}/decisions?year={found['year']}&page={found['deep_page']}",
                None,
            ),
            ("project page", f"/{area}/projects/{found['project']}", None),
            (
                "ballot, 20 items",
                f"/ballot/{found['round_id']}",
                {"Cookie": member.cookie_header()},
            ),
            ("CSV export", f"/{area}/decisions.csv", None),
            # Issue 18: a client that holds the current export asks again (If-None-Match): 304.
            (
                "CSV export, unchanged",
                f"/{area}/decisions.csv",
                {"If-None-Match": etag_of(base + f"/{area}/decisions.csv")},
            ),
        ]
        for name, path, headers in reads:
            if args.only and not any(o in name for o in args.only):
                continue
            report(run, name, wrk(server.fresh_url() + path, headers=headers, **load), ceiling)
        if len(args.worker_sweep) < 2:
            measure_writes(run.results, url, server, found, args, ceiling, scripts)


def measure_writes(
    into: list[Result],
    url: str,
    server: Server,
    found: dict,
    args,
    ceiling: float,
    scripts: Path,
    *,
    workers: int | None = None,
    connections: int | None = None,
) -> None:
    """The write scenarios (vote POST, application POST) against a running server."""
    load = {
        "seconds": args.duration,
        "connections": connections or args.connections,
        "threads": args.threads,
    }
    base, area = server.url, found["area"]
    spread = found["write_targets"]
    member = Browser(base)
    for target in spread:  # one session holding a grant in each round, as a member of several
        member.get(f"/ballot/link/{target['token']}")
    vote_token = member.csrf(f"/ballot/{found['round_id']}")
    applicant = Browser(base)
    apply_token = applicant.csrf(f"/{area}/apply")

    def wanted(name: str) -> bool:
        return not args.only or any(o in name for o in args.only)

    def votes(name: str, rounds: list[tuple[int, list[int]]], headers: dict[str, str]) -> None:
        directory = scripts / name.replace(" ", "-").replace(",", "")
        directory.mkdir(exist_ok=True)
        before = count_rows(url, "SELECT count(*) FROM audit_event WHERE action LIKE 'vote%'")
        script = lua_votes(
            rounds, vote_token, {"Cookie": member.cookie_header(), **headers}, directory
        )
        result = report(into, name, wrk(server.fresh_url() + "/", script=script, **load), ceiling)
        written = (
            count_rows(url, "SELECT count(*) FROM audit_event WHERE action LIKE 'vote%'") - before
        )
        result.note, result.workers = f"{written} votes recorded in the audit trail", workers
        print(f"      {result.note}")

    def applications(name: str, targets: list[tuple[str, int]]) -> None:
        before = count_rows(url, "SELECT count(*) FROM application")
        posts = [(f"/{slug}/apply", application_form(apply_token, fund)) for slug, fund in targets]
        script = lua_posts(
            posts, {"Cookie": applicant.cookie_header()}, scripts, name.replace(" ", "-")
        )
        result = report(
            into, name, wrk(server.fresh_url() + posts[0][0], script=script, **load), ceiling
        )
        saved = count_rows(url, "SELECT count(*) FROM application") - before
        result.note, result.workers = f"{saved} applications saved", workers
        print(f"      {result.note}")

    if wanted("vote POST"):
        votes("vote POST", [(found["round_id"], found["items"])], {})
    if wanted("vote interaction"):
        # Issue 18: the vote as the ballot's script sends it. The answer is the changed item
        # alone and the browser loads nothing after it, so one request is one interaction
        # (without the script: the POST and its redirect to the whole ballot page).
        votes(
            "vote interaction", [(found["round_id"], found["items"])], {"X-Ballot-Fragment": "item"}
        )
    if wanted("application POST"):
        applications("application POST", [(area, found["fund_id"])])
    if len(spread) > 1:
        # Issue 18: the same writes spread over several areas, as an installation of a city's
        # areas gets them: each area has its own audit chain and application counter, so on
        # PostgreSQL they need not queue behind each other.
        label = f", {len(spread)} areas"
        if wanted("vote POST" + label):
            votes("vote POST" + label, [(t["round_id"], t["items"]) for t in spread], {})
        if wanted("application POST" + label):
            applications("application POST" + label, [(t["area"], t["fund_id"]) for t in spread])


def measure_sweep(run: Run, database: Database, env: dict[str, str], args, ceiling: float) -> None:
    """The write scenarios at each worker count of --workers, each on a fresh working copy.

    The results go to `run.sweep`; those at the first count also stand in the run's results
    (the main run measured everything else with that many workers).
    """
    for workers in args.worker_sweep:
        connections = args.connections_per_worker * workers if args.connections_per_worker else None
        print(
            f"  {workers} workers, {connections or args.connections} connections "
            "(write scenarios on a fresh copy)",
            flush=True,
        )
        url = database.working_copy()
        app_env = {**env, "JURYFUND_DATABASE_URL": url}
        found = find_targets(app_env)
        results: list[Result] = []
        with (
            tempfile.TemporaryDirectory() as scripts,
            gunicorn("app:app", app_env, workers=workers) as server,
        ):
            measure_writes(
                results,
                url,
                server,
                found,
                args,
                ceiling,
                Path(scripts),
                workers=workers,
                connections=connections,
            )
        run.sweep += results
        if workers == args.worker_sweep[0]:
            run.results += results


def _ceilings_beside(points: list[Result], ceilings: dict[int, float]) -> str:
    """'; hello at the same counts: a → b → c req/s' where the sweep measured them."""
    if not all(r.workers in ceilings for r in points):
        return ""
    rates = " → ".join(f"{ceilings[r.workers]:.0f}" for r in points)
    return f"; hello at the same counts: {rates} req/s"


def sweep_table(runs: list[Run], ceilings: dict[int, float]) -> list[str]:
    """The sweep as a table: per database, size and write scenario, req/s and p99 per count;
    first the bare hello app at each count (what the server itself does with more workers)."""
    lines = [
        f"{'ceiling (hello)':<33} "
        + "  ".join(f"{w}w {rps:>7.1f} req/s" for w, rps in sorted(ceilings.items()))
    ]
    for run in runs:
        for name in dict.fromkeys(r.scenario for r in run.sweep):
            cells = "  ".join(
                f"{r.workers}w {r.requests_per_second:>7.1f} req/s p99 {r.p99_ms:>7.1f} ms"
                for r in run.sweep
                if r.scenario == name
            )
            lines.append(f"{run.backend} {run.applications:,} {name:<17} {cells}")
    return lines


def report(run: Run | list[Result], name: str, output: str, ceiling: float) -> Result:
    """Parse, print and keep one wrk result (in a run's results, or in the list given)."""
    rps, p50, p99, requests, errors = parse_wrk(output)
    result = Result(
        name,
        round(rps, 1),
        round(p50, 2),
        round(p99, 2),
        requests,
        errors,
        round(rps / ceiling, 3) if ceiling else None,
    )
    (run.results if isinstance(run, Run) else run).append(result)
    flag = f"  ERRORS: {errors}" if errors else ""
    print(
        f"    {name:<24} {rps:>9.1f} req/s  p50 {p50:>7.2f} ms  p99 {p99:>7.2f} ms"
        f"  {100 * (result.ratio or 0):>5.1f} % of ceiling{flag}",
        flush=True,
    )
    return result


# --- targets ---------------------------------------------------------------------------------------


def _unspread(scenario: str) -> str:
    """The scenario a spread one repeats over several areas ('vote POST, 4 areas' -> 'vote
    POST'): its targets are the same."""
    return scenario.rsplit(", ", 1)[0] if scenario.endswith(" areas") else scenario


def check_targets(runs: list[Run], ceilings: dict[int, float] | None = None) -> list[str]:
    """The targets of issues 8 and 18, one line each: 'ok ...' or 'MISS ...'.

    `ceilings`: the bare app's req/s per worker count, quoted beside the sweep's targets.
    """
    lines = []

    def line(ok: bool, text: str) -> None:
        lines.append(("ok   " if ok else "MISS ") + text)

    by_key = {(r.backend, r.applications): {x.scenario: x for x in r.results} for r in runs}
    for run in runs:
        label = f"{run.backend} {run.applications:,}"
        for result in run.results:
            name = _unspread(result.scenario)
            share = (
                VOTE_SHARE
                if name == "vote POST"
                else (None if name == "application POST" else READ_SHARE)
            )
            share = SCENARIO_SHARES.get(name, share)
            if share is not None:
                line(
                    result.ratio >= share,
                    f"{label}: {result.scenario} at {100 * result.ratio:.1f} % "
                    f"of the ceiling (target ≥ {100 * share:.0f} %)",
                )
            line(
                result.p99_ms < P99_MS,
                f"{label}: {result.scenario} p99 {result.p99_ms:.1f} ms (target < {P99_MS:.0f} ms)",
            )
            if result.errors:
                line(False, f"{label}: {result.scenario} had {result.errors} failed requests")
    sizes = sorted({r.applications for r in runs})
    for backend in sorted({r.backend for r in runs}):
        if len(sizes) > 1 and (backend, sizes[0]) in by_key and (backend, sizes[-1]) in by_key:
            small, big = by_key[(backend, sizes[0])], by_key[(backend, sizes[-1])]
            for name in small.keys() & big.keys():
                factor = small[name].requests_per_second / max(big[name].requests_per_second, 0.1)
                line(
                    factor <= GROWTH,
                    f"{backend}: {name} at {sizes[-1]:,} is {factor:.2f}× slower than at "
                    f"{sizes[0]:,} (target ≤ {GROWTH}×)",
                )
    for size in sizes:
        if ("sqlite", size) in by_key and ("postgresql", size) in by_key:
            lite, pg = by_key[("sqlite", size)], by_key[("postgresql", size)]
            for name in lite.keys() & pg.keys():
                factor = lite[name].requests_per_second / max(pg[name].requests_per_second, 0.1)
                line(
                    factor <= PG_FACTOR,
                    f"{size:,}: {name} on PostgreSQL is {factor:.2f}× slower than on "
                    f"SQLite (target ≤ {PG_FACTOR}×)",
                )
                if name in PG_CACHED_PAGES:
                    share = 1 / max(factor, 0.001)
                    line(
                        share >= PG_CACHED_SHARE,
                        f"{size:,}: cached {name} on PostgreSQL at {share:.2f}× its SQLite "
                        f"speed (target ≥ {PG_CACHED_SHARE}×)",
                    )
    for run in runs:  # issue 18: writes scale with the workers
        label = f"{run.backend} {run.applications:,}"
        for name in dict.fromkeys(r.scenario for r in run.sweep):
            p99_target = SWEEP_P99_MS.get(_unspread(name))
            points = sorted((r for r in run.sweep if r.scenario == name), key=lambda r: r.workers)
            if p99_target is None or len(points) < 2:
                continue
            rates = " → ".join(f"{r.requests_per_second:.0f}" for r in points)
            counts = "/".join(str(r.workers) for r in points)
            line(
                all(
                    later.requests_per_second >= earlier.requests_per_second
                    for earlier, later in zip(points, points[1:], strict=False)
                ),
                f"{label}: {name} with {counts} workers: {rates} req/s "
                "(target: never falls as workers are added)"
                + _ceilings_beside(points, ceilings or {}),
            )
            most = points[-1]
            answered = most.requests > 0  # wrk gives p99 0 when no request finished in time
            line(
                answered and most.p99_ms < p99_target,
                f"{label}: {name} p99 {most.p99_ms:.1f} ms at {most.workers} workers "
                f"(target < {p99_target:.0f} ms)"
                + ("" if answered else ": no request was answered within wrk's timeout"),
            )
    return lines


# --- main ------------------------------------------------------------------------------------------


def measure_hello(env: dict[str, str], args, workers: int) -> Result:
    """The bare Flask app under the same server settings with this many workers (best of two)."""
    with gunicorn("hello:app", env, workers=workers, pythonpath=BENCH) as server:
        # The best of two runs: the ceiling is what the server can do, not a warm-up.
        rps, p50, p99, requests, errors = max(
            parse_wrk(
                wrk(
                    server.fresh_url() + "/",
                    seconds=args.duration,
                    connections=args.connections,
                    threads=args.threads,
                )
            )
            for _ in range(2)
        )
    print(
        f"    {'hello':<24} {rps:>9.1f} req/s  p50 {p50:>7.2f} ms  p99 {p99:>7.2f} ms",
        flush=True,
    )
    return Result(
        "hello (ceiling)", round(rps, 1), round(p50, 2), round(p99, 2), requests, errors, 1.0
    )


def main() -> int:
    """Run the benchmark and write the report; exit 0 unless --strict and a target was missed."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="1000,100000", help="applications per run (comma-separated)"
    )
    parser.add_argument("--areas", type=int, default=50)
    parser.add_argument("--duration", type=int, default=10, help="seconds per scenario")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--workers",
        default="2",
        help="gunicorn sync workers; a list (2,4,8) also runs the write scenarios at each count "
        "(the rest runs with the first)",
    )
    parser.add_argument(
        "--connections-per-worker",
        type=int,
        default=0,
        help="in a --workers sweep, load each count with this many connections per worker "
        "(default: --connections at every count)",
    )
    parser.add_argument(
        "--backends",
        default="",
        help="sqlite,postgresql (default: sqlite, and "
        "postgresql when JURYFUND_TEST_DATABASE_URL is set)",
    )
    parser.add_argument(
        "--only", action="append", help="run only scenarios whose name contains this"
    )
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args()
    args.worker_sweep = [int(n) for n in str(args.workers).split(",") if n]
    args.workers = args.worker_sweep[0]

    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install wrk (Debian's package)")
    if not (BIN / "gunicorn").exists():
        raise SystemExit(f"gunicorn is missing in {BIN}: pip install -e .")
    pg_url = os.environ.get("JURYFUND_TEST_DATABASE_URL", "")
    backends = [
        b for b in (args.backends or ("sqlite,postgresql" if pg_url else "sqlite")).split(",") if b
    ]
    if "postgresql" in backends and not pg_url:
        raise SystemExit(
            "PostgreSQL needs JURYFUND_TEST_DATABASE_URL (the server's admin database)"
        )
    sizes = [int(s) for s in args.sizes.split(",")]

    started = datetime.now()
    print(
        f"juryfund benchmark, {started:%Y-%m-%d %H:%M}: gunicorn {args.workers} sync workers, "
        f"wrk {args.threads} threads × {args.connections} connections, {args.duration} s per scenario, "
        "rate limits off, page cache on"
    )
    with tempfile.TemporaryDirectory() as instance:
        env = base_env(Path(instance))
        print("ceiling: bare Flask hello app", flush=True)
        ceiling = measure_hello(env, args, args.workers)
        # The machine's own scaling: the same bare app at each count of a --workers sweep, so
        # the report can tell a write that scales badly from a server that does (on 2 cores
        # even "hello" loses throughput from 2 to 8 workers).
        ceilings_by_workers = {args.workers: ceiling.requests_per_second}
        for workers in args.worker_sweep[1:] if len(args.worker_sweep) > 1 else []:
            print(f"ceiling at {workers} workers", flush=True)
            ceilings_by_workers[workers] = measure_hello(env, args, workers).requests_per_second
        runs = []
        for backend in backends:
            for size in sizes:
                print(f"{backend}, {size:,} applications", flush=True)
                database = Database(backend, size, args.areas, pg_url or None)
                database.prepare(env)
                run = Run(backend, size, args.areas, database.seed_seconds)
                measure_app(run, database.working_copy(), env, args, ceiling.requests_per_second)
                if len(args.worker_sweep) > 1:
                    measure_sweep(run, database, env, args, ceiling.requests_per_second)
                runs.append(run)
    checks = check_targets(runs, ceilings_by_workers)
    if any(run.sweep for run in runs):
        print("\nwrites by worker count:")
        for line in sweep_table(runs, ceilings_by_workers):
            print("  " + line)
    print("\ntargets:")
    for line in checks:
        print("  " + line)
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{started:%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "started": started.isoformat(timespec="seconds"),
                "machine": {
                    "cores": os.cpu_count(),
                    "python": platform.python_version(),
                    "system": platform.platform(),
                },
                "settings": vars(args) | {"backends": backends},
                "ceiling": asdict(ceiling),
                "ceiling_by_workers": ceilings_by_workers,
                "runs": [asdict(r) for r in runs],
                "targets": checks,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    print(f"\nresults written to {out.relative_to(ROOT)}")
    missed = any(line.startswith("MISS") for line in checks)
    return 1 if args.strict and missed else 0


if __name__ == "__main__":
    sys.exit(main())
