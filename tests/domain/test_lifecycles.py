"""The lifecycles of rounds and proofs of use, and who may act on a ballot (issue 13 item 2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from juryfund.domain.errors import DomainError
from juryfund.domain.lifecycles import (
    PROOF_EDITABLE,
    PROOF_TRANSITIONS,
    ROUND_TRANSITIONS,
    ProofState,
    RoundState,
    ballot_refusal,
    move_proof,
    move_round,
)

pytestmark = pytest.mark.domain

R, P = RoundState, ProofState
NOW = datetime(2026, 12, 4, 12, tzinfo=UTC)


@pytest.mark.parametrize("current", list(R))
@pytest.mark.parametrize("target", list(R))
def test_a_round_moves_only_as_the_table_says(current, target):
    if target in ROUND_TRANSITIONS[current]:
        assert move_round(current, target) is target
    else:
        with pytest.raises(DomainError) as caught:
            move_round(current, target)
        assert caught.value.reason == ("round.not_draft" if target is R.OPEN else "round.not_open")


def test_round_table_is_draft_open_then_closed_or_deferred():
    assert dict(ROUND_TRANSITIONS) == {
        R.DRAFT: {R.OPEN},
        R.OPEN: {R.CLOSED, R.DEFERRED},
        R.CLOSED: set(),
        R.DEFERRED: set(),
    }
    assert move_round("open", "closed") == "closed"  # plain strings from the database work


@pytest.mark.parametrize(
    ("current", "target", "reason"),
    [
        (P.SUBMITTED, P.SUBMITTED, "proof.not_editable"),
        (P.ACCEPTED, P.SUBMITTED, "proof.not_editable"),
        (P.DRAFT, P.ACCEPTED, "proof.not_submitted"),
        (P.CHANGES_REQUESTED, P.ACCEPTED, "proof.not_submitted"),
        (P.ACCEPTED, P.CHANGES_REQUESTED, "proof.not_submitted"),
    ],
)
def test_a_proof_refuses_steps_out_of_order(current, target, reason):
    with pytest.raises(DomainError) as caught:
        move_proof(current, target)
    assert caught.value.reason == reason


def test_proof_table_and_editable_states():
    assert move_proof(P.DRAFT, P.SUBMITTED) is P.SUBMITTED
    assert move_proof(P.SUBMITTED, P.ACCEPTED) is P.ACCEPTED
    assert PROOF_TRANSITIONS[P.ACCEPTED] == frozenset()
    assert {P.DRAFT, P.CHANGES_REQUESTED} == PROOF_EDITABLE


@pytest.mark.parametrize(
    ("state", "mode", "deadline", "revoked", "same_round", "expected"),
    [
        ("open", "circulation", NOW + timedelta(seconds=1), False, True, None),
        ("open", "circulation", NOW, False, True, "ballot.round_closed"),  # the deadline itself
        ("open", "meeting", None, False, True, None),
        ("closed", "circulation", NOW + timedelta(days=1), False, True, "ballot.round_closed"),
        ("deferred", "circulation", NOW + timedelta(days=1), False, True, "ballot.round_closed"),
        ("draft", "meeting", None, False, True, "ballot.round_closed"),
        ("open", "circulation", NOW + timedelta(days=1), True, True, "ballot.no_access"),
        ("open", "circulation", NOW + timedelta(days=1), False, False, "ballot.wrong_round"),
    ],
)
def test_one_answer_to_may_this_member_act_now(
    state, mode, deadline, revoked, same_round, expected
):
    assert (
        ballot_refusal(
            state=state,
            mode=mode,
            deadline=deadline,
            now=NOW,
            revoked=revoked,
            same_round=same_round,
        )
        == expected
    )
