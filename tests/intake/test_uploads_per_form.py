"""Uploads wait with their own form until it is sent: a file uploaded in one resident's form
never shows in, or goes with, another form in the same browser (a helper filling in forms)."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import Application

from .conftest import application_data, only_application, open_status

pytestmark = pytest.mark.intake


def test_a_file_uploaded_in_one_residents_edit_form_never_goes_with_another_residents_new_application(
    client, area, send, apply
):
    """A neighbourhood helper, in one browser, uploads a quote into resident A's edit form (the
    form comes back with an error), then fills in a new application for resident B: B's empty
    form does not offer A's quote, and B's application is sent without it."""
    apply()  # resident A, sent by the helper earlier
    first = only_application()
    open_status(client, first)
    edit = f"/status/{first.reference}/edit"
    send(
        edit,
        application_data(title="", attachments=[(io.BytesIO(b"%PDF-1.4 A"), "angebot-A.pdf")]),
        "check",
        content_type="multipart/form-data",
    )
    fresh = client.get("/soldiner-kiez/apply").get_data(as_text=True)
    assert "angebot-A.pdf" not in fresh
    apply(applicant_name="Bohdan Kowalenko", email="bohdan@example.org", title="Lesecafé")
    second = db.session.scalars(select(Application).where(Application.id != first.id)).one()
    assert [file.filename for file in second.attachments] == []
