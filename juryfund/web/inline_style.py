"""The site's style sheet written into each page's head, and the CSP source that allows it.

On a slow phone connection a linked style sheet costs the page a second round trip (or a
revalidation on every page) before anything shows; written into the page it arrives with the
HTML. The Content-Security-Policy still refuses every other inline style: it allows this one
by the SHA-256 of its exact text. Read once when the app is imported (a release restarts the
app servers), so the page, its hash and the release digest of the ETags always agree.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

from markupsafe import Markup

STYLE_SHEET = Path(__file__).resolve().parents[2] / "static" / "app.css"


def _read() -> tuple[Markup, str]:
    """The style sheet's text and the CSP source of its hash."""
    text = STYLE_SHEET.read_text(encoding="utf-8")
    if "</" in text:  # would end the <style> element early
        raise ValueError(f"{STYLE_SHEET} must not contain '</'")
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return Markup(text), f"'sha256-{digest}'"


STYLE, STYLE_SOURCE = _read()


def inline_style() -> Markup:
    """Jinja: the style sheet to put between <style> and </style>, unchanged to the byte."""
    return STYLE
