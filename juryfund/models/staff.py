"""Staff accounts: QM team members and administrators who log in with a password."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    Column,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.actors import Actor
from ..domain.notices import NOTICE_KINDS
from ..extensions import Model, db
from .base import UTCDateTime, one_of, utcnow

if TYPE_CHECKING:
    from .areas import Area

ROLES = ("admin", "staff")

#: Which areas a staff member works in (admins see all areas regardless).
staff_area = Table(
    "staff_area",
    db.metadata,
    Column("staff_id", ForeignKey("staff_user.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id", ondelete="CASCADE"), primary_key=True),
)


class StaffUser(UserMixin, Model):
    """A person of the QM team (role staff, scoped to areas) or an administrator."""

    __tablename__ = "staff_user"
    __table_args__ = (
        one_of("role", ROLES),
        CheckConstraint("failed_logins >= 0", name="failed_logins_nonnegative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Stored lower-cased; the login compares lower-cased input.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(10), default="staff")
    active: Mapped[bool] = mapped_column(default=True)
    language: Mapped[str] = mapped_column(String(5), default="de")
    #: Bumped at logout and password change so every other session of the user ends.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Wrong passwords since the last login or lock-out (counted in SQL, so parallel tries add up).
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    #: No login until then, not even with the right password; an admin can unlock earlier.
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The notice kinds this person wants (domain.notices, comma-separated; empty: none).
    notify_kinds: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Collect the notices in one mail a day instead of one mail each.
    notify_digest: Mapped[bool] = mapped_column(default=False, server_default=false())
    digest_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    areas: Mapped[list[Area]] = relationship(secondary=staff_area, order_by="Area.name")

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password, never the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    @property
    def actor(self) -> Actor:
        """This staff member as the actor the services record."""
        return Actor.staff(self.id)

    @property
    def is_admin(self) -> bool:
        """Admins may do everything in every area."""
        return self.role == "admin"

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        """Deactivated accounts cannot log in."""
        return self.active

    def is_locked(self, now: datetime) -> bool:
        """True while a lock-out after failed logins lasts."""
        return self.locked_until is not None and self.locked_until > now

    def get_id(self) -> str:
        """Session identity: id plus session version, so bumping the version logs out everywhere."""
        return f"{self.id}:{self.session_version}"

    def can_manage_area(self, area: Area) -> bool:
        """Admins manage every area; staff only the areas they are assigned to."""
        return self.is_admin or any(a.id == area.id for a in self.areas)


class PendingNotice(Model):
    """A notice waiting for its staff member's next daily digest."""

    __tablename__ = "pending_notice"
    __table_args__ = (one_of("kind", NOTICE_KINDS),)

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    #: The area the notice is about: a staff member taken off the area since gets no word of it.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id", ondelete="CASCADE"))
    #: JSON of what the digest line names (reference, title, round, link); never free text.
    params: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    staff: Mapped[StaffUser] = relationship()


class NoticeOnce(Model):
    """A notice that must go out once only (e.g. "the round is quorate"): the unique key makes a
    second tick or a parallel one fail to claim it, in the database, not only in code."""

    __tablename__ = "notice_once"
    __table_args__ = (
        UniqueConstraint("kind", "subject", name="once_per_subject"),
        one_of("kind", NOTICE_KINDS),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    #: What the notice is about, e.g. "round:12".
    subject: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
