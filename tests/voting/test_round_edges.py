"""Early and late edges of a round: a member leaves or joins while it is open, and staff close a
written round before its deadline."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.models import Decision, Mail, Round, RoundMember
from juryfund.services import ballots, decisions, rounds, setup

from ..conftest import csrf_from
from .conftest import ballot_links

pytestmark = pytest.mark.voting


@pytest.fixture
def opened(open_round):
    """An open circulation round over the three ready applications (seven members)."""
    return open_round()


def _participant(round_: Round, member) -> RoundMember:
    return next(p for p in round_.participants if p.member_id == member.id)


def test_a_member_removed_mid_round_loses_the_ballot_and_no_longer_counts(app, opened, jury, staff):
    leaving = jury.members[0]
    link = ballot_links()[leaving.email]
    item = opened.agenda[0]
    ballots.cast_vote(_participant(opened, leaving), item, "yes")
    db.session.commit()
    assert rounds.tallies(opened)[item.id].eligible == 7
    setup.remove_member(leaving, actor=staff.actor)
    db.session.commit()
    browser = app.test_client()
    browser.get(link)
    assert browser.get(f"/ballot/{opened.id}").status_code == 403
    tally = rounds.tallies(opened)[item.id]
    assert (tally.eligible, tally.yes) == (6, 0)
    for participant in opened.participants[1:5]:
        ballots.cast_vote(participant, item, "no")
    rounds.close_round(opened, actor=staff.actor, now=opened.deadline)
    decisions.confirm_rejection(item, reasons="Keine Mehrheit.", actor=staff.actor)
    db.session.commit()
    decision = db.session.scalars(
        select(Decision).where(Decision.application_id == item.application_id)
    ).one()
    assert (decision.eligible, decision.no, decision.yes) == (6, 4, 0)


def test_a_member_added_mid_round_joins_only_when_staff_choose(client, opened, jury, staff, login):
    newcomer = setup.save_member(
        None,
        jury,
        name="Nadia Neu",
        email="nadia@example.org",
        language="ar",
        role="resident",
        term_start=date(2020, 1, 1),
        term_end=None,
    )
    db.session.commit()
    assert newcomer.id not in {p.member_id for p in opened.participants}
    assert rounds.tallies(opened)[opened.agenda[0].id].eligible == 7
    login(staff)
    page = client.get(f"/staff/rounds/{opened.id}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert "Nadia Neu" in html and "not in this round" in html
    response = client.post(
        f"/staff/rounds/{opened.id}/members",
        data={"csrf_token": csrf_from(html), "member": newcomer.id},
    )
    assert response.status_code == 302
    db.session.expire_all()
    round_ = db.session.get(Round, opened.id)
    assert newcomer.id in {p.member_id for p in round_.participants}
    assert rounds.tallies(round_)[round_.agenda[0].id].eligible == 8
    invitation = db.session.scalars(
        select(Mail).where(Mail.to_addr == "nadia@example.org", Mail.purpose == "ballot.invitation")
    ).one()
    assert "/ballot/link/" in invitation.body_text
    with pytest.raises(DomainError) as again:
        rounds.add_participant(round_, newcomer, actor=staff.actor)
    assert again.value.reason == "round.already_member"


def test_no_member_joins_a_closed_round(opened, jury, staff):
    newcomer = setup.save_member(
        None,
        jury,
        name="Spät Dran",
        email="spaet@example.org",
        language="de",
        role="resident",
        term_start=date(2020, 1, 1),
        term_end=None,
    )
    rounds.close_round(opened, actor=staff.actor, now=opened.deadline)
    with pytest.raises(DomainError) as refused:
        rounds.add_participant(opened, newcomer, actor=staff.actor)
    assert refused.value.reason == "round.not_open"


def test_closing_a_written_round_early_needs_a_reason_and_a_confirmation(
    client, opened, staff, login
):
    login(staff)
    detail = f"/staff/rounds/{opened.id}"
    html = client.get(detail, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "before its deadline" in html
    token = csrf_from(html)
    without = client.post(
        f"{detail}/close",
        data={"csrf_token": token, "reason": "", "confirm": "y"},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "Please give the reason for closing the round before its deadline." in (
        without.get_data(as_text=True)
    )
    unconfirmed = client.post(
        f"{detail}/close",
        data={"csrf_token": token, "reason": "Die Jury hat sich getroffen."},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )
    assert "Please tick the box to confirm" in unconfirmed.get_data(as_text=True)
    assert db.session.get(Round, opened.id).state == "open"
    closed = client.post(
        f"{detail}/close",
        data={"csrf_token": token, "reason": "Die Jury hat sich getroffen.", "confirm": "y"},
    )
    assert closed.status_code == 302
    db.session.expire_all()
    round_ = db.session.get(Round, opened.id)
    assert (round_.state, round_.closed_early_reason) == ("closed", "Die Jury hat sich getroffen.")
    minutes = client.get(f"{detail}/minutes", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Closed before the deadline" in minutes and "Die Jury hat sich getroffen." in minutes


def test_a_round_everyone_voted_in_closes_early_without_a_reason(opened, staff):
    for participant in opened.participants:
        for item in opened.agenda:
            ballots.cast_vote(participant, item, "yes")
    rounds.close_round(opened, actor=staff.actor)
    assert opened.state == "closed" and opened.closed_early_reason == ""


def test_the_service_refuses_an_early_close_without_reason(opened, staff):
    with pytest.raises(DomainError) as refused:
        rounds.close_round(opened, actor=staff.actor)
    assert refused.value.reason == "round.early_close_reason"
    assert db.session.scalar(select(func.count(Decision.id))) == 0
