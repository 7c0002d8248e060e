"""Staff send one member a new ballot link (issue 14, item 7): the old link and every session
opened with it stop working, the new one arrives by mail in the member's language, and votes
already cast stay counted. A vote racing the new link lands before it or is refused."""

from __future__ import annotations

import threading
import time
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import Actor
from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.infra.mail import deliver_pending
from juryfund.models import AgendaItem, AuditEvent, Position, Round, RoundMember, Vote
from juryfund.services import ballots, rounds
from tests.races import TIMEOUT, race
from tests.smtp_server import links_in, messages_to, text_of

from ..conftest import csrf_from
from .conftest import ballot_links

pytestmark = pytest.mark.voting

TRIES = 4


def _participant(round_, member) -> RoundMember:
    return db.session.scalars(
        select(RoundMember).where(
            RoundMember.round_id == round_.id, RoundMember.member_id == member.id
        )
    ).one()


def _member(app, link):
    """A member's browser after following the link, and the landing response."""
    browser = app.test_client()
    return browser, browser.get(link)


def _vote(browser, round_id, item_id, choice):
    token = csrf_from(browser.get(f"/ballot/{round_id}").get_data(as_text=True))
    return browser.post(
        f"/ballot/{round_id}/items/{item_id}/vote", data={"csrf_token": token, "choice": choice}
    )


def _reissue(client, round_id, participant_id):
    """Staff press "Send the new link now" on the round page."""
    page = client.get(f"/staff/rounds/{round_id}").get_data(as_text=True)
    assert f"/participants/{participant_id}/new-link" in page
    return client.post(
        f"/staff/rounds/{round_id}/participants/{participant_id}/new-link",
        data={"csrf_token": csrf_from(page)},
    )


def test_staff_send_a_new_link_the_old_one_is_refused_and_the_new_one_arrives_by_mail(
    smtp_app, smtp_server, client, login, open_round, jury, staff
):
    round_ = open_round()
    member = jury.members[1]  # writes Turkish
    old_link = ballot_links()[member.email]
    first, second = round_.agenda[0], round_.agenda[1]
    old_browser, landed = _member(smtp_app, old_link)
    assert landed.status_code == 302
    assert _vote(old_browser, round_.id, first.id, "yes").status_code == 302
    participant = _participant(round_, member)
    deliver_pending()
    smtp_server.clear()

    login(staff)
    assert _reissue(client, round_.id, participant.id).status_code == 302
    db.session.expire_all()
    assert participant.link_version == 2
    deliver_pending()
    [mail] = messages_to(smtp_server, member.email)
    assert mail["Content-Language"] == "tr"
    # Told in Turkish that this link replaces the one they had, and that their votes stand.
    assert "elinizdeki bağlantının yerini alır" in text_of(mail)
    [new_link] = [link for link in links_in(mail) if "/ballot/link/" in link]
    assert new_link.split("/ballot/link/")[1] != old_link.split("/ballot/link/")[1]

    # The old link and the session opened with it: the "replaced" page, no vote possible.
    replaced = smtp_app.test_client().get(old_link, headers={"Accept-Language": "en"})
    assert replaced.status_code == 410
    assert "This ballot link was replaced" in replaced.get_data(as_text=True)
    in_german = smtp_app.test_client().get(old_link, headers={"Accept-Language": "de"})
    assert "Dieser Link zum Stimmzettel wurde ersetzt" in in_german.get_data(as_text=True)
    assert old_browser.get(f"/ballot/{round_.id}").status_code == 410
    token = csrf_from(client.get(f"/staff/rounds/{round_.id}").get_data(as_text=True))
    refused = old_browser.post(
        f"/ballot/{round_.id}/items/{second.id}/vote", data={"csrf_token": token, "choice": "no"}
    )
    assert refused.status_code in (400, 410)
    assert not db.session.scalar(
        select(Vote).where(Vote.agenda_item_id == second.id, Vote.member_id == member.id)
    )

    # The new link works; the vote cast with the old one is still there and counted.
    new_browser, landed = _member(smtp_app, urlsplit(new_link).path)
    assert landed.status_code == 302
    assert _vote(new_browser, round_.id, second.id, "no").status_code == 302
    votes = dict(
        db.session.execute(
            select(Vote.agenda_item_id, Vote.choice).where(Vote.member_id == member.id)
        ).all()
    )
    assert votes == {first.id: "yes", second.id: "no"}
    db.session.expire_all()
    tallies = rounds.tallies(db.session.get(type(round_), round_.id))
    assert tallies[first.id].yes == 1 and tallies[second.id].no == 1

    # The trail says who sent the new link.
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action == "ballot.reissued")
    ).all()
    assert actions == ["ballot.reissued"]


