"""How long a vote holds its area's audit chain lock (issue 18: every write of the area waits).

    .venv/bin/python bench/audit_lock.py DATABASE_URL [--votes 400]

DATABASE_URL is a seeded benchmark database (a working copy: the votes stay in it; the member
who votes must not have voted yet, as bench/targets.find picks). Votes are sent in-process
through Flask's test client, as a member's browser sends them; for each, the time from taking
the chain's lock (juryfund.infra.audit._lock) to the end of the commit is measured, as well as
the part from the lock to the end of chaining. Every audited write of the vote's area waits
while one holds the lock, so its reciprocal caps that area's audited writes per second, however
many workers or servers there are (on PostgreSQL; other areas have chains and locks of their
own, while SQLite lets one writer in at a time whatever the chain).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def main() -> int:
    """Send the votes and print the lock's hold times (median and 90th percentile)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("database")
    parser.add_argument("--votes", type=int, default=400)
    args = parser.parse_args()
    from run import base_env

    # The benchmark's settings (production mode, mail to files, rate limits off).
    os.environ.update(
        {**base_env(Path(tempfile.mkdtemp())), "JURYFUND_DATABASE_URL": args.database}
    )
    from sqlalchemy import event
    from targets import find

    from juryfund.infra import audit

    taken: dict[str, float] = {}
    chaining: list[float] = []
    holding: list[float] = []
    locking, chaining_pending = audit._lock, audit.chain_pending

    def timed_lock(session) -> None:
        taken["at"] = time.perf_counter()
        locking(session)

    def timed_chain(session) -> None:
        chaining_pending(session)
        if "at" in taken:
            chaining.append(time.perf_counter() - taken["at"])

    # Before the app is made: its session hooks hold the functions they were given.
    audit._lock, audit.chain_pending = timed_lock, timed_chain
    from juryfund import create_app
    from juryfund.extensions import db

    app = create_app()
    with app.app_context():
        found = find()

        @event.listens_for(db.session, "after_commit")
        def committed(session) -> None:
            if "at" in taken:
                holding.append(time.perf_counter() - taken.pop("at"))

    client = app.test_client()
    client.get(f"/ballot/link/{found['ballot_token']}")
    page = client.get(f"/ballot/{found['round_id']}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    items = found["items"]
    for n in range(args.votes):
        answer = client.post(
            f"/ballot/{found['round_id']}/items/{items[n % len(items)]}/vote",
            data={"csrf_token": token, "choice": ("yes", "no", "abstain")[n % 3]},
        )
        assert answer.status_code == 302, answer.status_code
    warm = min(50, len(holding) // 4)  # the first votes fill caches and prepare statements

    def quote(values: list[float]) -> str:
        kept = sorted(values[warm:])
        return (
            f"median {1000 * statistics.median(kept):.2f} ms, "
            f"90th percentile {1000 * kept[int(0.9 * len(kept))]:.2f} ms"
        )

    print(f"{len(holding) - warm} votes on {args.database.split(':')[0]}")
    print(f"  lock taken to chaining done: {quote(chaining)}")
    print(f"  lock taken to commit done:   {quote(holding)}")
    print(
        "  at most about "
        f"{1 / statistics.median(holding[warm:]):,.0f} audited writes per second in one area"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
