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

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, TypeAlias, TypedDict
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Label,
    Row,
    ScalarSelect,
    Select,
    and_,
    case,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
)
from sqlalchemy.orm import QueryableAttribute, aliased

from ..domain.budget import Balances, EntryKind
from ..domain.lifecycles import RoundState
from ..domain.states import State
from ..domain.voting import Outcome
from ..extensions import db
from ..infra import clock
from ..models import (
    AgendaItem,
    Application,
    Area,
    Body,
    Decision,
    Fund,
    FundYear,
    LedgerEntry,
    Round,
)
from . import ledger, stories
from .stories import PublicStory

#: Outcomes the public sees; a deferral for lack of quorum is not a decision on the matter.
PUBLISHED_OUTCOMES = ("approved", "rejected")
#: States of an application that has (or had) money from a fund: it gets a public project page.
FUNDED_STATES = (State.APPROVED.value, State.SETTLED.value, State.CANCELLED.value)
#: Applicant kinds that are groups: their organisation's name is public, a person's is not.
GROUP_KINDS = ("initiative", "association")
#: Years a fund year may have (the database CHECK on fund_year.year).
FIRST_YEAR, LAST_YEAR = 2000, 2100

if TYPE_CHECKING:
    # The published queries pick their columns at run time (``_published_select(*columns)``):
    # their rows are read by column name, so their column types are not tracked.
    _AnySelect: TypeAlias = Select[*tuple[Any, ...]]
    _AnyRow: TypeAlias = Row[*tuple[Any, ...]]


@dataclass(frozen=True)
class PublishedDecision:
    """One decision as the public may see it."""

    decision_id: int
    reference: str
    title: str
    #: The language the applicant wrote in (marks the title and name on the page).
    language: str
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
        return page_count(self.total, self.per_page)


def page_count(total: int, per_page: int) -> int:
    """How many pages of ``per_page`` rows ``total`` rows fill, at least one."""
    return max((total + per_page - 1) // per_page, 1)


@dataclass(frozen=True)
class Project:
    """A funded project's public page."""

    reference: str
    title: str
    #: The language the applicant wrote in (marks the project's texts on the page).
    language: str
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
class FundingTotal:
    """Count and sum of approved money, for a fund or an action field of the report."""

    label: str
    projects: int = 0
    approved_cents: int = 0


@dataclass(frozen=True)
class Participation:
    """Who took part in a year: applications received, decisions, sessions, languages."""

    #: Applications received (submitted) in the year, whatever became of them.
    applications: int = 0
    #: Published decisions of the year in force, approved and rejected.
    approved: int = 0
    rejected: int = 0
    #: Rounds (meetings and written procedures) of the area's bodies closed in the year, by the
    #: body's kind ("jury", "council").
    sessions: dict[str, int] = field(default_factory=dict)
    #: The languages the year's applications were written in, most used first.
    languages: list[tuple[str, int]] = field(default_factory=list)

    @property
    def approval_bp(self) -> int | None:
        """Approved share of the year's decisions in basis points (None without decisions)."""
        return approval_bp(self.approved, self.rejected)


@dataclass(frozen=True)
class Report:
    """The annual report (Jahresbericht) of an area and year."""

    year: int
    projects: list[Project]
    per_fund: list[FundingTotal]
    per_field: list[FundingTotal]
    budget: Budget
    participants: int
    approved_cents: int
    approved_count: int
    rejected_count: int
    participation: Participation
    #: The approved, consented stories of the year's funded projects, by reference.
    stories: dict[str, PublicStory]
    cancelled: list[Project] = field(default_factory=list)


@dataclass(frozen=True)
class AreaFigures:
    """One area's line in the city report: the year's money summed over its funds, and who took
    part (the same figures as the area's own annual report)."""

    area_id: int
    name: str
    slug: str
    balances: Balances
    participation: Participation


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
    name = (name or "").strip()
    organisation = (organisation or "").strip()
    if consent and name:
        return f"{name}, {organisation}" if organisation else name
    if kind in GROUP_KINDS and organisation:
        return organisation
    return None


def year_bounds(year: int, timezone: str) -> tuple[datetime, datetime]:
    """The UTC instants where a calendar year of a time zone starts and the next one starts."""
    tz = ZoneInfo(timezone)
    start = datetime(year, 1, 1, tzinfo=tz).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=tz).astimezone(UTC)
    return start, end


