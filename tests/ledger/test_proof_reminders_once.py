"""Guards that the proof-of-use reminder and the office's overdue notice go out once when two
ticks run at once (cron overlapping, or every app server running its timer), and when a
direct send (as a staff action would make) races a tick: services.proofs locks the proof and
reads its stamp again after the lock. Real threads on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Mail, ProofOfUse
from juryfund.services import proofs
from tests.conftest import POSTGRES_URL
from tests.races import race

pytestmark = [
    pytest.mark.ledger,
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="the race needs PostgreSQL's row locks"),
]


def _mails(purpose: str) -> list[str]:
    return list(db.session.scalars(select(Mail.to_addr).where(Mail.purpose == purpose)))


def _due_in(area, days: int) -> int:
    """Set the one proof's due date `days` from the area's today; its id."""
    proof = db.session.scalars(select(ProofOfUse)).one()
    proof.due_on = clock.area_today(area) + timedelta(days=days)
    db.session.commit()
    return proof.id


def test_two_ticks_at_once_remind_the_applicant_of_the_proof_once(app, approved, area):
    """Both ticks find the proof not reminded yet; the applicant gets one mail."""
    _due_in(area, 3)
    now = datetime.now(UTC)

    def tick(ready):
        remind, _ = proofs.due_reminders(now)
        ready()
        for found in remind:
            proofs.send_reminder(found, now=now)

    outcomes = race(app, tick, tick)
    assert outcomes == ["ok", "ok"], outcomes
    assert _mails("proof.reminder") == [approved.email]


def test_a_direct_reminder_racing_the_tick_reminds_once(app, approved, area):
    """A reminder sent for one proof (not found by due_reminders) while the tick sends it too."""
    proof_id = _due_in(area, 3)
    now = datetime.now(UTC)

    def tick(ready):
        remind, _ = proofs.due_reminders(now)
        ready()
        for found in remind:
            proofs.send_reminder(found, now=now)

    def direct(ready):
        proof = db.session.get(ProofOfUse, proof_id)
        ready()
        proofs.send_reminder(proof, now=now)

    outcomes = race(app, tick, direct)
    assert outcomes == ["ok", "ok"], outcomes
    assert _mails("proof.reminder") == [approved.email]


def test_two_ticks_at_once_tell_the_office_of_an_overdue_proof_once(app, approved, area):
    """Both ticks find the proof overdue and not reported; the QM team gets one notice."""
    area.contact_email = "qm@soldiner.example"
    _due_in(area, -1)
    now = datetime.now(UTC)

    def tick(ready):
        _, overdue = proofs.due_reminders(now)
        ready()
        for found in overdue:
            proofs.notify_overdue(found, now=now)

    outcomes = race(app, tick, tick)
    assert outcomes == ["ok", "ok"], outcomes
    told = select(func.count(Mail.id)).where(Mail.purpose == "notice.proof_overdue")
    assert db.session.scalar(told) == 1
