"""A real SMTP server on localhost for tests (aiosmtpd), plus helpers to read what it received.

Use the fixtures from any test module by importing them into a conftest::

    from tests.smtp_server import smtp_app, smtp_server  # noqa: F401

or make them global with ``pytest_plugins = ["tests.smtp_server"]`` in ``tests/conftest.py``.
"""

from __future__ import annotations

import asyncio
import email
import re
import socket
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import default as default_policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

LINK_RE = re.compile(r"https?://[^\s<>\"']+")


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class Envelope:
    """The SMTP envelope of one received message."""

    mail_from: str
    rcpt_tos: list[str]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=default_policy)
        self.server.messages.append(message)
        self.server.envelopes.append(Envelope(envelope.mail_from, list(envelope.rcpt_tos)))
        self.server.raw.append(raw)
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    """An aiosmtpd server on `host`:`port` that keeps every message it receives.

    `stop()` then `start()` simulates an outage: the port stays the same. With `credentials`
    the server offers AUTH (without TLS, fine on localhost) and accepts only that user.
    `delay` slows every DATA down, to let concurrent senders overlap.
    """

    host: str = "127.0.0.1"
    port: int = 0
    credentials: tuple[str, str] | None = None
    delay: float = 0.0
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[Envelope] = field(default_factory=list)
    raw: list[bytes] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    _controller: Controller | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.port = self.port or free_port(self.host)

    def _authenticate(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and self.credentials is not None:
            login, password = auth_data.login.decode(), auth_data.password.decode()
            if (login, password) == self.credentials:
                self.logins.append(login)
                return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    def start(self) -> SmtpServer:
        """Listen (again) on the same port."""
        if self._controller is None:
            options = {}
            if self.credentials is not None:
                options = {"authenticator": self._authenticate, "auth_require_tls": False}
            # A stopped Controller's event loop is closed, so every start needs a new one.
            self._controller = Controller(
                _Handler(self), hostname=self.host, port=self.port, **options
            )
            self._controller.start()
        return self

    def stop(self) -> None:
        """Stop listening; connections are then refused."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self) -> bool:
        return self._controller is not None

    def clear(self) -> None:
        """Forget what was received so far."""
        self.messages.clear()
        self.envelopes.clear()
        self.raw.clear()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()


# --- reading received messages ----------------------------------------------------------------


def text_of(message: EmailMessage) -> str:
    """The plain-text part, decoded, with "\n" line ends (SMTP carries "\r\n")."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, "message has no text/plain part"
    return part.get_content().replace("\r\n", "\n")


def html_of(message: EmailMessage) -> str:
    """The HTML part, decoded, with "\n" line ends."""
    part = message.get_body(preferencelist=("html",))
    assert part is not None, "message has no text/html part"
    return part.get_content().replace("\r\n", "\n")


def links_in(message: EmailMessage) -> list[str]:
    """Every http(s) link of the plain-text part, in order, without trailing punctuation."""
    return [link.rstrip(".,;:!?)]}") for link in LINK_RE.findall(text_of(message))]


def messages_to(server: SmtpServer, address: str) -> list[EmailMessage]:
    """The received messages whose To header names `address` (case-insensitive)."""
    wanted = address.lower()
    return [
        m for m in server.messages if any(a.addr_spec.lower() == wanted for a in m["To"].addresses)
    ]


# --- fixtures ---------------------------------------------------------------------------------


@pytest.fixture
def smtp_server():
    """A running SMTP server on a free localhost port; `.stop()`/`.start()` simulate an outage."""
    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(app, smtp_server):
    """The `app` fixture, delivering mail over SMTP to `smtp_server` (read at send time)."""
    app.config.update(
        JURYFUND_MAIL_BACKEND="smtp",
        JURYFUND_SMTP_HOST=smtp_server.host,
        JURYFUND_SMTP_PORT=smtp_server.port,
        JURYFUND_SMTP_SECURITY="none",
        JURYFUND_SMTP_USER=None,
        JURYFUND_SMTP_PASSWORD=None,
        JURYFUND_SMTP_TIMEOUT=5,
    )
    return app