def approval_bp(approved: int, rejected: int) -> int | None:
    """Approved share of decisions in basis points, rounded half up (None without decisions)."""
    decided = approved + rejected
    return None if decided == 0 else (approved * 10000 * 2 + decided) // (decided * 2)


def current_year(area: Area) -> int:
    """Today's year in the area's time zone."""
    return clock.area_today(area).year


def sum_balances(items: Iterable[Balances]) -> Balances:
    """Add balances up field by field."""
    return sum(items, Balances())


def _in_force() -> ColumnElement[bool]:
    """SQL condition: no other decision supersedes this one."""
    later = aliased(Decision)
    return not_(exists().where(later.supersedes_id == Decision.id))


def _published_columns() -> tuple[Label[str], Label[str]]:
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


def _body_name() -> tuple[Label[str], Callable[[_AnySelect], _AnySelect]]:
    """The name of the body that decided: the round's body; for a correction the body of the
    decision it corrects (the application's newest decision of a round before it), which the
    fund may have handed on to another body since; the fund's as the last resort."""
    round_body, fund_body = aliased(Body), aliased(Body)
    earlier, earlier_item, earlier_round, earlier_body = (
        aliased(Decision),
        aliased(AgendaItem),
        aliased(Round),
        aliased(Body),
    )
    corrected_body = (
        select(earlier_body.name)
        .select_from(earlier)
        .join(earlier_item, earlier_item.id == earlier.agenda_item_id)
        .join(earlier_round, earlier_round.id == earlier_item.round_id)
        .join(earlier_body, earlier_body.id == earlier_round.body_id)
        .where(earlier.application_id == Decision.application_id, earlier.id < Decision.id)
        .order_by(earlier.id.desc())
        .limit(1)
        .correlate(Decision)
        .scalar_subquery()
    )
    column = func.coalesce(round_body.name, corrected_body, fund_body.name, literal("")).label(
        "body_name"
    )

    def join(query: _AnySelect) -> _AnySelect:
        return (
            query.outerjoin(AgendaItem, AgendaItem.id == Decision.agenda_item_id)
            .outerjoin(Round, Round.id == AgendaItem.round_id)
            .outerjoin(round_body, round_body.id == Round.body_id)
            .outerjoin(fund_body, fund_body.id == Fund.body_id)
        )

    return column, join


def _commitment_year() -> ScalarSelect[int | None]:
    """SQL: the fund year holding the commitment of the decision's application (NULL if none).

    Every commitment of an application is booked in one year (its first; a correction books
    into the same), so the smallest is that year.
    """
    return (
        select(func.min(FundYear.year))
        .join(LedgerEntry, LedgerEntry.fund_year_id == FundYear.id)
        .where(
            LedgerEntry.application_id == Decision.application_id,
            LedgerEntry.kind == EntryKind.COMMITMENT.value,
        )
        .scalar_subquery()
    )


def _decided_in_year(areas: list[Area], year: int) -> ColumnElement[bool]:
    """SQL condition: the decision belongs to the year of the public reports.

    An approval belongs to the fund year that holds its commitment, so the annual report, the
    decisions pages and the open data name the year the books hold its money in: a correction
    entered next year, or a December decision whose own year had been closed before staff
    confirmed it (services.decisions.fund_year_for_decision), count where their money is. A
    decision without a commitment (a rejection) belongs to the year of its decided_at, in its
    area's time zone.
    """
    booked = _commitment_year()
    return and_(
        Application.area_id.in_([area.id for area in areas]),
        or_(
            booked == year,
            and_(booked.is_(None), _in_year(areas, year, Application.area_id, Decision.decided_at)),
        ),
    )


