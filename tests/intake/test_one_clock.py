"""One clock for "today in this area" (issue 11 item 10): reference numbers, fund years and
reports agree about the year, also in the last hour of December in UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from juryfund.domain.errors import DomainError
from juryfund.infra import clock
from juryfund.services import decisions, transparency

from .conftest import only_application

pytestmark = [pytest.mark.intake, pytest.mark.ledger]

#: 23:30 UTC on 31 December is already 00:30 on 1 January in Berlin. The night at the end of
#: the fixtures' fund year, which is this year in Berlin (already next year's in the UTC date's
#: last hour of December).
NEW_YEARS_NIGHT = datetime(clock.today_in(None).year, 12, 31, 23, 30, tzinfo=UTC)


def test_an_application_sent_just_after_midnight_in_berlin_belongs_to_the_new_year(
    area, apply, clock_at
):
    clock_at(NEW_YEARS_NIGHT)
    new_year = NEW_YEARS_NIGHT.year + 1
    start = (date(new_year, 1, 1) + timedelta(days=30)).isoformat()
    response = apply(start_date=start, end_date=start)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    application = only_application()
    assert (application.year, application.reference) == (new_year, f"SOL-{new_year}-0001")
    assert transparency.current_year(application.area) == new_year
    # A decision taken now would be booked in the new year (none is open there yet).
    with pytest.raises(DomainError) as caught:
        decisions.fund_year_for(application)
    assert (caught.value.reason, caught.value.params["year"]) == ("decision.no_fund_year", new_year)


def test_today_is_the_area_s_day_not_the_server_s(clock_at):
    clock_at(NEW_YEARS_NIGHT)
    assert clock.today_in("Europe/Berlin") == date(NEW_YEARS_NIGHT.year + 1, 1, 1)
    assert clock.today_in("America/New_York") == date(NEW_YEARS_NIGHT.year, 12, 31)
    assert clock.today_in("no/such-zone") == date(NEW_YEARS_NIGHT.year + 1, 1, 1)  # the default
