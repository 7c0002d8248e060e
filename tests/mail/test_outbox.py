"""The mail outbox: queued in the caller's transaction, delivered to a real SMTP server."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest
from flask.cli import AppGroup
from flask_babel import force_locale, get_locale, gettext
from sqlalchemy import func, select

from juryfund.cli import mail as cli_mail
from juryfund.cli.mail import send_mail_command
from juryfund.extensions import babel, db
from juryfund.infra import mail
from juryfund.infra.mail import MAX_ATTEMPTS, deliver_pending, queue_mail, retry_delay
from juryfund.models.base import utcnow
from juryfund.models.system import Mail
from tests.conftest import POSTGRES_URL
from tests.smtp_server import SmtpServer, html_of, links_in, messages_to, text_of

pytestmark = pytest.mark.intake

BINDING = "Only the German text is legally binding."
SENT_BY = "This message was sent automatically by juryfund."


def queue(to="resident@example.org", language="en", **context) -> Mail:
    values = {
        "name": "Ayşe",
        "reference": "SOL-2026-0042",
        "note": "Thank you.",
        "link": "https://kiez.example.org/status/abc",
        **context,
    }
    return queue_mail(to=to, language=language, purpose="test", template="test_message", **values)


def count_mails() -> int:
    return db.session.scalar(select(func.count(Mail.id)))


def test_queued_mails_arrive_once_with_headers_parts_and_language(smtp_app, smtp_server):
    smtp_app.config["JURYFUND_BASE_URL"] = "https://kiez.example.org"
    english = queue(to="en@example.org", language="en")
    german = queue(to="de@example.org", language="de", name="Jürgen")
    db.session.commit()

    assert deliver_pending() == 2

    assert len(smtp_server.messages) == 2
    en = messages_to(smtp_server, "en@example.org")[0]
    de = messages_to(smtp_server, "de@example.org")[0]
    assert en["Subject"] == "juryfund test SOL-2026-0042"
    assert en["Message-ID"] == english.message_id
    assert en["Message-ID"].endswith("@kiez.example.org>")
    assert de["Message-ID"] == german.message_id != english.message_id
    assert en["From"] == smtp_app.config["JURYFUND_MAIL_SENDER"]
    assert en["Date"] is not None
    assert en["Auto-Submitted"] == "auto-generated"
    assert en.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in en.iter_parts()] == ["text/plain", "text/html"]
    assert smtp_server.envelopes[0].rcpt_tos in (["en@example.org"], ["de@example.org"])

    assert (en["Content-Language"], de["Content-Language"]) == ("en", "de")
    assert '<html lang="en" dir="ltr">' in html_of(en)
    assert '<html lang="de" dir="ltr">' in html_of(de)
    assert "Hello Jürgen," in text_of(de)
    assert "Hello Jürgen," in html_of(de)
    # Only a mail carrying the German text (a decision letter) says that it is binding; a
    # translated mail without it says nothing of the kind (tests/voting/test_letters.py).
    assert BINDING not in text_of(en) and BINDING not in html_of(en)
    assert BINDING not in text_of(de) and BINDING not in html_of(de)
    assert "\n-- \n" in text_of(en)
    assert links_in(en) == ["https://kiez.example.org/status/abc"]

    db.session.expire_all()
    assert all(m.sent_at is not None and m.attempts == 0 for m in db.session.scalars(select(Mail)))


def test_right_to_left_language_gets_rtl_html(smtp_app, smtp_server):
    queue(language="ar")
    db.session.commit()
    deliver_pending()
    html = html_of(smtp_server.messages[0])
    assert '<html lang="ar" dir="rtl">' in html
    with force_locale("ar"):
        arabic = gettext(
            "This is a translation for your convenience. Only the German text is legally binding."
        )
    assert BINDING not in arabic and arabic not in html
    assert "juryfund" in html


def test_queue_mail_adds_to_the_session_without_committing(app):
    mail_row = queue()
    assert mail_row in db.session.new
    assert mail_row.subject == "juryfund test SOL-2026-0042"
    assert mail_row.body_text.startswith("Hello Ayşe,\n")
    assert mail_row.body_text.endswith("juryfund.\n")
    assert "\n\n\n" not in mail_row.body_text
    assert mail_row.message_id.startswith("<") and mail_row.message_id.endswith(">")


def test_rolled_back_change_sends_nothing(smtp_app, smtp_server):
    queue()
    db.session.rollback()

    assert deliver_pending() == 0
    assert count_mails() == 0
    assert smtp_server.messages == []


def test_html_escapes_user_content_and_text_keeps_it(smtp_app, smtp_server):
    queue(name="<script>alert(1)</script>", reference="<b>X</b>")
    db.session.commit()
    deliver_pending()

    message = smtp_server.messages[0]
    html = html_of(message)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<title>juryfund test &lt;b&gt;X&lt;/b&gt;</title>" in html
    assert "Hello <script>alert(1)</script>," in text_of(message)
    assert message["Subject"] == "juryfund test <b>X</b>"


def test_server_down_keeps_the_mail_and_retries_later_exactly_once(smtp_app, smtp_server):
    queued = queue()
    db.session.commit()
    smtp_server.stop()
    before = utcnow()

    assert deliver_pending() == 0

    db.session.expire_all()
    row = db.session.get(Mail, queued.id)
    assert row.sent_at is None
    assert row.attempts == 1
    assert "Connection" in row.last_error or "refused" in row.last_error.lower()
    assert row.next_attempt_at > before
    # Not due yet: running again at once changes nothing.
    assert deliver_pending() == 0
    assert db.session.get(Mail, queued.id).attempts == 1

    smtp_server.start()
    assert deliver_pending() == 0  # still backing off
    later = utcnow() + timedelta(minutes=2)
    assert deliver_pending(now=later) == 1
    assert deliver_pending(now=later + timedelta(hours=1)) == 0

    assert len(smtp_server.messages) == 1
    assert smtp_server.messages[0]["Message-ID"] == queued.message_id
    db.session.expire_all()
    row = db.session.get(Mail, queued.id)
    assert (row.sent_at, row.attempts, row.last_error, row.next_attempt_at) == (later, 1, "", None)


def test_back_off_doubles_up_to_six_hours_then_gives_up(smtp_app, smtp_server, caplog):
    assert [retry_delay(n) for n in (1, 2, 3, 4)] == [
        timedelta(minutes=1),
        timedelta(minutes=2),
        timedelta(minutes=4),
        timedelta(minutes=8),
    ]
    assert retry_delay(9) == timedelta(minutes=256)
    assert retry_delay(10) == retry_delay(30) == timedelta(hours=6)

    queued = queue()
    db.session.commit()
    smtp_server.stop()
    now = utcnow()
    for attempt in range(1, MAX_ATTEMPTS + 1):
        assert deliver_pending(now=now) == 0
        db.session.expire_all()
        row = db.session.get(Mail, queued.id)
        assert row.attempts == attempt
        if attempt < MAX_ATTEMPTS:
            assert row.next_attempt_at == now + retry_delay(attempt)
            now = row.next_attempt_at
    assert row.next_attempt_at is None
    assert any("Giving up" in r.getMessage() for r in caplog.records if r.levelno == logging.ERROR)

    smtp_server.start()
    assert deliver_pending(now=now + timedelta(days=7)) == 0
    assert smtp_server.messages == []
    assert count_mails() == 1  # kept for the record, never lost


def test_running_deliver_twice_never_sends_twice(smtp_app, smtp_server):
    for n in range(3):
        queue(to=f"p{n}@example.org")
    db.session.commit()

    assert deliver_pending() == 3
    assert deliver_pending() == 0
    assert deliver_pending(now=utcnow() + timedelta(days=1)) == 0
    assert len(smtp_server.messages) == 3
    assert len({m["Message-ID"] for m in smtp_server.messages}) == 3


def test_oldest_first_and_limit_per_run(smtp_app, smtp_server):
    start = utcnow()
    for n in range(3):
        row = queue(to=f"p{n}@example.org")
        row.created_at = start - timedelta(minutes=n)  # p2 is the oldest
    db.session.commit()

    assert deliver_pending(limit=2) == 2
    assert [m["To"] for m in smtp_server.messages] == ["p2@example.org", "p1@example.org"]
    assert deliver_pending(limit=2) == 1
    assert smtp_server.messages[-1]["To"] == "p0@example.org"


def test_one_failing_mail_does_not_undo_the_others(smtp_app, smtp_server, monkeypatch):
    queue(to="ok1@example.org")
    queue(to="broken@example.org")
    queue(to="ok2@example.org")
    db.session.commit()
    real_send = mail.SmtpBackend.send

    def flaky_send(self, row, message):
        if row.to_addr == "broken@example.org":
            raise OSError("simulated failure " + "x" * 5000)
        real_send(self, row, message)

    monkeypatch.setattr(mail.SmtpBackend, "send", flaky_send)
    assert deliver_pending() == 2

    db.session.expire_all()
    rows = {m.to_addr: m for m in db.session.scalars(select(Mail))}
    assert rows["ok1@example.org"].sent_at and rows["ok2@example.org"].sent_at
    assert rows["broken@example.org"].sent_at is None
    assert rows["broken@example.org"].last_error.startswith("OSError: simulated failure")
    assert len(rows["broken@example.org"].last_error) == mail.ERROR_LIMIT
    assert sorted(m["To"] for m in smtp_server.messages) == ["ok1@example.org", "ok2@example.org"]


@pytest.fixture
def auth_server():
    server = SmtpServer(credentials=("mailer", "s3cret")).start()
    yield server
    server.stop()


def test_smtp_login_with_right_and_wrong_password(smtp_app, auth_server):
    smtp_app.config.update(
        JURYFUND_SMTP_PORT=auth_server.port,
        JURYFUND_SMTP_USER="mailer",
        JURYFUND_SMTP_PASSWORD="nope",
    )
    queued = queue()
    db.session.commit()

    assert deliver_pending() == 0
    db.session.expire_all()
    assert "SMTPAuthenticationError" in db.session.get(Mail, queued.id).last_error
    assert auth_server.messages == []

    smtp_app.config["JURYFUND_SMTP_PASSWORD"] = "s3cret"
    assert deliver_pending(now=utcnow() + timedelta(minutes=5)) == 1
    assert auth_server.logins == ["mailer"]
    assert len(auth_server.messages) == 1


def test_starttls_never_falls_back_to_plain_text(smtp_app, smtp_server):
    smtp_app.config["JURYFUND_SMTP_SECURITY"] = "starttls"  # the test server offers no STARTTLS
    queued = queue()
    db.session.commit()

    assert deliver_pending() == 0
    assert smtp_server.messages == []
    db.session.expire_all()
    assert "STARTTLS" in db.session.get(Mail, queued.id).last_error


def test_file_backend_writes_a_parseable_eml_and_logs_the_links(app, caplog):
    assert app.config["JURYFUND_MAIL_BACKEND"] == "file"
    queued = queue(link="https://kiez.example.org/status/xyz.")
    db.session.commit()

    with caplog.at_level(logging.INFO, logger=app.logger.name):
        assert deliver_pending() == 1

    files = sorted((Path(app.instance_path) / "mail").glob("*.eml"))
    assert [f.name for f in files] == [f"{queued.created_at:%Y%m%d-%H%M%S}-{queued.id}.eml"]
    message = message_from_bytes(files[0].read_bytes(), policy=default_policy)
    assert message["To"] == "resident@example.org"
    assert message["Message-ID"] == queued.message_id
    assert message["Subject"] == "juryfund test SOL-2026-0042"
    assert "Hello Ayşe," in text_of(message)
    assert "Hello Ayşe," in html_of(message)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "https://kiez.example.org/status/xyz" in logged
    assert "https://kiez.example.org/status/xyz." not in logged
    assert str(files[0]) in logged
    db.session.expire_all()
    assert db.session.get(Mail, queued.id).sent_at is not None


def _group() -> AppGroup:
    group = AppGroup("juryfund")
    group.add_command(send_mail_command)
    return group


def test_cli_sends_what_is_due_once_and_prints_the_count(smtp_app, smtp_server, runner):
    queue(to="a@example.org")
    queue(to="b@example.org")
    db.session.commit()

    result = runner.invoke(_group(), ["send-mail"])
    assert result.exit_code == 0, result.output
    assert "2 mail(s) sent." in result.output
    assert len(smtp_server.messages) == 2

    result = runner.invoke(_group(), ["send-mail"])
    assert result.exit_code == 0, result.output
    assert "0 mail(s) sent." in result.output
    assert len(smtp_server.messages) == 2


def test_cli_loop_keeps_sending_until_interrupted(smtp_app, smtp_server, runner, monkeypatch):
    queue(to="first@example.org")
    db.session.commit()
    waits = []

    def fake_wait(stop, seconds):
        waits.append(seconds)
        if len(waits) == 1:  # between the runs, a new mail is queued
            queue(to="second@example.org")
            db.session.commit()
            return
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_mail, "_wait", fake_wait)
    result = runner.invoke(_group(), ["send-mail", "--loop", "--interval", "0.5"])

    assert result.exit_code == 0, result.output
    assert waits == [0.5, 0.5]
    assert result.output.count("1 mail(s) sent.") == 2
    assert "Stopped." in result.output
    assert [m["To"] for m in smtp_server.messages] == ["first@example.org", "second@example.org"]


def test_cli_loop_survives_a_failing_run(smtp_app, smtp_server, runner, monkeypatch):
    calls = []

    def failing_then_stop(**kwargs):
        calls.append(kwargs)
        if len(calls) == 1:
            raise RuntimeError("database away")
        raise KeyboardInterrupt

    monkeypatch.setattr(cli_mail, "deliver_pending", failing_then_stop)
    monkeypatch.setattr(cli_mail, "_wait", lambda stop, seconds: None)
    result = runner.invoke(_group(), ["send-mail", "--loop"])
    assert result.exit_code == 0, result.output
    assert len(calls) == 2
    assert "Stopped." in result.output


def test_queue_mail_refuses_bad_addresses_languages_and_reserved_names(app):
    for address in ("", "nobody", "a@b.org\r\nBcc: x@evil.org", "a@b.org, c@d.org", "<a@b.org>"):
        with pytest.raises(ValueError):
            queue(to=address)
    with pytest.raises(ValueError):
        queue(language="xx")
    with pytest.raises(TypeError):
        queue(subject="Hi")
    assert len(db.session.new) == 0


def test_queueing_inside_a_request_keeps_the_page_language(app):
    with app.test_request_context("/", headers={"Accept-Language": "de"}):
        assert str(get_locale()) == "de"
        row = queue(language="en")
        assert SENT_BY in row.body_text
        assert str(get_locale()) == "de"
    db.session.rollback()


def test_background_sender_delivers_while_running(smtp_app, smtp_server):
    queued = queue()
    db.session.commit()
    sender = mail.start_background_sender(smtp_app, interval=0.05)
    try:
        for _ in range(100):
            if smtp_server.messages:
                break
            threading.Event().wait(0.05)
    finally:
        sender.stop()
    assert not sender.is_alive()
    assert [m["Message-ID"] for m in smtp_server.messages] == [queued.message_id]


@pytest.mark.postgres
@pytest.mark.skipif(not POSTGRES_URL, reason="needs JURYFUND_TEST_DATABASE_URL (PostgreSQL)")
def test_concurrent_senders_never_send_the_same_mail(smtp_app, smtp_server):
    smtp_server.delay = 0.1  # each DATA takes a while, so the two senders overlap
    for n in range(8):
        queue(to=f"p{n}@example.org")
    db.session.commit()
    counts = []

    def run():
        with smtp_app.app_context():
            counts.append(deliver_pending())
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sum(counts) == 8
    assert all(counts)  # both really worked in parallel
    ids = [m["Message-ID"] for m in smtp_server.messages]
    assert len(ids) == len(set(ids)) == 8


@pytest.fixture
def german_app(database_url, tmp_path):
    """An app whose German catalog translates the mail footer (whatever the real one holds yet)."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po
    from jinja2 import ChoiceLoader, DictLoader

    from juryfund import create_app

    catalog = Catalog(locale="de")
    catalog.add(SENT_BY, "Diese Nachricht wurde automatisch von juryfund versendet.")
    po = tmp_path / "translations" / "de" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    with po.open("wb") as f:
        write_po(f, catalog)
    # Flask-Babel caches catalogs per process, keyed by locale only: load ours afresh.
    babel.domain_instance.cache.clear()
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "JURYFUND_SECRET_KEYS": ["test-secret-key"],
            "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "translations"),
        }
    )
    app.jinja_env.loader = ChoiceLoader(
        [
            DictLoader(
                {
                    "mail/translated.txt": '{% extends "mail/base.txt" %}'
                    '{% block subject %}{{ _("' + SENT_BY + '") }}{% endblock %}'
                    "{% block body %}Hi{% endblock %}",
                    "mail/translated.html": '{% extends "mail/base.html" %}{% block body %}Hi{% endblock %}',
                }
            ),
            app.jinja_env.loader,
        ]
    )
    with app.app_context():
        yield app
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
    babel.domain_instance.cache.clear()


def test_subject_and_body_are_translated_into_the_recipients_language(german_app):
    with german_app.test_request_context("/", headers={"Accept-Language": "en"}):
        german = queue_mail(to="a@example.org", language="de", purpose="t", template="translated")
        english = queue_mail(to="b@example.org", language="en", purpose="t", template="translated")
    assert german.subject == "Diese Nachricht wurde automatisch von juryfund versendet."
    assert "Diese Nachricht wurde automatisch" in german.body_text
    assert "Diese Nachricht wurde automatisch" in german.body_html
    assert english.subject == SENT_BY
    assert SENT_BY in english.body_text and SENT_BY in english.body_html
