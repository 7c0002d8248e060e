"""Staff accounts: creation, authentication and area assignment."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import case, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.actors import SYSTEM, Actor
from ..domain.errors import DomainError
from ..domain.notices import NoticeKind, format_kinds
from ..extensions import db
from ..infra import audit
from ..models import Area, StaffUser
from ..models.base import utcnow
from . import uniques

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
    taken = DomainError("staff.email_taken", field="email")
    if find_staff_by_email(email) is not None:
        raise taken
    check_password_strength(password)
    user = StaffUser(email=normalise_email(email), name=name.strip(), role=role)
    user.set_password(password)
    # The look above cannot see an account another request is making at the same moment (two
    # admins, a double click); the email's unique constraint can, and the loser is told it is taken.
    with uniques.written_once({"uq_staff_user_email": taken}):
        db.session.add(user)
        user.areas = list(areas)
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


@dataclass(frozen=True)
class Lockout:
    """After `attempts` wrong passwords in a row an account is locked for `minutes`."""

    attempts: int
    minutes: int


def authenticate(email: str, password: str, lockout: Lockout) -> StaffUser | None:
    """The active account matching these credentials, or None (never says which part was wrong).

    A locked account answers like a wrong password, so a lock-out does not reveal that an
    account exists; the password is still hashed, so it takes as long as every other answer.
    """
    user = find_staff_by_email(email)
    if user is None:
        # Hash anyway so a wrong email takes as long as a wrong password.
        check_password_hash(_dummy_hash(), password)
        return None
    now = utcnow()
    matches = user.check_password(password)
    if user.is_locked(now) or not user.active:
        return None
    if not matches:
        _count_failure(user, lockout, now)
        return None
    user.last_login_at = now
    user.failed_logins = 0
    return user


def _count_failure(user: StaffUser, lockout: Lockout, now: datetime) -> None:
    """Add a failed login in one UPDATE; the one that reaches the limit locks the account.

    Counted in SQL (not read, add, write), so failures sent at once all count; the SET
    expressions see the row as it was, so exactly one of them starts the lock-out.
    """
    reached = StaffUser.failed_logins + 1 >= lockout.attempts
    counted = db.session.execute(
        update(StaffUser)
        .where(StaffUser.id == user.id)
        .values(
            failed_logins=case((reached, 0), else_=StaffUser.failed_logins + 1),
            locked_until=case(
                (reached, now + timedelta(minutes=lockout.minutes)), else_=StaffUser.locked_until
            ),
        )
        .returning(StaffUser.failed_logins)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    db.session.expire(user, ["failed_logins", "locked_until"])
    if counted == 0:  # only the failure that reached the limit starts from 0 again
        audit.record_about(user, "staff.locked", actor=SYSTEM, columns=("role",))


def unlock(user: StaffUser, *, actor: Actor) -> None:
    """End a lock-out before its time (an admin, after checking who it was)."""
    user.locked_until = None
    user.failed_logins = 0
    audit.record_about(user, "staff.unlocked", actor=actor, columns=("role",))
    db.session.flush()


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


def set_notices(user: StaffUser, kinds: set[NoticeKind], *, digest: bool, actor: Actor) -> None:
    """Choose which notices a staff member gets, and whether one mail each or a daily digest."""
    user.notify_kinds = format_kinds(kinds)
    user.notify_digest = digest
    audit.record_about(
        user, "staff.notices", actor=actor, kinds=sorted(k.value for k in kinds), digest=digest
    )
