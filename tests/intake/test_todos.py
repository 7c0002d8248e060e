"""The staff dashboard's to-dos per area (issue 14, item 2): each count links to the inbox
filtered the same way, so the number and the list agree."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Application, ProofOfUse
from juryfund.services import ballots, decisions, intake, proofs, rounds, setup, todos
from tests.factories import ApplicationFactory
from tests.fixtures import approved_round

pytestmark = pytest.mark.intake


def _listed(client, area, todo: str) -> list[str]:
    """The references the inbox lists for a to-do, in their order."""
    html = client.get(f"/staff/areas/{area.id}/applications?todo={todo}").get_data(as_text=True)
    return re.findall(rf"{area.code}-\d{{4}}-\d{{4}}", html)


def _count_on_dashboard(html: str, area, todo: str) -> int | None:
    """The number the dashboard shows in front of a to-do link (None: not shown)."""
    link = f"/staff/areas/{area.id}/applications?todo={todo}"
    found = re.search(rf'href="{re.escape(link)}"><strong>(\d+)</strong>', html)
    return int(found.group(1)) if found else None


def test_dashboard_lists_what_waits_with_links_to_the_filtered_lists(
    client, area, fund, jury, staff, login, apply
):
    apply()
    apply(title="Nachbarschaftsfest")
    waiting = db.session.scalars(
        select(Application).where(Application.state == "submitted").order_by(Application.id)
    ).all()
    waiting[1].submitted_at = datetime.now(UTC) - timedelta(days=3)  # the older one
    db.session.commit()

    returned, ready, to_confirm, to_pay, on_agenda = (
        ApplicationFactory(area=area, fund=fund, title=title)
        for title in ("Hofflohmarkt", "Lesecafé", "Kiezchor", "Pflanzaktion", "Laternenumzug")
    )
    intake.return_for_changes(returned, note="Bitte den Kostenplan ergänzen.", actor=staff.actor)
    approved_round(jury, staff, [to_confirm], title="Umlauf Oktober")
    paid_round = approved_round(jury, staff, [to_pay], title="Umlauf November")
    decisions.confirm_approval(
        paid_round.agenda[0],
        amount_cents=40000,
        conditions="",
        reasons="Die Jury kürzt die Materialkosten.",
        actor=staff.actor,
    )
    open_round = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf Dezember",
        when=datetime.now(UTC) + timedelta(days=7),
        place="",
        actor=staff.actor,
    )
    rounds.set_agenda(open_round, [on_agenda.id])
    rounds.open_round(open_round, actor=staff.actor)
    ballots.cast_vote(open_round.participants[0], open_round.agenda[0], "yes")
    setup.open_fund_year(
        fund, year=clock.area_today(area).year - 1, allocation_cents=100_000, actor=staff.actor
    )
    proof = db.session.scalars(
        select(ProofOfUse).where(ProofOfUse.application_id == to_pay.id)
    ).one()
    proof.due_on = clock.area_today(area) - timedelta(days=1)
    db.session.commit()

    login(staff)
    html = client.get("/staff/").get_data(as_text=True)
    expected = {
        "review": 2,
        "returned": 1,
        "ready": 1,
        "confirm": 1,
        "payout": 1,
        "proof_check": None,
        "proof_overdue": 1,
    }
    assert {code: _count_on_dashboard(html, area, code) for code in expected} == expected
    # (Staff pages speak German unless the browser asks otherwise.)
    assert "der älteste wartet seit 3 Tagen" in html
    assert "Umlauf Dezember" in html and "1 von 7 Mitgliedern haben abgestimmt" in html
    assert f"Fondsjahr {clock.area_today(area).year - 1} von" in html

    # Each link lists exactly what its number counts; to review: the longest-waiting first.
    assert _listed(client, area, "review") == [waiting[1].reference, waiting[0].reference]
    assert _listed(client, area, "returned") == [returned.reference]
    assert _listed(client, area, "ready") == [ready.reference]
    assert _listed(client, area, "confirm") == [to_confirm.reference]
    assert _listed(client, area, "payout") == [to_pay.reference]
    assert _listed(client, area, "proof_overdue") == [to_pay.reference]

    # The resident sends the proof: it is to check, no longer overdue.
    proofs.save(
        proof,
        report="Alles gepflanzt.",
        receipts=[proofs.ReceiptLine(clock.area_today(area), "Gärtnerei", "Erde", 40000)],
    )
    proofs.submit(proof)
    db.session.commit()
    counts = todos.todos_for([area.id], clock.area_today(area))[area.id].counts
    assert (counts["proof_check"], counts["proof_overdue"]) == (1, 0)
    assert _listed(client, area, "proof_check") == [to_pay.reference]


def test_an_area_with_nothing_to_do_says_so(client, make, login):
    quiet = make.area(name="Ruhiger Kiez", slug="ruhiger-kiez", code="RUH")
    login(make.staff(areas=[quiet]))
    assert "Hier wartet nichts auf Sie." in client.get("/staff/").get_data(as_text=True)


def test_a_bad_todo_filter_is_ignored(client, area, staff, login, apply):
    apply()
    login(staff)
    response = client.get(f"/staff/areas/{area.id}/applications?todo=nonsense")
    assert response.status_code == 200
    assert len(re.findall(rf"{area.code}-\d{{4}}-\d{{4}}", response.get_data(as_text=True))) >= 1


def test_a_rejection_waiting_for_its_reasons_is_a_decision_to_confirm(
    client, area, fund, jury, staff, login
):
    rejected = ApplicationFactory(area=area, fund=fund, title="Grillfest")
    round_ = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf Januar",
        when=datetime.now(UTC) + timedelta(days=7),
        place="",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [rejected.id])
    rounds.open_round(round_, actor=staff.actor)
    for participant in round_.participants[:5]:
        ballots.cast_vote(participant, round_.agenda[0], "no")
    rounds.close_round(round_, actor=staff.actor, early_reason="Alle haben abgestimmt.")
    db.session.commit()
    assert round_.agenda[0].result == "rejected"
    login(staff)
    assert _listed(client, area, "confirm") == [rejected.reference]
    decisions.confirm_rejection(
        round_.agenda[0], reasons="Kein Bezug zum Quartier.", actor=staff.actor
    )
    db.session.commit()
    assert _listed(client, area, "confirm") == []


def test_overdue_proofs_count_on_each_area_s_own_day(
    client, area, approved, staff, login, clock_at
):
    # 12:00 UTC on 6 December is 01:00 on 7 December in Auckland but still the 6th in Berlin
    # (the installation's default): a proof due on the 6th is overdue in the Auckland area.
    area.timezone = "Pacific/Auckland"
    proof = proofs.proof_for(approved)
    proof.due_on = date(2026, 12, 6)
    db.session.commit()
    clock_at(datetime(2026, 12, 6, 12, 0, tzinfo=UTC))
    login(staff)
    html = client.get("/staff/").get_data(as_text=True)
    assert _count_on_dashboard(html, area, "proof_overdue") == 1
    assert _listed(client, area, "proof_overdue") == [approved.reference]
