"""The decision letter names the proof's due date as stored when the proof was started (the
date the status page shows), not one recomputed from the fund's current settings."""

from __future__ import annotations

from datetime import timedelta

import pytest

from juryfund.extensions import db
from juryfund.services import proofs
from juryfund.web.i18n import when
from tests.intake.conftest import open_status

pytestmark = pytest.mark.ledger


def test_letter_on_the_status_page_names_the_proof_due_date_the_status_page_shows(
    app, client, approved
):
    """The decision letter the resident downloads from the status page gives the same proof
    due date as the status page (the date fixed at approval), also after the QM team changed the
    fund's proof deadline for future projects."""
    proof = proofs.find(approved)
    fixed = proof.due_on
    approved.fund.proof_weeks = approved.fund.proof_weeks + 4  # the settings page, for new ones
    db.session.commit()
    open_status(client, approved)
    headers = {"Accept-Language": "de"}
    page = client.get(f"/status/{approved.reference}", headers=headers).get_data(as_text=True)
    letter = client.get(f"/status/{approved.reference}/letter", headers=headers).get_data(
        as_text=True
    )
    with app.test_request_context(headers=headers):
        shown = when(fixed)
        later = when(fixed + timedelta(weeks=4))
    assert shown in page
    assert later not in letter and shown in letter
