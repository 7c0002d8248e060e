"""One resident, two applications with one address: erasing the finished one on request
must leave the running one (and what it sends the resident) alone."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import Mail
from juryfund.services import intake, privacy
from tests.browser.conftest import application_input
from tests.fixtures import Spec

pytestmark = pytest.mark.security

NAME = "Zeynep Kaya"
EMAIL = "zeynep.kaya@example.org"


def test_erasing_one_application_keeps_the_mails_of_the_other_still_running(
    decide, area, fund, staff
):
    (old,) = decide([Spec("Hoffest", outcome="rejected", kind="person", name=NAME, email=EMAIL)])
    # This year's application: its confirmation with the status link waits in the outbox.
    running = intake.submit(
        area,
        application_input(
            applicant_kind="person",
            organisation="",
            applicant_name=NAME,
            email=EMAIL,
            title="Lesecafé",
        ),
        draft_key=None,
    )
    db.session.commit()
    waiting = db.session.scalars(
        select(Mail.id).where(Mail.purpose == "application.received", Mail.sent_at.is_(None))
    ).all()
    assert len(waiting) == 1 and running.reference in db.session.get(Mail, waiting[0]).subject

    privacy.erase(old, actor=staff.actor, reason="Brief vom 1. Dezember", title="Hoffest")
    db.session.commit()

    assert running.anonymised_at is None and running.email == EMAIL
    # The running application's mail (its only status link) still goes out.
    assert db.session.get(Mail, waiting[0]) is not None
