"""The audit trail: an append-only, hash-chained log of what happened and who did it.

`record()` queues an event in the current transaction. When the transaction commits, its queued
events are chained onto the newest stored event and inserted with the rest of the transaction,
so an event exists exactly when the change it describes does.

Each area's events form a chain of their own (`chain` is the area's id; events of no area, such
as staff accounts, join the installation's chain, 0), so writes in different areas never queue
behind one another. Each event is sealed with HMAC-SHA256 over a canonical JSON document of its
contents and the previous event's seal in its chain (`event_hash`), keyed with the audit key
(JURYFUND_AUDIT_KEY). The key is never stored in the database: someone with database access who
changes an event and recomputes the chain cannot make the seals right without it. Each event
names the key that sealed it (`key_id`, a fingerprint that reveals nothing of the key), so keys
rotate: a new key seals new events, the old ones still verify as long as their key is listed.
Changing a stored event breaks its own seal; removing one breaks the link of its successor and
leaves a gap in its chain's numbers (`seq`: 1, 2, 3, … per chain, assigned by the chain itself,
unique with the chain in the database). Moving an event to another chain or place leaves a gap
where it was and a broken link where it lands. `verify()` walks every chain and reports each
break.

Chaining happens at commit, under a lock per chain held until the transaction ends, so two
transactions never chain onto the same event: on PostgreSQL a transaction-level advisory lock
keyed by the chain, on SQLite the database write lock (taken by a write before the newest hash
is read, as `ledger.lock_fund_year` does). Taking the locks last, after every other lock of the
transaction, and several chains' in ascending order, means they can never be part of a
deadlock, and they are held only for the few statements of the commit.

What cannot be caught from inside the database: removing the newest events of a chain (nothing
follows them). `flask juryfund audit-head` prints a signed head (every chain's newest event and
seal, signed with the audit key) to keep outside the database; `verify-audit --expect` checks it
later. Events stored before chains were per area form the installation's chain, numbered as they
were, so heads and seals noted then still verify.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from fractions import Fraction
from typing import Any, Protocol

from flask import current_app
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, SessionTransaction

from ..domain.actors import Actor
from ..extensions import db
from ..models import (
    AgendaItem,
    Application,
    AuditEvent,
    Decision,
    LedgerEntry,
    Round,
    RoundMember,
)
from ..models.base import utcnow

#: The "previous hash" of the first event.
GENESIS = "0" * 64
#: First key of the PostgreSQL advisory locks that serialise chaining, one per chain ("jury" in
#: ASCII); the second key is the chain.
LOCK_CLASS = 0x6A757279
#: Where a session keeps the events it will chain at commit.
_PENDING = "juryfund.audit.pending"


# --- recording ---------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON-friendly form of the values services pass as details."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Fraction):
        return f"{value.numerator}/{value.denominator}"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"cannot record {type(value).__name__} in the audit trail")


def canonical_data(data: dict[str, Any]) -> str:
    """The details as canonical JSON: sorted keys, no blanks, UTF-8 kept as it is."""
    return json.dumps(
        data, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain
    )


def _iso(at: datetime) -> str:
    """A UTC timestamp in one fixed spelling, with microseconds (both databases keep them)."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def key_id(key: str) -> str:
    """A short fingerprint that names an audit key in each event without revealing it."""
    return hmac.new(key.encode(), b"juryfund audit key id", hashlib.sha256).hexdigest()[:12]


def audit_keys() -> dict[str, str]:
    """The configured audit keys by fingerprint; the first of the setting seals new events."""
    return {key_id(key): key for key in current_app.config["JURYFUND_AUDIT_KEYS"]}


def sealing_key() -> tuple[str, str]:
    """(fingerprint, key) of the key that seals new events."""
    key = current_app.config["JURYFUND_AUDIT_KEYS"][0]
    return key_id(key), key