def _decision_filter(
    area: Area,
    *,
    year: int | None,
    fund_id: int | None,
    outcomes: tuple[str, ...] = PUBLISHED_OUTCOMES,
) -> list[ColumnElement[bool]]:
    """Where-conditions of the published decisions of an area (a year and fund if given)."""
    conditions = [
        Application.area_id == area.id,
        Decision.outcome.in_(outcomes),
        _in_force(),
    ]
    if year is not None:
        conditions.append(_decided_in_year([area], year))
    if fund_id is not None:
        conditions.append(Application.fund_id == fund_id)
    return conditions


def _published_select(*columns: ColumnElement[Any] | QueryableAttribute[Any]) -> _AnySelect:
    """Decisions joined to application, fund and deciding body: the public columns, plus ``columns``.

    The applicant comes only as published (see ``_published_columns``); no filter yet.
    """
    body_name, join_bodies = _body_name()
    pub_name, pub_organisation = _published_columns()
    query = (
        select(
            Application.reference,
            Application.title,
            Application.language,
            Application.applicant_kind,
            pub_name,
            pub_organisation,
            Application.consent_publish_name,
            Application.state,
            body_name,
            Decision.decided_at,
            Decision.approved_cents,
            Fund.id.label("fund_id"),
            Fund.name.label("fund_name"),
            *columns,
        )
        .select_from(Decision)
        .join(Application, Application.id == Decision.application_id)
        .join(Fund, Fund.id == Application.fund_id)
    )
    return join_bodies(query)


class _PublishedFields(TypedDict):
    """The fields a published decision and a project page share (their types, see there)."""

    reference: str
    title: str
    language: str
    applicant: str | None
    body: str
    decided_at: datetime
    fund_id: int
    fund_name: str


def _published_fields(row: _AnyRow) -> _PublishedFields:
    """The fields every public item has, from a row of ``_published_select``.

    Not the approved amount: a decision's may be None, a project's (approved) never is.
    """
    return {
        "reference": row.reference,
        "title": row.title,
        "language": row.language,
        "applicant": published_applicant(
            row.applicant_kind, row.pub_name, row.pub_organisation, row.consent_publish_name
        ),
        "body": row.body_name,
        "decided_at": row.decided_at,
        "fund_id": row.fund_id,
        "fund_name": row.fund_name,
    }


def _decision_query(area: Area, *, year: int | None, fund_id: int | None) -> _AnySelect:
    """The published decisions' columns, newest first, without limit."""
    return (
        _published_select(Decision.id, Decision.outcome)
        .where(*_decision_filter(area, year=year, fund_id=fund_id))
        .order_by(Decision.decided_at.desc(), Decision.id.desc())
    )


def _row_to_decision(row: _AnyRow) -> PublishedDecision:
    return PublishedDecision(
        **_published_fields(row),
        approved_cents=row.approved_cents,
        decision_id=row.id,
        outcome=row.outcome,
        has_project_page=row.outcome == Outcome.APPROVED and row.state in FUNDED_STATES,
    )


# --- decisions -------------------------------------------------------------------------------


