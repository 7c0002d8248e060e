"""A control character typed into a title keeps the area's public Atom feed well-formed XML."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from juryfund.domain.actors import SYSTEM
from juryfund.extensions import db
from juryfund.models import Application
from juryfund.services import decisions, intake
from tests.conftest import csrf_from
from tests.fixtures import approved_round
from tests.intake.conftest import application_data

ONE_LINE = {
    "cost_items-0-unit_price": "10,00",
    "cost_items-1-description": "",
    "cost_items-1-unit_price": "",
    "cost_items-2-description": "",
    "cost_items-2-unit_price": "",
    "requested": "100,00",
}


def test_control_character_in_a_title_keeps_the_atom_feed_well_formed(
    app, client, area, fund, jury, staff
):
    """The apply form takes a title holding a control character (here a vertical tab and an
    ESC, as pasted from a word processor or a terminal); AppForm refuses only NUL. Once the
    approval is published, /<slug>/decisions.atom carries it raw: ElementTree escapes <&> but
    not characters XML 1.0 forbids (juryfund/web/transparency/feeds.py, ``_sub``), so the whole
    feed is not well-formed XML and every feed reader drops all the area's decisions.
    (The XLSX export strips them with ILLEGAL_CHARACTERS_RE; the feed does not.)
    Expected: the form refuses the character next to the field, or the feed leaves it out.
    """
    url = f"/{area.slug}/apply"
    data = application_data(title="Hof\x0bfest\x1b", **ONE_LINE)
    token = csrf_from(client.get(url).get_data(as_text=True))
    checked = client.post(url, data={"csrf_token": token, "action": "check", **data})
    html = checked.get_data(as_text=True)
    found = re.search(r'name="confirmed_fund" value="(\d+)"', html)
    if found is None:  # refused: must be next to the title
        assert 'id="title-error"' in html
        return
    sent = client.post(
        url,
        data={"csrf_token": token, "action": "submit", "confirmed_fund": found.group(1), **data},
    )
    assert sent.status_code == 302
    application = db.session.scalars(db.select(Application)).one()
    intake.mark_ready(application, review_note="", actor=SYSTEM)
    db.session.commit()
    round_ = approved_round(jury, staff, [application])
    decisions.confirm_approval(
        round_.agenda[0], amount_cents=10000, conditions="", reasons="", actor=staff.actor
    )
    db.session.commit()
    feed = app.test_client().get(f"/{area.slug}/decisions.atom")
    assert feed.status_code == 200
    root = ET.fromstring(feed.get_data())  # ParseError: not well-formed (invalid token)
    assert len(root.findall("{http://www.w3.org/2005/Atom}entry")) == 1
