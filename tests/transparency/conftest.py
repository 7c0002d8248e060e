"""Fixtures: an area with a jury and a fund, and a factory that decides applications for real.

Decisions come from the real services: applications are reviewed to ready, put on the agenda of
a jury meeting, voted on by the present members, the round is closed (tallies, rejections,
deferrals) and staff confirm approved amounts (commitments booked, letters queued).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest

from juryfund.domain.states import State
from juryfund.extensions import db
from juryfund.models import Application, CostItem
from juryfund.services import ballots, decisions, history, rounds

#: Personal data no public output may contain unless the applicant agreed (name) — or ever.
SECRET_NAME = "Zelda Geheimname"
SECRET_EMAIL = "zelda.private@example.org"
SECRET_PHONE = "+49 30 5550199"
SECRET_ADDRESS = "Versteckweg 7, 13359 Berlin"


@dataclass
class Spec:
    """What to decide: title, request, outcome and the applicant's publishing choices."""

    title: str
    requested: int = 50000
    outcome: str = "approved"  # approved | rejected | no_quorum
    approved: int | None = None  # confirmed amount; defaults to the request
    kind: str = "initiative"
    name: str = "Antragstellerin"
    organisation: str = ""
    consent: bool = False
    goals: tuple[str, ...] = ()
    participants: int = 0
    email: str = "applicant@example.org"
    phone: str = ""
    address: str = "Soldiner Str. 1, 13359 Berlin"


@pytest.fixture
def area(make):
    """Soldiner Kiez (action fields "Nachbarschaft" and "Kultur")."""
    return make.area(name="Soldiner Kiez", slug="soldiner-kiez", code="SOL")


@pytest.fixture
def jury(area, make):
    """A jury of seven under the default rule."""
    return make.body(area, members=7)


@pytest.fixture
def fund(area, jury, make):
    """The Aktionsfonds: cap 1,500 €, 10,000 € this year."""
    return make.fund(area, jury, cap_cents=150000, allocation_cents=1_000_000)


@pytest.fixture
def staff(make, area):
    """A staff member of the area."""
    return make.staff(areas=[area])


def ready_application(area, fund, spec: Spec) -> Application:
    """An application as a resident submits it, through formal review to ready."""
    year = date.today().year
    number, reference = history.next_reference(area, year)
    start = date.today() + timedelta(days=40)
    application = Application(
        area_id=area.id, fund_id=fund.id, year=year, number=number, reference=reference,
        language="de", applicant_kind=spec.kind, applicant_name=spec.name,
        organisation=spec.organisation, email=spec.email, phone=spec.phone, address=spec.address,
        lives_or_acts_in_area=True, title=spec.title, description=f"{spec.title}: Beschreibung",
        goals="\n".join(spec.goals), target_group="Nachbarschaft", place="Soldiner Kiez",
        start_date=start, end_date=start + timedelta(days=1), participants=spec.participants,
        total_cents=spec.requested, requested_cents=spec.requested, declared_not_started=True,
        declared_no_own_fee=True, consent_processing=True, consent_publish_name=spec.consent,
    )
    application.cost_items = [CostItem(position=1, description="Material", category="material",
                                       quantity=1, unit_cents=spec.requested, total_cents=spec.requested)]
    db.session.add(application)
    db.session.flush()
    history.record(application, "submitted", actor_kind="applicant", to_state=State.SUBMITTED)
    history.transition(application, State.READY, actor_kind="staff", note="Formal geprüft.")
    return application


@pytest.fixture
def decide(area, fund, jury, staff):
    """decide(specs, at=None, fund=None) -> applications: one jury meeting decides them all.

    `at` is when the meeting closed (default: an hour ago); approvals are confirmed with the
    spec's amount. Six of seven members attend: approve 5:1, reject 1:5; a deferral has only two
    members present.
    """

    def run(specs: list[Spec], *, at: datetime | None = None, in_fund=None) -> list[Application]:
        target = in_fund or fund
        closed_at = at or datetime.now(UTC) - timedelta(hours=1)
        applications = [ready_application(area, target, spec) for spec in specs]
        meeting = rounds.save_round(None, target.body or jury, mode="meeting", title="Jurysitzung",
                                    when=closed_at - timedelta(hours=2), place="Nachbarschaftsetage",
                                    actor=staff)
        rounds.set_agenda(meeting, [a.id for a in applications])
        rounds.open_round(meeting, actor=staff, now=closed_at - timedelta(days=7))
        no_quorum = any(spec.outcome == "no_quorum" for spec in specs)
        if no_quorum:
            assert all(spec.outcome == "no_quorum" for spec in specs), "defer in a meeting of its own"
        present = meeting.participants[: 2 if no_quorum else 6]
        for participant in present:
            ballots.set_presence(participant, True)
        for item, spec in zip(meeting.agenda, specs, strict=True):
            yes = {"approved": 5, "rejected": 1, "no_quorum": 2}[spec.outcome]
            for i, participant in enumerate(present):
                ballots.cast_vote(participant, item, "yes" if i < yes else "no", recorded_by=staff)
        rounds.close_round(meeting, actor=staff, now=closed_at)
        for item, spec in zip(meeting.agenda, specs, strict=True):
            if item.result == "approved":
                decisions.confirm_approval(item, amount_cents=spec.approved or spec.requested,
                                           conditions="", actor=staff)
        db.session.commit()
        assert [item.result for item in meeting.agenda] == [spec.outcome for spec in specs]
        return applications

    return run
