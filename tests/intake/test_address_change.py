"""An applicant changes the application's contact address on the status page: the links mailed
to the old address stop working, the editing session goes on, the new address gets a link and
the old one a short notice without one."""

from __future__ import annotations

import pytest

from juryfund.extensions import db
from juryfund.models import ApplicationEvent

from .conftest import application_data, last_mail, only_application, status_link

pytestmark = pytest.mark.intake

OLD, NEW = "ayse@example.org", "ayse.neu@example.org"


def test_editing_session_goes_on_after_the_address_changes(app, client, area, apply, send):
    apply()
    application = only_application()
    old_link = status_link(last_mail(OLD))
    client.get(old_link)
    url = f"/status/{application.reference}/edit"
    data = application_data(email=NEW)
    send(url, data, "check")
    response = send(url, {**data, "confirmed_fund": str(application.fund_id)}, "submit")
    assert response.status_code == 302

    # The session that made the change still opens the application ...
    assert client.get(f"/status/{application.reference}").status_code == 200
    # ... the old address's link does not, in a fresh browser ...
    assert app.test_client().get(old_link).status_code == 400
    # ... and the new address's link does.
    fresh = app.test_client()
    assert fresh.get(status_link(last_mail(NEW))).status_code == 302
    assert fresh.get(f"/status/{application.reference}").status_code == 200


def test_old_address_is_told_without_a_link_or_the_title(client, area, apply, send):
    apply()
    application = only_application()
    client.get(status_link(last_mail(OLD)))
    url = f"/status/{application.reference}/edit"
    data = application_data(email=NEW)
    send(url, data, "check")
    send(url, {**data, "confirmed_fund": str(application.fund_id)}, "submit")

    notice = last_mail(OLD)
    assert notice.purpose == "application.address_left"
    assert application.reference in notice.subject
    assert "/status/" not in notice.body_text + notice.body_html
    assert application.title not in notice.body_text + notice.body_html
    assert NEW not in notice.body_text + notice.body_html
    kinds = [e.kind for e in db.session.query(ApplicationEvent).filter_by(application=application)]
    assert kinds[-2:] == ["changed", "link"]


def test_same_address_in_other_letters_keeps_the_links(client, area, apply, send):
    apply()
    application = only_application()
    link = status_link(last_mail(OLD))
    client.get(link)
    url = f"/status/{application.reference}/edit"
    data = application_data(email="Ayse@Example.org", title="Großes Hoffest")
    send(url, data, "check")
    send(url, {**data, "confirmed_fund": str(application.fund_id)}, "submit")
    assert last_mail(OLD).purpose == "application.received"
    assert client.application.test_client().get(link).status_code == 302
