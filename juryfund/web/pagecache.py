"""Rendered public pages, kept in each worker's memory until the public data changes.

The public pages (areas, decisions, projects, budget, report, open data) are the same for
every anonymous visitor in a language, and they change only when staff or the tick change
decisions, bookings, rounds, applications or settings. Every commit that touches such data
moves one counter on (``content_version``, in the same transaction); a cached page is used
only while the counter still has the value it was rendered under. So no worker and no server
ever shows a page older than the data, and a hit costs one primary-key read instead of the
page's queries and its rendering.

What is never cached: requests of logged-in staff, requests whose session carries a message
to show (flash), responses that set a cookie or hold a CSRF token, anything but a plain 200.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask_babel import get_timezone
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Select, insert, inspect, select, update
from sqlalchemy.orm import Session

from ..extensions import db
from ..infra import clock
from ..models import (
    Application,
    ApplicationCounter,
    ApplicationEvent,
    Attachment,
    AuditEvent,
    ConflictDeclaration,
    ContentVersion,
    CostItem,
    LinkGrant,
    Mail,
    RoundMember,
    StaffUser,
    Vote,
)
from .i18n import LANGUAGE_COOKIE, current_language

#: Records that no public page shows: writing them leaves every cached page valid. Votes and
#: conflicts stay secret until a round closes (the closing writes agenda results and decisions).
QUIET = (
    ApplicationEvent,
    AuditEvent,
    ConflictDeclaration,
    LinkGrant,
    Mail,
    RoundMember,
    StaffUser,
    Vote,
)
#: Columns of an application no public page shows: the version the applicant last sent (kept
#: for staff's "what changed") is written right after a submission, which must stay quiet.
QUIET_APPLICATION_COLUMNS = frozenset({"sent_version"})
#: Response headers worth keeping with a cached page (the app's after_request hooks add the rest).
KEPT_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Content-Language",
    # A widget's frame-ancestors: the area's websites (a change of them moves the version on).
    "Content-Security-Policy",
)
_CHANGED = "juryfund.public_changed"
#: How far behind the clock a cached page may be (pages that say "next session" or "this year").
CLOCK_SECONDS = 300
_VERSION_SQL = "SELECT value FROM content_version WHERE id = 1"
#: Set in a session whose committing transaction moved the version on (until the commit ends).
_MOVED = "juryfund.pagecache.moved"
#: Headers of every answer that carries an ETag: the browser (and any proxy) asks again each
#: time, so it never shows a copy older than the data; the answer depends on the language inputs.
REVALIDATE_HEADERS = (("Cache-Control", "no-cache"), ("Vary", "Cookie, Accept-Language"))


class PageCache:
    """A bounded least-recently-used map from (page, language, version) to a rendered response
    (its body, or what its owner keeps of it, and its headers)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.entries: OrderedDict[tuple, tuple[Any, list[tuple[str, str]]]] = OrderedDict()
        self.lock = threading.Lock()  # threaded servers share one cache per process
        self.hits = self.misses = 0

    def get(self, key: tuple) -> tuple[Any, list[tuple[str, str]]] | None:
        """The stored body and headers, or None (counted as hit or miss)."""
        with self.lock:
            found = self.entries.get(key)
            if found is None:
                self.misses += 1
                return None
            self.entries.move_to_end(key)
            self.hits += 1
            return found

    def put(self, key: tuple, body: Any, headers: list[tuple[str, str]]) -> None:
        """Store a response; drop the least recently used beyond the size."""
        with self.lock:
            self.entries[key] = (body, headers)
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


def init_app(app: Flask) -> None:
    """Give the app its own cache (sized by JURYFUND_PAGE_CACHE_SIZE; 0 switches it off)."""
    app.extensions["juryfund.pagecache"] = PageCache(app.config["JURYFUND_PAGE_CACHE_SIZE"])
    app.extensions["juryfund.release"] = release_digest(app)
    app.jinja_env.globals["fragment_cache"] = fragment_cache


