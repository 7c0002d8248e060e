"""A repeat meeting on the agenda of an inquorate meeting (§ 90 (2) VwVfG)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.models import Mail, Round
from juryfund.services import ballots, meetings, rounds

pytestmark = pytest.mark.voting

NEXT_WEEK = datetime.now(UTC).replace(microsecond=0) + timedelta(days=14)


def _held_without_quorum(open_round, staff, present: int = 2) -> Round:
    """A closed meeting where only `present` of seven came: every item without quorum."""
    round_ = open_round(mode="meeting")
    for p in round_.participants[:present]:
        ballots.set_presence(p, True, actor=staff.actor)
        for item in round_.agenda:
            ballots.cast_vote(p, item, "yes", actor=staff.actor)
    rounds.close_round(round_, actor=staff.actor, now=round_.meeting_at)
    db.session.commit()
    assert {item.result for item in round_.agenda} == {"no_quorum"}
    return round_


def _allow(jury, allowed: bool = True) -> None:
    jury.repeat_quorate = allowed
    db.session.commit()


def _repeat(earlier, staff, *, announce: bool) -> Round:
    repeat = meetings.repeat_meeting(
        earlier, when=NEXT_WEEK, place="Nachbarschaftshaus", announce=announce, actor=staff.actor
    )
    db.session.commit()
    return repeat


def test_announced_repeat_is_quorate_regardless_of_attendance(jury, staff, open_round):
    _allow(jury)
    earlier = _held_without_quorum(open_round, staff)
    repeat = _repeat(earlier, staff, announce=True)
    assert repeat.quorum_waived and repeat.repeats_round_id == earlier.id
    assert [i.application_id for i in repeat.agenda] == [i.application_id for i in earlier.agenda]
    rounds.open_round(repeat, actor=staff.actor)
    db.session.commit()
    for p in repeat.participants[:2]:
        ballots.set_presence(p, True, actor=staff.actor)
        ballots.cast_vote(p, repeat.agenda[0], "yes", actor=staff.actor)
        ballots.cast_vote(p, repeat.agenda[1], "no", actor=staff.actor)
    results = rounds.close_round(repeat, actor=staff.actor, now=repeat.meeting_at)
    first, second = (results[item.id] for item in repeat.agenda[:2])
    assert (first.outcome, first.quorate, first.quorum_needed) == ("approved", True, 1)
    assert second.outcome == "rejected"


def test_the_invitation_of_an_announced_repeat_says_it(jury, staff, open_round):
    _allow(jury)
    repeat = _repeat(_held_without_quorum(open_round, staff), staff, announce=True)
    before = db.session.scalar(select(Mail.id).order_by(Mail.id.desc()).limit(1))
    rounds.open_round(repeat, actor=staff.actor)
    db.session.commit()
    mails = db.session.scalars(
        select(Mail).where(Mail.id > before, Mail.purpose == "ballot.invitation")
    ).all()
    assert len(mails) == 7
    english = next(m for m in mails if m.language == "en")
    assert "quorate regardless of how many members attend (§ 90 (2) VwVfG)" in english.body_text
    assert "(§ 90 (2) VwVfG)" in english.body_html


def test_an_unannounced_repeat_needs_its_quorum(jury, staff, open_round):
    _allow(jury)
    repeat = _repeat(_held_without_quorum(open_round, staff), staff, announce=False)
    assert not repeat.quorum_waived
    rounds.open_round(repeat, actor=staff.actor)
    for p in repeat.participants[:2]:
        ballots.set_presence(p, True, actor=staff.actor)
    results = rounds.close_round(repeat, actor=staff.actor, now=repeat.meeting_at)
    assert {t.outcome for t in results.values()} == {"no_quorum"}
    mail = db.session.scalars(select(Mail).order_by(Mail.id.desc())).first()
    assert "regardless" not in mail.body_text


def test_refused_when_the_body_does_not_allow_it(jury, staff, open_round):
    earlier = _held_without_quorum(open_round, staff)
    with pytest.raises(DomainError) as refused:
        _repeat(earlier, staff, announce=True)
    assert refused.value.reason == "repeat.body_does_not_allow"


def test_refused_at_opening_when_the_body_withdrew_it(jury, staff, open_round):
    _allow(jury)
    repeat = _repeat(_held_without_quorum(open_round, staff), staff, announce=True)
    _allow(jury, False)
    with pytest.raises(DomainError) as refused:
        rounds.open_round(repeat, actor=staff.actor)
    assert refused.value.reason == "repeat.body_does_not_allow"


def test_refused_after_a_quorate_meeting(jury, staff, open_round):
    _allow(jury)
    round_ = open_round(mode="meeting")
    for p in round_.participants[:5]:
        ballots.set_presence(p, True, actor=staff.actor)
    rounds.close_round(round_, actor=staff.actor, now=round_.meeting_at)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        _repeat(round_, staff, announce=True)
    assert refused.value.reason == "repeat.earlier_was_quorate"


def test_refused_for_a_written_round(jury, staff, open_round):
    _allow(jury)
    round_ = open_round()
    rounds.close_round(round_, actor=staff.actor, early_reason="Test")
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        _repeat(round_, staff, announce=True)
    assert refused.value.reason == "repeat.not_a_meeting_of_the_body"


def test_staff_set_up_the_repeat_from_the_round_page(
    client, jury, staff, login, open_round, post_form
):
    _allow(jury)
    earlier = _held_without_quorum(open_round, staff)
    login(staff)
    page = client.get(f"/staff/rounds/{earlier.id}", headers={"Accept-Language": "en"})
    assert "Set up the repeat meeting" in page.get_data(as_text=True)
    response = post_form(
        f"/staff/rounds/{earlier.id}/repeat",
        {"when": "2030-03-04T18:00", "place": "Kiezladen", "announce": "y"},
        page=f"/staff/rounds/{earlier.id}",
    )
    assert response.status_code == 302
    repeat = db.session.scalar(select(Round).where(Round.repeats_round_id == earlier.id))
    assert repeat is not None and repeat.quorum_waived and repeat.place == "Kiezladen"
    assert response.headers["Location"].endswith(f"/staff/rounds/{repeat.id}")
