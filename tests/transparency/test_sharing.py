"""A shared project link (issue 17, item 5): Open Graph tags and schema.org JSON-LD in the head,
with the amount of the decision and user text that cannot break out of the script block."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest

from juryfund.extensions import db
from juryfund.web.transparency.sharing import json_ld, summary

from .conftest import Spec

pytestmark = pytest.mark.transparency

HOSTILE = 'Fest </script><script>alert(1)</script> & "Kiez" <!-- \u2028'


def head_of(html: str) -> str:
    return html.split("</head>", 1)[0]


def og(html: str) -> dict[str, str]:
    return {
        name: unescape(value)
        for name, value in re.findall(r'<meta property="(og:[a-z_]+)" content="([^"]*)">', html)
    }


def ld_blocks(html: str) -> list[str]:
    return re.findall(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)


def test_project_page_has_open_graph_and_json_ld_with_the_decided_amount(app, client, area, decide):
    (project,) = decide([Spec("Hoffest im Kiez", 80_000, approved=57_050)])
    project.description = "Ein Fest für alle Nachbarinnen und Nachbarn im Hof. " * 10
    db.session.commit()
    html = client.get(f"/{area.slug}/projects/{project.reference}").get_data(as_text=True)
    head = head_of(html)
    tags = og(head)
    assert tags["og:title"] == "Hoffest im Kiez"
    assert tags["og:type"] == "article"
    base = app.config["JURYFUND_BASE_URL"].rstrip("/")  # the canonical address, not the request's
    assert tags["og:url"] == f"{base}/{area.slug}/projects/{project.reference}"
    assert tags["og:description"].startswith("Ein Fest für alle")
    assert len(tags["og:description"]) <= 201 and tags["og:description"].endswith("…")
    assert "og:image" not in tags  # no picture yet: no image tag rather than a wrong one

    (block,) = ld_blocks(head)
    grant = json.loads(block)
    assert grant["@type"] == "MonetaryGrant"
    assert grant["amount"] == {"@type": "MonetaryAmount", "currency": "EUR", "value": "570.50"}
    assert grant["identifier"] == project.reference
    assert grant["url"] == tags["og:url"]
    assert grant["fundedItem"]["name"] == "Hoffest im Kiez"


def test_user_text_cannot_break_out_of_the_json_ld(client, area, decide):
    (project,) = decide([Spec(HOSTILE)])
    project.description = HOSTILE
    db.session.commit()
    html = client.get(f"/{area.slug}/projects/{project.reference}").get_data(as_text=True)
    head = head_of(html)
    assert head.count("<script") == 1 and "alert(1)</script>" not in head
    assert "<!--" not in head
    (block,) = ld_blocks(head)
    assert "<" not in block and ">" not in block and "&" not in block
    grant = json.loads(block)
    assert grant["name"] == HOSTILE  # the reader gets the text back exactly
    assert og(head)["og:title"] == HOSTILE


def test_json_ld_escapes_every_markup_character():
    text = str(json_ld({"a": "</script><b>&amp;\u2028\u2029"}))
    assert text == '{"a":"\\u003c/script\\u003e\\u003cb\\u003e\\u0026amp;\\u2028\\u2029"}'
    assert json.loads(text) == {"a": "</script><b>&amp;\u2028\u2029"}


def test_summary_is_one_line_and_cut_at_a_word():
    assert summary("a\n\nb   c") == "a b c"
    assert summary("Wort " * 100, length=20) == "Wort Wort Wort Wort…"


def test_no_name_without_consent_in_the_metadata(client, area, decide):
    (project,) = decide([Spec("Hoffest", kind="person", name="Jonas Becker", consent=False)])
    html = client.get(f"/{area.slug}/projects/{project.reference}").get_data(as_text=True)
    assert "Jonas Becker" not in html