def current_version() -> int:
    """The public data's version: moves on with every commit that changes a public page.

    Read once per request: a request sees one version, however many fragments it renders.
    """
    if "content_version" not in g:
        g.content_version = _read_version()
    return g.content_version


def version_read_with(value: int | None) -> None:
    """Take the version a request's first read brought along (a column of that read), so the
    request does not read it again: read before any data it renders, it keeps them exact."""
    if "content_version" not in g:
        g.content_version = value or 0


def version_column():
    """The version as a column to add to a request's first read (see `version_read_with`)."""
    return select(ContentVersion.value).where(ContentVersion.id == 1).scalar_subquery()


def _read_version() -> int:
    """The stored version, read the cheapest way the database allows.

    Plain SQL: this runs on every cached request, and the ORM's statement building and result
    processing would cost more than the read itself. On PostgreSQL, a request that has not
    started a transaction yet reads it in autocommit on a connection of its own (see
    `_on_own_connection`): one round trip instead of three (BEGIN, SELECT, and the ROLLBACK
    when the session closes). Exactness holds: the read sees every commit before it, and a page
    rendered after it (in a transaction of its own) reads data at least as new, never older,
    than the version it is kept under.
    """
    engine = db.engine
    if engine.dialect.name == "postgresql" and not db.session().in_transaction():
        rows = _on_own_connection(engine, _VERSION_SQL, None)
        if rows is not None:
            return (rows[0][0] if rows else 0) or 0
    return db.session.connection().exec_driver_sql(_VERSION_SQL).scalar() or 0


def read_committed(statement: Select, params: dict[str, Any]) -> list[tuple]:
    """The rows of a small read of what is committed now, the cheapest way the database allows.

    For what a kept page is keyed by (ballot/kept.py), read like the data version: on
    PostgreSQL before the request's transaction, in autocommit on the version's own
    connection (one round trip), with the columns' types applied as the ORM would. Elsewhere,
    and inside a transaction, through the session's connection. Parameters and literals go to
    the driver as they are (no bind processing): plain numbers and strings only.
    """
    engine = db.engine
    if engine.dialect.name == "postgresql" and not db.session().in_transaction():
        sql, fixed, processors = _compiled(statement, engine)
        rows = _on_own_connection(engine, sql, {**fixed, **params})
        if rows is not None:
            return [
                tuple(
                    value if process is None else process(value)
                    for process, value in zip(processors, row, strict=True)
                )
                for row in rows
            ]
    return [tuple(row) for row in db.session.connection().execute(statement, params)]


#: Statements of `read_committed` compiled for PostgreSQL, with their columns' result types.
_COMPILED: dict[int, tuple[Select, str, dict[str, Any], list]] = {}


def _compiled(statement: Select, engine) -> tuple[str, dict[str, Any], list]:
    """The statement's SQL for the driver, the values it fixes (its literals), and a result
    processor per column (None: as is)."""
    found = _COMPILED.get(id(statement))
    if found is None or found[0] is not statement:
        compiled = statement.compile(dialect=engine.dialect)
        processors = [
            column.type.result_processor(engine.dialect, None)
            for column in statement.selected_columns
        ]
        found = (statement, str(compiled), dict(compiled.params), processors)
        _COMPILED[id(statement)] = found
    return found[1], found[2], found[3]


#: Each thread's own autocommit connection for the reads before a transaction (PostgreSQL).
_OWN_CONNECTIONS = threading.local()
#: Called with the statement of each read that bypasses SQLAlchemy, so that counts of the
#: statements a page costs (the tests' query budgets) still see it.
raw_read_listeners: list[Callable[[str], None]] = []


