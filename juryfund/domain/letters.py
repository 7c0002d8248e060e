"""What a decision letter must say: the reasons for a rejection and for a partial approval."""

from __future__ import annotations

from .errors import DomainError


def needs_reasons(*, outcome: str, requested_cents: int, approved_cents: int | None) -> bool:
    """Whether a decision must give reasons: a rejection, or an approval below the request."""
    if outcome == "rejected":
        return True
    return outcome == "approved" and approved_cents is not None and approved_cents < requested_cents


def check_reasons(
    reasons: str, *, outcome: str, requested_cents: int, approved_cents: int | None
) -> str:
    """The reasons stripped; DomainError on the field `reasons` when required and missing."""
    reasons = reasons.strip()
    if not reasons and needs_reasons(
        outcome=outcome, requested_cents=requested_cents, approved_cents=approved_cents
    ):
        code = "rejected" if outcome == "rejected" else "partial"
        raise DomainError(f"decision.reasons_{code}", field="reasons")
    return reasons
