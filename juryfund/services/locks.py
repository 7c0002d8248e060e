"""Row locks that serialise the writes two people can send at once.

Every check that decides a write (is this item still waiting for its decision, is the round
still open, is the year still open) runs after the lock, on rows read afresh, so a second
request waits for the first one's commit and then sees what it did.

PostgreSQL: ``SELECT … FOR UPDATE`` (or ``FOR SHARE`` where many may proceed together, such
as votes in one round, while closing the round waits for all of them). SQLite: a write to the
row takes the database write lock (the transaction begins at its first write, with BEGIN
IMMEDIATE after the write gate, see infra.writegate); every later read in it is current.
Lock order, to rule out deadlocks: round, application, fund, fund year, then the audit chain.
"""

from __future__ import annotations

from typing import ClassVar, Protocol, TypeVar

from sqlalchemy import Table, select, text
from sqlalchemy.orm import Mapped

from ..extensions import db


class LockableRow(Protocol):
    """A model mapped to one table with an integer primary key `id`: what `lock` relies on."""

    __table__: ClassVar[Table]
    # The mapped attribute, a descriptor on the class: `model.id` is the column expression
    # (InstrumentedAttribute[int]), `row.id` the int. Declared as a class variable so that
    # protocol matching sees the descriptor and not only the int of an instance.
    id: ClassVar[Mapped[int]]


Row = TypeVar("Row", bound=LockableRow)


def lock(model: type[Row], row_id: int, *, shared: bool = False) -> Row:
    """Lock one row until the transaction ends and return it read afresh (LookupError if gone).

    ``shared`` lets other shared holders proceed and blocks only exclusive ones (PostgreSQL;
    SQLite has one writer at a time anyway).
    """
    query = select(model).where(model.id == row_id).execution_options(populate_existing=True)
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(read=shared)
    else:
        # A plain SQL no-op write: an ORM UPDATE would count as a public change for the page
        # cache, and this write changes nothing anyone can see.
        table = model.__table__.name
        db.session.execute(text(f'UPDATE "{table}" SET id = id WHERE id = :id'), {"id": row_id})
    found = db.session.scalars(query).one_or_none()
    if found is None:
        raise LookupError(f"{model.__name__} {row_id} does not exist")
    return found
