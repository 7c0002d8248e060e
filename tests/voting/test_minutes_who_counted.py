"""The minutes say who counted as the tally counted it (§ 93 VwVfG): a member off the body when
the vote ended is not listed as taking part nor counted as a seat, and a deputy is recorded as
sitting for a member only on the items where the deputy actually held the seat."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from juryfund.extensions import db
from juryfund.models import Round
from juryfund.services import ballots, deputies, rounds, setup
from tests.factories import ApplicationFactory
from tests.fixtures import written_round
from tests.voting.seating import deputy, full, p

pytestmark = pytest.mark.voting

EN = {"Accept-Language": "en"}


def _text(html: str) -> str:
    """The visible text, whitespace collapsed (bidi isolation left out)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", re.sub(r"</?bdi[^>]*>", "", html)))


def _minutes(client, round_: Round) -> str:
    """The text of the round's minutes page, in English."""
    return _text(
        client.get(f"/staff/rounds/{round_.id}/minutes", headers=EN).get_data(as_text=True)
    )


def test_minutes_do_not_list_a_member_taken_off_the_body_as_taking_part(
    area, fund, jury, staff, client, login
):
    """A member who voted and was then taken off the body before the deadline does not count
    (the item says 6 eligible, 3 taking part); the minutes say the same: they are not among
    the members taking part, the body has 6 seats, and they are listed apart."""
    application = ApplicationFactory(area=area, fund=fund)
    round_ = written_round(jury, staff, [application])
    item = round_.agenda[0]
    for member in full(jury)[:4]:
        ballots.cast_vote(p(round_, member), item, "yes")
    db.session.commit()
    setup.remove_member(full(jury)[0], actor=staff.actor)
    db.session.commit()
    rounds.close_round(round_, actor=staff.actor, early_reason="Alle Stimmen da.")
    db.session.commit()
    assert (item.eligible, item.participating) == (6, 3)
    login(staff)
    text = _minutes(client, round_)
    taking_part = text[text.index("Members taking part") : text.index("Members not taking part")]
    assert "Member 1" not in taking_part
    assert "The body has 7 seats" not in text
    assert "The body has 6 seats in this round" in text
    left = text[text.index("Not on the body when the vote ended") : text.index("The body has")]
    assert "Member 1" in left


def test_meeting_minutes_do_not_list_a_member_who_left_before_the_meeting_as_present(
    area, fund, jury, staff, client, login
):
    """A member ticked present, then taken off the body before the meeting began, does not
    count: the minutes do not list them as present and count 6 seats."""
    application = ApplicationFactory(area=area, fund=fund)
    round_ = rounds.save_round(
        None,
        jury,
        mode="meeting",
        title="Jurysitzung",
        when=datetime.now(UTC) + timedelta(hours=2),
        place="Etage",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [application.id])
    rounds.open_round(round_, actor=staff.actor)
    db.session.commit()
    for member in full(jury)[:4]:
        ballots.set_presence(p(round_, member), True, actor=staff.actor)
    db.session.commit()
    setup.remove_member(full(jury)[0], actor=staff.actor)
    db.session.commit()
    login(staff)
    text = _minutes(client, round_)
    present = text[text.index("Members present") : text.index("Members absent")]
    assert "Member 1" not in present and "Member 2" in present
    left = text[text.index("Not on the body when the meeting began") : text.index("The body has")]
    assert "Member 1" in left
    assert "The body has 6 seats in this round" in text


def test_minutes_do_not_say_a_deputy_took_a_seat_its_member_held(
    area, fund, jury, staff, client, login
):
    """In writing, the member's own vote takes the seat back from a named deputy: the minutes
    do not record the deputy as sitting for that member on the item (the count took the
    member's vote, 0 yes and 4 no)."""
    stand_in = deputy(jury, 1)
    application = ApplicationFactory(area=area, fund=fund)
    round_ = written_round(jury, staff, [application])
    item = round_.agenda[0]
    deputies.assign(
        round_, p(round_, stand_in), p(round_, full(jury)[0]), [item], actor=staff.actor
    )
    ballots.cast_vote(p(round_, stand_in), item, "yes")
    for member in full(jury)[:4]:
        ballots.cast_vote(p(round_, member), item, "no")
    db.session.commit()
    rounds.close_round(round_, actor=staff.actor, early_reason="Alle Stimmen da.")
    db.session.commit()
    assert (item.yes, item.no) == (0, 4)
    login(staff)
    text = _minutes(client, round_)
    assert "Deputy 1 for Member 1: item 1" not in text
    assert "did not take a seat" in text[text.index("Deputies") :]


def test_minutes_say_a_deputy_took_the_seat_of_a_member_who_did_not_vote(
    area, fund, jury, staff, client, login
):
    """In writing, a named deputy's vote holds the seat of a member who did not vote: the
    minutes record it."""
    stand_in = deputy(jury, 1)
    application = ApplicationFactory(area=area, fund=fund)
    round_ = written_round(jury, staff, [application])
    item = round_.agenda[0]
    deputies.assign(
        round_, p(round_, stand_in), p(round_, full(jury)[0]), [item], actor=staff.actor
    )
    ballots.cast_vote(p(round_, stand_in), item, "yes")
    for member in full(jury)[1:4]:
        ballots.cast_vote(p(round_, member), item, "no")
    db.session.commit()
    rounds.close_round(round_, actor=staff.actor, early_reason="Alle Stimmen da.")
    db.session.commit()
    assert (item.yes, item.no) == (1, 3)
    login(staff)
    assert "Deputy 1 for Member 1: item 1" in _minutes(client, round_)
