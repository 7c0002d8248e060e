"""Signed links: one salt per purpose, max_age on every read, newest key signs, all keys verify."""

from __future__ import annotations

from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

#: A status link lives long enough to follow an application through proof of use.
STATUS_MAX_AGE = 400 * 24 * 3600


class BadLink(Exception):
    """A link that is tampered with, expired, revoked or meant for something else."""


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    """A serializer whose salt names the purpose, so a token of one purpose fails for another."""
    # itsdangerous signs with the last key of the list; our setting lists the newest first.
    keys = list(reversed(current_app.config["JURYFUND_SECRET_KEYS"]))
    return URLSafeTimedSerializer(keys, salt=f"juryfund.{purpose}")


def sign(purpose: str, payload: dict[str, Any]) -> str:
    """A URL-safe signed token for a payload."""
    return _serializer(purpose).dumps(payload)


def read(purpose: str, token: str, *, max_age: int) -> dict[str, Any]:
    """The payload of a valid token; BadLink for anything else."""
    try:
        payload = _serializer(purpose).loads(token, max_age=max_age)
    except BadSignature as error:  # includes SignatureExpired and bad payloads
        raise BadLink(str(error)) from error
    if not isinstance(payload, dict):
        raise BadLink("unexpected payload")
    return payload
