"""PDF documents rendered from the same HTML as a page's print view (WeasyPrint)."""

from __future__ import annotations

from flask import Response
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher


def _data_urls_only() -> URLFetcher:
    """A fetcher for data: URLs only: a document never reaches the network or the disk."""
    # Text people typed is escaped, but a PDF renderer that follows any URL would be a way to
    # read local files or probe the network from the server; print views need none.
    return URLFetcher(allowed_protocols={"data"}, allow_redirects=False, timeout=2)


def render_pdf(html: str, *, css: str = "") -> bytes:
    """The PDF bytes of an HTML document (stylesheets inline or as `css`, nothing external)."""
    # A print view links its stylesheet for the browser; the fetcher never loads it, so the
    # same rules come in as text.
    stylesheets = [CSS(string=css, url_fetcher=_data_urls_only())] if css else []
    document = HTML(string=html, url_fetcher=_data_urls_only())
    return bytes(document.write_pdf(stylesheets=stylesheets))


def pdf_response(html: str, filename: str, *, css: str = "") -> Response:
    """A PDF download of an HTML document under the given file name."""
    response = Response(render_pdf(html, css=css), mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
