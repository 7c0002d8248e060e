"""One unit of work per request: run the change, commit it once, or show why it was refused.

A view hands its change to `attempt`: on success the transaction is committed once and the
done message flashed; on a DomainError it is rolled back and every refusal is shown, next to
its form field or as a flash. Nothing is committed before the end of the request, so when the
database makes the request lose a race, web/retry.py can run the whole view again on a clean
session: nothing is done twice, and uploads are read from their start again (`read_upload`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

from flask import flash
from flask_wtf import FlaskForm
from werkzeug.datastructures import FileStorage

from ..domain.errors import DomainError
from ..extensions import db
from ..services.setup import all_refusals
from .fields import apply_domain_error
from .messages import reason_text

T = TypeVar("T")


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """Whether the change was kept, and what the action returned (None when refused)."""

    ok: bool
    result: T

    def __bool__(self) -> bool:
        return self.ok


def attempt(
    action: Callable[[], T],
    *,
    form: FlaskForm | None = None,
    done: str | Callable[[T], str] | None = None,
) -> Outcome[T]:
    """Run the request's change and commit it once; on a refusal roll back and show why.

    `done` is the success message, or a function making it from the action's result (read
    after the commit, e.g. the name of what was just created).
    """
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        show_refusals(error, form)
        return _refused()
    db.session.commit()
    if done is not None:
        flash(str(done(result) if callable(done) else done), "success")
    return Outcome(True, result)


def attempt_inline(action: Callable[[], object], *, keep_loaded: bool = False) -> list[str]:
    """Run the request's change and commit it once; the refusals' texts (empty when kept).

    For answers that show the refusals next to what was sent (a ballot item replaced by the
    script) instead of a message on the next page: nothing is flashed. `keep_loaded`: what the
    request loaded is not expired by the commit, for an answer that shows it as read (the
    caller reads afresh whatever the change wrote; a refusal's rollback still expires all).
    """
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        return [reason_text(each) for each in all_refusals(error)]
    session = db.session()
    expiring = session.expire_on_commit
    session.expire_on_commit = not keep_loaded
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring
    return []


def attempt_part(action: Callable[[], T], *, form: FlaskForm | None = None) -> Outcome[T]:
    """Run a part of the request's change that may be refused on its own, without committing.

    The part runs in a savepoint: a refusal undoes only the part and is shown, and what the
    request did before it (the files uploaded with a form) stays for the request's one commit.
    """
    _begin_transaction()
    try:
        with db.session.begin_nested():
            result = action()
    except DomainError as error:
        show_refusals(error, form)
        return _refused()
    return Outcome(True, result)


def _refused() -> Outcome:
    """The outcome of a refused change: nothing kept, no result (read only after `ok`)."""
    return Outcome(False, None)


def show_refusals(error: DomainError, form: FlaskForm | None = None) -> None:
    """Every refusal raised together: next to its form field, or flashed when there is no form."""
    for each in all_refusals(error):
        if form is not None:
            apply_domain_error(form, each)
        else:
            flash(reason_text(each), "error")


def read_upload(upload: FileStorage, limit: int) -> bytes:
    """Up to `limit` bytes of an uploaded file, read from its start.

    A request run again after a lost race (web/retry.py) finds the stream already read; read
    from the end, the file would seem empty and be refused.
    """
    stream = upload.stream
    if getattr(stream, "seekable", lambda: False)():
        stream.seek(0)
    return upload.read(limit)


def _begin_transaction() -> None:
    """Make sure the database transaction has begun before a savepoint is taken.

    pysqlite begins a transaction only at the first write; a SAVEPOINT before it would begin
    one of its own, and releasing it would commit the part apart from the rest of the request.
    IMMEDIATE takes the write lock now (waiting for it at the write gate, infra.writegate, which
    also does this for any savepoint taken outside a transaction), as the first write would.
    """
    connection = db.session.connection()
    driver = connection.connection.driver_connection
    if isinstance(driver, sqlite3.Connection) and not driver.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
