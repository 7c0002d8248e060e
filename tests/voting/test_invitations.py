"""What members are told: a meeting is an invitation with an agenda, a written round asks for
votes, a likely conflict is named before anyone votes, and a finished round asks for nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import Mail
from juryfund.services import rounds

from .conftest import ballot_links, make_ready

pytestmark = pytest.mark.voting


def _invitation(to: str) -> Mail:
    return db.session.scalars(
        select(Mail).where(Mail.to_addr == to, Mail.purpose == "ballot.invitation")
    ).one()


@pytest.fixture
def english_jury(jury):
    """Every member reads mail in English (the catalog's source language, easy to assert)."""
    for member in jury.members:
        member.language = "en"
    db.session.commit()
    return jury


def test_a_meeting_invitation_invites_and_lists_the_agenda(english_jury, ready_apps, staff):
    round_ = rounds.save_round(
        None,
        english_jury,
        mode="meeting",
        title="Sitzung März",
        when=datetime.now(UTC) + timedelta(days=7),
        place="Stadtteilzentrum, Soldiner Str. 30",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [a.id for a in ready_apps])
    rounds.open_round(round_, actor=staff.actor)
    db.session.commit()
    mail = _invitation(english_jury.members[1].email)
    assert "invitation to the meeting" in mail.subject and "please vote" not in mail.subject
    assert "you are invited to the meeting of the" in mail.body_text
    assert "Place: Stadtteilzentrum, Soldiner Str. 30" in mail.body_text
    assert "Agenda:" in mail.body_text and "1. Pflanzaktion" in mail.body_text
    assert "Please vote" not in mail.body_text and "Please vote" not in mail.body_html


def test_a_written_round_asks_for_votes_in_the_right_number(english_jury, open_round, ready_apps):
    open_round(apps=[ready_apps[0]])
    mail = _invitation(english_jury.members[1].email)
    assert "please vote" in mail.subject
    assert "decides on 1 application in writing" in mail.body_text
    assert "1 applications" not in mail.body_text


def test_the_invitation_names_a_likely_conflict(english_jury, open_round, area, fund, ready_apps):
    insider = english_jury.members[0]
    own = make_ready(area, fund, "Kiezkonzert", 90000, email=insider.email)
    open_round(apps=[ready_apps[0], own])
    mine, other = _invitation(insider.email), _invitation(english_jury.members[1].email)
    assert "juryfund found a likely conflict of interest for you on: Kiezkonzert" in (
        mine.body_text
    )
    assert "likely conflict" not in other.body_text


def test_a_closed_round_no_longer_asks_the_member_to_vote(app, english_jury, open_round, staff):
    round_ = open_round()
    link = ballot_links()[english_jury.members[2].email]
    rounds.close_round(round_, actor=staff.actor, early_reason="Sitzung vorgezogen.")
    db.session.commit()
    browser = app.test_client()
    browser.set_cookie("juryfund_lang", "en")
    browser.get(link)
    html = browser.get(f"/ballot/{round_.id}").get_data(as_text=True)
    assert "This round is closed." in html
    assert "Please vote on each application" not in html
