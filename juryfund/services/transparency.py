"""What the public may see: published decisions, funded projects, budgets and the annual report.

Privacy (FACTS.md: "publish projects without private names unless agreed"): a private person's
name leaves the database only when the applicant ticked ``consent_publish_name``; an initiative
or association is shown by its organisation's name; everyone else is a "private initiative".
Email, phone and address are never selected here. The queries pick the applicant's name with a
SQL ``CASE`` on the consent, so an unpublished name is not even loaded.

Every list is read with a constant number of queries (one join Decision → Application → Fund →
Body, plus the round's body), whatever the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Select, and_, case, exists, func, literal, not_, or_, select
from sqlalchemy.orm import aliased

from ..domain.budget import Balances
from ..domain.states import State
from ..domain.voting import Outcome
from ..extensions import db
from ..infra import clock
from ..models import AgendaItem, Application, Area, Body, Decision, Fund, FundYear, Round
from . import ledger

#: Outcomes the public sees; a deferral for lack of quorum is not a decision on the matter.
PUBLISHED_OUTCOMES = ("approved", "rejected")
#: States of an application that has (or had) money from a fund: it gets a public project page.
FUNDED_STATES = (State.APPROVED.value, State.SETTLED.value, State.CANCELLED.value)
#: Applicant kinds that are groups: their organisation's name is public, a person's is not.
GROUP_KINDS = ("initiative", "association")
#: Years a fund year may have (the database CHECK on fund_year.year).
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class PublishedDecision:
    """One decision as the public may see it."""

    decision_id: int
    reference: str
    title: str
    #: The published name ("Name, Organisation", or the organisation); None: private initiative.
    applicant: str | None
    body: str
    decided_at: datetime
    outcome: str
    approved_cents: int | None
    fund_id: int
    fund_name: str
    #: True when the project has a public page (approved and funded, settled or cancelled).
    has_project_page: bool


@dataclass(frozen=True)
class Page:
    """One page of a list, with the numbers a pager needs."""

    items: list[PublishedDecision]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """Number of pages, at least one (an empty list still has a first page)."""
        return max((self.total + self.per_page - 1) // self.per_page, 1)


@dataclass(frozen=True)
class Project:
    """A funded project's public page."""

    reference: str
    title: str
    applicant: str | None
    description: str
    place: str
    start_date: date
    end_date: date
    target_group: str
    goals: list[str]
    participants: int
    state: str
    approved_cents: int
    body: str
    decided_at: datetime
    fund_id: int
    fund_name: str


@dataclass(frozen=True)
class BudgetLine:
    """One fund's year: its balances (None when no budget was set for the year)."""

    fund_id: int
    fund_name: str
    fund_kind: str
    balances: Balances
    closed: bool


@dataclass(frozen=True)
class Budget:
    """An area's budget overview of one year."""

    year: int
    lines: list[BudgetLine]

    @property
    def totals(self) -> Balances:
        """The sum over every fund."""
        return sum_balances(line.balances for line in self.lines)


@dataclass
class Tally:
    """Count and sum of approved money, for a fund or an action field of the report."""

    label: str
    projects: int = 0
    approved_cents: int = 0


@dataclass(frozen=True)
class Report:
    """The annual report (Jahresbericht) of an area and year."""

    year: int
    projects: list[Project]
    per_fund: list[Tally]
    per_field: list[Tally]
    budget: Budget
    participants: int
    approved_cents: int
    approved_count: int
    rejected_count: int
    cancelled: list[Project] = field(default_factory=list)


@dataclass(frozen=True)
class OverviewLine:
    """One fund of one area in the city overview; balances None when the year has no budget."""

    area_id: int
    area_name: str
    area_slug: str
    fund_id: int | None
    fund_name: str
    balances: Balances | None


# --- helpers ---------------------------------------------------------------------------------


def published_applicant(
    kind: str, name: str | None, organisation: str | None, consent: bool
) -> str | None:
    """Who the public sees: with consent the name (and organisation); a group by its name; else None.

    None means "private initiative". Pure, so the rule is tested on its own; the queries below
    apply the same rule in SQL so an unpublished name is never loaded.
    """
    organisation = (organisation or "").strip()
    if consent and (name or "").strip():
        return f"{name.strip()}, {organisation}" if organisation else name.strip()
    if kind in GROUP_KINDS and organisation:
        return organisation
    return None


