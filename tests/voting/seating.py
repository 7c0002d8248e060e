"""Helpers for tests of who holds a seat in a round: deputies, the chair, members by seat."""

from __future__ import annotations

from datetime import date

from juryfund.extensions import db
from juryfund.models import Member, Round, RoundMember
from juryfund.services import setup


def deputy(body, n: int, role: str = "resident") -> Member:
    """A deputy of the body (in the resident group unless told), serving since 2020."""
    made = setup.save_member(
        None,
        body,
        name=f"Deputy {n}",
        email=f"deputy{n}.b{body.id}@example.org",
        language="de",
        role=role,
        term_start=date(2020, 1, 1),
        term_end=None,
        seat="deputy",
    )
    db.session.commit()
    return made


def full(body) -> list[Member]:
    """The body's full members, in order."""
    return [m for m in body.members if m.seat == "full"]


def p(round_: Round, member: Member) -> RoundMember:
    """The member's place in the round."""
    return next(x for x in round_.participants if x.member_id == member.id)
