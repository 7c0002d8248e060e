"""Deputies, successors and a body's composition (issue 12, item 2): seats, not people, count."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import Actor
from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import AgendaItem, Mail, Member, Round, RoundMember, Substitution
from juryfund.services import ballots, conflicts, deputies, rounds, setup
from tests.factories import MemberFactory
from tests.races import one_won, race

from ..conftest import csrf_from
from .conftest import ballot_links
from .seating import deputy as _deputy
from .seating import full as _full
from .seating import p as _p

pytestmark = pytest.mark.voting

EN = {"Accept-Language": "en"}


@pytest.fixture
def with_deputies(jury):
    """The jury of seven gets two deputies (both residents)."""
    made = [_deputy(jury, 1), _deputy(jury, 2)]
    db.session.commit()
    return made


def _without_isolation(html: str) -> str:
    """The page with the <bdi> marks around typed names taken out (they render as the text)."""
    return re.sub(r"</?bdi[^>]*>", "", html)


def test_deputies_take_part_but_are_mailed_in_writing_only_once_named(
    open_round, jury, with_deputies, staff
):
    round_ = open_round()
    seats = sorted(p.seat for p in round_.participants)
    assert seats == ["deputy"] * 2 + ["full"] * 7
    links = ballot_links()
    assert with_deputies[0].email not in links  # nothing to do yet
    assert len(links) == 7
    deputies.assign(
        round_,
        _p(round_, with_deputies[0]),
        _p(round_, _full(jury)[0]),
        round_.agenda[:1],
        actor=staff.actor,
    )
    rounds.mail_ballot(
        _p(round_, with_deputies[0]), purpose="ballot.invitation", template="ballot_invitation"
    )
    db.session.commit()
    mail = db.session.scalars(select(Mail).where(Mail.to_addr == with_deputies[0].email)).one()
    assert "Member 1" in mail.body_text and "Pflanzaktion" in mail.body_text


def test_a_deputy_replacing_an_absent_member_in_a_meeting_keeps_the_quorum_over_seven(
    open_round, jury, with_deputies, staff
):
    round_ = open_round("meeting")
    item = round_.agenda[0]
    absent = _full(jury)[0]
    d1, d2 = (_p(round_, d) for d in with_deputies)
    deputies.assign(round_, d1, _p(round_, absent), list(round_.agenda), actor=staff.actor)
    for member in _full(jury)[1:4]:
        ballots.set_presence(_p(round_, member), True, actor=staff.actor)
    ballots.set_presence(d1, True, actor=staff.actor)
    ballots.set_presence(d2, True, actor=staff.actor)
    for member in _full(jury)[1:3]:
        ballots.cast_vote(_p(round_, member), item, "yes", actor=staff.actor)
    ballots.cast_vote(_p(round_, _full(jury)[3]), item, "no", actor=staff.actor)
    ballots.cast_vote(d1, item, "yes", actor=staff.actor)
    with pytest.raises(DomainError) as refused:
        ballots.cast_vote(d2, item, "yes", actor=staff.actor)  # named for nobody
    assert refused.value.reason == "ballot.deputy_no_seat"
    db.session.commit()
    tally = rounds.tallies(round_)[item.id]
    # Seven seats, not nine people; four seats present (three members and d1 for m1).
    assert (tally.eligible, tally.quorum_needed, tally.participating) == (7, 4, 4)
    assert (tally.yes, tally.no, tally.outcome.value) == (3, 1, "approved")


def test_in_writing_the_members_own_vote_takes_the_seat_back(
    open_round, jury, with_deputies, staff
):
    round_ = open_round()
    item = round_.agenda[0]
    member, d1 = _full(jury)[0], _p(round_, with_deputies[0])
    with pytest.raises(DomainError):
        ballots.cast_vote(d1, item, "no")
    deputies.assign(round_, d1, _p(round_, member), [item], actor=staff.actor)
    ballots.cast_vote(d1, item, "no")
    db.session.commit()
    assert rounds.missing_votes(round_)[d1.id] == 0
    assert rounds.missing_votes(round_)[_p(round_, member).id] == 2  # item 1 done by the deputy
    tally = rounds.tallies(round_)[item.id]
    assert (tally.yes, tally.no, tally.participating) == (0, 1, 1)
    ballots.cast_vote(_p(round_, member), item, "yes")
    db.session.commit()
    tally = rounds.tallies(round_)[item.id]
    assert (tally.yes, tally.no, tally.participating, tally.eligible) == (1, 0, 1, 7)


def test_an_excluded_members_seat_goes_to_the_deputy_and_eligibility_stays(
    open_round, jury, with_deputies, staff
):
    round_ = open_round()
    item = round_.agenda[1]
    member = _full(jury)[2]
    ballots.declare_conflict(_p(round_, member), item, "Ich bin die Antragstellerin.")
    db.session.commit()
    assert rounds.tallies(round_)[item.id].eligible == 6
    deputies.assign(
        round_, _p(round_, with_deputies[1]), _p(round_, member), [item], actor=staff.actor
    )
    ballots.cast_vote(_p(round_, with_deputies[1]), item, "yes")
    db.session.commit()
    tally = rounds.tallies(round_)[item.id]
    assert (tally.eligible, tally.yes) == (7, 1)
    # The member's declaration stays: they still cannot vote; withdrawing the deputy drops
    # the deputy's vote with the seat.
    with pytest.raises(DomainError):
        ballots.cast_vote(_p(round_, member), item, "no")
    sub = db.session.scalars(select(Substitution)).one()
    deputies.withdraw(sub, actor=staff.actor)
    db.session.commit()
    tally = rounds.tallies(round_)[item.id]
    assert (tally.eligible, tally.yes) == (6, 0)


def test_assignments_that_break_the_rules_are_refused(open_round, jury, staff):
    institution_deputy, d1 = _deputy(jury, 9, role="institution"), _deputy(jury, 1)
    db.session.commit()
    round_ = open_round()
    member, other = _p(round_, _full(jury)[0]), _p(round_, _full(jury)[1])
    cases = [
        (_p(round_, institution_deputy), member, "deputy.other_group"),
        (_p(round_, d1), _p(round_, institution_deputy), "deputy.not_a_full_member"),
        (other, member, "deputy.not_a_deputy"),
    ]
    for deputy, replaces, code in cases:
        with pytest.raises(DomainError) as refused:
            deputies.assign(round_, deputy, replaces, list(round_.agenda), actor=staff.actor)
        assert refused.value.reason == code
    with pytest.raises(DomainError) as refused:
        deputies.assign(round_, _p(round_, d1), member, [], actor=staff.actor)
    assert refused.value.reason == "deputy.item_required"


def test_one_deputy_per_seat_and_one_seat_per_deputy(open_round, jury, with_deputies, staff):
    round_ = open_round("meeting")
    d1, d2 = (_p(round_, d) for d in with_deputies)
    deputies.assign(round_, d1, _p(round_, _full(jury)[0]), list(round_.agenda), actor=staff.actor)
    with pytest.raises(DomainError) as taken:
        deputies.assign(
            round_, d2, _p(round_, _full(jury)[0]), round_.agenda[:1], actor=staff.actor
        )
    assert taken.value.reason == "deputy.seat_taken"
    with pytest.raises(DomainError) as busy:
        deputies.assign(
            round_, d1, _p(round_, _full(jury)[1]), round_.agenda[:1], actor=staff.actor
        )
    assert busy.value.reason == "deputy.already_replacing"


def test_the_database_holds_one_deputy_per_seat(open_round, jury, with_deputies, staff):
    round_ = open_round("meeting")
    item = round_.agenda[0]
    first = Substitution(
        round_id=round_.id,
        agenda_item_id=item.id,
        deputy_id=with_deputies[0].id,
        replaces_id=_full(jury)[0].id,
    )
    second = Substitution(
        round_id=round_.id,
        agenda_item_id=item.id,
        deputy_id=with_deputies[1].id,
        replaces_id=_full(jury)[0].id,
    )
    db.session.add(first)
    db.session.flush()
    db.session.add(second)
    with pytest.raises(Exception) as broken:
        db.session.flush()
    assert "unique" in str(broken.value).lower()
    db.session.rollback()


@pytest.mark.postgres
def test_two_staff_naming_deputies_for_the_same_seat_at_once_give_one(
    app, open_round, jury, with_deputies, staff, make, area
):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the race needs PostgreSQL's row locks (JURYFUND_TEST_DATABASE_URL)")
    round_ = open_round("meeting")
    round_id, seat_id = round_.id, _p(round_, _full(jury)[0]).id
    deputy_ids = [_p(round_, d).id for d in with_deputies]
    staff_ids = [staff.id, make.staff(areas=[area]).id]

    def name(ready, deputy_id, staff_id):
        round_ = db.session.get(Round, round_id)
        deputy, seat = db.session.get(RoundMember, deputy_id), db.session.get(RoundMember, seat_id)
        items = list(round_.agenda)
        deputy.member, seat.member  # noqa: B018  (loaded before the race)
        ready()
        deputies.assign(round_, deputy, seat, items, actor=Actor.staff(staff_id))

    outcomes = race(
        app,
        lambda ready: name(ready, deputy_ids[0], staff_ids[0]),
        lambda ready: name(ready, deputy_ids[1], staff_ids[1]),
    )
    one_won(outcomes, "deputy.seat_taken")
    count = db.session.scalar(select(func.count()).select_from(Substitution))
    assert count == len(round_.agenda)


def test_the_ballot_page_tells_a_deputy_where_they_vote(
    app, open_round, jury, with_deputies, staff
):
    round_ = open_round()
    d1 = _p(round_, with_deputies[0])
    deputies.assign(round_, d1, _p(round_, _full(jury)[4]), round_.agenda[:1], actor=staff.actor)
    rounds.mail_ballot(d1, purpose="ballot.invitation", template="ballot_invitation")
    db.session.commit()
    browser = app.test_client()
    browser.set_cookie("juryfund_lang", "en")
    browser.get(ballot_links()[with_deputies[0].email])
    page = browser.get(f"/ballot/{round_.id}").get_data(as_text=True)
    assert "Here you take the seat of Member 5." in page
    assert page.count("You have no seat on this application") == 2
    assert page.count('class="vote-form"') == 1
    assert "of 1 applications" in page


def test_staff_name_and_withdraw_a_deputy_on_the_round_page(
    client, open_round, jury, with_deputies, staff, login
):
    round_ = open_round()
    login(staff)
    page = client.get(f"/staff/rounds/{round_.id}", headers=EN).get_data(as_text=True)
    assert "Name the deputy" in page
    d1, seat = _p(round_, with_deputies[0]), _p(round_, _full(jury)[2])
    response = client.post(
        f"/staff/rounds/{round_.id}/deputies",
        data={"csrf_token": csrf_from(page), "deputy": d1.id, "replaces": seat.id, "item": 0},
        headers=EN,
    )
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Substitution)) == 3
    assert with_deputies[0].email in ballot_links()  # in writing the deputy is mailed now
    page = client.get(f"/staff/rounds/{round_.id}", headers=EN).get_data(as_text=True)
    assert "Deputy 1 for Member 3" in _without_isolation(page)
    # A second deputy for the same seat: the error stands next to the field, nothing lost.
    d2 = _p(round_, with_deputies[1])
    refused = client.post(
        f"/staff/rounds/{round_.id}/deputies",
        data={"csrf_token": csrf_from(page), "deputy": d2.id, "replaces": seat.id, "item": 0},
        headers=EN,
    )
    assert refused.status_code == 200
    assert "Another deputy already takes this member" in refused.get_data(as_text=True)
    sub_id = db.session.scalars(select(Substitution.id)).first()
    client.post(
        f"/staff/rounds/{round_.id}/deputies/{sub_id}/withdraw",
        data={"csrf_token": csrf_from(page)},
        headers=EN,
    )
    assert db.session.scalar(select(func.count()).select_from(Substitution)) == 2


def test_the_minutes_list_deputies_and_whom_they_replaced(
    client, open_round, jury, with_deputies, staff, login
):
    round_ = open_round("meeting")
    d1 = _p(round_, with_deputies[0])
    deputies.assign(round_, d1, _p(round_, _full(jury)[0]), list(round_.agenda), actor=staff.actor)
    # The deputy holds the seat in the room (Member 1 is not there); the minutes say so.
    ballots.set_presence(d1, True, actor=staff.actor)
    db.session.commit()
    login(staff)
    minutes = client.get(f"/staff/rounds/{round_.id}/minutes", headers=EN).get_data(as_text=True)
    assert "Deputy 1 for Member 1: items 1, 2, 3" in _without_isolation(minutes)
    assert "The body has 7 seats in this round; deputies do not count on top." in minutes


# --- composition ---------------------------------------------------------------------------------


def _draft(jury, ready_apps, staff) -> Round:
    round_ = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf",
        place="",
        actor=staff.actor,
        when=datetime.now(UTC) + timedelta(days=7),
    )
    rounds.set_agenda(round_, [a.id for a in ready_apps])
    db.session.commit()
    return round_


def test_opening_a_round_for_a_body_that_breaks_its_rule_needs_a_reason(
    jury, ready_apps, staff, area
):
    jury.min_members, jury.min_residents, jury.min_age = 9, 9, 16
    db.session.commit()
    round_ = _draft(jury, ready_apps, staff)
    codes = [problem.code for problem in deputies.problems_on(jury, clock.area_today(area))]
    assert codes == ["too_few_members", "too_few_residents", "age_unconfirmed"]
    with pytest.raises(DomainError) as refused:
        rounds.open_round(round_, actor=staff.actor)
    assert refused.value.reason == "round.composition_reason"
    db.session.rollback()
    rounds.open_round(round_, actor=staff.actor, composition_reason="Zwei Plätze sind frei.")
    db.session.commit()
    assert round_.composition_exception == "Zwei Plätze sind frei."


def test_a_body_that_meets_its_rule_opens_without_a_reason(jury, ready_apps, staff):
    jury.min_members, jury.min_residents = 7, 7
    db.session.commit()
    round_ = _draft(jury, ready_apps, staff)
    rounds.open_round(round_, actor=staff.actor, composition_reason="ignored")
    db.session.commit()
    assert round_.composition_exception == ""


def test_opening_on_the_page_needs_the_reason_and_the_tick_and_the_minutes_show_it(
    client, jury, ready_apps, staff, login
):
    jury.residents_majority = True
    for member in _full(jury)[:4]:
        member.role = "institution"  # 3 of 7 residents
    db.session.commit()
    round_ = _draft(jury, ready_apps, staff)
    login(staff)
    page = client.get(f"/staff/rounds/{round_.id}", headers=EN).get_data(as_text=True)
    assert "3 of 7 full members are residents; the rule asks for more than half." in page
    token = csrf_from(page)
    client.post(f"/staff/rounds/{round_.id}/open", data={"csrf_token": token}, headers=EN)
    assert db.session.get(Round, round_.id).state == "draft"
    reason = "Die Nachwahl ist im Mai."
    client.post(
        f"/staff/rounds/{round_.id}/open",
        data={"csrf_token": token, "composition_reason": reason},
        headers=EN,
    )
    db.session.expire_all()
    assert db.session.get(Round, round_.id).state == "draft"  # not ticked
    client.post(
        f"/staff/rounds/{round_.id}/open",
        data={"csrf_token": token, "composition_reason": reason, "confirm": "y"},
        headers=EN,
    )
    db.session.expire_all()
    assert db.session.get(Round, round_.id).state == "open"
    minutes = client.get(f"/staff/rounds/{round_.id}/minutes", headers=EN).get_data(as_text=True)
    assert "Opened although the body does not meet its composition rule" in minutes
    assert reason in minutes


def test_staff_set_the_composition_rule_and_member_seats_in_the_forms(client, jury, staff, login):
    login(staff)
    page = client.get(f"/staff/bodies/{jury.id}/edit", headers=EN).get_data(as_text=True)
    form = {
        "csrf_token": csrf_from(page),
        "kind": "jury",
        "name": jury.name,
        "quorum_numerator": "1",
        "quorum_denominator": "2",
        "quorum_strict": "y",
        "quorum_minimum": "3",
        "majority": "simple",
        "tie_breaker": "0",
        "min_members": "7",
        "min_residents": "7",
        "min_age": "16",
    }
    assert client.post(f"/staff/bodies/{jury.id}/edit", data=form, headers=EN).status_code == 302
    db.session.expire_all()
    assert (jury.min_members, jury.min_residents, jury.min_age) == (7, 7, 16)
    page = client.get(f"/staff/bodies/{jury.id}", headers=EN).get_data(as_text=True)
    assert "neither a date of birth nor the minimum age of 16 is confirmed" in page
    # A successor needs their place in the order; the typed values stay in the form.
    page = client.get(f"/staff/bodies/{jury.id}/members/new", headers=EN).get_data(as_text=True)
    member = {
        "csrf_token": csrf_from(page),
        "name": "Sara Nachrück",
        "email": "sara@example.org",
        "language": "de",
        "role": "resident",
        "seat": "successor",
        "term_start": "2026-01-01",
        "birth_date": "2011-03-01",
    }
    refused = client.post(f"/staff/bodies/{jury.id}/members/new", data=member, headers=EN)
    text = refused.get_data(as_text=True)
    assert refused.status_code == 200 and "Please give the successor" in text
    assert "Sara Nachrück" in text
    member["successor_rank"] = "1"
    saved = client.post(f"/staff/bodies/{jury.id}/members/new", data=member, headers=EN)
    assert saved.status_code == 302
    sara = db.session.scalars(select(Member).where(Member.email == "sara@example.org")).one()
    assert (sara.seat, sara.successor_rank, sara.birth_date) == ("successor", 1, date(2011, 3, 1))
    assert sara not in jury.voting_members(clock.area_today(jury.area))
    page = client.get(f"/staff/bodies/{jury.id}", headers=EN).get_data(as_text=True)
    client.post(
        f"/staff/members/{sara.id}/move-up", data={"csrf_token": csrf_from(page)}, headers=EN
    )
    db.session.expire_all()
    assert sara.seat == "full" and sara.successor_rank is None
    # Moved up today in the area (between midnight in Berlin and midnight UTC, not clock.today_in(None)).
    assert sara in jury.voting_members(clock.area_today(jury.area))


def test_a_successor_is_not_frozen_into_a_round(open_round, jury, staff):
    setup.save_member(
        None,
        jury,
        name="Wartend",
        email="wait@example.org",
        language="de",
        role="resident",
        term_start=date(2020, 1, 1),
        term_end=None,
        seat="successor",
        successor_rank=1,
    )
    db.session.commit()
    round_ = open_round()
    assert len(round_.participants) == 7
    with pytest.raises(DomainError):
        rounds.add_participant(
            round_,
            db.session.scalars(select(Member).where(Member.seat == "successor")).one(),
            actor=staff.actor,
        )


def test_the_database_refuses_a_successor_without_rank_and_an_unknown_seat(jury):
    for values in ({"seat": "successor", "successor_rank": None}, {"seat": "boss"}):
        member = _full(jury)[0]
        for name, value in values.items():
            setattr(member, name, value)
        with pytest.raises(Exception) as broken:
            db.session.flush()
        assert "check" in str(broken.value).lower() or "constraint" in str(broken.value).lower()
        db.session.rollback()


def test_a_conflict_found_for_a_deputy_keeps_them_off_that_seat(
    open_round, jury, with_deputies, staff, area, fund
):
    from .conftest import make_ready

    own = make_ready(area, fund, "Deputy's own", 20000, email=with_deputies[0].email)
    round_ = open_round(apps=[own])
    item: AgendaItem = round_.agenda[0]
    d1 = _p(round_, with_deputies[0])
    assert (d1.member_id, item.id) in conflicts.excluded_pairs(round_)
    deputies.assign(round_, d1, _p(round_, _full(jury)[0]), [item], actor=staff.actor)
    with pytest.raises(DomainError) as refused:
        ballots.cast_vote(d1, item, "yes")
    assert refused.value.reason == "ballot.excluded"


def test_a_meeting_just_after_midnight_has_the_members_of_the_areas_day(
    jury, open_round, ready_apps
):
    """A meeting at 00:30 in Berlin is held on that Berlin day, though it is 23:30 UTC the day
    before: whoever joins the body that day votes, whoever left the day before does not."""
    joined = MemberFactory(body=jury, name="Neu Dabei", term_start=date(2027, 3, 3))
    left = MemberFactory(body=jury, name="Schon Weg", term_end=date(2027, 3, 2))
    db.session.commit()
    round_ = open_round(mode="meeting", deadline=datetime(2027, 3, 2, 23, 30, tzinfo=UTC))
    members = set(
        db.session.scalars(select(RoundMember.member_id).where(RoundMember.round_id == round_.id))
    )
    assert joined.id in members
    assert left.id not in members


def test_a_deputy_objects_to_writing_only_while_holding_a_seat(open_round, jury, staff, client):
    """§ 90 (1) VwVfG: a member may object to deciding in writing. A deputy is one only in a
    seat staff named them for: once the seat is taken back the ballot offers no objection and
    the service refuses it; with a seat, the objection defers the round."""
    deputy = _deputy(jury, 1)
    round_ = open_round()
    mine, seat = _p(round_, deputy), _p(round_, _full(jury)[0])
    deputies.assign(round_, mine, seat, [round_.agenda[0]], actor=staff.actor)
    rounds.mail_ballot(mine, purpose="ballot.invitation", template="ballot_invitation")
    db.session.commit()
    page = client.get(ballot_links()[deputy.email], follow_redirects=True).get_data(as_text=True)
    assert 'id="objection"' in page
    deputies.withdraw(db.session.scalars(select(Substitution)).one(), actor=staff.actor)
    db.session.commit()
    assert 'id="objection"' not in client.get(f"/ballot/{round_.id}").get_data(as_text=True)
    with pytest.raises(DomainError) as refused:
        rounds.object_to_writing(mine, link_version=1)
    assert refused.value.reason == "ballot.deputy_no_seat_to_object"
    db.session.rollback()
    deputies.assign(round_, mine, seat, [round_.agenda[0]], actor=staff.actor)
    rounds.object_to_writing(mine, link_version=1)
    db.session.commit()
    assert db.session.get(Round, round_.id).state == "deferred"