def year_bounds(year: int, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants where a calendar year of a time zone starts and the next one starts."""
    tz = ZoneInfo(timezone)
    start = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    return start, end


def current_year(area: Area) -> int:
    """Today's year in the area's time zone."""
    return clock.area_today(area).year


def sum_balances(items) -> Balances:
    """Add balances up field by field."""
    return sum(items, Balances())


def _in_force():
    """SQL condition: no other decision supersedes this one."""
    later = aliased(Decision)
    return not_(exists().where(later.supersedes_id == Decision.id))


def _published_columns():
    """Name and organisation as the public may see them, decided in SQL by the consent."""
    name = case((Application.consent_publish_name, Application.applicant_name), else_=literal(""))
    organisation = case(
        (
            or_(Application.consent_publish_name, Application.applicant_kind.in_(GROUP_KINDS)),
            Application.organisation,
        ),
        else_=literal(""),
    )
    return name.label("pub_name"), organisation.label("pub_organisation")


def _body_name():
    """The name of the body that decided: the round's body, else (corrections) the fund's."""
    round_body, fund_body = aliased(Body), aliased(Body)
    column = func.coalesce(round_body.name, fund_body.name, literal("")).label("body_name")

    def join(query: Select) -> Select:
        return (
            query.outerjoin(AgendaItem, AgendaItem.id == Decision.agenda_item_id)
            .outerjoin(Round, Round.id == AgendaItem.round_id)
            .outerjoin(round_body, round_body.id == Round.body_id)
            .outerjoin(fund_body, fund_body.id == Fund.body_id)
        )

    return column, join


def _decision_filter(
    area: Area, *, year: int | None, fund_id: int | None, outcomes=PUBLISHED_OUTCOMES
) -> list:
    """Where-conditions of the published decisions of an area (a year and fund if given)."""
    conditions = [
        Application.area_id == area.id,
        Decision.outcome.in_(outcomes),
        _in_force(),
    ]
    if year is not None:
        start, end = year_bounds(year, area.timezone)
        conditions += [Decision.decided_at >= start, Decision.decided_at < end]
    if fund_id is not None:
        conditions.append(Application.fund_id == fund_id)
    return conditions


def _decision_query(area: Area, *, year: int | None, fund_id: int | None) -> Select:
    """The published decisions' columns, newest first, without limit."""
    body_name, join_bodies = _body_name()
    pub_name, pub_organisation = _published_columns()
    query = (
        select(
            Decision.id,
            Application.reference,
            Application.title,
            Application.applicant_kind,
            pub_name,
            pub_organisation,
            Application.consent_publish_name,
            Application.state,
            body_name,
            Decision.decided_at,
            Decision.outcome,
            Decision.approved_cents,
            Fund.id.label("fund_id"),
            Fund.name.label("fund_name"),
        )
        .select_from(Decision)
        .join(Application, Application.id == Decision.application_id)
        .join(Fund, Fund.id == Application.fund_id)
    )
    return (
        join_bodies(query)
        .where(*_decision_filter(area, year=year, fund_id=fund_id))
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
    )


def _row_to_decision(row) -> PublishedDecision:
    return PublishedDecision(
        decision_id=row.id,
        reference=row.reference,
        title=row.title,
        applicant=published_applicant(
            row.applicant_kind, row.pub_name, row.pub_organisation, row.consent_publish_name
        ),
        body=row.body_name,
        decided_at=row.decided_at,
        outcome=row.outcome,
        approved_cents=row.approved_cents,
        fund_id=row.fund_id,
        fund_name=row.fund_name,
        has_project_page=row.outcome == Outcome.APPROVED and row.state in FUNDED_STATES,
    )


# --- decisions -------------------------------------------------------------------------------


def count_decisions(area: Area, *, year: int | None = None, fund_id: int | None = None) -> int:
    """How many published decisions match (one query)."""
    return db.session.scalar(
        select(func.count(Decision.id))
        .select_from(Decision)
        .join(Application, Application.id == Decision.application_id)
        .where(*_decision_filter(area, year=year, fund_id=fund_id))
    )


def decisions_page(
    area: Area,
    *,
    year: int | None = None,
    fund_id: int | None = None,
    page: int = 1,
    per_page: int = 20,
    clamp: bool = True,
) -> Page:
    """One page of published decisions, newest first: two queries (count and rows).

    With ``clamp`` a page number beyond the last shows the last page (web pages); without it an
    empty page comes back (the API, where a client walks pages until one is empty).
    """
    total = count_decisions(area, year=year, fund_id=fund_id)
    pages = max((total + per_page - 1) // per_page, 1)
    page = max(page, 1)
    if clamp:
        page = min(page, pages)
    rows = db.session.execute(
        _decision_query(area, year=year, fund_id=fund_id)
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    return Page([_row_to_decision(r) for r in rows], page, per_page, total)


def all_decisions(
    area: Area, *, year: int | None = None, fund_id: int | None = None, limit: int | None = None
) -> list[PublishedDecision]:
    """Every published decision that matches (one query), newest first."""
    query = _decision_query(area, year=year, fund_id=fund_id)
    if limit is not None:
        query = query.limit(limit)
    return [_row_to_decision(r) for r in db.session.execute(query)]


def iter_decisions(
    area: Area, *, year: int | None = None, fund_id: int | None = None, batch: int = 500
) -> Iterator[PublishedDecision]:
    """The published decisions one by one, fetched in batches (for streamed downloads)."""
    query = _decision_query(area, year=year, fund_id=fund_id).execution_options(yield_per=batch)
    for row in db.session.execute(query):
        yield _row_to_decision(row)


def decision_years(area: Area) -> list[int]:
    """Years (in the area's time zone) with published decisions, plus this year; newest first."""
    first, last = db.session.execute(
        select(func.min(Decision.decided_at), func.max(Decision.decided_at))
        .select_from(Decision)
        .join(Application, Application.id == Decision.application_id)
        .where(*_decision_filter(area, year=None, fund_id=None))
    ).one()
    tz = ZoneInfo(area.timezone)
    years = {current_year(area)}
    if first is not None and last is not None:
        years |= set(range(first.astimezone(tz).year, last.astimezone(tz).year + 1))
    return sorted(years, reverse=True)


# --- projects --------------------------------------------------------------------------------


def _project_query(area: Area) -> Select:
    """Funded projects with their approved decision in force (no year filter yet)."""
    body_name, join_bodies = _body_name()
    pub_name, pub_organisation = _published_columns()
    query = (
        select(
            Application.reference,
            Application.title,
            Application.applicant_kind,
            pub_name,
            pub_organisation,
            Application.consent_publish_name,
            Application.description,
            Application.place,
            Application.start_date,
            Application.end_date,
            Application.target_group,
            Application.goals,
            Application.participants,
            Application.state,
            Decision.approved_cents,
            Decision.decided_at,
            body_name,
            Fund.id.label("fund_id"),
            Fund.name.label("fund_name"),
        )
        .select_from(Decision)
        .join(Application, Application.id == Decision.application_id)
        .join(Fund, Fund.id == Application.fund_id)
    )
    return join_bodies(query).where(
        Application.area_id == area.id,
        Application.state.in_(FUNDED_STATES),
        Decision.outcome == Outcome.APPROVED.value,
        _in_force(),
    )


def _row_to_project(row) -> Project:
    return Project(
        reference=row.reference,
        title=row.title,
        applicant=published_applicant(
            row.applicant_kind, row.pub_name, row.pub_organisation, row.consent_publish_name
        ),
        description=row.description,
        place=row.place,
        start_date=row.start_date,
        end_date=row.end_date,
        target_group=row.target_group,
        goals=[line.strip() for line in row.goals.splitlines() if line.strip()],
        participants=row.participants,
        state=row.state,
        approved_cents=row.approved_cents,
        body=row.body_name,
        decided_at=row.decided_at,
        fund_id=row.fund_id,
        fund_name=row.fund_name,
    )


def project(area: Area, reference: str) -> Project | None:
    """A funded project of the area by its reference; None when there is none to publish."""
    row = db.session.execute(
        _project_query(area)
        .where(Application.reference == reference)
        .order_by(Decision.id.desc())
        .limit(1)
    ).first()
    return _row_to_project(row) if row is not None else None


def funded_projects(area: Area, year: int) -> list[Project]:
    """Projects funded by decisions of a year (area time zone), oldest decision first."""
    start, end = year_bounds(year, area.timezone)
    rows = db.session.execute(
        _project_query(area)
        .where(Decision.decided_at >= start, Decision.decided_at < end)
        .order_by(Decision.decided_at, Application.reference)
    )
    return [_row_to_project(r) for r in rows]


# --- money -----------------------------------------------------------------------------------


def budget(area: Area, year: int) -> Budget:
    """Allocated / committed / paid / available per fund of the area in a year (two queries)."""
    rows = db.session.execute(
        select(Fund.id, Fund.name, Fund.kind, FundYear.id, FundYear.closed_at)
        .join(FundYear, FundYear.fund_id == Fund.id)
        .where(Fund.area_id == area.id, FundYear.year == year)
        .order_by(Fund.id)
    ).all()
    balances = ledger.balances_by_year([row[3] for row in rows])
    return Budget(
        year=year,
        lines=[
            BudgetLine(
                fund_id=fund_id,
                fund_name=name,
                fund_kind=kind,
                balances=balances[fund_year_id],
                closed=closed_at is not None,
            )
            for fund_id, name, kind, fund_year_id, closed_at in rows
        ],
    )


def budget_years(area: Area) -> list[int]:
    """Years with a budget in any fund of the area, plus this year; newest first."""
    years = db.session.scalars(
        select(FundYear.year)
        .join(Fund, Fund.id == FundYear.fund_id)
        .where(Fund.area_id == area.id)
        .distinct()
    ).all()
    return sorted(set(years) | {current_year(area)}, reverse=True)


def annual_report(area: Area, year: int) -> Report:
    """Funded projects of a year with totals per fund and per action field, and participants.

    Cancelled projects are listed apart and left out of the totals: their money went back.
    A project serving several action fields counts in each of them.
    """
    projects = funded_projects(area, year)
    active = [p for p in projects if p.state != State.CANCELLED.value]
    cancelled = [p for p in projects if p.state == State.CANCELLED.value]
    year_budget = budget(area, year)

    per_fund: dict[int, Tally] = {line.fund_id: Tally(line.fund_name) for line in year_budget.lines}
    per_field: dict[str, Tally] = {name: Tally(name) for name in area.action_field_list}
    for p in active:
        fund_tally = per_fund.setdefault(p.fund_id, Tally(p.fund_name))
        fund_tally.projects += 1
        fund_tally.approved_cents += p.approved_cents
        for goal in p.goals:
            goal_tally = per_field.setdefault(goal, Tally(goal))
            goal_tally.projects += 1
            goal_tally.approved_cents += p.approved_cents

    start, end = year_bounds(year, area.timezone)
    counts = dict(
        db.session.execute(
            select(Decision.outcome, func.count(Decision.id))
            .join(Application, Application.id == Decision.application_id)
            .where(
                Application.area_id == area.id,
                Decision.outcome.in_(PUBLISHED_OUTCOMES),
                _in_force(),
                Decision.decided_at >= start,
                Decision.decided_at < end,
            )
            .group_by(Decision.outcome)
        ).all()
    )
    return Report(
        year=year,
        projects=active,
        per_fund=list(per_fund.values()),
        per_field=list(per_field.values()),
        budget=year_budget,
        participants=sum(p.participants for p in active),
        approved_cents=sum(p.approved_cents for p in active),
        approved_count=counts.get("approved", 0),
        rejected_count=counts.get("rejected", 0),
        cancelled=cancelled,
    )


def city_overview(year: int) -> list[OverviewLine]:
    """Every area and fund with the year's balances (two queries), by area name then fund."""
    rows = db.session.execute(
        select(Area.id, Area.name, Area.slug, Fund.id, Fund.name, FundYear.id)
        .select_from(Area)
        .outerjoin(Fund, Fund.area_id == Area.id)
        .outerjoin(FundYear, and_(FundYear.fund_id == Fund.id, FundYear.year == year))
        .order_by(Area.name, Area.id, Fund.id)
    ).all()
    balances = ledger.balances_by_year([row[5] for row in rows if row[5] is not None])
    return [
        OverviewLine(
            area_id=area_id,
            area_name=area_name,
            area_slug=slug,
            fund_id=fund_id,
            fund_name=fund_name or "",
            balances=balances[fund_year_id] if fund_year_id is not None else None,
        )
        for area_id, area_name, slug, fund_id, fund_name, fund_year_id in rows
    ]


# --- open data -------------------------------------------------------------------------------


def euros(cents: int | None) -> str | None:
    """Cents as a decimal euro string with a dot ("1234.50"), for open data; None stays None."""
    if cents is None:
        return None
    sign, cents = ("-" if cents < 0 else ""), abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def iso_utc(moment: datetime) -> str:
    """An aware datetime as RFC 3339 in UTC, to the second ("2026-03-01T17:00:00Z")."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


#: The fields of a published decision in CSV, JSON and the API, in this order.
RECORD_FIELDS = (
    "reference",
    "title",
    "applicant",
    "fund_id",
    "fund",
    "body",
    "decided_at",
    "outcome",
    "amount_cents",
    "amount_eur",
)


def decision_record(decision: PublishedDecision) -> dict:
    """A published decision as plain data (keys of RECORD_FIELDS); nothing personal beyond consent."""
    return {
        "reference": decision.reference,
        "title": decision.title,
        "applicant": decision.applicant,
        "fund_id": decision.fund_id,
        "fund": decision.fund_name,
        "body": decision.body,
        "decided_at": iso_utc(decision.decided_at),
        "outcome": decision.outcome,
        "amount_cents": decision.approved_cents,
        "amount_eur": euros(decision.approved_cents),
    }


def all_budget_years(also: int) -> list[int]:
    """Years with a budget in any area (for the city overview), plus the given one; newest first."""
    years = db.session.scalars(select(FundYear.year).distinct()).all()
    return sorted(set(years) | {also}, reverse=True)
