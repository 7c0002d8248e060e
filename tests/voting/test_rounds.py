"""Staff set up and open rounds; the rule and member list freeze at opening."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from sqlalchemy import func, select

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.models import Mail, Round, RoundMember
from juryfund.services import rounds, setup

from .conftest import ballot_links, make_ready

pytestmark = pytest.mark.voting


def test_staff_creates_round_chooses_agenda_and_opens(
    client, jury, ready_apps, staff, login, post_form
):
    login(staff)
    page = f"/staff/bodies/{jury.id}/rounds/new"
    when = (datetime.now() + timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
    response = post_form(
        page, {"mode": "circulation", "title": "Umlauf März", "when": when, "place": ""}
    )
    assert response.status_code == 302
    round_ = db.session.scalars(select(Round)).one()
    detail = f"/staff/rounds/{round_.id}"
    html = client.get(detail).get_data(as_text=True)
    assert all(a.reference in html for a in ready_apps)
    # the agenda: Hoffest first, then Pflanzaktion; Lesecafé stays off
    hoffest, pflanz = ready_apps[1], ready_apps[0]
    post_form(
        f"{detail}/agenda",
        {
            "application": [str(pflanz.id), str(hoffest.id)],
            f"position-{pflanz.id}": "2",
            f"position-{hoffest.id}": "1",
        },
        page=detail,
    )
    db.session.refresh(round_)
    assert [item.application_id for item in round_.agenda] == [hoffest.id, pflanz.id]
    html = client.get(detail).get_data(as_text=True)
    assert "1.680,00\xa0€" in html  # requested on the agenda
    assert "10.000,00\xa0€" in html  # available
    response = post_form(f"{detail}/open", {}, page=detail)
    assert response.status_code == 302
    db.session.refresh(round_)
    assert round_.state == "open"
    assert {a.state for a in (hoffest, pflanz)} == {"scheduled"}
    assert ready_apps[2].state == "ready"
    assert db.session.scalar(select(func.count(RoundMember.id))) == 7
    mails = db.session.scalars(select(Mail).where(Mail.purpose == "ballot.invitation")).all()
    assert sorted(m.language for m in mails) == sorted(["de", "tr", "ar", "uk", "ru", "pl", "en"])
    assert len(ballot_links()) == 7


def test_round_deadline_in_the_past_refused(client, jury, staff, login, post_form):
    login(staff)
    page = f"/staff/bodies/{jury.id}/rounds/new"
    when = (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    response = post_form(
        page, {"mode": "circulation", "when": when}, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    assert "The deadline must be in the future." in response.get_data(as_text=True)


@pytest.mark.parametrize("when", ["", "tomorrow", "2026-13-45T25:00"])
def test_round_bad_date_gets_error_not_500(client, jury, staff, login, post_form, when):
    login(staff)
    response = post_form(f"/staff/bodies/{jury.id}/rounds/new", {"mode": "meeting", "when": when})
    assert response.status_code == 200
    assert 'id="when-error"' in response.get_data(as_text=True)


def test_deadline_typed_in_area_time_zone(client, jury, staff, login, post_form):
    login(staff)
    post_form(
        f"/staff/bodies/{jury.id}/rounds/new", {"mode": "circulation", "when": "2099-07-01T18:00"}
    )
    round_ = db.session.scalars(select(Round)).one()
    assert round_.deadline == datetime(2099, 7, 1, 16, 0, tzinfo=UTC)  # 18:00 Berlin summer time


def test_agenda_only_takes_ready_applications_of_the_body(jury, ready_apps, staff, area, make):
    other_body = make.body(area, members=3)
    other_fund = make.fund(area, other_body, allocation_cents=0)
    foreign = make_ready(area, other_fund, "Anderes", 10000)
    round_ = rounds.save_round(
        None, jury, mode="meeting", title="", when=datetime.now(UTC), place="", actor=staff.actor
    )
    with pytest.raises(DomainError) as caught:
        rounds.set_agenda(round_, [ready_apps[0].id, foreign.id])
    # Another body's application is refused by name (its decision here would be void).
    assert (caught.value.reason, caught.value.params["title"]) == ("round.other_body", "Anderes")


def test_open_needs_an_agenda(jury, staff):
    round_ = rounds.save_round(
        None, jury, mode="meeting", title="", when=datetime.now(UTC), place="", actor=staff.actor
    )
    with pytest.raises(DomainError) as caught:
        rounds.open_round(round_, actor=staff.actor)
    assert caught.value.reason == "round.empty_agenda"


def test_editing_body_rule_after_opening_keeps_round_rule(jury, open_round):
    round_ = open_round()
    setup.save_body(
        jury,
        jury.area,
        kind="jury",
        name=jury.name,
        quorum=Fraction(2, 3),
        quorum_strict=False,
        quorum_minimum=5,
        majority="two_thirds",
        abstain_counts_as_no=True,
        tie_breaker=None,
    )
    db.session.commit()
    db.session.refresh(round_)
    assert (round_.rule.quorum, round_.rule.majority, round_.rule.quorum_minimum) == (
        Fraction(1, 2),
        "simple",
        3,
    )


def test_member_list_frozen_at_opening(jury, open_round):
    round_ = open_round()
    setup.save_member(
        None,
        jury,
        name="Neu",
        email="neu@example.org",
        language="de",
        role="resident",
        term_start=datetime.now().date(),
        term_end=None,
    )
    db.session.commit()
    assert len(round_.participants) == 7
    assert len(rounds.tallies(round_)) == 3
    assert {t.eligible for t in rounds.tallies(round_).values()} == {7}


def test_staff_of_other_area_cannot_manage_round(client, open_round, make, login):
    round_ = open_round()
    login(make.staff(areas=[make.area(slug="elsewhere")]))
    assert client.get(f"/staff/rounds/{round_.id}").status_code == 403
    assert client.get(f"/staff/rounds/{round_.id}/minutes").status_code == 403