def count_decisions(area: Area, *, year: int | None = None, fund_id: int | None = None) -> int:
    """How many published decisions match (one query)."""
    return db.session.execute(
        select(func.count(Decision.id))
        .select_from(Decision)
        .join(Application, Application.id == Decision.application_id)
        .where(*_decision_filter(area, year=year, fund_id=fund_id))
    ).scalar_one()


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
    # Not db.paginate: it reads only the first column of each row, and counts an empty list as
    # zero pages where the pager and the API say one.
    total = count_decisions(area, year=year, fund_id=fund_id)
    page = max(page, 1)
    if clamp:
        page = min(page, page_count(total, per_page))
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
    """Years (in the area's time zone) with published decisions, plus this year; newest first.

    A year counts from the decisions' dates and from the years their commitments are booked
    in (where _decided_in_year lists an approval).
    """
    booked = _commitment_year()
    first, last, first_booked, last_booked = db.session.execute(
        select(
            func.min(Decision.decided_at),
            func.max(Decision.decided_at),
            func.min(booked),
            func.max(booked),
        )
        .select_from(Decision)
        .join(Application, Application.id == Decision.application_id)
        .where(*_decision_filter(area, year=None, fund_id=None))
    ).one()
    tz = ZoneInfo(area.timezone)
    years = {current_year(area)}
    if first is not None and last is not None:
        bounds = [first.astimezone(tz).year, last.astimezone(tz).year]
        bounds += [year for year in (first_booked, last_booked) if year is not None]
        years |= set(range(min(bounds), max(bounds) + 1))
    return sorted(years, reverse=True)


# --- projects --------------------------------------------------------------------------------


#: Application columns a project page shows as they are, under the same name in Project.
_PROJECT_COLUMNS = (
    "description",
    "place",
    "start_date",
    "end_date",
    "target_group",
    "participants",
)


def _project_query(area: Area, *, year: int | None = None) -> _AnySelect:
    """Funded projects with their approved decision in force (of a year if given)."""
    columns = [getattr(Application, name) for name in _PROJECT_COLUMNS]
    return _published_select(*columns, Application.goals).where(
        Application.state.in_(FUNDED_STATES),
        *_decision_filter(area, year=year, fund_id=None, outcomes=(Outcome.APPROVED.value,)),
    )


