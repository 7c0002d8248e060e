"""Hostile input stopped at the door, before a view or the database sees it.

PostgreSQL refuses text holding a NUL character, and its integer columns end at 32 or 64 bits
where Python's ints do not: a NUL, broken UTF-8 or an absurd id in an address would end as an error
deep inside a query. The request guard answers such addresses with 400 (path or query string) or
404 (a number no row can have) before anything else runs. Forms put their own error next to the
field (`fields.AppForm`); the few views that read raw request values pass them through `text_value`.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

from flask import Flask, abort, request

#: The largest id a row can have: primary keys are INTEGER columns, 32-bit in PostgreSQL (which
#: fails the whole query on a larger number instead of finding nothing).
MAX_ID = 2**31 - 1


def is_clean(raw: bytes) -> bool:
    """True for valid UTF-8 without a NUL byte."""
    if b"\x00" in raw:
        return False
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _wsgi_bytes(text: str) -> bytes:
    """The bytes behind a WSGI string (PEP 3333 hands them over as latin-1)."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:  # a server that decoded them already: NULs still show
        return text.encode("utf-8", "replace")


def refuse_hostile_request():
    """400 for a NUL or broken UTF-8 in path or query string; 404 for an id beyond MAX_ID."""
    environ = request.environ
    path = _wsgi_bytes(environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", ""))
    query = unquote_to_bytes(_wsgi_bytes(environ.get("QUERY_STRING", "")))
    # Some servers (and Werkzeug's) decode broken UTF-8 in PATH_INFO to U+FFFD; the raw
    # address, where the server passes it on, still shows what was sent.
    raw = unquote_to_bytes(_wsgi_bytes(environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""))
    if not (is_clean(path) and is_clean(query) and is_clean(raw)):
        abort(400)
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            abort(404)  # no row has such an id (or year), and the database would fail on it
    return None


def text_value(value: str) -> str:
    """A raw form or query value a view stores as it is; 400 when it holds a NUL."""
    if "\x00" in value:
        abort(400)
    return value


def install_guard(app: Flask) -> None:
    """Run the guard before every other request hook (rate limits, sessions, page cache, API)."""
    # First in line, so that no hook before it queries the database with a hostile value.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_hostile_request)
