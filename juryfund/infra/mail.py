"""Transactional mail outbox: queue mails with the change that causes them, deliver them later.

Queueing (`queue_mail`) only adds a `Mail` row to the caller's session. The caller's commit
writes it together with the change that caused it, and a rollback sends nothing.

Delivering (`deliver_pending`, run by `flask juryfund send-mail`) takes due mails one at a time,
oldest first, hands each to the configured backend and commits after each mail. On PostgreSQL
the row is locked with ``FOR UPDATE SKIP LOCKED`` while it is being sent, so several senders
never send the same mail. On SQLite there is no row locking: run a single sender there.
Delivery is at least once: if the database fails after the SMTP server accepted a mail, the
mail is sent again later with the same Message-ID, by which receivers can recognise it.

Templates: each mail is ``templates/mail/<name>.txt`` and ``templates/mail/<name>.html``,
extending ``mail/base.txt`` and ``mail/base.html``. The subject is the ``{% block subject %}``
of the ``.txt`` template, rendered on its own in the recipient's language (so it is translated
with ``{{ _("...") }}`` like everything else and never HTML-escaped); the HTML template receives
it as ``subject``. Both templates receive ``language``, ``direction`` ("ltr"/"rtl") and
``base_url`` besides the caller's context.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
import threading
import uuid
from datetime import datetime, timedelta
from email.errors import MessageError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from flask import Flask, current_app
from flask_babel import force_locale
from sqlalchemy import String, or_, select

from ..extensions import db
from ..models.base import utcnow
from ..models.system import Mail

#: Right-to-left languages get dir="rtl" in the HTML part.
RTL_LANGUAGES = frozenset({"ar"})
#: After this many failed attempts a mail is left alone (and logged as given up).
MAX_ATTEMPTS = 10
#: Back-off after the first failure; it doubles with every further failure.
FIRST_RETRY_DELAY = timedelta(minutes=1)
#: The back-off never grows beyond this.
MAX_RETRY_DELAY = timedelta(hours=6)
#: How much of an error message is kept in `Mail.last_error`.
ERROR_LIMIT = 1000
#: Names `queue_mail` puts into every template context itself.
RESERVED_CONTEXT = frozenset({"language", "direction", "subject", "base_url"})

LINK_RE = re.compile(r"https?://[^\s<>\"']+")
_subject_type = Mail.__table__.c.subject.type
# Read from the column (String(300)) so that the cut and the column cannot drift apart.
if not isinstance(_subject_type, String) or _subject_type.length is None:
    raise TypeError("Mail.subject must be a String column with a length")
_SUBJECT_LENGTH: int = _subject_type.length


# --- queueing ---------------------------------------------------------------------------------


class Addressee(Protocol):
    """Someone the app writes to in their own language: an applicant or a member."""

    email: str
    language: str


def mail_to(person: Addressee, *, purpose: str, template: str, **context: Any) -> Mail:
    """Queue a mail to an applicant or a member in their language (see queue_mail)."""
    return queue_mail(
        to=person.email, language=person.language, purpose=purpose, template=template, **context
    )


def queue_mail(*, to: str, language: str, purpose: str, template: str, **context: Any) -> Mail:
    """Render ``mail/<template>.txt`` and ``.html`` in `language` and add the mail to the session.

    Nothing is committed: the caller's commit sends the mail together with the change that
    caused it. Raises ValueError for an unusable address or an unsupported language, TypeError
    when the context uses a reserved name, and jinja2's TemplateNotFound for a missing template.
    """
    to = to.strip()
    _check_address(to)
    if language not in current_app.config["JURYFUND_LOCALES"]:
        raise ValueError(f"unsupported mail language {language!r}")
    reserved = RESERVED_CONTEXT & context.keys()
    if reserved:
        raise TypeError(f"queue_mail context may not set {sorted(reserved)}")

    subject, body_text, body_html = render_mail(template, language, context)
    mail = Mail(
        message_id=make_message_id(),
        to_addr=to,
        language=language,
        purpose=purpose,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        created_at=utcnow(),
        attempts=0,
        last_error="",
    )
    db.session.add(mail)
    return mail


def render_mail(template: str, language: str, context: dict[str, Any]) -> tuple[str, str, str]:
    """Subject, text and HTML of a mail template in `language`."""
    env = current_app.jinja_env
    text_template = env.get_template(f"mail/{template}.txt")
    html_template = env.get_template(f"mail/{template}.html")
    if "subject" not in text_template.blocks:
        raise ValueError(f"mail/{template}.txt has no {{% block subject %}}")
    values = {
        **context,
        "language": language,
        "direction": "rtl" if language in RTL_LANGUAGES else "ltr",
        "base_url": current_app.config["JURYFUND_BASE_URL"].rstrip("/"),
    }
    with force_locale(language):
        current_app.update_template_context(values)
        block = text_template.blocks["subject"](text_template.new_context(values))
        subject = _one_line("".join(block))
        if not subject:
            raise ValueError(f"mail/{template}.txt renders an empty subject")
        values["subject"] = subject
        body_text = _tidy_text(text_template.render(values))
        body_html = html_template.render(values)
    return subject, body_text, body_html


def make_message_id() -> str:
    """A new RFC 5322 Message-ID on the installation's host name."""
    host = urlsplit(current_app.config["JURYFUND_BASE_URL"]).hostname or "juryfund.invalid"
    return f"<{uuid.uuid4()}@{host}>"