def event_hash(
    *,
    key: str,
    key_id: str,
    prev_hash: str,
    at: datetime,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    area_id: int | None,
    data: str,
) -> str:
    """HMAC-SHA256 (hex) with the audit key of the canonical JSON of an event's contents, the
    key's fingerprint and its predecessor's seal.

    `data` is the stored JSON text itself (already canonical), so any change to it counts.
    """
    document = json.dumps(
        {
            "key_id": key_id,
            "prev_hash": prev_hash,
            "at": _iso(at),
            "actor": actor,
            "action": action,
            "object_type": object_type,
            "object_id": object_id,
            "area_id": area_id,
            "data": data,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
    )
    return hmac.new(key.encode(), document.encode("utf-8"), hashlib.sha256).hexdigest()


def _hash_of(row: Any, key: str) -> str:
    """The seal an event (model or row) should carry under a key."""
    return event_hash(
        key=key,
        key_id=row.key_id,
        prev_hash=row.prev_hash,
        at=row.at,
        actor=row.actor,
        action=row.action,
        object_type=row.object_type,
        object_id=row.object_id,
        area_id=row.area_id,
        data=row.data,
    )


def record(
    action: str,
    *,
    actor: Actor,
    object_type: str,
    object_id: int | str,
    area_id: int | None = None,
    **data: Any,
) -> AuditEvent:
    """Queue an event in the current transaction; it is chained and stored at commit.

    The returned event gets its chain, seq, prev_hash and hash at commit (its id stays with the
    database); a rollback drops it with the rest of the transaction (or of the savepoint it was
    recorded in).
    """
    audit_event = AuditEvent(
        at=utcnow(),
        actor=actor.name[:80],
        action=action,
        object_type=object_type,
        object_id=str(object_id)[:40],
        area_id=area_id,
        data=canonical_data(data),
    )
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction()
    session.info.setdefault(_PENDING, []).append((audit_event, transaction))
    return audit_event


class StoredRow(Protocol):
    """A stored row an audit event can be about: its table and id name it."""

    __tablename__: str

    @property
    def id(self) -> int: ...


def record_about(
    subject: StoredRow,
    action: str,
    *,
    actor: Actor,
    area_id: int | None = None,
    columns: Iterable[str] = (),
    **data: Any,
) -> AuditEvent:
    """Queue an event about one stored row, copying the named columns of it into the event."""
    copied = {name: getattr(subject, name) for name in columns}
    return record(
        action,
        actor=actor,
        object_type=subject.__tablename__,
        object_id=subject.id,
        area_id=area_id,
        **copied,
        **data,
    )


#: Plain SQL for the statements under a chain's lock: the ORM's statement handling would cost
#: more than the statements themselves, and every write of the area waits.
_LOCK_SQL = {
    # A transaction-level advisory lock per chain: (LOCK_CLASS, chain) names it.
    "postgresql": f"SELECT pg_advisory_xact_lock({LOCK_CLASS}, %s)",
    # A write, even of no row, takes SQLite's database write lock (waiting busy_timeout for it)
    # and, under pysqlite's deferred BEGIN, starts the transaction if nothing else did: the
    # newest event is then read inside the lock. SQLite has one writer at a time anyway, so one
    # lock serves every chain.
    "sqlite": "UPDATE audit_event SET id = id WHERE 1 = 0",
}
_NEWEST_SQL = {
    "postgresql": "SELECT seq, hash FROM audit_event WHERE chain = %s ORDER BY seq DESC LIMIT 1",
    "sqlite": "SELECT seq, hash FROM audit_event WHERE chain = ? ORDER BY seq DESC LIMIT 1",
}


def chain_of(area_id: int | None) -> int:
    """The chain an event joins: its area's, or the installation's (0) when it has no area."""
    return area_id or 0


def _lock(session: Session, chains: list[int]) -> None:
    """Make every other transaction that wants to chain onto these chains wait until this one
    ends. Chains are locked in ascending order, so two transactions never wait for each other."""
    dialect = session.get_bind().dialect.name
    sql = _LOCK_SQL.get(dialect)
    if sql is None:
        return
    connection = session.connection()
    if dialect == "sqlite":
        connection.exec_driver_sql(sql)
        return
    for chain in chains:
        connection.exec_driver_sql(sql, (chain,))


def chain_pending(session: Session) -> None:
    """At commit: lock the chains of the queued events, read each chain's newest event, chain
    the events onto it and add them.

    Every write of an area waits for its chain's lock, so it is held as briefly as possible:
    the transaction's own rows are written before it is taken, and the sealed events go in
    with one plain INSERT (no unit of work under the lock). Three round trips remain under it
    for a transaction of one area (lock, newest event, insert) besides the commit. Writes of
    different areas take different locks and do not wait for each other (on PostgreSQL; SQLite
    has one writer at a time whatever the chains).
    """
    pending = session.info.get(_PENDING)
    if not pending:
        return
    session.flush()
    by_chain: dict[int, list[AuditEvent]] = {}
    for audit_event, _transaction in pending:
        by_chain.setdefault(chain_of(audit_event.area_id), []).append(audit_event)
    chains = sorted(by_chain)
    _lock(session, chains)
    connection = session.connection()
    newest_sql = _NEWEST_SQL[connection.dialect.name]
    fingerprint, key = sealing_key()
    rows = []
    for chain in chains:
        last = connection.exec_driver_sql(newest_sql, (chain,)).first()
        seq, prev_hash = (last[0] + 1, last[1]) if last is not None else (1, GENESIS)
        for audit_event in by_chain[chain]:
            audit_event.chain, audit_event.seq, audit_event.prev_hash = chain, seq, prev_hash
            audit_event.key_id = fingerprint
            audit_event.hash = _hash_of(audit_event, key)
            rows.append({column: getattr(audit_event, column) for column in _EVENT_COLUMNS})
            seq, prev_hash = seq + 1, audit_event.hash
    connection.execute(AuditEvent.__table__.insert(), rows)
    session.info[_PENDING] = []  # only now: a commit that failed before here keeps them queued


#: Every column of an event but its id (the database's): all are set by `record` and the chain.
_EVENT_COLUMNS = tuple(column.key for column in AuditEvent.__table__.columns if column.key != "id")


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    """True when `transaction` is `ended` or nested inside it (None: the whole session)."""
    if transaction is None:
        return ended.parent is None
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


def drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """Forget the events of a transaction or savepoint that was rolled back."""
    pending = session.info.get(_PENDING)
    if pending:
        session.info[_PENDING] = [
            (audit_event, transaction)
            for audit_event, transaction in pending
            if not _within(transaction, previous_transaction)
        ]


def drop_at_end(session: Session, transaction: SessionTransaction) -> None:
    """When the outermost transaction ends without a commit (e.g. the session is closed)."""
    if transaction.parent is None and session.info.get(_PENDING):
        session.info[_PENDING] = []


# --- reading -----------------------------------------------------------------------------------


def _about(object_type: str, ids: list[int]):
    """Events about these objects of one type."""
    return and_(
        AuditEvent.object_type == object_type,
        AuditEvent.object_id.in_([str(i) for i in ids]),
    )


def events_for_application(application: Application) -> list[AuditEvent]:
    """Everything recorded about an application: its states and notes, the votes and conflicts
    on its agenda items, its decisions and its bookings; oldest first."""
    item_ids = list(
        db.session.scalars(select(AgendaItem.id).where(AgendaItem.application_id == application.id))
    )
    decision_ids = list(
        db.session.scalars(select(Decision.id).where(Decision.application_id == application.id))
    )
    entry_ids = list(
        db.session.scalars(
            select(LedgerEntry.id).where(LedgerEntry.application_id == application.id)
        )
    )
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.area_id == application.area_id,
                or_(
                    _about("application", [application.id]),
                    _about("agenda_item", item_ids),
                    _about("decision", decision_ids),
                    _about("ledger_entry", entry_ids),
                ),
            )
            .order_by(AuditEvent.id)
        )
    )


