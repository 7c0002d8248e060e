"""A member's whole ballot page, kept while nothing it shows has changed (issue 18).

A juror opens the ballot again and again: after reading a file, after the script saved a vote,
the evening before the deadline. The page is a pure function of a few inputs, all in the key:

- the public data (agenda, dossiers, rounds, members, rulings, flags, seats, money): the content
  version, which every commit changing any of it moves on (pagecache.py);
- what the version leaves out on purpose, the member's own rows: their grant in the round
  (seat, link generation, revocation) and their votes and conflict declarations, read fresh;
- the clock, as far as the page shows it: whether the member may still act, and the fund year
  of the money left;
- what the request's language is chosen from (cookie, browser), and its path (the language
  links point back to it).

A kept page is answered after two small reads instead of the agenda's and the member's state
through the ORM and the template. The session's CSRF token goes in after, where the rendering
had its own.
Whatever refuses the request (no grant, a revoked or replaced link, a closed round past its
grace) is left to the full view, which shows the proper page for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import Flask, current_app, request
from flask_wtf.csrf import generate_csrf
from sqlalchemy import and_, bindparam, select

from ...domain.lifecycles import access_refusal, ballot_refusal, vote_ended_at, within_term
from ...infra import clock
from ...models import AgendaItem, Area, Body, ConflictDeclaration, Member, Position, Round
from ...models import RoundMember as Participant
from ...services import ballots
from ..pagecache import (
    PageCache,
    cacheable,
    current_version,
    language_inputs,
    read_committed,
    version_column,
    version_read_with,
)

#: Pages kept per worker. Those of the members voting these days: a round has a dozen members,
#: and a page of twenty dossiers is about 110 kB (at most 22 MB per worker).
PAGES_KEPT = 200

#: The member's grant with what decides whether it opens the ballot now, and one row per item
#: of the round with the member's vote or declaration on it (NULLs where none): one round trip.
_STATE = (
    select(
        Participant.id,
        Participant.round_id,
        Participant.seat,
        Participant.link_version,
        Participant.revoked_at,
        Member.removed_at,
        Member.term_start,
        Member.term_end,
        Round.state,
        Round.mode,
        Round.deadline,
        Round.meeting_at,
        Round.began_at,
        Round.closed_at,
        Area.timezone,
        Position.agenda_item_id,
        Position.kind,
        Position.choice,
        Position.reason,
        # The data version comes along: one read for the whole key.
        version_column(),
    )
    .select_from(Participant)
    .join(Member, Member.id == Participant.member_id)
    .join(Round, Round.id == Participant.round_id)
    .join(Body, Body.id == Round.body_id)
    .join(Area, Area.id == Body.area_id)
    # The round's items (one row each), then the member's position on each by the unique
    # (item, member) index: a member of many years has thousands of positions in other
    # rounds, which neither database must walk (measured at 100,000 applications: 8 ms on
    # PostgreSQL filtering them, 300 ms on SQLite joining them first; 0.4 ms so).
    .outerjoin(AgendaItem, AgendaItem.round_id == Participant.round_id)
    .outerjoin(
        Position,
        and_(Position.agenda_item_id == AgendaItem.id, Position.member_id == Participant.member_id),
    )
    .where(Participant.id == bindparam("participant_id"))
    .order_by(Position.agenda_item_id)
)


@dataclass(frozen=True)
class MemberState:
    """The member's own rows that the ballot shows and the content version does not cover."""

    participant_id: int
    link_version: int
    seat: str
    revoked_at: datetime | None
    removed_at: datetime | None
    #: (item id, kind, choice, reason) of each vote and conflict declaration, by item.
    positions: tuple[tuple[int, str, str | None, str], ...]


def init_app(app: Flask) -> None:
    """Give the app its kept ballot pages (none when the page cache is switched off)."""
    size = PAGES_KEPT if app.config["JURYFUND_PAGE_CACHE_SIZE"] > 0 else 0
    app.extensions["juryfund.ballotpages"] = PageCache(size)


def _pages() -> PageCache:
    return current_app.extensions["juryfund.ballotpages"]


