"""Counting votes: quorum, majorities, conflicts, meetings and bad input (DESIGN.md §4)."""

from fractions import Fraction

import pytest

from juryfund.domain.errors import DomainError
from juryfund.domain.voting import (
    Choice,
    Majority,
    Outcome,
    Tally,
    VotingRule,
    tally,
    validate_rule,
)

pytestmark = pytest.mark.domain

Y, N, A = Choice.YES, Choice.NO, Choice.ABSTAIN


def body(size: int) -> list[str]:
    """Member ids m01, m02, ... for a body of ``size`` members."""
    return [f"m{i:02d}" for i in range(1, size + 1)]


def ballots(members: list[str], *choices: Choice) -> dict[str, Choice]:
    """Give the first members the choices in order; the rest do not vote."""
    return dict(zip(members, choices, strict=False))


# --- quorum ----------------------------------------------------------------------------------

QUORUM_CASES = [
    # (size, conflicted, rule, expected quorum_needed)
    pytest.param(7, 0, VotingRule(), 4, id="7-strict-half"),
    pytest.param(7, 0, VotingRule(quorum_strict=False), 4, id="7-at-least-half"),
    pytest.param(8, 0, VotingRule(), 5, id="8-strict-half"),
    pytest.param(8, 0, VotingRule(quorum_strict=False), 4, id="8-at-least-half"),
    pytest.param(3, 0, VotingRule(), 3, id="3-minimum-dominates"),
    pytest.param(4, 0, VotingRule(), 3, id="4-strict-half-is-3"),
    pytest.param(5, 0, VotingRule(quorum_strict=False), 3, id="5-minimum-equals-share"),
    pytest.param(7, 2, VotingRule(), 3, id="7-two-conflicted-eligible-5"),
    pytest.param(7, 1, VotingRule(), 4, id="7-one-conflicted-eligible-6"),
    pytest.param(9, 3, VotingRule(quorum_strict=False), 3, id="9-three-conflicted-at-least"),
    pytest.param(15, 0, VotingRule(quorum=Fraction(2, 3)), 11, id="15-more-than-two-thirds"),
    pytest.param(
        15,
        0,
        VotingRule(quorum=Fraction(2, 3), quorum_strict=False),
        10,
        id="15-at-least-two-thirds",
    ),
    pytest.param(
        15,
        1,
        VotingRule(quorum=Fraction(2, 3), quorum_strict=False),
        10,
        id="15-one-conflicted-at-least-two-thirds",
    ),
    pytest.param(30, 0, VotingRule(quorum=Fraction(1, 1), quorum_strict=False), 30, id="30-all"),
    pytest.param(7, 0, VotingRule(quorum_minimum=1), 4, id="7-minimum-1"),
    pytest.param(1, 0, VotingRule(quorum_minimum=1), 1, id="1-member-minimum-1"),
]

# Bodies too small (after conflicts) to ever reach their quorum.
UNREACHABLE_QUORUM_CASES = [
    pytest.param(2, 0, VotingRule(), 3, id="2-minimum-above-body"),
    pytest.param(3, 1, VotingRule(), 3, id="3-one-conflicted"),
    pytest.param(7, 7, VotingRule(), 3, id="7-all-conflicted"),
]


@pytest.mark.parametrize(("size", "conflicts", "rule", "needed"), QUORUM_CASES)
def test_tally_quorum_exactly_met_is_quorate(size, conflicts, rule, needed):
    members = body(size)
    conflicted = set(members[size - conflicts :]) if conflicts else set()
    eligible = [m for m in members if m not in conflicted]
    voters = eligible[:needed]
    result = tally(
        members=members, votes=dict.fromkeys(voters, Y), conflicted=conflicted, rule=rule
    )
    assert result.quorum_needed == needed
    assert result.eligible == size - conflicts
    assert result.participating == needed
    assert result.quorate is True


