"""A kept ballot page must follow the clock as the full view does: a term ending at midnight."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.services import ballots, setup
from tests.factories import MemberFactory
from tests.voting.conftest import ballot_links, open_round, ready_apps  # noqa: F401  (fixtures)

pytestmark = pytest.mark.voting


def test_a_kept_ballot_offers_no_vote_once_the_members_term_ended(app, open_round, jury, clock_at):
    """The member's term ends tomorrow; the written round runs a week. They open the ballot
    today (the page is kept), and again two days later: the full view would offer no form
    (ballots.refusal_now says ballot.term_over, and a vote is refused), but the kept page's key
    leaves the term out and the old page with its vote forms is served."""
    member = jury.members[0]
    setup.save_member(
        member,
        jury,
        name=member.name,
        email=member.email,
        language=member.language,
        role=member.role,
        term_start=member.term_start,
        term_end=clock.area_today(jury.area) + timedelta(days=1),
    )
    db.session.commit()
    round_ = open_round(deadline=datetime.now(UTC) + timedelta(days=7))
    client = app.test_client()
    assert client.get(ballot_links()[member.email]).status_code == 302
    first = client.get(f"/ballot/{round_.id}").get_data(as_text=True)
    assert 'name="choice"' in first

    clock_at(datetime.now(UTC) + timedelta(days=3))
    participant = next(p for p in round_.participants if p.member_id == member.id)
    assert ballots.refusal_now(participant) == "ballot.term_over"
    html = client.get(f"/ballot/{round_.id}").get_data(as_text=True)
    assert 'name="choice"' not in html


def test_a_kept_meeting_ballot_offers_the_declaration_once_the_term_began(
    app, open_round, jury, clock_at
):
    """A member whose term begins before the meeting is invited to it and reads the dossiers
    at once; a conflict is declared on the ballot only from the term's first day (refusal_now),
    and the kept page must offer the form from that day, as the full view does."""
    today = clock.area_today(jury.area)
    newcomer = MemberFactory(body=jury, name="Neu Dabei", term_start=today + timedelta(days=2))
    db.session.commit()
    round_ = open_round(mode="meeting", deadline=datetime.now(UTC) + timedelta(days=5))
    participant = next(p for p in round_.participants if p.member_id == newcomer.id)
    client = app.test_client()
    assert client.get(ballot_links()[newcomer.email]).status_code == 302
    before = client.get(f"/ballot/{round_.id}")
    assert before.status_code == 200
    assert 'name="reason"' not in before.get_data(as_text=True)

    clock_at(datetime.now(UTC) + timedelta(days=3))

    assert ballots.declaration_refusal(participant) is None
    assert 'name="reason"' in client.get(f"/ballot/{round_.id}").get_data(as_text=True)