def _check_address(to: str) -> None:
    """Refuse what cannot be a single plain address (and anything smuggling headers)."""
    if not to or any(c in to for c in "\r\n,;<>"):
        raise ValueError(f"not a usable mail address: {to!r}")
    try:
        address = Address(addr_spec=to)
    except (ValueError, IndexError, MessageError) as exc:
        raise ValueError(f"not a usable mail address: {to!r}") from exc
    if not address.username or not address.domain:
        raise ValueError(f"not a usable mail address: {to!r}")


def _one_line(text: str) -> str:
    """Collapse whitespace (newlines included) and cut to the column's length."""
    return " ".join(text.split())[:_SUBJECT_LENGTH]


def _tidy_text(text: str) -> str:
    """Strip trailing blanks (but keep "-- "), at most one empty line in a row, end with a newline."""
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    lines = ["-- " if line == "--" else line for line in lines]  # the signature separator
    tidy = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return tidy + "\n"


# --- building the message ---------------------------------------------------------------------


def build_message(mail: Mail, sender: str) -> EmailMessage:
    """The RFC 5322 message of an outbox row: multipart/alternative, text then HTML."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = mail.to_addr
    message["Subject"] = mail.subject
    message["Date"] = format_datetime(mail.created_at)
    message["Message-ID"] = mail.message_id
    # RFC 3834: tells auto-responders (holiday replies) not to answer.
    message["Auto-Submitted"] = "auto-generated"
    # Quoted-printable keeps every line 7-bit and short, whatever the server supports.
    message.set_content(mail.body_text, cte="quoted-printable")
    message.add_alternative(mail.body_html, subtype="html", cte="quoted-printable")
    # After the body: setting the content moves Content-* headers into the parts.
    message["Content-Language"] = mail.language
    return message


def links_of(text: str) -> list[str]:
    """Every http(s) link in a text, without trailing punctuation."""
    return [link.rstrip(".,;:!?)]}") for link in LINK_RE.findall(text)]


# --- backends ---------------------------------------------------------------------------------


class Backend(Protocol):
    """Delivers built messages; raises on failure."""

    def send(self, mail: Mail, message: EmailMessage) -> None: ...  # noqa: D102

    def close(self) -> None: ...  # noqa: D102


def mail_directory(app: Flask) -> Path:
    """Where the file backend writes the mails it "sends"."""
    return Path(app.instance_path) / "mail"


def remove_mail_files(app: Flask, mail_ids: list[int]) -> int:
    """Delete the files the file backend wrote for these mails; how many were removed."""
    directory = mail_directory(app)
    wanted = {f"-{mail_id}.eml" for mail_id in mail_ids}
    removed = 0
    if directory.is_dir() and wanted:
        for path in directory.glob("*.eml"):
            if any(path.name.endswith(suffix) for suffix in wanted):
                path.unlink(missing_ok=True)
                removed += 1
    return removed


class FileBackend:
    """Writes each mail to ``<instance>/mail/<created>-<id>.eml`` and logs its links."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.directory = mail_directory(app)

    def send(self, mail: Mail, message: EmailMessage) -> None:  # noqa: D102
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{mail.created_at:%Y%m%d-%H%M%S}-{mail.id}.eml"
        path = self.directory / name
        tmp = path.with_suffix(".eml.tmp")
        tmp.write_bytes(message.as_bytes())
        tmp.replace(path)  # a reader never sees half a file
        logger = self.app.logger
        logger.info(
            "Mail %r (%s) to %s written to %s", mail.subject, mail.purpose, mail.to_addr, path
        )
        for link in links_of(mail.body_text):
            logger.info("  link: %s", link)

    def close(self) -> None:  # noqa: D102
        pass


