"""The member's whole ballot page is kept while nothing it shows has changed (issue 18).

A kept page must never show a member anything but what the full view would show them now:
another member's page or token, a vote they have since changed, forms after the deadline, or
a page at all once their link no longer opens the ballot.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from juryfund.domain.actors import SYSTEM, Actor
from juryfund.extensions import db
from juryfund.models import RoundMember
from juryfund.services import ballots, conflicts, rounds
from juryfund.web.ballot import kept
from juryfund.web.i18n import LANGUAGE_COOKIE

from ..conftest import csrf_from
from ..perf.conftest import QueryCounter
from .conftest import ballot_links

pytestmark = pytest.mark.voting


def _participant(member) -> RoundMember:
    return db.session.scalars(select(RoundMember).where(RoundMember.member_id == member.id)).one()


def _browser(app, jury, n: int = 0):
    """A member's browser that opened its ballot link."""
    client = app.test_client()
    assert client.get(ballot_links()[jury.members[n].email]).status_code == 302
    return client


def _page(client, round_) -> str:
    response = client.get(f"/ballot/{round_.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _statements(fn) -> int:
    """How many SQL statements fn sent (the kept page answers with one)."""
    return QueryCounter()(fn)


def _without_token(html: str) -> str:
    return re.sub(r'name="csrf_token" value="[^"]+"', 'name="csrf_token" value=""', html)


def _kept_pages(app) -> int:
    return len(app.extensions["juryfund.ballotpages"].entries)


def test_the_page_again_is_the_kept_one_with_the_sessions_own_token(app, open_round, jury):
    round_ = open_round()
    client = _browser(app, jury)
    rendered = client.get(f"/ballot/{round_.id}")
    first = rendered.get_data(as_text=True)
    assert _kept_pages(app) == 1
    # The same headers as the rendered page (language, policy, no caching by the browser); the
    # first answer also set the session's new CSRF token.
    again = client.get(f"/ballot/{round_.id}")
    assert {**again.headers, "Set-Cookie": ""} == {**rendered.headers, "Set-Cookie": ""}
    answers: list[str] = []
    url = f"/ballot/{round_.id}"
    count = _statements(lambda: answers.append(client.get(url).get_data(as_text=True)))
    assert count == 1  # the member's state with the data version (no agenda, no template)
    # The same page; the token is signed anew each second, so it is compared apart.
    assert _without_token(answers[0]) == _without_token(first)
    # A second browser of the same member shares the rendering but never the token.
    other = _browser(app, jury)
    again = _page(other, round_)
    assert csrf_from(again) != csrf_from(first)
    assert _without_token(again) == _without_token(first)
    item = round_.agenda[0]
    sent = other.post(
        f"/ballot/{round_.id}/items/{item.id}/vote",
        data={"csrf_token": csrf_from(again), "choice": "yes"},
    )
    assert sent.status_code == 302


def test_members_never_share_a_kept_page(app, open_round, jury):
    round_ = open_round()
    first, second = _browser(app, jury, 0), _browser(app, jury, 1)
    html_first, html_second = _page(first, round_), _page(second, round_)
    assert jury.members[0].name in html_first and jury.members[1].name not in html_first
    assert jury.members[1].name in html_second and jury.members[0].name not in html_second
    assert _without_token(_page(second, round_)) == _without_token(html_second)
    assert _kept_pages(app) == 2


def test_a_vote_from_another_tab_or_by_staff_shows_at_once(app, open_round, jury, staff):
    round_ = open_round()
    client = _browser(app, jury)
    assert not re.search(r'value="no"\s+checked', _page(client, round_))
    participant = _participant(jury.members[0])
    # Votes are not public data (the content version stays): the kept page must not answer.
    ballots.cast_vote(
        participant, round_.agenda[1], "no", actor=Actor.member(participant.member_id)
    )
    db.session.commit()
    html = _page(client, round_)
    assert re.search(r'value="no"\s+checked', html)
    # Changed back and forth: the page follows each time.
    ballots.cast_vote(
        participant, round_.agenda[1], "yes", actor=Actor.member(participant.member_id)
    )
    db.session.commit()
    html = _page(client, round_)
    assert re.search(r'value="yes"\s+checked', html) and not re.search(
        r'value="no"\s+checked', html
    )


def test_a_declared_conflict_and_its_reason_show_at_once(app, open_round, jury):
    round_ = open_round()
    client = _browser(app, jury)
    _page(client, round_)
    participant = _participant(jury.members[0])
    item = round_.agenda[2]
    ballots.declare_conflict(
        participant, item, "Meine Schwester", actor=Actor.member(participant.member_id)
    )
    db.session.commit()
    html = _page(client, round_)
    assert "Meine Schwester" in html


def test_forms_go_when_the_deadline_passes_and_the_page_when_the_grace_ends(
    app, open_round, jury, clock_at
):
    deadline = datetime.now(UTC) + timedelta(days=1)
    round_ = open_round(deadline=deadline)
    client = _browser(app, jury)
    assert 'name="choice"' in _page(client, round_)
    clock_at(deadline + timedelta(minutes=1))
    html = _page(client, round_)
    assert 'name="choice"' not in html
    assert "Die Abstimmung in dieser Runde ist beendet." in html
    clock_at(deadline + rounds.GRACE + timedelta(minutes=1))
    assert client.get(f"/ballot/{round_.id}").status_code == 403


def test_a_revoked_or_replaced_link_gets_no_kept_page(app, open_round, jury, staff):
    round_ = open_round()
    revoked, replaced = _browser(app, jury, 0), _browser(app, jury, 1)
    _page(revoked, round_), _page(replaced, round_)
    rounds.revoke(_participant(jury.members[0]), actor=SYSTEM)
    rounds.reissue_link(_participant(jury.members[1]), actor=staff.actor)
    db.session.commit()
    assert revoked.get(f"/ballot/{round_.id}").status_code == 403
    assert replaced.get(f"/ballot/{round_.id}").status_code == 410


def test_a_ruling_by_the_body_shows_at_once(app, open_round, jury, staff):
    round_ = open_round()
    client = _browser(app, jury)
    _page(client, round_)
    conflicts.rule(
        _participant(jury.members[0]),
        round_.agenda[0],
        excluded=True,
        reason="Vorstand des Vereins",
        actor=staff.actor,
    )
    db.session.commit()
    html = _page(client, round_)
    assert "Das Gremium hat entschieden" in html


def test_a_message_to_show_is_never_answered_from_a_kept_page(app, open_round, jury):
    round_ = open_round()
    client = _browser(app, jury)
    token = csrf_from(_page(client, round_))
    item = round_.agenda[0]
    client.post(
        f"/ballot/{round_.id}/items/{item.id}/vote", data={"csrf_token": token, "choice": "yes"}
    )
    shown = _page(client, round_)
    assert "ist gespeichert" in shown
    # Shown once: the page after it is kept without the message.
    assert "ist gespeichert" not in _page(client, round_)
    assert "ist gespeichert" not in _page(client, round_)


def test_a_page_rendered_for_another_state_than_its_key_is_not_kept(app, open_round, jury):
    """A vote landing between the key's read and the view's own read keeps nothing."""
    round_ = open_round()
    client = _browser(app, jury)
    participant = _participant(jury.members[0])
    real_keep = kept.keep

    def vote_in_between(key, html, participant_, votes, declared):
        # What the view read already shows no vote; the key's state is then one vote behind.
        changed = {**votes, round_.agenda[0].id: "yes"}
        real_keep(key, html, participant_, changed, declared)

    kept.keep = vote_in_between
    try:
        _page(client, round_)
    finally:
        kept.keep = real_keep
    assert _kept_pages(app) == 0
    assert participant.link_version == 1


def test_each_language_has_its_own_kept_page(app, open_round, jury):
    round_ = open_round()
    client = _browser(app, jury)
    url = f"/ballot/{round_.id}"
    german = client.get(url, headers={"Accept-Language": "de"}).get_data(as_text=True)
    client.set_cookie(LANGUAGE_COOKIE, "ar")
    arabic = client.get(url).get_data(as_text=True)
    assert 'dir="rtl"' in arabic and 'dir="rtl"' not in german
    assert _without_token(client.get(url).get_data(as_text=True)) == _without_token(arabic)
    assert _kept_pages(app) == 2


def test_the_kept_page_keeps_to_the_areas_own_languages(app, open_round, jury, area):
    """A member whose language the area does not offer gets the ballot in one it offers, kept
    or not (the language is chosen once the area is known)."""
    area.languages = "de,en"
    db.session.commit()
    round_ = open_round()
    client = _browser(app, jury)
    client.set_cookie(LANGUAGE_COOKIE, "tr")
    url = f"/ballot/{round_.id}"
    for _ in range(2):
        html = client.get(url, headers={"Accept-Language": "tr"}).get_data(as_text=True)
        assert '<html lang="de"' in html
