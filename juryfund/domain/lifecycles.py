"""The lifecycles of a round and of a proof of use: states, allowed moves, and who may act.

Applications have theirs in states.py; these follow the same pattern: an enum, a read-only
transition table and one `move` that refuses any other step with a stable reason code.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from types import MappingProxyType

from .errors import DomainError

__all__ = [
    "PROOF_EDITABLE",
    "PROOF_TRANSITIONS",
    "ROUND_TRANSITIONS",
    "ProofState",
    "STORY_TRANSITIONS",
    "RoundState",
    "StoryState",
    "access_refusal",
    "ballot_refusal",
    "move_proof",
    "move_round",
    "move_story",
    "term_over",
]


class RoundState(StrEnum):
    """Where a voting round stands: prepared, open for votes, decided, or sent to a meeting."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    DEFERRED = "deferred"  # a member objected to deciding in writing (§ 90 (1) VwVfG)


ROUND_TRANSITIONS: Mapping[RoundState, frozenset[RoundState]] = MappingProxyType(
    {
        RoundState.DRAFT: frozenset({RoundState.OPEN}),
        RoundState.OPEN: frozenset({RoundState.CLOSED, RoundState.DEFERRED}),
        RoundState.CLOSED: frozenset(),
        RoundState.DEFERRED: frozenset(),
    }
)


class ProofState(StrEnum):
    """Where a proof of use (Verwendungsnachweis) stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    CHANGES_REQUESTED = "changes_requested"
    ACCEPTED = "accepted"


PROOF_TRANSITIONS: Mapping[ProofState, frozenset[ProofState]] = MappingProxyType(
    {
        ProofState.DRAFT: frozenset({ProofState.SUBMITTED}),
        ProofState.CHANGES_REQUESTED: frozenset({ProofState.SUBMITTED}),
        ProofState.SUBMITTED: frozenset({ProofState.CHANGES_REQUESTED, ProofState.ACCEPTED}),
        ProofState.ACCEPTED: frozenset(),
    }
)

#: States in which the applicant may still change the report, the receipts and the files.
PROOF_EDITABLE: frozenset[ProofState] = frozenset(
    state for state, exits in PROOF_TRANSITIONS.items() if ProofState.SUBMITTED in exits
)


class StoryState(StrEnum):
    """Where a project story (report and photos for the public project page) stands.

    Every saved version waits for staff's approval; the public page shows only the version
    approved last. Withdrawing the consent to publish takes the approved version off.
    """

    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    WITHDRAWN = "withdrawn"


STORY_TRANSITIONS: Mapping[StoryState, frozenset[StoryState]] = MappingProxyType(
    {
        # An edit while waiting stays waiting; approving or sending back ends the wait.
        StoryState.SUBMITTED: frozenset(
            {StoryState.SUBMITTED, StoryState.APPROVED, StoryState.RETURNED, StoryState.WITHDRAWN}
        ),
        StoryState.APPROVED: frozenset({StoryState.SUBMITTED, StoryState.WITHDRAWN}),
        StoryState.RETURNED: frozenset({StoryState.SUBMITTED, StoryState.WITHDRAWN}),
        StoryState.WITHDRAWN: frozenset({StoryState.SUBMITTED}),
    }
)


def move_story(current: StoryState | str, target: StoryState | str) -> StoryState:
    """Return ``target`` if a story may move there now; else DomainError "story.not_waiting"."""
    target = StoryState(target)
    if target in STORY_TRANSITIONS[StoryState(current)]:
        return target
    raise DomainError("story.not_waiting")


class PaymentRequestState(StrEnum):
    """Where a payment request (Zahlungsabruf) stands."""

    REQUESTED = "requested"
    APPROVED = "approved"
    PAID = "paid"
    REFUSED = "refused"


PAYMENT_REQUEST_TRANSITIONS: Mapping[PaymentRequestState, frozenset[PaymentRequestState]] = (
    MappingProxyType(
        {
            PaymentRequestState.REQUESTED: frozenset(
                {PaymentRequestState.APPROVED, PaymentRequestState.REFUSED}
            ),
            PaymentRequestState.APPROVED: frozenset(
                {PaymentRequestState.PAID, PaymentRequestState.REFUSED}
            ),
            PaymentRequestState.PAID: frozenset(),
            PaymentRequestState.REFUSED: frozenset(),
        }
    )
)


def move_payment_request(
    current: PaymentRequestState | str, target: PaymentRequestState | str
) -> PaymentRequestState:
    """Return ``target`` if a payment request may move there now; else DomainError
    "payment.already_<state>" naming the state it is in (e.g. "payment.already_paid")."""
    target = PaymentRequestState(target)
    current = PaymentRequestState(current)
    if target in PAYMENT_REQUEST_TRANSITIONS[current]:
        return target
    raise DomainError(f"payment.already_{current.value}")


def move_round(current: RoundState | str, target: RoundState | str) -> RoundState:
    """Return ``target`` if a round may move there now; else DomainError("round.not_<from>")
    naming the state the round would have to be in (e.g. "round.not_open" for a close)."""
    target = RoundState(target)
    if target in ROUND_TRANSITIONS[RoundState(current)]:
        return target
    sources = [state for state, exits in ROUND_TRANSITIONS.items() if target in exits]
    # Every reachable state has one way in; a move back to draft has none at all.
    raise DomainError(f"round.not_{sources[0].value}" if sources else "round.not_open")


def move_proof(current: ProofState | str, target: ProofState | str) -> ProofState:
    """Return ``target`` if a proof may move there now; else DomainError: "proof.not_editable"
    for sending one that is already sent, "proof.not_submitted" for reviewing one not sent."""
    target = ProofState(target)
    if target in PROOF_TRANSITIONS[ProofState(current)]:
        return target
    raise DomainError(
        "proof.not_editable" if target is ProofState.SUBMITTED else "proof.not_submitted"
    )


def ballot_refusal(
    *,
    state: RoundState | str,
    mode: str,
    deadline: datetime | None,
    now: datetime,
    revoked: bool,
    same_round: bool = True,
) -> str | None:
    """Why a member may not change their vote or conflict on an item now, or None if they may.

    The one answer to "may this participant act on this item now", asked by the ballot page
    (to offer the forms) and by every service that changes a position: only on the round's own
    items, only while it is open and, in writing, before its deadline (after it nothing
    changes, even before `tick` has closed the round), and only with access not revoked.
    """
    if not same_round:
        return "ballot.wrong_round"
    if RoundState(state) is not RoundState.OPEN or (
        mode == "circulation" and deadline is not None and now >= deadline
    ):
        return "ballot.round_closed"
    if revoked:
        return "ballot.no_access"
    return None


def seats_refusal(
    state: RoundState | str, mode: str, deadline: datetime | None, now: datetime
) -> str | None:
    """Why who takes part in a round (members added, deputies named or withdrawn) may not
    change now, or None: only while it is open and, in writing, before its deadline; after
    it, closing counts the round as it stood at the deadline."""
    if RoundState(state) is not RoundState.OPEN:
        return "round.not_open"
    if mode == "circulation" and deadline is not None and now >= deadline:
        return "round.deadline_passed"
    return None


def vote_ended_at(
    *,
    mode: str,
    deadline: datetime | None,
    closed_at: datetime | None,
    meeting_at: datetime | None,
    began_at: datetime | None,
) -> datetime | None:
    """When a round's vote ends or ended: a written round's deadline (or its close before it),
    a meeting's start (as recorded, else as invited). Who is on the body is judged then: staff
    type in a meeting's votes days later, and a member who left since still voted in the room."""
    if mode == "meeting":
        return began_at or meeting_at
    if deadline is None:
        return None
    return min(deadline, closed_at) if closed_at is not None else deadline