class SmtpBackend:
    """Delivers over SMTP; one connection is reused for the mails of one delivery run."""

    def __init__(self, app: Flask) -> None:
        config = app.config
        self.host: str = config["JURYFUND_SMTP_HOST"]
        self.port = int(config["JURYFUND_SMTP_PORT"])
        self.security: str = config["JURYFUND_SMTP_SECURITY"]
        self.user: str | None = config.get("JURYFUND_SMTP_USER")
        self.password: str | None = config.get("JURYFUND_SMTP_PASSWORD")
        self.timeout = float(config["JURYFUND_SMTP_TIMEOUT"])
        self._connection: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        if self.security == "tls":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(
                self.host, self.port, timeout=self.timeout, context=ssl.create_default_context()
            )
        elif self.security in {"starttls", "none"}:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        else:
            raise ValueError(f"unknown JURYFUND_SMTP_SECURITY {self.security!r}")
        try:
            if self.security == "starttls":
                # Raises SMTPNotSupportedError rather than going on in the clear.
                connection.starttls(context=ssl.create_default_context())
            if self.user:
                connection.login(self.user, self.password or "")
        except BaseException:
            connection.close()
            raise
        return connection

    def send(self, mail: Mail, message: EmailMessage) -> None:  # noqa: D102
        if self._connection is None:
            self._connection = self._connect()
        try:
            self._connection.send_message(message)
        except BaseException:
            self.close()  # the next mail starts with a fresh connection
            raise

    def close(self) -> None:  # noqa: D102
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.quit()
        except (smtplib.SMTPException, OSError):
            connection.close()


def make_backend(app: Flask) -> Backend:
    """The backend chosen by JURYFUND_MAIL_BACKEND, read now so config changes apply."""
    name = app.config["JURYFUND_MAIL_BACKEND"]
    if name == "file":
        return FileBackend(app)
    if name == "smtp":
        return SmtpBackend(app)
    raise ValueError(f"unknown JURYFUND_MAIL_BACKEND {name!r}")


# --- delivering -------------------------------------------------------------------------------


def retry_delay(attempts: int) -> timedelta:
    """Wait after the `attempts`-th failure: 1 min, 2, 4, ... at most 6 h."""
    return min(FIRST_RETRY_DELAY * 2 ** max(attempts - 1, 0), MAX_RETRY_DELAY)


def _next_due(now: datetime) -> Mail | None:
    """The oldest due unsent mail, locked for this transaction where the database can."""
    stmt = (
        select(Mail)
        .where(
            Mail.sent_at.is_(None),
            Mail.attempts < MAX_ATTEMPTS,
            or_(Mail.next_attempt_at.is_(None), Mail.next_attempt_at <= now),
        )
        .order_by(Mail.created_at, Mail.id)
        .limit(1)
    )
    if db.session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True)
    return db.session.scalars(stmt).first()


