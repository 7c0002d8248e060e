"""`flask juryfund send-mail`: deliver the mail outbox once, or keep doing it with --loop."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..infra.mail import deliver_pending, show_info_logs


@click.command("send-mail")
@click.option("--loop", is_flag=True, help="Keep sending until interrupted (for production).")
@click.option(
    "--interval",
    type=click.FloatRange(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds to wait between runs with --loop.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=50,
    show_default=True,
    help="At most this many mails per run.",
)
@with_appcontext
def send_mail_command(loop: bool, interval: float, limit: int) -> None:
    """Send the mails that are due; print how many were sent."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    show_info_logs(app)
    if not loop:
        sent = deliver_pending(limit=limit)
        click.echo(f"{sent} mail(s) sent.")
        return

    stop = threading.Event()
    restore = _stop_on_sigterm(stop)
    click.echo(f"Sending mail every {interval:g} s; stop with Ctrl+C.")
    try:
        while not stop.is_set():
            try:
                sent = deliver_pending(limit=limit, stop=stop)
            except Exception:  # the database or the server may come back: log and go on
                app.logger.exception("Mail delivery failed")
                db.session.rollback()
                sent = 0
            finally:
                db.session.remove()
            if sent:
                click.echo(f"{sent} mail(s) sent.")
            if sent < limit:  # a full run means more are waiting: go on at once
                _wait(stop, interval)
    except KeyboardInterrupt:
        pass
    finally:
        restore()
    click.echo("Stopped.")


def _wait(stop: threading.Event, seconds: float) -> None:
    """Sleep between runs; returns early when asked to stop."""
    stop.wait(seconds)


def _stop_on_sigterm(stop: threading.Event):
    """Let SIGTERM (systemd stop) finish the current mail instead of killing it midway."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: stop.set())
    return lambda: signal.signal(signal.SIGTERM, previous)
