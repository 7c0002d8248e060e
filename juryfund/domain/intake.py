"""Rules for a new application: which fund it goes to and whether it meets that fund's rules."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from .errors import DomainError, MoneyError
from .fundrules import FEE_CATEGORY
from .money import MAX_CENTS, bounded_sum

#: Most lines a cost plan may have; more is a sign of a bot or a misunderstanding.
MAX_COST_LINES = 30
#: An action or project is planned at most this many years ahead (a Projektfonds project runs
#: up to five years, FACTS.md): a later date is a slip, and date arithmetic on it (the proof's
#: due date) would overflow.
PLANNING_YEARS = 6
#: Most pieces on one cost line (the form offers the same range).
MAX_QUANTITY = 100_000


@dataclass(frozen=True)
class FundOption:
    """What routing needs to know of one fund of the area."""

    id: int
    kind: str  # "action_fund" | "neighbourhood_fund"
    cap_cents: int
    minimum_cents: int = 0


@dataclass(frozen=True)
class FundRules:
    """What the checks need to know of the fund an application goes to."""

    cap_cents: int
    minimum_cents: int
    lead_time_days: int
    eligible_categories: frozenset[str]


@dataclass(frozen=True)
class CostLine:
    """One line of a cost plan as typed by the applicant."""

    description: str
    category: str
    quantity: int
    unit_cents: int

    @property
    def total_cents(self) -> int:
        """Quantity times unit price."""
        return self.quantity * self.unit_cents


@dataclass(frozen=True)
class Draft:
    """The parts of an application that the fund's rules look at."""

    requested_cents: int
    start_date: date
    end_date: date
    cost_lines: Sequence[CostLine] = field(default_factory=tuple)
    cofunding_cents: int = 0

    @property
    def total_cents(self) -> int:
        """The cost plan's total."""
        return sum(line.total_cents for line in self.cost_lines)


def route(requested_cents: int, funds: Sequence[FundOption]) -> FundOption:
    """Choose the fund for a requested amount: the Aktionsfonds up to its cap, else the
    Quartiersfonds (from its minimum up to its cap); otherwise explain why none fits."""
    action_funds = sorted((f for f in funds if f.kind == "action_fund"), key=lambda f: f.cap_cents)
    larger_funds = sorted((f for f in funds if f.kind != "action_fund"), key=lambda f: f.cap_cents)
    for fund in [*action_funds, *larger_funds]:
        if fund.minimum_cents <= requested_cents <= fund.cap_cents:
            return fund
    if not funds:
        raise DomainError("routing.no_fund", field="requested")
    highest = max(f.cap_cents for f in funds)
    if requested_cents > highest:
        raise DomainError("routing.above_every_cap", field="requested", cap=highest)
    # Between the Aktionsfonds cap and the Quartiersfonds minimum: neither takes it.
    raise DomainError(
        "routing.gap",
        field="requested",
        cap=max((f.cap_cents for f in action_funds), default=0),
        minimum=min((f.minimum_cents for f in larger_funds), default=0),
    )


def check_draft(draft: Draft, rules: FundRules, *, today: date) -> list[DomainError]:
    """Every rule of the fund the draft breaks, each with the field it concerns (empty: fine)."""
    errors: list[DomainError] = []
    if not draft.cost_lines:
        errors.append(DomainError("application.no_cost_lines", field="cost_items"))
    if len(draft.cost_lines) > MAX_COST_LINES:
        errors.append(
            DomainError(
                "application.too_many_cost_lines", field="cost_items", maximum=MAX_COST_LINES
            )
        )
    for index, line in enumerate(draft.cost_lines):
        # Fees for others are the fund's fee rule's to judge (domain.fundrules.check_fees).
        if line.category not in rules.eligible_categories and line.category != FEE_CATEGORY:
            errors.append(
                DomainError(
                    "application.category_not_eligible", field=f"cost_items-{index}-category"
                )
            )
    errors.extend(_amount_errors(draft))
    if draft.requested_cents <= 0:
        errors.append(DomainError("application.requested_empty", field="requested"))
    elif draft.requested_cents > MAX_CENTS:
        errors.append(MoneyError("money.too_large", field="requested", maximum_cents=MAX_CENTS))
    elif draft.requested_cents > draft.total_cents and draft.cost_lines:
        errors.append(
            DomainError(
                "application.requested_above_total", field="requested", total=draft.total_cents
            )
        )
    elif draft.requested_cents > rules.cap_cents:
        errors.append(DomainError("application.over_cap", field="requested", cap=rules.cap_cents))
    elif draft.requested_cents < rules.minimum_cents:
        errors.append(
            DomainError("application.under_minimum", field="requested", minimum=rules.minimum_cents)
        )
    if draft.start_date < today:
        errors.append(DomainError("application.already_started", field="start_date"))
    elif (draft.start_date - today).days < rules.lead_time_days:
        errors.append(
            DomainError("application.too_late", field="start_date", days=rules.lead_time_days)
        )
    if draft.end_date < draft.start_date:
        errors.append(DomainError("application.dates_order", field="end_date"))
    horizon = _years_after(today, PLANNING_YEARS)
    for name, day in (("start_date", draft.start_date), ("end_date", draft.end_date)):
        if day > horizon:
            errors.append(
                DomainError("application.too_far_ahead", field=name, years=PLANNING_YEARS)
            )
    return errors


def _years_after(day: date, years: int) -> date:
    """The same calendar day `years` later (28 February for a 29 February without one)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _amount_errors(draft: Draft) -> list[DomainError]:
    """Quantities out of range, and cost lines, cost plan or other funding above MAX_CENTS."""
    # The parser bounds each typed amount; products and sums of them need their own check, or
    # they reach the database as numbers no column (and no reader) should hold.
    errors: list[DomainError] = []
    totals: list[tuple[int, str]] = []
    for index, line in enumerate(draft.cost_lines):
        price = f"cost_items-{index}-unit_price"
        if not 1 <= line.quantity <= MAX_QUANTITY:
            errors.append(
                DomainError(
                    "application.quantity_range",
                    field=f"cost_items-{index}-quantity",
                    min=1,
                    max=MAX_QUANTITY,
                )
            )
        elif line.unit_cents < 0:
            errors.append(MoneyError("money.negative", field=price))
        elif line.unit_cents > MAX_CENTS:
            errors.append(MoneyError("money.too_large", field=price, maximum_cents=MAX_CENTS))
        elif line.total_cents > MAX_CENTS:
            errors.append(MoneyError("money.line_too_large", field=price, maximum_cents=MAX_CENTS))
        else:
            totals.append((line.total_cents, price))
    if not errors:
        try:
            bounded_sum(totals, reason="money.total_too_large")
        except MoneyError as error:
            errors.append(error)
    if draft.cofunding_cents < 0:
        errors.append(MoneyError("money.negative", field="cofunding"))
    elif draft.cofunding_cents > MAX_CENTS:
        errors.append(MoneyError("money.too_large", field="cofunding", maximum_cents=MAX_CENTS))
    return errors
