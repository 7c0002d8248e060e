"""Conflicts of interest in a round (§ 20 VwVfG): found by the product, declared, decided by the
body and recorded by staff; the tally, the ballot, the round page and the minutes follow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from juryfund.domain.actors import Actor
from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.infra import reconcile
from juryfund.models import (
    AgendaItem,
    ConflictDeclaration,
    ConflictFlag,
    ConflictRuling,
    Round,
    RoundMember,
    Vote,
)
from juryfund.services import ballots, conflicts, rounds
from tests.races import race

from ..conftest import csrf_from
from .conftest import ballot_links, make_ready

pytestmark = pytest.mark.voting


@pytest.fixture
def insider(area, fund, jury):
    """ "Hoffest", applied for by the jury's first member under their own e-mail address."""
    return make_ready(area, fund, "Hoffest", 120000, email=jury.members[0].email)


@pytest.fixture
def opened(open_round, insider, ready_apps):
    """An open circulation round: Pflanzaktion, Hoffest (the insider's) and Lesecafé."""
    return open_round(apps=[ready_apps[0], insider, ready_apps[2]])


def _participant(round_: Round, member) -> RoundMember:
    return next(p for p in round_.participants if p.member_id == member.id)


def _item(round_: Round, application) -> AgendaItem:
    return next(item for item in round_.agenda if item.application_id == application.id)


def _member_browser(app, link: str):
    browser = app.test_client()
    browser.set_cookie("juryfund_lang", "en")  # chosen before: the link keeps it
    browser.get(link)
    return browser


def _vote(browser, round_id: int, item_id: int, choice: str):
    page = browser.get(f"/ballot/{round_id}").get_data(as_text=True)
    return browser.post(
        f"/ballot/{round_id}/items/{item_id}/vote",
        data={"csrf_token": csrf_from(page), "choice": choice},
    )


