"""Staff accounts: creation, authentication and area assignment."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.actors import SYSTEM, Actor
from ..domain.errors import DomainError
from ..extensions import db
from ..infra import audit
from ..models import Area, StaffUser
from ..models.base import utcnow

MIN_PASSWORD_LENGTH = 10


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding blanks."""
    return email.strip().lower()


def check_password_strength(password: str) -> None:
    """Refuse passwords too short to resist guessing."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError("password.too_short", field="password", length=MIN_PASSWORD_LENGTH)


def find_staff_by_email(email: str) -> StaffUser | None:
    """The staff account with this email, if any."""
    return db.session.scalar(
        select(StaffUser).where(func.lower(StaffUser.email) == normalise_email(email))
    )


def create_staff(
    *,
    email: str,
    name: str,
    password: str,
    role: str = "staff",
    areas: Iterable[Area] = (),
    actor: Actor = SYSTEM,
) -> StaffUser:
    """Create a staff or admin account; the email must be new."""
    if find_staff_by_email(email) is not None:
        raise DomainError("staff.email_taken", field="email")
    check_password_strength(password)
    user = StaffUser(email=normalise_email(email), name=name.strip(), role=role)
    user.set_password(password)
    user.areas = list(areas)
    db.session.add(user)
    db.session.flush()
    _audit(user, "staff.created", actor)
    return user


def update_staff(
    user: StaffUser,
    *,
    name: str,
    role: str,
    active: bool,
    areas: Iterable[Area],
    password: str = "",
    actor: Actor = SYSTEM,
) -> None:
    """Change a staff account; a new password or deactivation ends its other sessions."""
    user.name = name.strip()
    user.role = role
    user.areas = list(areas)
    if password:
        check_password_strength(password)
        user.set_password(password)
        user.session_version += 1
    if user.active and not active:
        user.session_version += 1
    _audit(user, "staff.changed", actor, active=active, password_changed=bool(password))
    user.active = active
    db.session.flush()


def authenticate(email: str, password: str) -> StaffUser | None:
    """The active account matching these credentials, or None (never says which part was wrong)."""
    user = find_staff_by_email(email)
    if user is None:
        # Hash anyway so a wrong email takes as long as a wrong password.
        check_password_hash(_dummy_hash(), password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    return user


def end_all_sessions(user: StaffUser) -> None:
    """Invalidate every session of this user (logout everywhere)."""
    user.session_version += 1


@cache
def _dummy_hash() -> str:
    """A hash to check against when the email is unknown, made once per process."""
    return generate_password_hash("no account has this password")


def _audit(user: StaffUser, action: str, actor: Actor, **data: bool) -> None:
    """Record an account change: role and areas, never the name, email or password."""
    audit.record_about(
        user, action, actor=actor, columns=("role",), areas=sorted(a.id for a in user.areas), **data
    )
