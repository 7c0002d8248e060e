"""Voting rounds of a body: frozen rule and members, agenda, votes, conflicts and decisions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, synonym

from ..domain.conflicts import RaisedBy
from ..domain.lifecycles import RoundState
from ..domain.vocabulary import MEMBER_SEATS, ROUND_MODES
from ..domain.voting import Choice, Outcome
from ..extensions import Model
from .base import UTCDateTime, one_of, utcnow
from .voting_rule import VotingRuleColumns

if TYPE_CHECKING:
    from .applications import Application
    from .areas import Body, Member
    from .staff import StaffUser

ROUND_STATES = tuple(state.value for state in RoundState)
POSITION_KINDS = ("vote", "conflict")
CHOICES = tuple(c.value for c in Choice)
OUTCOMES = tuple(o.value for o in Outcome)
RAISED_BY = tuple(r.value for r in RaisedBy)


class Round(VotingRuleColumns, Model):
    """A body deciding an agenda, in a meeting or by circulation; the rule freezes at opening."""

    __tablename__ = "round"
    __table_args__ = (
        one_of("mode", ROUND_MODES),
        one_of("state", ROUND_STATES),
        CheckConstraint(
            "mode <> 'circulation' OR deadline IS NOT NULL", name="circulation_deadline"
        ),
        CheckConstraint("mode <> 'meeting' OR meeting_at IS NOT NULL", name="meeting_date"),
        CheckConstraint(
            "ended_at IS NULL OR (began_at IS NOT NULL AND ended_at >= began_at)",
            name="meeting_times",
        ),
        CheckConstraint("chair_id IS NULL OR chair_staff_id IS NULL", name="one_chair"),
        CheckConstraint("NOT quorum_waived OR repeats_round_id IS NOT NULL", name="waiver_repeats"),
        CheckConstraint(
            "repeats_round_id IS NULL OR repeats_round_id <> id", name="not_own_repeat"
        ),
        *VotingRuleColumns.rule_checks(),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    body_id: Mapped[int] = mapped_column(ForeignKey("body.id"), index=True)
    mode: Mapped[str] = mapped_column(String(12))
    state: Mapped[str] = mapped_column(String(10), default="draft")
    title: Mapped[str] = mapped_column(String(200), default="")
    meeting_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(300), default="")
    deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The rule's columns (VotingRuleColumns) hold a copy of the body's rule taken by freeze_rule
    # when the round opens; later edits of the body don't reach it.
    tie_breaker_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: A member's objection to deciding in writing (§ 90 (1) VwVfG) defers the round.
    objected_by_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    objected_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Why staff closed a written round before its deadline while members had not voted.
    closed_early_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: Why staff opened the round although the body broke its own composition rule.
    composition_exception: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: § 90 (2) VwVfG: the earlier meeting of the body on this agenda that was not quorate.
    repeats_round_id: Mapped[int | None] = mapped_column(ForeignKey("round.id"))
    #: The invitation said this repeat meeting is quorate regardless of attendance; set only
    #: while drafting (domain.meetings.check_repeat), so every invitation carries it.
    quorum_waived: Mapped[bool] = mapped_column(default=False, server_default=false())
    # The course of the meeting for the minutes (§ 93 VwVfG). No trigger guards a closed round,
    # and these columns are recorded after the meeting, often after closing: only they change.
    began_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Who chaired: a member of the body, or a staff member (the QM team often moderates).
    chair_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    chair_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    minute_taker: Mapped[str] = mapped_column(String(200), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    body: Mapped[Body] = relationship()
    repeats: Mapped[Round | None] = relationship(remote_side="Round.id")
    chair: Mapped[Member | None] = relationship(foreign_keys=[chair_id])
    chair_staff: Mapped[StaffUser | None] = relationship(foreign_keys=[chair_staff_id])
    created_by: Mapped[StaffUser | None] = relationship(foreign_keys=[created_by_id])
    participants: Mapped[list[RoundMember]] = relationship(
        back_populates="round", order_by="RoundMember.id"
    )
    agenda: Mapped[list[AgendaItem]] = relationship(
        back_populates="round", order_by="AgendaItem.position", cascade="all, delete-orphan"
    )

    @property
    def due_at(self) -> datetime | None:
        """When the round ends: the circulation deadline or the meeting's date."""
        return self.deadline if self.mode == "circulation" else self.meeting_at