def events_for_round(round_: Round) -> list[AuditEvent]:
    """Everything recorded about a round: opening, objection, closing, members' access and
    presence, votes and conflicts on its items, and the decisions on them; oldest first."""
    item_ids = list(
        db.session.scalars(select(AgendaItem.id).where(AgendaItem.round_id == round_.id))
    )
    participant_ids = list(
        db.session.scalars(select(RoundMember.id).where(RoundMember.round_id == round_.id))
    )
    decision_ids = (
        list(db.session.scalars(select(Decision.id).where(Decision.agenda_item_id.in_(item_ids))))
        if item_ids
        else []
    )
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(
                AuditEvent.area_id == round_.body.area_id,
                or_(
                    _about("round", [round_.id]),
                    _about("agenda_item", item_ids),
                    _about("round_member", participant_ids),
                    _about("decision", decision_ids),
                ),
            )
            .order_by(AuditEvent.id)
        )
    )


def details(audit_event: AuditEvent) -> dict[str, Any]:
    """An event's details as a dict ({} if the stored text is not JSON any more)."""
    try:
        value = json.loads(audit_event.data)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


# --- verifying ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One break in the chain.

    kind: "edited" (contents do not match the event's own hash), "rewritten" (changed and
    re-hashed: its successor was chained to another hash), "removed" (ids missing), "fork" (an
    event chained to an older event than its predecessor), "unlinked" (the first event does not
    start the chain), "head" (an expected head is gone or its signature is wrong),
    "unknown key" (sealed with a key that is not configured, so the seal cannot be checked).
    """

    event_id: int | None
    kind: str
    message: str

    def __str__(self) -> str:
        where = f"event {self.event_id}" if self.event_id is not None else "chain"
        return f"{where}: {self.kind}: {self.message}"


def head() -> tuple[int, str]:
    """How many events there are and the seal of the newest one stored (GENESIS when none)."""
    count = db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    newest = db.session.scalar(select(AuditEvent.hash).order_by(AuditEvent.id.desc()).limit(1))
    return count, newest or GENESIS


def heads() -> dict[int, tuple[int, str]]:
    """Each chain's newest event, as {chain: (seq, seal)}."""
    newest = (
        select(AuditEvent.chain, func.max(AuditEvent.seq).label("seq"))
        .group_by(AuditEvent.chain)
        .subquery()
    )
    rows = db.session.execute(
        select(AuditEvent.chain, AuditEvent.seq, AuditEvent.hash).join(
            newest, and_(AuditEvent.chain == newest.c.chain, AuditEvent.seq == newest.c.seq)
        )
    )
    return {chain: (seq, seal) for chain, seq, seal in rows}


