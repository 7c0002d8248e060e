"""What members do on their ballot, and what staff record for them in a meeting."""

from __future__ import annotations

from sqlalchemy import delete, exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .. import audit
from ..domain.errors import DomainError
from ..domain.voting import Choice
from ..extensions import db
from ..models import AgendaItem, ConflictDeclaration, RoundMember, StaffUser, Vote
from ..models.base import utcnow


def _insert(model):
    """INSERT … ON CONFLICT for the dialect in use (SQLite and PostgreSQL both have it)."""
    return (pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert)(
        model
    )


def _audit(action: str, participant: RoundMember, item: AgendaItem, actor: str, **data) -> None:
    """Record a ballot change on an agenda item in the audit trail."""
    audit.record(
        action,
        actor=actor,
        object_type="agenda_item",
        object_id=item.id,
        area_id=participant.round.body.area_id,
        round_id=participant.round_id,
        application_id=item.application_id,
        member_id=participant.member_id,
        **data,
    )


def _check_open(participant: RoundMember, item: AgendaItem) -> None:
    """Changes only while the round is open, on the round's own items, by members with access."""
    if item.round_id != participant.round_id:
        raise DomainError("ballot.wrong_round")
    round_ = participant.round
    if round_.state != "open" or (round_.mode == "circulation" and utcnow() >= round_.deadline):
        # After the deadline nothing changes, even before `tick` has closed the round.
        raise DomainError("ballot.round_closed")
    if participant.revoked_at is not None or participant.member.removed_at is not None:
        raise DomainError("ballot.no_access")


def is_conflicted(participant: RoundMember, item: AgendaItem) -> bool:
    """True when the member declared a conflict of interest on this item."""
    return (
        db.session.scalar(
            select(ConflictDeclaration.id).where(
                ConflictDeclaration.agenda_item_id == item.id,
                ConflictDeclaration.member_id == participant.member_id,
            )
        )
        is not None
    )


def cast_vote(
    participant: RoundMember, item: AgendaItem, choice: str, *, recorded_by: StaffUser | None = None
) -> None:
    """Record or change a vote; one row per member and item however often it is sent."""
    _check_open(participant, item)
    choice = Choice(choice).value if choice in {c.value for c in Choice} else None
    if choice is None:
        raise DomainError("ballot.choice_required", field="choice")
    if participant.round.mode == "meeting":
        if recorded_by is None:
            raise DomainError("ballot.meeting_mode")
        if not participant.present:
            raise DomainError("ballot.not_present")
    # The conflict check and the earlier vote in one round trip: this runs on every vote.
    conflicted, previous = db.session.execute(
        select(
            exists().where(
                ConflictDeclaration.agenda_item_id == item.id,
                ConflictDeclaration.member_id == participant.member_id,
            ),
            select(Vote.choice)
            .where(Vote.agenda_item_id == item.id, Vote.member_id == participant.member_id)
            .scalar_subquery(),
        )
    ).one()
    if conflicted:
        raise DomainError("ballot.conflicted")
    values = dict(
        agenda_item_id=item.id,
        member_id=participant.member_id,
        choice=choice,
        cast_at=utcnow(),
        recorded_by_id=recorded_by.id if recorded_by else None,
    )
    statement = _insert(Vote).values(**values)
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["agenda_item_id", "member_id"],
            set_={
                "choice": choice,
                "cast_at": values["cast_at"],
                "recorded_by_id": values["recorded_by_id"],
            },
        )
    )
    if previous != choice:  # the same vote sent again changes nothing
        _audit(
            "vote.cast",
            participant,
            item,
            f"staff:{recorded_by.id}" if recorded_by else f"member:{participant.member_id}",
            choice=choice,
            previous=previous,
        )


def declare_conflict(
    participant: RoundMember, item: AgendaItem, reason: str, *, recorded_by: StaffUser | None = None
) -> None:
    """Declare a conflict of interest on an item: the member's vote on it is withdrawn."""
    _check_open(participant, item)
    if not reason.strip():
        raise DomainError("ballot.reason_required", field="reason")
    if not is_conflicted(participant, item):  # the reason is not recorded: it may be personal
        _audit(
            "conflict.declared",
            participant,
            item,
            f"staff:{recorded_by.id}" if recorded_by else f"member:{participant.member_id}",
        )
    db.session.execute(
        delete(Vote).where(Vote.agenda_item_id == item.id, Vote.member_id == participant.member_id)
    )
    statement = _insert(ConflictDeclaration).values(
        agenda_item_id=item.id,
        member_id=participant.member_id,
        reason=reason.strip(),
        declared_at=utcnow(),
        recorded_by_id=recorded_by.id if recorded_by else None,
    )
    db.session.execute(
        statement.on_conflict_do_update(
            index_elements=["agenda_item_id", "member_id"],
            set_={"reason": reason.strip()},
        )
    )


def withdraw_conflict(participant: RoundMember, item: AgendaItem) -> None:
    """Take back a conflict declared by mistake; the member may then vote on the item."""
    _check_open(participant, item)
    removed = db.session.execute(
        delete(ConflictDeclaration).where(
            ConflictDeclaration.agenda_item_id == item.id,
            ConflictDeclaration.member_id == participant.member_id,
        )
    )
    if removed.rowcount:
        actor = audit.actor_for_request()
        _audit(
            "conflict.withdrawn",
            participant,
            item,
            actor if actor != "system" else f"member:{participant.member_id}",
        )


def clear_vote(participant: RoundMember, item: AgendaItem, *, recorded_by: StaffUser) -> None:
    """Remove a member's vote on an item (staff correcting the meeting record)."""
    _check_open(participant, item)
    removed = db.session.execute(
        delete(Vote).where(Vote.agenda_item_id == item.id, Vote.member_id == participant.member_id)
    )
    if removed.rowcount:
        _audit("vote.cleared", participant, item, f"staff:{recorded_by.id}")


def set_presence(participant: RoundMember, present: bool) -> None:
    """Record in a meeting whether a member is present; an absent member's votes are withdrawn."""
    if participant.round.mode != "meeting" or participant.round.state != "open":
        raise DomainError("ballot.round_closed")
    if participant.present != present:
        audit.record(
            "presence.set",
            actor=audit.actor_for_request(),
            object_type="round_member",
            object_id=participant.id,
            area_id=participant.round.body.area_id,
            round_id=participant.round_id,
            member_id=participant.member_id,
            present=present,
        )
    participant.present = present
    if not present:
        item_ids = [item.id for item in participant.round.agenda]
        db.session.execute(
            delete(Vote).where(
                Vote.agenda_item_id.in_(item_ids), Vote.member_id == participant.member_id
            )
        )
    db.session.flush()
