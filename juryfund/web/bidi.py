"""Text people typed, isolated from the page around it (mixed-direction and mixed-language text).

A German title on an Arabic page, or an Arabic name in a German sentence, must keep its own
reading order: the bidi algorithm would otherwise move its punctuation and numbers to the other
end ("!Hoffest 2026"), or pull a neighbouring number or "€" into it. HTML isolates it with
``<bdi>`` (and says its language with ``lang`` where known, so a screen reader switches voice);
plain text (the text part of a mail) has no markup, so there the Unicode isolates FSI … PDI do
the same on right-to-left mails.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from flask import Flask
from jinja2 import pass_eval_context
from jinja2.nodes import EvalContext
from markupsafe import Markup

from .i18n import RTL_LANGUAGES, current_language

#: FIRST STRONG ISOLATE and POP DIRECTIONAL ISOLATE: plain text's <bdi dir="auto">…</bdi>.
FSI = "\u2068"
PDI = "\u2069"


#: The script each offered language is written in (the others: Latin).
_SCRIPTS = {"ar": "ARABIC", "uk": "CYRILLIC", "ru": "CYRILLIC"}
#: What a text in a script most likely is when the stated language is written in another one.
_GUESS = {"LATIN": "de", "ARABIC": "ar"}


def _script(text: str) -> str | None:
    """The script of the first letter of a text (LATIN, ARABIC, CYRILLIC, ...), None without."""
    for char in text:
        if char.isalpha():
            return unicodedata.name(char, "?").split(" ")[0]
    return None


def text_language(value: Any, stated: str | None) -> str:
    """The language to mark a typed text with: `stated`, unless its letters say otherwise.

    `stated` is what is known about the writer (an applicant's language, German for the QM
    team); an applicant using the Arabic form may well type a German title. Then a Latin text
    is taken for German (the funds' working language), an Arabic one for Arabic, and anything
    else is "" (unknown) rather than a wrong language a screen reader would read it in.
    """
    script = _script(str(value or ""))
    if not stated or script is None or script == _SCRIPTS.get(stated, "LATIN"):
        return stated or ""
    return _GUESS.get(script, "")


def isolate_html(value: Any, lang: str | None = None) -> Markup:
    """``<bdi lang=..>value</bdi>``, escaped; nothing for an empty value."""
    if value is None or value == "":
        return Markup("")
    lang = text_language(value, lang)
    if lang:
        return Markup('<bdi lang="{}">{}</bdi>').format(lang, value)
    return Markup("<bdi>{}</bdi>").format(value)


def isolate_text(value: Any) -> str:
    """The value between FSI and PDI (each line) in a right-to-left text, else unchanged."""
    if value is None or value == "":
        return ""
    text = str(value)
    if current_language() not in RTL_LANGUAGES:
        return text
    # Each line is a paragraph of its own to the bidi algorithm: isolate line by line.
    return "\n".join(f"{FSI}{line}{PDI}" if line else line for line in text.split("\n"))


@pass_eval_context
def typed(eval_ctx: EvalContext, value: Any, lang: str | None = None) -> Markup | str:
    """Template filter for a typed value: ``<bdi>`` in HTML, FSI/PDI in right-to-left plain text.

    ``{{ application.title | typed(application.language) }}``; works inside ``_()``'s
    parameters too, since a translation's placeholders take Markup as it is.
    """
    if eval_ctx.autoescape:
        return isolate_html(value, lang)
    return isolate_text(value)


def arrows(direction: str) -> dict[str, Markup]:
    """The arrows of back/forward links, pointing the reading direction's way.

    "←" is not a mirrored character: a browser shows it pointing left on a right-to-left page
    too, where "back" is to the right. The arrow is decoration; the link text says where to.
    """
    back, forward = ("→", "←") if direction == "rtl" else ("←", "→")
    arrow = Markup('<span class="arrow" aria-hidden="true">{}</span>')
    return {"arrow_back": arrow.format(back), "arrow_forward": arrow.format(forward)}


def init_app(app: Flask) -> None:
    """Register the `typed` and `typed_lang` filters and the direction-aware arrows."""
    app.jinja_env.filters["typed"] = typed
    app.jinja_env.filters["typed_lang"] = text_language

    @app.context_processor
    def arrow_context() -> dict[str, Markup]:
        """``arrow_back`` / ``arrow_forward`` for the page's direction."""
        return arrows("rtl" if current_language() in RTL_LANGUAGES else "ltr")
