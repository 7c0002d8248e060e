"""The "Easy to read" page comes from the public page cache, yet never shows stale figures: a
booking, a new session and a changed cap show at once."""

from __future__ import annotations

from datetime import timedelta

import pytest

from juryfund.domain.actors import SYSTEM
from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.services import sessions
from juryfund.web.i18n import LANGUAGE_COOKIE

from .conftest import Spec

pytestmark = [pytest.mark.transparency, pytest.mark.i18n]


def easy_page(client, area) -> str:
    client.set_cookie(LANGUAGE_COOKIE, "de")
    response = client.get(f"/{area.slug}/easy")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_easy_page_is_cached(app, client, area, fund):
    cache = app.extensions["juryfund.pagecache"]
    first = easy_page(client, area)
    hits = cache.hits
    assert easy_page(client, area) == first
    assert cache.hits == hits + 1


def test_a_booking_shows_at_once_on_the_easy_page(client, area, fund, decide):
    assert "Davon sind noch 10.000 Euro frei." in easy_page(client, area)
    decide([Spec("Hoffest", requested=150000)])  # commits 1,500 €
    assert "Davon sind noch 8.500 Euro frei." in easy_page(client, area)


def test_a_new_session_and_a_new_cap_show_at_once(client, area, fund):
    page = easy_page(client, area)
    assert "Den Tag vom nächsten Treffen wissen wir noch nicht." in page
    assert "Sie bekommen höchstens 1.500 Euro." in page
    today = clock.area_today(area)
    sessions.add_session(
        fund, meets_on=today + timedelta(days=20), apply_by=today + timedelta(days=10), actor=SYSTEM
    )
    fund.cap_cents = 120_000
    db.session.commit()
    page = easy_page(client, area)
    assert "Das nächste Treffen ist am" in page
    assert "Den Tag vom nächsten Treffen wissen wir noch nicht." not in page
    assert "Sie bekommen höchstens 1.200 Euro." in page