def test_staff_see_a_likely_conflict_before_the_round_opens(
    client, jury, staff, insider, login, ready_apps
):
    login(staff)
    round_ = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf",
        when=datetime.now(UTC) + timedelta(days=7),
        place="",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [ready_apps[0].id, insider.id])
    db.session.commit()
    html = client.get(f"/staff/rounds/{round_.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    section = html[html.index("Likely conflicts of interest") :]
    assert jury.members[0].name in section
    assert "same e-mail address as the applicant" in section
    assert jury.members[1].name not in section


def test_the_applicant_on_the_jury_is_excluded_from_their_own_application(
    app, opened, jury, insider
):
    flag = db.session.scalars(select(ConflictFlag)).one()
    assert (flag.member_id, flag.agenda_item_id, flag.grounds) == (
        jury.members[0].id,
        _item(opened, insider).id,
        "email",
    )
    browser = _member_browser(app, ballot_links()[jury.members[0].email])
    html = browser.get(f"/ballot/{opened.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "juryfund found a likely conflict of interest:" in html
    assert "same e-mail address as the applicant" in html
    item = _item(opened, insider)
    assert f'action="/ballot/{opened.id}/items/{item.id}/vote"' not in html
    _vote(browser, opened.id, item.id, "yes")
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    # The other applications stay the member's to vote on.
    other = _item(opened, opened.agenda[0].application)
    _vote(browser, opened.id, other.id, "yes")
    assert db.session.scalar(select(func.count(Vote.id))) == 1
    tally = rounds.tallies(opened)
    assert (tally[item.id].eligible, tally[other.id].eligible) == (6, 7)


def test_the_service_refuses_a_vote_of_an_excluded_member(opened, jury, insider):
    participant = _participant(opened, jury.members[0])
    with pytest.raises(DomainError) as refused:
        ballots.cast_vote(participant, _item(opened, insider), "yes")
    assert refused.value.reason == "ballot.excluded"


def test_the_body_lifts_a_finding_and_the_member_votes(app, opened, jury, insider, staff):
    participant, item = _participant(opened, jury.members[0]), _item(opened, insider)
    conflicts.rule(
        participant,
        item,
        excluded=False,
        reason="Gleicher Name, andere Person.",
        actor=staff.actor,
    )
    db.session.commit()
    browser = _member_browser(app, ballot_links()[jury.members[0].email])
    _vote(browser, opened.id, item.id, "yes")
    assert db.session.scalar(select(func.count(Vote.id))) == 1
    assert rounds.tallies(opened)[item.id].eligible == 7
    ruling = db.session.scalars(select(ConflictRuling)).one()
    assert (ruling.raised_by, ruling.excluded, ruling.left_room) == ("detected", False, None)
    with pytest.raises(DomainError) as again:
        conflicts.rule(participant, item, excluded=True, reason="Doch.", actor=staff.actor)
    assert again.value.reason == "conflict.already_ruled"


def test_lifting_a_declaration_needs_the_body_and_is_in_the_minutes(
    app, client, opened, jury, staff, login
):
    member = jury.members[2]
    participant, item = _participant(opened, member), opened.agenda[0]
    ballots.declare_conflict(participant, item, "Meine Nachbarin")
    db.session.commit()
    login(staff)
    page = client.get(f"/staff/rounds/{opened.id}").get_data(as_text=True)
    response = client.post(
        f"/staff/rounds/{opened.id}/conflicts",
        data={
            "csrf_token": csrf_from(page),
            "participant": participant.id,
            "item": item.id,
            "excluded": "no",
            "reason": "Nachbarschaft allein begründet keine Befangenheit.",
        },
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(ConflictDeclaration.id))) == 0
    ballots.cast_vote(participant, item, "no")
    db.session.commit()
    minutes = client.get(
        f"/staff/rounds/{opened.id}/minutes", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    section = minutes[minutes.index("Conflicts of interest") : minutes.index("Decisions")]
    assert member.name in section and "declared by the member" in section
    assert "The body decided the member may vote." in section
    assert "Nachbarschaft allein begründet keine Befangenheit." in section
    assert reconcile.reconcile() == []


def test_the_body_excludes_a_member_who_voted_and_the_vote_goes(opened, jury, staff):
    member = jury.members[3]
    participant, item = _participant(opened, member), opened.agenda[2]
    ballots.cast_vote(participant, item, "yes")
    conflicts.rule(
        participant,
        item,
        excluded=True,
        reason="Arbeitet beim Träger der Aktion.",
        actor=staff.actor,
    )
    db.session.commit()
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    assert rounds.tallies(opened)[item.id].eligible == 6
    ruling = db.session.scalars(select(ConflictRuling)).one()
    assert ruling.raised_by == "staff"
    with pytest.raises(DomainError) as refused:
        ballots.cast_vote(participant, item, "yes")
    assert refused.value.reason == "ballot.excluded"
    assert reconcile.reconcile() == []


def test_a_meeting_records_whether_the_excluded_member_left_the_room(
    client, open_round, jury, staff, login, insider, ready_apps
):
    round_ = open_round(mode="meeting", apps=[insider, ready_apps[0]])
    participant, item = _participant(round_, jury.members[0]), _item(round_, insider)
    login(staff)
    page = client.get(f"/staff/rounds/{round_.id}").get_data(as_text=True)
    client.post(
        f"/staff/rounds/{round_.id}/conflicts",
        data={
            "csrf_token": csrf_from(page),
            "participant": participant.id,
            "item": item.id,
            "excluded": "yes",
            "reason": "Antragstellerin selbst.",
            "left_room": "yes",
        },
    )
    ruling = db.session.scalars(select(ConflictRuling)).one()
    assert (ruling.excluded, ruling.left_room, ruling.raised_by) == (True, True, "detected")
    minutes = client.get(
        f"/staff/rounds/{round_.id}/minutes", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "The member left the room." in minutes
    assert "found by juryfund&#39;s check" in minutes or "found by juryfund's check" in minutes


def test_a_ruling_without_reason_is_refused_next_to_the_field(
    client, opened, jury, staff, login, insider
):
    login(staff)
    participant, item = _participant(opened, jury.members[0]), _item(opened, insider)
    page = client.get(f"/staff/rounds/{opened.id}").get_data(as_text=True)
    response = client.post(
        f"/staff/rounds/{opened.id}/conflicts",
        data={
            "csrf_token": csrf_from(page),
            "participant": participant.id,
            "item": item.id,
            "excluded": "no",
            "reason": "   ",
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="reason-error"' in html
    assert db.session.scalar(select(func.count(ConflictRuling.id))) == 0


@pytest.mark.parametrize(
    ("actor", "reason"),
    [(Actor.member(1), "conflict.staff_only"), (None, "conflict.nothing_to_lift")],
)
def test_rulings_the_rules_refuse(opened, jury, staff, actor, reason):
    participant, item = _participant(opened, jury.members[4]), opened.agenda[0]
    with pytest.raises(DomainError) as refused:
        conflicts.rule(
            participant, item, excluded=False, reason="Grund", actor=actor or staff.actor
        )
    assert refused.value.reason == reason


def test_no_ruling_after_the_round_closed(opened, jury, staff, insider):
    rounds.close_round(opened, actor=staff.actor, early_reason="Vor der Frist geschlossen.")
    participant, item = _participant(opened, jury.members[0]), _item(opened, insider)
    with pytest.raises(DomainError) as refused:
        conflicts.rule(participant, item, excluded=False, reason="Grund", actor=staff.actor)
    assert refused.value.reason == "conflict.round_not_open"


def test_a_ruling_is_never_changed_in_the_database(opened, jury, staff, insider):
    participant, item = _participant(opened, jury.members[0]), _item(opened, insider)
    conflicts.rule(participant, item, excluded=True, reason="Befangen.", actor=staff.actor)
    db.session.commit()
    for statement in (
        "UPDATE conflict_ruling SET excluded = false",
        "DELETE FROM conflict_ruling",
    ):
        with pytest.raises(DBAPIError), db.session.begin_nested():
            db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(select(ConflictRuling.excluded)) is True


def test_an_exclusion_and_a_vote_sent_at_once_never_leave_a_counted_vote(
    app, open_round, jury, staff, ready_apps
):
    for attempt_number in range(3):
        round_ = open_round(apps=[ready_apps[attempt_number]])
        participant_id = _participant(round_, jury.members[5]).id
        item_id, staff_id = round_.agenda[0].id, staff.id

        def exclude(ready):
            participant = db.session.get(RoundMember, participant_id)
            item = db.session.get(AgendaItem, item_id)
            participant.round, participant.member  # noqa: B018  (loaded before the race)
            ready()
            conflicts.rule(
                participant, item, excluded=True, reason="Befangen.", actor=Actor.staff(staff_id)
            )

        def vote(ready):
            participant = db.session.get(RoundMember, participant_id)
            item = db.session.get(AgendaItem, item_id)
            participant.round, participant.member  # noqa: B018
            ready()
            ballots.cast_vote(participant, item, "yes")

        outcomes = race(app, exclude, vote)
        assert outcomes[0] == "ok", outcomes
        assert outcomes[1] == "ok" or getattr(outcomes[1], "reason", None) == "ballot.excluded"
        standing = db.session.scalar(
            select(func.count(Vote.id)).where(Vote.agenda_item_id == item_id)
        )
        assert standing == 0, f"try {attempt_number}: a vote stands beside the exclusion"
        round_ = db.session.get(Round, round_.id)
        assert rounds.tallies(round_)[item_id].eligible == 6
