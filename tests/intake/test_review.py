"""The QM team's inbox and formal review, and paper applications."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Application, Mail

from .conftest import application_data, last_mail, only_application, status_link

pytestmark = pytest.mark.intake


@pytest.fixture
def staff(make, area, login):
    """A staff member of the area, logged in."""
    user = make.staff(areas=[area])
    login(user)
    return user


@pytest.fixture
def submitted(client, area, apply):
    """One application sent by a resident (before staff log in)."""
    apply(attachments=[(io.BytesIO(b"%PDF-1.4 quote"), "quote.pdf")])
    return only_application()


def test_inbox_lists_area_applications(client, submitted, staff):
    html = client.get(f"/staff/areas/{submitted.area_id}/applications").get_data(as_text=True)
    assert submitted.reference in html and "Hoffest" in html


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ({"q": "hoff"}, True),
        ({"q": "AYSE@example"}, True),
        ({"q": "nothing-like-this"}, False),
        ({"state": "submitted"}, True),
        ({"state": "ready"}, False),
        ({"year": str(clock.today_in(None).year)}, True),
        ({"q": "%"}, True),
        ({"state": "bogus", "q": "nothing-like-this"}, False),  # bad value ignored
    ],
)
def test_inbox_filters_and_search(client, submitted, staff, query, found):
    response = client.get(f"/staff/areas/{submitted.area_id}/applications", query_string=query)
    assert response.status_code == 200
    assert (submitted.reference in response.get_data(as_text=True)) is found


@pytest.mark.parametrize(
    ("name", "typed"),
    [("Özlem Şahin", "özlem"), ("Олена Коваль", "Олена"), ("Łukasz Nowak", "łukasz")],
)
def test_inbox_search_finds_names_in_every_alphabet(client, area, apply, staff, name, typed):
    """Residents write their names in Turkish, Ukrainian, Polish (FACTS.md): a search as typed
    finds them on SQLite too, whose own lower() folds A–Z only."""
    assert apply(applicant_name=name).status_code == 302
    application = only_application()
    response = client.get(f"/staff/areas/{area.id}/applications", query_string={"q": typed})
    assert application.reference in response.get_data(as_text=True)


def test_inbox_pages(client, area, staff, make):
    from juryfund.services import history

    fund = area.funds[0]
    for i in range(30):
        number, reference = history.next_reference(area, clock.area_today(area).year)
        db.session.add(
            Application(
                area_id=area.id,
                fund_id=fund.id,
                year=clock.area_today(area).year,
                number=number,
                reference=reference,
                applicant_kind="person",
                applicant_name=f"P{i}",
                email=f"p{i}@example.org",
                title=f"Aktion {i}",
                description="d",
                start_date=clock.area_today(area),
                end_date=clock.area_today(area),
                total_cents=100,
                requested_cents=100,
            )
        )
    db.session.commit()
    first = client.get(
        f"/staff/areas/{area.id}/applications", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    second = client.get(f"/staff/areas/{area.id}/applications?page=2").get_data(as_text=True)
    assert first.count("<tr>") - 1 == 25 and "Next page" in first
    assert second.count("<tr>") - 1 == 5
    assert client.get(f"/staff/areas/{area.id}/applications?page=-3").status_code == 200


def test_staff_of_other_area_cannot_see_or_act(client, submitted, make, login, post_form):
    other = make.area(slug="elsewhere")
    login(make.staff(areas=[other]))
    assert client.get(f"/staff/areas/{submitted.area_id}/applications").status_code == 403
    assert client.get(f"/staff/applications/{submitted.id}").status_code == 403
    assert client.get(f"/staff/files/{submitted.attachments[0].id}").status_code == 403
    token_page = f"/staff/areas/{other.id}/applications/new"
    response = post_form(
        f"/staff/applications/{submitted.id}/ready", {"note": "x"}, page=token_page
    )
    assert response.status_code == 403
    db.session.refresh(submitted)
    assert submitted.state == "submitted"


def test_anonymous_is_sent_to_login(client, submitted):
    response = client.get(f"/staff/applications/{submitted.id}")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_detail_shows_everything_with_attachment_download(client, submitted, staff):
    html = client.get(f"/staff/applications/{submitted.id}").get_data(as_text=True)
    for text in (
        "Ayşe Yılmaz",
        "ayse@example.org",
        "Soldiner Str. 1",
        "Erde",
        "Musiker",
        "quote.pdf",
    ):
        assert text in html
    response = client.get(f"/staff/files/{submitted.attachments[0].id}")
    assert (response.status_code, response.data) == (200, b"%PDF-1.4 quote")
    assert response.headers["Content-Disposition"] == "attachment; filename=quote.pdf"


def test_review_round_trip_return_fix_resubmit_ready(
    client, app, submitted, staff, post_form, send
):
    page = f"/staff/applications/{submitted.id}"
    response = post_form(
        f"{page}/return", {"note": "Bitte ein Angebot für den Musiker beilegen."}, page=page
    )
    assert response.status_code == 302
    db.session.refresh(submitted)
    assert submitted.state == "returned"
    mail = last_mail("ayse@example.org")
    assert mail.purpose == "application.returned"
    assert "Bitte ein Angebot für den Musiker beilegen." in mail.body_text

    resident = app.test_client()
    resident.get(status_link(mail))
    url = f"/status/{submitted.reference}/edit"
    from ..conftest import csrf_from

    data = application_data(description="Ein Fest im Hof, mit Angebot")
    token = csrf_from(resident.get(url).get_data(as_text=True))
    resident.post(
        url,
        data={
            "csrf_token": token,
            "action": "check",
            **data,
            "attachments": [(io.BytesIO(b"%PDF-1.4 musician"), "musiker.pdf")],
        },
    )
    token = csrf_from(resident.get(url).get_data(as_text=True))
    response = resident.post(
        url,
        data={
            "csrf_token": token,
            "action": "submit",
            **data,
            "confirmed_fund": str(submitted.fund_id),
        },
    )
    assert response.status_code == 302
    db.session.refresh(submitted)
    assert (submitted.state, len(submitted.attachments)) == ("submitted", 2)

    response = post_form(f"{page}/ready", {"note": "Formal geprüft, vollständig."}, page=page)
    db.session.refresh(submitted)
    assert (submitted.state, submitted.review_note) == ("ready", "Formal geprüft, vollständig.")
    assert [(e.from_state, e.to_state) for e in submitted.events if e.kind == "state"] == [
        ("submitted", "returned"),
        ("returned", "submitted"),
        ("submitted", "ready"),
    ]
    assert all(
        e.actor_staff_id == staff.id
        for e in submitted.events
        if e.kind == "state" and e.to_state != "submitted"
    )


def test_return_without_note_gets_error(client, submitted, staff, post_form):
    page = f"/staff/applications/{submitted.id}"
    response = post_form(
        f"{page}/return", {"note": " "}, page=page, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    assert "Please write what the applicant should change." in response.get_data(as_text=True)
    db.session.refresh(submitted)
    assert submitted.state == "submitted"


def test_ineligible_mails_reason(client, submitted, staff, post_form):
    page = f"/staff/applications/{submitted.id}"
    post_form(f"{page}/ineligible", {"note": "Die Aktion liegt außerhalb des Gebiets."}, page=page)
    db.session.refresh(submitted)
    assert submitted.state == "ineligible"
    assert "außerhalb des Gebiets" in last_mail("ayse@example.org").body_text


def test_invalid_review_step_is_refused_clearly(client, submitted, staff, post_form):
    page = f"/staff/applications/{submitted.id}"
    post_form(f"{page}/ineligible", {"note": "Nein."}, page=page)
    response = post_form(
        f"{page}/ready", {"note": ""}, page=page, headers={"Accept-Language": "en"}
    )
    assert response.status_code == 200
    assert "not possible in the application&#39;s current state" in response.get_data(as_text=True)


def test_internal_note_hidden_from_applicant(client, app, submitted, staff, post_form):
    page = f"/staff/applications/{submitted.id}"
    post_form(f"{page}/note", {"internal_note": "Anruf: Termin steht."}, page=page)
    assert "Anruf: Termin steht." in client.get(page).get_data(as_text=True)
    resident = app.test_client()
    resident.get(status_link(last_mail("ayse@example.org")))
    assert "Anruf: Termin steht." not in resident.get(f"/status/{submitted.reference}").get_data(
        as_text=True
    )


def test_internal_note_is_labelled_as_a_note_in_the_history(client, submitted, staff, post_form):
    from juryfund.models import ApplicationEvent

    page = f"/staff/applications/{submitted.id}"
    post_form(f"{page}/note", {"internal_note": "Rückruf vereinbart."}, page=page)
    event = db.session.scalars(
        select(ApplicationEvent).where(ApplicationEvent.note == "Rückruf vereinbart.")
    ).one()
    assert (event.kind, event.internal, event.to_state) == ("note", True, None)
    html = client.get(page, headers={"Accept-Language": "en"}).get_data(as_text=True)
    history = html[html.index('<ol class="history">') :]
    assert "Internal note" in history[: history.index("Rückruf vereinbart.")]


def test_staff_enters_paper_application_without_email(client, area, staff):
    from ..conftest import csrf_from

    url = f"/staff/areas/{area.id}/applications/new"
    data = application_data(email="", language="tr")
    html = client.get(url).get_data(as_text=True)
    checked = client.post(url, data={"csrf_token": csrf_from(html), "action": "check", **data})
    assert 'name="confirmed_fund"' in checked.get_data(as_text=True)
    response = client.post(
        url,
        data={
            "csrf_token": csrf_from(html),
            "action": "submit",
            **data,
            "confirmed_fund": str(area.funds[0].id),
        },
    )
    assert response.status_code == 302
    application = only_application()
    assert (application.email, application.language, application.entered_by_id) == (
        "",
        "tr",
        staff.id,
    )
    assert [(e.kind, e.actor_kind) for e in application.events] == [("submitted", "staff")]
    assert db.session.scalar(select(func.count(Mail.id))) == 0


def test_staff_add_a_file_handed_in_on_paper(client, submitted, staff):
    """A quote the applicant brought to the office: staff add it, checked like every upload."""
    from ..conftest import csrf_from

    page = f"/staff/applications/{submitted.id}"
    html = client.get(page).get_data(as_text=True)
    refused = client.post(
        f"{page}/files",
        data={"csrf_token": csrf_from(html), "kind": "quote", "file": (io.BytesIO(b"MZ"), "x.exe")},
    )
    assert refused.status_code == 200  # not a document: the error stands next to the field
    before = len(submitted.attachments)
    done = client.post(
        f"{page}/files",
        data={
            "csrf_token": csrf_from(html),
            "kind": "quote",
            "file": (io.BytesIO(b"%PDF-1.4 Angebot Musiker"), "angebot.pdf"),
        },
    )
    assert done.status_code == 302
    db.session.refresh(submitted)
    assert len(submitted.attachments) == before + 1
    assert "angebot.pdf" in client.get(page).get_data(as_text=True)
