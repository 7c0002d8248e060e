"""The retention job anonymises a returned application while its applicant saves an edit.

An application returned for changes is anonymised by `flask juryfund tick` once its retention
period is over (privacy.due_for_anonymisation includes "returned"). The applicant may still
have the status page open: their edit was let in (granted_application) just before the tick
committed, and is written just after: it is refused (the grant is gone with the erasure, and
an erased application takes no edit), and nothing of the applicant's data comes back.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest

from juryfund.domain.actors import Actor
from juryfund.extensions import db
from juryfund.models import Application
from juryfund.services import intake, privacy
from juryfund.web.apply import editing
from tests.browser.conftest import application_input
from tests.conftest import csrf_from
from tests.intake.conftest import application_data, last_mail, status_link

pytestmark = pytest.mark.security

EMAIL = "ayse@example.org"


def test_edit_sent_while_the_tick_anonymises_does_not_bring_the_data_back(
    app, client, area, fund, staff, monkeypatch
):
    application = intake.submit(area, application_input(), draft_key=None)
    db.session.commit()
    intake.return_for_changes(application, note="Bitte Angebot beilegen.", actor=staff.actor)
    db.session.commit()
    application_id, reference, fund_id = application.id, application.reference, application.fund_id
    # The applicant opens the status link (the grant is now in their session).
    assert client.get(status_link(last_mail(EMAIL))).status_code == 302
    url = f"/status/{reference}/edit"
    assert client.get(url).status_code == 200

    def tick_anonymises() -> None:
        """What `flask juryfund tick` does for this application, in its own session."""
        with app.app_context():
            found = db.session.get(Application, application_id)
            # The end of the retention period (anonymise reads it again under the lock).
            privacy.anonymise(found, now=datetime(2100, 1, 1, tzinfo=UTC))
            db.session.commit()
            db.session.remove()

    original = editing.attempt_part
    fired = []

    def tick_in_between(save, **kwargs):
        # The request passed granted_application (the grant was there); the tick commits now,
        # before the edit is written.
        if not fired:
            fired.append(True)
            worker = threading.Thread(target=tick_anonymises)
            worker.start()
            worker.join(30)
            assert not worker.is_alive(), "the tick hung"
        return original(save, **kwargs)

    monkeypatch.setattr(editing, "attempt_part", tick_in_between)
    data = application_data()
    token = csrf_from(client.get(url).get_data(as_text=True))
    client.post(
        url,
        data={"csrf_token": token, "action": "submit", "confirmed_fund": str(fund_id), **data},
    )
    assert fired, "the edit never reached its save"

    db.session.expire_all()
    stored = db.session.get(Application, application_id)
    assert stored.anonymised_at is not None
    # The anonymised application must not hold the applicant's data again.
    assert (stored.applicant_name, stored.email, stored.address) == ("—", "", "—"), (
        stored.state,
        stored.applicant_name,
        stored.email,
        stored.address,
    )


def test_a_resubmitted_application_is_not_erased_by_a_stale_candidate_list(area, fund, staff):
    """The retention job read a returned application as due; its applicant sent it again
    before the job locked it: it is read again under the lock and left alone."""
    application = intake.submit(area, application_input(), draft_key=None)
    db.session.commit()
    intake.return_for_changes(application, note="Bitte Angebot beilegen.", actor=staff.actor)
    db.session.commit()
    later = datetime(2100, 1, 1, tzinfo=UTC)
    due = privacy.due_for_anonymisation(later)
    assert [a.id for a in due] == [application.id]
    # The applicant comes back and sends it again before the job's anonymise locks the row.
    intake.update(
        application,
        application_input(),
        draft_key=None,
        actor=Actor.applicant(application.reference),
    )
    db.session.commit()
    assert application.state == "submitted"
    privacy.anonymise(due[0], now=later)
    db.session.commit()
    db.session.refresh(application)
    assert application.anonymised_at is None, (application.state, application.applicant_name)
