"""A staff account is locked after repeated wrong passwords, without revealing that it exists."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import AuditEvent, StaffUser
from juryfund.services import accounts
from tests.races import race

from ..conftest import csrf_from, log_in
from ..fixtures import PASSWORD

pytestmark = pytest.mark.security

EN = {"Accept-Language": "en"}


def _try(client, email: str, password: str):
    """One login through the form; the response."""
    html = client.get("/staff/login", headers=EN).get_data(as_text=True)
    return client.post(
        "/staff/login",
        data={"csrf_token": csrf_from(html), "email": email, "password": password},
        headers=EN,
    )


def _answer(response) -> str:
    """The page without its per-request parts (CSRF token, nonces), to compare two answers."""
    html = response.get_data(as_text=True)
    html = re.sub(r'value="[^"]{20,}"', 'value=""', html)
    return re.sub(r'nonce="[^"]+"', 'nonce=""', html)


@pytest.fixture
def lockout(app):
    """Three wrong passwords lock an account for ten minutes."""
    app.config.update(JURYFUND_LOCKOUT_ATTEMPTS=3, JURYFUND_LOCKOUT_MINUTES=10)


def test_three_wrong_passwords_lock_even_the_right_one_out(client, staff, lockout):
    for _ in range(3):
        assert _try(client, staff.email, "wrong password").status_code == 200
    db.session.refresh(staff)
    assert staff.is_locked(clock.now())
    locked = _try(client, staff.email, PASSWORD)
    assert locked.status_code == 200  # the form again, not the dashboard
    assert "After 3 failed attempts in a row an account is locked for 10 minutes." in (
        locked.get_data(as_text=True)
    )
    # A locked account answers exactly like an email nobody has (the typed email aside).
    unknown = _try(client, "nobody@example.org", PASSWORD)
    assert _answer(locked).replace(staff.email, "") == _answer(unknown).replace(
        "nobody@example.org", ""
    )
    events = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "staff_user")
    ).all()
    assert events.count("staff.locked") == 1 and events.count("login.failed") == 5


def test_the_lock_ends_by_itself(client, staff, lockout, clock_at):
    for _ in range(3):
        _try(client, staff.email, "wrong password")
    clock_at(clock.now() + timedelta(minutes=11))
    response = _try(client, staff.email, PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/staff/")


def test_a_successful_login_starts_the_count_again(client, staff, lockout):
    for _ in range(2):
        _try(client, staff.email, "wrong password")
    assert _try(client, staff.email, PASSWORD).status_code == 302
    db.session.refresh(staff)
    assert staff.failed_logins == 0 and staff.locked_until is None


def test_an_admin_unlocks_an_account(app, client, staff, make, lockout):
    for _ in range(3):
        _try(client, staff.email, "wrong password")
    admin = make.admin()
    admin_client = app.test_client()
    log_in(admin_client, admin)
    page = admin_client.get(f"/staff/admin/staff/{staff.id}/edit", headers=EN)
    html = page.get_data(as_text=True)
    assert "This account is locked after too many failed logins" in html
    assert "locked until" in admin_client.get("/staff/admin/staff", headers=EN).get_data(
        as_text=True
    )
    response = admin_client.post(
        f"/staff/admin/staff/{staff.id}/unlock", data={"csrf_token": csrf_from(html)}
    )
    assert response.status_code == 302
    assert _try(client, staff.email, PASSWORD).status_code == 302
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "staff.unlocked")
        )
        == 1
    )


def test_staff_cannot_unlock_and_an_unlock_needs_csrf(app, client, staff, make, area, lockout):
    for _ in range(3):
        _try(client, staff.email, "wrong password")
    colleague = make.staff(areas=[area])
    colleague_client = app.test_client()
    log_in(colleague_client, colleague)
    assert colleague_client.post(f"/staff/admin/staff/{staff.id}/unlock").status_code in (
        400,
        403,
    )
    admin_client = app.test_client()
    log_in(admin_client, make.admin())
    admin_client.post(f"/staff/admin/staff/{staff.id}/unlock")  # no CSRF token
    db.session.refresh(staff)
    assert staff.is_locked(clock.now())


@pytest.mark.postgres
def test_wrong_passwords_sent_at_once_all_count(app, staff):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the race needs PostgreSQL (JURYFUND_TEST_DATABASE_URL)")
    # Four at once: one process's pool has five connections and the test holds one.
    email, attempts, tries = staff.email, 3, 4
    lockout = accounts.Lockout(attempts=attempts, minutes=10)

    def fail(ready):
        accounts.find_staff_by_email(email)  # the row is read before the race, as a request does
        ready()
        assert accounts.authenticate(email, "wrong password", lockout) is None

    outcomes = race(app, *[fail] * tries)
    assert outcomes == ["ok"] * tries
    staff = db.session.scalars(select(StaffUser).where(StaffUser.email == email)).one()
    locks = db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "staff.locked")
    )
    # No failure is lost: every one either still counts or went into a lock-out.
    assert locks >= 1 and staff.failed_logins + attempts * locks == tries
    assert staff.is_locked(clock.now())
