"""Reading the staff money page as a browser does: the hidden fields its proof forms carry."""

from __future__ import annotations

import re


def seen_on(response) -> str:
    """The fingerprint of the proof of use the money page showed (its hidden `review-seen`)."""
    html = response.get_data(as_text=True)
    found = re.search(r'name="review-seen" type="hidden" value="([^"]*)"', html)
    assert found, "the money page carries no proof fingerprint"
    return found.group(1)
