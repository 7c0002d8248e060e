"""Real concurrent requests against a real threaded server, and two approvals racing for money.

The suite runs on SQLite by default and on PostgreSQL when JURYFUND_TEST_DATABASE_URL is set;
these tests must hold on both (issue 4 item 9, DESIGN.md §5).
"""

from __future__ import annotations

import functools
import http.cookiejar
import re
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from juryfund.domain.actors import Actor
from juryfund.domain.errors import DomainError
from juryfund.domain.states import State
from juryfund.extensions import db
from juryfund.models import (
    AgendaItem,
    Application,
    Decision,
    FundYear,
    LedgerEntry,
    Round,
    RoundMember,
    Vote,
)
from juryfund.services import decisions, ledger, rounds

from ..races import race
from .conftest import approved_round, ballot_links, make_ready

pytestmark = pytest.mark.voting

#: Every network call and thread join is bounded by this many seconds.
TIMEOUT = 20
CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


# --- a real server and plain HTTP clients ------------------------------------------------------


@pytest.fixture
def server(app):
    """The test app in a real threaded WSGI server on a free port; its base URL."""
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(TIMEOUT)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """Report a redirect as it is instead of following it (the POST's own status counts)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D102
        return None


class Member:
    """One simulated member with their own browser: a cookie jar and their ballot link."""

    def __init__(self, base: str, link: str) -> None:
        self.base, self.link = base, link
        self.jar = http.cookiejar.CookieJar()
        cookies = urllib.request.HTTPCookieProcessor(self.jar)
        self.browser = urllib.request.build_opener(cookies)
        self.poster = urllib.request.build_opener(cookies, _NoRedirect())
        self.round_url = ""
        self.csrf = ""

    def land(self) -> str:
        """Open the ballot link, follow its redirect and keep the CSRF token of the ballot page."""
        with self.browser.open(self.base + self.link, timeout=TIMEOUT) as response:
            assert response.status == 200
            self.round_url = urllib.parse.urlsplit(response.url).path
            html = response.read().decode()
        assert "/ballot/link/" not in self.round_url, "the token stays out of the URL"
        with self.browser.open(self.base + self.round_url, timeout=TIMEOUT) as response:
            html = response.read().decode()
        self.csrf = CSRF_RE.search(html).group(1)
        return html

    def vote(self, item_id: int, choice: str) -> int:
        """POST one vote as the form does; the response's status code (never followed)."""
        data = urllib.parse.urlencode({"csrf_token": self.csrf, "choice": choice}).encode()
        url = f"{self.base}{self.round_url}/items/{item_id}/vote"
        try:
            with self.poster.open(url, data=data, timeout=TIMEOUT) as response:
                return response.status
        except urllib.error.HTTPError as error:  # 3xx (not followed), 4xx, 5xx
            error.close()
            return error.code


