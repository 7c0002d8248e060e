"""HTTP hardening: security headers, proxies, staff session time-outs and rate limits."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from urllib.parse import urlsplit

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from ..extensions import limiter
from ..infra import ratelimit_storage  # noqa: F401 - registers the sqlitefile:// storage
from .inline_style import STYLE_SOURCE, inline_style

#: No inline script anywhere, and no inline style but the site's own style sheet in each page's
#: head (allowed by its hash, juryfund/web/inline_style.py): the rest comes from static files.
BASE_POLICY = (
    f"default-src 'self'; script-src 'self'; style-src 'self' {STYLE_SOURCE}; "
    "img-src 'self' data:; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'"
)
#: No page may be shown inside another site's frame (clickjacking), except the widgets.
CONTENT_SECURITY_POLICY = f"{BASE_POLICY}; frame-ancestors 'none'"
_EMBEDDABLE = "juryfund.embeddable"


def embeddable_policy(frame_ancestors: str) -> str:
    """The policy of a widget page: the usual one, framed only by the listed websites."""
    return f"{BASE_POLICY}; {frame_ancestors}"


def embeddable(view: Callable) -> Callable:
    """Decorator for a widget page: its own CSP frame-ancestors decides who may frame it.

    Only these views go without X-Frame-Options: DENY (which knows no list of websites); the
    view sets its Content-Security-Policy (embeddable_policy), else the default 'none' applies.
    Put it above @public_page, so a page answered from the cache is marked too.
    """

    @wraps(view)
    def marked(*args, **kwargs):
        response = current_app.make_response(view(*args, **kwargs))
        g.setdefault(_EMBEDDABLE, response.status_code == 200)
        return response

    return marked


def tile_source(tile_url: str) -> str | None:
    """The CSP source of a tile server URL template: scheme and host, "{s}." as a wildcard.

    None when the setting names no absolute http(s) URL (then no outside image is allowed).
    """
    parts = urlsplit(tile_url.replace("{s}.", "x-subdomain."))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.netloc.rpartition("@")[2]  # never a user or password into a header
    if any(char in host for char in " ;,'\"{}"):
        return None
    return f"{parts.scheme}://{host.replace('x-subdomain.', '*.')}"


def tile_host(tile_url: str) -> str | None:
    """The host a reader's browser asks for map tiles, as a reader would name it."""
    source = tile_source(tile_url)
    if source is None:
        return None
    return source.partition("://")[2].removeprefix("*.")


def map_policy() -> str:
    """The page's policy when it shows a map: images also from the configured tile server."""
    source = tile_source(current_app.config["JURYFUND_MAP_TILE_URL"])
    if source is None:
        return CONTENT_SECURITY_POLICY
    return CONTENT_SECURITY_POLICY.replace("img-src 'self' data:", f"img-src 'self' data: {source}")


def allow_map_tiles() -> None:
    """This response shows a map: let its tiles through the Content-Security-Policy."""
    g.map_tiles = True


def map_page(view: Callable) -> Callable:
    """Decorator (outside public_page, so cached answers get it too): a page with a map."""

    @wraps(view)
    def with_tiles(*args, **kwargs):
        allow_map_tiles()
        return view(*args, **kwargs)

    return with_tiles


#: Pages that are personal whoever asks: staff pages, a resident's status page and application
#: form (their own typed data), a member's ballot.
PERSONAL_PREFIXES = ("/staff", "/status", "/ballot")
PERSONAL_BLUEPRINTS = frozenset({"apply"})


def is_personal() -> bool:
    """True when the response may hold one person's data and no cache may keep it."""
    if request.path.startswith(PERSONAL_PREFIXES) or request.blueprint in PERSONAL_BLUEPRINTS:
        return True
    # A public page a logged-in staff member sees carries their name and links. Only a page
    # that read the session can show anything of it, so an untouched session is not read here.
    return session.accessed and "_user_id" in session


def add_security_headers(response):
    """Headers every response carries; HSTS only over TLS, where it means something."""
    headers = response.headers
    if is_personal():
        # Neither the browser's back-forward history on a shared computer nor a proxy keeps it.
        headers["Cache-Control"] = "no-store, private"
    # Only the pages with a map may load images from the tile server.
    policy = map_policy() if g.get("map_tiles") else CONTENT_SECURITY_POLICY
    headers.setdefault("Content-Security-Policy", policy)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    if not g.get(_EMBEDDABLE, False):
        headers["X-Frame-Options"] = "DENY"
    if request.is_secure:
        headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
    return response


def start_staff_session() -> None:
    """Mark the moment of login, for the absolute time-out."""
    now = int(time.time())
    session["auth_at"] = session["seen_at"] = now


def enforce_session_timeouts():
    """End a staff session that was idle too long or is older than the absolute limit."""
    if not current_user.is_authenticated:
        return None
    now = int(time.time())
    idle = current_app.config["JURYFUND_SESSION_IDLE_MINUTES"] * 60
    maximum = current_app.config["JURYFUND_SESSION_MAX_HOURS"] * 3600
    started, seen = session.get("auth_at", 0), session.get("seen_at", 0)
    if now - seen > idle or now - started > maximum:
        logout_user()
        session.clear()
        flash(_("Your session has ended. Please log in again."), "error")
        return redirect(
            url_for("auth.login", next=request.full_path if request.method == "GET" else None)
        )
    session["seen_at"] = now
    return None


def limit(setting: str):
    """A rate limit on POSTs whose value comes from a setting (e.g. "10 per minute")."""
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])


def init_app(app: Flask) -> None:
    """Install headers, proxy handling, time-outs and the rate limiter."""
    proxies = app.config["JURYFUND_TRUSTED_PROXIES"]
    if proxies:
        # Behind N reverse proxies: trust their X-Forwarded-For/-Proto for the client address
        # (rate limits) and for HTTPS (Secure cookies, HSTS).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    limiter.init_app(app)
    app.after_request(add_security_headers)
    app.jinja_env.filters["tile_host"] = tile_host
    app.jinja_env.globals["inline_style"] = inline_style
    app.before_request(enforce_session_timeouts)
