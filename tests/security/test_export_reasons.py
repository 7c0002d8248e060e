"""Art. 15 GDPR: the export of everything stored about an applicant."""

from __future__ import annotations

import json

import pytest

from juryfund.services import privacy
from tests.fixtures import Spec

pytestmark = pytest.mark.security

REASONS = "Der Jury fehlte ein Kostenvoranschlag für die Bühne von Frau Kaya."


def test_export_holds_the_reasons_the_body_gave_for_a_rejection(decide):
    """A paper applicant (no e-mail, so no mail in the export) asks what is stored about them:
    the reasons of the rejection are stored on the decision and told in their letter."""
    (rejected,) = decide(
        [Spec("Bühne", outcome="rejected", reasons=REASONS, email="", kind="person")]
    )
    export = privacy.export(rejected)
    assert [d["outcome"] for d in export["decisions"]] == ["rejected"]
    assert REASONS in json.dumps(export, ensure_ascii=False)


def test_export_holds_the_reasons_of_a_partial_approval(decide):
    (approved,) = decide(
        [Spec("Bühne", requested=50000, approved=30000, reasons=REASONS, email="")]
    )
    export = privacy.export(approved)
    assert [d["approved_cents"] for d in export["decisions"]] == [30000]
    assert REASONS in json.dumps(export, ensure_ascii=False)