def _on_own_connection(engine, sql: str, params: dict[str, Any] | None) -> list[tuple] | None:
    """The rows of a read over a connection kept for such reads alone: one round trip, no pool.

    A pooled connection costs a pre-ping round trip and the pool's bookkeeping on every
    request; this one is opened once per worker thread (after the fork: the process id is
    checked) in autocommit. A broken connection is opened anew once; None when that fails too
    (the caller then reads through the session, whose pool reports the error properly).
    """
    key = (os.getpid(), str(engine.url))
    for _attempt in range(2):
        held = getattr(_OWN_CONNECTIONS, "held", None)
        if held is None or held[0] != key or held[1].closed:
            try:
                cargs, cparams = engine.dialect.create_connect_args(engine.url)
                connection = engine.dialect.dbapi.connect(*cargs, **cparams)
                connection.autocommit = True
            except Exception:  # noqa: BLE001 - the session's own read reports it
                return None
            held = _OWN_CONNECTIONS.held = (key, connection)
        try:
            for listener in raw_read_listeners:
                listener(sql)
            return held[1].execute(sql, params, prepare=True).fetchall()
        except Exception:  # noqa: BLE001 - a server restart or a dropped connection: open anew
            with contextlib.suppress(Exception):
                held[1].close()
            _OWN_CONNECTIONS.held = None
    return None


def fragment_cache(*key, caller: Callable[[], str]) -> Markup:
    """Jinja: ``{% call fragment_cache("dossier", id) %}...{% endcall %}`` renders the block once
    per language, time zone and data version, for every visitor (never put personal data in it).
    """
    cache: PageCache = current_app.extensions["juryfund.pagecache"]
    if cache.size <= 0:
        return Markup(caller())
    full_key = _fragment_key(key)
    found = cache.get(full_key)
    if found is not None:
        return Markup(found[0].decode())
    html = caller()
    cache.put(full_key, html.encode(), [])
    return Markup(html)


def cacheable() -> bool:
    """True when this request may be answered from the cache (and its answer stored)."""
    return (
        request.method == "GET"
        and current_app.config["JURYFUND_PAGE_CACHE_SIZE"] > 0
        and not current_user.is_authenticated
        and "_flashes" not in session
    )


