"""A member whose term on the body has ended has left the body: their personal ballot link (and
the session it opened) must stop opening the dossiers and the applicants' files, as it does for
a member taken off the body (DESIGN.md §2: "a member removed from the body loses access at once")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Mail
from juryfund.services import ballots, rounds, setup
from tests.fixtures import quote_of, written_round
from tests.voting.conftest import ballot_links, make_ready, open_round, ready_apps  # noqa: F401

pytestmark = pytest.mark.security


def test_member_whose_term_ended_no_longer_reads_the_dossiers(
    app, area, fund, jury, staff, clock_at
):
    application = make_ready(area, fund, "Pflanzaktion", 48000)
    quote = quote_of(application, "angebot.pdf")
    round_ = written_round(jury, staff, [application], days=10)
    leaving = jury.members[0]
    link = ballot_links()[leaving.email]
    member = app.test_client()
    member.get(link)
    assert member.get(f"/ballot/{round_.id}").status_code == 200

    # Her term ends tomorrow (staff record it on the member form); two days later she has left.
    setup.save_member(
        leaving,
        jury,
        name=leaving.name,
        email=leaving.email,
        language=leaving.language,
        role=leaving.role,
        term_start=leaving.term_start,
        term_end=clock.area_today(area) + timedelta(days=1),
    )
    db.session.commit()
    clock_at(datetime.now(UTC) + timedelta(days=3))

    assert member.get(f"/ballot/{round_.id}").status_code == 403
    assert member.get(f"/ballot/{round_.id}/files/{quote.id}").status_code == 403
    assert app.test_client().get(link).status_code in (400, 403, 410)


def _end_term(member, last_day) -> None:
    """Staff record the member's last day on the body (the member form)."""
    setup.save_member(
        member,
        member.body,
        name=member.name,
        email=member.email,
        language=member.language,
        role=member.role,
        term_start=member.term_start,
        term_end=last_day,
    )
    db.session.commit()


def test_a_term_ending_after_the_deadline_still_reads_the_decided_round(
    app, open_round, jury, clock_at
):
    """Membership counts as of the deadline, for reading as for voting: a member whose term
    ended a day after a written round's deadline still reads it during the link's grace."""
    round_ = open_round(deadline=datetime.now(UTC) + timedelta(days=2))
    member = jury.members[0]
    _end_term(member, clock.local_day(round_.deadline, jury.area.timezone))
    client = app.test_client()
    assert client.get(ballot_links()[member.email]).status_code == 302

    clock_at(round_.deadline + timedelta(days=1, hours=12))

    assert client.get(f"/ballot/{round_.id}").status_code == 200


def test_the_last_day_of_a_term_still_opens_the_ballot(app, open_round, jury, clock_at):
    """The last day of a term is still in it, counted on the area's day."""
    round_ = open_round(deadline=datetime.now(UTC) + timedelta(days=7))
    member = jury.members[0]
    today = clock.area_today(jury.area)
    _end_term(member, today)
    client = app.test_client()
    assert client.get(ballot_links()[member.email]).status_code == 302
    participant = next(p for p in round_.participants if p.member_id == member.id)
    assert ballots.refusal_now(participant) is None
    assert client.get(f"/ballot/{round_.id}").status_code == 200


def test_no_reminder_goes_to_a_member_whose_term_ended(app, open_round, jury, clock_at):
    """A reminder would hand out a ballot link that no longer opens the ballot."""
    round_ = open_round(deadline=datetime.now(UTC) + timedelta(days=7))
    leaving = jury.members[0]
    _end_term(leaving, clock.area_today(jury.area) + timedelta(days=1))
    clock_at(datetime.now(UTC) + timedelta(days=3))

    sent = rounds.send_reminders(round_)
    db.session.commit()

    reminded = db.session.scalars(
        select(Mail.to_addr).where(Mail.purpose == "ballot.reminder")
    ).all()
    assert leaving.email not in reminded
    assert sent == len(reminded) == len(jury.members) - 1
    assert db.session.scalar(select(func.count(Mail.id)).where(Mail.to_addr == leaving.email)) == 1
