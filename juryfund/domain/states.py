"""The states of an application and the allowed moves between them (DESIGN.md §3)."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

from .errors import DomainError, InvalidTransition

__all__ = [
    "APPLICANT_EDITABLE",
    "FINAL",
    "TRANSITIONS",
    "WITHDRAWABLE",
    "State",
    "move",
]


class State(StrEnum):
    """Where an application stands in its life from submission to settlement."""

    SUBMITTED = "submitted"
    RETURNED = "returned"
    INELIGIBLE = "ineligible"
    READY = "ready"
    SCHEDULED = "scheduled"
    APPROVED = "approved"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    SETTLED = "settled"
    CANCELLED = "cancelled"


# Read-only so no caller can widen the rules at run time; the table is the single source of truth.
TRANSITIONS: Mapping[State, frozenset[State]] = MappingProxyType(
    {
        State.SUBMITTED: frozenset(
            {State.RETURNED, State.INELIGIBLE, State.READY, State.WITHDRAWN}
        ),
        State.RETURNED: frozenset({State.SUBMITTED, State.WITHDRAWN}),
        State.READY: frozenset({State.SCHEDULED, State.RETURNED, State.WITHDRAWN}),
        # scheduled -> ready: deferred for lack of quorum, or taken off the agenda.
        State.SCHEDULED: frozenset({State.APPROVED, State.REJECTED, State.READY, State.WITHDRAWN}),
        State.APPROVED: frozenset({State.SETTLED, State.CANCELLED}),
        State.INELIGIBLE: frozenset(),
        State.REJECTED: frozenset(),
        State.WITHDRAWN: frozenset(),
        State.SETTLED: frozenset(),
        State.CANCELLED: frozenset(),
    }
)

#: States with no way out.
FINAL: frozenset[State] = frozenset(state for state, exits in TRANSITIONS.items() if not exits)

#: States in which the applicant may still change the application.
APPLICANT_EDITABLE: frozenset[State] = frozenset({State.SUBMITTED, State.RETURNED})

#: States from which the applicant may withdraw ("until decided").
WITHDRAWABLE: frozenset[State] = frozenset(
    state for state, exits in TRANSITIONS.items() if State.WITHDRAWN in exits
)


def _state(value: State | str) -> State:
    # Values arrive as plain strings from the database and from forms; an unknown one is a
    # refusal the web layer can show, not a crash.
    try:
        return State(value)
    except ValueError:
        raise DomainError("state.unknown", field="state", value=str(value)) from None


def move(current: State | str, target: State | str) -> State:
    """Return ``target`` as a State if the move is allowed; raise InvalidTransition otherwise."""
    current_state, target_state = _state(current), _state(target)
    if target_state not in TRANSITIONS[current_state]:
        raise InvalidTransition(current_state, target_state)
    return target_state
