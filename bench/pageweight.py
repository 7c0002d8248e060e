"""Page weight and load time on a weak phone connection (issue 18).

    .venv/bin/python bench/pageweight.py                 # every page of the demo, de and ar
    .venv/bin/python bench/pageweight.py --languages de  # one language
    python3 dev.py bench                                 # runs it after bench/run.py

Seeds the demo into a fresh SQLite database (tests/browser/demo_pages.py: the pages of the URL
map, each as every role that may open it), serves it, and measures:

* weight: each page's HTML plus the style sheets and scripts it links, gzip-compressed as the
  documented nginx configuration sends them (docs/deploy.md, deploy/nginx-juryfund.conf:
  gzip level 5) — target ≤ 40 kB per page; and that no page asks for a web font or anything
  from another host;
* Largest Contentful Paint of the area page, the application form and the ballot in Debian's
  chromium under DevTools' "Slow 4G" (562.5 ms latency, 1.44 Mbit/s down, 675 kbit/s up) and
  4× CPU slowdown, from a cold cache — target < 2 s. The server in front compresses like
  nginx (a small WSGI middleware here, so no nginx is needed to measure).

Numbers are printed per page and written to bench/results/pageweight-<time>.json. Needs the
dev extras (Playwright) and /usr/bin/chromium, as the browser tests do.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import tempfile
import threading
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results"

WEIGHT_LIMIT = 40 * 1024
LCP_LIMIT_MS = 2000
#: gzip level of the documented nginx configuration (gzip_comp_level).
GZIP_LEVEL = 5
#: Chromium DevTools' "Slow 4G" preset (its throttling presets in the DevTools front end).
SLOW_4G = {
    "offline": False,
    "latency": 150 * 3.75,
    "downloadThroughput": 1.6 * 1000 * 1000 / 8 * 0.9,
    "uploadThroughput": 750 * 1000 / 8 * 0.9,
}
CPU_SLOWDOWN = 4
COMPRESSED_TYPES = (
    "text/html",
    "text/css",
    "text/javascript",
    "application/javascript",
    "application/json",
    "text/csv",
    "application/atom+xml",
    "text/calendar",
    "image/svg+xml",
)
_ASSET = re.compile(
    r'<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src)="([^"]+)"', re.IGNORECASE
)
_FONT = re.compile(r"@font-face|\.woff2?\b|\.ttf\b|\.otf\b", re.IGNORECASE)


class GzipLikeNginx:
    """WSGI middleware: gzip text answers for clients that accept it, as nginx's gzip does."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, environ, start_response):
        """Compress the answer when the client accepts gzip and the type is text."""
        if "gzip" not in environ.get("HTTP_ACCEPT_ENCODING", ""):
            return self.app(environ, start_response)
        captured: dict = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return lambda data: None

        body = b"".join(self.app(environ, capture))
        headers = captured["headers"]
        kind = next((v for k, v in headers if k.lower() == "content-type"), "")
        if kind.split(";")[0].strip() in COMPRESSED_TYPES and len(body) > 20:
            body = gzip.compress(body, GZIP_LEVEL)
            headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
            headers += [("Content-Encoding", "gzip"), ("Content-Length", str(len(body)))]
            headers += [("Vary", "Accept-Encoding")]
        start_response(captured["status"], headers)
        return [body]


def compressed(body: bytes) -> int:
    """Bytes on the wire after gzip at the configured level."""
    return len(gzip.compress(body, GZIP_LEVEL))


