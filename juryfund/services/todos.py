"""The QM team's to-dos per area: what waits for staff, counted in a fixed number of queries.

Each application to-do is one SQL condition on an application. The dashboard counts them all
in one grouped query, and the inbox filters by the same condition, so the number on the
dashboard and the list behind its link always agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import ColumnElement, and_, case, exists, func, select

from ..domain.budget import EntryKind
from ..domain.composition import Seat
from ..domain.lifecycles import PaymentRequestState, ProofState, RoundState
from ..domain.states import State
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
    PaymentRequest,
    Position,
    ProofOfUse,
    Round,
    RoundMember,
)
from . import books


def _waiting_for_confirmation() -> ColumnElement[bool]:
    """A closed round decided the application, and no staff member has confirmed it yet."""
    return and_(
        Application.state == State.SCHEDULED.value,
        exists(
            select(AgendaItem.id)
            .join(Round, AgendaItem.round_id == Round.id)
            .where(
                AgendaItem.application_id == Application.id,
                Round.state == RoundState.CLOSED.value,
                AgendaItem.result.is_not(None),
                ~exists(select(Decision.id).where(Decision.agenda_item_id == AgendaItem.id)),
            )
        ),
    )


def _nothing_paid() -> ColumnElement[bool]:
    """Approved, and no payment booked yet."""
    return and_(
        Application.state == State.APPROVED.value,
        ~exists(
            select(LedgerEntry.id).where(
                LedgerEntry.application_id == Application.id,
                LedgerEntry.kind == EntryKind.PAYMENT.value,
            )
        ),
    )


def _payment_request_in(state: PaymentRequestState) -> ColumnElement[bool]:
    """A payment request of the application waits in this state: for staff's approval
    (requested), or approved and on the bank list until staff mark it paid."""
    return exists(
        select(PaymentRequest.id).where(
            PaymentRequest.application_id == Application.id,
            PaymentRequest.state == state.value,
        )
    )


def _proof_submitted() -> ColumnElement[bool]:
    return exists(
        select(ProofOfUse.id).where(
            ProofOfUse.application_id == Application.id,
            ProofOfUse.state == ProofState.SUBMITTED.value,
        )
    )


def _proof_overdue(today: date) -> ColumnElement[bool]:
    return and_(
        Application.state == State.APPROVED.value,
        exists(
            select(ProofOfUse.id).where(
                ProofOfUse.application_id == Application.id,
                ProofOfUse.state.in_([ProofState.DRAFT.value, ProofState.CHANGES_REQUESTED.value]),
                ProofOfUse.due_on < today,
            )
        ),
    )


#: Each application to-do: its stable code and its condition (given today's date).
APPLICATION_TODOS: dict[str, Callable[[date], ColumnElement[bool]]] = {
    "review": lambda _today: Application.state == State.SUBMITTED.value,
    "returned": lambda _today: Application.state == State.RETURNED.value,
    "ready": lambda _today: Application.state == State.READY.value,
    "confirm": lambda _today: _waiting_for_confirmation(),
    "payout": lambda _today: _nothing_paid(),
    "payment_request": lambda _today: _payment_request_in(PaymentRequestState.REQUESTED),
    "bank_transfer": lambda _today: _payment_request_in(PaymentRequestState.APPROVED),
    "proof_check": lambda _today: _proof_submitted(),
    "proof_overdue": _proof_overdue,
}


def condition(todo: str, today: date) -> ColumnElement[bool]:
    """The condition an application meets while it is on this to-do."""
    return APPLICATION_TODOS[todo](today)


@dataclass(frozen=True)
class OpenRound:
    """A round open for votes: how many full members have voted, of how many."""

    id: int
    title: str
    voted: int
    members: int
    deadline: datetime | None


@dataclass(frozen=True)
class ClosableYear:
    """A fund year that is over (its funding period too) and not closed yet."""

    id: int
    fund_name: str
    year: int


@dataclass
class AreaTodos:
    """Everything that waits for the staff of one area."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(APPLICATION_TODOS, 0))
    oldest_review: datetime | None = None
    rounds: list[OpenRound] = field(default_factory=list)
    years: list[ClosableYear] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """Nothing waits."""
        return not any(self.counts.values()) and not self.rounds and not self.years


def todos_for(area_ids: list[int], today: date) -> dict[int, AreaTodos]:
    """The to-dos of these areas, in three queries whatever the number of areas."""
    todos = {area_id: AreaTodos() for area_id in area_ids}
    if not area_ids:
        return todos
    counted = [
        func.sum(case((make(today), 1), else_=0)).label(code)
        for code, make in APPLICATION_TODOS.items()
    ]
    rows = db.session.execute(
        select(
            Application.area_id,
            func.min(case((Application.state == State.SUBMITTED.value, Application.submitted_at))),
            *counted,
        )
        .where(Application.area_id.in_(area_ids))
        .group_by(Application.area_id)
    )
    for area_id, oldest, *numbers in rows:
        todos[area_id].counts = {
            code: int(number or 0) for code, number in zip(APPLICATION_TODOS, numbers, strict=True)
        }
        todos[area_id].oldest_review = oldest
    for area_id, open_round in _open_rounds(area_ids):
        todos[area_id].rounds.append(open_round)
    for area_id, year in _closable_years(area_ids, today):
        todos[area_id].years.append(year)
    return todos


def todos_of_areas(areas: Sequence[Area]) -> dict[int, AreaTodos]:
    """The to-dos of these areas, each counted on its own day (an area in another time zone
    may already be a day further): three queries for each distinct day, usually one."""
    by_day: dict[date, list[int]] = {}
    for area in areas:
        by_day.setdefault(clock.area_today(area), []).append(area.id)
    found: dict[int, AreaTodos] = {}
    for today, area_ids in by_day.items():
        found.update(todos_for(area_ids, today))
    return {area.id: found[area.id] for area in areas}


def _open_rounds(area_ids: list[int]) -> list[tuple[int, OpenRound]]:
    """Open rounds with the number of full members who voted on at least one item."""
    seated = (
        select(func.count(RoundMember.id))
        .where(
            RoundMember.round_id == Round.id,
            RoundMember.seat == Seat.FULL.value,
            RoundMember.revoked_at.is_(None),
        )
        .scalar_subquery()
    )
    voted = (
        select(func.count(func.distinct(Position.member_id)))
        .join(AgendaItem, Position.agenda_item_id == AgendaItem.id)
        .where(AgendaItem.round_id == Round.id, Position.kind == "vote")
        .scalar_subquery()
    )
    rows = db.session.execute(
        select(Body.area_id, Round.id, Round.title, voted, seated, Round.deadline, Round.meeting_at)
        .join(Body, Round.body_id == Body.id)
        .where(Body.area_id.in_(area_ids), Round.state == RoundState.OPEN.value)
        .order_by(Round.id)
    )
    return [
        (area_id, OpenRound(round_id, title, voted_count, members, deadline or meeting_at))
        for area_id, round_id, title, voted_count, members, deadline, meeting_at in rows
    ]


def _closable_years(area_ids: list[int], today: date) -> list[tuple[int, ClosableYear]]:
    """Open fund years that are over (books.closable: the funding period too), so the close
    offered here is never refused for a year that still runs."""
    rows = db.session.execute(
        select(Fund.area_id, FundYear.id, Fund.name, FundYear.year)
        .join(Fund, FundYear.fund_id == Fund.id)
        .where(Fund.area_id.in_(area_ids), books.closable(today))
        .order_by(FundYear.year, Fund.name)
    )
    return [(area_id, ClosableYear(year_id, name, year)) for area_id, year_id, name, year in rows]
