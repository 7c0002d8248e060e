"""Language and time zone selection, and the template helpers that format per locale."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import get_datetime_format
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from flask import Flask, current_app, g, request
from flask_babel import force_locale, format_date, format_time, get_locale

from ..domain.money import format_amount_for_input, format_euros, format_money
from ..extensions import babel

LANGUAGE_COOKIE = "juryfund_lang"

#: Each language's own name, shown in the switcher (never translated).
LANGUAGE_NAMES = {
    "de": "Deutsch",
    "en": "English",
    "tr": "Türkçe",
    "ar": "العربية",
    "uk": "Українська",
    "ru": "Русский",
    "pl": "Polski",
}
RTL_LANGUAGES = frozenset({"ar"})


def offered_languages() -> list[str]:
    """Languages offered on this page: the area's subset where a page belongs to an area."""
    area = getattr(g, "area", None)
    supported = list(current_app.config["JURYFUND_LOCALES"])
    if area is not None:
        chosen = [code for code in area.language_list if code in supported]
        return chosen or ["de"]
    return supported


#: Set by a view whose page takes its language from ``?lang=`` (the widgets: a website that
#: embeds them says the language, and a cross-site frame has no language cookie).
LANGUAGE_FROM_QUERY = "juryfund.language_from_query"


def select_locale() -> str:
    """?lang= where the page takes it, then the cookie, the browser's Accept-Language, German."""
    offered = offered_languages()
    if g.get(LANGUAGE_FROM_QUERY) and request.args.get("lang") in offered:
        return request.args["lang"]
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    if chosen in offered:
        return chosen
    return request.accept_languages.best_match(offered) or offered[0]


def remember_language(response, language: str):
    """Keep the person's own language (member, applicant) unless they already chose one here."""
    if (
        not request.cookies.get(LANGUAGE_COOKIE)
        and language in current_app.config["JURYFUND_LOCALES"]
    ):
        response.set_cookie(
            LANGUAGE_COOKIE,
            language,
            max_age=365 * 24 * 3600,
            samesite="Lax",
            httponly=True,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
    return response


def select_timezone() -> str:
    """The area's time zone where a page belongs to an area, else the installation default."""
    area = getattr(g, "area", None)
    return area.timezone if area is not None else current_app.config["JURYFUND_DEFAULT_TIMEZONE"]


def current_language() -> str:
    """The active locale as a plain language code."""
    return str(get_locale() or "de")


def money(cents: int | None) -> str:
    """Format cents as currency in the active locale ('1.234,50 €' in German)."""
    if cents is None:
        return ""
    return format_money(cents, current_language())


def euros(cents: int | None) -> str:
    """Cents as a plain number of euros for a sentence that names the currency in words
    ("1.500" in "Sie bekommen höchstens 1.500 Euro"): the easy-to-read pages."""
    return "" if cents is None else format_euros(cents, current_language())


def money_input(cents: int | None) -> str:
    """Format cents for a form input in the active locale, without currency sign."""
    return "" if cents is None else format_amount_for_input(cents, current_language())


def language_name(code: str | None) -> str:
    """A language's name in the page's language ("Polnisch" on a German page), not its code."""
    if not code:
        return ""
    try:
        name = Locale.parse(code).get_display_name(current_language())
    except (ValueError, TypeError, UnknownLocaleError):
        return code
    return name or code


def percent_bp(bp: int | None) -> str:
    """Basis points as a number of percent in the active locale (250 -> "2,5" in German)."""
    if bp is None:
        return ""
    return format_decimal(Decimal(bp) / 100, format="#,##0.##", locale=current_language())


def when(value: datetime | date | None, fmt: str = "medium") -> str:
    """Format a date, or a UTC datetime in the page's time zone, in the active locale.

    Datetimes show the date in `fmt` and the time without seconds, joined the locale's way.
    """
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return format_date(value, fmt)
    pattern = get_datetime_format(fmt, locale=get_locale())
    return pattern.replace("{1}", format_date(value, fmt)).replace(
        "{0}", format_time(value, "short")
    )


def day(value: datetime | None, fmt: str = "long") -> str:
    """The calendar day of a UTC datetime in the page's time zone, without the time (a letter
    is dated by its day)."""
    if value is None:
        return ""
    return format_date(value.astimezone(zone()).date(), fmt)


def in_german(caller: Callable[[], str]) -> str:
    """Render a template's `{% call in_german() %}` block in German, the binding language.

    A letter repeats its text in German below the applicant's language; whatever the block
    translates, formats as money or as a date comes out German.
    """
    with force_locale("de"):
        return caller()


def local_input(value: datetime | None) -> str:
    """A UTC datetime as the value of a datetime-local input, in the page's time zone."""
    if value is None:
        return ""
    return value.astimezone(zone()).strftime("%Y-%m-%dT%H:%M")


def zone() -> ZoneInfo:
    """The time zone of the current request."""
    return ZoneInfo(select_timezone())


def compile_catalogs(directory: Path) -> None:
    """Compile each messages.po whose .mo is missing or older, so every way of starting works.

    The .mo files are build products and not committed; compiling seven small catalogs takes
    milliseconds and happens only when a .po changed.
    """
    for po_path in directory.glob("*/LC_MESSAGES/messages.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po_file:
            catalog = read_po(po_file)
        tmp_path = mo_path.with_suffix(f".{os.getpid()}.tmp")
        with tmp_path.open("wb") as mo_file:
            write_mo(mo_file, catalog)
        tmp_path.replace(mo_path)  # atomic: a concurrent worker never reads half a file


def init_app(app: Flask) -> None:
    """Attach Flask-Babel with our selectors and expose the helpers to templates."""
    compile_catalogs(Path(app.config["BABEL_TRANSLATION_DIRECTORIES"]))
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["money_input"] = money_input
    app.jinja_env.filters["euros"] = euros
    app.jinja_env.filters["when"] = when
    app.jinja_env.filters["day"] = day
    app.jinja_env.filters["percent_bp"] = percent_bp
    app.jinja_env.filters["language_name"] = language_name
    app.jinja_env.filters["local_input"] = local_input
    app.jinja_env.add_extension("jinja2.ext.do")

    @app.context_processor
    def language_context() -> dict:
        """Template globals for the language switcher and the page direction."""
        lang = current_language()
        return {
            "current_language": lang,
            "text_direction": "rtl" if lang in RTL_LANGUAGES else "ltr",
            "offered_languages": [(code, LANGUAGE_NAMES[code]) for code in offered_languages()],
        }
