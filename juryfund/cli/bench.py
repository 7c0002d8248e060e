"""`flask juryfund seed-bench`: fill an empty database with a city's history for the benchmark."""

from __future__ import annotations

import time

import click

from ..extensions import db


@click.command("seed-bench")
@click.option("--areas", default=50, show_default=True, help="Number of areas.")
@click.option("--applications", default=100_000, show_default=True, help="Applications in all.")
@click.option("--years", default=10, show_default=True, help="Years of history, ending this year.")
@click.option("--seed", default=2026, show_default=True, help="Random seed (same seed, same data).")
def seed_bench_command(areas: int, applications: int, years: int, seed: int) -> None:
    """Write areas, applications, rounds, votes, decisions and books in bulk (empty database only)."""
    from ..devtools.benchdata import seed_bench

    started = time.perf_counter()

    def progress(done: int, total: int) -> None:
        click.echo(f"\r  area {done}/{total}  ({time.perf_counter() - started:.0f} s)", nl=False)

    try:
        report = seed_bench(areas, applications, years=years, seed=seed, progress=progress)
    except ValueError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    click.echo(f"\nWritten in {time.perf_counter() - started:.1f} s:\n{report}")
