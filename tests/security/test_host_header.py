"""A forged Host (or X-Forwarded-Host behind the proxy) never reaches what other visitors are
served: pages build absolute links from the configured address (JURYFUND_BASE_URL), and the
shared page cache keeps answers per host. Before, one anonymous request with `Host:
evil.example` put the attacker's "Apply now" link into the widget every visitor of the QM's
website was then served from the cache."""

from __future__ import annotations

import pytest
from werkzeug.middleware.proxy_fix import ProxyFix

WIDGETS = ("apply", "decisions", "money")


@pytest.mark.parametrize("widget", WIDGETS)
def test_a_widget_asked_for_with_a_forged_host_links_to_the_configured_address(
    app, client, area, fund, widget
):
    base = app.config["JURYFUND_BASE_URL"].rstrip("/")
    url = f"/{area.slug}/widgets/{widget}"
    forged = client.get(url, headers={"Host": "evil.example"}).get_data(as_text=True)
    assert "evil.example" not in forged and f'href="{base}/{area.slug}' in forged
    served = client.get(url).get_data(as_text=True)  # an ordinary visitor, after
    assert "evil.example" not in served


def test_a_forwarded_host_behind_the_proxy_changes_no_link(app, client, area, fund):
    app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)
    url = f"/{area.slug}/widgets/apply"
    forged = client.get(url, headers={"X-Forwarded-Host": "evil.example"})
    assert "evil.example" not in forged.get_data(as_text=True)
    assert "evil.example" not in client.get(url).get_data(as_text=True)


def test_the_page_cache_keeps_answers_per_host(client, area, fund, monkeypatch):
    """Defence in depth: should a page ever write the request's host, no other host gets it."""
    from juryfund.web import pagecache

    keys: list[tuple] = []
    real_key = pagecache._page_key
    monkeypatch.setattr(pagecache, "_page_key", lambda: keys.append(real_key()) or keys[-1])
    client.get(f"/{area.slug}/widgets/apply", headers={"Host": "evil.example"})
    client.get(f"/{area.slug}/widgets/apply")
    assert len(keys) == 2 and keys[0] != keys[1]