def test_staff_of_another_area_cannot_send_a_new_link(client, login, open_round, jury, make):
    round_ = open_round()
    participant = _participant(round_, jury.members[0])
    other = make.staff(areas=[make.area(name="Brunnenviertel", slug="brunnen", code="BRU")])
    login(other)
    page = client.get("/staff/").get_data(as_text=True)
    response = client.post(
        f"/staff/rounds/{round_.id}/participants/{participant.id}/new-link",
        data={"csrf_token": csrf_from(page)},
    )
    assert response.status_code == 403
    db.session.expire_all()
    assert participant.link_version == 1


def test_no_new_link_once_the_round_is_closed(client, login, open_round, jury, staff):
    round_ = open_round()
    participant = _participant(round_, jury.members[0])
    rounds.close_round(round_, actor=staff.actor, early_reason="Vor der Frist geschlossen.")
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        rounds.reissue_link(participant, actor=staff.actor)
    assert refused.value.reason == "round.not_open"
    db.session.rollback()
    login(staff)
    page = client.get(f"/staff/rounds/{round_.id}").get_data(as_text=True)
    assert f"/participants/{participant.id}/new-link" not in page
    response = client.post(
        f"/staff/rounds/{round_.id}/participants/{participant.id}/new-link",
        data={"csrf_token": csrf_from(page)},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert participant.link_version == 1


def test_no_new_link_for_a_revoked_member(open_round, jury, staff):
    round_ = open_round()
    participant = _participant(round_, jury.members[0])
    rounds.revoke(participant, actor=staff.actor)
    with pytest.raises(DomainError) as refused:
        rounds.reissue_link(participant, actor=staff.actor)
    assert refused.value.reason == "ballot.no_access"


def test_a_forged_link_version_is_refused(client, open_round, jury):
    round_ = open_round()
    participant = _participant(round_, jury.members[0])
    from juryfund.infra import tokens

    for version in ("2", 2.0, True, None, 0):
        token = tokens.sign(
            "ballot",
            {"p": participant.id, "r": round_.id, "m": participant.member_id, "v": version},
        )
        assert client.get(f"/ballot/link/{token}").status_code in (400, 410), version


def test_a_vote_with_the_old_link_waits_for_the_new_link_and_is_refused(
    app, open_round, jury, staff
):
    """The new link's transaction has counted the generation up but not committed yet; a vote
    with the old link sent then waits for it and is refused, never slipped in between."""
    round_ = open_round()
    staff_id = staff.id
    participant_id = _participant(round_, jury.members[2]).id
    item_id = round_.agenda[0].id
    updated, outcome = threading.Event(), {}

    def reissue():
        with app.app_context():
            try:
                participant = db.session.get(RoundMember, participant_id)
                rounds.reissue_link(participant, actor=Actor.staff(staff_id))
                updated.set()
                time.sleep(0.5)  # the vote is sent meanwhile
                db.session.commit()
                outcome["reissue"] = "ok"
            except BaseException as error:  # noqa: BLE001  (reported to the test)
                updated.set()
                db.session.rollback()
                outcome["reissue"] = error
            finally:
                db.session.remove()

    def vote():
        with app.app_context():
            try:
                participant = db.session.get(RoundMember, participant_id)
                item = db.session.get(AgendaItem, item_id)
                participant.round, participant.member  # noqa: B018
                assert updated.wait(TIMEOUT)
                ballots.cast_vote(participant, item, "yes", link_version=1)
                db.session.commit()
                outcome["vote"] = "ok"
            except BaseException as error:  # noqa: BLE001
                db.session.rollback()
                outcome["vote"] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=job, daemon=True) for job in (reissue, vote)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert outcome["reissue"] == "ok", outcome
    assert isinstance(outcome["vote"], DomainError), outcome
    assert outcome["vote"].reason == "ballot.link_replaced"
    db.session.rollback()
    assert db.session.scalar(select(func.count(Position.id))) == 0


