"""Application states: the transition table of DESIGN.md §3, pair by pair."""

import itertools

import pytest

from juryfund.domain.errors import DomainError, InvalidTransition
from juryfund.domain.states import (
    APPLICANT_EDITABLE,
    FINAL,
    TRANSITIONS,
    WITHDRAWABLE,
    State,
    move,
)

from .helpers import can_move

pytestmark = pytest.mark.domain

S = State

# Written out again on purpose: a test that derived this from TRANSITIONS would prove nothing.
ALLOWED = {
    (S.SUBMITTED, S.RETURNED),
    (S.SUBMITTED, S.INELIGIBLE),
    (S.SUBMITTED, S.READY),
    (S.SUBMITTED, S.WITHDRAWN),
    (S.RETURNED, S.SUBMITTED),
    (S.RETURNED, S.WITHDRAWN),
    (S.READY, S.SCHEDULED),
    (S.READY, S.RETURNED),
    (S.READY, S.WITHDRAWN),
    (S.SCHEDULED, S.APPROVED),
    (S.SCHEDULED, S.REJECTED),
    (S.SCHEDULED, S.READY),
    (S.SCHEDULED, S.WITHDRAWN),
    (S.APPROVED, S.SETTLED),
    (S.APPROVED, S.CANCELLED),
}
ALL_PAIRS = list(itertools.product(State, State))


def pair_id(pair):
    """Readable test id such as 'submitted->ready'."""
    return f"{pair[0]}->{pair[1]}"


@pytest.mark.parametrize("pair", sorted(ALLOWED), ids=pair_id)
def test_move_allowed_pair_returns_target(pair):
    current, target = pair
    assert can_move(current, target) is True
    assert move(current, target) == target


@pytest.mark.parametrize("pair", [p for p in ALL_PAIRS if p not in ALLOWED], ids=pair_id)
def test_move_forbidden_pair_raises_invalid_transition(pair):
    current, target = pair
    assert can_move(current, target) is False
    with pytest.raises(InvalidTransition) as caught:
        move(current, target)
    assert caught.value.reason == "state.invalid_transition"
    assert caught.value.params == {"current": str(current), "target": str(target)}


def test_transitions_table_matches_design():
    assert {(a, b) for a, exits in TRANSITIONS.items() for b in exits} == ALLOWED
    assert set(TRANSITIONS) == set(State)


def test_final_states_have_no_exits():
    assert {S.INELIGIBLE, S.REJECTED, S.WITHDRAWN, S.SETTLED, S.CANCELLED} == FINAL
    assert all(TRANSITIONS[state] == frozenset() for state in FINAL)


def test_withdrawable_states_are_those_before_a_decision():
    assert {S.SUBMITTED, S.RETURNED, S.READY, S.SCHEDULED} == WITHDRAWABLE


def test_applicant_editable_states():
    assert {S.SUBMITTED, S.RETURNED} == APPLICANT_EDITABLE


def test_transitions_table_is_read_only():
    with pytest.raises(TypeError):
        TRANSITIONS[S.REJECTED] = frozenset({S.APPROVED})  # type: ignore[index]


def test_move_accepts_plain_strings():
    result = move("scheduled", "approved")
    assert result is State.APPROVED


def test_move_unknown_state_refused_with_domain_error():
    with pytest.raises(DomainError) as caught:
        move("submitted", "paid")
    assert caught.value.reason == "state.unknown"
    assert not isinstance(caught.value, InvalidTransition)


def test_can_move_unknown_state_is_false():
    assert can_move("limbo", "ready") is False
