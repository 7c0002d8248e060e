"""Memory of the CSV export: one area with over 100,000 decisions in a year, streamed.

    .venv/bin/python bench/export_memory.py [--applications 120000] [--json]

Seeds (once, kept under bench/.data/) a single area whose year holds more than 100,000
published decisions, then reads /<area>/decisions.csv through the app chunk by chunk, as a
WSGI server would send it, and samples the process's resident memory. Target: it grows by
less than 50 MB. PostgreSQL is used instead of SQLite with --backend postgresql (needs
JURYFUND_TEST_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from run import Database, base_env  # noqa: E402

TARGET_MB = 50


def rss_mb() -> float:
    """This process's resident memory in MB (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def stream_export(url: str, instance: str) -> dict:
    """Read the CSV through the app; rows, bytes, seconds and memory growth."""
    os.environ.update(base_env(Path(instance)) | {"JURYFUND_DATABASE_URL": url})
    from juryfund import create_app

    app = create_app()
    client = app.test_client()
    slug = "quartier-01"
    client.get(f"/{slug}/decisions")  # first request: templates, catalogs, pools are set up
    before = peak = rss_mb()
    started = time.perf_counter()
    response = client.get(f"/{slug}/decisions.csv", buffered=False)
    rows = size = 0
    for chunk in response.response:
        size += len(chunk)
        rows += chunk.count(b"\n")
        if rows % 2000 == 0:
            peak = max(peak, rss_mb())
    response.close()
    seconds = time.perf_counter() - started
    peak = max(peak, rss_mb())
    return {
        "rows": rows - 1,
        "bytes": size,
        "seconds": round(seconds, 2),
        "rss_before_mb": round(before, 1),
        "rss_peak_mb": round(peak, 1),
        "growth_mb": round(peak - before, 1),
        "streamed": response.is_streamed,
        "target_mb": TARGET_MB,
    }


def main() -> int:
    """Seed when needed, measure in a fresh process, print (or --json) the result."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--applications", type=int, default=120_000)
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--json", action="store_true", help="print only the result as JSON")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # internal: the child process
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as instance:
        if args.measure:
            print(json.dumps(stream_export(args.measure, instance)))
            return 0
        database = Database(
            args.backend,
            args.applications,
            1,
            os.environ.get("JURYFUND_TEST_DATABASE_URL") or None,
            years=1,
        )
        if not args.json:
            print(
                f"CSV export of one area's year ({args.backend}, {args.applications:,} applications)"
            )
        database.prepare(base_env(Path(instance)))
        import subprocess

        # A fresh process: the seeding above must not count towards the memory measured.
        child = subprocess.run(
            [sys.executable, __file__, "--measure", database.url()],
            capture_output=True,
            text=True,
            check=True,
        )
        result = json.loads(child.stdout.strip().splitlines()[-1])
    if args.json:
        print(json.dumps(result))
    else:
        verdict = "ok" if result["growth_mb"] < TARGET_MB and result["streamed"] else "MISS"
        print(
            f"  {result['rows']:,} decisions, {result['bytes'] / 1e6:.1f} MB of CSV in {result['seconds']} s; "
            f"memory {result['rss_before_mb']} → {result['rss_peak_mb']} MB "
            f"(+{result['growth_mb']} MB; target < {TARGET_MB} MB): {verdict}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
