"""Fixtures for voting: ready applications, rounds, ballot links (the jury of seven is shared)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import Application, Mail, Round
from juryfund.services import rounds
from tests.factories import ApplicationFactory
from tests.fixtures import approved_round  # noqa: F401  (the voting tests import it from here)


def make_ready(area, fund, title: str, requested: int, *, email: str | None = None) -> Application:
    """An application already through formal review (applicant<number>@example.org unless given)."""
    return ApplicationFactory(
        area=area,
        fund=fund,
        title=title,
        requested_cents=requested,
        **({"email": email} if email else {}),
    )


@pytest.fixture
def ready_apps(area, fund):
    """Three ready applications: 480 €, 1,200 € and 300 €."""
    return [
        make_ready(area, fund, "Pflanzaktion", 48000),
        make_ready(area, fund, "Hoffest", 120000),
        make_ready(area, fund, "Lesecafé", 30000),
    ]


@pytest.fixture
def open_round(jury, ready_apps, staff):
    """A circulation round with the three applications, opened (members mailed)."""

    def build(mode: str = "circulation", apps=None, deadline: datetime | None = None) -> Round:
        when = deadline or datetime.now(UTC) + timedelta(days=7)
        round_ = rounds.save_round(
            None, jury, mode=mode, title="Umlauf März", when=when, place="", actor=staff.actor
        )
        rounds.set_agenda(round_, [a.id for a in (apps or ready_apps)])
        rounds.open_round(round_, actor=staff.actor)
        db.session.commit()
        return round_

    return build


def ballot_links() -> dict[str, str]:
    """Member email -> ballot link path, from the queued invitation mails."""
    links = {}
    for mail in db.session.scalars(
        select(Mail).where(Mail.purpose == "ballot.invitation").order_by(Mail.id)
    ):
        match = re.search(r"https?://[^/\s]+(/ballot/link/\S+)", mail.body_text)
        links[mail.to_addr] = match.group(1)
    return links
