"""Profile one benchmark scenario in-process with pyinstrument (issue 18: profile first).

    .venv/bin/pip install pyinstrument
    .venv/bin/python bench/profile_pages.py ballot [--database URL] [--requests 200] [--html out.html]

Scenarios: ballot (the 20-item ballot of the seeded bench database), vote (vote POSTs on it,
the fetch form that answers with the item's fragment), area (a cached public page). The
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
    parser.add_argument("scenario", choices=["ballot", "vote", "area"])
    parser.add_argument("--database", default="")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--html", default="", help="also write pyinstrument's HTML here")
    args = parser.parse_args()
    database = args.database or next(
        f"sqlite:///{path}"
        for path in sorted((ROOT / "bench" / ".data").glob("sqlite-*work.sqlite3"))
    )
    import tempfile

    from run import SECRET

    os.environ.update(
        {
            "JURYFUND_ENV": "production",
            "JURYFUND_SECRET_KEY": SECRET,
            "JURYFUND_AUDIT_KEY": f"audit-{SECRET}",
            "JURYFUND_INSTANCE_PATH": tempfile.mkdtemp(),
            "JURYFUND_MAIL_BACKEND": "file",
            "JURYFUND_RATELIMIT_ENABLED": "false",
            "JURYFUND_DATABASE_URL": database,
        }
    )
    from pyinstrument import Profiler
    from targets import find

    from juryfund import create_app

    app = create_app()
    with app.app_context():
        found = find()
    client = app.test_client()
    headers = {"Accept-Language": "de"}
    if args.scenario == "area":
        path = f"/{found['area']}/"

        def one(n: int):
            return client.get(path, headers=headers)
    else:
        client.get(f"/ballot/link/{found['ballot_token']}", headers=headers)
        page = client.get(f"/ballot/{found['round_id']}", headers=headers).get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        if args.scenario == "ballot":
            path = f"/ballot/{found['round_id']}"

            def one(n: int):
                return client.get(path, headers=headers)
        else:
            items = found["items"]

            def one(n: int):
                item = items[n % len(items)]
                return client.post(
                    f"/ballot/{found['round_id']}/items/{item}/vote",
                    data={"csrf_token": token, "choice": ("yes", "no", "abstain")[n % 3]},
                    headers={**headers, "Accept": "text/html; fragment=item"},
                )

    for n in range(20):  # warm caches (templates, fragments) as a running server has them
        one(n)
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
