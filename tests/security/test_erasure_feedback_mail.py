"""The erasure takes every mail of the applicant naming the application, whatever its purpose:
also what they wrote to the QM team (accessibility feedback, with their name and address), not
only the mails the product sent them. The export hands the same mail out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import Mail
from juryfund.services import accessibility, intake, privacy
from tests.browser.conftest import application_input

pytestmark = pytest.mark.security


def _with_feedback(area):
    """Ayşe Kaya's application, and her feedback to the QM team naming it (not committed)."""
    application = intake.submit(
        area, application_input(email="kaya@example.org", title="Hoffest"), draft_key=None
    )
    area.contact_email = "qm@example.org"
    db.session.commit()
    accessibility.send_feedback(
        message=f"Das Formular zu {application.reference} liest mein Screenreader nicht vor.",
        page="/status",
        name="Ayşe Kaya",
        email="kaya@example.org",
        area_id=area.id,
        language="de",
    )
    return application


def test_erasure_removes_the_applicant_s_feedback_mail_naming_the_application(area, fund, staff):
    application = _with_feedback(area)
    intake.withdraw(application)
    db.session.commit()
    assert db.session.scalars(select(Mail).where(Mail.purpose == "accessibility.feedback")).all(), (
        "no feedback mail queued (no recipient?)"
    )

    privacy.erase(application, actor=staff.actor, reason="Brief", title="Hoffest")
    db.session.commit()

    left = [
        m
        for m in db.session.scalars(select(Mail))
        if "kaya@example.org" in (m.body_text or "") or "Ayşe Kaya" in (m.body_text or "")
    ]
    assert not left, [m.purpose for m in left]


def test_the_export_hands_out_the_applicant_s_feedback_mail(area, fund, staff):
    application = _with_feedback(area)
    db.session.commit()
    purposes = [mail["purpose"] for mail in privacy.export(application)["mails"]]
    assert "accessibility.feedback" in purposes, purposes