def page_key(round_id: int, participant_id: int | None, version: int) -> tuple | None:
    """The kept page's key for this session's grant, or None when the full view must answer.

    None when nothing may be kept (staff signed in, a message to show), when the grant does not
    open the ballot now (the full view refuses it properly), or when the cache is off.
    """
    if _pages().size <= 0 or not isinstance(participant_id, int) or not cacheable():
        return None
    # Before the request's transaction, in one round trip (pagecache.read_committed).
    rows = read_committed(_STATE, {"participant_id": participant_id})
    if not rows:
        return None
    (pid, granted_round, seat, link_version, revoked_at, removed_at) = rows[0][:6]
    (term_start, term_end) = rows[0][6:8]
    (round_state, mode, deadline, meeting_at, began_at, closed_at, timezone) = rows[0][8:15]
    if granted_round != round_id or link_version != version:
        return None
    version_read_with(rows[0][19])
    now = clock.now()
    # The area's day whose membership counts (as ballots.membership_as_of and refusal_now).
    ended = vote_ended_at(
        mode=mode, deadline=deadline, closed_at=closed_at, meeting_at=meeting_at, began_at=began_at
    )
    member_day = clock.local_day(min(now, ended) if ended is not None else now, timezone)
    if access_refusal(
        revoked=revoked_at is not None,
        removed=removed_at is not None,
        state=round_state,
        due=deadline if mode == "circulation" else meeting_at,
        now=now,
        member_day=member_day,
        term_end=term_end,
    ):
        return None
    state = MemberState(
        participant_id=pid,
        link_version=link_version,
        seat=seat,
        revoked_at=revoked_at,
        removed_at=removed_at,
        # A vote's reason is not shown (and always empty): only a declaration's is.
        positions=tuple(
            (item_id, kind, choice, reason if kind == "conflict" else "")
            for item_id, kind, choice, reason in (row[15:19] for row in rows)
            if item_id is not None
        ),
    )
    # As ballots.refusal_now: the forms only within the member's term (its start included).
    may_act = ballot_refusal(
        state=round_state,
        mode=mode,
        deadline=deadline,
        now=now,
        revoked=revoked_at is not None or removed_at is not None,
    ) is None and within_term(member_day, term_start, term_end)
    # A meeting's ballot offers a conflict declaration only until the meeting begins.
    begun = ballots.meeting_has_begun(mode=mode, meeting_at=meeting_at, began_at=began_at, now=now)
    return (
        "ballot-page",
        state,
        may_act,
        begun,
        clock.today_in(timezone).year,
        current_version(),
        # What the language is chosen from, not the chosen one: asked now, before the view has
        # loaded the area, it would be chosen without the area's own offer of languages (which
        # the content version covers).
        *language_inputs(),
        request.full_path,
    )


def kept_page(key: tuple) -> bytes | None:
    """The kept page for this key with the session's CSRF token in place, or None."""
    found = _pages().get(key)
    if found is None:
        return None
    # Kept split at the token's places, joined around this session's token.
    return generate_csrf().encode().join(found[0])


def keep(
    key: tuple,
    html: str,
    participant: Participant,
    votes: dict[int, str],
    declared: dict[int, ConflictDeclaration],
) -> None:
    """Keep the page the full view rendered, if it rendered the state the key was read for.

    The view reads the member's rows again (through the ORM) after the key's reads; a vote or
    a revocation between the two would otherwise keep a page under a state it does not show.
    """
    state: MemberState = key[1]
    rendered_positions = tuple(
        sorted(
            [(item_id, "vote", choice, "") for item_id, choice in votes.items()]
            + [
                (item_id, "conflict", None, declaration.reason)
                for item_id, declaration in declared.items()
            ]
        )
    )
    rendered = MemberState(
        participant_id=participant.id,
        link_version=participant.link_version,
        seat=participant.seat,
        revoked_at=participant.revoked_at,
        removed_at=participant.member.removed_at,
        positions=rendered_positions,
    )
    if rendered != state:
        return
    token = generate_csrf()
    _pages().put(key, tuple(part.encode() for part in html.split(token)), [])