@pytest.mark.parametrize(
    ("size", "conflicts", "rule", "needed"), QUORUM_CASES + UNREACHABLE_QUORUM_CASES
)
def test_tally_quorum_one_short_has_no_quorum(size, conflicts, rule, needed):
    members = body(size)
    conflicted = set(members[size - conflicts :]) if conflicts else set()
    eligible = [m for m in members if m not in conflicted]
    voters = eligible[: needed - 1]
    result = tally(
        members=members, votes=dict.fromkeys(voters, Y), conflicted=conflicted, rule=rule
    )
    assert result.quorum_needed == needed
    assert result.quorate is False
    assert result.outcome == Outcome.NO_QUORUM


@pytest.mark.parametrize(("size", "conflicts", "rule", "needed"), UNREACHABLE_QUORUM_CASES)
def test_tally_quorum_above_eligible_never_quorate(size, conflicts, rule, needed):
    members = body(size)
    conflicted = set(members[size - conflicts :]) if conflicts else set()
    eligible = [m for m in members if m not in conflicted]
    result = tally(
        members=members, votes=dict.fromkeys(eligible, Y), conflicted=conflicted, rule=rule
    )
    assert result.quorum_needed == needed
    assert result.outcome == Outcome.NO_QUORUM


def test_tally_no_quorum_reports_the_votes_cast():
    members = body(7)
    result = tally(members=members, votes=ballots(members, Y, Y, N))
    assert result == Tally(
        eligible=7,
        participating=3,
        quorum_needed=4,
        quorate=False,
        yes=2,
        no=1,
        abstain=0,
        outcome=Outcome.NO_QUORUM,
    )


def test_tally_abstentions_count_for_quorum_in_circulation():
    members = body(7)
    result = tally(members=members, votes=ballots(members, Y, A, A, A))
    assert result.participating == 4
    assert result.quorate is True
    assert result.outcome == Outcome.APPROVED


@pytest.mark.parametrize(
    "quorum",
    [
        pytest.param(0.5, id="float-half"),
        pytest.param("1/2", id="str-half"),
        pytest.param(Fraction(1, 2), id="fraction-half"),
    ],
)
def test_voting_rule_quorum_normalised_to_fraction(quorum):
    assert VotingRule(quorum=quorum).quorum == Fraction(1, 2)


def test_voting_rule_float_two_thirds_keeps_exact_boundary():
    # 2/3 as a float is slightly less than 2/3; it must still need 11 of 15 ("more than").
    rule = VotingRule(quorum=2 / 3)
    assert rule.quorum == Fraction(2, 3)
    members = body(15)
    assert tally(members=members, votes=dict.fromkeys(members[:10], Y), rule=rule).quorate is False


def test_voting_rule_majority_string_normalised():
    assert VotingRule(majority="two_thirds").majority is Majority.TWO_THIRDS


# --- majorities ------------------------------------------------------------------------------

