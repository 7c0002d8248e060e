"""The running fund year's page offers no "Fondsjahr abschließen" (every click would be refused
with "Das Jahr … ist noch nicht zu Ende"); it says from when the year can be closed."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import FundYear
from tests.conftest import csrf_from
from tests.office_steps import DE

pytestmark = pytest.mark.ledger


def test_running_year_page_does_not_offer_a_close_that_is_always_refused(
    client, login, staff, fund
):
    login(staff)
    year = db.session.scalars(select(FundYear)).one()
    page = f"/staff/fund-years/{year.id}"
    html = client.get(page, headers=DE).get_data(as_text=True)
    token = csrf_from(html)
    refused = client.post(
        f"{page}/close", data={"csrf_token": token, "close-confirm": "y"}, headers=DE
    )
    assert "noch nicht zu Ende" in refused.get_data(as_text=True)  # refused, as it always is
    assert f'action="{page}/close"' not in html, "the close form is offered in the running year"
    last_day = date(clock.area_today(year.fund.area).year, 12, 31)
    assert f"{last_day:%d.%m.%Y}" in html  # when it can be closed
