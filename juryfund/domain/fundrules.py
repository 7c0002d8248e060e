"""Fund rules that real funds apply: own share, no over-funding, funding period, fees, a flat
allowance for the applicant's own costs, and no retroactive funding of receipts.

Each rule is a per-fund setting (FACTS.md; Aachen: 10 % own share, volunteer hours at 10 €).
Shares are basis points (1 % = 100 bp) so that every amount stays integer cents; each function
says how it rounds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from .errors import DomainError
from .vocabulary import FEE_RULES, RECEIPT_CHOICES

#: 100 % in basis points.
WHOLE_BP = 10_000
#: The cost category of fees (Honorare) for someone else; a fund's fee rule decides it.
FEE_CATEGORY = "fee"


@dataclass(frozen=True)
class FundRuleSet:
    """A fund's settings for the rules of this module (defaults: no rule applies)."""

    #: Least own contribution, as a share of the total costs (1000 = 10 %).
    own_share_bp: int = 0
    #: What one volunteer hour is worth as own contribution (0: hours do not count).
    hour_rate_cents: int = 0
    fee_rule: str = "allowed"
    #: Most that fees may come to, in cents (None: no absolute cap).
    fee_cap_cents: int | None = None
    #: Most that fees may come to, as a share of the total costs (None: no share cap).
    fee_cap_bp: int | None = None
    #: Flat allowance for the applicant's own costs, as a share of the proven costs.
    allowance_bp: int = 0


@dataclass(frozen=True)
class Period:
    """The days a fund year pays for actions in (both ends included)."""

    start: date
    end: date

    def covers(self, day: date) -> bool:
        """True when the day lies within the period."""
        return self.start <= day <= self.end


@dataclass(frozen=True)
class FeeLine:
    """What the fee rule needs of one cost line: its place in the list, category and total."""

    index: int
    category: str
    total_cents: int


def period_of(year: int, start: date | None = None, end: date | None = None) -> Period:
    """A fund year's funding period; an end left open defaults to the calendar year's."""
    return Period(start or date(year, 1, 1), end or date(year, 12, 31))