def deliver_pending(
    *, limit: int = 50, now: datetime | None = None, stop: threading.Event | None = None
) -> int:
    """Send up to `limit` due mails, oldest first; return how many were sent.

    Commits after every mail (so call it outside a request's unit of work). A failure counts an
    attempt, records the error and schedules the next try with exponential back-off; after
    MAX_ATTEMPTS failures the mail is given up and logged. Each mail is tried at most once per
    call, since a failed one is not due again before `now` plus its back-off. Setting `stop`
    ends the run after the mail being sent.
    """
    # Flask types `current_app` as Flask, not as the werkzeug LocalProxy it is, so the proxy's
    # own method is unknown to the type checker.
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    now = now or utcnow()
    if now.tzinfo is None:
        raise ValueError("now must be an aware UTC datetime")
    sender = app.config["JURYFUND_MAIL_SENDER"]
    backend = make_backend(app)
    sent = 0
    try:
        for _ in range(limit):
            if stop is not None and stop.is_set():
                break
            mail = _next_due(now)
            if mail is None:
                break
            try:
                backend.send(mail, build_message(mail, sender))
            except Exception as exc:  # one mail's failure is recorded, never fatal
                _record_failure(app, mail, exc, now)
            else:
                mail.sent_at = now
                mail.next_attempt_at = None
                mail.last_error = ""
                sent += 1
            db.session.commit()
    finally:
        backend.close()
    return sent


def _record_failure(app: Flask, mail: Mail, exc: Exception, now: datetime) -> None:
    mail.attempts += 1
    mail.last_error = f"{type(exc).__name__}: {exc}"[:ERROR_LIMIT]
    if mail.attempts >= MAX_ATTEMPTS:
        mail.next_attempt_at = None
        app.logger.error(
            "Giving up mail %s (%s) after %d attempts: %s",
            mail.id,
            mail.purpose,
            mail.attempts,
            mail.last_error,
        )
        return
    mail.next_attempt_at = now + retry_delay(mail.attempts)
    app.logger.warning(
        "Mail %s (%s) failed (attempt %d), next try at %s: %s",
        mail.id,
        mail.purpose,
        mail.attempts,
        mail.next_attempt_at.isoformat(),
        mail.last_error,
    )


# --- running in the background ----------------------------------------------------------------


def show_info_logs(app: Flask) -> None:
    """Let the app logger's INFO lines (the file backend's links) reach the console.

    Only when nobody configured a level: outside debug mode Flask leaves it at WARNING.
    """
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(logging.INFO)


class BackgroundSender(threading.Thread):
    """Delivers due mails every `interval` seconds inside the web process (quick start only).

    Production runs ``flask juryfund send-mail --loop`` as its own service instead.
    """

    def __init__(self, app: Flask, interval: float = 5.0) -> None:
        super().__init__(name="juryfund-mail", daemon=True)
        self.app = app
        self.interval = interval
        self._stopped = threading.Event()

    def run(self) -> None:  # noqa: D102
        while not self._stopped.is_set():
            with self.app.app_context():
                try:
                    deliver_pending(stop=self._stopped)
                except Exception:  # keep trying: the database may come back
                    self.app.logger.exception("Mail delivery failed")
                    db.session.rollback()
                finally:
                    db.session.remove()
            self._stopped.wait(self.interval)

    def stop(self, timeout: float | None = 10) -> None:
        """Ask the thread to finish after the current run and wait for it."""
        self._stopped.set()
        self.join(timeout)


def start_background_sender(app: Flask, interval: float = 5.0) -> BackgroundSender:
    """Start a daemon thread that delivers mails while the web process runs."""
    show_info_logs(app)
    sender = BackgroundSender(app, interval)
    sender.start()
    return sender
