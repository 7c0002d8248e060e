"""Command-line commands under `flask juryfund ...`."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from ..domain.actors import SYSTEM
from ..domain.errors import DomainError
from ..extensions import db

juryfund_cli = AppGroup("juryfund", help="juryfund administration commands.")


@juryfund_cli.command("create-admin")
@click.argument("email")
@click.option("--name", default="Administrator", help="Display name.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Password (asked for when not given).",
)
def create_admin(email: str, name: str, password: str) -> None:
    """Create an administrator account."""
    from email_validator import EmailNotValidError, validate_email

    from ..services import accounts

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as error:
        raise click.ClickException(f"{email!r} is not an email address: {error}") from error
    try:
        accounts.create_staff(email=email, name=name, password=password, role="admin")
    except DomainError as error:
        db.session.rollback()
        messages = {
            "staff.email_taken": "An account with this email already exists.",
            "password.too_short": f"The password needs at least {accounts.MIN_PASSWORD_LENGTH} characters.",
        }
        raise click.ClickException(messages.get(error.reason, error.reason)) from error
    db.session.commit()
    click.echo(f"Administrator {email} created.")


@juryfund_cli.command("demo")
def demo() -> None:
    """Seed a realistic demo installation; running it again changes nothing."""
    from ..devtools.demo import seed_demo

    report = seed_demo()
    db.session.commit()
    click.echo(report)


@juryfund_cli.command("tick")
def tick() -> None:
    """Periodic work (run every few minutes from cron or a systemd timer).

    Sends the reminder 48 hours before a circulation deadline, closes circulation rounds
    whose deadline has passed, tells the QM team about written rounds (quorate, all voted,
    ending tomorrow with votes missing) and sends the daily digests, and deletes uploads of
    forms never sent.
    """
    from ..models.base import utcnow
    from ..services import intake, notices, privacy, proofs, rounds

    now = utcnow()
    to_remind, to_close = rounds.due_rounds(now)
    for round_ in to_remind:
        try:
            with db.session.begin_nested():
                count = rounds.send_reminders(round_, now=now)
        except DomainError:  # closed or deferred meanwhile (staff): nothing to remind of
            continue
        click.echo(f"Round {round_.id}: reminder sent to {count} members.")
    for round_ in to_close:
        try:
            # In a savepoint: a close refused halfway (an application withdrawn meanwhile)
            # leaves nothing of itself behind for the tick's commit.
            with db.session.begin_nested():
                rounds.close_round(round_, actor=SYSTEM, now=now)
        except DomainError:  # closed or deferred meanwhile (staff, or another tick)
            continue
        click.echo(f"Round {round_.id}: closed at its deadline.")
    remind, overdue = proofs.due_reminders(now)
    for proof in remind:
        proofs.send_reminder(proof, now=now)
    for proof in overdue:
        proofs.notify_overdue(proof, now=now)
    anonymised = privacy.due_for_anonymisation(now)
    for application in anonymised:
        privacy.anonymise(application, now=now)
    if anonymised:
        click.echo(f"{len(anonymised)} applications anonymised after their retention period.")
    purged = intake.purge_stale_drafts(now)
    told = notices.round_progress(now)
    digests = notices.send_digests(now)
    db.session.commit()
    click.echo(
        f"{len(to_remind)} reminded, {len(to_close)} closed, {len(remind)} proof reminders, "
        f"{len(overdue)} overdue proofs reported, {purged} stale uploads deleted, {told} round "
        f"notices and {digests} daily digests sent."
    )


def _close_refusal(error: DomainError) -> str:
    """Why a year was not closed, in words (English, like the commands' other output)."""
    # The CLI may not import the web layer's translated messages (the layers contract).
    words = {
        "books.earlier_year_open": "close {earlier} first: a fund's years are closed in order.",
        "books.year_not_over": "the year {year} is not over yet.",
        "books.period_not_over": "its funding period runs until {period_end}.",
    }
    text = words.get(error.reason)
    return text.format(**error.params) if text else error.reason


@juryfund_cli.command("close-year")
@click.argument("year", type=int)
@click.option("--fund", "fund_id", type=int, help="Only this fund (default: every fund).")
def close_year(year: int, fund_id: int | None) -> None:
    """Close the fund years of YEAR: unspent money lapses or is carried into the next year."""
    from sqlalchemy import select

    from ..models import FundYear
    from ..services import books

    query = select(FundYear).where(FundYear.year == year, FundYear.closed_at.is_(None))
    if fund_id is not None:
        query = query.where(FundYear.fund_id == fund_id)
    fund_years = db.session.scalars(query).all()
    refused = []
    # Each fund's close is committed on its own: a refusal of one fund (an earlier year still
    # open) leaves the others closed, and nothing is reported closed that was not kept.
    for fund_year_id in [fund_year.id for fund_year in fund_years]:
        fund_year = db.session.get(FundYear, fund_year_id)
        assert fund_year is not None
        name, area, carries = (
            fund_year.fund.name,
            fund_year.fund.area.name,
            fund_year.fund.carry_over,
        )
        try:
            unspent = books.close_year(fund_year, actor=SYSTEM)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            refused.append(f"{area} / {name} {year}: {_close_refusal(error)}")
            continue
        what = "carried into the next year" if carries else "lapsed"
        click.echo(f"{area} / {name} {year}: closed, {unspent / 100:.2f} EUR {what}.")
    if refused:
        raise click.ClickException("not closed:\n" + "\n".join(refused))
    if not fund_years:
        click.echo(f"No open fund year {year}.")


@juryfund_cli.command("backup")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
def backup(target: str) -> None:
    """Copy the SQLite database to TARGET while the app keeps running (SQLite online backup API).

    For PostgreSQL use pg_dump (see the README); this command says so and stops.
    """
    import sqlite3

    from flask import current_app

    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "The database is not SQLite: use pg_dump (see README, 'Backups')."
        )
    source = sqlite3.connect(url.database)
    destination = sqlite3.connect(target)
    try:
        with destination:
            source.backup(destination)  # consistent even while others write (WAL)
    finally:
        destination.close()
        source.close()
    current_app.logger.info("backup written to %s", target)
    click.echo(f"Backup written to {target}.")


def register_cli(app: Flask) -> None:
    """Attach the command group to the app."""
    from .audit import audit_head_command, verify_audit_command
    from .bench import seed_bench_command
    from .mail import send_mail_command

    juryfund_cli.add_command(send_mail_command)
    juryfund_cli.add_command(verify_audit_command)
    juryfund_cli.add_command(audit_head_command)
    juryfund_cli.add_command(seed_bench_command)
    app.cli.add_command(juryfund_cli)
