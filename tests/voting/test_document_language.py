"""Every PDF the product renders declares its language: the HTML it comes from has lang and dir,
and the PDF's document catalog has /Lang (what a screen reader or a PDF/UA checker reads).

The PDFs are the decision letter (in the applicant's language, with the binding German text
marked German inside) and the minutes of a round (in the language the staff member reads in).
"""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from juryfund.extensions import db
from juryfund.services import decisions

from .test_letters import REASONS, closed  # noqa: F401  (the fixture)
from .test_minutes import held_meeting  # noqa: F401  (the fixture)

pytestmark = pytest.mark.i18n


def pdf_language(data: bytes) -> str | None:
    """The /Lang entry of a PDF's document catalog."""
    assert data.startswith(b"%PDF")
    lang = PdfReader(io.BytesIO(data)).trailer["/Root"].get("/Lang")
    return None if lang is None else str(lang)


@pytest.mark.parametrize(("language", "direction"), [("de", "ltr"), ("ar", "rtl"), ("tr", "ltr")])
def test_the_decision_letter_declares_the_applicants_language(
    client,
    closed,
    staff,
    login,
    language,
    direction,  # noqa: F811
):
    item = closed.agenda[1]
    item.application.language = language
    decisions.confirm_rejection(item, reasons=REASONS, actor=staff.actor)
    db.session.commit()
    login(staff)
    application_id = item.application.id
    printable = client.get(f"/staff/applications/{application_id}/letter").get_data(as_text=True)
    assert f'<html lang="{language}" dir="{direction}">' in printable
    if language != "de":
        # The binding German text inside a translated letter is marked German, left to right.
        assert '<section class="letter-german" lang="de" dir="ltr">' in printable
    # The staff reader's page language (German here) never changes the letter's.
    pdf = client.get(f"/staff/applications/{application_id}/letter.pdf")
    assert pdf.status_code == 200
    assert pdf_language(pdf.data) == language


@pytest.mark.parametrize(("language", "direction"), [("de", "ltr"), ("ar", "rtl")])
def test_the_minutes_declare_the_language_they_are_read_in(
    client,
    staff,
    login,
    held_meeting,
    language,
    direction,  # noqa: F811
):
    held_meeting.body.area.languages = "de,en,ar"
    db.session.commit()
    login(staff)
    headers = {"Accept-Language": language}
    url = f"/staff/rounds/{held_meeting.id}/minutes"
    printable = client.get(f"{url}/print", headers=headers).get_data(as_text=True)
    assert f'<html lang="{language}" dir="{direction}">' in printable
    pdf = client.get(f"/staff/rounds/{held_meeting.id}/minutes.pdf", headers=headers)
    assert pdf.status_code == 200
    assert pdf_language(pdf.data) == language
