"""An applicant may withdraw until the decision (DESIGN.md §2, §3). Once withdrawn, the application
is no longer before the body: the members' ballots must stop handing out its dossier and its
files (quotes with names, addresses and signatures)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import Actor
from juryfund.extensions import db
from juryfund.models import ConflictFlag, Mail, Position
from juryfund.services import ballots, intake, rounds
from juryfund.web.ballot.routes import FRAGMENT_HEADER
from tests.conftest import csrf_from
from tests.fixtures import quote_of, written_round
from tests.voting.conftest import ballot_links, make_ready, open_round, ready_apps  # noqa: F401

pytestmark = pytest.mark.voting


def test_withdrawn_application_leaves_the_members_ballot(app, area, fund, jury, staff):
    withdrawn = make_ready(area, fund, "Geburtstag bei Familie Kowalski", 48000)
    staying = make_ready(area, fund, "Lesecafé", 30000)
    quote = quote_of(withdrawn, "angebot-kowalski.pdf")
    round_ = written_round(jury, staff, [withdrawn, staying], days=7)
    member = app.test_client()
    member.get(ballot_links()[jury.members[0].email])
    assert member.get(f"/ballot/{round_.id}/files/{quote.id}").status_code == 200

    intake.withdraw(
        withdrawn, reason="Ich ziehe zurück.", actor=Actor.applicant(withdrawn.reference)
    )
    db.session.commit()

    page = member.get(f"/ballot/{round_.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Lesecafé" in html
    # Its dossier (the description) and its files are gone; a line saying it was withdrawn may stay.
    assert "Familie Kowalski: Beschreibung" not in html
    assert "angebot-kowalski.pdf" not in html
    assert member.get(f"/ballot/{round_.id}/files/{quote.id}").status_code == 404


def _withdraw(application) -> None:
    intake.withdraw(
        application, reason="Wir feiern doch nicht.", actor=Actor.applicant(application.reference)
    )
    db.session.commit()


def _item_of(round_, application):
    return next(item for item in round_.agenda if item.application_id == application.id)


def test_a_page_seen_before_the_withdrawal_is_not_served_after_it(
    app, open_round, jury, ready_apps
):
    """The member's kept page and the cached dossiers were rendered before the withdrawal."""
    round_ = open_round()
    member = app.test_client()
    member.get(ballot_links()[jury.members[0].email])
    before = member.get(f"/ballot/{round_.id}").get_data(as_text=True)
    assert ready_apps[0].description in before
    assert len(app.extensions["juryfund.ballotpages"].entries) == 1  # the page is kept

    _withdraw(ready_apps[0])

    html = member.get(f"/ballot/{round_.id}").get_data(as_text=True)
    assert ready_apps[0].description not in html
    assert ready_apps[0].title in html
    assert html.count('name="choice"') == 2 * 3  # three choices on each of the two left
    assert ready_apps[1].description in html


def test_the_withdrawn_item_leaves_the_members_progress_and_the_money_asked(
    app, open_round, jury, ready_apps
):
    round_ = open_round()
    participant = next(p for p in round_.participants if p.member_id == jury.members[0].id)
    for item in round_.agenda[1:]:
        ballots.cast_vote(participant, item, "yes")
    db.session.commit()
    member = app.test_client()
    member.get(ballot_links()[jury.members[0].email])

    _withdraw(ready_apps[0])

    html = member.get(f"/ballot/{round_.id}").get_data(as_text=True)
    assert '<progress max="2" value="2">' in html
    # 1,200 € and 300 € left on the agenda; the 480 € withdrawn are no longer asked for.
    assert "1.500,00" in html
    assert rounds.missing_votes(round_)[participant.id] == 0


def test_a_vote_sent_on_a_withdrawn_item_is_refused(app, open_round, jury, ready_apps):
    """A page opened before the withdrawal still has the forms; what they send is refused."""
    round_ = open_round()
    member = app.test_client()
    member.get(ballot_links()[jury.members[0].email])
    token = csrf_from(member.get(f"/ballot/{round_.id}").get_data(as_text=True))
    item = _item_of(round_, ready_apps[0])

    _withdraw(ready_apps[0])

    path = f"/ballot/{round_.id}/items/{item.id}"
    answer = member.post(
        f"{path}/vote",
        data={"csrf_token": token, "choice": "yes"},
        headers={FRAGMENT_HEADER: "item"},
    )
    assert answer.status_code == 422
    assert 'name="choice"' not in answer.get_data(as_text=True)
    declared = member.post(f"{path}/conflict", data={"csrf_token": token, "reason": "Nachbarin"})
    assert declared.status_code == 302
    assert db.session.scalar(select(func.count(Position.id))) == 0


def test_a_new_link_after_the_withdrawal_lists_only_what_is_still_decided(
    app, open_round, jury, ready_apps, staff
):
    round_ = open_round()
    participant = round_.participants[0]
    # The product had found a likely conflict of this member on the withdrawn application: the
    # mail's conflict line must not name it either.
    withdrawn_item = next(i for i in round_.agenda if i.application_id == ready_apps[0].id)
    db.session.add(
        ConflictFlag(
            agenda_item_id=withdrawn_item.id, member_id=participant.member_id, grounds="name"
        )
    )
    db.session.commit()
    _withdraw(ready_apps[0])

    rounds.reissue_link(participant, actor=staff.actor)
    db.session.commit()

    body = db.session.scalars(select(Mail.body_text).where(Mail.purpose == "ballot.reissued")).one()
    assert ready_apps[0].title not in body
    assert ready_apps[1].title in body
