"""Open data answers conditional requests: 304 while the data is unchanged, never after a change."""

from __future__ import annotations

import pytest
from flask import current_app

from tests.perf.conftest import count_queries  # noqa: F401  (the shared query counter)

from .conftest import Spec

pytestmark = [pytest.mark.transparency, pytest.mark.perf]

EXPORTS = [
    "/{slug}/decisions.csv",
    "/{slug}/decisions.json",
    "/{slug}/decisions.atom",
    "/{slug}/calendar.ics",
    "/api/v1/areas/{slug}/decisions",
    "/{slug}/decisions",
]


@pytest.mark.parametrize("template", EXPORTS)
def test_an_unchanged_export_answers_304_and_a_changed_one_its_new_content(
    client, area, fund, decide, template
):
    decide([Spec("Hoffest")])
    url = template.format(slug=area.slug)
    first = client.get(url)
    assert first.status_code == 200
    tag = first.headers["ETag"]
    assert tag.startswith('"') and not tag.startswith("W/")  # strong: same tag, same bytes
    assert first.headers["Cache-Control"] == "no-cache"  # always asked again, never stale
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.get_data() == b""
    assert again.headers["ETag"] == tag
    # The same bytes come back without the condition.
    assert client.get(url).get_data() == first.get_data()

    decide([Spec("Lesecafé")])  # a change committed to the data the export shows
    changed = client.get(url, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != tag
    if "ics" not in url:
        assert "Lesecaf" in changed.get_data(as_text=True)


def test_a_304_costs_one_query(client, area, fund, decide, count_queries):
    decide([Spec("Hoffest")])
    url = f"/{area.slug}/decisions.csv"
    tag = client.get(url).headers["ETag"]
    assert count_queries(lambda: client.get(url, headers={"If-None-Match": tag})) == 1


def test_a_tag_a_compressing_proxy_weakened_or_suffixed_still_matches(client, area, fund, decide):
    decide([Spec("Hoffest")])
    url = f"/{area.slug}/decisions.csv"
    tag = client.get(url).headers["ETag"]
    for held in (f"W/{tag}", tag[:-1] + ':gzip"', f'"other", {tag}', "*"):
        assert client.get(url, headers={"If-None-Match": held}).status_code == 304, held
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200


def test_each_language_and_page_has_its_own_tag(client, area, fund, decide):
    decide([Spec("Hoffest")])
    url = f"/{area.slug}/decisions.atom"
    german = client.get(url, headers={"Accept-Language": "de"}).headers["ETag"]
    english = client.get(url, headers={"Accept-Language": "en"})
    assert english.headers["ETag"] != german
    assert "Cookie" in english.headers["Vary"] and "Accept-Language" in english.headers["Vary"]
    assert (
        client.get(url, headers={"If-None-Match": german, "Accept-Language": "en"}).status_code
        == 200
    )
    json_tag = client.get(f"/{area.slug}/decisions.json").headers["ETag"]
    assert json_tag != german


def test_if_modified_since_alone_never_answers_304(client, area, fund, decide):
    # Only the tag is exact: a date of one second could hide a change made in the same second.
    decide([Spec("Hoffest")])
    url = f"/{area.slug}/decisions.csv"
    answer = client.get(url, headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"})
    assert answer.status_code == 200


def test_a_new_release_changes_every_tag(app, client, area, fund, decide):
    decide([Spec("Hoffest")])
    url = f"/{area.slug}/decisions.csv"
    tag = client.get(url).headers["ETag"]
    current_app.extensions["juryfund.release"] = "another release"
    assert client.get(url, headers={"If-None-Match": tag}).status_code == 200


def test_staff_get_no_tag(client, area, fund, decide, login, make):
    decide([Spec("Hoffest")])
    url = f"/{area.slug}/decisions.csv"
    tag = client.get(url).headers["ETag"]
    login(make.staff(areas=[area]))
    answer = client.get(url, headers={"If-None-Match": tag})
    assert answer.status_code == 200
    assert "ETag" not in answer.headers


def test_a_small_csv_is_kept_whole_and_a_long_one_streams_every_time(
    client, area, fund, decide, count_queries, monkeypatch
):
    """A year's CSV within DOWNLOAD_KEPT_BYTES is answered from the cache (one read of the
    data version) until the data changes; a longer one is streamed anew and never held."""
    from juryfund.web import pagecache

    decide([Spec("Hoffest")])
    url = f"/{area.slug}/decisions.csv"
    first = client.get(url)
    body = first.get_data()
    assert b"Hoffest" in body
    again: list = []
    assert count_queries(lambda: again.append(client.get(url))) == 1
    assert again[0].get_data() == body and again[0].headers["ETag"] == first.headers["ETag"]
    assert again[0].headers["Content-Type"] == "text/csv; charset=utf-8"
    assert again[0].headers["Content-Disposition"] == first.headers["Content-Disposition"]

    decide([Spec("Lesecafé")])  # the data changed: never the kept copy
    changed = client.get(url).get_data(as_text=True)
    assert "Lesecaf" in changed and "Hoffest" in changed

    monkeypatch.setattr(pagecache, "DOWNLOAD_KEPT_BYTES", len(body) // 2)
    decide([Spec("Kiezkino")])
    long_one = client.get(url).get_data(as_text=True)
    assert "Kiezkino" in long_one
    assert count_queries(lambda: client.get(url).get_data()) > 1  # streamed anew
