"""`flask juryfund verify-audit`: check the audit trail's keyed chain from its first event on, and
that the tables say what the trail says (juryfund.infra.reconcile); `flask juryfund audit-head`:
print a signed head to keep outside the database."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..infra import audit, reconcile


@click.command("verify-audit")
@click.option(
    "--expect",
    "expect_head",
    metavar="HEAD",
    help="A signed head printed by 'audit-head' (or a seal of an event): fail if an event it "
    "names is no longer in its chain or the head was not signed with the audit key "
    "(catches removal of the newest events).",
)
@with_appcontext
def verify_audit_command(expect_head: str | None) -> None:
    """Check every audit event and reconcile the tables; print OK, or each problem and exit 1."""
    problems = audit.verify(expect_head=expect_head)
    problems += reconcile.reconcile()
    if problems:
        for problem in problems:
            click.echo(str(problem))
        click.echo(f"{len(problems)} problem(s) found in the audit trail.", err=True)
        raise click.exceptions.Exit(1)
    count, _newest = audit.head()
    click.echo(
        f"OK: {count} events in {len(audit.heads())} chain(s); books, decisions, votes, "
        "conflicts and states agree with them"
    )


@click.command("audit-head")
@with_appcontext
def audit_head_command() -> None:
    """Print every chain's newest event signed with the audit key; keep it outside the database."""
    click.echo(audit.signed_head())
