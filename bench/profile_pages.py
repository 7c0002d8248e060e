"""Profile one benchmark scenario in-process with pyinstrument (issue 18: profile first).

    .venv/bin/pip install pyinstrument
    .venv/bin/python bench/profile_pages.py ballot [--database URL] [--requests 200] [--html out.html]

Scenarios: ballot (the 20-item ballot of the seeded bench database), vote (vote POSTs on it,
the fetch form that answers with the item's fragment), area (a cached public page), apply (a
complete application sent and saved, as bench/run.py sends it). The
database is a working copy made by bench/run.py (bench/.data/sqlite-*-work.sqlite3) or any
seeded URL; writes from the vote scenario stay in it. The app runs with the benchmark's
settings (production mode, rate limits off); requests go through Flask's test client, so the
profile shows the app's own time without the server's.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> int:
    """Run the scenario's requests under the profiler and print the profile."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "scenario",
        choices=["ballot", "vote", "vote-plain", "area", "csv", "csv-unchanged", "apply"],
    )
    parser.add_argument(
        "--time-only",
        action="store_true",
        help="no profiler: CPU and wall milliseconds per request (before/after comparisons)",
    )
    parser.add_argument(
        "--sql", action="store_true", help="print the SQL statements of one request and stop"
    )
    parser.add_argument("--database", default="")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--html", default="", help="also write pyinstrument's HTML here")
    args = parser.parse_args()
    database = args.database or next(
        f"sqlite:///{path}"
        for path in sorted((ROOT / "bench" / ".data").glob("sqlite-*work.sqlite3"))
    )
    import tempfile

    from run import base_env

    # The benchmark's settings (production mode, mail to files, rate limits off).
    os.environ.update({**base_env(Path(tempfile.mkdtemp())), "JURYFUND_DATABASE_URL": database})
    from targets import find

    from juryfund import create_app

    app = create_app()
    with app.app_context():
        found = find()
    client = app.test_client()
    headers = {"Accept-Language": "de"}
    if args.scenario in ("area", "csv", "csv-unchanged"):
        path = {"area": f"/{found['area']}/"}.get(args.scenario, f"/{found['area']}/decisions.csv")
        held = {}
        if args.scenario == "csv-unchanged":
            tag = client.get(path, headers=headers).headers.get("ETag", '"none"')
            held = {"If-None-Match": tag}

        def one(n: int):
            response = client.get(path, headers={**headers, **held})
            response.get_data()
            return response
    elif args.scenario == "apply":  # a complete application, as bench/run.py sends it
        from urllib.parse import parse_qsl

        from run import application_form

        path = f"/{found['area']}/apply"
        form = client.get(path, headers=headers).get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
        from werkzeug.datastructures import MultiDict

        body = MultiDict(
            parse_qsl(application_form(token, found["fund_id"]), keep_blank_values=True)
        )

        def one(n: int):
            return client.post(path, data=body, headers=headers)
    else:
        client.get(f"/ballot/link/{found['ballot_token']}", headers=headers)
        page = client.get(f"/ballot/{found['round_id']}", headers=headers).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        items = found["items"]
        if args.scenario == "ballot":
            path = f"/ballot/{found['round_id']}"

            def one(n: int):
                return client.get(path, headers=headers)
        elif args.scenario == "vote":  # as the ballot's script sends it: the item comes back

            def one(n: int):
                item = items[n % len(items)]
                return client.post(
                    f"/ballot/{found['round_id']}/items/{item}/vote",
                    data={"csrf_token": token, "choice": ("yes", "no", "abstain")[n % 3]},
                    headers={**headers, "X-Ballot-Fragment": "item"},
                )
        else:  # the plain form: the POST, then the whole page it redirects to

            def one(n: int):
                item = items[n % len(items)]
                client.post(
                    f"/ballot/{found['round_id']}/items/{item}/vote",
                    data={"csrf_token": token, "choice": ("yes", "no", "abstain")[n % 3]},
                    headers=headers,
                )
                return client.get(f"/ballot/{found['round_id']}", headers=headers)

    for n in range(20):  # warm caches (templates, fragments) as a running server has them
        one(n)
    if args.sql:
        from sqlalchemy import event

        from juryfund.extensions import db

        statements: list[str] = []
        with app.app_context():
            engine = db.engine

        def note(_conn, _cursor, statement, _params, _context, _many):
            statements.append(" ".join(statement.split())[:160])

        event.listen(engine, "before_cursor_execute", note)
        response = one(args.requests)
        event.remove(engine, "before_cursor_execute", note)
        print(f"{args.scenario}: {len(statements)} statements, status {response.status_code}")
        for statement in statements:
            print("  " + statement)
        return 0
    if args.time_only:
        wall, cpu = time.perf_counter(), time.process_time()
        for n in range(args.requests):
            response = one(n)
            assert response.status_code < 400, response.status_code
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        print(
            f"{args.scenario}: {args.requests} requests, {1000 * cpu / args.requests:.2f} ms CPU "
            f"and {1000 * wall / args.requests:.2f} ms wall each ({database.split(':')[0]})"
        )
        return 0
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    profiler.start()
    for n in range(args.requests):
        response = one(n)
        assert response.status_code < 400, response.status_code
    profiler.stop()
    elapsed = time.perf_counter() - started
    print(
        f"{args.scenario}: {args.requests} requests in {elapsed:.2f} s, "
        f"{1000 * elapsed / args.requests:.2f} ms each (under the profiler)"
    )
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    if args.html:
        Path(args.html).write_text(profiler.output_html())
    return 0


if __name__ == "__main__":
    sys.exit(main())
