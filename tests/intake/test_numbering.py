"""Application numbers: residents sending at once each get the next number, none is turned away.

Numbers come from a counter row per area and year (issue 18: submissions used to collide on
max(number) + 1 and retry, and some residents were refused as "busy").
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import delete, select

from juryfund.extensions import db
from juryfund.models import Application, ApplicationCounter, Area
from juryfund.services import history, intake
from tests.browser.conftest import application_input
from tests.factories import ApplicationFactory
from tests.races import race

pytestmark = pytest.mark.intake

#: Racing threads: the test database pool holds five connections, one is the test's own.
RESIDENTS = 4


def _submit(area_id: int, index: int):
    def job(ready):
        area = db.session.get(Area, area_id)
        data = application_input(email=f"resident{index}@example.org", title=f"Fest {index}")
        ready()
        intake.submit(area, data, draft_key=None)

    return job


def _numbers(area_id: int) -> list[int]:
    return sorted(
        db.session.scalars(select(Application.number).where(Application.area_id == area_id))
    )


def test_residents_sending_at_once_all_get_the_next_numbers(app, area, fund):
    ApplicationFactory(area=area, fund=fund)  # number 1 was drawn before
    db.session.commit()
    outcomes = race(app, *(_submit(area.id, i) for i in range(RESIDENTS)))
    assert outcomes == ["ok"] * RESIDENTS, outcomes
    assert _numbers(area.id) == list(range(1, RESIDENTS + 2))
    references = db.session.scalars(select(Application.reference)).all()
    assert len(set(references)) == RESIDENTS + 1


def test_a_submission_rolled_back_gives_its_number_back(app, area, fund):
    year = ApplicationFactory(area=area, fund=fund).year
    db.session.commit()
    assert history.next_reference(area, year)[0] == 2
    db.session.rollback()
    assert history.next_reference(area, year) == (2, f"{area.code}-{year}-0002")


def test_the_counter_starts_after_numbers_already_there_and_anew_each_year(app, area, fund):
    application = ApplicationFactory(area=area, fund=fund)
    db.session.flush()
    application.number, application.reference = 41, f"{area.code}-{application.year}-0041"
    db.session.execute(delete(ApplicationCounter))  # numbers loaded from elsewhere
    db.session.commit()
    assert history.next_reference(area, application.year)[0] == 42
    assert history.next_reference(area, application.year + 1)[0] == 1
    db.session.commit()
    counters = db.session.execute(
        select(ApplicationCounter.year, ApplicationCounter.last_number).order_by("year")
    ).all()
    assert [tuple(row) for row in counters] == [(application.year, 42), (application.year + 1, 1)]


def test_the_database_refuses_a_negative_counter(app, area):
    db.session.add(ApplicationCounter(area_id=area.id, year=2026, last_number=-1))
    with pytest.raises(Exception, match="(?i)check|constraint"):
        db.session.flush()
    db.session.rollback()


def test_a_second_submission_waits_for_the_first_and_takes_the_number_after_it(app, area, fund):
    year = ApplicationFactory(area=area, fund=fund).year
    db.session.commit()
    first_drew = threading.Event()
    drawn: dict[str, int] = {}

    def first():
        with app.app_context():
            drawn["first"] = history.next_reference(db.session.get(Area, area.id), year)[0]
            first_drew.set()
            time.sleep(0.5)  # still uncommitted while the second one draws
            db.session.commit()

    def second():
        with app.app_context():
            first_drew.wait(10)
            drawn["second"] = history.next_reference(db.session.get(Area, area.id), year)[0]
            db.session.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert drawn == {"first": 2, "second": 3}


def test_a_form_sent_twice_at_once_makes_one_application_and_keeps_the_numbers_dense(
    app, area, fund
):
    """A double click on "send": both requests carry the form's key; one application is made,
    the other request is refused and gives its number back (no gap in the numbers)."""
    key, area_id = intake.new_submission_key(), area.id

    def job(ready):
        area_ = db.session.get(Area, area_id)
        data = application_input(email="ayse@example.org", title="Hoffest")
        ready()
        intake.submit(area_, data, draft_key=None, submission_key=key)

    outcomes = race(app, job, job)
    assert sorted(map(str, outcomes)).count("ok") == 1, outcomes
    [refused] = [o for o in outcomes if o != "ok"]
    assert getattr(refused, "reason", None) == "application.already_sent", refused
    assert _numbers(area_id) == [1]
    ApplicationFactory(area=area, fund=fund)  # the next one takes number 2
    db.session.commit()
    assert _numbers(area_id) == [1, 2]


def test_the_database_refuses_a_second_application_from_one_form(app, area, fund):
    from sqlalchemy.exc import IntegrityError

    key = intake.new_submission_key()
    ApplicationFactory(area=area, fund=fund, submission_key=key)
    db.session.commit()
    with pytest.raises(IntegrityError):
        ApplicationFactory(area=area, fund=fund, submission_key=key)
    db.session.rollback()


def test_a_double_click_on_send_leads_both_to_the_one_application(client, area, fund, send):
    """Sent, then sent again with the same form (the browser's second click or a reload): the
    resident lands on the confirmation of the first sending, and no second application exists."""
    from tests.intake.conftest import application_data

    url = f"/{area.slug}/apply"
    data = application_data()
    checked = send(url, data, "check").get_data(as_text=True)
    import re

    fields = dict(re.findall(r'name="(confirmed_fund|submission)" value="([^"]+)"', checked))
    assert set(fields) == {"confirmed_fund", "submission"}
    first = send(url, {**data, **fields}, "submit")
    again = send(url, {**data, **fields}, "submit")
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]
    [application] = db.session.scalars(select(Application)).all()
    done = client.get(again.headers["Location"]).get_data(as_text=True)
    assert application.reference in done
    assert "Dieses Formular wurde bereits gesendet" in done  # told, not silently dropped
    # A new visit to the form is a new form: it may be sent as a second application.
    fresh = client.get(url).get_data(as_text=True)
    assert fields["submission"] not in fresh
    # So is the sent form worked on again (the browser's Back, then "check"): a new key.
    changed = send(url, {**data, **fields, "title": "Zweites Fest"}, "check")
    key = re.search(r'name="submission" value="([^"]+)"', changed.get_data(as_text=True))
    assert key and key.group(1) != fields["submission"]


def test_a_code_another_area_s_references_carry_is_not_given_to_a_new_area(area, fund):
    """An admin corrects Soldiner Kiez's code SOL to SLD, then sets up another area with the
    freed SOL: its first application would be SOL-2026-0001 again (a 500 for every resident of
    that area all year). The code is refused, next to its field; the renamed area goes on."""
    from juryfund.domain.actors import SYSTEM
    from juryfund.domain.errors import DomainError
    from juryfund.services import setup

    first = intake.submit(area, application_input(), draft_key=None)
    db.session.commit()
    assert first.reference.startswith("SOL-")
    setup.save_area(
        area,
        name=area.name,
        slug=area.slug,
        code="SLD",
        city=area.city,
        timezone=area.timezone,
        languages=area.language_list,
        actor=SYSTEM,
    )
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        setup.save_area(
            None,
            name="Sonnenallee",
            slug="sonnenallee",
            code="SOL",
            city="Berlin",
            timezone="Europe/Berlin",
            languages=["de"],
            action_fields="Nachbarschaft",
            actor=SYSTEM,
        )
    assert [(e.reason, e.field) for e in setup.all_refusals(refused.value)] == [
        ("area.code_used", "code")
    ]
    db.session.rollback()
    _number, reference = history.next_reference(area, first.year)
    assert reference == f"SLD-{first.year}-0002"
