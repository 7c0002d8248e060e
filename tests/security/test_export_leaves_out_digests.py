"""Art. 15 export: the applicant's copy of "every mail about the application" must not hand out
another resident's data. A staff member's daily digest names several applications at once; it
matches the reference of each of them, so it is exported (whole) to each of their applicants."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from juryfund.domain.actors import SYSTEM
from juryfund.domain.notices import NoticeKind
from juryfund.extensions import db
from juryfund.services import accounts, intake, notices, privacy
from tests.browser.conftest import application_input

pytestmark = pytest.mark.security


def test_export_does_not_hand_out_a_digest_naming_another_application(area, fund, staff):
    accounts.set_notices(staff, {NoticeKind.APPLICATION_NEW}, digest=True, actor=SYSTEM)
    db.session.commit()
    mine = intake.submit(
        area,
        application_input(applicant_name="Anna A", email="anna@example.org", title="Hoffest"),
        draft_key=None,
    )
    other = intake.submit(
        area,
        application_input(
            applicant_name="Berta B",
            email="berta@example.org",
            title="Geburtstag von Berta Bauer",
        ),
        draft_key=None,
    )
    db.session.commit()
    assert notices.send_digests(datetime.now(UTC)) == 1
    db.session.commit()

    exported = privacy.export(mine)
    texts = " ".join(m["subject"] + " " + m["text"] for m in exported["mails"])
    # The other applicant's application (reference and title) is none of Anna's business.
    assert other.reference not in texts
    assert "Berta Bauer" not in texts
