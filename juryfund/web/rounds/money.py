"""The money a round's approvals draw on, as the round page, the confirm page and the ballot
show it: each fund's money in the fund year an approval of the round is booked in."""

from __future__ import annotations

from sqlalchemy import select

from ...extensions import db
from ...infra import clock
from ...models import FundYear, Round
from ...services import ballots, decisions, ledger
from ..transparency.display import has_budget


def booking_years(round_: Round) -> dict[int, FundYear]:
    """By fund id, the open fund year that books an approval of this round, for each fund the
    body decides (a fund with none is left out: nothing could be booked).

    The rule of decisions.fund_year_for_decision, read in one query and without its lock (a
    page only looks): a round's approvals go to the fund's year of the day the body decided
    (decisions.decided_at: when its vote ended) while that year is open (a December meeting
    confirmed in January), else to today's open year. A round not closed yet decides when its
    vote ends, or today if that is still to come.
    """
    area = round_.body.area
    funds = [fund for fund in area.funds if fund.body_id == round_.body_id]
    today = clock.area_today(area).year
    if round_.closed_at is not None:
        moment = decisions.decided_at(round_)
    else:
        ended, now = ballots.vote_ended_of(round_), clock.now()
        moment = min(ended, now) if ended is not None else now
    decided = clock.local_day(moment, area.timezone).year
    found: dict[int, FundYear] = {}
    for fund_year in db.session.scalars(
        select(FundYear).where(
            FundYear.fund_id.in_([fund.id for fund in funds]),
            FundYear.year.in_({today, decided}),
            FundYear.closed_at.is_(None),
        )
    ):
        if fund_year.fund_id not in found or fund_year.year == decided:
            found[fund_year.fund_id] = fund_year
    return found


def money_left(
    round_: Round, years: dict[int, FundYear] | None = None, *, budgeted_only: bool = False
) -> list[tuple[str, int]]:
    """("fund year", money still available) for each fund the body decides, in the year an
    approval of the round is booked in (``years``, else booking_years).

    ``budgeted_only`` (the ballot) leaves out a year without a budget (display.has_budget),
    which then reads as before the year existed.
    """
    years = booking_years(round_) if years is None else years
    balances = ledger.balances_by_year([fund_year.id for fund_year in years.values()])
    shown = []
    for fund in round_.body.area.funds:
        fund_year = years.get(fund.id)
        if fund.body_id != round_.body_id or fund_year is None:
            continue
        if budgeted_only and not has_budget(balances[fund_year.id]):
            continue
        shown.append((f"{fund.name} {fund_year.year}", balances[fund_year.id].available))
    return shown
