"""The minutes state the rule as the body has it and who was there (§ 93 VwVfG)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from juryfund.extensions import db
from juryfund.services import ballots, setup

pytestmark = pytest.mark.voting


def _minutes(client, round_) -> str:
    html = client.get(
        f"/staff/rounds/{round_.id}/minutes", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    return html[html.index("<article") :]


@pytest.mark.parametrize(
    ("strict", "wording"),
    [
        (True, "more than 2/3 of the eligible members, at least 4"),
        (False, "at least 2/3 of the eligible members, at least 4"),
    ],
)
def test_the_minutes_state_the_frozen_rule_in_words(
    client, jury, staff, login, open_round, strict, wording
):
    setup.save_body(
        jury,
        jury.area,
        kind="jury",
        name=jury.name,
        quorum=Fraction(2, 3),
        quorum_strict=strict,
        quorum_minimum=4,
        majority="two_thirds",
        abstain_counts_as_no=True,
        tie_breaker=None,
    )
    round_ = open_round()
    login(staff)
    minutes = _minutes(client, round_)
    assert wording in minutes
    assert "Two-thirds majority of votes cast" in minutes and "count as no" in minutes
    assert "quorum 2/3" not in minutes  # the old wording that hid strict or not


def test_meeting_minutes_list_the_members_present_and_absent(
    client, jury, staff, login, open_round
):
    round_ = open_round(mode="meeting")
    for participant in round_.participants[:5]:
        ballots.set_presence(participant, True, actor=staff.actor)
    db.session.commit()
    login(staff)
    minutes = _minutes(client, round_)
    present = minutes[minutes.index("Members present") : minutes.index("Members absent")]
    absent = minutes[minutes.index("Members absent") : minutes.index("Conflicts of interest")]
    assert all(p.member.name in present for p in round_.participants[:5])
    assert all(p.member.name in absent for p in round_.participants[5:])
    assert not any(p.member.name in absent for p in round_.participants[:5])