def main() -> int:
    """Seed the demo, serve it, weigh every page and time three of them under Slow 4G."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--languages", default="de,ar")
    parser.add_argument("--no-lcp", action="store_true", help="weights only")
    args = parser.parse_args()
    languages = [code for code in args.languages.split(",") if code]

    instance = tempfile.mkdtemp(prefix="juryfund-pageweight-")
    os.environ.update(
        {
            "JURYFUND_ENV": "development",
            "JURYFUND_INSTANCE_PATH": instance,
            "JURYFUND_MAIL_BACKEND": "file",
            "JURYFUND_RATELIMIT_ENABLED": "false",
        }
    )
    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    import juryfund.models  # noqa: F401  (every table on the metadata)
    from juryfund import create_app
    from juryfund.extensions import db
    from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, _QuietHandler
    from tests.browser.demo_pages import build_world, fill, page_rules, role_contexts

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance}/pageweight.sqlite3",
            "JURYFUND_SECRET_KEYS": ["pageweight-secret-key"],
            "RATELIMIT_ENABLED": False,
        }
    )
    context = app.app_context()
    context.push()
    db.metadata.create_all(db.engine)
    world = build_world()
    server = make_server(
        "127.0.0.1", 0, GzipLikeNginx(app), threaded=True, request_handler=_QuietHandler
    )
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["JURYFUND_BASE_URL"] = base
    threading.Thread(target=server.serve_forever, daemon=True).start()

    weights: dict[str, dict] = {}
    timings: list[dict] = []
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        for language in languages:
            contexts = role_contexts(browser, base, language, world)
            assets: dict[str, tuple[int, int, str]] = {}

            def asset(
                role: str, url: str, contexts=contexts, assets=assets
            ) -> tuple[int, int, str]:
                if url not in assets:
                    body = contexts[role].request.get(url).body()
                    assets[url] = (len(body), compressed(body), body.decode("utf-8", "replace"))
                return assets[url]

            for rule in page_rules(app):
                for values in world.bindings.get(tuple(sorted(rule.arguments)), []):
                    path = fill(rule, values)
                    for role, role_context in contexts.items():
                        answer = role_context.request.get(path, max_redirects=0)
                        if answer.status != 200 or "text/html" not in answer.headers.get(
                            "content-type", ""
                        ):
                            continue
                        html = answer.body()
                        raw, packed = len(html), compressed(html)
                        linked = _ASSET.findall(html.decode("utf-8", "replace"))
                        for url in linked:
                            host = urlsplit(url).netloc
                            if host and host != urlsplit(base).netloc:
                                problems.append(f"{path} ({role}): third-party request {url}")
                                continue
                            size, size_packed, text = asset(role, url)
                            raw, packed = raw + size, packed + size_packed
                            if _FONT.search(text):
                                problems.append(f"{path}: {url} loads a web font")
                        if _FONT.search(html.decode("utf-8", "replace")):
                            problems.append(f"{path} ({role}): the page loads a web font")
                        key = f"{language} {rule.rule}"
                        if key not in weights or packed > weights[key]["compressed"]:
                            weights[key] = {
                                "path": path,
                                "role": role,
                                "language": language,
                                "bytes": raw,
                                "compressed": packed,
                                "assets": linked,
                            }
            if not args.no_lcp:
                targets = [
                    ("area page", "anonymous", "/soldiner-kiez/"),
                    ("application form", "anonymous", "/soldiner-kiez/apply"),
                    ("ballot", "member", weights[f"{language} /ballot/<int:round_id>"]["path"]),
                ]
                for name, role, path in targets:
                    timings.append(_lcp(browser, contexts[role], base, language, name, path))
            for role_context in contexts.values():
                role_context.close()
        browser.close()
    server.shutdown()

    print(f"page weight (HTML + CSS + scripts, gzip level {GZIP_LEVEL}; limit 40 kB):")
    heaviest = sorted(weights.values(), key=lambda w: -w["compressed"])
    for weight in heaviest:
        flag = "" if weight["compressed"] <= WEIGHT_LIMIT else "  OVER"
        print(
            f"  {weight['language']} {weight['path']:<60} {weight['role']:<9} "
            f"{weight['compressed'] / 1024:6.1f} kB ({weight['bytes'] / 1024:6.1f} kB raw){flag}"
        )
    if timings:
        print("\nLargest Contentful Paint, Slow 4G + 4x CPU slowdown, cold cache (limit 2 s):")
        for timing in timings:
            flag = (
                "" if timing["lcp_ms"] is not None and timing["lcp_ms"] < LCP_LIMIT_MS else "  MISS"
            )
            print(
                f"  {timing['language']} {timing['page']:<18} LCP {timing['lcp_ms']} ms, "
                f"load {timing['load_ms']} ms, {timing['transferred'] / 1024:.1f} kB "
                f"transferred in {timing['requests']} requests{flag}"
            )
    checks = [
        ("ok   " if w["compressed"] <= WEIGHT_LIMIT else "MISS ")
        + f"{w['language']} {w['path']}: {w['compressed'] / 1024:.1f} kB compressed (≤ 40 kB)"
        for w in heaviest
    ]
    checks += [
        ("ok   " if t["lcp_ms"] is not None and t["lcp_ms"] < LCP_LIMIT_MS else "MISS ")
        + f"{t['language']} {t['page']}: LCP {t['lcp_ms']} ms under Slow 4G (< 2,000 ms)"
        for t in timings
    ]
    checks += [f"MISS {problem}" for problem in sorted(set(problems))]
    if not problems:
        checks.append("ok   no web fonts, no requests to other hosts")
    print("\n" + "\n".join(checks))
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"pageweight-{datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(
        json.dumps(
            {
                "gzip_level": GZIP_LEVEL,
                "network": SLOW_4G,
                "cpu_slowdown": CPU_SLOWDOWN,
                "pages": heaviest,
                "lcp": timings,
                "targets": checks,
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )
    print(f"\nresults written to {out.relative_to(ROOT)}")
    context.pop()
    return 0


def _lcp(browser, role_context, base: str, language: str, name: str, path: str) -> dict:
    """Load one page from a cold cache under Slow 4G and CPU slowdown; LCP and load time."""
    # A new context with the role's cookies (login, ballot grant, language) and an empty cache.
    context = browser.new_context(
        base_url=base, storage_state=role_context.storage_state(), locale="de-DE"
    )
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    cdp.send("Network.emulateNetworkConditions", SLOW_4G)
    cdp.send("Emulation.setCPUThrottlingRate", {"rate": CPU_SLOWDOWN})
    page.goto(path, wait_until="load")
    result = page.evaluate(
        """() => new Promise(resolve => {
            let last = null;
            new PerformanceObserver(list => {
                const entries = list.getEntries();
                last = entries[entries.length - 1];
            }).observe({type: "largest-contentful-paint", buffered: true});
            setTimeout(() => {
                const nav = performance.getEntriesByType("navigation")[0];
                const resources = performance.getEntriesByType("resource");
                resolve({
                    lcp: last ? Math.round(last.startTime) : null,
                    element: last && last.element ? last.element.tagName : null,
                    load: Math.round(nav.loadEventEnd),
                    transferred: nav.transferSize + resources.reduce((s, r) => s + r.transferSize, 0),
                    requests: 1 + resources.length,
                });
            }, 500);
        })"""
    )
    context.close()
    return {
        "language": language,
        "page": name,
        "path": path,
        "lcp_ms": result["lcp"],
        "lcp_element": result["element"],
        "load_ms": result["load"],
        "transferred": result["transferred"],
        "requests": result["requests"],
    }


if __name__ == "__main__":
    sys.exit(main())
