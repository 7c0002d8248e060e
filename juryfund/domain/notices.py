"""What the QM team can be told about, by mail at once or in a daily digest."""

from __future__ import annotations

from enum import StrEnum


class NoticeKind(StrEnum):
    """A kind of event staff may subscribe to (each staff member chooses per kind)."""

    APPLICATION_NEW = "application_new"
    APPLICATION_RESUBMITTED = "application_resubmitted"
    PROOF_SUBMITTED = "proof_submitted"
    ROUND_OBJECTED = "round_objected"
    ROUND_QUORATE = "round_quorate"
    ROUND_COMPLETE = "round_complete"
    ROUND_DEADLINE = "round_deadline"
    PROOF_OVERDUE = "proof_overdue"
    PAYMENT_REQUESTED = "payment_requested"


NOTICE_KINDS = tuple(kind.value for kind in NoticeKind)


def parse_kinds(text: str) -> frozenset[NoticeKind]:
    """The kinds stored as a comma-separated list; unknown codes (from an older version) drop."""
    return frozenset(NoticeKind(code) for code in text.split(",") if code in NOTICE_KINDS)


def format_kinds(kinds: set[NoticeKind] | frozenset[NoticeKind]) -> str:
    """The stored form of a set of kinds, in a fixed order."""
    return ",".join(kind.value for kind in NoticeKind if kind in kinds)
