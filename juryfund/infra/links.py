"""Absolute links for mails, always on the configured public address (never the request's Host)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def external_url(endpoint: str, **values) -> str:
    """The absolute URL of an endpoint under JURYFUND_BASE_URL, inside or outside a request."""
    base = urlsplit(current_app.config["JURYFUND_BASE_URL"].rstrip("/"))
    adapter = current_app.url_map.bind(
        base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)
