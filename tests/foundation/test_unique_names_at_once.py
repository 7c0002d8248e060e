"""Guards that a name which must be new (a staff account's email, a jury member's email in a
body, an area's slug and code) sent twice at once is saved once and the second is told it is
taken, next to its field with what was typed kept, never a crash page: each write happens in a
savepoint whose unique-constraint refusal becomes the DomainError (services.uniques). Real
threads on PostgreSQL (the refusal alone also on SQLite); the looks before the writes are held until both requests made them."""

from __future__ import annotations

import threading
import urllib.error
import urllib.parse
from datetime import date

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import SYSTEM
from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.models import Area, Body, StaffUser
from juryfund.services import accounts, setup
from tests.conftest import POSTGRES_URL
from tests.foundation.test_setup_pages import Page, translated
from tests.races import TIMEOUT, race
from tests.voting.test_concurrency import server  # noqa: F401  (the real threaded server)
from tests.voting.test_races import StaffBrowser


def needs_postgres(test):
    """Mark a race: it needs a real server's concurrent transactions (the refusal alone, the
    last test, runs on every database)."""
    skip = pytest.mark.skipif(not POSTGRES_URL, reason="the race needs PostgreSQL's row locks")
    return pytest.mark.postgres(skip(test))


AREA = {
    "name": "Neues Gebiet",
    "slug": "neues-gebiet",
    "code": "NEU",
    "city": "Berlin",
    "timezone": "Europe/Berlin",
    "languages": ["de", "en"],
    "description": "",
    "action_fields": "",
    "contact_email": "",
}


def _both_look_first(monkeypatch, module, name):
    """Both requests look the name up before either writes it (a double click)."""
    looked = threading.Barrier(2)
    real = getattr(module, name)

    def look(*args, **kwargs):
        found = real(*args, **kwargs)
        looked.wait(TIMEOUT)
        return found

    monkeypatch.setattr(module, name, look)


def _post(browser: StaffBrowser, path: str, data: dict) -> tuple[int, str]:
    """POST a form as the browser (lists as repeated fields); the status and the page."""
    body = urllib.parse.urlencode(data, doseq=True).encode()
    try:
        with browser.poster.open(browser.base + path, data=body, timeout=TIMEOUT) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        with error:
            return error.code, error.read().decode()


