"""What a reader finds in a response: the text of a page, feed or export, or of a PDF's pages.

The privacy tests walk every public URL and look for names, addresses and stories in what comes
back; the annual reports are PDFs, whose text is read back with pypdf (whitespace made single,
as a PDF breaks lines where the layout does).
"""

from __future__ import annotations

import io

from pypdf import PdfReader


def readable_text(response) -> str:
    """The response's text as a reader would find it (PDFs extracted page by page)."""
    if response.mimetype == "application/pdf":
        reader = PdfReader(io.BytesIO(response.get_data()))
        text = " ".join(page.extract_text() or "" for page in reader.pages)
        return " ".join(text.split())
    return response.get_data(as_text=True)
