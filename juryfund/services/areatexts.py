"""An area's and its funds' texts in every offered language, with German as the source.

German lives on the area and fund rows (the binding version every area offers); each other
offered language may have its own text per field in ``area_text``. A page reads every text of
its area in its language with one query; a field without a text in that language shows the
German one, marked so the page can say "only in German" and set ``lang="de"`` on it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select

from ..domain.actors import SYSTEM, Actor
from ..domain.errors import DomainError
from ..domain.vocabulary import AREA_TEXT_FIELDS, FUND_TEXT_FIELDS
from ..extensions import db
from ..infra import audit
from ..models import Area, AreaText, Fund
from ..models.areas import TRANSLATED_LOCALES
from ..models.base import utcnow
from . import locks
from .setup import refuse

#: Where a text belongs: (None, field) for the area, (fund id, field) for a fund.
Slot = tuple[int | None, str]
#: Longest text per field (a description may be long; the others are hints).
MAX_LENGTH = {
    "description": 5000,
    "goals": 3000,
    "contact_info": 1000,
    "meeting_places": 2000,
    "eligibility_hints": 3000,
}


@dataclass(frozen=True)
class Shown:
    """One text as a page shows it: the words, their language, and whether German stands in."""

    text: str
    lang: str
    #: The page is in another language and this field has no text in it: German is shown.
    only_german: bool = False

    def __bool__(self) -> bool:
        """A text with no words is shown not at all."""
        return bool(self.text)


class PageTexts:
    """The texts of one area and its funds in one language, read once for a page."""

    def __init__(self, area: Area, locale: str, translated: Mapping[Slot, str]) -> None:
        self.area_row, self.locale, self.translated = area, locale, translated

    def _pick(self, slot: Slot, german: str) -> Shown:
        """The text in the page's language, else the German one (marked when not empty)."""
        if self.locale == "de":
            return Shown(german, "de")
        own = self.translated.get(slot)
        if own:
            return Shown(own, self.locale)
        return Shown(german, "de", only_german=bool(german))

    def area(self, field: str) -> Shown:
        """One of the area's texts (AREA_TEXT_FIELDS)."""
        return self._pick((None, field), getattr(self.area_row, field))

    def fund(self, fund: Fund, field: str) -> Shown:
        """One of a fund's texts (FUND_TEXT_FIELDS)."""
        return self._pick((fund.id, field), getattr(fund, field))


def for_page(area: Area, locale: str) -> PageTexts:
    """Every text of the area and its funds in the page's language (no query for German)."""
    if locale == "de" or locale not in area.language_list:
        return PageTexts(area, "de" if locale == "de" else locale, {})
    rows = db.session.execute(
        select(AreaText.fund_id, AreaText.field, AreaText.text).where(
            AreaText.area_id == area.id, AreaText.locale == locale
        )
    ).all()
    return PageTexts(area, locale, {(fund_id, field): text for fund_id, field, text in rows})


def editable_locales(area: Area) -> list[str]:
    """The offered languages staff may write texts in besides German, in the area's order."""
    return [code for code in area.language_list if code in TRANSLATED_LOCALES]


def translations(area: Area) -> dict[tuple[str, int | None, str], str]:
    """Every stored text of the area in every language but German, by (locale, fund id, field)."""
    rows = db.session.scalars(select(AreaText).where(AreaText.area_id == area.id)).all()
    return {(row.locale, row.fund_id, row.field): row.text for row in rows}


def slots(funds: Iterable[Fund]) -> list[Slot]:
    """Every text an area page has: the area's fields, then each fund's."""
    return [(None, field) for field in AREA_TEXT_FIELDS] + [
        (fund.id, field) for fund in funds for field in FUND_TEXT_FIELDS
    ]


def field_name(locale: str, fund_id: int | None, field: str) -> str:
    """The form field of one text, e.g. "tr_area_goals" or "de_fund3_description"."""
    return f"{locale}_{'area' if fund_id is None else f'fund{fund_id}'}_{field}"


def _check(area: Area, texts: Mapping[tuple[str, int | None, str], str]) -> None:
    """Refuse languages the area does not offer, funds of other areas, unknown fields, long texts."""
    fund_ids = {fund.id for fund in area.funds}
    for locale, fund_id, field in texts:
        if locale != "de" and locale not in editable_locales(area):
            raise DomainError("area_text.language_not_offered")
        if fund_id is not None and fund_id not in fund_ids:
            raise DomainError("area_text.fund_other_area")
        if field not in (AREA_TEXT_FIELDS if fund_id is None else FUND_TEXT_FIELDS):
            raise DomainError("area_text.unknown_field")
    errors = []
    for (locale, fund_id, field), text in texts.items():
        if len(text.strip()) > MAX_LENGTH[field]:
            errors.append(
                DomainError(
                    "area_text.too_long",
                    field=field_name(locale, fund_id, field),
                    maximum=MAX_LENGTH[field],
                )
            )
    refuse(errors)


def save_texts(
    area: Area,
    texts: Mapping[tuple[str, int | None, str], str],
    *,
    actor: Actor = SYSTEM,
) -> list[str]:
    """Store the typed texts by (locale, fund id, field); German on the rows, the others in
    area_text (an empty one removes the language's text). The changed keys, for the trail.
    """
    _check(area, texts)
    # Two staff saving at once: the second waits here and then sees the first one's rows, so
    # it updates them instead of inserting a duplicate.
    locks.lock(Area, area.id)
    funds = {fund.id: fund for fund in area.funds}
    stored = {
        (row.locale, row.fund_id, row.field): row
        for row in db.session.scalars(
            select(AreaText)
            .where(AreaText.area_id == area.id)
            .execution_options(populate_existing=True)
        )
    }
    changed: list[str] = []
    for key, typed in texts.items():
        locale, fund_id, field = key
        text = typed.strip()
        label = f"{locale}:{'area' if fund_id is None else f'fund{fund_id}'}:{field}"
        if locale == "de":
            owner: Area | Fund = area if fund_id is None else funds[fund_id]
            if getattr(owner, field) != text:
                setattr(owner, field, text)
                changed.append(label)
            continue
        row = stored.get(key)
        if row is None and text:
            db.session.add(
                AreaText(area_id=area.id, fund_id=fund_id, field=field, locale=locale, text=text)
            )
        elif row is not None and not text:
            db.session.delete(row)
        elif row is not None and row.text != text:
            row.text, row.updated_at = text, utcnow()
        else:
            continue
        changed.append(label)
    if changed:
        db.session.flush()
        # The texts are public on the area page; the trail records which changed and by whom.
        audit.record_about(area, "area.texts", actor=actor, area_id=area.id, changed=changed)
    return changed
