"""Objects as plain dicts, for JSON answers, CSV rows and form data."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def attributes(source: object, keys: Iterable[str], **values: Any) -> dict[str, Any]:
    """A dict of ``keys`` in order, each ``source``'s attribute of that name unless in ``values``.

    ``values`` carries the keys whose value is renamed or converted on the way out, so a
    serialiser lists its keys once instead of spelling out ``"key": source.key`` for each.
    """
    return {key: values[key] if key in values else getattr(source, key) for key in keys}
