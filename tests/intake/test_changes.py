"""What changed: a resident's edit or resubmission shows to staff field by field (cost lines and
files too) on the review page and in the history; erasure blanks personal data in the diffs."""

from __future__ import annotations

import io
import json
import re
from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import select

from juryfund.domain.actors import Actor
from juryfund.domain.changes import ChangeKind
from juryfund.domain.intake import CostLine
from juryfund.extensions import db
from juryfund.models import Application, ApplicationEvent
from juryfund.services import intake, privacy, versions

from ..conftest import csrf_from
from ..races import race
from .conftest import START, application_data, last_mail, only_application, status_link

pytestmark = pytest.mark.intake


@pytest.fixture
def submitted(client, area, apply):
    """One application sent by a resident with one quote (before staff log in)."""
    apply(attachments=[(io.BytesIO(b"%PDF-1.4 quote"), "angebot.pdf")])
    return only_application()


@pytest.fixture
def resident(app, submitted):
    """The resident's own browser, holding the status link's grant."""
    browser = app.test_client()
    assert browser.get(status_link(last_mail("ayse@example.org"))).status_code == 302
    return browser


@pytest.fixture
def staff(make, area, login, submitted):
    """A staff member of the area, logged in with the test's client (German pages)."""
    user = make.staff(areas=[area])
    login(user)
    return user


def post(browser, url: str, data: dict, action: str):
    """POST the edit form with a button, as the browser would after loading it."""
    token = csrf_from(browser.get(url).get_data(as_text=True))
    return browser.post(url, data={"csrf_token": token, "action": action, **data})


def edit(browser, application: Application, *, remove_file: int | None = None, **overrides):
    """The resident changes the application (removing a file first, if told) and sends it."""
    url = f"/status/{application.reference}/edit"
    data = application_data(**overrides)
    if remove_file is not None:
        assert post(browser, url, data, f"remove_file-{remove_file}").status_code == 200
    assert 'class="confirm-panel"' in post(browser, url, data, "check").get_data(as_text=True)
    response = post(browser, url, {**data, "confirmed_fund": str(application.fund_id)}, "submit")
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()


def give_back(post_form, application: Application) -> None:
    """Staff return the application for changes."""
    page = f"/staff/applications/{application.id}"
    response = post_form(f"{page}/return", {"note": "Bitte überarbeiten."}, page=page)
    assert response.status_code == 302
    db.session.expire_all()


def section(html: str) -> str:
    """The review page's "What changed" section."""
    match = re.search(
        r'<section class="card" aria-labelledby="changes-title" id="changes">(.*?)</section>',
        html,
        re.S,
    )
    assert match, "no What changed section"
    return match.group(1)


def history_diffs(html: str) -> list[str]:
    """The expandable diffs of the history, oldest first."""
    return re.findall(r'<details class="history-changes">(.*?)</details>', html, re.S)


def test_resubmission_shows_title_cost_line_and_removed_file(
    client, submitted, staff, resident, post_form
):
    give_back(post_form, submitted)
    quote = submitted.attachments[0].id
    edit(
        resident,
        submitted,
        remove_file=quote,
        title="Großes Hoffest",
        **{"cost_items-1-quantity": "25"},
    )
    assert (submitted.state, submitted.attachments) == ("submitted", [])

    html = client.get(f"/staff/applications/{submitted.id}").get_data(as_text=True)
    changes = section(html)
    assert "Was sich geändert hat" in changes
    assert "Nach der Rückgabe erneut eingereicht am" in changes
    # The title, old and new, marked as such in text (not only by colour), in its own direction.
    assert re.search(
        r"<dt>Titel</dt>\s*<dd><del><span class=\"change-tag\">Vorher:</span> "
        r"<span class=\"change-value\"><bdi dir=\"auto\">Hoffest</bdi></span></del></dd>\s*"
        r"<dd><ins><span class=\"change-tag\">Nachher:</span> "
        r"<span class=\"change-value\"><bdi dir=\"auto\">Großes Hoffest</bdi></span></ins></dd>",
        changes,
    ), changes
    # The cost line: 20 × 30 € = 600 € before, 25 × 30 € = 750 € after; the total follows.
    assert "Kostenposition geändert" in changes
    assert re.search(r"20 × 30,00\s€ = 600,00\s€", changes)
    assert re.search(r"25 × 30,00\s€ = 750,00\s€", changes)
    assert re.search(r"1\.245,00\s€.*1\.395,00\s€", changes, re.S)
    # The removed file, by name.
    assert re.search(r"<dt>Datei entfernt</dt>.*angebot\.pdf", changes, re.S)
    # Unchanged fields are not listed.
    assert "Musiker" not in changes and "Hofgemeinschaft" not in changes

    # The history's resubmission line carries the same changes, expandable.
    [diff] = history_diffs(html)
    assert "Was sich geändert hat (4 Änderungen)" in diff  # title, total, cost line, file
    assert "Großes Hoffest" in diff and "angebot.pdf" in diff
    [event] = [e for e in submitted.events if e.changes is not None]
    assert (event.from_state, event.to_state) == ("returned", "submitted")
    kinds = [c.kind for c in versions.changes_of(event)]
    assert kinds == [
        ChangeKind.FIELD,
        ChangeKind.FIELD,
        ChangeKind.LINE_CHANGED,
        ChangeKind.FILE_REMOVED,
    ]


