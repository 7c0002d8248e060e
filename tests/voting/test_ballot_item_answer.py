"""A vote sent by the ballot's script gets back only the changed item (issue 18).

The plain form (POST, redirect, the whole page) is tested in test_ballot.py; here the answer
the script puts in place: the item as it is now, the progress, and the message to announce.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import Vote
from juryfund.web.ballot.routes import FRAGMENT_HEADER

from ..conftest import csrf_from
from .conftest import ballot_links

pytestmark = pytest.mark.voting


@pytest.fixture
def member(app, open_round, jury):
    """A member's browser on an open circulation round: (client, round, csrf token)."""
    round_ = open_round()
    client = app.test_client()
    client.get(ballot_links()[jury.members[0].email])
    token = csrf_from(client.get(f"/ballot/{round_.id}").get_data(as_text=True))
    return client, round_, token


def _send(client, round_, item, token, choice, language="de"):
    return client.post(
        f"/ballot/{round_.id}/items/{item.id}/vote",
        data={"csrf_token": token, "choice": choice},
        headers={FRAGMENT_HEADER: "item", "Accept-Language": language},
    )


def test_a_vote_answers_with_the_changed_item_the_progress_and_a_message(member, jury):
    client, round_, token = member
    item = round_.agenda[1]
    answer = _send(client, round_, item, token, "no")
    assert answer.status_code == 200
    html = answer.get_data(as_text=True)
    # Only this item: its section with the vote now checked, no other item, no page around it.
    assert html.count('class="card agenda-item"') == 1
    assert f'id="item-{item.id}"' in html and "<html" not in html
    assert re.search(r'value="no"\s+checked', html)
    assert 'id="ballot-progress"' in html and 'value="1"' in html
    assert "Ihre Stimme zu" in html and "ist gespeichert" in html
    assert 'name="csrf_token"' in html  # the replaced form can send again
    assert "Set-Cookie" not in answer.headers  # nothing flashed for a page that never comes
    votes = db.session.scalars(select(Vote)).all()
    assert [(v.member_id, v.agenda_item_id, v.choice) for v in votes] == [
        (jury.members[0].id, item.id, "no")
    ]


def test_a_refused_vote_shows_why_next_to_the_item(member):
    client, round_, token = member
    item = round_.agenda[0]
    answer = _send(client, round_, item, token, "maybe", language="ar")
    assert answer.status_code == 422
    html = answer.get_data(as_text=True)
    assert 'class="field-error"' in html
    assert f'id="item-{item.id}"' in html
    assert db.session.scalars(select(Vote)).all() == []


def test_without_the_header_the_plain_form_still_redirects_to_the_page(member):
    client, round_, token = member
    item = round_.agenda[0]
    plain = client.post(
        f"/ballot/{round_.id}/items/{item.id}/vote", data={"csrf_token": token, "choice": "yes"}
    )
    assert plain.status_code == 302
    assert plain.headers["Location"].endswith(f"/ballot/{round_.id}#item-{item.id}")


def test_the_answer_is_personal_and_never_cached(member):
    client, round_, token = member
    answer = _send(client, round_, round_.agenda[0], token, "yes")
    assert answer.headers["Cache-Control"] == "no-store, private"


def test_members_in_the_same_position_share_a_rendering_but_never_a_token_or_a_reason(
    app, open_round, jury
):
    """The member part of an item is rendered once per position (ballot.routes.member_key):
    another member sees their own vote, reason and CSRF token, never the first one's."""
    assert app.config["JURYFUND_PAGE_CACHE_SIZE"] > 0
    round_ = open_round()
    links = ballot_links()
    first, second = app.test_client(), app.test_client()
    first.get(links[jury.members[0].email])
    second.get(links[jury.members[1].email])
    page_url = f"/ballot/{round_.id}"
    first_token = csrf_from(first.get(page_url).get_data(as_text=True))
    voted, declared = round_.agenda[0], round_.agenda[1]
    assert _send(first, round_, voted, first_token, "no").status_code == 200
    reason = "Mein Bruder leitet den Verein"
    assert (
        first.post(
            f"/ballot/{round_.id}/items/{declared.id}/conflict",
            data={"csrf_token": first_token, "reason": reason},
        ).status_code
        == 302
    )
    first_page = first.get(page_url).get_data(as_text=True)
    assert re.search(r'value="no"\s+checked', first_page) and reason in first_page

    second_page = second.get(page_url).get_data(as_text=True)
    second_token = csrf_from(second_page)
    assert not re.search(r"checked", second_page) and reason not in second_page
    assert "\x00" not in second_page and "\x00" not in first_page  # every slot filled in
    # Every form of the second member's page carries the second member's token, and it works.
    tokens = set(re.findall(r'name="csrf_token" value="([^"]+)"', second_page))
    assert tokens == {second_token}
    assert _send(second, round_, voted, second_token, "no").status_code == 200
    # Now in the first member's position on that item: the same shared rendering, own token.
    again = second.get(page_url).get_data(as_text=True)
    assert re.search(r'value="no"\s+checked', again) and reason not in again
    assert set(re.findall(r'name="csrf_token" value="([^"]+)"', again)) == {csrf_from(again)}
    assert csrf_from(again) not in first_page


def test_a_changed_vote_answers_with_the_new_choice(member):
    """The answer reads the positions after the vote's commit (the member and the agenda stay
    as read before it): a vote changed twice shows the last choice, never the one before."""
    client, round_, token = member
    item = round_.agenda[0]
    for choice in ("yes", "no", "abstain"):
        html = _send(client, round_, item, token, choice).get_data(as_text=True)
        assert re.search(rf'value="{choice}"\s+checked', html)
        assert len(re.findall(r"\bchecked\b", html)) == 1


def test_a_grant_revoked_while_the_vote_ran_answers_like_any_later_request(
    member, jury, monkeypatch
):
    """The answer shows the member and the agenda as read before the vote, but not a grant
    staff revoked meanwhile: that answers 403, as the next request would."""
    from datetime import UTC, datetime

    from sqlalchemy import update

    from juryfund.models import RoundMember
    from juryfund.web.ballot import routes

    client, round_, token = member
    member_id = jury.members[0].id
    real_attempt = routes.attempt_inline

    def vote_then_revoke(action, **options):
        refusals = real_attempt(action, **options)
        with db.engine.begin() as staff:  # another request, committed after the vote
            staff.execute(
                update(RoundMember)
                .where(RoundMember.member_id == member_id)
                .values(revoked_at=datetime.now(UTC))
            )
        return refusals

    monkeypatch.setattr(routes, "attempt_inline", vote_then_revoke)
    answer = _send(client, round_, round_.agenda[0], token, "yes")
    assert answer.status_code == 403
    assert [v.choice for v in db.session.scalars(select(Vote))] == ["yes"]  # the vote stands
