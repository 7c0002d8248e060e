"""A staff member's daily digest names several applications at once. Erasing one of them must
not lose the other applications' lines (before, the whole digest was deleted), and must not
keep the erased one's title either (a title may name people): its line gets the new title."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import SYSTEM
from juryfund.domain.notices import NoticeKind
from juryfund.extensions import db
from juryfund.models import Mail
from juryfund.services import accounts, intake, notices, privacy
from tests.browser.conftest import application_input

pytestmark = pytest.mark.security

#: The erased application's title names a family; the other one's shares a word with it.
TITLE = "Hoffest bei Familie Kaya"
OTHER_TITLE = "Hoffest im Hinterhaus"


@pytest.fixture
def digest(area, fund, staff):
    """Two applications in one digest sent to a staff member; the first one withdrawn."""
    accounts.set_notices(staff, {NoticeKind.APPLICATION_NEW}, digest=True, actor=SYSTEM)
    db.session.commit()
    erased = intake.submit(
        area, application_input(email="kaya@example.org", title=TITLE), draft_key=None
    )
    other = intake.submit(
        area, application_input(email="berta@example.org", title=OTHER_TITLE), draft_key=None
    )
    db.session.commit()
    assert notices.send_digests(datetime.now(UTC)) == 1
    intake.withdraw(erased)
    db.session.commit()
    mail = db.session.scalars(select(Mail).where(Mail.purpose == "notice.digest")).one()
    return erased, other, mail


def test_erasure_keeps_the_digest_with_the_other_application_s_line(digest, staff):
    erased, other, mail = digest
    privacy.erase(erased, actor=staff.actor, reason="Brief", title="Hoffest")
    db.session.commit()

    kept = db.session.get(Mail, mail.id)
    assert kept is not None, "the digest went with the erasure"
    for part in (kept.body_text, kept.body_html):
        assert "Familie Kaya" not in part
        assert erased.reference in part and other.reference in part
        assert OTHER_TITLE in part  # the other line is untouched, though it holds "Hoffest"
    line = next(line for line in kept.body_text.splitlines() if erased.reference in line)
    assert "Hoffest" in line


def test_erasure_preview_counts_what_the_erasure_deletes(digest, staff):
    erased, _other, mail = digest
    preview = privacy.preview_erasure(erased)
    before = db.session.scalar(select(func.count()).select_from(Mail))
    privacy.erase(erased, actor=staff.actor, reason="Brief", title="Hoffest")
    db.session.commit()
    after = db.session.scalar(select(func.count()).select_from(Mail))
    # The received mail with its link (and the digest, which stays, not counted).
    assert preview.mails == before - after >= 1
    assert db.session.get(Mail, mail.id) is not None


def test_export_of_the_other_application_leaves_out_the_digest(digest):
    _erased, other, _mail = digest
    exported = privacy.export(other)
    assert {m["purpose"] for m in exported["mails"]} == {"application.received"}
    assert {m["to"] for m in exported["mails"]} == {"berta@example.org"}
