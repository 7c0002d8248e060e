"""`flask juryfund verify-audit`: check the audit trail's hash chain from its first event on, and
that the books, decisions and votes say what the trail says (juryfund.infra.reconcile)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..infra import audit, reconcile


@click.command("verify-audit")
@click.option(
    "--expect",
    "expect_head",
    metavar="HASH",
    help="A head hash printed by an earlier run: fail if that event is no longer in the chain "
    "(catches removal of the newest events).",
)
@with_appcontext
def verify_audit_command(expect_head: str | None) -> None:
    """Check every audit event and reconcile the tables; print OK, or each problem and exit 1."""
    problems = audit.verify(expect_head=expect_head.strip().lower() if expect_head else None)
    problems += reconcile.reconcile()
    if problems:
        for problem in problems:
            click.echo(str(problem))
        click.echo(f"{len(problems)} problem(s) found in the audit trail.", err=True)
        raise click.exceptions.Exit(1)
    count, head = audit.head()
    click.echo(f"OK: {count} events, chain head {head}; books, decisions and votes agree with it")
