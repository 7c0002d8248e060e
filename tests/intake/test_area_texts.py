"""Area and fund texts in every language (issue 14, item 6): staff of an area write them in
German and, optionally, in each offered language; public pages show the visitor's language,
else German marked "only in German" with lang="de"."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from juryfund.domain.actors import SYSTEM, Actor
from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.models import AreaText, AuditEvent
from juryfund.services import areatexts
from tests.races import race

from ..conftest import log_in

pytestmark = pytest.mark.intake

TURKISH = "Aksiyon Fonu, mahalledeki küçük etkinlikleri destekler."
GERMAN = "Der Aktionsfonds fördert kleine Aktionen im Kiez, z. B. Hoffeste!"


def _only_german(language: str) -> str:
    """The "Only in German" note as a page in that language says it."""
    with force_locale(language):
        return gettext("Only in German")


def _public(app, slug: str, language: str, path: str = "") -> str:
    """A public page as an anonymous visitor whose browser asks for the language."""
    response = app.test_client().get(f"/{slug}/{path}", headers={"Accept-Language": language})
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _block(html: str, text: str) -> str:
    """The opening tag of the element that holds the text."""
    found = re.search(r"<(\w+)([^>]*)>\s*" + re.escape(text), html)
    assert found, f"{text!r} not on the page"
    return found.group(0)


def test_staff_write_the_turkish_description_and_the_turkish_page_shows_it(
    app, client, area, staff, post_form, login
):
    login(staff)
    page = client.get(f"/staff/areas/{area.id}").get_data(as_text=True)
    assert f"/staff/areas/{area.id}/texts" in page  # linked from the area's staff page

    response = post_form(
        f"/staff/areas/{area.id}/texts",
        {"de_area_description": GERMAN, "tr_area_description": TURKISH},
    )
    assert response.status_code == 302

    html = _public(app, area.slug, "tr")
    tag = _block(html, TURKISH)
    assert 'lang="tr"' in tag and 'dir="auto"' in tag
    assert GERMAN not in html
    assert _only_german("tr") not in html  # the Turkish text needs no note
    # The German page keeps the German text, marked German.
    assert 'lang="de"' in _block(_public(app, area.slug, "de"), GERMAN)
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "area.texts")).one()
    assert "tr:area:description" in event.data


def test_arabic_page_without_arabic_text_shows_german_marked_as_german(app, area, staff):
    areatexts.save_texts(
        area,
        {("de", None, "description"): GERMAN, ("de", None, "goals"): "Nachbarschaft stärken."},
        actor=staff.actor,
    )
    db.session.commit()

    html = _public(app, area.slug, "ar")
    assert '<html lang="ar" dir="rtl"' in html
    tag = _block(html, GERMAN)
    # German inside the Arabic page: its language for screen readers, its own direction so the
    # "!" stays at its end.
    assert 'lang="de"' in tag and 'dir="auto"' in tag
    note = _only_german("ar")
    assert note != "Only in German"  # translated
    assert html.count(note) == 2  # description and goals


def test_fund_texts_on_the_area_page_and_the_application_form(app, area, fund, staff):
    areatexts.save_texts(
        area,
        {
            ("de", fund.id, "description"): "Für kleine Aktionen bis 1.500 €.",
            ("de", fund.id, "eligibility_hints"): "Keine Honorare für Antragstellende.",
            ("tr", fund.id, "eligibility_hints"): "Başvuranlara ücret ödenmez.",
        },
        actor=staff.actor,
    )
    db.session.commit()
    for html in (_public(app, area.slug, "tr"), _public(app, area.slug, "tr", "apply")):
        assert 'lang="tr"' in _block(html, "Başvuranlara ücret ödenmez.")
        assert 'lang="de"' in _block(html, "Für kleine Aktionen bis 1.500 €.")
        assert _only_german("tr") in html
        assert "Keine Honorare für Antragstellende." not in html


def test_emptying_a_language_field_falls_back_to_german(app, client, area, staff, post_form, login):
    areatexts.save_texts(
        area,
        {("de", None, "goals"): "Begegnung fördern.", ("tr", None, "goals"): "Buluşmak."},
        actor=staff.actor,
    )
    db.session.commit()
    assert "Buluşmak." in _public(app, area.slug, "tr")  # now in the page cache
    login(staff)
    response = post_form(f"/staff/areas/{area.id}/texts", {"tr_area_goals": "   "})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count(AreaText.id))) == 0

    html = _public(app, area.slug, "tr")
    assert "Buluşmak." not in html
    assert 'lang="de"' in _block(html, "Begegnung fördern.")
    assert _only_german("tr") in html


def test_a_text_too_long_shows_its_error_and_keeps_what_was_typed(
    client, area, staff, post_form, login
):
    login(staff)
    response = post_form(
        f"/staff/areas/{area.id}/texts",
        {"tr_area_description": TURKISH, "ar_area_goals": "ب" * 3001},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="ar_area_goals-error"' in html  # next to its field
    assert TURKISH in html  # nothing typed is lost
    assert db.session.scalar(select(func.count(AreaText.id))) == 0


def test_staff_of_another_area_and_visitors_are_refused(client, make, area, staff, login):
    url = f"/staff/areas/{area.id}/texts"
    assert client.get(url).status_code == 302  # to the login
    other = make.staff(areas=[make.area("Lerchenberg")])
    log_in(client, other)
    assert client.get(url).status_code == 403
    assert client.post(url, data={"tr_area_description": "x"}).status_code in (400, 403)
    assert db.session.scalar(select(func.count(AreaText.id))) == 0


def test_languages_the_area_does_not_offer_and_other_areas_funds_are_refused(make, area, staff):
    other = make.area("Lerchenberg", languages=["de", "pl"])
    other_fund = make.fund(other, make.body(other))
    with pytest.raises(DomainError, match="area_text.language_not_offered"):
        areatexts.save_texts(other, {("tr", None, "description"): TURKISH}, actor=SYSTEM)
    with pytest.raises(DomainError, match="area_text.fund_other_area"):
        areatexts.save_texts(
            area, {("tr", other_fund.id, "description"): TURKISH}, actor=staff.actor
        )
    # Only the offered languages get a section on the staff page.
    assert areatexts.editable_locales(other) == ["pl"]


def test_the_database_refuses_a_second_text_for_the_same_field_and_language(area):
    db.session.add(AreaText(area_id=area.id, field="goals", locale="tr", text="Bir"))
    db.session.flush()
    db.session.add(AreaText(area_id=area.id, field="goals", locale="tr", text="İki"))
    with pytest.raises(Exception, match="(?i)unique"):
        db.session.flush()
    db.session.rollback()
    db.session.add(AreaText(area_id=area.id, field="goals", locale="de", text="German"))
    with pytest.raises(Exception, match="(?i)check"):
        db.session.flush()
    db.session.rollback()


def test_two_staff_saving_the_same_translation_at_once_leave_one_text(app, area, staff):
    area_id, staff_id = area.id, staff.id

    def save(text):
        def job(ready):
            from juryfund.models import Area

            own = db.session.get(Area, area_id)
            own.funds  # noqa: B018  (loaded before the race)
            ready()
            areatexts.save_texts(
                own, {("tr", None, "description"): text}, actor=Actor.staff(staff_id)
            )

        return job

    outcomes = race(app, save("Birinci metin"), save("İkinci metin"))
    assert outcomes == ["ok", "ok"], outcomes
    rows = db.session.scalars(select(AreaText)).all()
    assert len(rows) == 1 and rows[0].text in ("Birinci metin", "İkinci metin")


def test_the_demo_area_shows_its_turkish_and_arabic_description(app, runner):
    assert runner.invoke(args=["juryfund", "demo"]).exit_code == 0
    turkish = _public(app, "soldiner-kiez", "tr")
    assert 'lang="tr"' in _block(turkish, "Aksiyon Fonu, Soldiner Kiez")
    arabic = _public(app, "soldiner-kiez", "ar")
    assert 'lang="ar"' in _block(arabic, "يدعم صندوق المبادرات")
    # The fund's hints exist in German and Turkish only: German, marked, on the Arabic page.
    assert 'lang="de"' in _block(arabic, "Anträge stellen können")
    assert _only_german("ar") in arabic
