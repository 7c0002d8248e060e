"""An approved project with its commitment, ready for payouts and a proof of use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from juryfund.extensions import db
from juryfund.services import ballots, decisions, rounds
from tests.voting.conftest import area, fund, jury, make_ready, staff  # noqa: F401  (fixtures)


@pytest.fixture
def approved(area, fund, jury, staff):  # noqa: F811  (fixtures shared with the voting tests)
    """"Pflanzaktion" approved with 400 € of 480 € requested (commitment booked)."""
    application = make_ready(area, fund, "Pflanzaktion", 48000, email="ayse@example.org")
    round_ = rounds.save_round(None, jury, mode="circulation", title="Umlauf", place="", actor=staff,
                               when=datetime.now(UTC) + timedelta(days=5))
    rounds.set_agenda(round_, [application.id])
    rounds.open_round(round_, actor=staff)
    for participant in round_.participants[:5]:
        ballots.cast_vote(participant, round_.agenda[0], "yes")
    rounds.close_round(round_, actor=staff)
    decisions.confirm_approval(round_.agenda[0], amount_cents=40000, conditions="", actor=staff)
    db.session.commit()
    return application
