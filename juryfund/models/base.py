"""Column helpers shared by the models: money, UTC timestamps and checked enumerations."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Annotated

from sqlalchemy import BigInteger, CheckConstraint, DateTime
from sqlalchemy.orm import mapped_column
from sqlalchemy.types import TypeDecorator

from ..infra import clock

#: Money in integer cents, and counts that are multiplied into cents. 64-bit: a 32-bit column
#: ends at 21 million euros, below the 100 million (domain.money.MAX_CENTS) a form accepts.
Cents = Annotated[int, mapped_column(BigInteger)]


def utcnow() -> datetime:
    """The current time as an aware UTC datetime (from the one clock, juryfund.infra.clock)."""
    return clock.now()


class UTCDateTime(TypeDecorator):
    """Stores naive UTC, returns aware UTC: the same on SQLite (no time zones) and PostgreSQL."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: D102
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are ambiguous; pass an aware UTC datetime")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect):  # noqa: D102
        return value.replace(tzinfo=UTC) if value is not None else None


def one_of(column: str, values: Iterable[str], name: str | None = None) -> CheckConstraint:
    """A CHECK that keeps a string column inside a closed set of values."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({quoted})", name=name or f"{column}_valid")
