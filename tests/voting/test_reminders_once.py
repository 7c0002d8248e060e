"""Two ticks at once (cron overlapping, or every app server running its timer): the ballot
reminder goes out once per member (rounds.send_reminders re-reads the round under its lock), as
notices.round_progress already manages (tests/intake/test_notices.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import Mail
from juryfund.services import rounds
from tests.conftest import POSTGRES_URL
from tests.races import race
from tests.voting.conftest import open_round, ready_apps  # noqa: F401

pytestmark = [
    pytest.mark.voting,
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="the race needs PostgreSQL's row locks"),
]


def _mails(purpose: str) -> list[str]:
    return list(db.session.scalars(select(Mail.to_addr).where(Mail.purpose == purpose)))


def test_two_ticks_at_once_remind_each_member_of_a_round_once(app, open_round):  # noqa: F811
    """Expected: one ballot reminder per member who has not voted; two ticks that both read
    the round as due (as `flask juryfund tick` does, rounds.due_rounds then send_reminders)
    mail every member twice."""
    now = datetime.now(UTC)
    round_ = open_round(deadline=now + timedelta(hours=47))
    members = len(round_.participants)

    def tick(ready):
        to_remind, _ = rounds.due_rounds(now)
        ready()
        for found in to_remind:
            rounds.send_reminders(found, now=now)

    outcomes = race(app, tick, tick)
    sent = _mails("ballot.reminder")
    assert (outcomes, len(sent)) == (["ok", "ok"], members), sorted(sent)
