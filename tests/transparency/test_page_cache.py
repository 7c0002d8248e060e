"""The public page cache: pages come from memory, yet never lag behind the data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import current_app, g
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import Application
from juryfund.services import ballots, rounds
from juryfund.web.pagecache import current_version
from tests.perf.conftest import count_queries  # noqa: F401  (the shared query counter)

from .conftest import Spec

pytestmark = [pytest.mark.transparency, pytest.mark.perf]


def version(app) -> int:
    """The stored content version, as a new request reads it."""
    g.pop("content_version", None)
    return current_version()


def cache_of(app):
    return app.extensions["juryfund.pagecache"]


def test_a_repeated_public_page_costs_one_query_and_is_identical(
    app, client, area, fund, decide, count_queries
):
    decide([Spec("Hoffest")])
    url = f"/{area.slug}/decisions"
    first_body = client.get(url).get_data()
    queries = count_queries(lambda: client.get(url).get_data())
    assert queries == 1  # only the content version
    assert client.get(url).get_data() == first_body
    assert cache_of(app).hits >= 2


def test_a_new_decision_shows_at_once(app, client, area, fund, decide):
    decide([Spec("Hoffest")])
    url = f"/{area.slug}/decisions"
    assert "Lesecafé" not in client.get(url).get_data(as_text=True)
    before = version(app)
    decide([Spec("Lesecafé")])
    assert version(app) > before
    assert "Lesecafé" in client.get(url).get_data(as_text=True)


def test_a_booking_updates_the_money_left_on_the_area_page(app, client, area, fund, decide):
    url = f"/{area.slug}/"
    client.get(url)
    page_before = client.get(url).get_data(as_text=True)
    assert "10.000,00" in page_before
    decide([Spec("Hoffest", requested=150000)])  # commits 1,500 €
    page_after = client.get(url).get_data(as_text=True)
    assert "8.500,00" in page_after


def test_a_sent_application_leaves_the_cache_valid_but_a_change_to_one_does_not(
    app, client, area, fund
):
    from tests.conftest import csrf_from
    from tests.intake.conftest import application_data

    url = f"/{area.slug}/apply"
    before = version(app)
    data = application_data(goals=["Kultur"])
    token = csrf_from(client.get(url).get_data(as_text=True))
    sent = client.post(
        url, data={"csrf_token": token, "action": "submit", "confirmed_fund": str(fund.id), **data}
    )
    assert sent.status_code == 302
    assert version(app) == before  # not public until it is decided
    # A change to an existing application (here its review note) may be public: the version moves.
    application = db.session.scalars(select(Application)).one()
    application.review_note = "Geprüft."
    db.session.commit()
    assert version(app) == before + 1


def test_a_rolled_back_change_does_not_move_the_version(app, area, fund):
    before = version(app)
    area.name = "Umbenannt"
    db.session.flush()
    db.session.rollback()
    db.session.commit()
    assert version(app) == before


def test_a_savepoint_rollback_keeps_the_outer_change(app, area, fund):
    before = version(app)
    area.name = "Umbenannt"
    db.session.flush()
    savepoint = db.session.begin_nested()
    savepoint.rollback()
    db.session.commit()
    assert version(app) == before + 1


def test_a_request_reads_the_version_anew_only_after_its_commit_moved_it(
    app, area, fund, count_queries
):
    """A request renders after its commit: under the new version when the commit moved it on,
    under the one it read (no second read) when the commit changed nothing public."""
    from juryfund.models import Mail

    before = version(app)
    db.session.add(  # an outbox row: no public page shows it
        Mail(
            message_id="<quiet@juryfund.invalid>",
            to_addr="a@example.org",
            language="de",
            purpose="test",
            subject="s",
            body_text="t",
            body_html="h",
            created_at=datetime.now(UTC),
            attempts=0,
            last_error="",
        )
    )
    db.session.commit()
    assert count_queries(current_version) == 0
    assert current_version() == before
    area.name = "Umbenannt"
    db.session.commit()
    assert count_queries(current_version) == 1
    assert current_version() == before + 1


def test_each_language_has_its_own_page(client, area, fund):
    url = f"/{area.slug}/"
    german = client.get(url, headers={"Accept-Language": "de"}).get_data(as_text=True)
    english = client.get(url, headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="de"' in german and 'lang="en"' in english
    assert client.get(url, headers={"Accept-Language": "de"}).get_data(as_text=True) == german


def test_staff_pages_are_never_cached_nor_served_from_the_cache(
    app, client, area, fund, login, make
):
    url = f"/{area.slug}/"
    client.get(url)
    client.get(url)
    hits = cache_of(app).hits
    login(make.staff(areas=[area]))
    page = client.get(url).get_data(as_text=True)
    assert 'name="csrf_token"' in page  # the logout form: personal, must not be shared
    assert cache_of(app).hits == hits
    client.post(
        "/staff/logout",
        data={"csrf_token": page.split('name="csrf_token" value="')[1].split('"')[0]},
    )
    assert 'name="csrf_token"' not in client.get(url).get_data(as_text=True)


def test_a_page_with_a_message_to_show_is_not_cached(app, client, area, fund):
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "Gespeichert.")]
    page = client.get(f"/{area.slug}/").get_data(as_text=True)
    assert "Gespeichert." in page
    assert "Gespeichert." not in client.get(f"/{area.slug}/").get_data(as_text=True)


def test_the_cache_can_be_switched_off(app, client, area, fund, count_queries):
    current_app.config["JURYFUND_PAGE_CACHE_SIZE"] = 0
    url = f"/{area.slug}/"
    client.get(url)
    assert count_queries(lambda: client.get(url).get_data()) > 1
    assert cache_of(app).hits == 0


def test_the_cache_keeps_at_most_its_size(app, client, area, fund):
    cache = cache_of(app)
    cache.size = 3
    for page in range(1, 8):
        client.get(f"/{area.slug}/decisions?page={page}")
    assert len(cache.entries) <= 3


def test_ballot_dossiers_are_shared_but_votes_stay_personal(app, client, area, fund, jury, staff):
    from tests.transparency.conftest import ready_application

    applications = [ready_application(area, fund, Spec(f"Aktion {i}")) for i in range(2)]
    circulation = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf",
        when=datetime.now(UTC) + timedelta(days=7),
        place="",
        actor=staff.actor,
    )
    rounds.set_agenda(circulation, [a.id for a in applications])
    rounds.open_round(circulation, actor=staff.actor)
    first, second = circulation.participants[:2]
    db.session.commit()
    before = version(app)
    ballots.cast_vote(first, circulation.agenda[0], "yes")
    db.session.commit()
    assert version(app) == before  # votes are secret until the round closes: nothing public moved

    def ballot_as(participant) -> str:
        with client.session_transaction() as session:
            session.clear()
        client.get(f"/ballot/link/{rounds.ballot_token(participant)}")
        return client.get(f"/ballot/{circulation.id}").get_data(as_text=True)

    page_first = ballot_as(first)
    hits = cache_of(app).hits
    page_second = ballot_as(second)
    assert cache_of(app).hits >= hits + 2  # both dossiers came from the cache
    assert "Aktion 0: Beschreibung" in page_second
    assert page_first.count('value="yes" checked') == 1
    assert page_second.count('value="yes" checked') == 0
    assert version(app) == before  # reading the ballot changed nothing public either
