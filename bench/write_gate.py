"""How SQLite writers hand the write lock on: the busy handler's polling against the write gate.

    .venv/bin/python bench/write_gate.py [--processes 2,4,8] [--seconds 4]

Each process loops like a sync worker serving writes: some work outside the database (a request
being parsed and rendered), then a write transaction with some work inside it (the checks, the
audit seal), then commit. Once with plain pysqlite connections (SQLite's busy handler: sleeps of
1, 2, 5 … 100 ms between tries) and once with the app's gated connections (infra.writegate:
waiters block on a file lock and wake when it is free). Prints write transactions per second
and the p50 / p99 of a transaction's time from its first write to its commit, per process
count. Load from the rest of the machine counts in both equally; run both on a quiet machine.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from juryfund.infra.writegate import GatedConnection  # noqa: E402


def _spin(seconds: float) -> None:
    """Use the CPU for a while, as a request does (sleeping would leave the core free)."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


def _worker(
    path: str, gated: bool, seconds: float, outside: float, inside: float, sleep: bool, out
) -> None:
    """Write in a loop until time is up; send back each transaction's duration."""
    factory = GatedConnection if gated else sqlite3.Connection
    connection = sqlite3.connect(path, timeout=5.0, factory=factory)
    connection.execute("PRAGMA busy_timeout=5000")
    durations, refused = [], 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        (time.sleep if sleep else _spin)(outside)
        started = time.perf_counter()
        try:
            connection.execute("INSERT INTO t (n) VALUES (1)")
            _spin(inside)
            connection.execute("UPDATE c SET n = n + 1")
            connection.commit()
        except sqlite3.OperationalError:
            connection.rollback()
            refused += 1
            continue
        durations.append(time.perf_counter() - started)
    connection.close()
    out.put((durations, refused))


def measure(processes: int, gated: bool, args) -> tuple[float, float, float, int]:
    """(transactions/s, p50 ms, p99 ms, refused) for one process count and kind of connection."""
    with tempfile.TemporaryDirectory() as directory:
        path = str(Path(directory) / "gate.sqlite3")
        setup = sqlite3.connect(path)
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER)")
        setup.execute("CREATE TABLE c (n INTEGER)")
        setup.execute("INSERT INTO c VALUES (0)")
        setup.commit()
        setup.close()
        context = multiprocessing.get_context("fork")
        out = context.Queue()
        workers = [
            context.Process(
                target=_worker,
                args=(
                    path,
                    gated,
                    args.seconds,
                    args.outside / 1000,
                    args.inside / 1000,
                    args.sleep_outside,
                    out,
                ),
            )
            for _ in range(processes)
        ]
        for worker in workers:
            worker.start()
        durations, refused = [], 0
        for _ in workers:
            some, more = out.get(timeout=args.seconds + 60)
            durations += some
            refused += more
        for worker in workers:
            worker.join()
    if not durations:
        return 0.0, 0.0, 0.0, refused
    cuts = statistics.quantiles(durations, n=100) if len(durations) > 1 else durations * 99
    return len(durations) / args.seconds, 1000 * cuts[49], 1000 * cuts[98], refused


def main() -> int:
    """Measure both kinds of connection at each process count and print a table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", default="2,4,8")
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--outside", type=float, default=4.0, help="ms of work before writing")
    parser.add_argument("--inside", type=float, default=1.0, help="ms of work in the transaction")
    parser.add_argument(
        "--sleep-outside",
        action="store_true",
        help="sleep instead of working outside the transaction (as if each process had a core "
        "of its own: how the hand-over scales on a machine with more cores than here)",
    )
    args = parser.parse_args()
    print(
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; {args.outside} ms outside, "
        f"{args.inside} ms inside each write transaction, {args.seconds} s per run"
    )
    for processes in [int(n) for n in args.processes.split(",")]:
        for gated in (False, True):
            rate, p50, p99, refused = measure(processes, gated, args)
            kind = "gate        " if gated else "busy handler"
            print(
                f"  {processes} processes, {kind}: {rate:7.1f} writes/s  p50 {p50:7.2f} ms  "
                f"p99 {p99:7.2f} ms  refused {refused}",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
