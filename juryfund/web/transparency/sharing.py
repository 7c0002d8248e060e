"""What a shared link to a project page shows: Open Graph tags and schema.org JSON-LD.

Everything here is public already (services.transparency: names only with consent); the JSON-LD
is written into a ``<script type="application/ld+json">`` block, where the HTML parser ends the
block at the first ``</script`` whatever JSON says: so every ``<``, ``>`` and ``&`` is written as
a JSON escape, and no title or description can close the block or open markup.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup

from ...infra.links import external_url
from ...models import Area
from ...services.stories import PublicStory
from ...services.transparency import Project
from .serialise import euros

#: How much of the description a link preview shows (previews cut at about this length).
SUMMARY_LENGTH = 200
#: Characters that could end the script block or start markup, and line separators that old
#: JavaScript parsers took for line ends: all as JSON escapes (JSON readers see the same text).
_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}


def json_ld(data: dict[str, Any]) -> Markup:
    """Data as JSON that is safe inside a script element of an HTML page."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for character, escape in _ESCAPES.items():
        text = text.replace(character, escape)
    return Markup(text)  # noqa: S704 - escaped above for a script element's content


def summary(text: str, length: int = SUMMARY_LENGTH) -> str:
    """The description's start on one line, cut at a word with an ellipsis when too long."""
    flat = " ".join(text.split())
    if len(flat) <= length:
        return flat
    return flat[:length].rsplit(" ", 1)[0].rstrip(" ,.;:") + "…"


def project_metadata(
    area: Area, project: Project, story: PublicStory | None = None
) -> dict[str, Any]:
    """The Open Graph fields and the JSON-LD (schema.org MonetaryGrant) of a project page.

    The picture is the first photo of the project's public story (approved, consent standing),
    as an absolute address; without one there is no picture at all (no stand-in image).
    """
    url = external_url("transparency.project", slug=area.slug, reference=project.reference)
    description = summary(project.description)
    grant: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "MonetaryGrant",
        "identifier": project.reference,
        "name": project.title,
        "description": description,
        "url": url,
        # The amount of the approved decision in force, in euros as a decimal string.
        "amount": {
            "@type": "MonetaryAmount",
            "currency": "EUR",
            "value": euros(project.approved_cents),
        },
        "funder": {
            "@type": "Organization",
            "name": f"{project.fund_name} · {area.name}",
            "url": external_url("public.area", slug=area.slug),
        },
        "fundedItem": {
            "@type": "Project",
            "name": project.title,
            **({"location": project.place} if project.place else {}),
        },
    }
    og = {
        "og:type": "article",
        "og:title": project.title,
        "og:description": description,
        "og:url": url,
        "og:site_name": area.name,
    }
    photo = story.photos[0] if story is not None and story.photos else None
    if photo is not None:
        image = external_url(
            "transparency.project_photo",
            slug=area.slug,
            reference=project.reference,
            photo_id=photo.id,
        )
        og |= {
            "og:image": image,
            "og:image:type": photo.content_type,
            "og:image:width": str(photo.width),
            "og:image:height": str(photo.height),
            "og:image:alt": photo.alt_text,
        }
        grant["image"] = image
    return {"og": og, "json_ld": json_ld(grant)}
