"""Reading a form page as a resident does: the error shown next to each field."""

from __future__ import annotations

import html as html_lib
import re


def field_errors(response) -> dict[str, str]:
    """The error shown next to each field, by field id (the `<id>-error` paragraph)."""
    page = response.get_data(as_text=True)
    found = {}
    for field_id, body in re.findall(
        r'<p class="field-error" id="([^"]+)-error">(.*?)</p>', page, re.S
    ):
        text = re.sub(r"<span[^>]*>.*?</span>", "", body, flags=re.S)
        found[field_id] = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", "", text)).split())
    return found