def run_together(jobs) -> list[BaseException]:
    """Run callables in threads released at the same moment; the exceptions they raised."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def runner(job):
        try:
            barrier.wait(TIMEOUT)
            job()
        except BaseException as error:  # noqa: BLE001  (reported to the test thread)
            errors.append(error)

    threads = [threading.Thread(target=runner, args=(job,), daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    return errors


def fresh_votes(item_ids) -> list[Vote]:
    """The vote rows as the database has them now (not the test session's cache)."""
    db.session.rollback()
    return list(db.session.scalars(select(Vote).where(Vote.agenda_item_id.in_(item_ids))))


# --- many members voting at once ---------------------------------------------------------------


def test_seven_members_vote_on_every_item_at_once(server, open_round):
    round_ = open_round()
    item_ids = [item.id for item in round_.agenda]
    links = ballot_links()
    assert len(links) == 7
    members = {email: Member(server, link) for email, link in links.items()}
    for member in members.values():
        member.land()
    member_ids = {p.member.email: p.member_id for p in round_.participants}

    # Five posts per member and item, alternating, ending on a choice that differs by member
    # and item so that a vote landing on the wrong row would show.
    finals = ["yes", "no", "abstain"]
    expected: dict[tuple[int, int], str] = {}
    statuses: list[int] = []
    lock = threading.Lock()
    jobs = []
    for m, (email, member) in enumerate(members.items()):
        for i, item_id in enumerate(item_ids):
            final = finals[(m + i) % 3]
            other = "no" if final == "yes" else "yes"
            sequence = [final if k % 2 == 0 else other for k in range(5)]
            assert sequence[-1] == final
            expected[(member_ids[email], item_id)] = final

            def job(member=member, item_id=item_id, sequence=sequence):
                for choice in sequence:
                    status = member.vote(item_id, choice)
                    with lock:
                        statuses.append(status)

            jobs.append(job)

    errors = run_together(jobs)
    assert not errors, errors
    assert len(statuses) == 7 * 3 * 5
    assert not [s for s in statuses if s >= 500], statuses
    assert set(statuses) == {302}, statuses  # every vote was accepted and redirected back

    votes = fresh_votes(item_ids)
    assert len(votes) == 21
    assert {(v.member_id, v.agenda_item_id): v.choice for v in votes} == expected
    # What the members see agrees: every one of them is done with all three items.
    assert all(
        missing == 0 for missing in rounds.missing_votes(db.session.get(Round, round_.id)).values()
    )


def test_same_vote_posted_twenty_times_in_parallel_gives_one_row(server, open_round):
    round_ = open_round()
    item_id = round_.agenda[1].id
    email, link = next(iter(ballot_links().items()))
    member = Member(server, link)
    member.land()
    statuses: list[int] = []
    lock = threading.Lock()

    def job():
        status = member.vote(item_id, "yes")
        with lock:
            statuses.append(status)

    errors = run_together([job] * 20)
    assert not errors, errors
    assert len(statuses) == 20
    assert not [s for s in statuses if s >= 500], statuses
    assert set(statuses) == {302}, statuses

    votes = fresh_votes([item.id for item in round_.agenda])
    assert [(v.agenda_item_id, v.choice) for v in votes] == [(item_id, "yes")]
    participant = db.session.scalar(
        select(RoundMember).where(
            RoundMember.round_id == round_.id, RoundMember.member_id == votes[0].member_id
        )
    )
    assert participant.member.email == email


# --- two approvals racing for the last euros (DESIGN.md §5) ------------------------------------


@pytest.fixture
def tight_round(area, jury, staff, make):
    """A closed round with two approved items of 1,000 € each and only 1,500 € in the fund year."""
    fund = make.fund(area, jury, cap_cents=150000, allocation_cents=150000)
    apps = [
        make_ready(area, fund, "Sommerfest", 100000),
        make_ready(area, fund, "Kiezgarten", 100000),
    ]
    round_ = approved_round(jury, staff, apps, title="Umlauf knapp")
    assert [item.result for item in round_.agenda] == ["approved", "approved"]
    fund_year = db.session.scalar(select(FundYear).where(FundYear.fund_id == fund.id))
    assert ledger.balances_of(fund_year.id).available == 150000
    return round_, fund_year


def _race_confirmations(app, item_ids, staff_id, amount_cents):
    """Confirm every item from its own thread, session and transaction; outcomes by item."""

    def confirm(item_id):
        def job(ready):
            item = db.session.get(AgendaItem, item_id)
            actor = Actor.staff(staff_id)
            item.application, item.round  # noqa: B018  (load before the race starts)
            ready()
            decisions.confirm_approval(
                item,
                amount_cents=amount_cents,
                conditions="",
                reasons="Weniger Mittel als beantragt verfügbar.",
                actor=actor,
            )

        return job

    return dict(zip(item_ids, race(app, *(confirm(item_id) for item_id in item_ids)), strict=True))


def test_two_approvals_racing_for_the_last_euros_exactly_one_wins(app, tight_round, staff):
    round_, fund_year = tight_round
    item_ids = [item.id for item in round_.agenda]

    outcomes = _race_confirmations(app, item_ids, staff.id, 100000)

    winners = [item_id for item_id, outcome in outcomes.items() if outcome == "ok"]
    losers = {item_id: outcome for item_id, outcome in outcomes.items() if outcome != "ok"}
    assert len(winners) == 1, outcomes
    [refusal] = losers.values()
    assert isinstance(refusal, DomainError), repr(refusal)  # refused by the rules, not a crash
    assert refusal.reason.startswith("booking."), refusal.reason

    db.session.rollback()
    balances = ledger.balances_of(fund_year.id)
    assert balances.committed == 100000
    assert balances.available == 50000 >= 0
    commitments = db.session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.fund_year_id == fund_year.id, LedgerEntry.kind == "commitment"
        )
    ).all()
    assert len(commitments) == 1
    winner = db.session.get(AgendaItem, winners[0])
    [loser_id] = losers
    loser = db.session.get(AgendaItem, loser_id)
    assert commitments[0].application_id == winner.application_id
    # The loser's transaction left nothing behind: no decision, still waiting for confirmation.
    assert winner.application.state == State.APPROVED
    assert loser.application.state == State.SCHEDULED
    assert (
        db.session.scalar(
            select(func.count()).select_from(Decision).where(Decision.agenda_item_id == loser.id)
        )
        == 0
    )
    # Staff can still confirm the loser with what is left.
    decisions.confirm_approval(
        loser,
        amount_cents=50000,
        conditions="Teilbewilligung",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    db.session.commit()
    assert ledger.balances_of(fund_year.id).available == 0


def test_concurrent_bookings_never_overdraw_the_year(app, tight_round, staff):
    """The lock itself, without the rest of a confirmation: five bookings of 400 € into 1,500 €."""
    round_, fund_year = tight_round
    fund_year_id = fund_year.id
    application_ids = [item.application_id for item in round_.agenda]
    results: list[object] = []
    lock = threading.Lock()

    def book(application_id):
        with app.app_context():
            try:
                year = db.session.get(FundYear, fund_year_id)
                application = db.session.get(Application, application_id)
                ledger.book(year, "commitment", 40000, application=application, note="race")
                db.session.commit()
                outcome: object = "ok"
            except DomainError as error:
                db.session.rollback()
                outcome = error
            except BaseException as error:  # noqa: BLE001
                db.session.rollback()
                outcome = error
            finally:
                db.session.remove()
            with lock:
                results.append(outcome)

    errors = run_together([functools.partial(book, application_ids[n % 2]) for n in range(5)])
    assert not errors, errors
    assert len(results) == 5
    assert results.count("ok") == 3, results
    assert all(isinstance(r, DomainError) for r in results if r != "ok"), results
    db.session.rollback()
    balances = ledger.balances_of(fund_year_id)
    assert balances.committed == 120000
    assert balances.available == 30000