def release_digest(app: Flask) -> str:
    """What besides the data decides a page: the code, templates, catalogs and static files.

    Part of every ETag, so a new release never answers 304 to a copy rendered by the old one.
    The files' contents (not their times): every app server of one release agrees.
    """
    digest = hashlib.blake2b(digest_size=16)
    root = Path(app.root_path)
    folders = [
        root,
        root.parent / "templates",
        root.parent / "translations",
        root.parent / "static",
    ]
    for folder in folders:
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file() and path.suffix in {".py", ".html", ".txt", ".mo", ".css", ".js"}:
                digest.update(str(path.relative_to(root.parent)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _page_key() -> tuple:
    """What a public answer depends on: page, language inputs, data version and clock tick."""
    # The clock is part of the key: pages show "next sessions" and "this year", which move
    # on with time alone; no page lags behind the clock by more than CLOCK_SECONDS. The
    # product's one clock, so a deadline passing (also a test's moved clock) shows at once.
    tick = int(clock.now().timestamp() // CLOCK_SECONDS)
    # The host too, though pages build absolute links from the configured address alone
    # (`public_url`): a forged Host can never reach what other visitors are served.
    return (
        request.host,
        request.path,
        request.query_string,
        *language_inputs(),
        current_version(),
        tick,
    )


def etag_of(key: tuple) -> str:
    """The strong entity tag of the answer under this key (same key, same bytes)."""
    release = current_app.extensions["juryfund.release"]
    return hashlib.blake2b(repr((release, key)).encode(), digest_size=16).hexdigest()


def _not_modified(tag: str) -> Response | None:
    """304 when the browser already holds this answer (If-None-Match), else None.

    Only the entity tag decides: it changes with every commit that changes public data, which a
    date of one-second resolution (If-Modified-Since) could not promise, so that one is ignored.
    A compressing proxy or middleware may have suffixed or weakened the tag; both still match.
    """
    held = request.if_none_match
    if not held:
        return None
    if held.star_tag or any(
        candidate == tag or candidate.startswith(tag + ":")
        for candidate in held.as_set(include_weak=True)
    ):
        response = Response(status=304)
        _mark(response, tag)
        return response
    return None


def _mark(response: Response, tag: str) -> None:
    """Give an answer its entity tag and the headers that make caches revalidate it."""
    response.set_etag(tag)
    for name, value in REVALIDATE_HEADERS:
        response.headers[name] = value


def _held_answer(cache: PageCache, key: tuple, tag: str) -> Response | None:
    """304 when the browser holds the answer, the cached answer when this worker does, else None."""
    if (unchanged := _not_modified(tag)) is not None:
        return unchanged
    found = cache.get(key)
    if found is None:
        return None
    body, headers = found
    response = Response(body, status=200, headers=headers)
    _mark(response, tag)
    return response


def public_page(view: Callable) -> Callable:
    """Decorator for a public view: answer from the cache while the data is unchanged.

    Every such answer carries a strong ETag derived from the data version; a browser that
    already holds it gets 304 without a body (conditional requests).
    """

    @wraps(view)
    def cached(*args, **kwargs):
        if not cacheable():
            return view(*args, **kwargs)
        cache: PageCache = current_app.extensions["juryfund.pagecache"]
        key = _page_key()
        tag = etag_of(key)
        if (answer := _held_answer(cache, key, tag)) is not None:
            return answer
        response = current_app.make_response(view(*args, **kwargs))
        if _storable(response):
            headers = [
                (name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers
            ]
            cache.put(key, response.get_data(), headers)
            _mark(response, tag)
        return response

    return cached


#: A streamed download up to this size is also kept whole in the cache (a year's decisions of
#: one area are a few kB); a longer one streams every time and is never held in memory.
DOWNLOAD_KEPT_BYTES = 64 * 1024


def conditional(view: Callable) -> Callable:
    """Decorator for a public download that may be too large to keep in memory (a streamed CSV).

    Tagged like public_page: an unchanged download answers 304 at the cost of one read of the
    data version. A changed one is streamed anew, and kept in the cache like a page when the
    whole of it turned out to be at most DOWNLOAD_KEPT_BYTES.
    """

    @wraps(view)
    def tagged(*args, **kwargs):
        if not cacheable():
            return view(*args, **kwargs)
        cache: PageCache = current_app.extensions["juryfund.pagecache"]
        key = _page_key()
        tag = etag_of(key)
        if (answer := _held_answer(cache, key, tag)) is not None:
            return answer
        response = current_app.make_response(view(*args, **kwargs))
        # Nothing personal in it and a plain 200: the same test as for a cached page, except
        # that a streamed body is what this decorator is for.
        if (
            response.status_code == 200
            and "Set-Cookie" not in response.headers
            and "csrf_token" not in g
            and not session.modified
        ):
            _mark(response, tag)
            headers = [
                (name, response.headers[name]) for name in KEPT_HEADERS if name in response.headers
            ]
            if response.is_streamed:
                response.response = _kept_if_small(response.response, cache, key, headers)
            else:
                cache.put(key, response.get_data(), headers)
        return response

    return tagged


def _kept_if_small(chunks, cache: PageCache, key: tuple, headers: list[tuple[str, str]]):
    """Pass a streamed body on, and store it in the cache if it ended within the size limit.

    Only a body streamed to its end is stored (a client that went away leaves nothing). The
    rows were read after the version in the key, so they are never older than it.
    """
    kept: list[bytes] | None = []
    size = 0
    for chunk in chunks:
        if kept is not None:
            data = chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk)
            size += len(data)
            if size <= DOWNLOAD_KEPT_BYTES:
                kept.append(data)
            else:
                kept = None  # too long to hold: streamed, and never kept
        yield chunk
    if kept is not None:
        cache.put(key, b"".join(kept), headers)


def _fragment_key(key: tuple) -> tuple:
    # What every fragment of one request shares is worked out once (a ballot has twenty).
    suffix = g.get("fragment_suffix")
    if suffix is None or suffix[2] != current_version():
        suffix = g.fragment_suffix = (current_language(), str(get_timezone()), current_version())
    return ("fragment", *key, *suffix)


def has_fragments(keys: list[tuple]) -> bool:
    """True when every one of these fragments is cached (so their data need not be loaded)."""
    cache: PageCache = current_app.extensions["juryfund.pagecache"]
    with cache.lock:
        return cache.size > 0 and all(_fragment_key(key) in cache.entries for key in keys)


def language_inputs() -> tuple[str, str]:
    """What the page's language is chosen from (i18n.select_locale): cookie and browser.

    Not the chosen language itself: asking for it before the view has loaded the area would
    fix it without the area's own offer of languages.
    """
    return request.cookies.get(LANGUAGE_COOKIE, ""), request.headers.get("Accept-Language", "")[
        :200
    ]


def _storable(response: Response) -> bool:
    """A plain, complete 200 that holds nothing personal (no cookie set, no CSRF token)."""
    return (
        response.status_code == 200
        and not response.is_streamed
        and "Set-Cookie" not in response.headers
        and "csrf_token" not in g
        and not session.modified
    )


# --- the version moves on with every public change --------------------------------------------


def _changes_public(obj: object, *, new: bool) -> bool:
    """Whether writing this record can change a public page."""
    if isinstance(obj, QUIET):
        return False
    if isinstance(obj, Application | CostItem) and new:
        # A new application (with its cost plan) is not public until it is decided; a later
        # change of its cost plan also changes the application's row (total, updated_at).
        return False
    if isinstance(obj, Application) and _changed_attributes(obj) <= QUIET_APPLICATION_COLUMNS:
        return False
    # A file staged with a form that was not sent yet is not public either.
    return not (isinstance(obj, Attachment) and obj.application_id is None)


def _changed_attributes(obj: object) -> set[str]:
    """The names of the mapped attributes of a loaded record changed in this flush."""
    return {attr.key for attr in inspect(obj).attrs if attr.history.has_changes()}


def note_public_changes(session: Session, flush_context) -> None:
    """Remember in the session that this transaction changed public data."""
    if session.info.get(_CHANGED):
        return
    if (
        any(_changes_public(obj, new=True) for obj in session.new)
        or any(_changes_public(obj, new=False) for obj in session.dirty if session.is_modified(obj))
        or any(_changes_public(obj, new=False) for obj in session.deleted)
    ):
        session.info[_CHANGED] = True


def note_bulk_changes(state) -> None:
    """UPDATE and DELETE statements bypass the flush: count them as public changes."""
    if (state.is_update or state.is_delete) and not _is_quiet_statement(state.statement):
        state.session.info[_CHANGED] = True


#: Tables written by statements that no public page shows: the version itself, and the
#: application number counter a submission raises (the new application is not public yet).
QUIET_STATEMENT_TABLES = frozenset({ContentVersion.__tablename__, ApplicationCounter.__tablename__})


def _is_quiet_statement(statement) -> bool:
    """Whether a bulk statement writes only a table no public page shows."""
    return getattr(getattr(statement, "table", None), "name", None) in QUIET_STATEMENT_TABLES


def move_version_on(session: Session) -> None:
    """Move the version on inside the committing transaction, so page and data agree."""
    session.flush()  # the last changes may not be flushed yet
    if not session.info.pop(_CHANGED, False):
        return
    moved = session.execute(
        update(ContentVersion).where(ContentVersion.id == 1).values(value=ContentVersion.value + 1)
    )
    if moved.rowcount == 0:  # a database built without the migrations (tests): start the row
        session.execute(insert(ContentVersion).values(id=1, value=1))
    session.info[_MOVED] = True


def forget_version(session: Session) -> None:
    """A request whose commit moved the version on reads it anew before it renders more.

    A commit that left it alone keeps the version the request read: whatever the request
    renders was read after that version, so it is at least as new (a vote, the ballot's most
    frequent write, answers without a second read of the version).
    """
    if session.info.pop(_MOVED, False) and has_app_context():
        g.pop("content_version", None)


def forget_changes(session: Session, previous_transaction) -> None:
    """The whole transaction rolled back: nothing changed (a savepoint's rollback keeps the rest)."""
    if previous_transaction.parent is None:
        session.info.pop(_CHANGED, None)
        session.info.pop(_MOVED, None)
