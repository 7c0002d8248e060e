"""An action dated at the end of the calendar (year 9999) is a slip: it is refused next to the
date on the form, before it can reach the approval, whose proof due date would overflow."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from juryfund.extensions import db
from juryfund.models import Application
from tests.conftest import csrf_from
from tests.intake.conftest import application_data
from tests.intake.field_errors import field_errors


def _send(client, data: dict):
    """Check, then send, the public application form; the final response."""
    url = "/soldiner-kiez/apply"
    token = csrf_from(client.get(url).get_data(as_text=True))
    checked = client.post(url, data={"csrf_token": token, "action": "check", **data})
    fund = re.search(r'name="confirmed_fund" value="(\d+)"', checked.get_data(as_text=True))
    if fund is None:
        return checked
    return client.post(
        url,
        data={"csrf_token": token, "action": "submit", **data, "confirmed_fund": fund.group(1)},
    )


def test_an_action_in_year_9999_is_refused_next_to_its_dates(area, fund, client):
    response = _send(
        client,
        application_data(start_date="9999-12-31", end_date="9999-12-31"),
    )

    assert response.status_code == 200
    errors = field_errors(response)
    assert "6" in errors["start_date"], errors
    assert "6" in errors["end_date"], errors
    page = response.get_data(as_text=True)
    assert 'value="9999-12-31"' in page  # what the resident typed stays in the form
    assert db.session.scalar(select(func.count()).select_from(Application)) == 0
