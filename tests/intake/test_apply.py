"""Applying as a resident: the form, its checks, routing, uploads and the confirmation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Application, Attachment, Mail

from .conftest import application_data, last_mail, only_application, status_link

pytestmark = pytest.mark.intake

PDF = b"%PDF-1.4\n% a quote\n"


def _field_error(html: str, field_id: str) -> str:
    match = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip() if match else ""


def test_apply_page_offers_three_cost_lines_and_explains_routing(client, area):
    html = client.get("/soldiner-kiez/apply").get_data(as_text=True)
    assert html.count('name="cost_items-') >= 12  # 3 lines × 4 fields
    assert "cost_items-2-unit_price" in html
    assert 'id="routing-hint"' in html


def test_apply_in_german_with_three_lines_routes_saves_and_mails_link(client, area, apply):
    response = apply()
    assert response.status_code == 302
    assert response.headers["Location"] == "/soldiner-kiez/apply/done"
    application = only_application()
    year = clock.area_today(area).year
    assert (application.reference, application.state, application.language) == (
        f"SOL-{year}-0001",
        "submitted",
        "de",
    )
    assert (application.requested_cents, application.total_cents) == (123450, 124500)
    assert [
        (i.description, i.quantity, i.unit_cents, i.total_cents) for i in application.cost_items
    ] == [("Erde", 10, 450, 4500), ("Stauden", 20, 3000, 60000), ("Musiker", 1, 60000, 60000)]
    assert application.fund.name == "Aktionsfonds"
    assert [(e.kind, e.actor_kind) for e in application.events] == [("submitted", "applicant")]
    mail = last_mail("ayse@example.org")
    assert (mail.purpose, mail.language) == ("application.received", "de")
    assert application.reference in mail.subject
    assert status_link(mail).startswith("/status/link/")
    done = client.get("/soldiner-kiez/apply/done").get_data(as_text=True)
    assert f"SOL-{year}-0001" in done


def test_apply_references_count_up_per_area_and_year(client, area, apply):
    apply()
    apply(title="Zweites Fest")
    refs = db.session.scalars(select(Application.reference).order_by(Application.id)).all()
    year = clock.area_today(area).year
    assert refs == [f"SOL-{year}-0001", f"SOL-{year}-0002"]


def test_check_shows_fund_and_body_before_anything_is_saved(client, area, send):
    html = send("/soldiner-kiez/apply", application_data(), "check").get_data(as_text=True)
    assert 'class="confirm-panel"' in html
    assert '<strong><bdi lang="de">Aktionsfonds</bdi></strong>' in html
    assert f'<strong><bdi lang="de">Jury {area.name}</bdi></strong>' in html
    assert db.session.scalar(select(func.count(Application.id))) == 0


def test_submit_without_confirmed_fund_only_checks(client, area, send):
    html = send("/soldiner-kiez/apply", application_data(), "submit").get_data(as_text=True)
    assert 'class="confirm-panel"' in html
    assert db.session.scalar(select(func.count(Application.id))) == 0


def test_english_amounts_are_parsed_in_english(client, area, apply):
    client.set_cookie("juryfund_lang", "en")
    apply(
        requested="1,234.50",
        **{"cost_items-0-unit_price": "4.50", "cost_items-1-unit_price": "30.00"},
    )
    application = only_application()
    assert (application.requested_cents, application.language) == (123450, "en")


def test_amount_above_aktionsfonds_cap_goes_to_quartiersfonds(client, area, council_fund, apply):
    apply(requested="6.000,00", **{"cost_items-2-unit_price": "6.000,00"})
    assert only_application().fund_id == council_fund.id


def english_data(**overrides) -> dict:
    """The valid application with amounts typed the English way."""
    base = {
        "requested": "1,234.50",
        "cost_items-0-unit_price": "4.50",
        "cost_items-1-unit_price": "30.00",
        "cost_items-2-unit_price": "600.00",
    }
    return application_data(**{**base, **overrides})


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"requested": "1,600.00", "cost_items-2-unit_price": "1,600.00"},
            "requested",
            "This is more than any fund of this area gives (at most €1,500.00)",
        ),
        (
            {"start_date": (clock.today_in(None) - timedelta(days=1)).isoformat()},
            "start_date",
            "must not have started yet",
        ),
        (
            {
                "start_date": (clock.today_in(None) + timedelta(days=3)).isoformat(),
                "end_date": (clock.today_in(None) + timedelta(days=3)).isoformat(),
            },
            "start_date",
            "at least 14 days before",
        ),
        (
            {"end_date": (clock.today_in(None) + timedelta(days=29)).isoformat()},
            "end_date",
            "cannot be before the start",
        ),
        ({"requested": "1,300.00"}, "requested", "at most the total of your cost plan (€1,245.00)"),
        ({"requested": "abc"}, "requested", "Please enter an amount such as"),
        ({"requested": "-5"}, "requested", "cannot be negative"),
        ({"requested": "12.345"}, "requested", "at most two decimal places"),
        ({"requested": ""}, "requested", "Please enter the amount you ask for"),
        (
            {"cost_items-0-category": "applicant_fee"},
            "cost_items-0-category",
            "does not pay for this kind of cost",
        ),
        ({"cost_items-1-unit_price": ""}, "cost_items-1-unit_price", "This field is required"),
        ({"cost_items-1-quantity": "0"}, "cost_items-1-quantity", "Enter a number from 1"),
        ({"declared_not_started": None}, "declared_not_started", "Please confirm this"),
        ({"consent_processing": None}, "consent_processing", "Please confirm this"),
        ({"email": "not-an-address"}, "email", "email address such as"),
        ({"title": ""}, "title", "This field is required"),
        ({"title": "x" * 201}, "title", "Field cannot be longer than 200 characters"),
        ({"applicant_kind": "company"}, "applicant_kind", "Not a valid choice"),
        ({"start_date": "31.02.2026"}, "start_date", "Not a valid date value"),
    ],
    ids=[
        "over-cap",
        "started",
        "lead-time",
        "dates",
        "above-total",
        "garbage",
        "negative",
        "decimals",
        "empty",
        "category",
        "line-incomplete",
        "quantity",
        "declaration",
        "consent",
        "email",
        "title",
        "too-long",
        "kind",
        "date-format",
    ],
)
def test_bad_input_gets_error_next_to_field_and_keeps_input(
    client, area, send, overrides, field, message
):
    client.set_cookie("juryfund_lang", "en")
    response = send("/soldiner-kiez/apply", english_data(**overrides), "check")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in _field_error(html, field)
    assert f'href="#{field}"' in html  # linked from the error summary
    assert 'value="Ayşe Yılmaz"' in html
    typed = overrides.get("requested")
    if typed:
        assert f'value="{typed}"' in html
    assert db.session.scalar(select(func.count(Application.id))) == 0


def test_empty_form_gives_errors_not_500(client, area, send):
    response = send("/soldiner-kiez/apply", {}, "check")
    assert response.status_code == 200
    assert 'class="error-summary"' in response.get_data(as_text=True)


def test_add_and_remove_cost_lines_without_javascript(client, area, send):
    data = application_data()
    html = send("/soldiner-kiez/apply", data, "add_line").get_data(as_text=True)
    assert 'id="cost_items-3-description"' in html
    assert 'value="Stauden"' in html
    assert 'class="error-summary"' not in html
    html = send("/soldiner-kiez/apply", data, "remove_line-1").get_data(as_text=True)
    assert 'value="Stauden"' not in html
    assert 'value="Erde"' in html and 'value="Musiker"' in html


def test_wrong_file_type_refused_and_everything_else_kept(client, area, send):
    import io

    data = application_data(attachments=[(io.BytesIO(b"MZ\x90 not a pdf"), "angebot.pdf")])
    html = send("/soldiner-kiez/apply", data, "check", content_type="multipart/form-data").get_data(
        as_text=True
    )
    assert "angebot.pdf" in _field_error(html, "attachments")
    assert "ist keine PDF-, JPEG- oder PNG-Datei" in _field_error(html, "attachments")
    assert 'value="Hoffest"' in html
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_upload_survives_form_errors_and_is_attached_on_submit(client, area, send, apply):
    import io

    bad = application_data(title="", attachments=[(io.BytesIO(PDF), "Angebot Musiker.pdf")])
    html = send("/soldiner-kiez/apply", bad, "check", content_type="multipart/form-data").get_data(
        as_text=True
    )
    assert "Angebot Musiker.pdf" in html
    apply()
    attachment = db.session.scalars(select(Attachment)).one()
    assert (attachment.application_id, attachment.content_type, attachment.filename) == (
        only_application().id,
        "application/pdf",
        "Angebot Musiker.pdf",
    )


def test_remove_uploaded_file_before_sending(client, area, send):
    import io

    html = send(
        "/soldiner-kiez/apply",
        application_data(attachments=[(io.BytesIO(PDF), "a.pdf")]),
        "check",
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    file_id = re.search(r'value="remove_file-(\d+)"', html).group(1)
    send("/soldiner-kiez/apply", application_data(), f"remove_file-{file_id}")
    assert db.session.scalar(select(func.count(Attachment.id))) == 0


def test_files_held_by_the_form_count_towards_the_limit_across_posts(client, area, send):
    """Files uploaded with earlier posts of the form count: the sixth is refused next to the
    file field, the five stay shown, and nothing typed is lost."""
    import io

    from juryfund.domain.files import MAX_FILES

    for n in range(MAX_FILES):
        html = send(
            "/soldiner-kiez/apply",
            application_data(attachments=[(io.BytesIO(PDF), f"angebot-{n}.pdf")]),
            "check",
            content_type="multipart/form-data",
        ).get_data(as_text=True)
    assert all(f"angebot-{n}.pdf" in html for n in range(MAX_FILES))
    html = send(
        "/soldiner-kiez/apply",
        application_data(attachments=[(io.BytesIO(PDF), "eins-zu-viel.pdf")]),
        "check",
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    assert f"höchstens {MAX_FILES} Dateien" in _field_error(html, "attachments")
    assert all(f"angebot-{n}.pdf" in html for n in range(MAX_FILES))
    assert "eins-zu-viel.pdf" not in html.replace(_field_error(html, "attachments"), "")
    assert 'value="Hoffest"' in html
    assert db.session.scalar(select(func.count(Attachment.id))) == MAX_FILES


def test_area_without_open_fund_says_so(client, make):
    make.area(slug="empty-area")
    html = client.get("/empty-area/apply", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "no fund that takes applications" in html


def test_done_page_without_submission_goes_to_form(client, area):
    response = client.get("/soldiner-kiez/apply/done")
    assert response.headers["Location"] == "/soldiner-kiez/apply"


def test_mails_queued_only_with_committed_application(client, area, send):
    send("/soldiner-kiez/apply", application_data(title=""), "check")
    assert db.session.scalar(select(func.count(Mail.id))) == 0
