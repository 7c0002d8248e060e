"""PDF rendering: real WeasyPrint, text in every script, no external resources."""

from __future__ import annotations

import pytest

from juryfund.web.pdf import _data_urls_only, render_pdf


def test_renders_german_arabic_and_cyrillic_text_into_a_pdf() -> None:
    pdf = render_pdf("<html><body><h1>Grüße</h1><p dir='rtl'>مرحبا</p><p>Привіт</p></body></html>")
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 1000


def test_a_document_cannot_load_a_local_file_or_a_remote_url() -> None:
    # WeasyPrint logs and skips a resource it may not load; the document still renders.
    html = (
        "<html><body><img src='file:///etc/passwd'>"
        "<img src='http://127.0.0.1:9/x.png'><p>ok</p></body></html>"
    )
    pdf = render_pdf(html)
    assert pdf.startswith(b"%PDF-")
    fetcher = _data_urls_only()
    for url in ("file:///etc/passwd", "http://127.0.0.1:9/x.png"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain,ok") is not None
