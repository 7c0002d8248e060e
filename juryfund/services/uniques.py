"""Writes that must be new (an account's email, an area's slug, a member's email in a body).

A check before the write cannot see a row another request writes at the same moment; the
database's unique constraint can. So the write is flushed in a savepoint, and a refusal of the
named constraint becomes the same DomainError the check gives: the loser of a race (two admins,
a double click) is told "taken" next to the field, the rest of its transaction intact.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager

from sqlalchemy import Index, UniqueConstraint
from sqlalchemy.exc import IntegrityError

from ..domain.errors import DomainError
from ..extensions import db

#: SQLite's message names the columns, not the constraint ("… failed: member.body_id, …").
_SQLITE_UNIQUE = "UNIQUE constraint failed: "


@contextmanager
def written_once(refusals: Mapping[str, DomainError]) -> Iterator[None]:
    """Run the block's writes in a savepoint, flushed at its end; a unique constraint named in
    `refusals` that refuses them raises its DomainError (any other IntegrityError is raised).

    Rows must be added and changed inside the block: the savepoint's start flushes whatever
    was pending before it, outside the savepoint.
    """
    try:
        with db.session.begin_nested():
            yield
    except IntegrityError as error:
        for name, refusal in refusals.items():
            if violated(error, name):
                raise refusal from None
        raise


def violated(error: IntegrityError, name: str) -> bool:
    """Whether the database refused a write for the unique constraint or index `name`."""
    # PostgreSQL (psycopg) names the constraint; SQLite names its table's columns.
    diag = getattr(error.orig, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    if constraint is not None:
        return bool(constraint == name)
    message = str(error.orig)
    return message.startswith(_SQLITE_UNIQUE) and message[len(_SQLITE_UNIQUE) :] == _columns(name)


def _columns(name: str) -> str:
    """The unique constraint's or index's columns as SQLite's message lists them ("" unknown)."""
    for table in db.metadata.tables.values():
        for unique in [*table.constraints, *table.indexes]:
            if isinstance(unique, UniqueConstraint | Index) and unique.name == name:
                return ", ".join(f"{table.name}.{column.name}" for column in unique.columns)
    return ""
