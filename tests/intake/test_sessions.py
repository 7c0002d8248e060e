"""Jury sessions and deadlines (issue 14 item 8): staff announce a fund's sessions, the area page
and the form show the next deadline, and a planned start before the session an application can
reach is refused next to the field."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from juryfund.domain.actors import SYSTEM, Actor
from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Application, AuditEvent, FundSession
from juryfund.services import sessions
from tests.factories import AreaFactory, BodyFactory, FundFactory, StaffFactory
from tests.races import one_won, race

from .conftest import application_data

pytestmark = pytest.mark.intake


def _field_error(html: str, field_id: str) -> str:
    match = re.search(rf'id="{re.escape(field_id)}-error"[^>]*>(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip() if match else ""


def _text(html: str) -> str:
    """The page's text: the <bdi> isolating typed names adds no space, other tags do."""
    return re.sub(r"<[^>]+>|\s+", " ", re.sub(r"</?bdi[^>]*>", "", html))


@pytest.fixture
def fund(area):
    """The area's Aktionsfonds (made by the intake conftest)."""
    return area.funds[0]


@pytest.fixture
def announced(area, fund):
    """Two sessions of the fund: in 40 days (apply within 20) and in 80 days (apply within 60);
    the deadlines leave more than the fund's 14 days of lead time before each session."""
    today = clock.area_today(area)
    first = sessions.add_session(
        fund,
        meets_on=today + timedelta(days=40),
        apply_by=today + timedelta(days=20),
        place="Stadtteilladen",
        actor=SYSTEM,
    )
    second = sessions.add_session(
        fund,
        meets_on=today + timedelta(days=80),
        apply_by=today + timedelta(days=60),
        actor=SYSTEM,
    )
    db.session.commit()
    return first, second


def _long(day: date, locale: str) -> str:
    return format_date(day, "long", locale=locale)


def _medium(day: date) -> str:
    """A date as German error messages give it."""
    return format_date(day, "medium", locale="de")


# --- staff announce and withdraw sessions -------------------------------------------------------


def test_staff_announce_a_session_and_see_it_listed(client, area, fund, login, post_form):
    login(StaffFactory(areas=[area]))
    today = clock.area_today(area)
    url = f"/staff/funds/{fund.id}/sessions"
    response = post_form(
        url,
        {
            "meets_on": (today + timedelta(days=40)).isoformat(),
            "apply_by": (today + timedelta(days=31)).isoformat(),
            "place": "Nachbarschaftsetage",
            "note": "Bitte Angebot beilegen",
        },
    )
    assert response.status_code == 302
    row = db.session.scalars(select(FundSession)).one()
    assert (row.fund_id, row.meets_on, row.apply_by, row.place, row.note) == (
        fund.id,
        today + timedelta(days=40),
        today + timedelta(days=31),
        "Nachbarschaftsetage",
        "Bitte Angebot beilegen",
    )
    html = client.get(url).get_data(as_text=True)
    assert _long(row.meets_on, "de") in html and "Nachbarschaftsetage" in html
    assert "Anträge möglich" in html
    actions = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "fund_session")
    ).all()
    assert actions == ["fund_session.created"]


