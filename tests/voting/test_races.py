"""Writes two people send at once on a round (issue 11 items 1-3): real threads, real database.

Each race runs several times: the faults it guards against showed in 9 of 10 tries.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import SYSTEM, Actor
from juryfund.domain.errors import DomainError
from juryfund.domain.states import State
from juryfund.extensions import db
from juryfund.models import (
    AgendaItem,
    Decision,
    LedgerEntry,
    Mail,
    Position,
    Round,
    RoundMember,
)
from juryfund.services import ballots, decisions, rounds
from tests.conftest import PASSWORD
from tests.races import one_won, race
from tests.voting.test_concurrency import server  # noqa: F401  (the real threaded server)

from .conftest import approved_round, make_ready

pytestmark = pytest.mark.voting

TRIES = 4


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


@pytest.fixture
def approved_items(area, fund, jury, staff):
    """A closed round whose TRIES items were all approved and wait for confirmation."""
    apps = [make_ready(area, fund, f"Aktion {i}", 50000) for i in range(TRIES)]
    return [item.id for item in approved_round(jury, staff, apps).agenda]


def test_two_staff_confirming_the_same_approval_give_one_decision(
    app, approved_items, staff, make, area
):
    # Ids only: the threads must never touch this session's objects.
    staff_id, other_id = staff.id, make.staff(areas=[area]).id
    for item_id in approved_items:

        def confirm(ready, actor_id):
            item = db.session.get(AgendaItem, item_id)
            actor = Actor.staff(actor_id)
            item.application, item.round  # noqa: B018  (loaded before the race)
            ready()
            decisions.confirm_approval(
                item,
                amount_cents=50000,
                conditions="",
                reasons="Weniger Mittel als beantragt verfügbar.",
                actor=actor,
            )

        outcomes = race(
            app, lambda ready: confirm(ready, staff_id), lambda ready: confirm(ready, other_id)
        )
        one_won(outcomes, "decision.not_pending")
        item = db.session.get(AgendaItem, item_id)
        assert _count(Decision, Decision.agenda_item_id == item_id) == 1
        commitments = db.session.scalars(
            select(LedgerEntry.amount_cents).where(
                LedgerEntry.application_id == item.application_id, LedgerEntry.kind == "commitment"
            )
        ).all()
        assert commitments == [50000]
        assert (
            _count(
                Mail, Mail.purpose == "decision.approved", Mail.to_addr == item.application.email
            )
            == 1
        )
        assert item.application.state == State.APPROVED


def test_one_decision_per_agenda_item_is_a_database_rule(approved_items, staff):
    item = db.session.get(AgendaItem, approved_items[0])
    decisions.confirm_approval(
        item,
        amount_cents=50000,
        conditions="",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    db.session.commit()
    db.session.add(
        Decision(
            application_id=item.application_id,
            agenda_item_id=item.id,
            outcome="approved",
            approved_cents=50000,
            requested_cents=50000,
        )
    )
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.flush()
    db.session.rollback()


@pytest.fixture
def fresh_round(open_round, area, fund):
    """A new open circulation round with three new ready applications, each time it is called."""

    def build(**kwargs) -> Round:
        apps = [make_ready(area, fund, f"Aktion {n}", 30000) for n in range(3)]
        return open_round(apps=apps, **kwargs)

    return build


def _participants(round_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(RoundMember.id).where(RoundMember.round_id == round_id).order_by(RoundMember.id)
        )
    )


def test_vote_and_conflict_sent_at_once_leave_one_position(app, client, open_round, staff, login):
    round_ = open_round()
    item_ids = [item.id for item in round_.agenda]
    for participant_id in _participants(round_.id)[:TRIES]:
        for item_id in item_ids:

            def vote(ready):
                participant = db.session.get(RoundMember, participant_id)
                item = db.session.get(AgendaItem, item_id)
                participant.round, participant.member  # noqa: B018
                ready()
                ballots.cast_vote(participant, item, "yes")

            def conflict(ready):
                participant = db.session.get(RoundMember, participant_id)
                item = db.session.get(AgendaItem, item_id)
                participant.round, participant.member  # noqa: B018
                ready()
                ballots.declare_conflict(participant, item, "Ich bin im Vorstand.")

            outcomes = race(app, vote, conflict)
            # Both may succeed (the conflict then replaces the vote) or the vote is refused;
            # neither may fail with a database error.
            assert all(o == "ok" or isinstance(o, DomainError) for o in outcomes), outcomes
    positions = db.session.execute(
        select(Position.agenda_item_id, Position.member_id, Position.kind)
    ).all()
    assert len(positions) == len({(p[0], p[1]) for p in positions})  # one per member and item
    round_ = db.session.get(Round, round_.id)
    tallies = rounds.tallies(round_)  # never raises
    assert all(
        t.eligible == 7 - sum(1 for p in positions if p[0] == item_id and p[2] == "conflict")
        for item_id, t in tallies.items()
    )
    login(staff)
    assert client.get(f"/staff/rounds/{round_.id}").status_code == 200
    rounds.close_round(
        db.session.get(Round, round_.id),
        actor=staff.actor,
        early_reason="Vor der Frist geschlossen.",
    )
    db.session.commit()


def test_objection_and_close_at_once_one_of_them_happens(app, fresh_round, staff):
    staff_id = staff.id
    for _ in range(TRIES):
        round_ = fresh_round()
        round_id, participant_id = round_.id, _participants(round_.id)[0]
        for participant in round_.participants[:5]:
            for item in round_.agenda:
                ballots.cast_vote(participant, item, "yes")
        db.session.commit()

        def object_(ready):
            participant = db.session.get(RoundMember, participant_id)
            participant.round  # noqa: B018
            ready()
            rounds.object_to_writing(participant)

        def close(ready):
            target = db.session.get(Round, round_id)
            actor = Actor.staff(staff_id)
            ready()
            rounds.close_round(target, actor=actor, early_reason="Vor der Frist geschlossen.")

        winner = one_won(race(app, object_, close), "round.not_open")
        round_ = db.session.get(Round, round_id)
        decided = _count(Decision, Decision.agenda_item_id.in_([item.id for item in round_.agenda]))
        if winner == 0:
            assert (round_.state, decided) == ("deferred", 0)
            assert {item.application.state for item in round_.agenda} == {State.READY}
        else:
            assert round_.state == "closed"
            assert {item.result for item in round_.agenda} == {"approved"}


def test_objection_after_the_deadline_is_refused_and_the_votes_stand(
    app, open_round, staff, clock_at
):
    round_ = open_round(deadline=datetime.now(UTC) + timedelta(hours=1))
    for participant in round_.participants[:5]:
        for item in round_.agenda:
            ballots.cast_vote(participant, item, "yes")
    db.session.commit()
    clock_at(round_.deadline + timedelta(minutes=3))  # after the deadline, before `tick`
    with pytest.raises(DomainError) as caught:
        rounds.object_to_writing(round_.participants[5])
    assert caught.value.reason == "ballot.round_closed"
    db.session.rollback()
    round_ = db.session.get(Round, round_.id)
    assert round_.state == "open" and round_.objected_at is None
    assert _count(Position, Position.kind == "vote") == 15
    results = rounds.close_round(round_, actor=SYSTEM, early_reason="Vor der Frist geschlossen.")
    db.session.commit()
    assert {r.outcome.value for r in results.values()} == {"approved"}


def test_staff_and_tick_closing_at_once_close_once(app, fresh_round, staff):
    staff_id = staff.id
    for _ in range(TRIES):
        round_ = fresh_round()
        round_id = round_.id

        def close(ready, actor_id):
            target = db.session.get(Round, round_id)
            actor = Actor.staff(actor_id) if actor_id else SYSTEM
            ready()
            rounds.close_round(target, actor=actor, early_reason="Vor der Frist geschlossen.")

        one_won(race(app, lambda r: close(r, staff_id), lambda r: close(r, None)), "round.not_open")
        round_ = db.session.get(Round, round_id)
        assert (
            _count(Decision, Decision.agenda_item_id.in_([i.id for i in round_.agenda])) == 3
        )  # no quorum


def test_a_vote_racing_the_close_is_counted_or_refused(app, fresh_round, staff):
    staff_id = staff.id
    for _ in range(TRIES):
        round_ = fresh_round()
        round_id, participants = round_.id, _participants(round_.id)
        item_id = round_.agenda[0].id
        for participant in round_.participants[:3]:
            ballots.cast_vote(participant, round_.agenda[0], "yes")
        db.session.commit()

        def vote(ready):
            participant = db.session.get(RoundMember, participants[3])
            item = db.session.get(AgendaItem, item_id)
            participant.round, participant.member  # noqa: B018
            ready()
            ballots.cast_vote(participant, item, "no")

        def close(ready):
            target = db.session.get(Round, round_id)
            actor = Actor.staff(staff_id)
            ready()
            rounds.close_round(target, actor=actor, early_reason="Vor der Frist geschlossen.")

        outcomes = race(app, vote, close)
        assert outcomes[1] == "ok", outcomes
        item = db.session.get(AgendaItem, item_id)
        votes = _count(Position, Position.agenda_item_id == item_id, Position.kind == "vote")
        # The vote is either in the tally or was refused; it never lands after the close.
        assert item.yes + item.no + item.abstain == votes
        assert votes == (4 if outcomes[0] == "ok" else 3)


# --- the same over HTTP: two staff sessions posting the confirmation at once -------------------


class StaffBrowser:
    """A logged-in staff member's browser against the real threaded server."""

    def __init__(self, base: str, email: str) -> None:
        import http.cookiejar
        import urllib.request

        from tests.voting.test_concurrency import _NoRedirect

        self.base = base
        jar = http.cookiejar.CookieJar()
        self.browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        self.poster = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(jar), _NoRedirect()
        )
        token = self.csrf("/staff/login")
        self.post("/staff/login", {"csrf_token": token, "email": email, "password": PASSWORD})

    def csrf(self, path: str) -> str:
        """The CSRF token of the page's first form."""
        from tests.conftest import csrf_from

        with self.browser.open(self.base + path, timeout=30) as response:
            return csrf_from(response.read().decode())

    def post(self, path: str, data: dict) -> int:
        """POST a form; the response status (redirects are not followed)."""
        import urllib.error
        import urllib.parse

        try:
            with self.poster.open(
                self.base + path, data=urllib.parse.urlencode(data).encode(), timeout=30
            ) as response:
                return response.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code