MAJORITY_CASES = [
    # (majority, abstain_counts_as_no, choices of a 7-member body, outcome)
    pytest.param(Majority.SIMPLE, False, (Y, Y, Y, N), Outcome.APPROVED, id="simple-3-1"),
    pytest.param(Majority.SIMPLE, False, (Y, N, N, A), Outcome.REJECTED, id="simple-1-2"),
    pytest.param(Majority.SIMPLE, False, (Y, A, A, A), Outcome.APPROVED, id="simple-1-0-abst"),
    pytest.param(Majority.SIMPLE, False, (A, A, A, A), Outcome.REJECTED, id="simple-all-abstain"),
    pytest.param(Majority.SIMPLE, False, (Y, Y, N, N), Outcome.REJECTED, id="simple-tie"),
    pytest.param(
        Majority.SIMPLE,
        True,
        (Y, Y, Y, N, N, A),
        Outcome.REJECTED,
        id="simple-abstain-as-no-makes-tie",
    ),
    pytest.param(
        Majority.SIMPLE, False, (Y, Y, Y, N, N, A), Outcome.APPROVED, id="simple-abstain-ignored"
    ),
    pytest.param(
        Majority.SIMPLE,
        True,
        (Y, Y, Y, N, A),
        Outcome.APPROVED,
        id="simple-abstain-as-no-still-more-yes",
    ),
    pytest.param(Majority.TWO_THIRDS, False, (Y, Y, N, A), Outcome.APPROVED, id="two-thirds-2-1"),
    pytest.param(
        Majority.TWO_THIRDS, False, (Y, Y, Y, N, N), Outcome.REJECTED, id="two-thirds-3-2"
    ),
    pytest.param(
        Majority.TWO_THIRDS, False, (Y, Y, Y, Y, N, N), Outcome.APPROVED, id="two-thirds-4-2"
    ),
    pytest.param(Majority.TWO_THIRDS, False, (Y, A, A, A), Outcome.APPROVED, id="two-thirds-1-0"),
    pytest.param(
        Majority.TWO_THIRDS, False, (A, A, A, A), Outcome.REJECTED, id="two-thirds-all-abstain"
    ),
    pytest.param(
        Majority.TWO_THIRDS, True, (Y, Y, N, A), Outcome.REJECTED, id="two-thirds-abstain-as-no"
    ),
    pytest.param(
        Majority.ABSOLUTE,
        False,
        (Y, Y, Y, A),
        Outcome.REJECTED,
        id="absolute-3-of-7-fails-though-simple-passes",
    ),
    pytest.param(Majority.ABSOLUTE, False, (Y, Y, Y, Y), Outcome.APPROVED, id="absolute-4-of-7"),
    pytest.param(
        Majority.ABSOLUTE, False, (Y, Y, Y, Y, N, N, N), Outcome.APPROVED, id="absolute-4-3"
    ),
    pytest.param(Majority.UNANIMOUS, False, (Y, Y, Y, Y), Outcome.APPROVED, id="unanimous-all-yes"),
    pytest.param(
        Majority.UNANIMOUS, False, (Y, Y, Y, A), Outcome.APPROVED, id="unanimous-abstention-allowed"
    ),
    pytest.param(
        Majority.UNANIMOUS, True, (Y, Y, Y, A), Outcome.REJECTED, id="unanimous-abstain-as-no"
    ),
    pytest.param(Majority.UNANIMOUS, False, (Y, Y, Y, N), Outcome.REJECTED, id="unanimous-one-no"),
    pytest.param(
        Majority.UNANIMOUS, False, (A, A, A, A), Outcome.REJECTED, id="unanimous-all-abstain"
    ),
]


@pytest.mark.parametrize(("majority", "abstain_as_no", "choices", "outcome"), MAJORITY_CASES)
def test_tally_majority_decides(majority, abstain_as_no, choices, outcome):
    members = body(7)
    rule = VotingRule(majority=majority, abstain_counts_as_no=abstain_as_no)
    result = tally(members=members, votes=ballots(members, *choices), rule=rule)
    assert result.quorate is True
    assert result.outcome == outcome


def test_tally_abstain_counts_as_no_keeps_counts_as_cast():
    members = body(7)
    rule = VotingRule(abstain_counts_as_no=True)
    result = tally(members=members, votes=ballots(members, Y, Y, Y, N, N, A), rule=rule)
    assert (result.yes, result.no, result.abstain) == (3, 2, 1)
    assert result.outcome == Outcome.REJECTED


def test_tally_absolute_majority_counts_against_eligible_not_present():
    members = body(8)
    rule = VotingRule(majority=Majority.ABSOLUTE)
    # 4 of 8 is not more than half; 2 conflicted make it 4 of 6.
    assert tally(members=members, votes=ballots(members, Y, Y, Y, Y, N), rule=rule).outcome == (
        Outcome.REJECTED
    )
    result = tally(
        members=members,
        votes=ballots(members, Y, Y, Y, Y),
        conflicted={"m07", "m08"},
        rule=rule,
    )
    assert result.outcome == Outcome.APPROVED


# --- ties and the tie breaker ----------------------------------------------------------------

