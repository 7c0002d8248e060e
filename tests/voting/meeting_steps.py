"""Helpers for tests of a meeting round: one opened on a day, members marked present voting."""

from __future__ import annotations

from datetime import datetime

from juryfund.extensions import db
from juryfund.models import AgendaItem, Round
from juryfund.services import ballots, rounds
from tests.voting.seating import p


def meeting(jury, staff, applications, *, when: datetime) -> Round:
    """An opened meeting round of the jury on these applications, held (or to be held) `when`."""
    round_ = rounds.save_round(
        None, jury, mode="meeting", title="Jurysitzung", when=when, place="Etage", actor=staff.actor
    )
    rounds.set_agenda(round_, [a.id for a in applications])
    rounds.open_round(round_, actor=staff.actor)
    db.session.commit()
    return round_


def present_and_voting(round_: Round, staff, members, choices) -> AgendaItem:
    """Mark the members present and record their choices on the first item; that item."""
    item = round_.agenda[0]
    for member, choice in zip(members, choices, strict=True):
        ballots.set_presence(p(round_, member), True, actor=staff.actor)
        ballots.cast_vote(p(round_, member), item, choice, actor=staff.actor)
    db.session.commit()
    return item