@pytest.mark.parametrize(
    ("meets_in", "apply_in", "field", "message"),
    [
        pytest.param(-1, -5, "meets_on", "nicht in der Vergangenheit", id="past"),
        pytest.param(20, 21, "apply_by", "nicht nach der Sitzung", id="deadline-after-meeting"),
        pytest.param(40, 25, "meets_on", "schon eine Sitzung", id="duplicate-day"),
    ],
)
def test_bad_session_refused_next_to_the_field_and_input_kept(
    client, area, fund, announced, login, post_form, meets_in, apply_in, field, message
):
    login(StaffFactory(areas=[area]))
    today = clock.area_today(area)
    meets_on = (today + timedelta(days=meets_in)).isoformat()
    response = post_form(
        f"/staff/funds/{fund.id}/sessions",
        {
            "meets_on": meets_on,
            "apply_by": (today + timedelta(days=apply_in)).isoformat(),
            "place": "Hof 3",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in _field_error(html, field)
    assert f'value="{meets_on}"' in html and 'value="Hof 3"' in html
    assert db.session.scalar(select(func.count(FundSession.id))) == 2


def test_database_refuses_a_deadline_after_the_session_and_a_second_session_that_day(area, fund):
    day = date(2030, 5, 10)
    db.session.add(FundSession(fund_id=fund.id, meets_on=day, apply_by=day + timedelta(days=1)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(FundSession(fund_id=fund.id, meets_on=day, apply_by=day))
    db.session.flush()
    db.session.add(FundSession(fund_id=fund.id, meets_on=day, apply_by=day - timedelta(days=3)))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_staff_withdraw_a_coming_session_but_a_past_one_stays(
    client, area, fund, announced, login, post_form, clock_at
):
    login(StaffFactory(areas=[area]))
    first, second = announced
    page = f"/staff/funds/{fund.id}/sessions"
    response = post_form(f"/staff/sessions/{second.id}/remove", {}, page=page)
    assert response.status_code == 302
    assert db.session.scalars(select(FundSession.id)).all() == [first.id]
    # Once the first session has met, it stays on record and is shown as past.
    clock_at(datetime.combine(first.meets_on + timedelta(days=1), time(10), tzinfo=UTC))
    with pytest.raises(DomainError) as refused:
        sessions.remove_session(db.session.get(FundSession, first.id), actor=SYSTEM)
    assert refused.value.reason == "session.already_met"
    db.session.rollback()
    html = client.get(page).get_data(as_text=True)
    assert "vergangen" in html
    assert f"/staff/sessions/{first.id}/remove" not in html


def test_other_area_s_staff_cannot_see_add_or_withdraw_sessions(
    client, area, fund, announced, login
):
    other = AreaFactory(name="Lerchenberg", slug="lerchenberg", code="LER")
    login(StaffFactory(areas=[other]))
    first, _second = announced
    assert client.get(f"/staff/funds/{fund.id}/sessions").status_code == 403
    # A token from a page this user may see; the refusal must not depend on a missing one.
    from tests.conftest import csrf_from

    token = csrf_from(client.get("/staff/notices").get_data(as_text=True))
    today = clock.area_today(area)
    added = client.post(
        f"/staff/funds/{fund.id}/sessions",
        data={
            "csrf_token": token,
            "meets_on": (today + timedelta(days=90)).isoformat(),
            "apply_by": (today + timedelta(days=80)).isoformat(),
        },
    )
    assert added.status_code == 403
    removed = client.post(f"/staff/sessions/{first.id}/remove", data={"csrf_token": token})
    assert removed.status_code == 403
    assert db.session.scalar(select(func.count(FundSession.id))) == 2


def test_two_staff_announcing_the_same_day_at_once_make_one_session(app, area, fund):
    staff = [StaffFactory(areas=[area]), StaffFactory(areas=[area])]
    db.session.commit()
    fund_id, day = fund.id, clock.area_today(area) + timedelta(days=45)

    def announce(staff_id):
        def job(ready):
            loaded = db.session.get(type(fund), fund_id)
            _ = loaded.area.timezone  # loaded before the barrier: only the write races
            ready()
            sessions.add_session(
                loaded,
                meets_on=day,
                apply_by=day - timedelta(days=7),
                actor=Actor.staff(staff_id),
            )

        return job

    outcomes = race(app, announce(staff[0].id), announce(staff[1].id))
    one_won(outcomes, "session.date_taken")
    assert db.session.scalar(select(func.count(FundSession.id))) == 1


# --- the area page and the form show the next deadline ----------------------------------------


@pytest.mark.parametrize(
    ("language", "heading", "apply_by_words"),
    [
        pytest.param("de", "Nächste Jurysitzung:", "Antrag bis", id="german"),
        pytest.param("ar", "جلسة لجنة التحكيم القادمة:", "آخر موعد للتقديم", id="arabic"),
    ],
)
def test_area_page_shows_the_next_session_and_its_deadline(
    client, area, announced, language, heading, apply_by_words
):
    first, second = announced
    client.set_cookie("juryfund_lang", language)
    html = client.get("/soldiner-kiez/").get_data(as_text=True)
    text = _text(html)
    expected = (
        f"{heading} {_long(first.meets_on, language)} – "
        f"{apply_by_words} {_long(first.apply_by, language)}"
    )
    assert expected in text
    assert "Stadtteilladen" in text
    # The later session is listed too.
    assert _long(second.meets_on, language) in text and _long(second.apply_by, language) in text


def test_application_form_shows_the_next_deadline_near_the_top(client, area, fund, announced):
    first, _second = announced
    client.set_cookie("juryfund_lang", "en")
    html = client.get("/soldiner-kiez/apply").get_data(as_text=True)
    deadline = (
        f"{fund.name}: apply by {_long(first.apply_by, 'en')} "
        f"to be decided on {_long(first.meets_on, 'en')}."
    )
    assert deadline in _text(html)
    assert html.index('id="deadlines-title"') < html.index('name="applicant_name"')


def test_area_page_without_sessions_shows_no_deadline(client, area):
    client.set_cookie("juryfund_lang", "en")
    html = client.get("/soldiner-kiez/").get_data(as_text=True)
    assert "Next jury session" not in html
    assert 'id="deadlines-title"' not in client.get("/soldiner-kiez/apply").get_data(as_text=True)


# --- the planned start is checked against the reachable session --------------------------------


def test_start_before_the_reachable_session_is_refused_next_to_the_field(
    client, area, announced, send
):
    first, _second = announced
    start = (first.meets_on - timedelta(days=5)).isoformat()
    data = application_data(start_date=start, end_date=start, title="Hoffest im Frühling")
    response = send("/soldiner-kiez/apply", data, "check")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    message = _field_error(html, "start_date")
    assert f"in der Jurysitzung am {_medium(first.meets_on)} entschieden" in message
    assert f"(Antrag bis {_medium(first.apply_by)})" in message
    assert 'href="#start_date"' in html
    assert f'value="{start}"' in html and 'value="Hoffest im Frühling"' in html
    assert 'name="confirmed_fund"' not in html
    # Sending it anyway (a hand-made request) is refused the same way, and nothing is saved.
    sent = send("/soldiner-kiez/apply", {**data, "confirmed_fund": str(area.funds[0].id)}, "submit")
    assert sent.status_code == 200
    assert "Jurysitzung am" in _field_error(sent.get_data(as_text=True), "start_date")
    assert db.session.scalar(select(func.count(Application.id))) == 0


def test_start_on_the_session_day_is_accepted(client, area, announced, apply):
    first, _second = announced
    start = first.meets_on.isoformat()
    response = apply(start_date=start, end_date=start)
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(Application.id))) == 1


def test_after_the_deadline_passes_the_next_session_counts(client, area, announced, send, clock_at):
    first, second = announced
    # The day after the first deadline, in the morning in Berlin.
    clock_at(datetime.combine(first.apply_by + timedelta(days=1), time(8), tzinfo=UTC))
    client.set_cookie("juryfund_lang", "en")
    text = _text(client.get("/soldiner-kiez/").get_data(as_text=True))
    assert f"Next jury session: {_long(second.meets_on, 'en')}" in text
    assert f"Next jury session: {_long(first.meets_on, 'en')}" not in text
    # A start after the first session but before the second can no longer be decided in time.
    client.set_cookie("juryfund_lang", "de")  # the test data types German amounts
    start = (first.meets_on + timedelta(days=3)).isoformat()
    html = send(
        "/soldiner-kiez/apply", application_data(start_date=start, end_date=start), "check"
    ).get_data(as_text=True)
    message = _field_error(html, "start_date")
    assert f"in der Jurysitzung am {_medium(second.meets_on)} entschieden" in message


def test_deadline_day_counts_in_the_area_s_time_zone(client, area, announced, send, clock_at):
    first, _second = announced
    # 23:30 UTC on the deadline day is already the next day in Berlin: the deadline has passed.
    clock_at(datetime.combine(first.apply_by, time(23, 30), tzinfo=UTC))
    start = first.meets_on.isoformat()
    html = send(
        "/soldiner-kiez/apply", application_data(start_date=start, end_date=start), "check"
    ).get_data(as_text=True)
    assert "Jurysitzung am" in _field_error(html, "start_date")
    # 21:30 UTC is still the deadline day in Berlin (winter or summer time): it is reachable.
    clock_at(datetime.combine(first.apply_by, time(21, 30), tzinfo=UTC))
    html = send(
        "/soldiner-kiez/apply", application_data(start_date=start, end_date=start), "check"
    ).get_data(as_text=True)
    assert _field_error(html, "start_date") == ""
    assert 'name="confirmed_fund"' in html


def test_past_the_last_deadline_an_early_start_is_refused_too(
    client, area, announced, send, clock_at
):
    """One second after the last announced deadline (23:59:59 in Berlin, then midnight): an
    action starting before the last session meets was refused on time, and still is."""
    _first, last = announced
    start = (last.meets_on - timedelta(days=5)).isoformat()
    data = application_data(start_date=start, end_date=start)
    last_second = datetime.combine(last.apply_by, time(23, 59, 59), tzinfo=ZoneInfo(area.timezone))
    clock_at(last_second.astimezone(UTC))
    html = send("/soldiner-kiez/apply", data, "check").get_data(as_text=True)
    assert "Jurysitzung am" in _field_error(html, "start_date")
    clock_at((last_second + timedelta(seconds=2)).astimezone(UTC))
    html = send("/soldiner-kiez/apply", data, "check").get_data(as_text=True)
    message = _field_error(html, "start_date")
    assert f"nach der am {_medium(last.meets_on)}" in message, message
    assert 'name="confirmed_fund"' not in html
    # After the last session's day the action can start: it waits for a session to come.
    later = (last.meets_on + timedelta(days=1)).isoformat()
    html = send(
        "/soldiner-kiez/apply", application_data(start_date=later, end_date=later), "check"
    ).get_data(as_text=True)
    assert _field_error(html, "start_date") == ""


def test_editing_an_application_checks_the_start_against_the_session(
    client, area, apply, send, announced
):
    from .conftest import last_mail, only_application, status_link

    first, _second = announced
    assert apply(start_date=first.meets_on.isoformat(), end_date=first.meets_on.isoformat())
    application = only_application()
    client.get(status_link(last_mail("ayse@example.org")))
    start = (first.meets_on - timedelta(days=2)).isoformat()
    url = f"/status/{application.reference}/edit"
    html = send(url, application_data(start_date=start, end_date=start), "check").get_data(
        as_text=True
    )
    assert "Jurysitzung am" in _field_error(html, "start_date")
    assert f'value="{start}"' in html
    db.session.refresh(application)
    assert application.start_date == first.meets_on


def test_an_edit_after_the_deadline_keeps_the_session_the_application_reached(
    client, area, apply, send, announced, clock_at
):
    from juryfund.services import intake

    from .conftest import last_mail, only_application, status_link

    first, _second = announced
    start = first.meets_on.isoformat()
    assert apply(start_date=start, end_date=start).status_code == 302
    application = only_application()
    client.get(status_link(last_mail("ayse@example.org")))
    # The deadline has passed; the applicant corrects the title of the application sent in time.
    clock_at(datetime.combine(first.apply_by + timedelta(days=2), time(10), tzinfo=UTC))
    url = f"/status/{application.reference}/edit"
    data = application_data(start_date=start, end_date=start, title="Hoffest mit Musik")
    response = send(url, {**data, "confirmed_fund": str(application.fund_id)}, "submit")
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.title == "Hoffest mit Musik"
    # Returned for changes, it is sent anew: now the next session counts, and the start is early.
    intake.return_for_changes(application, note="Bitte ergänzen.", actor=SYSTEM)
    db.session.commit()
    html = send(url, data, "check").get_data(as_text=True)
    assert "Jurysitzung am" in _field_error(html, "start_date")


def test_a_fund_without_sessions_is_not_checked_against_another_fund_s(client, area, send):
    # A second area's sessions never reach this area's form.
    other = AreaFactory(name="Lerchenberg", slug="lerchenberg", code="LER")
    other_fund = FundFactory(area=other, body=BodyFactory(area=other))
    today = clock.area_today(area)
    sessions.add_session(
        other_fund,
        meets_on=today + timedelta(days=90),
        apply_by=today + timedelta(days=80),
        actor=SYSTEM,
    )
    db.session.commit()
    html = send("/soldiner-kiez/apply", application_data(), "check").get_data(as_text=True)
    assert _field_error(html, "start_date") == ""
    assert 'name="confirmed_fund"' in html


def test_demo_announces_coming_sessions_for_each_fund(app, runner, clock_at):
    from juryfund.models import Fund

    assert runner.invoke(args=["juryfund", "demo"]).exit_code == 0
    client = app.test_client()
    client.set_cookie("juryfund_lang", "de")
    today = clock.today_in(None)
    funds = db.session.scalars(select(Fund)).all()
    assert len(funds) == 3
    for fund in funds:
        coming = [s for s in fund.sessions if s.apply_by >= today]
        assert len(coming) >= 2, fund.name
    text = _text(client.get("/soldiner-kiez/").get_data(as_text=True))
    assert text.count("Nächste Jurysitzung:") == 2  # the Aktionsfonds and the Quartiersfonds
    # A year on, every demo deadline has passed: no session is shown as coming any more.
    clock_at(datetime.now(UTC) + timedelta(days=365))
    assert "Nächste Jurysitzung:" not in client.get("/soldiner-kiez/").get_data(as_text=True)


def test_an_edit_after_a_resubmission_is_checked_against_the_session_the_resubmission_reached(
    client, area, apply, send, announced, clock_at
):
    from juryfund.services import intake

    from .conftest import last_mail, only_application, status_link

    first, second = announced
    early = (first.meets_on + timedelta(days=5)).isoformat()  # fine for the first session
    assert apply(start_date=early, end_date=early).status_code == 302
    application = only_application()
    client.get(status_link(last_mail("ayse@example.org")))
    # Returned after the first deadline and sent again: only the second session can decide it.
    clock_at(datetime.combine(first.apply_by + timedelta(days=1), time(10), tzinfo=UTC))
    intake.return_for_changes(application, note="Bitte ergänzen.", actor=SYSTEM)
    db.session.commit()
    clock_at(datetime.combine(first.apply_by + timedelta(days=2), time(10), tzinfo=UTC))
    url = f"/status/{application.reference}/edit"
    late = second.meets_on.isoformat()
    data = application_data(start_date=late, end_date=late)
    sent = send(url, {**data, "confirmed_fund": str(application.fund_id)}, "submit")
    assert sent.status_code == 302
    db.session.refresh(application)
    assert application.state == "submitted"
    # A day later an edit moving the start back before the second session is refused, though
    # the application was first sent in time for the first one.
    clock_at(datetime.combine(first.apply_by + timedelta(days=3), time(10), tzinfo=UTC))
    data = application_data(start_date=early, end_date=early)
    refused = send(url, {**data, "confirmed_fund": str(application.fund_id)}, "submit")
    assert refused.status_code == 200
    message = _field_error(refused.get_data(as_text=True), "start_date")
    assert f"in der Jurysitzung am {_medium(second.meets_on)} entschieden" in message
    db.session.refresh(application)
    assert application.start_date == second.meets_on