def test_resubmission_without_changes_says_so(client, submitted, staff, resident, post_form):
    give_back(post_form, submitted)
    edit(resident, submitted)
    html = client.get(f"/staff/applications/{submitted.id}").get_data(as_text=True)
    changes = section(html)
    assert "Keine Änderungen gegenüber der zuvor eingereichten Fassung." in changes
    assert "<del>" not in changes
    [diff] = history_diffs(html)
    assert "(0 Änderungen)" in diff


def test_second_edit_shows_only_its_own_changes(client, submitted, staff, resident, post_form):
    give_back(post_form, submitted)
    edit(resident, submitted, title="Großes Hoffest")
    edit(resident, submitted, title="Großes Hoffest", place="Hinterhof", requested="1.200,00")

    first, second = [e for e in submitted.events if e.changes is not None]
    assert (first.kind, second.kind) == ("state", "changed")
    assert [(c.name, c.old, c.new) for c in versions.changes_of(first)] == [
        ("title", "Hoffest", "Großes Hoffest")
    ]
    assert [(c.name, c.old, c.new) for c in versions.changes_of(second)] == [
        ("place", "Hof", "Hinterhof"),
        ("requested_cents", 123450, 120000),
    ]

    html = client.get(f"/staff/applications/{submitted.id}").get_data(as_text=True)
    changes = section(html)  # the newest edit only
    assert "Geändert am" in changes
    assert "Hinterhof" in changes and re.search(r"1\.234,50\s€.*1\.200,00\s€", changes, re.S)
    assert "Großes Hoffest" not in changes
    old_diff, new_diff = history_diffs(html)
    assert "Großes Hoffest" in old_diff and "Hinterhof" not in old_diff
    assert "Hinterhof" in new_diff and "Großes Hoffest" not in new_diff


def test_added_file_and_cost_line_show_as_added(client, submitted, staff, resident):
    url = f"/status/{submitted.reference}/edit"
    data = application_data(
        **{
            "cost_items-3-description": "Getränke",
            "cost_items-3-category": "material",
            "cost_items-3-quantity": "2",
            "cost_items-3-unit_price": "10,00",
        },
        requested="1.250,00",  # more than the old total (1.245 €): the new plan covers it
    )
    post(
        resident,
        url,
        {**data, "attachments": [(io.BytesIO(b"%PDF-1.4 two"), "zweites.pdf")]},
        "check",
    )
    response = post(resident, url, {**data, "confirmed_fund": str(submitted.fund_id)}, "submit")
    assert response.status_code == 302
    changes = section(client.get(f"/staff/applications/{submitted.id}").get_data(as_text=True))
    assert re.search(
        r"<dt>Kostenposition hinzugefügt</dt>.*Getränke.*2 × 10,00\s€ = 20,00\s€", changes, re.S
    )
    assert re.search(r"<dt>Datei hinzugefügt</dt>.*zweites\.pdf", changes, re.S)
    assert "angebot.pdf" not in changes  # kept, so not a change
    assert re.search(r"1\.234,50\s€.*1\.250,00\s€", changes, re.S)


def test_applicant_sees_history_without_diffs(submitted, resident):
    edit(resident, submitted, title="Großes Hoffest")
    html = resident.get(f"/status/{submitted.reference}").get_data(as_text=True)
    assert 'class="history-changes"' not in html and 'id="changes"' not in html