TIE_CASES = [
    # (tie_breaker, conflicted, choices of m01.. (m01 is the chair), outcome)
    pytest.param(None, set(), (Y, N, Y, N), Outcome.REJECTED, id="no-tie-breaker"),
    pytest.param("m01", set(), (Y, N, Y, N), Outcome.APPROVED, id="chair-voted-yes"),
    pytest.param("m01", set(), (N, Y, N, Y), Outcome.REJECTED, id="chair-voted-no"),
    pytest.param("m01", set(), (A, Y, N, A), Outcome.REJECTED, id="chair-abstained"),
    pytest.param("m07", set(), (Y, N, Y, N), Outcome.REJECTED, id="chair-did-not-vote"),
    pytest.param("m01", {"m01"}, (None, Y, N, Y, N), Outcome.REJECTED, id="chair-conflicted"),
    pytest.param("nobody", set(), (Y, N, Y, N), Outcome.REJECTED, id="chair-not-a-member"),
    pytest.param("m01", set(), (A, A, A, A), Outcome.REJECTED, id="zero-zero-is-no-tie"),
    pytest.param("m01", set(), (Y, Y, N, A), Outcome.APPROVED, id="no-tie-chair-irrelevant"),
    pytest.param("m01", set(), (N, Y, Y, A), Outcome.APPROVED, id="no-tie-chair-outvoted"),
]


@pytest.mark.parametrize(("tie_breaker", "conflicted", "choices", "outcome"), TIE_CASES)
def test_tally_tie_breaker(tie_breaker, conflicted, choices, outcome):
    members = body(7)
    votes = {m: c for m, c in zip(members, choices, strict=False) if c is not None}
    rule = VotingRule(tie_breaker=tie_breaker)
    result = tally(members=members, votes=votes, conflicted=conflicted, rule=rule)
    assert result.quorate is True
    assert result.outcome == outcome


def test_tally_tie_breaker_with_abstain_as_no_breaks_the_resulting_tie():
    members = body(7)
    rule = VotingRule(abstain_counts_as_no=True, tie_breaker="m01")
    result = tally(members=members, votes=ballots(members, Y, Y, N, A), rule=rule)
    assert result.outcome == Outcome.APPROVED


def test_tally_tie_breaker_ignored_for_two_thirds():
    members = body(7)
    rule = VotingRule(majority=Majority.TWO_THIRDS, tie_breaker="m01")
    result = tally(members=members, votes=ballots(members, Y, N, Y, N), rule=rule)
    assert result.outcome == Outcome.REJECTED


# --- meetings --------------------------------------------------------------------------------


def test_tally_meeting_present_without_vote_abstains():
    members = body(7)
    present = {"m01", "m02", "m03", "m04"}
    result = tally(members=members, votes={"m01": Y, "m02": Y, "m03": N}, present=present)
    assert result == Tally(
        eligible=7,
        participating=4,
        quorum_needed=4,
        quorate=True,
        yes=2,
        no=1,
        abstain=1,
        outcome=Outcome.APPROVED,
    )


def test_tally_meeting_silent_abstention_counts_as_no_when_rule_says_so():
    members = body(7)
    present = {"m01", "m02", "m03", "m04"}
    rule = VotingRule(abstain_counts_as_no=True)
    result = tally(
        members=members, votes={"m01": Y, "m02": Y, "m03": N}, present=present, rule=rule
    )
    assert result.outcome == Outcome.REJECTED
    assert result.abstain == 1


def test_tally_meeting_quorum_counts_presence_not_votes():
    members = body(7)
    result = tally(members=members, votes={}, present=set(members[:4]))
    assert (result.participating, result.quorate, result.abstain) == (4, True, 4)
    assert result.outcome == Outcome.REJECTED


def test_tally_meeting_too_few_present_has_no_quorum():
    members = body(7)
    result = tally(members=members, votes={"m01": Y, "m02": Y, "m03": Y}, present=members[:3])
    assert result.outcome == Outcome.NO_QUORUM


def test_tally_meeting_present_conflicted_member_does_not_count():
    members = body(7)
    present = {"m01", "m02", "m03", "m04"}
    result = tally(
        members=members,
        votes={"m01": Y, "m02": Y, "m03": N},
        conflicted={"m04"},
        present=present,
    )
    # eligible 6 -> more than 3 -> 4 needed, only 3 eligible present.
    assert (result.eligible, result.participating, result.quorum_needed) == (6, 3, 4)
    assert result.outcome == Outcome.NO_QUORUM