class RoundMember(Model):
    """A member as frozen into a round at opening; also the ballot grant's server-side record."""

    __tablename__ = "round_member"
    __table_args__ = (
        UniqueConstraint("round_id", "member_id"),
        one_of("seat", MEMBER_SEATS),
        CheckConstraint("link_version >= 1", name="link_version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    #: The member's seat when they joined the round: a deputy's votes count only in place of
    #: a full member named in a Substitution.
    seat: Mapped[str] = mapped_column(String(10), default="full", server_default="full")
    #: Meeting mode: recorded by staff; None while unknown.
    present: Mapped[bool | None]
    #: Revoking the grant makes every ballot link of this member for this round useless.
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The generation of the member's ballot link, signed into it: staff sending a new link
    #: count it up, and every link (and session) of an earlier generation stops working.
    link_version: Mapped[int] = mapped_column(default=1, server_default="1")
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[Round] = relationship(back_populates="participants")
    member: Mapped[Member] = relationship()


class Substitution(Model):
    """A deputy named to take a full member's seat on one agenda item of a round.

    Staff assign it for the whole meeting (one row per item) or for one item. The deputy's
    vote counts only while the member is absent or excluded (domain.composition.seat_votes);
    one deputy per seat and one seat per deputy on each item, held by unique constraints.
    """

    __tablename__ = "substitution"
    __table_args__ = (
        UniqueConstraint("agenda_item_id", "replaces_id"),
        UniqueConstraint("agenda_item_id", "deputy_id"),
        CheckConstraint("deputy_id <> replaces_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"), index=True)
    deputy_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    replaces_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    deputy: Mapped[Member] = relationship(foreign_keys=[deputy_id])
    replaces: Mapped[Member] = relationship(foreign_keys=[replaces_id])
    agenda_item: Mapped[AgendaItem] = relationship()


#: The counts of a tally that an agenda item keeps at closing and its decision copies.
TALLY_COLUMNS = ("eligible", "participating", "quorum_needed", "yes", "no", "abstain")


class AgendaItem(Model):
    """One application on a round's agenda, in order; holds the tally once the round closes."""

    __tablename__ = "agenda_item"
    __table_args__ = (
        UniqueConstraint("round_id", "application_id"),
        UniqueConstraint("round_id", "position"),
        one_of("result", OUTCOMES),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("round.id"), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    position: Mapped[int]
    #: The tally at closing (None while the round is open). An approved item still waits for
    #: staff to confirm the amount; its Decision is written then.
    result: Mapped[str | None] = mapped_column(String(10))
    eligible: Mapped[int | None]
    participating: Mapped[int | None]
    quorum_needed: Mapped[int | None]
    yes: Mapped[int | None]
    no: Mapped[int | None]
    abstain: Mapped[int | None]
    #: The applicant's time slot to present the project in the meeting (a fund's threshold).
    presentation_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[Round] = relationship(back_populates="agenda")
    application: Mapped[Application] = relationship()
    votes: Mapped[list[Vote]] = relationship(viewonly=True)
    conflicts: Mapped[list[ConflictDeclaration]] = relationship(viewonly=True)


class Position(Model):
    """A member's one position on an agenda item: a vote or a declared conflict, never both.

    One row per member and item (a unique constraint), its kind saying which: a vote and a
    conflict declaration sent at the same moment from two tabs end as one row, whichever came
    last, and the tally never sees both.
    """

    __tablename__ = "member_position"
    __table_args__ = (
        UniqueConstraint("agenda_item_id", "member_id"),
        one_of("kind", POSITION_KINDS),
        one_of("choice", CHOICES),
        CheckConstraint("(kind = 'vote') = (choice IS NOT NULL)", name="vote_has_choice"),
        CheckConstraint("kind <> 'conflict' OR reason <> ''", name="conflict_has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    #: A vote's choice; None for a conflict.
    choice: Mapped[str | None] = mapped_column(String(8))
    #: A conflict's reason as the member gave it (personal: never in the audit trail).
    reason: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Staff who recorded it in a meeting; None when the member acted through the ballot link.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))

    agenda_item: Mapped[AgendaItem] = relationship()
    member: Mapped[Member] = relationship()

    __mapper_args__ = {"polymorphic_on": "kind"}


class Vote(Position):
    """A member's choice on an agenda item; changeable while the round is open."""

    __mapper_args__ = {"polymorphic_identity": "vote"}
    cast_at = synonym("at")


class ConflictDeclaration(Position):
    """A member's declared conflict of interest on one item (Befangenheit, § 20 VwVfG)."""

    __mapper_args__ = {"polymorphic_identity": "conflict"}
    declared_at = synonym("at")


class ConflictFlag(Model):
    """A likely conflict of interest the product found when the round opened (§ 20 VwVfG).

    It excludes the member from the item unless the body rules otherwise (ConflictRuling).
    """

    __tablename__ = "conflict_flag"
    __table_args__ = (
        UniqueConstraint("agenda_item_id", "member_id"),
        CheckConstraint("grounds <> ''", name="has_grounds"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    #: The domain's Ground values, comma-separated in a fixed order ("email,name").
    grounds: Mapped[str] = mapped_column(String(60))
    found_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship()

    @property
    def ground_list(self) -> list[str]:
        """The grounds one by one."""
        return self.grounds.split(",")


class ConflictRuling(Model):
    """The body's decision on a member's conflict on one item, recorded by staff (§ 20 (4)).

    One per member and item, never changed (a database trigger refuses it): excluded or not,
    with the reason, who raised the conflict and, in a meeting, whether the member left the room.
    """

    __tablename__ = "conflict_ruling"
    __table_args__ = (
        UniqueConstraint("agenda_item_id", "member_id"),
        one_of("raised_by", RAISED_BY),
        CheckConstraint("reason <> ''", name="has_reason"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("agenda_item.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    raised_by: Mapped[str] = mapped_column(String(10))
    excluded: Mapped[bool]
    reason: Mapped[str] = mapped_column(Text)
    #: In a meeting: whether the excluded member left the room for the item; None elsewhere.
    left_room: Mapped[bool | None]
    decided_by_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    member: Mapped[Member] = relationship()
    agenda_item: Mapped[AgendaItem] = relationship()
    decided_by: Mapped[StaffUser] = relationship()


class Decision(Model):
    """A recorded decision on an application; never edited, a correction supersedes it."""

    __tablename__ = "decision"
    __table_args__ = (
        one_of("outcome", OUTCOMES),
        CheckConstraint(
            "(outcome = 'approved' AND approved_cents IS NOT NULL AND approved_cents > 0) "
            "OR (outcome <> 'approved' AND approved_cents IS NULL)",
            name="approved_amount",
        ),
        CheckConstraint(
            "eligible >= 0 AND participating >= 0 AND quorum_needed >= 0 "
            "AND yes >= 0 AND no >= 0 AND abstain >= 0",
            name="counts_nonnegative",
        ),
        CheckConstraint(
            "supersedes_id IS NULL OR correction_reason <> ''", name="correction_has_reason"
        ),
        # An applicant told "no", or "less than you asked for", is told why (the letter).
        CheckConstraint("outcome <> 'rejected' OR reasons <> ''", name="rejection_has_reasons"),
        CheckConstraint(
            "outcome <> 'approved' OR approved_cents >= requested_cents OR reasons <> ''",
            name="partial_has_reasons",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"), index=True)
    #: At most one decision per agenda item (a correction names none): two staff confirming
    #: the same approval at once cannot both succeed.
    agenda_item_id: Mapped[int | None] = mapped_column(ForeignKey("agenda_item.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(10))
    approved_cents: Mapped[int | None] = mapped_column(BigInteger)
    #: The amount the application asked for when it was decided: below it is a partial approval.
    requested_cents: Mapped[int] = mapped_column(BigInteger)
    conditions: Mapped[str] = mapped_column(Text, default="")
    #: Why the body rejected or cut the request; required then, and told in the letter.
    reasons: Mapped[str] = mapped_column(Text, default="", server_default="")
    #: The tally as computed when the round closed.
    eligible: Mapped[int] = mapped_column(default=0)
    participating: Mapped[int] = mapped_column(default=0)
    quorum_needed: Mapped[int] = mapped_column(default=0)
    yes: Mapped[int] = mapped_column(default=0)
    no: Mapped[int] = mapped_column(default=0)
    abstain: Mapped[int] = mapped_column(default=0)
    #: When the body decided: its round's closing. A correction keeps the date of the decision
    #: it corrects (a database trigger holds it), so the decision stays in its year.
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When this row was written: for a correction, the moment staff corrected the decision.
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_user.id"))
    supersedes_id: Mapped[int | None] = mapped_column(ForeignKey("decision.id"), unique=True)
    correction_reason: Mapped[str] = mapped_column(Text, default="")

    application: Mapped[Application] = relationship()
    agenda_item: Mapped[AgendaItem | None] = relationship()
    decided_by: Mapped[StaffUser | None] = relationship()

    @property
    def dated_at(self) -> datetime:
        """When staff and the letter date this decision: a correction's own moment, else the
        body's (the public pages show decided_at)."""
        return self.recorded_at if self.supersedes_id is not None else self.decided_at