#: Version tag of a signed head: "<tag>.<key id>.<signature>.<chain>-<seq>-<seal>,…".
HEAD_TAG = "jfhead2"
#: The tag of heads signed before chains were per area: "<tag>.<count>.<seal>.<key id>.<sig>".
ONE_CHAIN_HEAD_TAG = "jfhead1"


def _head_signature(key: str, tag: str, body: str) -> str:
    return hmac.new(key.encode(), f"{tag}|{body}".encode(), hashlib.sha256).hexdigest()


def signed_head() -> str:
    """Every chain's newest event (its place and seal) signed with the sealing key, to be kept
    outside the database and checked later with `verify(expect_head=...)`."""
    body = ",".join(f"{chain}-{seq}-{seal}" for chain, (seq, seal) in sorted(heads().items()))
    fingerprint, key = sealing_key()
    return f"{HEAD_TAG}.{fingerprint}.{_head_signature(key, HEAD_TAG, body)}.{body}"


@dataclass(frozen=True)
class ExpectedHead:
    """An event noted earlier: its seal and, for a signed head, its place (chain and seq)."""

    seal: str
    chain: int | None = None
    seq: int | None = None

    def found_in(self, row: Any) -> bool:
        """True when `row` is this event (in its place, when the place is known)."""
        return (
            row.hash == self.seal
            and self.chain in (None, row.chain)
            and self.seq in (None, row.seq)
        )

    def describe(self) -> str:
        """Where the event was, for a report."""
        if self.chain is None:
            return f"no event has the expected seal {self.seal}"
        return f"event {self.seq} of {_chain_name(self.chain)} with the seal {self.seal} is gone"


def _chain_name(chain: int) -> str:
    return "the installation's chain" if chain == 0 else f"the chain of area {chain}"


_FORGED = Problem(
    None,
    "head",
    "the signed head does not verify: it was changed, or signed with a key that is not configured",
)


def parse_head(text_: str) -> tuple[list[ExpectedHead], Problem | None]:
    """Read a bare seal or a signed head (of either version) into the events it expects; a
    signed head whose signature is wrong is a problem."""
    text_ = text_.strip().lower()
    parts = text_.split(".")
    if len(parts) == 4 and parts[0] == HEAD_TAG:
        return _parse_chains_head(*parts[1:])
    if len(parts) == 5 and parts[0] == ONE_CHAIN_HEAD_TAG:
        return _parse_one_chain_head(*parts[1:])
    return [ExpectedHead(seal=text_)], None


def _parse_chains_head(
    fingerprint: str, signature: str, body: str
) -> tuple[list[ExpectedHead], Problem | None]:
    key = audit_keys().get(fingerprint)
    if key is None or not hmac.compare_digest(signature, _head_signature(key, HEAD_TAG, body)):
        return [], _FORGED
    expected = []
    for place in filter(None, body.split(",")):
        chain, seq, seal = place.split("-")
        expected.append(ExpectedHead(seal=seal, chain=int(chain), seq=int(seq)))
    return expected, None


