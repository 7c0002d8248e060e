"""`flask juryfund tick`: the reminder 48 hours before a circulation deadline, closing at the
deadline, meeting rounds left alone; and ballot links ending at the deadline plus the grace."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from juryfund.domain.states import State
from juryfund.extensions import db
from juryfund.infra import tokens
from juryfund.models import Decision, Mail, Round
from juryfund.services import ballots, rounds

from .conftest import ballot_links, make_ready

pytestmark = pytest.mark.voting

LINK_RE = re.compile(r"https?://[^/\s]+/ballot/link/(\S+)")


def tick(runner) -> str:
    """Run `flask juryfund tick` and return its output; it must succeed."""
    result = runner.invoke(args=["juryfund", "tick"])
    assert result.exit_code == 0, (result.output, result.exception)
    db.session.expire_all()
    return result.output


def mails(purpose: str) -> list[Mail]:
    """Queued mails of one purpose, oldest first."""
    return list(db.session.scalars(select(Mail).where(Mail.purpose == purpose).order_by(Mail.id)))


def round_of_link(mail: Mail):
    """The round member the ballot link in a mail grants."""
    return rounds.participant_for_token(LINK_RE.search(mail.body_text).group(1))


def set_due(round_: Round, when: datetime) -> None:
    """Move a round's deadline (or meeting) directly in the database, past the service's checks."""
    if round_.mode == "circulation":
        round_.deadline = when
    else:
        round_.meeting_at = when
    db.session.commit()


def more_apps(area, fund, *titles: str):
    """Further ready applications for a second round of the same body."""
    return [make_ready(area, fund, title, 25000) for title in titles]


# --- reminders ---------------------------------------------------------------------------------


def test_reminder_47_hours_before_deadline_goes_once_to_members_not_done(
    runner, open_round, area, fund
):
    now = datetime.now(UTC)
    soon = open_round(deadline=now + timedelta(hours=47))
    later = open_round(
        apps=more_apps(area, fund, "Kiezchor", "Malkurs"), deadline=now + timedelta(days=3)
    )
    p = soon.participants
    items = soon.agenda
    for participant in p[:2]:  # done with everything
        for item in items:
            ballots.cast_vote(participant, item, "yes")
    ballots.cast_vote(p[2], items[0], "no")  # two of three: not done
    ballots.cast_vote(p[2], items[1], "abstain")
    # A declared conflict counts as done with that item.
    ballots.declare_conflict(p[3], items[0], "Meine Tochter ist Antragstellerin.")
    ballots.cast_vote(p[3], items[1], "yes")
    ballots.cast_vote(p[3], items[2], "no")
    db.session.commit()
    not_done = (p[2], p[4], p[5], p[6])
    expected = {participant.member.email: participant.member.language for participant in not_done}

    output = tick(runner)

    assert f"Round {soon.id}: reminder sent to 4 members." in output
    assert f"Round {later.id}" not in output
    reminders = mails("ballot.reminder")
    assert {m.to_addr: m.language for m in reminders} == expected
    assert len(reminders) == 4
    # Each reminder carries a fresh, working link to the round that is due, never the later one.
    for mail in reminders:
        participant = round_of_link(mail)
        assert participant.round_id == soon.id
        assert participant.member.email == mail.to_addr
        assert participant.reminded_at is not None
    assert soon.reminded_at is not None
    assert later.reminded_at is None
    assert soon.state == later.state == "open"

    # Once only: the next tick sends nothing, even to members who still have not voted.
    output = tick(runner)
    assert "0 reminded, 0 closed" in output
    assert len(mails("ballot.reminder")) == 4


def test_no_reminder_three_days_before_but_once_the_deadline_is_within_48_hours(runner, open_round):
    round_ = open_round(deadline=datetime.now(UTC) + timedelta(days=3))

    assert "0 reminded, 0 closed" in tick(runner)
    assert mails("ballot.reminder") == []
    assert round_.reminded_at is None

    set_due(round_, datetime.now(UTC) + timedelta(hours=47, minutes=30))
    assert f"Round {round_.id}: reminder sent to 7 members." in tick(runner)
    assert len(mails("ballot.reminder")) == 7


def test_nobody_to_remind_when_everyone_voted(runner, open_round):
    round_ = open_round(deadline=datetime.now(UTC) + timedelta(hours=47))
    for participant in round_.participants:
        for item in round_.agenda:
            ballots.cast_vote(participant, item, "yes")
    db.session.commit()

    assert f"Round {round_.id}: reminder sent to 0 members." in tick(runner)
    assert mails("ballot.reminder") == []
    assert round_.reminded_at is not None  # handled: not looked at again


# --- closing at the deadline -------------------------------------------------------------------


def test_tick_closes_a_round_past_its_deadline_with_results_and_decisions(
    runner, open_round, ready_apps
):
    round_ = open_round()
    p = round_.participants
    approved, rejected, no_quorum = round_.agenda
    for participant in p[:5]:
        ballots.cast_vote(participant, approved, "yes")
    ballots.cast_vote(p[0], rejected, "yes")
    for participant in p[1:5]:
        ballots.cast_vote(participant, rejected, "no")
    ballots.declare_conflict(p[5], rejected, "Vorstand des Trägers.")
    ballots.cast_vote(p[0], no_quorum, "yes")
    ballots.cast_vote(p[1], no_quorum, "abstain")
    db.session.commit()
    set_due(round_, datetime.now(UTC) - timedelta(minutes=5))  # save_round refuses past deadlines

    output = tick(runner)

    assert f"Round {round_.id}: closed at its deadline." in output
    assert "0 reminded, 1 closed" in output
    assert round_.state == "closed" and round_.closed_at is not None
    assert mails("ballot.reminder") == []  # a round past its deadline is closed, not reminded
    stored = {
        item.id: (
            item.result,
            item.eligible,
            item.participating,
            item.quorum_needed,
            item.yes,
            item.no,
            item.abstain,
        )
        for item in round_.agenda
    }
    assert stored == {
        approved.id: ("approved", 7, 5, 4, 5, 0, 0),
        rejected.id: ("rejected", 6, 5, 4, 1, 4, 0),
        no_quorum.id: ("no_quorum", 7, 2, 4, 1, 0, 1),
    }

    recorded = {d.agenda_item_id: d for d in db.session.scalars(select(Decision))}
    # The approval waits for staff to confirm the amount, the rejection for their reasons.
    assert set(recorded) == {no_quorum.id}
    assert recorded[no_quorum.id].outcome == "no_quorum"
    assert recorded[no_quorum.id].decided_by_id is None
    # The body decided when the vote ended (the deadline), not when the tick got round to it.
    assert recorded[no_quorum.id].decided_at == round_.deadline < round_.closed_at
    assert approved.application.state == State.SCHEDULED
    assert rejected.application.state == State.SCHEDULED
    assert no_quorum.application.state == State.READY  # back to ready for a later round
    assert mails("decision.rejected") == []

    # A closed round is done: the next tick records nothing twice.
    assert "0 reminded, 0 closed" in tick(runner)
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 1
    assert mails("decision.rejected") == []


def test_open_round_before_its_deadline_is_not_closed(runner, open_round):
    round_ = open_round(deadline=datetime.now(UTC) + timedelta(minutes=10))
    assert "0 closed" in tick(runner)
    assert round_.state == "open"


def test_meeting_rounds_are_never_closed_or_reminded_by_tick(runner, open_round, area, fund):
    past = open_round(mode="meeting", deadline=datetime.now(UTC) + timedelta(days=1))
    set_due(past, datetime.now(UTC) - timedelta(days=3))
    soon = open_round(
        mode="meeting",
        apps=more_apps(area, fund, "Nachbarschaftsfest"),
        deadline=datetime.now(UTC) + timedelta(hours=40),
    )

    assert "0 reminded, 0 closed" in tick(runner)

    assert past.state == soon.state == "open"
    assert past.closed_at is None and past.reminded_at is None and soon.reminded_at is None
    assert mails("ballot.reminder") == []
    assert db.session.scalar(select(func.count()).select_from(Decision)) == 0
    assert all(item.result is None for item in past.agenda)


# --- ballot links end at the deadline plus the grace -------------------------------------------


def test_ballot_link_works_until_deadline_plus_grace_then_is_refused(client, open_round):
    round_ = open_round()
    deadline = round_.deadline
    email, link = next(iter(ballot_links().items()))
    token = link.rsplit("/", 1)[1]

    assert rounds.participant_for_token(token, now=deadline).member.email == email
    assert rounds.participant_for_token(token, now=deadline + rounds.GRACE - timedelta(minutes=1))
    with pytest.raises(tokens.BadLink):
        rounds.participant_for_token(token, now=deadline + rounds.GRACE + timedelta(minutes=1))

    # Over HTTP, by moving the deadline: a day after it the link still lands ...
    set_due(round_, datetime.now(UTC) - timedelta(days=1))
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/ballot/{round_.id}")

    # ... and once the grace is over it shows the clear "link does not work" page.
    set_due(round_, datetime.now(UTC) - rounds.GRACE - timedelta(minutes=1))
    other = client.application.test_client()  # a browser without the earlier grant
    response = other.get(link)
    assert response.status_code == 400
    assert "ballot/link" not in response.headers.get("Location", "")
    assert 'name="csrf_token"' not in response.get_data(as_text=True)


def test_ballot_link_still_reads_a_round_closed_by_tick_within_the_grace(
    runner, client, open_round
):
    round_ = open_round()
    email, link = next(iter(ballot_links().items()))
    set_due(round_, datetime.now(UTC) - timedelta(hours=1))
    tick(runner)
    assert round_.state == "closed"

    response = client.get(link, follow_redirects=True)
    assert response.status_code == 200  # reading the closed round is still allowed
    participant = rounds.participant_for_token(link.rsplit("/", 1)[1])
    assert participant.member.email == email
    assert participant.round.state == "closed"


def test_meeting_ballot_link_ends_two_days_after_the_meeting(open_round):
    round_ = open_round(mode="meeting", deadline=datetime.now(UTC) + timedelta(days=2))
    token = next(iter(ballot_links().values())).rsplit("/", 1)[1]
    assert rounds.participant_for_token(
        token, now=round_.meeting_at + rounds.GRACE - timedelta(seconds=1)
    )
    with pytest.raises(tokens.BadLink):
        rounds.participant_for_token(
            token, now=round_.meeting_at + rounds.GRACE + timedelta(seconds=1)
        )


def test_a_close_refused_halfway_leaves_nothing_of_itself(runner, open_round, monkeypatch):
    """A close the rules refuse after it began writing (an application withdrawn in the very
    moment) must leave the round as it was: the tick commits its other work, never half a
    close."""
    from juryfund.domain.errors import DomainError

    round_ = open_round(deadline=datetime.now(UTC) + timedelta(hours=1))
    set_due(round_, datetime.now(UTC) - timedelta(minutes=5))
    round_id = round_.id

    def close_halfway(round_, **_kwargs):
        round_.state = "closed"  # the first write of a close ...
        db.session.flush()
        raise DomainError("round.not_open")  # ... and then the refusal

    monkeypatch.setattr(rounds, "close_round", close_halfway)
    output = tick(runner)
    assert "closed at its deadline" not in output
    db.session.expire_all()
    assert db.session.get(Round, round_id).state == "open"


def test_a_reminder_staff_sent_early_does_not_cancel_the_one_before_the_deadline(
    runner, open_round, clock_at
):
    """A three-week written round. After a few days staff press "remind" (nobody has voted
    yet). Two weeks later, 47 hours before the deadline, still nobody has voted: the tick must
    send the reminder 48 hours before the deadline, but the early manual reminder marked the
    round as reminded and the tick sends nothing."""
    opened_at = datetime.now(UTC)
    round_ = open_round(deadline=opened_at + timedelta(days=21))
    clock_at(opened_at + timedelta(days=3))
    assert rounds.send_reminders(round_) == 7  # staff, on day 3
    db.session.commit()
    early = db.session.scalars(select(Mail).where(Mail.purpose == "ballot.reminder")).all()
    assert len(early) == 7

    clock_at(round_.deadline - timedelta(hours=47))
    result = runner.invoke(args=["juryfund", "tick"])
    assert result.exit_code == 0, (result.output, result.exception)
    db.session.expire_all()
    assert f"Round {round_.id}: reminder sent to 7 members." in result.output
    reminders = db.session.scalars(select(Mail).where(Mail.purpose == "ballot.reminder")).all()
    assert len(reminders) == 14
