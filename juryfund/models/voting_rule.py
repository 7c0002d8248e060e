"""The voting rule stored field by field: the columns, checks and conversions bodies and rounds share."""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from ..domain.voting import Majority, VotingRule
from .base import one_of

MAJORITIES = tuple(m.value for m in Majority)


class VotingRuleColumns:
    """Mixin for a table that stores a VotingRule (DESIGN.md §4): a body's rule, a round's copy."""

    quorum_numerator: Mapped[int] = mapped_column(default=1)
    quorum_denominator: Mapped[int] = mapped_column(default=2)
    quorum_strict: Mapped[bool] = mapped_column(default=True)
    quorum_minimum: Mapped[int] = mapped_column(default=3)
    majority: Mapped[str] = mapped_column(String(12), default=Majority.SIMPLE.value)
    abstain_counts_as_no: Mapped[bool] = mapped_column(default=False)
    if TYPE_CHECKING:
        # Each table declares its own tie_breaker_id: the foreign keys differ (a body's is
        # created after the member table and cleared when that member is deleted).
        tie_breaker_id: Mapped[int | None]

    @staticmethod
    def rule_checks() -> tuple[CheckConstraint, ...]:
        """The CHECKs on the rule's columns, fresh for one table's ``__table_args__``."""
        # A constraint belongs to one table, so every call builds new ones; the naming
        # convention prefixes each name with its table (ck_body_quorum_fraction, ...).
        return (
            one_of("majority", MAJORITIES),
            CheckConstraint(
                "quorum_denominator > 0 AND quorum_numerator > 0 "
                "AND quorum_numerator <= quorum_denominator",
                name="quorum_fraction",
            ),
            CheckConstraint("quorum_minimum >= 1", name="quorum_minimum_positive"),
        )

    @property
    def rule(self) -> VotingRule:
        """The stored voting rule as the domain value object."""
        return VotingRule(
            quorum=Fraction(self.quorum_numerator, self.quorum_denominator),
            quorum_strict=self.quorum_strict,
            quorum_minimum=self.quorum_minimum,
            majority=Majority(self.majority),
            abstain_counts_as_no=self.abstain_counts_as_no,
            tie_breaker=str(self.tie_breaker_id) if self.tie_breaker_id else None,
        )

    def freeze_rule(self, rule: VotingRule) -> None:
        """Store a voting rule field by field (a round keeps it as it was at opening)."""
        self.quorum_numerator = rule.quorum.numerator
        self.quorum_denominator = rule.quorum.denominator
        self.quorum_strict = rule.quorum_strict
        self.quorum_minimum = rule.quorum_minimum
        self.majority = Majority(rule.majority).value
        self.abstain_counts_as_no = rule.abstain_counts_as_no
        self.tie_breaker_id = int(rule.tie_breaker) if rule.tie_breaker else None

    def rule_record(self) -> dict[str, str | int | bool | None]:
        """The stored rule as plain values (the quorum as "n/d"), for the audit trail."""
        return {
            "quorum": f"{self.quorum_numerator}/{self.quorum_denominator}",
            "quorum_strict": self.quorum_strict,
            "quorum_minimum": self.quorum_minimum,
            "majority": self.majority,
            "abstain_counts_as_no": self.abstain_counts_as_no,
            "tie_breaker_id": self.tie_breaker_id,
        }
