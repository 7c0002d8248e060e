"""A project of this year's budget seen from January of the next (books across the turn of the
year): the fund year of a year, and the clock moved into January."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import FundYear


def fund_year(fund, year: int) -> FundYear | None:
    """The fund's budget of that year (None: not opened)."""
    return db.session.scalar(
        select(FundYear).where(FundYear.fund_id == fund.id, FundYear.year == year)
    )


@pytest.fixture
def january(approved, fund, staff, clock_at):
    """This year's year (400 € committed to "Pflanzaktion"), the clock on 10 January next year."""
    this = fund_year(fund, clock.area_today(fund.area).year)
    clock_at(datetime(this.year + 1, 1, 10, 12, tzinfo=UTC))
    return this
