"""Reconcile the books, decisions, votes and states with the audit trail (`verify-audit`).

The trail's hash chain proves that no event was changed; this proves that the tables say what
the events say: every ledger entry and decision has the event that recorded it, with the same
amounts and tallies, no event names a row that is gone, and every vote or conflict standing
now is the last thing the trail records for that member and item, and every application and
round stands in the state the trail last moved it to. Someone who edits a booking in the
database (after dropping the append-only triggers), removes one, or sets a state by hand shows
up here.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from ..extensions import db
from ..models import Application, AuditEvent, Decision, LedgerEntry, Position, Round
from ..models.rounds import TALLY_COLUMNS
from .audit import Problem

#: The fields of a booking event that must equal the ledger row's columns.
BOOKING_FIELDS = (
    "fund_year_id",
    "kind",
    "amount_cents",
    "application_id",
    "decision_id",
    "payment_type",
    "origin",
)
#: The fields of a decision event that must equal the decision row's columns.
DECISION_FIELDS = ("outcome", "approved_cents", *TALLY_COLUMNS, "supersedes_id")
DECISION_ACTIONS = ("decision.recorded", "decision.confirmed", "decision.corrected")
#: Events that change a member's position on an agenda item.
POSITION_ACTIONS = ("vote.cast", "vote.cleared", "conflict.declared", "conflict.withdrawn")
#: The state each round event leaves a round in (a round without any is still a draft).
ROUND_STATE_ACTIONS = {
    "round.opened": "open",
    "round.closed": "closed",
    "round.objected": "deferred",
}


def _data(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _events(object_type: str, actions: tuple[str, ...]):
    """(id, action, object id, data) of the events of one kind, oldest first, streamed."""
    rows = db.session.execute(
        select(AuditEvent.id, AuditEvent.action, AuditEvent.object_id, AuditEvent.data)
        .where(AuditEvent.object_type == object_type, AuditEvent.action.in_(actions))
        .order_by(AuditEvent.id)
        .execution_options(yield_per=1000)
    )
    for event_id, action, object_id, data in rows:
        yield event_id, action, object_id, _data(data)


def _compare(
    what: str, row_id: int, row: Any, fields: tuple[str, ...], recorded: dict, event_id: int
) -> list[Problem]:
    differing = [name for name in fields if recorded.get(name) != getattr(row, name)]
    if not differing:
        return []
    detail = ", ".join(
        f"{name} is {getattr(row, name)!r}, the trail says {recorded.get(name)!r}"
        for name in differing
    )
    return [Problem(event_id, "mismatch", f"{what} {row_id}: {detail}")]


def _rows_against_events(what: str, model, fields, events) -> list[Problem]:
    """Every row has one event with equal fields; every event's row still exists."""
    problems: list[Problem] = []
    recorded: dict[str, tuple[int, dict]] = {}
    for event_id, _action, object_id, data in events:
        if object_id in recorded:
            problems.append(Problem(event_id, "mismatch", f"{what} {object_id} was recorded twice"))
        recorded[object_id] = (event_id, data)
    for row in db.session.scalars(
        select(model).order_by(model.id).execution_options(yield_per=1000)
    ):
        found = recorded.pop(str(row.id), None)
        if found is None:
            problems.append(
                Problem(None, "unrecorded", f"{what} {row.id} has no event in the trail")
            )
        else:
            problems.extend(_compare(what, row.id, row, fields, found[1], found[0]))
    problems.extend(
        Problem(event_id, "missing", f"{what} {object_id} is recorded but not there")
        for object_id, (event_id, _data) in recorded.items()
    )
    return problems


def _positions() -> list[Problem]:
    """Each standing vote or conflict is the last position change the trail has for it."""
    last: dict[tuple[str, Any], tuple[int, str, dict]] = {}
    for event_id, action, object_id, data in _events("agenda_item", POSITION_ACTIONS):
        last[(object_id, data.get("member_id"))] = (event_id, action, data)
    problems: list[Problem] = []
    for position in db.session.scalars(select(Position).order_by(Position.id)):
        key = (str(position.agenda_item_id), position.member_id)
        event_id, action, data = last.get(key, (None, None, {}))
        what = f"{position.kind} of member {position.member_id} on agenda item {position.agenda_item_id}"
        if position.kind == "vote" and (
            action != "vote.cast" or data.get("choice") != position.choice
        ):
            problems.append(
                Problem(
                    event_id,
                    "mismatch",
                    f"{what} ({position.choice}) is not the last vote in the trail",
                )
            )
        elif position.kind == "conflict" and action != "conflict.declared":
            problems.append(Problem(event_id, "mismatch", f"{what} is not recorded in the trail"))
    return problems


def _last_states(object_type: str, actions: tuple[str, ...], state_of) -> dict[str, tuple]:
    """The last state the trail moved each object to: {object id: (event id, state)}."""
    last: dict[str, tuple[int, str]] = {}
    for event_id, action, object_id, data in _events(object_type, actions):
        state = state_of(action, data)
        if state is not None:
            last[object_id] = (event_id, state)
    return last


def _states() -> list[Problem]:
    """Each application and round stands where the trail's last state change left it."""
    problems: list[Problem] = []
    applications = _last_states(
        "application",
        ("application.state", "application.submitted"),
        lambda _action, data: data.get("to_state"),
    )
    for application_id, state in db.session.execute(
        select(Application.id, Application.state).order_by(Application.id)
    ):
        event_id, recorded = applications.get(str(application_id), (None, None))
        if recorded != state:
            problems.append(
                Problem(
                    event_id,
                    "mismatch" if event_id else "unrecorded",
                    f"application {application_id} is {state!r}, the trail says {recorded!r}",
                )
            )
    rounds = _last_states(
        "round", tuple(ROUND_STATE_ACTIONS), lambda action, _data: ROUND_STATE_ACTIONS[action]
    )
    for round_id, state in db.session.execute(select(Round.id, Round.state).order_by(Round.id)):
        event_id, recorded = rounds.get(str(round_id), (None, "draft"))
        if recorded != state:
            problems.append(
                Problem(
                    event_id,
                    "mismatch",
                    f"round {round_id} is {state!r}, the trail says {recorded!r}",
                )
            )
    return problems


def reconcile() -> list[Problem]:
    """Every difference between the books, decisions, votes and states and the audit trail."""
    return [
        *_rows_against_events(
            "ledger entry", LedgerEntry, BOOKING_FIELDS, _events("ledger_entry", ("booking",))
        ),
        *_rows_against_events(
            "decision", Decision, DECISION_FIELDS, _events("decision", DECISION_ACTIONS)
        ),
        *_positions(),
        *_states(),
    ]
