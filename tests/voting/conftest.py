"""Fixtures for voting: a jury of seven, ready applications, rounds, ballot links."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from juryfund.domain.states import State
from juryfund.extensions import db
from juryfund.models import Application, CostItem, Mail, Round
from juryfund.services import ballots, history, rounds


@pytest.fixture
def area(make):
    """Soldiner Kiez with a seven-member jury (simple majority, quorum > 1/2, at least 3)."""
    return make.area(name="Soldiner Kiez", slug="soldiner-kiez", code="SOL")


@pytest.fixture
def jury(area, make):
    """The jury; member languages vary so mails go out in several languages."""
    body = make.body(area, members=7)
    for member, language in zip(body.members, ["de", "tr", "ar", "uk", "ru", "pl", "en"], strict=True):
        member.language = language
    db.session.commit()
    return body


@pytest.fixture
def fund(area, jury, make):
    """The Aktionsfonds (cap 1,500 €) with 10,000 € this year."""
    return make.fund(area, jury, cap_cents=150000, allocation_cents=1_000_000)


@pytest.fixture
def staff(make, area):
    """A staff member of the area (not logged in)."""
    return make.staff(areas=[area])


def make_ready(area, fund, title: str, requested: int, *, email: str | None = None) -> Application:
    """An application already through formal review."""
    number, reference = history.next_reference(area, date.today().year)
    start = date.today() + timedelta(days=40)
    application = Application(
        area_id=area.id, fund_id=fund.id, year=date.today().year, number=number, reference=reference,
        language="de", applicant_kind="initiative", applicant_name=f"Antragsteller {number}",
        organisation=f"Initiative {number}", email=email or f"applicant{number}@example.org",
        address="Soldiner Str. 1", title=title, description=f"{title}: Beschreibung", start_date=start,
        end_date=start, total_cents=requested, requested_cents=requested,
        declared_not_started=True, declared_no_own_fee=True, consent_processing=True,
    )
    application.cost_items = [CostItem(position=1, description="Material", category="material", quantity=1,
                                       unit_cents=requested, total_cents=requested)]
    db.session.add(application)
    db.session.flush()
    history.record(application, "submitted", actor_kind="applicant", to_state=State.SUBMITTED)
    history.transition(application, State.READY, actor_kind="system", note="Formal geprüft.")
    db.session.commit()
    return application


@pytest.fixture
def ready_apps(area, fund):
    """Three ready applications: 480 €, 1,200 € and 300 €."""
    return [make_ready(area, fund, "Pflanzaktion", 48000), make_ready(area, fund, "Hoffest", 120000),
            make_ready(area, fund, "Lesecafé", 30000)]


@pytest.fixture
def open_round(jury, ready_apps, staff):
    """A circulation round with the three applications, opened (members mailed)."""

    def build(mode: str = "circulation", apps=None, deadline: datetime | None = None) -> Round:
        when = deadline or datetime.now(UTC) + timedelta(days=7)
        round_ = rounds.save_round(None, jury, mode=mode, title="Umlauf März", when=when, place="", actor=staff)
        rounds.set_agenda(round_, [a.id for a in (apps or ready_apps)])
        rounds.open_round(round_, actor=staff)
        db.session.commit()
        return round_

    return build


def approved_round(jury, staff, applications: list[Application], *, title: str = "Umlauf") -> Round:
    """A circulation round over the applications where five members voted yes on everything,
    closed: every item approved and waiting for staff to confirm its amount."""
    round_ = rounds.save_round(None, jury, mode="circulation", title=title,
                               when=datetime.now(UTC) + timedelta(days=7), place="", actor=staff)
    rounds.set_agenda(round_, [a.id for a in applications])
    rounds.open_round(round_, actor=staff)
    for participant in round_.participants[:5]:
        for item in round_.agenda:
            ballots.cast_vote(participant, item, "yes")
    rounds.close_round(round_, actor=staff)
    db.session.commit()
    return round_


def ballot_links() -> dict[str, str]:
    """Member email -> ballot link path, from the queued invitation mails."""
    links = {}
    for mail in db.session.scalars(select(Mail).where(Mail.purpose == "ballot.invitation").order_by(Mail.id)):
        match = re.search(r"https?://[^/\s]+(/ballot/link/\S+)", mail.body_text)
        links[mail.to_addr] = match.group(1)
    return links
