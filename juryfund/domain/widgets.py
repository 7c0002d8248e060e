"""Which websites may embed an area's widgets: origins, checked strictly, and the CSP they make.

An origin is exactly ``scheme://host[:port]`` (RFC 6454): http or https, a host name or an IPv4
address, an optional port; no path, query, user, wildcard or blank. Anything else would either
not work in a browser's ``frame-ancestors`` or, worse, open the widgets to more sites than meant
(``*``, ``https:``), and a quote or semicolon would change the policy itself.
"""

from __future__ import annotations

import re

from .errors import DomainError

#: One DNS label: letters, digits, inner hyphens (punycode ``xn--`` included), at most 63.
_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_ORIGIN = re.compile(
    rf"^(?P<scheme>https?)://(?P<host>{_LABEL}(?:\.{_LABEL})*)(?::(?P<port>[0-9]{{1,5}}))?$"
)
#: How many websites an area may list: a QM team has one or two, never hundreds.
MAX_ORIGINS = 20
MAX_LENGTH = 253 + len("https://") + len(":65535")


def parse_origins(text: str) -> list[str]:
    """The origins of a typed list (one per line, or separated by blanks or commas), normalised.

    Raises a DomainError on the first entry that is not an origin, naming it; duplicates are
    dropped, order is kept. An empty list means nobody may embed the widgets.
    """
    origins: list[str] = []
    for raw in re.split(r"[\s,]+", text.strip()):
        if not raw:
            continue
        origin = normalise_origin(raw)
        if origin not in origins:
            origins.append(origin)
    if len(origins) > MAX_ORIGINS:
        raise DomainError("widgets.too_many_origins", field="widget_origins", most=MAX_ORIGINS)
    return origins


def normalise_origin(raw: str) -> str:
    """One origin in its canonical form (lower case, no default port), or a DomainError."""
    candidate = raw.strip().lower()
    if candidate.endswith("/") and candidate.count("/") == 3:
        candidate = candidate[:-1]  # "https://qm-kiez.de/" is what people copy from the bar
    found = _ORIGIN.match(candidate) if len(candidate) <= MAX_LENGTH else None
    if found is None:
        raise DomainError("widgets.origin_invalid", field="widget_origins", origin=raw[:80])
    scheme, host, port = found["scheme"], found["host"], found["port"]
    if port is not None and not 0 < int(port) <= 65535:
        raise DomainError("widgets.origin_invalid", field="widget_origins", origin=raw[:80])
    if port is not None and int(port) == {"http": 80, "https": 443}[scheme]:
        port = None
    return f"{scheme}://{host}" + (f":{int(port)}" if port is not None else "")


def frame_ancestors(stored: str) -> str:
    """The CSP ``frame-ancestors`` directive for the stored origins; none: ``'none'``.

    Checked once more: whatever the column holds, only well-formed origins reach the header.
    """
    checked: list[str] = []
    for raw in stored.split():
        try:
            checked.append(normalise_origin(raw))
        except DomainError:
            continue
    return "frame-ancestors " + (" ".join(checked) if checked else "'none'")