def _parse_one_chain_head(
    count_text: str, seal: str, fingerprint: str, signature: str
) -> tuple[list[ExpectedHead], Problem | None]:
    """A head signed when the trail was one chain: that chain is the installation's now, its
    events numbered as they were (migration c9d0e1f2a3b4)."""
    key = audit_keys().get(fingerprint)
    if (
        key is None
        or not count_text.isdigit()
        or not hmac.compare_digest(
            signature, _head_signature(key, ONE_CHAIN_HEAD_TAG, f"{count_text}|{seal}")
        )
    ):
        return [], _FORGED
    count = int(count_text)
    return ([ExpectedHead(seal=seal, chain=0, seq=count)] if count else []), None


def verify(*, expect_head: str | None = None) -> list[Problem]:
    """Walk every chain in order and report every edited, rewritten, removed or forked event.

    With `expect_head` (a seal or a signed head noted earlier), also report each event it names
    that is no longer there, which is how removing the newest events of a chain shows.
    """
    expected, head_problem = parse_head(expect_head) if expect_head else ([], None)
    keys = audit_keys()
    table = AuditEvent.__table__
    problems: list[Problem] = [head_problem] if head_problem else []
    # The expected events by seal: each row looks its own seal up (one dict lookup, however
    # many chains a head names).
    unseen: dict[str, list[ExpectedHead]] = {}
    for head_ in expected:
        unseen.setdefault(head_.seal, []).append(head_)
    previous = None
    rows = db.session.execute(
        select(table).order_by(table.c.chain, table.c.seq).execution_options(yield_per=500)
    )
    for row in rows:
        if previous is not None and previous.chain != row.chain:
            previous = None  # a new chain starts
        key = keys.get(row.key_id)
        intact = key is not None and _hash_of(row, key) == row.hash
        if key is None:
            problems.append(
                Problem(
                    row.id,
                    "unknown key",
                    f"sealed with key {row.key_id or '(none)'}, which is not configured: its "
                    "seal cannot be checked",
                )
            )
        elif not intact:
            problems.append(
                Problem(row.id, "edited", "its contents do not match its seal: the row was changed")
            )
        if row.hash in unseen:
            unseen[row.hash] = [head_ for head_ in unseen[row.hash] if not head_.found_in(row)]
        expected_seq = previous.seq + 1 if previous is not None else 1
        expected_prev = previous.hash if previous is not None else GENESIS
        if row.seq != expected_seq:
            missing = (
                f"event {expected_seq}"
                if row.seq == expected_seq + 1
                else f"events {expected_seq} to {row.seq - 1}"
            )
            problems.append(
                Problem(
                    row.id,
                    "removed",
                    f"{missing} of {_chain_name(row.chain)} before it are missing",
                )
            )
        elif row.prev_hash != expected_prev:
            problems.extend(_broken_link(row, previous, intact or key is None))
        previous = row
    problems.extend(
        Problem(
            None,
            "head",
            head_.describe() + ": newer events were removed or the chain was rewritten",
        )
        for heads_of_seal in unseen.values()
        for head_ in heads_of_seal
        if head_.seal != GENESIS
    )
    return problems


def _broken_link(row: Any, previous: Any, intact: bool) -> list[Problem]:
    """Explain why an event does not follow its predecessor in its chain (seqs are consecutive)."""
    table = AuditEvent.__table__
    if previous is None:
        return [Problem(row.id, "unlinked", "the first event does not start its chain")]
    parent_id = db.session.scalar(select(table.c.id).where(table.c.hash == row.prev_hash))
    if parent_id is not None or row.prev_hash == GENESIS:
        parent = f"event {parent_id}" if parent_id is not None else "the start of a chain"
        return [
            Problem(
                row.id,
                "fork",
                f"it is chained to {parent}, not to event {previous.id}: the chain forked",
            )
        ]
    if not intact:
        return []  # its own prev_hash was changed; reported as edited above
    return [
        Problem(
            previous.id,
            "rewritten",
            f"it was changed and its hash recomputed, or events after it were removed: event "
            f"{row.id} was chained to a different hash",
        )
    ]
