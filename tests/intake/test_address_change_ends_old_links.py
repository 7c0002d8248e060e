"""The contact address of an application changes (the applicant's old mailbox was shared, or
belonged to the initiative's former chair): the status links mailed to the old address must stop
opening the application, which they otherwise keep doing for 400 days, with its personal data,
withdrawal and payment requests; the new address gets the link instead."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from juryfund.domain.actors import Actor
from juryfund.extensions import db
from juryfund.models import Mail
from juryfund.services import intake
from tests.browser.conftest import application_input

pytestmark = pytest.mark.intake


def _link(address: str) -> str | None:
    for mail in db.session.scalars(select(Mail).where(Mail.to_addr == address).order_by(Mail.id)):
        if found := re.search(r"https?://[^/\s]+(/status/link/\S+)", mail.body_text):
            return found.group(1)
    return None


def test_links_sent_to_the_old_address_stop_when_the_address_changes(app, area, fund):
    old, new = "vorstand.alt@example.org", "vorstand.neu@example.org"
    application = intake.submit(area, application_input(email=old), draft_key=None)
    db.session.commit()
    old_link = _link(old)
    assert old_link

    intake.update(
        application,
        application_input(email=new),
        draft_key=None,
        actor=Actor.applicant(application.reference),
    )
    db.session.commit()

    former = app.test_client()
    response = former.get(old_link)
    assert response.status_code == 400, "the old address's link still opens the application"
    assert former.get(f"/status/{application.reference}").status_code == 403
    assert _link(new), "the new address got no status link"
