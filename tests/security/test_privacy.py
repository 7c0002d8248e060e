"""Personal data: export, anonymisation after the retention period, privacy notice, backup."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import Actor
from juryfund.extensions import db
from juryfund.models import (
    ApplicationEvent,
    Attachment,
    Decision,
    LedgerEntry,
    LinkGrant,
    ProjectStory,
    StoryPhoto,
)
from juryfund.services import intake, privacy, stories
from tests.photos import phone_jpeg

pytestmark = pytest.mark.security


def test_privacy_notice_is_public_and_linked(client):
    response = client.get("/privacy", headers={"Accept-Language": "en"})
    assert response.status_code == 200 and "Privacy notice" in response.get_data(as_text=True)
    assert 'href="/privacy"' in client.get("/").get_data(as_text=True)


def test_staff_export_personal_data_as_json(client, approved, staff, login):
    login(staff)
    response = client.get(f"/staff/applications/{approved.id}/personal-data.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    data = json.loads(response.data)
    assert data["reference"] == approved.reference
    assert data["applicant"]["email"] == "ayse@example.org"
    assert [d["outcome"] for d in data["decisions"]] == ["approved"]
    assert [b["kind"] for b in data["bookings"]] == ["commitment"]
    # The mails we wrote to the applicant are theirs too, with their text.
    to_applicant = [m for m in data["mails"] if m["to"] == "ayse@example.org"]
    assert to_applicant and all(
        m["text"] and approved.reference in m["subject"] for m in to_applicant
    )


def test_export_closed_to_staff_of_other_area(client, approved, make, login):
    login(make.staff(areas=[make.area(slug="elsewhere")]))
    assert client.get(f"/staff/applications/{approved.id}/personal-data.json").status_code == 403


def _finish(application, days_ago: int):
    application.state = "settled"
    for event in application.events:
        event.at = datetime.now(UTC) - timedelta(days=days_ago)
    db.session.commit()


def test_tick_anonymises_after_retention_keeping_decisions_and_money(runner, approved):
    db.session.add(
        Attachment(
            application_id=approved.id,
            kind="quote",
            filename="q.pdf",
            content_type="application/pdf",
            size=4,
            sha256="0" * 64,
            data=b"%PDF",
        )
    )
    # A project story with a photo is the applicant's data too (issue 17).
    stories.save(
        approved,
        text="Ayşe und ihre Nachbarn haben gepflanzt.",
        consent=True,
        photos=[stories.NewPhoto(phone_jpeg(), "Ayşe am Beet", field="new_photos-0-file")],
        actor=Actor.applicant(approved.reference),
    )
    _finish(approved, days_ago=365 * 10 + 5)
    result = runner.invoke(args=["juryfund", "tick"])
    assert "1 applications anonymised" in result.output, result.output
    db.session.refresh(approved)
    assert (approved.applicant_name, approved.email, approved.phone, approved.address) == (
        "—",
        "",
        "",
        "—",
    )
    assert approved.anonymised_at is not None
    assert db.session.scalar(select(func.count(Attachment.id))) == 0
    assert db.session.scalar(select(func.count(LinkGrant.id))) == 0
    assert db.session.scalar(select(func.count(StoryPhoto.id))) == 0
    assert db.session.scalar(select(func.count(ProjectStory.id))) == 0
    assert approved.consent_publish_story is False
    assert db.session.scalar(select(func.count(Decision.id))) == 1
    assert (
        db.session.scalar(
            select(func.count(LedgerEntry.id)).where(LedgerEntry.application_id == approved.id)
        )
        == 1
    )
    assert db.session.scalar(select(func.count(ApplicationEvent.id))) > 0


def test_nothing_anonymised_before_retention_or_while_running(approved):
    now = datetime.now(UTC)
    assert privacy.due_for_anonymisation(now) == []  # approved: not final yet
    _finish(approved, days_ago=365 * 9)
    assert privacy.due_for_anonymisation(now) == []


def test_erasure_preview_keeps_data_until_a_day_in_the_area_s_time_zone(approved):
    # The last event at 23:30 UTC on 6 December happened on 7 December in Berlin; the data is
    # kept until that Berlin day plus the retention period, not the UTC day.
    approved.state = "settled"
    for event in approved.events:
        event.at = datetime(2026, 12, 6, 23, 30, tzinfo=UTC)
    db.session.commit()
    years = approved.fund.retention_years
    preview = privacy.preview_erasure(approved)
    assert preview.retained_until == date(2026 + years, 12, 7)


def test_retention_runs_whole_calendar_years_leap_days_included(approved):
    """Settled on 15 June 2015: ten years end on 15 June 2025, not three leap days earlier
    (365 days a year would erase on 12 June)."""
    approved.state = "settled"
    for event in approved.events:
        event.at = datetime(2015, 6, 15, 10, 0, tzinfo=UTC)
    db.session.commit()
    assert approved.fund.retention_years == 10
    assert privacy.due_for_anonymisation(datetime(2025, 6, 15, 9, 59, tzinfo=UTC)) == []
    assert privacy.preview_erasure(approved).retained_until == date(2025, 6, 15)
    assert privacy.due_for_anonymisation(datetime(2025, 6, 15, 10, 0, tzinfo=UTC)) == [approved]
    # A period from 29 February ends on 1 March, never a day early.
    assert privacy.kept_until(datetime(2016, 2, 29, tzinfo=UTC), 10) == datetime(
        2026, 3, 1, tzinfo=UTC
    )


def test_an_application_returned_and_never_fixed_is_erased_after_the_period(app, area, fund, staff):
    """Returned for changes, only the applicant can move it on; one who never comes back does
    not keep their data for ever: the retention period runs from the last activity."""
    from tests.browser.conftest import application_input

    application = intake.submit(area, application_input(), draft_key=None)
    db.session.flush()
    intake.return_for_changes(application, note="Bitte Angebot beilegen.", actor=staff.actor)
    db.session.commit()
    for event in application.events:
        event.at = datetime(2014, 3, 1, 10, 0, tzinfo=UTC)
    db.session.commit()
    assert privacy.due_for_anonymisation(datetime(2024, 2, 29, tzinfo=UTC)) == []
    assert privacy.due_for_anonymisation(datetime(2026, 3, 1, tzinfo=UTC)) == [application]
    privacy.anonymise(application, now=datetime(2026, 3, 1, tzinfo=UTC))
    db.session.commit()
    assert application.applicant_name != "Ayşe Yılmaz" and application.anonymised_at is not None


def test_backup_of_sqlite_restores_with_same_data(runner, app, approved, tmp_path):
    if db.engine.url.get_backend_name() != "sqlite":
        result = runner.invoke(args=["juryfund", "backup", str(tmp_path / "b.sqlite3")])
        assert result.exit_code != 0 and "pg_dump" in result.output
        return
    target = tmp_path / "backup.sqlite3"
    result = runner.invoke(args=["juryfund", "backup", str(target)])
    assert result.exit_code == 0, result.output
    restored = sqlite3.connect(target)
    counts = {
        t: restored.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608
        for t in ("application", "decision", "ledger_entry", "member")
    }
    restored.close()
    assert counts == {
        "application": 1,
        "decision": 1,
        "ledger_entry": 2,  # allocation and commitment
        "member": 7,
    }
    from juryfund import create_app

    again = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{target}",
            "JURYFUND_SECRET_KEYS": ["k"],
        }
    )
    with again.app_context():
        from juryfund.services import ledger

        assert ledger.account_of(approved.id).commitment == 40000


def test_form_with_too_many_parts_refused(client, area):
    data = {f"field{i}": "x" for i in range(500)}
    response = client.post("/status/resend", data=data, content_type="multipart/form-data")
    assert response.status_code == 413


def test_tokens_survive_key_rotation_but_not_removal(app, approved):
    from juryfund.infra import tokens
    from juryfund.services import intake

    token = intake.new_status_token(approved)
    db.session.commit()
    app.config["JURYFUND_SECRET_KEYS"] = ["brand-new-key", "test-secret-key"]
    assert intake.grant_for_token(token).application_id == approved.id
    fresh = tokens.sign("status", {"g": 1, "a": approved.id})
    app.config["JURYFUND_SECRET_KEYS"] = ["brand-new-key"]
    assert tokens.read("status", fresh, max_age=60)["a"] == approved.id  # newest key signed it
    with pytest.raises(tokens.BadLink):
        intake.grant_for_token(token)