def share_up(cents: int, bp: int) -> int:
    """`bp` basis points of `cents`, rounded up to the cent (for a minimum that must be met)."""
    return -(-cents * bp // WHOLE_BP)


def share_down(cents: int, bp: int) -> int:
    """`bp` basis points of `cents`, rounded down to the cent (for a cap or money paid out)."""
    return cents * bp // WHOLE_BP


def own_contribution_cents(*, own_cents: int, volunteer_hours: int, hour_rate_cents: int) -> int:
    """Own money plus volunteer hours valued at the fund's hourly rate."""
    return own_cents + volunteer_hours * hour_rate_cents


def check_settings(rules: FundRuleSet) -> list[DomainError]:
    """Settings a fund cannot have: shares outside 0–100 %, negative money, a cap rule without a
    cap; each on the field of the fund form it concerns."""
    errors: list[DomainError] = []
    for name in ("own_share_bp", "allowance_bp", "fee_cap_bp"):
        value = getattr(rules, name)
        if value is not None and not 0 <= value <= WHOLE_BP:
            errors.append(DomainError("fund.share_range", field=name))
    for name in ("hour_rate_cents", "fee_cap_cents"):
        value = getattr(rules, name)
        if value is not None and value < 0:
            errors.append(DomainError("money.negative", field=name))
    if rules.fee_rule not in FEE_RULES:
        errors.append(DomainError("fund.fee_rule_unknown", field="fee_rule"))
    elif rules.fee_rule == "capped" and rules.fee_cap_cents is None and rules.fee_cap_bp is None:
        errors.append(DomainError("fund.fee_cap_required", field="fee_cap_cents"))
    return errors


def check_own_share(
    *, total_cents: int, own_cents: int, volunteer_hours: int, rules: FundRuleSet
) -> list[DomainError]:
    """The own contribution must reach the fund's share of the total costs (error on `own`)."""
    if rules.own_share_bp <= 0 or total_cents <= 0:
        return []
    needed = share_up(total_cents, rules.own_share_bp)
    have = own_contribution_cents(
        own_cents=own_cents, volunteer_hours=volunteer_hours, hour_rate_cents=rules.hour_rate_cents
    )
    if have >= needed:
        return []
    return [
        DomainError(
            "rules.own_share_short",
            field="own",
            needed=needed,
            have=have,
            share=percent_text(rules.own_share_bp),
            rate=rules.hour_rate_cents,
        )
    ]


def check_over_funding(
    *, total_cents: int, requested_cents: int, cofunding_cents: int, own_cents: int
) -> list[DomainError]:
    """The money that pays for the cost plan may not come to more than its total costs: the
    amount requested, other funding and the applicant's own money together (no over-funding:
    the fund never pays for costs that other money already covers). Volunteer hours are not
    money and stay outside.

    The error is on `requested`, the share asked of the fund: `at_most` is the most it can be;
    when own money and other funding cover the costs on their own, nothing is left to ask for.
    """
    covered = cofunding_cents + own_cents
    excess = requested_cents + covered - total_cents
    if excess <= 0:
        return []
    most = total_cents - covered
    if most <= 0:
        return [
            DomainError(
                "rules.costs_covered", field="requested", total=total_cents, covered=covered
            )
        ]
    return [
        DomainError(
            "rules.over_funding",
            field="requested",
            total=total_cents,
            covered=covered,
            excess=excess,
            at_most=most,
        )
    ]


def check_amount_limits(
    *, requested_cents: int, cap_cents: int, minimum_cents: int
) -> list[DomainError]:
    """The amount requested against the fund's per-application cap and minimum as they stand
    today, for an application sent under other ones (errors on `requested`). The decision is
    held to today's cap, so a request above it cannot be approved in full."""
    if requested_cents > cap_cents:
        return [
            DomainError(
                "rules.above_cap_now", field="requested", requested=requested_cents, cap=cap_cents
            )
        ]
    if requested_cents < minimum_cents:
        return [
            DomainError(
                "rules.below_minimum_now",
                field="requested",
                requested=requested_cents,
                minimum=minimum_cents,
            )
        ]
    return []


def check_period(*, start: date, end: date, period: Period) -> list[DomainError]:
    """The action must lie within the funding period (errors on `start_date` / `end_date`)."""
    errors: list[DomainError] = []
    params = {"period_start": period.start.isoformat(), "period_end": period.end.isoformat()}
    if not period.covers(start):
        errors.append(DomainError("rules.outside_period", field="start_date", **params))
    if start <= end and not period.covers(end):
        errors.append(DomainError("rules.outside_period", field="end_date", **params))
    return errors


def fee_cap_cents(*, total_cents: int, rules: FundRuleSet) -> int | None:
    """The most fees may come to under a "capped" rule (the lower of both caps; None: no cap)."""
    caps = []
    if rules.fee_cap_cents is not None:
        caps.append(rules.fee_cap_cents)
    if rules.fee_cap_bp is not None:
        caps.append(share_down(total_cents, rules.fee_cap_bp))
    return min(caps) if caps else None


def check_fees(
    lines: Sequence[FeeLine], *, total_cents: int, rules: FundRuleSet
) -> list[DomainError]:
    """Fee lines against the fund's fee rule: each refused where fees are forbidden; the last
    one marked where their sum goes above the cap (fields `cost_items-<index>-…`)."""
    fees = [line for line in lines if line.category == FEE_CATEGORY]
    if not fees or rules.fee_rule == "allowed":
        return []
    if rules.fee_rule == "forbidden":
        return [
            DomainError("rules.fee_forbidden", field=f"cost_items-{line.index}-category")
            for line in fees
        ]
    cap = fee_cap_cents(total_cents=total_cents, rules=rules)
    fee_total = sum(line.total_cents for line in fees)
    if cap is None or fee_total <= cap:
        return []
    return [
        DomainError(
            "rules.fee_over_cap",
            field=f"cost_items-{fees[-1].index}-unit_price",
            cap=cap,
            fees=fee_total,
        )
    ]


def allowance_cents(proven_cents: int, allowance_bp: int) -> int:
    """The flat allowance for the applicant's own costs: a share of the proven costs, rounded
    down to the cent (public money is never paid beyond the share)."""
    if proven_cents <= 0 or allowance_bp <= 0:
        return 0
    return share_down(proven_cents, allowance_bp)


@dataclass(frozen=True)
class Settlement:
    """What settling a proof of use pays: receipts and allowance, within the commitment."""

    receipts_cents: int
    allowance_cents: int

    @property
    def total_cents(self) -> int:
        """Receipts and allowance together."""
        return self.receipts_cents + self.allowance_cents


def settle(*, proven_cents: int, committed_cents: int, allowance_bp: int) -> Settlement:
    """Split what the project is owed into proven receipts and the allowance, neither taking the
    total above the commitment (the allowance stays inside the approved amount)."""
    receipts = min(proven_cents, committed_cents)
    allowance = min(allowance_cents(proven_cents, allowance_bp), committed_cents - receipts)
    return Settlement(receipts, allowance)


def receipt_flags(*, day: date, applied_on: date, period: Period) -> tuple[str, ...]:
    """Why a receipt needs staff's judgement (no retroactive funding); empty when it does not."""
    flags: list[str] = []
    if day < applied_on:
        flags.append("before_application")
    if not period.covers(day):
        flags.append("outside_period")
    return tuple(flags)


def future_receipt_errors(days: Sequence[date | None], *, today: date) -> list[DomainError]:
    """A refusal next to each receipt dated after today: a receipt proves money already spent.

    ``days`` are the receipt list's dates in order; fields are named by that place.
    """
    return [
        DomainError("proof.receipt_in_future", field=f"receipts-{index}-date")
        for index, day in enumerate(days)
        if day is not None and day > today
    ]


def check_receipt_choice(*, choice: str, reason: str) -> list[DomainError]:
    """A staff choice on a flagged receipt: accepted, or refused with a reason."""
    if choice not in RECEIPT_CHOICES:
        return [DomainError("receipt.choice_unknown", field="choice")]
    if choice == "refused" and not reason.strip():
        return [DomainError("receipt.reason_required", field="reason")]
    return []


def percent_text(bp: int) -> str:
    """Basis points as a plain percentage, e.g. 1000 -> "10", 250 -> "2.5" (notes, messages)."""
    whole, rest = divmod(bp, 100)
    return str(whole) if rest == 0 else f"{whole}.{rest:02d}".rstrip("0")
