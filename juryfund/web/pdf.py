"""PDF documents rendered from the same HTML as a page's print view (WeasyPrint)."""

from __future__ import annotations

from flask import Response
from weasyprint import HTML
from weasyprint.urls import URLFetcher


def _data_urls_only() -> URLFetcher:
    """A fetcher for data: URLs only: a document never reaches the network or the disk."""
    # Text people typed is escaped, but a PDF renderer that follows any URL would be a way to
    # read local files or probe the network from the server; print views need none.
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=2)


def render_pdf(html: str) -> bytes:
    """The PDF bytes of an HTML document (stylesheets inline, no external resources)."""
    return bytes(HTML(string=html, url_fetcher=_data_urls_only()).write_pdf())


def pdf_response(html: str, filename: str) -> Response:
    """A PDF download of an HTML document under the given file name."""
    response = Response(render_pdf(html), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
