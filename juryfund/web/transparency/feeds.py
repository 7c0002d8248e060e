"""The Atom 1.0 feed of an area's newest published decisions."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from zoneinfo import ZoneInfo

from flask import Response
from flask_babel import gettext as _

from ...infra.links import external_url
from ...services import transparency
from ..areas import load_area
from ..i18n import current_language, money
from ..labels import OUTCOME_LABELS
from ..pagecache import public_page
from .blueprint import bp
from .display import who
from .serialise import iso_utc, project_url

FEED_SIZE = 50
ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


#: Characters XML 1.0 does not allow in a document (C0 controls but tab, newline and carriage
#: return; lone surrogates; U+FFFE/U+FFFF): one in a title would make the whole feed unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    """Append a child element with its attributes and, if given, its text (XML-safe)."""
    element = ET.SubElement(parent, tag, {k: _NOT_XML.sub("", v) for k, v in attrs.items()})
    if text is not None:
        element.text = _NOT_XML.sub("", text)
    return element


@bp.get("/<slug>/decisions.atom")
@public_page
def decisions_feed(slug: str):
    """An Atom 1.0 feed of the area's newest published decisions."""
    area = load_area(slug)
    newest = transparency.all_decisions(area, limit=FEED_SIZE)
    page_url = external_url("transparency.decisions", slug=area.slug)
    feed_url = external_url("transparency.decisions_feed", slug=area.slug)

    # Plain tag names under a default xmlns: readers see every element in the Atom namespace.
    feed = ET.Element("feed", {"xmlns": ATOM, XML_LANG: current_language()})
    _sub(feed, "id", feed_url)
    _sub(feed, "title", _("Decisions: %(area)s", area=area.name))
    _sub(feed, "updated", iso_utc(newest[0].decided_at if newest else area.created_at))
    _sub(feed, "link", rel="self", type="application/atom+xml", href=feed_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=page_url)
    author = _sub(feed, "author")
    _sub(author, "name", area.name)
    for decision in newest:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"{page_url}#decision-{decision.decision_id}")
        _sub(entry, "title", f"{OUTCOME_LABELS[decision.outcome]}: {decision.title}")
        _sub(entry, "updated", iso_utc(decision.decided_at))
        year = decision.decided_at.astimezone(ZoneInfo(area.timezone)).year
        link = project_url(area, decision) or (
            external_url("transparency.decisions", slug=area.slug, year=year)
            + f"#decision-{decision.decision_id}"
        )
        _sub(entry, "link", rel="alternate", type="text/html", href=link)
        summary = [
            f"{decision.reference} · {who(decision)}",
            f"{decision.body} · {decision.fund_name}",
            str(OUTCOME_LABELS[decision.outcome]),
        ]
        if decision.approved_cents is not None:
            summary.append(money(decision.approved_cents))
        _sub(entry, "summary", " · ".join(summary), type="text")
    body = ET.tostring(feed, encoding="unicode")
    return Response(
        '<?xml version="1.0" encoding="utf-8"?>\n' + body,
        mimetype="application/atom+xml",
        headers={"Content-Type": "application/atom+xml; charset=utf-8"},
    )
