"""An approved project with its commitment, ready for payouts and a proof of use."""

from __future__ import annotations

import pytest

from juryfund.extensions import db
from juryfund.services import decisions
from tests.voting.conftest import approved_round, area, fund, jury, make_ready, staff  # noqa: F401


@pytest.fixture
def approved(area, fund, jury, staff):  # noqa: F811  (fixtures shared with the voting tests)
    """"Pflanzaktion" approved with 400 € of 480 € requested (commitment booked)."""
    application = make_ready(area, fund, "Pflanzaktion", 48000, email="ayse@example.org")
    round_ = approved_round(jury, staff, [application])
    decisions.confirm_approval(round_.agenda[0], amount_cents=40000, conditions="", actor=staff)
    db.session.commit()
    return application
