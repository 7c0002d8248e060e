"""Counting the votes of a jury or council on one agenda item (DESIGN.md §4, a stable interface).

Defaults follow §§ 90-91 VwVfG and QM practice: more than half of the eligible members take part,
at least three; a simple majority of the votes cast decides; abstentions are not counted; a tie
rejects. Each body stores its own :class:`VotingRule`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from .errors import DomainError

__all__ = [
    "Choice",
    "Majority",
    "Outcome",
    "Tally",
    "VotingRule",
    "tally",
    "validate_rule",
]


class Choice(StrEnum):
    """What one member voted on one item."""

    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class Outcome(StrEnum):
    """The result of counting one item."""

    APPROVED = "approved"
    REJECTED = "rejected"
    NO_QUORUM = "no_quorum"


class Majority(StrEnum):
    """Which majority approves an item."""

    SIMPLE = "simple"
    TWO_THIRDS = "two_thirds"
    ABSOLUTE = "absolute"
    UNANIMOUS = "unanimous"


# A float quorum such as 2/3 is not exact; snapping it to the nearest ratio with a small
# denominator recovers what the person meant (0.6666… -> 2/3) instead of silently shifting a
# boundary by one member. No body has a quorum that needs a larger denominator.
_FLOAT_QUORUM_DENOMINATOR = 1000


@dataclass(frozen=True)
class VotingRule:
    """The quorum and majority rule a body decides by."""

    quorum: Fraction = Fraction(1, 2)  # share of eligible members who must take part
    quorum_strict: bool = True  # True: more than that share; False: at least that share
    quorum_minimum: int = 3  # never fewer participants than this
    majority: Majority = Majority.SIMPLE
    abstain_counts_as_no: bool = False
    tie_breaker: str | None = None  # member id of a chair whose vote decides a SIMPLE tie

    def __post_init__(self) -> None:
        # Rules come back from the database and forms as str/Decimal/float; normalise them here so
        # the arithmetic in tally() is always exact and the majority always a Majority.
        quorum = self.quorum
        if isinstance(quorum, bool):
            raise TypeError("quorum must be a number, not a bool")
        if isinstance(quorum, float):
            quorum = Fraction(quorum).limit_denominator(_FLOAT_QUORUM_DENOMINATOR)
        elif not isinstance(quorum, Fraction):
            quorum = Fraction(quorum)  # exact for int, Decimal and str such as "2/3" or "0.5"
        object.__setattr__(self, "quorum", quorum)
        object.__setattr__(self, "majority", Majority(self.majority))


@dataclass(frozen=True)
class Tally:
    """The counted result of one item, with everything the minutes need to show."""

    eligible: int
    participating: int
    quorum_needed: int
    quorate: bool
    yes: int
    no: int
    abstain: int
    outcome: Outcome


def validate_rule(rule: VotingRule, *, members: Iterable[str] | None = None) -> None:
    """Refuse a rule a body cannot sensibly use; raises DomainError naming the offending field.

    ``tally`` does not call this: it counts by whatever rule it is given, because a stored rule
    must still produce a result. This is for the form where staff set up a body. A tie breaker
    with a majority other than SIMPLE is refused ("rule.tie_breaker_majority") because it would
    have no effect and staff would believe it does. With ``members`` given, the tie breaker must
    be one of them.
    """
    if not 0 < rule.quorum <= 1:
        raise DomainError("rule.quorum_range", field="quorum", quorum=str(rule.quorum))
    if (
        isinstance(rule.quorum_minimum, bool)
        or not isinstance(rule.quorum_minimum, int)
        or rule.quorum_minimum < 1
    ):
        raise DomainError(
            "rule.quorum_minimum", field="quorum_minimum", quorum_minimum=rule.quorum_minimum
        )
    if rule.tie_breaker is not None:
        if rule.majority is not Majority.SIMPLE:
            raise DomainError(
                "rule.tie_breaker_majority", field="tie_breaker", majority=str(rule.majority)
            )
        if members is not None and rule.tie_breaker not in _as_set(members, "members"):
            raise DomainError(
                "rule.tie_breaker_not_member", field="tie_breaker", tie_breaker=rule.tie_breaker
            )


def tally(
    *,
    members: Iterable[str],
    votes: Mapping[str, Choice | str],
    conflicted: Iterable[str] = frozenset(),
    present: Iterable[str] | None = None,
    rule: VotingRule = VotingRule(),  # noqa: B008 - frozen, so a shared default is safe
    waive_quorum: bool = False,
) -> Tally:
    """Count one item: quorum first, then the majority; raises ValueError on inconsistent input.

    ``waive_quorum`` is § 90 (2) VwVfG: a repeated meeting on the same agenda, announced as
    such in the invitation, is quorate however many attend. It still needs someone to attend:
    quorum_needed is then 1, so an empty room (or one where every member present is excluded
    for a conflict) decides nothing, NO_QUORUM as for any empty meeting, instead of rejecting
    0:0. Whether the waiver is allowed is domain.meetings.check_repeat's question, not the
    count's.
    """
    member_set = _as_set(members, "members")
    conflicted_set = _as_set(conflicted, "conflicted")
    present_set = None if present is None else _as_set(present, "present")

    if not conflicted_set <= member_set:
        raise ValueError(f"conflicted non-members: {sorted(map(str, conflicted_set - member_set))}")
    if present_set is not None and not present_set <= member_set:
        raise ValueError(f"present non-members: {sorted(map(str, present_set - member_set))}")

    cast: dict[str, Choice] = {}
    for member, choice in votes.items():
        if member not in member_set:
            raise ValueError(f"vote by a non-member: {member!r}")
        if member in conflicted_set:
            raise ValueError(f"vote by a conflicted member: {member!r}")
        if present_set is not None and member not in present_set:
            raise ValueError(f"vote by a member who is not present: {member!r}")
        cast[member] = Choice(choice)  # raises ValueError for anything but yes/no/abstain

    eligible_set = member_set - conflicted_set
    eligible = len(eligible_set)
    yes = sum(1 for choice in cast.values() if choice is Choice.YES)
    no = sum(1 for choice in cast.values() if choice is Choice.NO)
    abstain = sum(1 for choice in cast.values() if choice is Choice.ABSTAIN)

    if present_set is None:
        # Circulation: taking part means sending a ballot, an abstention included.
        participating = len(cast)
    else:
        # Meeting: being in the room counts for the quorum, and a present member who says
        # nothing has abstained (the minutes record them as abstaining, not as absent).
        present_eligible = present_set & eligible_set
        participating = len(present_eligible)
        abstain += len(present_eligible - cast.keys())

    # A waived quorum is waived down to one participant, never to none: § 90 (2) makes a body
    # quorate whatever the number present, it does not let nobody decide.
    quorum_needed = (
        1 if waive_quorum else max(rule.quorum_minimum, _smallest_quorum(rule, eligible))
    )
    quorate = participating >= quorum_needed
    if not quorate:
        outcome = Outcome.NO_QUORUM
    else:
        # abstain_counts_as_no only changes the decision; the returned counts stay as cast.
        no_for_decision = no + abstain if rule.abstain_counts_as_no else no
        approved = _approves(rule, eligible_set, cast, yes, no_for_decision, eligible)
        outcome = Outcome.APPROVED if approved else Outcome.REJECTED

    return Tally(
        eligible=eligible,
        participating=participating,
        quorum_needed=quorum_needed,
        quorate=quorate,
        yes=yes,
        no=no,
        abstain=abstain,
        outcome=outcome,
    )


def _as_set(values: Iterable[str], name: str) -> frozenset[str]:
    # A bare string is iterable too and would silently become a set of characters.
    if isinstance(values, str | bytes):
        raise TypeError(f"{name} must be a collection of member ids, not a single string")
    return values if isinstance(values, frozenset) else frozenset(values)


def _smallest_quorum(rule: VotingRule, eligible: int) -> int:
    # Exact Fraction arithmetic: 2/3 of 15 is exactly 10, so "more than" needs 11, "at least" 10.
    share = Fraction(rule.quorum) * eligible
    floor = share.numerator // share.denominator
    if rule.quorum_strict:
        return floor + 1
    return floor if floor == share else floor + 1


def _approves(
    rule: VotingRule,
    eligible_set: Collection[str],
    cast: Mapping[str, Choice],
    yes: int,
    no: int,
    eligible: int,
) -> bool:
    match rule.majority:
        case Majority.SIMPLE:
            if yes != no:
                return yes > no
            if yes == 0:
                return False  # nobody voted yes or no: nothing to break a tie over
            chair = rule.tie_breaker
            if chair is not None and chair in eligible_set:
                chair_vote = cast.get(chair)
                if chair_vote is Choice.YES:
                    return True
                if chair_vote is Choice.NO:
                    return False
            return False  # a tie nobody may break rejects
        case Majority.TWO_THIRDS:
            return yes > 0 and 3 * yes >= 2 * (yes + no)
        case Majority.ABSOLUTE:
            return 2 * yes > eligible
        case Majority.UNANIMOUS:
            return yes >= 1 and no == 0
    raise AssertionError(f"unhandled majority {rule.majority!r}")  # pragma: no cover