def _send_at_once(browsers, path: str, forms: list[dict]) -> list[tuple[int, str]]:
    """Each browser posts its form at the same moment; (status, page) by status."""
    tokens = [browser.csrf(path) for browser in browsers]
    barrier, answers = threading.Barrier(len(browsers)), []

    def send(browser, token, form):
        barrier.wait(TIMEOUT)
        answers.append(_post(browser, path, {"csrf_token": token, **form}))

    threads = [
        threading.Thread(target=send, args=trio)
        for trio in zip(browsers, tokens, forms, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    return sorted(answers, key=lambda answer: answer[0])


def _admins(make, server):  # noqa: F811
    admins = [make.admin(), make.admin()]
    db.session.commit()
    return [StaffBrowser(server, admin.email) for admin in admins]


@needs_postgres
def test_two_admins_creating_the_same_staff_account_at_once_are_told_it_is_taken(
    app,
    server,  # noqa: F811
    make,
    monkeypatch,
):
    """One account (302); the other form comes back (200) with the taken message next to the
    email field and the email and name as typed."""
    browsers = _admins(make, server)
    _both_look_first(monkeypatch, accounts, "find_staff_by_email")  # after the logins
    form = {
        "email": "neu@qm.example",
        "name": "Neu",
        "role": "staff",
        "active": "y",
        "password": "ein-langes-passwort",
    }

    answers = _send_at_once(browsers, "/staff/admin/staff/new", [form, form])

    assert [status for status, _page in answers] == [200, 302], answers
    page = Page(answers[0][1])
    taken = translated(app, "An account with this email address already exists.", "de")
    assert (page.text("email-error"), page.shown("email"), page.shown("name")) == (
        taken,
        "neu@qm.example",
        "Neu",
    )
    monkeypatch.undo()
    counted = select(func.count(StaffUser.id)).where(StaffUser.email == "neu@qm.example")
    assert db.session.scalar(counted) == 1


@needs_postgres
@pytest.mark.parametrize(
    ("field", "second", "message"),
    [
        ("slug", {"code": "NEV"}, "Another area already uses this address."),
        ("code", {"slug": "neues-gebiet-2"}, "Another area already uses this code."),
    ],
)
def test_two_admins_creating_areas_with_one_slug_or_code_at_once_are_told_it_is_taken(
    app,
    server,  # noqa: F811
    make,
    monkeypatch,
    field,
    second,
    message,
):
    """Two new areas sharing the slug (or the code) sent at once: one area (302); the other
    form comes back (200) with the taken message next to that field and the typed text kept."""
    browsers = _admins(make, server)
    _both_look_first(monkeypatch, setup, "_check_area_fields")  # after the logins
    other = {**AREA, "name": "Zweites Gebiet", **second}

    answers = _send_at_once(browsers, "/staff/admin/areas/new", [AREA, other])

    assert [status for status, _page in answers] == [200, 302], answers
    page = Page(answers[0][1])
    shown = (page.text(f"{field}-error"), page.shown(field), page.shown("languages"))
    assert shown == (translated(app, message, "de"), AREA[field], ["de", "en"])
    monkeypatch.undo()
    assert db.session.scalar(select(func.count(Area.id)).where(Area.code.in_(["NEU", "NEV"]))) == 1


@needs_postgres
def test_two_staff_adding_the_same_member_at_once_are_told_the_email_is_taken(
    app, jury, monkeypatch
):
    """One member; the other is refused with member.email_taken, not an IntegrityError from
    uq_member_body_email_serving."""
    jury_id = jury.id
    real_scalar = db.session.scalar
    looked = threading.Barrier(2)
    lookers: set[int] = set()

    def save(ready):
        body = db.session.get(Body, jury_id)
        body.area  # noqa: B018
        lookers.add(threading.get_ident())
        ready()
        setup.save_member(
            None,
            body,
            name="Neu",
            email="neu.mitglied@example.org",
            language="de",
            role="resident",
            term_start=date(2026, 1, 1),
            term_end=None,
            seat="full",
            actor=SYSTEM,
        )

    def scalar(*args, **kwargs):
        found = real_scalar(*args, **kwargs)
        statement = str(args[0]) if args else ""
        if threading.get_ident() in lookers and "lower(member.email)" in statement:
            looked.wait(TIMEOUT)  # both look before either writes
        return found

    monkeypatch.setattr(db.session, "scalar", scalar)
    outcomes = race(app, save, save)
    assert sorted(map(str, outcomes)).count("ok") == 1, outcomes
    refused = [o for o in outcomes if o != "ok"]
    assert isinstance(refused[0], DomainError), repr(refused[0])
    assert refused[0].reason == "member.email_taken"


def test_a_name_taken_after_the_look_is_refused_as_taken_on_every_database(
    app, make, jury, monkeypatch
):
    """The looks find nothing (as when the other request had not committed yet): the unique
    constraint's refusal is still the field's DomainError, on SQLite as on PostgreSQL."""
    area = jury.area
    make.staff(email="da@qm.example")
    setup.save_member(
        None,
        jury,
        name="Da",
        email="da@example.org",
        language="de",
        role="resident",
        term_start=date(2026, 1, 1),
        term_end=None,
    )
    db.session.commit()
    monkeypatch.setattr(accounts, "find_staff_by_email", lambda email: None)
    monkeypatch.setattr(setup, "_check_area_fields", lambda area, **fields: None)
    monkeypatch.setattr(setup, "refuse", lambda errors: None)
    area_fields = {**AREA, "languages": ["de"]}
    refused = []
    for save in (
        lambda: accounts.create_staff(email="DA@qm.example", name="Da", password="x" * 12),
        lambda: setup.save_area(None, **{**area_fields, "slug": area.slug}),
        lambda: setup.save_area(None, **{**area_fields, "code": area.code}),
        lambda: setup.save_member(
            None,
            jury,
            name="Da",
            email="da@example.org",
            language="de",
            role="resident",
            term_start=date(2026, 1, 1),
            term_end=None,
        ),
    ):
        with pytest.raises(DomainError) as error:
            save()
        refused.append((error.value.reason, error.value.field))
        db.session.rollback()
    assert refused == [
        ("staff.email_taken", "email"),
        ("area.slug_taken", "slug"),
        ("area.code_taken", "code"),
        ("member.email_taken", "email"),
    ]