def test_file_staff_add_is_not_shown_as_the_applicants_change(client, submitted, staff, resident):
    intake.add_file_for_applicant(
        submitted, "nachgereicht.pdf", b"%PDF-1.4 paper", kind="quote", actor=staff.actor
    )
    db.session.commit()
    edit(resident, submitted, title="Großes Hoffest")
    [event] = [e for e in submitted.events if e.changes is not None]
    assert [c.kind for c in versions.changes_of(event)] == [ChangeKind.FIELD]


def test_erasure_blanks_personal_data_in_versions_and_diffs(
    client, submitted, staff, resident, post_form
):
    edit(
        resident,
        submitted,
        applicant_name="Ayşe Demir",
        email="ayse.demir@example.org",
        address="Koloniestr. 5, 13359 Berlin",
        description="Ein Fest im Hof bei Familie Demir",
    )
    stored = lambda: " ".join(  # noqa: E731
        [submitted.sent_version or ""] + [e.changes or "" for e in submitted.events]
    )
    for personal in ("Yılmaz", "Demir", "ayse@example.org", "Soldiner Str. 1", "angebot.pdf"):
        assert personal in stored(), personal
    page = f"/staff/applications/{submitted.id}"
    assert (
        post_form(f"{page}/ineligible", {"note": "Nicht im Gebiet."}, page=page).status_code == 302
    )
    db.session.expire_all()
    privacy.erase(
        submitted,
        actor=staff.actor,
        reason="Antrag der Antragstellerin",
        title="Hoffest (anonymisiert)",
        texts=["description"],
    )
    db.session.commit()
    db.session.expire_all()

    text = stored()
    for personal in ("Yılmaz", "Demir", "ayse", "Soldiner Str. 1", "Koloniestr", "angebot.pdf"):
        assert personal not in text, personal
    [event] = [e for e in submitted.events if e.changes is not None]
    # What is not personal stays: which fields changed, and the amounts.
    assert [c.name for c in versions.changes_of(event)] == [
        "applicant_name",
        "email",
        "address",
        "description",
    ]
    assert json.loads(submitted.sent_version)["fields"]["requested_cents"] == 123450
    # The export for an Art. 15 request carries the (blanked) diff with the history.
    exported = [h["changes"] for h in privacy.export(submitted)["history"] if h["changes"]]
    assert exported and all(c["old"] == privacy.ERASED for c in exported[0])


def application_input(**overrides) -> intake.ApplicationInput:
    """The submitted application's data as the service takes it."""
    start = date.fromisoformat(START)
    data = intake.ApplicationInput(
        applicant_kind="initiative",
        applicant_name="Ayşe Yılmaz",
        organisation="Hofgemeinschaft",
        email="ayse@example.org",
        phone="",
        address="Soldiner Str. 1, 13359 Berlin",
        lives_or_acts_in_area=True,
        title="Hoffest",
        description="Ein Fest im Hof",
        goals=["Nachbarschaft"],
        target_group="Nachbarschaft",
        place="Hof",
        start_date=start,
        end_date=start,
        participants=40,
        cost_lines=[
            CostLine("Erde", "material", 10, 450),
            CostLine("Stauden", "material", 20, 3000),
            CostLine("Musiker", "services", 1, 60000),
        ],
        volunteer_hours=12,
        in_kind="",
        cofunding_source="",
        cofunding_cents=0,
        requested_cents=123450,
        declared_not_started=True,
        declared_no_own_fee=True,
        consent_processing=True,
        consent_publish_name=False,
    )
    return replace(data, **overrides)


def test_two_edits_at_once_each_show_their_own_changes(app, submitted):
    """Two edits sent at the same moment (two tabs): the second one's changes are counted from
    the first one's version, so the history adds up to the final state."""
    application_id = submitted.id

    def editing(**overrides):
        def job(ready):
            application = db.session.get(Application, application_id)
            ready()
            intake.update(
                application,
                application_input(**overrides),
                draft_key=None,
                actor=Actor.applicant(application.reference),
            )

        return job

    outcomes = race(app, editing(title="Titel A"), editing(title="Titel B", place="Ort B"))
    assert outcomes == ["ok", "ok"]
    first, second = db.session.scalars(
        select(ApplicationEvent)
        .where(
            ApplicationEvent.application_id == application_id,
            ApplicationEvent.changes.is_not(None),
        )
        .order_by(ApplicationEvent.id)
    ).all()
    # Replaying the stored changes from the first version gives the final application.
    values = {"title": "Hoffest", "place": "Hof"}
    for event in (first, second):
        for change in versions.changes_of(event):
            assert values[change.name] == change.old, (change, values)
            values[change.name] = change.new
    final = db.session.get(Application, application_id)
    assert values == {"title": final.title, "place": final.place}


