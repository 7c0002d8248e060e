"""Domain errors: a business rule refused something, with a stable reason code."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused something; carries a stable reason code and the field concerned."""

    #: Further refusals raised together with this one (services.setup.refuse), so that a form
    #: can show every one at once; empty for an error raised on its own.
    more: tuple[DomainError, ...] = ()

    def __init__(self, reason: str, *, field: str | None = None, **params: Any) -> None:
        # The reason is a dotted, lowercase, stable code (e.g. "money.too_large"); the web layer
        # maps it to a translated message and uses ``params`` for the placeholders, so the code
        # must never contain prose or vary with the data.
        super().__init__(reason)
        self.reason = reason
        self.field = field
        self.params: dict[str, Any] = dict(params)

    def __str__(self) -> str:
        return self.reason

    def __repr__(self) -> str:
        extra = "".join(f", {key}={value!r}" for key, value in self.params.items())
        field = f", field={self.field!r}" if self.field is not None else ""
        return f"{type(self).__name__}({self.reason!r}{field}{extra})"


class InvalidTransition(DomainError):
    """An application cannot move from its current state to the requested one."""

    def __init__(self, current: str, target: str, *, field: str | None = None) -> None:
        # Plain strings in params so that messages and logs never show "State.READY".
        super().__init__(
            "state.invalid_transition", field=field, current=str(current), target=str(target)
        )


class MoneyError(DomainError):
    """An amount of money typed by a user could not be accepted."""


class BookingRefused(DomainError):
    """A ledger booking would be malformed or break an invariant of the fund's books."""