def test_a_vote_racing_the_new_link_is_counted_before_it_or_refused(app, open_round, jury, staff):
    round_ = open_round()
    staff_id = staff.id
    item_ids = [item.id for item in round_.agenda]
    participant_ids = [_participant(round_, m).id for m in jury.members[:TRIES]]
    for participant_id, item_id in zip(participant_ids, item_ids * 2, strict=False):

        def vote(ready, participant_id=participant_id, item_id=item_id):
            participant = db.session.get(RoundMember, participant_id)
            item = db.session.get(AgendaItem, item_id)
            participant.round, participant.member  # noqa: B018
            ready()
            ballots.cast_vote(participant, item, "no", link_version=1)

        def reissue(ready, participant_id=participant_id):
            participant = db.session.get(RoundMember, participant_id)
            participant.round, participant.member  # noqa: B018
            ready()
            rounds.reissue_link(participant, actor=Actor.staff(staff_id))

        voted, reissued = race(app, vote, reissue)
        assert reissued == "ok", reissued
        participant = db.session.get(RoundMember, participant_id)
        assert participant.link_version == 2
        landed = db.session.scalar(
            select(func.count(Vote.id)).where(
                Vote.agenda_item_id == item_id, Vote.member_id == participant.member_id
            )
        )
        if voted == "ok":
            assert landed == 1  # before the new link: counted
        else:
            assert isinstance(voted, DomainError) and voted.reason == "ballot.link_replaced"
            assert landed == 0


def test_an_objection_with_the_old_link_waits_for_the_new_link_and_is_refused(
    app, open_round, jury, staff
):
    """Granted with the old link, the member objects while staff send the new one: the
    objection waits for the new link's transaction and is refused; nothing is deferred."""
    round_ = open_round()
    round_id, staff_id = round_.id, staff.id
    participant_id = _participant(round_, jury.members[2]).id
    updated, outcome = threading.Event(), {}

    def reissue():
        with app.app_context():
            try:
                participant = db.session.get(RoundMember, participant_id)
                rounds.reissue_link(participant, actor=Actor.staff(staff_id))
                updated.set()
                time.sleep(0.5)  # the objection is sent meanwhile
                db.session.commit()
                outcome["reissue"] = "ok"
            except BaseException as error:  # noqa: BLE001  (reported to the test)
                updated.set()
                db.session.rollback()
                outcome["reissue"] = error
            finally:
                db.session.remove()

    def objection():
        with app.app_context():
            try:
                participant = db.session.get(RoundMember, participant_id)
                participant.round, participant.member  # noqa: B018
                assert updated.wait(TIMEOUT)
                rounds.object_to_writing(participant, link_version=1)
                db.session.commit()
                outcome["objection"] = "ok"
            except BaseException as error:  # noqa: BLE001
                db.session.rollback()
                outcome["objection"] = error
            finally:
                db.session.remove()

    threads = [threading.Thread(target=job, daemon=True) for job in (reissue, objection)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    assert outcome["reissue"] == "ok", outcome
    assert isinstance(outcome["objection"], DomainError), outcome
    assert outcome["objection"].reason == "ballot.link_replaced"
    db.session.rollback()
    db.session.expire_all()
    round_ = db.session.get(Round, round_id)
    assert (round_.state, round_.objected_by_id) == ("open", None)
    assert {item.application.state for item in round_.agenda} == {"scheduled"}
    # With the new link the member's objection is taken.
    participant = db.session.get(RoundMember, participant_id)
    rounds.object_to_writing(participant, link_version=2)
    assert round_.state == "deferred"
