"""Erasure replaces a title that identifies the applicant; the office's notice mails and the
staff's pending digest lines quoting the old one go with it (they kept it before)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.infra.mail import deliver_pending
from juryfund.models import Mail, PendingNotice
from juryfund.services import intake, privacy
from tests.browser.conftest import application_input

pytestmark = pytest.mark.security

NAME = "Zeynep Kaya"
EMAIL = "zeynep.kaya@example.org"
#: The title names the applicant's family (not her full name): staff give an anonymised one.
TITLE = "Hoffest bei Familie Kaya im Hinterhaus"


def test_erasure_leaves_no_copy_of_the_replaced_title(app, area, fund, staff, make):
    area.contact_email = "qm-soldiner@example.org"
    # A colleague takes new applications in the daily digest.
    digest_reader = make.staff(areas=[area])
    digest_reader.notify_kinds, digest_reader.notify_digest = "application_new", True
    db.session.commit()
    application = intake.submit(
        area,
        application_input(
            applicant_kind="person", organisation="", applicant_name=NAME, email=EMAIL, title=TITLE
        ),
        draft_key=None,
    )
    db.session.commit()
    deliver_pending()  # the office inbox's notice is sent (an .eml file in the file backend)
    intake.withdraw(application, reason="")
    db.session.commit()

    privacy.erase(application, actor=staff.actor, reason="Brief vom 1. Dezember", title="Hoffest")
    db.session.commit()

    assert application.title == "Hoffest"
    mails = [
        (m.to_addr, m.subject)
        for m in db.session.scalars(select(Mail))
        if "Familie Kaya" in m.subject + m.body_text + m.body_html
    ]
    pending = [
        n.params for n in db.session.scalars(select(PendingNotice)) if "Familie Kaya" in n.params
    ]
    files = [
        path.name
        for path in (Path(app.instance_path) / "mail").glob("*.eml")
        if b"Familie Kaya" in path.read_bytes() or b"Familie=20Kaya" in path.read_bytes()
    ]
    assert (mails, pending, files) == ([], [], [])
