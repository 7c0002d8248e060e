"""Applying and editing are one unit of work each: one commit, and safe to run again.

A request that loses a race with the database is run again from the start (web/retry.py). The
form's uploads and the application must then be stored once, with the files' real bytes.
"""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.models import Application, ApplicationEvent, Attachment, Mail
from juryfund.services import intake

from ..conftest import csrf_from
from ..lost_race import commits_seen, holds, lose_after
from .conftest import application_data, only_application

pytestmark = pytest.mark.intake

URL = "/soldiner-kiez/apply"
PDF = b"%PDF-1.4\n% the musician's quote\n"


def _confirmed(send) -> dict:
    """The application's data with the fund the check names, ready to be sent."""
    checked = send(URL, application_data(), "check").get_data(as_text=True)
    fund_id = re.search(r'name="confirmed_fund" value="(\d+)"', checked).group(1)
    return {**application_data(), "confirmed_fund": fund_id}


def _post(client, url: str, data: dict, action: str):
    """POST the form (with its uploads) on a fresh CSRF token."""
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(
        url,
        data={"csrf_token": token, "action": action, **data},
        content_type="multipart/form-data",
    )


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count(model.id)).where(*where))


def test_sending_commits_once_with_its_uploads(client, area, send):
    data = {**_confirmed(send), "attachments": [(io.BytesIO(PDF), "Angebot.pdf")]}
    with commits_seen() as commits:
        response = _post(client, URL, data, "submit")
    assert response.status_code == 302
    assert len(commits) == 1
    assert db.session.scalars(select(Attachment)).one().application_id == only_application().id


def test_send_that_loses_a_race_is_run_again_and_stores_one_application_with_its_file(
    client, area, send, monkeypatch
):
    data = {**_confirmed(send), "attachments": [(io.BytesIO(PDF), "Angebot.pdf")]}
    calls = lose_after(monkeypatch, intake, "submit")
    response = _post(client, URL, data, "submit")
    assert response.status_code == 302
    assert response.headers["Location"] == "/soldiner-kiez/apply/done"
    assert len(calls) == 2  # the first run lost the race; the second one stored it
    application = only_application()
    attachment = db.session.scalars(select(Attachment)).one()
    # Read again from the start: the second run stored the file's bytes, not an empty file.
    assert (attachment.application_id, attachment.data) == (application.id, PDF)
    assert _count(ApplicationEvent, ApplicationEvent.application_id == application.id) == 1
    assert _count(Mail, Mail.to_addr == application.email) == 1


def test_commit_that_loses_a_race_is_run_again_without_a_second_application(client, area, send):
    staged = application_data(title="", attachments=[(io.BytesIO(PDF), "Angebot.pdf")])
    send(URL, staged, "check", content_type="multipart/form-data")  # kept with the form
    data = _confirmed(send)
    with commits_seen(lose_when=holds(Application)) as commits:
        response = _post(client, URL, data, "submit")
    assert response.status_code == 302
    assert len(commits) == 1  # nothing was committed by the run that lost
    application = only_application()
    assert db.session.scalars(select(Attachment)).one().application_id == application.id
    assert _count(Mail, Mail.to_addr == application.email) == 1


def test_refused_send_keeps_the_uploads_of_its_request_and_stores_no_application(
    client, area, send, monkeypatch
):
    real_submit = intake.submit

    def refuse(*args, **kwargs):
        real_submit(*args, **kwargs)  # everything written ...
        raise DomainError("application.unknown_goal", field="goals")  # ... and then refused

    monkeypatch.setattr(intake, "submit", refuse)
    data = {**_confirmed(send), "attachments": [(io.BytesIO(PDF), "Angebot.pdf")]}
    with commits_seen() as commits:
        response = _post(client, URL, data, "submit")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bitte wählen Sie aus den aufgeführten Zielen." in html  # the refusal, shown
    assert "Angebot.pdf" in html
    assert len(commits) == 1
    assert _count(Application) == 0
    assert _count(Mail) == 0
    draft = db.session.scalars(select(Attachment)).one()
    assert (draft.application_id, draft.data) == (None, PDF)


def test_edit_that_loses_a_race_is_run_again_and_keeps_one_copy_of_its_file(
    client, area, send, apply, monkeypatch
):
    from .conftest import last_mail, status_link

    apply()
    application = only_application()
    client.get(status_link(last_mail(application.email)))
    url = f"/status/{application.reference}/edit"
    data = {
        **application_data(title="Hoffest im Sommer"),
        "attachments": [(io.BytesIO(PDF), "Angebot.pdf")],
    }
    checked = _post(client, url, data, "check").get_data(as_text=True)
    data["confirmed_fund"] = re.search(r'name="confirmed_fund" value="(\d+)"', checked).group(1)
    data["attachments"] = [(io.BytesIO(PDF), "Zweites Angebot.pdf")]  # the first is kept already
    calls = lose_after(monkeypatch, intake, "update")
    response = _post(client, url, data, "submit")
    assert response.status_code == 302
    assert len(calls) == 2
    db.session.refresh(application)
    assert application.title == "Hoffest im Sommer"
    files = sorted((a.filename, a.data) for a in application.attachments)
    assert files == [("Angebot.pdf", PDF), ("Zweites Angebot.pdf", PDF)]
