"""Fixtures for applying: an area with an Aktionsfonds (and optionally a Quartiersfonds)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Application, Mail
from juryfund.services import intake
from tests.factories import BodyFactory, FundFactory

from ..conftest import csrf_from

#: A month ahead of the day in Berlin, the test areas' time zone (not the server's UTC date).
START = (clock.today_in(None) + timedelta(days=30)).isoformat()


@pytest.fixture
def area(area):
    """The shared Soldiner Kiez, here with a 7-member jury deciding an Aktionsfonds (cap 1,500 €,
    lead time 14 days, 10,000 € this year): applying needs an open fund."""
    # Built from the factories, not the shared `fund` fixture: that one asks for `area` itself.
    FundFactory(area=area, body=BodyFactory(area=area))
    return area


@pytest.fixture
def council_fund(area):
    """A Quartiersfonds from 5,000 € to 50,000 € decided by a council of fifteen (no year opened)."""
    return FundFactory(
        area=area,
        body=BodyFactory(area=area, kind="council", members=15),
        kind="neighbourhood_fund",
        name="Quartiersfonds",
        cap_cents=5_000_000,
        minimum_cents=500_000,
        fund_year=None,
    )


def application_data(**overrides) -> dict:
    """A complete, valid application as a German browser would send it."""
    data = {
        "applicant_kind": "initiative",
        "applicant_name": "Ayşe Yılmaz",
        "organisation": "Hofgemeinschaft",
        "email": "ayse@example.org",
        "phone": "",
        "address": "Soldiner Str. 1, 13359 Berlin",
        "lives_or_acts_in_area": "y",
        "title": "Hoffest",
        "description": "Ein Fest im Hof",
        "goals": ["Nachbarschaft"],
        "target_group": "Nachbarschaft",
        "place": "Hof",
        "start_date": START,
        "end_date": START,
        "participants": "40",
        "cost_items-0-description": "Erde",
        "cost_items-0-category": "material",
        "cost_items-0-quantity": "10",
        "cost_items-0-unit_price": "4,50",
        "cost_items-1-description": "Stauden",
        "cost_items-1-category": "material",
        "cost_items-1-quantity": "20",
        "cost_items-1-unit_price": "30,00",
        "cost_items-2-description": "Musiker",
        "cost_items-2-category": "services",
        "cost_items-2-quantity": "1",
        "cost_items-2-unit_price": "600",
        "volunteer_hours": "12",
        "in_kind": "",
        "cofunding_source": "",
        "cofunding": "",
        "requested": "1.234,50",
        "declared_not_started": "y",
        "declared_no_own_fee": "y",
        "consent_processing": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def send(client):
    """POST the application form with a button (action) and a fresh CSRF token."""

    def post(url: str, data: dict, action: str = "check", **kwargs):
        token = csrf_from(client.get(url).get_data(as_text=True))
        return client.post(url, data={"csrf_token": token, "action": action, **data}, **kwargs)

    return post


@pytest.fixture
def apply(send):
    """Check, then send, an application; returns the final response."""

    def run(slug="soldiner-kiez", **overrides):
        url = f"/{slug}/apply"
        data = application_data(**overrides)
        checked = send(url, data, "check")
        fund_id = re.search(r'name="confirmed_fund" value="(\d+)"', checked.get_data(as_text=True))
        assert fund_id, checked.get_data(as_text=True)[:3000]
        data.pop("attachments", None)  # already kept with the form by the check
        return send(url, {**data, "confirmed_fund": fund_id.group(1)}, "submit")

    return run


def status_link(mail: Mail) -> str:
    """The status link of a mail, as a path."""
    match = re.search(r"https?://[^/\s]+(/status/link/[^\s\"<]+)", mail.body_text)
    assert match, mail.body_text
    return match.group(1)


def open_status(client, application: Application) -> None:
    """The resident opens a fresh status link (as mailed) in this browser."""
    token = intake.new_status_token(application)
    db.session.commit()
    assert client.get(f"/status/link/{token}").status_code == 302


def last_mail(to: str) -> Mail:
    """The newest mail queued for an address."""
    return db.session.scalars(
        select(Mail).where(Mail.to_addr == to).order_by(Mail.id.desc())
    ).first()


def only_application() -> Application:
    """The single application in the database."""
    return db.session.scalars(select(Application)).one()