def test_tally_fifteen_member_council_two_thirds_quorum_and_majority():
    members = body(15)
    rule = VotingRule(quorum=Fraction(2, 3), quorum_strict=False, majority=Majority.TWO_THIRDS)
    present = members[:10]
    votes = ballots(members, Y, Y, Y, Y, Y, Y, N, N, N, A)
    result = tally(members=members, votes=votes, present=present, rule=rule)
    assert result == Tally(
        eligible=15,
        participating=10,
        quorum_needed=10,
        quorate=True,
        yes=6,
        no=3,
        abstain=1,
        outcome=Outcome.APPROVED,
    )
    nine = members[:9]
    short = tally(members=members, votes={m: votes[m] for m in nine}, present=nine, rule=rule)
    assert short.outcome == Outcome.NO_QUORUM


def test_tally_accepts_plain_strings_and_iterables():
    result = tally(
        members=iter(["a", "b", "c", "d"]),
        votes={"a": "yes", "b": "yes", "c": "no"},
        conflicted=["d"],
    )
    assert result == Tally(
        eligible=3,
        participating=3,
        quorum_needed=3,
        quorate=True,
        yes=2,
        no=1,
        abstain=0,
        outcome=Outcome.APPROVED,
    )
    assert isinstance(result.outcome, Outcome)


# --- refused input ---------------------------------------------------------------------------

BAD_INPUT = [
    pytest.param({"votes": {"x": Y}}, id="vote-by-non-member"),
    pytest.param({"votes": {"a": Y}, "conflicted": {"a"}}, id="vote-by-conflicted"),
    pytest.param({"votes": {}, "conflicted": {"x"}}, id="conflicted-non-member"),
    pytest.param({"votes": {}, "present": {"a", "x"}}, id="present-non-member"),
    pytest.param({"votes": {"a": Y, "d": Y}, "present": {"a", "b", "c"}}, id="vote-by-absent"),
    pytest.param({"votes": {"a": "maybe"}}, id="unknown-choice"),
]


@pytest.mark.parametrize("kwargs", BAD_INPUT)
def test_tally_inconsistent_input_raises_value_error(kwargs):
    with pytest.raises(ValueError):
        tally(members={"a", "b", "c", "d"}, **kwargs)


@pytest.mark.parametrize("argument", ["members", "conflicted", "present"])
def test_tally_single_string_instead_of_set_raises_type_error(argument):
    kwargs = {"members": {"a", "b", "c"}, "votes": {}, argument: "abc"}
    with pytest.raises(TypeError):
        tally(**kwargs)


# --- validate_rule ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param(VotingRule(), id="default"),
        pytest.param(VotingRule(quorum=Fraction(1, 1), quorum_minimum=1), id="all-minimum-1"),
        pytest.param(VotingRule(tie_breaker="m01"), id="tie-breaker-simple"),
        pytest.param(
            VotingRule(quorum=Fraction(2, 3), majority=Majority.TWO_THIRDS), id="two-thirds"
        ),
    ],
)
def test_validate_rule_accepts_sensible_rules(rule):
    assert validate_rule(rule, members=body(7)) is None


@pytest.mark.parametrize(
    ("rule", "reason", "field"),
    [
        pytest.param(VotingRule(quorum=Fraction(0)), "rule.quorum_range", "quorum", id="zero"),
        pytest.param(
            VotingRule(quorum=Fraction(-1, 2)), "rule.quorum_range", "quorum", id="negative"
        ),
        pytest.param(
            VotingRule(quorum=Fraction(3, 2)), "rule.quorum_range", "quorum", id="above-one"
        ),
        pytest.param(
            VotingRule(quorum_minimum=0), "rule.quorum_minimum", "quorum_minimum", id="minimum-zero"
        ),
        pytest.param(
            VotingRule(quorum_minimum=-3),
            "rule.quorum_minimum",
            "quorum_minimum",
            id="minimum-negative",
        ),
        pytest.param(
            VotingRule(majority=Majority.ABSOLUTE, tie_breaker="m01"),
            "rule.tie_breaker_majority",
            "tie_breaker",
            id="tie-breaker-absolute",
        ),
        pytest.param(
            VotingRule(tie_breaker="x"),
            "rule.tie_breaker_not_member",
            "tie_breaker",
            id="tie-breaker-not-member",
        ),
    ],
)
def test_validate_rule_refuses(rule, reason, field):
    with pytest.raises(DomainError) as caught:
        validate_rule(rule, members=body(7))
    assert caught.value.reason == reason
    assert caught.value.field == field
