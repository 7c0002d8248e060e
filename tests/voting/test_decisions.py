"""Closing a round: tallies, decisions, confirmed amounts booked, letters, corrections, minutes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from juryfund.domain.errors import BookingRefused, DomainError
from juryfund.extensions import db
from juryfund.models import Decision, LedgerEntry, Mail
from juryfund.services import ballots, decisions, ledger, rounds

pytestmark = pytest.mark.voting


def _vote(round_, item_index: int, choices: list[str]) -> None:
    """Members 1..n cast the given choices on one item."""
    item = round_.agenda[item_index]
    for participant, choice in zip(round_.participants, choices, strict=False):
        if choice == "conflict":
            ballots.declare_conflict(participant, item, "befangen")
        elif choice:
            ballots.cast_vote(participant, item, choice)
    db.session.commit()


@pytest.fixture
def closed(open_round, staff):
    """Pflanzaktion approved 4:1, Hoffest rejected 1:3, Lesecafé without quorum (2 votes)."""
    round_ = open_round()
    _vote(round_, 0, ["yes", "yes", "yes", "yes", "no"])
    _vote(round_, 1, ["yes", "no", "no", "no", "conflict"])
    _vote(round_, 2, ["yes", "yes"])
    rounds.close_round(round_, actor=staff.actor, early_reason="Vor der Frist geschlossen.")
    db.session.commit()
    return round_


def test_close_tallies_each_item_with_frozen_rule(closed):
    results = [
        (i.result, i.eligible, i.participating, i.quorum_needed, i.yes, i.no, i.abstain)
        for i in closed.agenda
    ]
    assert results == [
        ("approved", 7, 5, 4, 4, 1, 0),
        ("rejected", 6, 4, 4, 1, 3, 0),
        ("no_quorum", 7, 2, 4, 2, 0, 0),
    ]
    assert closed.state == "closed"


def test_close_defers_no_quorum_and_rejection_waits_for_reasons(closed, ready_apps, staff):
    pflanz, hoffest, lesecafe = ready_apps
    assert (pflanz.state, hoffest.state, lesecafe.state) == ("scheduled", "scheduled", "ready")
    outcomes = {d.application_id: d.outcome for d in db.session.scalars(select(Decision))}
    assert outcomes == {lesecafe.id: "no_quorum"}
    assert db.session.scalars(select(Mail).where(Mail.purpose == "decision.rejected")).all() == []

    decisions.confirm_rejection(closed.agenda[1], reasons="Nicht im Gebiet.", actor=staff.actor)
    db.session.commit()
    assert hoffest.state == "rejected"
    decision = decisions.current_decision(hoffest)
    assert (decision.outcome, decision.reasons, decision.requested_cents) == (
        "rejected",
        "Nicht im Gebiet.",
        hoffest.requested_cents,
    )
    letter = db.session.scalars(select(Mail).where(Mail.purpose == "decision.rejected")).one()
    assert letter.to_addr == hoffest.email
    assert "Nicht im Gebiet." in letter.body_text


def test_closed_round_takes_no_more_votes(closed):
    with pytest.raises(DomainError) as caught:
        ballots.cast_vote(closed.participants[5], closed.agenda[0], "yes")
    assert caught.value.reason == "ballot.round_closed"


def test_confirm_partial_approval_books_commitment_and_sends_letter(
    closed, staff, ready_apps, fund
):
    item = closed.agenda[0]
    decision = decisions.confirm_approval(
        item,
        amount_cents=40000,
        conditions="Belege im Original einreichen.",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    db.session.commit()
    pflanz = ready_apps[0]
    assert (pflanz.state, decision.approved_cents, decision.yes, decision.no) == (
        "approved",
        40000,
        4,
        1,
    )
    entry = db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "commitment")).one()
    assert (entry.application_id, entry.amount_cents, entry.decision_id) == (
        pflanz.id,
        40000,
        decision.id,
    )
    balances = ledger.balances_of(fund.years[0].id)
    assert (balances.committed, balances.available) == (40000, 960000)
    letter = db.session.scalars(select(Mail).where(Mail.purpose == "decision.approved")).one()
    assert (letter.to_addr, letter.language) == (pflanz.email, "de")
    assert "400,00" in letter.body_text and "Belege im Original einreichen." in letter.body_text


@pytest.mark.parametrize(
    ("amount", "reason"),
    [(0, "decision.amount_not_positive"), (48001, "decision.above_requested")],
)
def test_confirm_amount_limits(closed, staff, amount, reason):
    with pytest.raises(DomainError) as caught:
        decisions.confirm_approval(
            closed.agenda[0],
            amount_cents=amount,
            conditions="",
            reasons="Weniger Mittel als beantragt verfügbar.",
            actor=staff.actor,
        )
    assert caught.value.reason == reason


def test_confirm_amount_above_cap_refused(closed, staff, ready_apps, fund):
    fund.cap_cents = 30000
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        decisions.confirm_approval(
            closed.agenda[0],
            amount_cents=40000,
            conditions="",
            reasons="Weniger Mittel als beantragt verfügbar.",
            actor=staff.actor,
        )
    assert caught.value.reason == "decision.above_cap"


def test_confirm_more_than_available_refused_and_nothing_booked(closed, staff, fund):
    ledger.book(fund.years[0], "adjustment", -980000, note="Kürzung durch den Senat")
    db.session.commit()
    with pytest.raises(BookingRefused) as caught:
        decisions.confirm_approval(
            closed.agenda[0],
            amount_cents=40000,
            conditions="",
            reasons="Weniger Mittel als beantragt verfügbar.",
            actor=staff.actor,
        )
    assert caught.value.reason == "booking.exceeds_available"
    db.session.rollback()
    assert (
        db.session.scalars(select(LedgerEntry).where(LedgerEntry.kind == "commitment")).all() == []
    )


def test_confirm_twice_refused(closed, staff):
    decisions.confirm_approval(
        closed.agenda[0],
        amount_cents=40000,
        conditions="",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        decisions.confirm_approval(
            closed.agenda[0],
            amount_cents=40000,
            conditions="",
            reasons="Weniger Mittel als beantragt verfügbar.",
            actor=staff.actor,
        )
    assert caught.value.reason == "decision.not_pending"


def test_confirm_through_page_with_bad_amount_shows_error(client, closed, staff, login, post_form):
    login(staff)
    url = f"/staff/rounds/{closed.id}/items/{closed.agenda[0].id}/confirm"
    response = post_form(url, {"amount": "2.000,00", "conditions": ""})
    assert response.status_code == 200
    assert 'id="amount-error"' in response.get_data(as_text=True)
    response = post_form(url, {"amount": "400,00", "conditions": "Fotos schicken"})
    assert response.status_code == 200  # less than requested: the reasons are required
    page = response.get_data(as_text=True)
    assert 'id="reasons-error"' in page and "Fotos schicken" in page
    response = post_form(
        url, {"amount": "400,00", "conditions": "Fotos schicken", "reasons": "Knappe Mittel."}
    )
    assert response.status_code == 302


def test_correction_is_new_decision_and_books_the_difference(closed, staff, fund, ready_apps):
    first = decisions.confirm_approval(
        closed.agenda[0],
        amount_cents=40000,
        conditions="",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    db.session.commit()
    with pytest.raises(DomainError):
        decisions.correct_decision(
            first,
            amount_cents=30000,
            conditions="",
            reason=" ",
            reasons="Weniger Mittel als beantragt verfügbar.",
            actor=staff.actor,
        )
    second = decisions.correct_decision(
        first,
        amount_cents=30000,
        conditions="",
        reason="Rechenfehler",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    db.session.commit()
    assert (second.supersedes_id, second.approved_cents, first.approved_cents) == (
        first.id,
        30000,
        40000,
    )
    assert decisions.current_decision(ready_apps[0]) == second
    assert ledger.account_of(ready_apps[0].id).committed == 30000
    with pytest.raises(DomainError) as caught:
        decisions.correct_decision(
            first,
            amount_cents=20000,
            conditions="",
            reason="alt",
            reasons="Weniger Mittel als beantragt verfügbar.",
            actor=staff.actor,
        )
    assert caught.value.reason == "decision.not_correctable"


def test_minutes_list_members_conflicts_counts_and_amounts(client, closed, staff, login):
    decisions.confirm_approval(
        closed.agenda[0],
        amount_cents=40000,
        conditions="Mit Logo",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    db.session.commit()
    login(staff)
    html = client.get(
        f"/staff/rounds/{closed.id}/minutes", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert closed.participants[4].member.name in html  # declared the conflict
    assert "befangen" in html
    assert "400,00" in html or "€400.00" in html
    assert html.count('class="minutes-item"') == len(closed.agenda)


def test_staff_live_status_shows_quorum_and_result(client, open_round, staff, login):
    round_ = open_round()
    _vote(round_, 0, ["yes", "yes", "no"])
    login(staff)
    html = client.get(f"/staff/rounds/{round_.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "3 / 7" in html and "not reached" in html


def test_reminder_goes_only_to_members_with_missing_votes(
    client, open_round, staff, login, post_form
):
    round_ = open_round()
    for item in round_.agenda:
        ballots.cast_vote(round_.participants[0], item, "yes")
    db.session.commit()
    login(staff)
    post_form(f"/staff/rounds/{round_.id}/remind", {}, page=f"/staff/rounds/{round_.id}")
    reminded = {
        m.to_addr for m in db.session.scalars(select(Mail).where(Mail.purpose == "ballot.reminder"))
    }
    assert len(reminded) == 6 and round_.participants[0].member.email not in reminded


def test_meeting_round_staff_record_presence_conflicts_votes(
    client, open_round, staff, login, post_form, jury
):
    round_ = open_round(mode="meeting", deadline=datetime.now(UTC) + timedelta(days=3))
    login(staff)
    page = f"/staff/rounds/{round_.id}"
    p = round_.participants
    data = {f"present-{x.id}": "y" for x in p[:5]}
    item = round_.agenda[0]
    data.update({f"vote-{x.id}-{item.id}": "yes" for x in p[:3]})
    data[f"vote-{p[3].id}-{item.id}"] = "no"
    data[f"conflict-{p[4].id}-{item.id}"] = "Ehepartner der Antragstellerin"
    # A vote for a member not ticked present is refused whole (never dropped unseen) ...
    absent_vote = {**data, f"vote-{p[5].id}-{item.id}": "yes"}
    assert post_form(f"{page}/record", absent_vote, page=page).status_code == 422
    assert rounds.tallies(round_)[item.id].participating == 0
    # ... and saved once the absent member's vote is taken out.
    assert post_form(f"{page}/record", data, page=page).status_code == 302
    tally = rounds.tallies(round_)[item.id]
    # 5 present, 1 conflicted -> 4 eligible present; quorum of 6 eligible is 4 -> met
    assert (tally.eligible, tally.participating, tally.yes, tally.no, tally.outcome) == (
        6,
        4,
        3,
        1,
        "approved",
    )
    other = round_.agenda[1]
    assert (
        rounds.tallies(round_)[other.id].abstain == 5
    )  # present without a vote count as abstaining


def test_member_cannot_vote_online_in_meeting_round(open_round):
    round_ = open_round(mode="meeting", deadline=datetime.now(UTC) + timedelta(days=3))
    with pytest.raises(DomainError) as caught:
        ballots.cast_vote(round_.participants[0], round_.agenda[0], "yes")
    assert caught.value.reason == "ballot.meeting_mode"