def within_term(day: date, term_start: date, term_end: date | None) -> bool:
    """Whether a member's term covers the day (the last day of a term is still in it)."""
    return term_start <= day and (term_end is None or day <= term_end)


#: How long after a round's deadline (or meeting) its ballot links still open the ballot:
#: the member can read what was decided, and no vote is taken any more (ballot_refusal).
LINK_GRACE = timedelta(days=2)


def term_over(day: date, term_end: date | None) -> bool:
    """Whether a member's term ended before the day (its last day is still in it)."""
    return term_end is not None and day > term_end


def access_refusal(
    *,
    revoked: bool,
    removed: bool,
    state: RoundState | str,
    due: datetime | None,
    now: datetime,
    member_day: date,
    term_end: date | None,
) -> str | None:
    """Why a ballot link (or a session opened with one) does not open the ballot now, or None.

    The one answer for every ballot request: a revoked grant, a member taken off the body or
    whose term ended by `member_day` (the area's day of the moment whose membership counts,
    as for a vote: services.ballots.membership_as_of), a round not opened yet, or a link past
    the deadline (or meeting) plus LINK_GRACE. A term not begun yet still opens the ballot:
    a member invited to a meeting on their first day reads the dossiers before it.
    """
    if revoked or removed:
        return "revoked"
    if term_over(member_day, term_end):
        return "term over"
    if due is not None and now > due + LINK_GRACE:
        return "expired"
    if RoundState(state) is RoundState.DRAFT:
        return "round not open"
    return None