def test_removing_a_file_after_staff_reviewed_it_keeps_the_file_and_says_why(
    app, submitted, resident, monkeypatch
):
    """The resident presses "remove" on the edit form while staff mark the application formally
    reviewed: the file stays with the reviewed application, and the form says why (no 500)."""
    from juryfund.models import StaffUser
    from juryfund.web.status import routes as status_routes
    from tests.security.test_stale_reads import committed_meanwhile

    quote = submitted.attachments[0].id
    application_id = submitted.id
    reviewer = StaffUser(email="pruefer@example.org", name="Prüfer", role="staff")
    reviewer.set_password("correct horse battery staple")
    db.session.add(reviewer)
    db.session.commit()
    reviewer_id = reviewer.id
    real_hold = status_routes.hold_grant

    def reviewed_meanwhile(application):
        # After the page's check that the application is editable, before the write's lock.
        committed_meanwhile(
            app,
            lambda: intake.mark_ready(
                db.session.get(Application, application_id),
                review_note="vollständig",
                actor=Actor.staff(reviewer_id),
            ),
        )
        return real_hold(application)

    monkeypatch.setattr(status_routes, "hold_grant", reviewed_meanwhile)
    url = f"/status/{submitted.reference}/edit"
    answer = post(resident, url, application_data(), f"remove_file-{quote}")
    assert answer.status_code == 200
    assert "kann nicht mehr geändert werden" in answer.get_data(as_text=True)
    db.session.expire_all()
    assert submitted.state == "ready" and [a.id for a in submitted.attachments] == [quote]


def test_a_review_decided_on_a_version_the_applicant_changed_since_is_refused(
    client, submitted, staff, resident, post_form
):
    """Staff read the application, the applicant sends a change, staff press "ready": the step
    is refused with the changes in view, so no unreviewed version goes to the jury."""
    page = f"/staff/applications/{submitted.id}"

    def seen_on_page() -> str:
        found = re.search(
            r'name="seen" value="([0-9a-f]+)"', client.get(page).get_data(as_text=True)
        )
        assert found, "the review form carries the version it shows"
        return found.group(1)

    seen = seen_on_page()
    edit(resident, submitted, title="Großes Hoffest")  # sent while staff were reading
    for action in ("ready", "return", "ineligible"):
        response = post_form(f"{page}/{action}", {"note": "Geprüft.", "seen": seen}, page=page)
        assert response.status_code == 200
        assert "während Sie ihn geprüft haben" in response.get_data(as_text=True)
    db.session.expire_all()
    assert submitted.state == "submitted" and submitted.review_note == ""
    now_seen = seen_on_page()
    assert now_seen != seen
    response = post_form(f"{page}/ready", {"note": "Geprüft.", "seen": now_seen}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert submitted.state == "ready"


def test_a_file_removed_in_the_edit_form_after_staff_read_the_application_is_noticed(
    client, submitted, staff, resident, post_form
):
    """The resident removes the quote in the edit form (not saved yet) while staff read the
    application: "ready" is refused, so the body never gets it without the quote unawares."""
    page = f"/staff/applications/{submitted.id}"
    found = re.search(r'name="seen" value="([0-9a-f]+)"', client.get(page).get_data(as_text=True))
    assert found
    quote = submitted.attachments[0].id
    url = f"/status/{submitted.reference}/edit"
    assert post(resident, url, application_data(), f"remove_file-{quote}").status_code == 200
    response = post_form(f"{page}/ready", {"note": "Geprüft.", "seen": found.group(1)}, page=page)
    assert response.status_code == 200
    assert "während Sie ihn geprüft haben" in response.get_data(as_text=True)
    db.session.expire_all()
    assert submitted.state == "submitted"
