"""A decision letter gives reasons for a rejection and for a partial approval (table-driven)."""

from __future__ import annotations

import pytest

from juryfund.domain.errors import DomainError
from juryfund.domain.letters import check_reasons, needs_reasons

pytestmark = pytest.mark.domain


@pytest.mark.parametrize(
    ("outcome", "requested", "approved", "needed"),
    [
        ("rejected", 50000, None, True),
        ("approved", 50000, 40000, True),
        ("approved", 50000, 49999, True),
        ("approved", 50000, 50000, False),
        ("no_quorum", 50000, None, False),
    ],
)
def test_needs_reasons_for_rejection_and_partial_approval(outcome, requested, approved, needed):
    assert (
        needs_reasons(outcome=outcome, requested_cents=requested, approved_cents=approved) == needed
    )


@pytest.mark.parametrize(
    ("outcome", "approved", "reason"),
    [
        ("rejected", None, "decision.reasons_rejected"),
        ("approved", 100, "decision.reasons_partial"),
    ],
)
@pytest.mark.parametrize("reasons", ["", "  \n\t "])
def test_missing_reasons_are_refused_on_the_reasons_field(outcome, approved, reason, reasons):
    with pytest.raises(DomainError) as caught:
        check_reasons(reasons, outcome=outcome, requested_cents=200, approved_cents=approved)
    assert (caught.value.reason, caught.value.field) == (reason, "reasons")


@pytest.mark.parametrize(
    ("reasons", "outcome", "approved", "kept"),
    [
        (" Zu spät beantragt. ", "rejected", None, "Zu spät beantragt."),
        ("", "approved", 200, ""),
        (" Mit Auflage. ", "approved", 200, "Mit Auflage."),
    ],
)
def test_reasons_are_kept_stripped(reasons, outcome, approved, kept):
    assert (
        check_reasons(reasons, outcome=outcome, requested_cents=200, approved_cents=approved)
        == kept
    )
