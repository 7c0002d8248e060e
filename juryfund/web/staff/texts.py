"""The area's and its funds' texts, in German and in each other language the area offers."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import TextAreaField
from wtforms.validators import Length, Optional

from ...extensions import db
from ...models import Area, Fund
from ...services import areatexts
from ..admin.forms import strip
from ..fields import AppForm
from ..i18n import LANGUAGE_NAMES
from ..permissions import require_area
from ..unit_of_work import attempt
from .routes import bp

#: What each text is, as staff write it.
TEXT_LABELS = {
    "description": _l("What the area's funds are for"),
    "goals": _l("Goals of the neighbourhood management"),
    "contact_info": _l("Contact: office, opening hours, phone"),
    "meeting_places": _l("Where the jury and council meet"),
}
FUND_TEXT_LABELS = {
    "description": _l("Description of the fund"),
    "eligibility_hints": _l("Who and what the fund pays for"),
}
TEXT_HINTS = {
    "contact_info": _l("The contact email is set in the area settings."),
    "eligibility_hints": _l("In plain words for applicants, e.g. who may apply and what not."),
}


class AreaTextsForm(AppForm):
    """The texts of one area: one optional field per text and language (fields added per area)."""

    #: Form field name -> (locale, fund id or None, text field), set per area.
    keys: dict[str, tuple[str, int | None, str]] = {}

    def texts(self) -> dict[tuple[str, int | None, str], str]:
        """The typed texts by (locale, fund id, field), as the service takes them."""
        return {key: self[name].data or "" for name, key in self.keys.items()}


def _label(locale: str, fund: Fund | None, field: str) -> str:
    """A field's label, naming the fund and the language so every error says which text."""
    text = str((TEXT_LABELS if fund is None else FUND_TEXT_LABELS)[field])
    if fund is not None:
        text = _("%(fund)s: %(text)s", fund=fund.name, text=text)
    return _("%(text)s (%(language)s)", text=text, language=LANGUAGE_NAMES[locale])


def texts_form(area: Area, funds: list[Fund], locales: list[str]) -> AreaTextsForm:
    """The form for German and the given languages, filled with what is stored."""
    funds_by_id = {fund.id: fund for fund in funds}
    stored = areatexts.translations(area)
    fields: dict[str, object] = {}
    keys: dict[str, tuple[str, int | None, str]] = {}
    initial: dict[str, str] = {}
    for locale in ["de", *locales]:
        for fund_id, field in areatexts.slots(funds):
            fund = funds_by_id.get(fund_id) if fund_id is not None else None
            name = areatexts.field_name(locale, fund_id, field)
            keys[name] = (locale, fund_id, field)
            fields[name] = TextAreaField(
                _label(locale, fund, field),
                description=TEXT_HINTS.get(field, ""),
                filters=[strip],
                validators=[Optional(), Length(max=areatexts.MAX_LENGTH[field])],
                # The text is in that language whatever the page's: spell-checking, direction.
                render_kw={"lang": locale, "dir": "auto", "rows": 4},
            )
            owner: Area | Fund = area if fund is None else fund
            initial[name] = (
                getattr(owner, field)
                if locale == "de"
                else stored.get((locale, fund_id, field), "")
            )
    form_class = type("AreaTextsForm", (AreaTextsForm,), {**fields, "keys": keys})
    return form_class(data=initial)


@bp.route("/areas/<int:area_id>/texts", methods=["GET", "POST"])
@login_required
def area_texts(area_id: int):
    """Edit the area's and its funds' texts in German and, optionally, each offered language."""
    area = require_area(db.get_or_404(Area, area_id))
    funds = list(area.funds)
    locales = areatexts.editable_locales(area)
    form = texts_form(area, funds, locales)
    if form.validate_on_submit() and attempt(
        lambda: areatexts.save_texts(area, form.texts(), actor=current_user.actor),
        form=form,
        done=_("The texts are saved."),
    ):
        return redirect(url_for("staff.area_texts", area_id=area.id))
    sections = [
        (
            locale,
            [
                (fund, [form[areatexts.field_name(locale, fund and fund.id, f)] for f in fields])
                for fund, fields in [
                    (None, TEXT_LABELS),
                    *((fund, FUND_TEXT_LABELS) for fund in funds),
                ]
            ],
        )
        for locale in ["de", *locales]
    ]
    return render_template(
        "staff/area_texts.html",
        form=form,
        area=area,
        sections=sections,
        language_names=LANGUAGE_NAMES,
    )