def _row_to_project(row: _AnyRow) -> Project:
    return Project(
        **_published_fields(row),
        approved_cents=row.approved_cents,  # an approved decision's: never None (CHECK)
        **{name: getattr(row, name) for name in _PROJECT_COLUMNS},
        goals=[line.strip() for line in row.goals.splitlines() if line.strip()],
        state=row.state,
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
    rows = db.session.execute(
        _project_query(area, year=year).order_by(Decision.decided_at, Application.reference)
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


def annual_report(area: Area, year: int, *, photo_data: bool = False) -> Report:
    """Funded projects of a year with their public stories, totals per fund and per action field,
    participants and participation.

    Cancelled projects are listed apart and left out of the totals: their money went back.
    A project serving several action fields counts in each of them. ``photo_data`` loads the
    story photos' bytes (the PDF embeds them).
    """
    projects = funded_projects(area, year)
    active = [p for p in projects if p.state != State.CANCELLED.value]
    cancelled = [p for p in projects if p.state == State.CANCELLED.value]
    year_budget = budget(area, year)

    per_fund = {line.fund_id: FundingTotal(line.fund_name) for line in year_budget.lines}
    per_field = {name: FundingTotal(name) for name in area.action_field_list}
    for p in active:
        totals = [per_fund.setdefault(p.fund_id, FundingTotal(p.fund_name))]
        totals += [per_field.setdefault(goal, FundingTotal(goal)) for goal in p.goals]
        for total in totals:
            total.projects += 1
            total.approved_cents += p.approved_cents

    taking_part = participation([area], year)[area.id]
    return Report(
        year=year,
        projects=active,
        per_fund=list(per_fund.values()),
        per_field=list(per_field.values()),
        budget=year_budget,
        participants=sum(p.participants for p in active),
        approved_cents=sum(p.approved_cents for p in active),
        approved_count=taking_part.approved,
        rejected_count=taking_part.rejected,
        participation=taking_part,
        stories=stories.public_stories(
            area.id, [p.reference for p in active], with_data=photo_data
        ),
        cancelled=cancelled,
    )


def _in_year(areas: list[Area], year: int, area_column: Any, moment: Any) -> ColumnElement[bool]:
    """SQL condition: ``moment`` lies in the year of its area's own time zone."""
    conditions = []
    for area in areas:
        start, end = year_bounds(year, area.timezone)
        conditions.append(and_(area_column == area.id, moment >= start, moment < end))
    return or_(*conditions) if conditions else literal(False)


def _counts_by_area(
    areas: list[Area], statement: Select[int, str, int]
) -> dict[int, dict[str, int]]:
    """Rows of (area id, key, count) as a count per key for each area (every area present)."""
    counts: dict[int, dict[str, int]] = {area.id: {} for area in areas}
    for area_id, key, count in db.session.execute(statement):
        counts[area_id][key] = count
    return counts


def _vote_ended() -> ColumnElement[Any]:
    """SQL: when a closed round's vote ended, the moment its decisions are dated
    (decisions.decided_at): a meeting's start, a written round's deadline or earlier close."""
    return case(
        (Round.mode == "meeting", func.coalesce(Round.began_at, Round.meeting_at)),
        (Round.deadline < Round.closed_at, Round.deadline),
        else_=Round.closed_at,
    )


def participation(areas: list[Area], year: int) -> dict[int, Participation]:
    """Applications, decisions, sessions and languages of a year for each area (three queries).

    Each area's year runs in its own time zone. A decision counts when it is published and in
    force, in the year the decisions page lists it (_decided_in_year), a session in the year
    its vote ended (the year of its decisions).
    """
    received = _counts_by_area(
        areas,
        select(Application.area_id, Application.language, func.count(Application.id))
        .where(_in_year(areas, year, Application.area_id, Application.submitted_at))
        .group_by(Application.area_id, Application.language),
    )
    outcomes = _counts_by_area(
        areas,
        select(Application.area_id, Decision.outcome, func.count(Decision.id))
        .join(Application, Application.id == Decision.application_id)
        .where(
            Decision.outcome.in_(PUBLISHED_OUTCOMES),
            _in_force(),
            _decided_in_year(areas, year),
        )
        .group_by(Application.area_id, Decision.outcome),
    )
    sessions = _counts_by_area(
        areas,
        select(Body.area_id, Body.kind, func.count(Round.id))
        .join(Body, Body.id == Round.body_id)
        .where(
            Round.state == RoundState.CLOSED.value,
            _in_year(areas, year, Body.area_id, _vote_ended()),
        )
        .group_by(Body.area_id, Body.kind),
    )
    return {
        area.id: Participation(
            applications=sum(received[area.id].values()),
            approved=outcomes[area.id].get(Outcome.APPROVED.value, 0),
            rejected=outcomes[area.id].get(Outcome.REJECTED.value, 0),
            sessions=dict(sorted(sessions[area.id].items())),
            languages=sorted(received[area.id].items(), key=lambda item: (-item[1], item[0])),
        )
        for area in areas
    }


def city_report(year: int) -> list[AreaFigures]:
    """Every area of the installation with the year's money over its funds and participation,
    by area name (six queries, whatever the number of areas)."""
    areas = list(db.session.scalars(select(Area).order_by(Area.name, Area.id)))
    money: dict[int, Balances] = {area.id: Balances() for area in areas}
    for line in city_overview(year):
        if line.balances is not None:
            money[line.area_id] = money[line.area_id] + line.balances
    taking_part = participation(areas, year)
    return [
        AreaFigures(
            area_id=area.id,
            name=area.name,
            slug=area.slug,
            balances=money[area.id],
            participation=taking_part[area.id],
        )
        for area in areas
    ]


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


def all_budget_years(also: int) -> list[int]:
    """Years with a budget in any area (for the city overview), plus the given one; newest first."""
    years = db.session.scalars(select(FundYear.year).distinct()).all()
    return sorted(set(years) | {also}, reverse=True)