def test_two_staff_sessions_posting_the_same_confirmation_book_once(
    app, server, approved_items, staff, make, area
):
    import threading

    other = make.staff(areas=[area])
    item = db.session.get(AgendaItem, approved_items[0])
    path = f"/staff/rounds/{item.round_id}/items/{item.id}/confirm"
    browsers = [StaffBrowser(server, staff.email), StaffBrowser(server, other.email)]
    tokens = [browser.csrf(path) for browser in browsers]
    barrier, statuses = threading.Barrier(2), []

    def send(browser, token):
        barrier.wait(30)
        statuses.append(
            browser.post(path, {"csrf_token": token, "amount": "500,00", "conditions": ""})
        )

    threads = [
        threading.Thread(target=send, args=pair) for pair in zip(browsers, tokens, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    # One is recorded and redirected; the other shows the form again with the refusal.
    assert sorted(statuses) == [200, 302], statuses
    db.session.expire_all()
    assert _count(Decision, Decision.agenda_item_id == item.id) == 1
    assert _count(LedgerEntry, LedgerEntry.application_id == item.application_id) == 1
    assert _count(Mail, Mail.purpose == "decision.approved") == 1


def test_a_position_that_does_not_fit_never_breaks_the_round(
    app, client, fresh_round, staff, login, make, area
):
    """A row the rules would refuse (here: a vote by someone not frozen into the round) is left
    out of the tally; the round page, the minutes, closing and tick keep working."""
    round_ = fresh_round()
    stranger = make.body(area, members=1).members[0]
    db.session.add(
        Position(
            agenda_item_id=round_.agenda[0].id, member_id=stranger.id, kind="vote", choice="yes"
        )
    )
    db.session.commit()
    login(staff)
    assert client.get(f"/staff/rounds/{round_.id}").status_code == 200
    assert client.get(f"/staff/rounds/{round_.id}/minutes").status_code == 200
    results = rounds.close_round(
        db.session.get(Round, round_.id),
        actor=staff.actor,
        early_reason="Vor der Frist geschlossen.",
    )
    db.session.commit()
    assert results[round_.agenda[0].id].yes == 0


def test_an_application_withdrawn_while_its_round_is_open_never_blocks_the_close(
    app, fresh_round, staff
):
    from juryfund.services import intake

    round_ = fresh_round()
    withdrawn = round_.agenda[0].application
    intake.withdraw(withdrawn, reason="Wir feiern doch nicht.")
    db.session.commit()
    rounds.close_round(
        db.session.get(Round, round_.id), actor=SYSTEM, early_reason="Vor der Frist geschlossen."
    )  # as tick does
    db.session.commit()
    round_ = db.session.get(Round, round_.id)
    assert round_.state == "closed"
    assert withdrawn.state == State.WITHDRAWN
    assert _count(Decision, Decision.application_id == withdrawn.id) == 0
    assert _count(Decision, Decision.agenda_item_id.in_([i.id for i in round_.agenda[1:]])) == 2


def test_an_application_on_an_agenda_cannot_be_marked_ready_again(fresh_round, staff):
    from juryfund.services import intake

    round_ = fresh_round()
    with pytest.raises(DomainError):
        intake.mark_ready(round_.agenda[0].application, review_note="", actor=staff.actor)


@pytest.fixture
def rejected_items(area, fund, jury, staff):
    """A closed round whose TRIES items were all rejected and wait for staff's reasons."""
    apps = [make_ready(area, fund, f"Absage {i}", 50000) for i in range(TRIES)]
    round_ = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf",
        when=datetime.now(UTC) + timedelta(days=7),
        place="",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [a.id for a in apps])
    rounds.open_round(round_, actor=staff.actor)
    for participant in round_.participants[:5]:
        for item in round_.agenda:
            ballots.cast_vote(participant, item, "no")
    rounds.close_round(round_, actor=staff.actor, early_reason="Vor der Frist geschlossen.")
    db.session.commit()
    return [item.id for item in round_.agenda]


def test_two_staff_confirming_the_same_rejection_give_one_decision_and_one_letter(
    app, rejected_items, staff, make, area
):
    # Ids only: the threads must never touch this session's objects.
    staff_id, other_id = staff.id, make.staff(areas=[area]).id
    for item_id in rejected_items:

        def confirm(ready, actor_id, reasons):
            item = db.session.get(AgendaItem, item_id)
            item.application, item.round  # noqa: B018  (loaded before the race)
            ready()
            decisions.confirm_rejection(item, reasons=reasons, actor=Actor.staff(actor_id))

        outcomes = race(
            app,
            lambda ready: confirm(ready, staff_id, "Außerhalb des Gebiets."),
            lambda ready: confirm(ready, other_id, "Kein Nachbarschaftsbezug."),
        )
        winner = one_won(outcomes, "decision.rejection_not_pending")
        item = db.session.get(AgendaItem, item_id)
        [decision] = db.session.scalars(
            select(Decision).where(Decision.agenda_item_id == item_id)
        ).all()
        assert decision.reasons == ("Außerhalb des Gebiets.", "Kein Nachbarschaftsbezug.")[winner]
        letters = db.session.scalars(
            select(Mail).where(
                Mail.purpose == "decision.rejected", Mail.to_addr == item.application.email
            )
        ).all()
        assert len(letters) == 1 and decision.reasons in letters[0].body_text
        assert item.application.state == State.REJECTED
