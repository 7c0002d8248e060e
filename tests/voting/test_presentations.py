"""Applicants above a fund's threshold present their project in the meeting, with a time slot."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.infra.mail import deliver_pending
from juryfund.services import meetings, rounds
from tests.smtp_server import html_of, messages_to, text_of

pytestmark = pytest.mark.voting

MEETING = datetime(2030, 3, 4, 17, 0, tzinfo=UTC)  # 18:00 in Berlin


@pytest.fixture
def meeting(jury, fund, ready_apps, staff):
    """A draft meeting of the jury on the three applications; presentations above 500 €."""
    fund.presentation_threshold_cents = 50000
    ready_apps[1].language = "tr"  # Hoffest, 1,200 €: above the threshold
    round_ = rounds.save_round(
        None,
        jury,
        mode="meeting",
        title="Jurysitzung",
        when=MEETING,
        place="Kiezladen, Soldiner Str. 1",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [a.id for a in ready_apps])
    db.session.commit()
    return round_


def test_only_applicants_above_the_threshold_present(meeting, fund):
    assert [item.application.title for item in meetings.presenters(meeting)] == ["Hoffest"]
    fund.presentation_threshold_cents = None
    assert meetings.presenters(meeting) == []


def test_below_the_threshold_no_slot(meeting, staff):
    below = meeting.agenda[0]  # Pflanzaktion, 480 €
    with pytest.raises(DomainError) as refused:
        meetings.set_presentation(below, MEETING, actor=staff.actor)
    assert refused.value.reason == "presentation.below_threshold"


def test_a_slot_on_another_day_is_refused(meeting, staff):
    with pytest.raises(DomainError) as refused:
        meetings.set_presentation(meeting.agenda[1], MEETING + timedelta(days=2), actor=staff.actor)
    assert refused.value.reason == "meeting.other_day"


def test_the_applicant_gets_the_slot_in_their_language(smtp_app, smtp_server, meeting, staff):
    item = meeting.agenda[1]
    assert meetings.set_presentation(item, MEETING + timedelta(minutes=30), actor=staff.actor)
    db.session.commit()
    assert item.presentation_at == MEETING + timedelta(minutes=30)
    deliver_pending()
    [message] = messages_to(smtp_server, item.application.email)
    assert message["Content-Language"] == "tr"
    text = text_of(message)
    assert "18:30" in text  # the slot, in the area's time zone
    assert "Kiezladen, Soldiner Str. 1" in text and "Kiezladen" in html_of(message)
    assert "Hoffest" in text
    assert "Please present" not in message["Subject"]  # translated, not the English message id


def test_staff_set_the_slot_on_the_round_page(client, login, meeting, staff, post_form):
    login(staff)
    page = client.get(f"/staff/rounds/{meeting.id}", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert "Presentations" in html and "Hoffest" in html
    item = meeting.agenda[1]
    response = post_form(
        f"/staff/rounds/{meeting.id}/items/{item.id}/presentation",
        {"at": "2030-03-04T18:45"},
        page=f"/staff/rounds/{meeting.id}",
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert item.presentation_at == MEETING + timedelta(minutes=45)
