"""Who acts: a staff member, a jury member, an applicant, the system or an anonymous visitor.

The web layer builds the actor of a request from its login or grant and hands it to the
services; services record it (audit trail, history) and never look it up themselves, so the
same service runs alike from a view, a CLI command and a test.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ActorKind(StrEnum):
    """The kinds of actors the audit trail and the application history know."""

    STAFF = "staff"
    MEMBER = "member"
    APPLICANT = "applicant"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Actor:
    """An actor: its kind and, for staff, members and applicants, whom exactly (id or reference)."""

    kind: ActorKind
    key: str = ""

    @classmethod
    def staff(cls, staff_id: int) -> Actor:
        """A staff member, by account id."""
        return cls(ActorKind.STAFF, str(staff_id))

    @classmethod
    def member(cls, member_id: int) -> Actor:
        """A member of a jury or council, by member id."""
        return cls(ActorKind.MEMBER, str(member_id))

    @classmethod
    def applicant(cls, reference: str = "") -> Actor:
        """The applicant of an application; without a reference, of the one being acted on."""
        return cls(ActorKind.APPLICANT, reference)

    @classmethod
    def system(cls) -> Actor:
        """The product itself: scheduled jobs, CLI commands, seed data."""
        return cls(ActorKind.SYSTEM)

    @classmethod
    def anonymous(cls) -> Actor:
        """A visitor who is not logged in and holds no grant (e.g. a failed login)."""
        return cls(ActorKind.ANONYMOUS)

    @classmethod
    def parse(cls, name: str) -> Actor:
        """The actor an audit trail name stands for ("staff:3", "system"); unknown kinds raise."""
        kind, _, key = name.partition(":")
        return cls(ActorKind(kind), key)

    @property
    def staff_id(self) -> int | None:
        """The staff account's id when a staff member acts, else None."""
        return int(self.key) if self.kind is ActorKind.STAFF else None

    @property
    def member_id(self) -> int | None:
        """The member's id when a jury or council member acts, else None."""
        return int(self.key) if self.kind is ActorKind.MEMBER else None

    @property
    def name(self) -> str:
        """The actor as the audit trail stores it: "staff:3", "applicant:SOL-2026-0001", "system"."""
        return f"{self.kind.value}:{self.key}" if self.key else self.kind.value

    def of_application(self, reference: str) -> Actor:
        """This actor with the application's reference filled in where it is its applicant."""
        if self.kind is ActorKind.APPLICANT and not self.key:
            return Actor.applicant(reference)
        return self

    def __str__(self) -> str:
        """The audit trail name."""
        return self.name


SYSTEM = Actor.system()
