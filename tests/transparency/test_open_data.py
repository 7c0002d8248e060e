"""CSV, JSON and Atom downloads: the same rows as the database, streamed, well-formed."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import Application, Decision
from juryfund.services import transparency
from juryfund.web.transparency.serialise import RECORD_FIELDS

from .conftest import Spec

pytestmark = pytest.mark.transparency

ATOM = "{http://www.w3.org/2005/Atom}"


def expected_from_database(area, year: int) -> list[tuple[str, str, int | None]]:
    """(reference, outcome, amount) of the published decisions, computed independently."""
    rows = db.session.execute(
        select(Decision, Application.reference)
        .join(Application)
        .where(Application.area_id == area.id)
    ).all()
    superseded = {d.supersedes_id for d, _ref in rows if d.supersedes_id}
    start, end = transparency.year_bounds(year, area.timezone)
    found = [
        (d.decided_at, d.id, ref, d.outcome, d.approved_cents)
        for d, ref in rows
        if d.id not in superseded
        and d.outcome in ("approved", "rejected")
        and start <= d.decided_at < end
    ]
    return [(ref, outcome, cents) for _at, _id, ref, outcome, cents in sorted(found, reverse=True)]


@pytest.fixture
def decided(area, staff, decide):
    """Approvals (one corrected), a rejection and a deferral, with and without published names."""
    from juryfund.services import decisions

    apps = decide(
        [
            Spec("Hoffest", 57000, kind="initiative", organisation="Hofgemeinschaft Koloniestraße"),
            Spec("Pflanzaktion", 48050, kind="person", name="Olena Kovalenko", consent=True),
            Spec("Kiezkino", outcome="rejected", kind="association", organisation="Kino e.V."),
        ]
    )
    decide([Spec("Lesecafé", outcome="no_quorum")])
    decisions.correct_decision(
        decisions.current_decision(apps[0]),
        amount_cents=55000,
        conditions="",
        reason="Korrektur",
        reasons="Weniger Mittel als beantragt verfügbar.",
        actor=staff.actor,
    )
    db.session.commit()
    return apps


def test_csv_is_streamed_utf8_with_header_and_matches_database(client, area, decided):
    year = transparency.current_year(area)
    response = client.get(f"/{area.slug}/decisions.csv?year={year}")
    assert response.status_code == 200
    assert response.is_streamed
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="decisions-{area.slug}-{year}.csv"'
    )
    rows = list(csv.DictReader(io.StringIO(response.get_data().decode("utf-8"))))
    assert list(rows[0]) == [*RECORD_FIELDS, "project_url"]
    assert [
        (r["reference"], r["outcome"], int(r["amount_cents"]) if r["amount_cents"] else None)
        for r in rows
    ] == expected_from_database(area, year)
    by_ref = {r["reference"]: r for r in rows}
    hoffest, pflanz, kino = decided
    assert (by_ref[hoffest.reference]["amount_cents"], by_ref[hoffest.reference]["amount_eur"]) == (
        "55000",
        "550.00",
    )
    assert by_ref[pflanz.reference]["amount_eur"] == "480.50"
    assert by_ref[pflanz.reference]["applicant"] == "Olena Kovalenko"
    assert by_ref[hoffest.reference]["applicant"] == "Hofgemeinschaft Koloniestraße"
    assert (
        by_ref[kino.reference]["amount_eur"] == "" and by_ref[kino.reference]["project_url"] == ""
    )
    assert by_ref[pflanz.reference]["project_url"].endswith(
        f"/{area.slug}/projects/{pflanz.reference}"
    )


def test_csv_body_comes_from_a_generator(app, area, decided):
    """The view hands Flask an iterator of lines, not a finished string."""
    with app.test_request_context(f"/{area.slug}/decisions.csv"):
        response = app.view_functions["transparency.decisions_csv"](slug=area.slug)
        assert not isinstance(response.response, list | tuple | str | bytes)
        first = next(iter(response.response))
        assert first.startswith("reference,title,applicant,")


def test_csv_quotes_commas_quotes_and_newlines(client, area, decide):
    decide([Spec('Fest, "groß"\nund bunt', kind="initiative", organisation="A, B & C")])
    text = client.get(f"/{area.slug}/decisions.csv").get_data(as_text=True)
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert row["title"] == 'Fest, "groß"\nund bunt' and row["applicant"] == "A, B & C"


def test_json_matches_csv_and_database(client, area, decided):
    year = transparency.current_year(area)
    response = client.get(f"/{area.slug}/decisions.json?year={year}")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.get_data(as_text=True))
    assert (data["area"], data["year"]) == (area.slug, year)
    assert [(d["reference"], d["outcome"], d["amount_cents"]) for d in data["decisions"]] == (
        expected_from_database(area, year)
    )
    rows = list(
        csv.DictReader(
            io.StringIO(
                client.get(f"/{area.slug}/decisions.csv?year={year}").get_data(as_text=True)
            )
        )
    )
    assert [r["reference"] for r in rows] == [d["reference"] for d in data["decisions"]]
    assert [r["amount_eur"] or None for r in rows] == [d["amount_eur"] for d in data["decisions"]]


def test_downloads_of_another_year_are_empty_but_valid(client, area, decided):
    text = client.get(f"/{area.slug}/decisions.csv?year=2001").get_data(as_text=True)
    assert text.splitlines() == [",".join([*RECORD_FIELDS, "project_url"])]
    assert json.loads(client.get(f"/{area.slug}/decisions.json?year=2001").data)["decisions"] == []


def test_atom_feed_is_valid_and_lists_the_decisions(client, area, decided):
    response = client.get(f"/{area.slug}/decisions.atom", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    for tag in ("id", "title", "updated", "author/" + ATOM + "name"):
        assert feed.find(ATOM + tag).text, tag
    assert (
        feed.find(f"{ATOM}link[@rel='self']").get("href").endswith(f"/{area.slug}/decisions.atom")
    )
    entries = feed.findall(f"{ATOM}entry")
    expected = expected_from_database(area, transparency.current_year(area))
    assert len(entries) == len(expected) == 3
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(set(ids)) == 3
    for entry, (reference, outcome, cents) in zip(entries, expected, strict=True):
        assert entry.find(f"{ATOM}title").text.startswith(outcome.capitalize() + ": ")
        if cents is not None:
            assert f"€{cents // 100:,}.{cents % 100:02d}" in entry.find(f"{ATOM}summary").text
        assert datetime.fromisoformat(
            entry.find(f"{ATOM}updated").text.replace("Z", "+00:00")
        ).tzinfo
        assert entry.find(f"{ATOM}link").get("href").startswith("http")
        assert reference in entry.find(f"{ATOM}summary").text
    assert feed.find(f"{ATOM}updated").text == entries[0].find(f"{ATOM}updated").text


def test_atom_feed_keeps_the_newest_fifty(client, area, decide):
    for batch in range(3):
        decide(
            [Spec(f"Aktion {batch}-{i}", requested=1000, outcome="rejected") for i in range(20)],
            at=datetime(2026, 1 + batch, 10, 12, tzinfo=UTC),
        )
    feed = ET.fromstring(client.get(f"/{area.slug}/decisions.atom").data)
    titles = [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")]
    assert len(titles) == 50
    assert not any("Aktion 0-" in t for t in titles[:40])


def test_atom_feed_of_an_area_without_decisions(client, area):
    feed = ET.fromstring(client.get(f"/{area.slug}/decisions.atom").data)
    assert feed.findall(f"{ATOM}entry") == [] and feed.find(f"{ATOM}updated").text
