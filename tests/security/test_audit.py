"""The audit trail (issue 7, item 6): a hash-chained log of every change, checked by verify-audit.

A realistic run (apply, review, round, votes, close, confirm, payment) must leave a chain that
verifies; editing, removing or consistently re-hashing a row must be found and named; staff read
the trail per application and per round (other areas get 403); two writers at the same moment
still leave one unbroken chain. All of it on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event as sql_event
from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError

from juryfund.domain.actors import SYSTEM, Actor
from juryfund.extensions import db
from juryfund.infra import audit
from juryfund.models import Application, Area, AuditEvent, FundYear, Round
from juryfund.services import ledger
from tests.intake.conftest import application_data
from tests.voting.conftest import ballot_links

from ..conftest import csrf_from

pytestmark = pytest.mark.security

TIMEOUT = 30


# --- a realistic run ---------------------------------------------------------------------------


@pytest.fixture
def world(make):
    """Soldiner Kiez: a jury of seven, an Aktionsfonds with 10,000 € this year, a staff member."""
    area = make.area(name="Soldiner Kiez", slug="soldiner-kiez", code="SOL")
    jury = make.body(area, members=7)
    fund = make.fund(area, jury, cap_cents=150000, allocation_cents=1_000_000)
    staff = make.staff(areas=[area])
    return area, jury, fund, staff


def _post(browser, url: str, data: dict, *, page: str | None = None):
    """POST a form with the CSRF token of the page it is on."""
    token = csrf_from(browser.get(page or url).get_data(as_text=True))
    return browser.post(url, data={"csrf_token": token, **data})


@pytest.fixture
def flow(app, client, world, login):
    """Apply, review, a round with votes and a conflict, close, confirm, pay; the ids involved."""
    area, jury, fund, staff = world

    # A resident applies through the public form.
    resident = app.test_client()
    url = f"/{area.slug}/apply"
    data = application_data()
    checked = _post(resident, url, {**data, "action": "check"})
    fund_id = re.search(
        r'name="confirmed_fund" value="(\d+)"', checked.get_data(as_text=True)
    ).group(1)
    assert (
        _post(resident, url, {**data, "action": "submit", "confirmed_fund": fund_id}).status_code
        == 302
    )
    application = db.session.scalars(select(Application)).one()

    # A failed login, then the staff member logs in and reviews.
    bad = _post(client, "/staff/login", {"email": staff.email, "password": "wrong password!"})
    assert bad.status_code == 200
    login(staff)
    page = f"/staff/applications/{application.id}"
    assert _post(client, f"{page}/ready", {"note": "Formal geprüft."}, page=page).status_code == 302

    # A circulation round with the application, opened: ballot links go out.
    when = (datetime.now() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    _post(
        client,
        f"/staff/bodies/{jury.id}/rounds/new",
        {"mode": "circulation", "title": "Umlauf", "when": when},
    )
    round_ = db.session.scalars(select(Round)).one()
    detail = f"/staff/rounds/{round_.id}"
    _post(client, f"{detail}/agenda", {"application": [str(application.id)]}, page=detail)
    assert _post(client, f"{detail}/open", {}, page=detail).status_code == 302
    db.session.refresh(round_)
    item = round_.agenda[0]

    # Members vote through their links; one declares a conflict and takes it back; one changes.
    links = ballot_links()
    members = {}
    for member in jury.members:
        browser = app.test_client()
        assert browser.get(links[member.email]).status_code == 302
        members[member.id] = browser
    ballot = f"/ballot/{round_.id}"
    choices = ["yes", "yes", "yes", "no", "yes", "abstain", None]
    for member, choice in zip(jury.members, choices, strict=True):
        if choice:
            response = _post(
                members[member.id],
                f"{ballot}/items/{item.id}/vote",
                {"choice": choice},
                page=ballot,
            )
            assert response.status_code == 302
    doubtful = jury.members[6]
    _post(
        members[doubtful.id],
        f"{ballot}/items/{item.id}/conflict",
        {"reason": "Nachbarin"},
        page=ballot,
    )
    # Only the body lifts a declaration (§ 20 (4) VwVfG); staff record its decision.
    participant = next(p for p in round_.participants if p.member_id == doubtful.id)
    ruled = _post(
        client,
        f"{detail}/conflicts",
        {
            "participant": participant.id,
            "item": item.id,
            "excluded": "no",
            "reason": "Nachbarschaft ist keine Befangenheit.",
        },
        page=detail,
    )
    assert ruled.status_code == 302
    _post(
        members[jury.members[3].id],
        f"{ballot}/items/{item.id}/vote",
        {"choice": "yes"},
        page=ballot,
    )

    # Staff close the round, confirm 450 € and pay an advance of 200 €.
    early = {"reason": "Vor der Frist geschlossen.", "confirm": "y"}  # one member has not voted
    assert _post(client, f"{detail}/close", early, page=detail).status_code == 302
    confirm = f"{detail}/items/{item.id}/confirm"
    assert (
        _post(
            client,
            confirm,
            {"amount": "450,00", "conditions": "", "reasons": "Die Jury kürzt den Betrag."},
            page=confirm,
        ).status_code
        == 302
    )
    money = f"/staff/applications/{application.id}/money"
    response = _post(
        client,
        f"/staff/applications/{application.id}/payment",
        {"pay-payment_type": "advance", "pay-amount": "200,00", "pay-note": ""},
        page=money,
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, application.id).state == "approved"
    return {
        "area": area,
        "jury": jury,
        "staff": staff,
        "application": application,
        "round": round_,
        "item": item,
        "doubtful": doubtful,
    }


def _chain(chain: int) -> list[AuditEvent]:
    """The events of one chain (an area's id, 0 for the installation's), in their order."""
    return [e for e in sorted(_events(), key=lambda e: e.seq) if e.chain == chain]


def _next_in_chain(event: AuditEvent) -> AuditEvent:
    """The event that follows `event` in its chain."""
    return next(e for e in _chain(event.chain) if e.seq == event.seq + 1)


def _events() -> list[AuditEvent]:
    """Every stored event, oldest first, as the database has them now."""
    db.session.rollback()
    return list(
        db.session.scalars(
            select(AuditEvent).order_by(AuditEvent.id).execution_options(populate_existing=True)
        )
    )


def test_a_realistic_run_is_recorded_and_verifies(flow, runner):
    application, staff, item = flow["application"], flow["staff"], flow["item"]
    events = _events()
    actions = [e.action for e in events]
    staff_actor = f"staff:{staff.id}"

    # Set-up (area, body, members, fund, fund year with its allocation, staff account) came first.
    for action in (
        "area.created",
        "body.created",
        "member.created",
        "fund.created",
        "fund_year.opened",
        "booking",
        "staff.created",
    ):
        assert action in actions, action
    by_action = {}
    for event in events:
        by_action.setdefault(event.action, []).append(event)

    [submitted] = by_action["application.submitted"]
    assert submitted.actor == f"applicant:{application.reference}"
    assert (submitted.object_type, submitted.object_id) == ("application", str(application.id))
    assert submitted.area_id == application.area_id
    assert "ayse" not in submitted.data and "Soldiner Str" not in submitted.data  # no personal data

    [failed] = by_action["login.failed"]
    assert failed.actor == "anonymous" and audit.details(failed) == {"email": staff.email}
    assert [e.actor for e in by_action["login"]] == [staff_actor]

    states = [
        (audit.details(e)["from_state"], audit.details(e)["to_state"], e.actor)
        for e in by_action["application.state"]
    ]
    assert states == [
        ("submitted", "ready", staff_actor),
        ("ready", "scheduled", staff_actor),
        ("scheduled", "approved", staff_actor),
    ]

    votes = by_action["vote.cast"]
    assert len(votes) == 7  # six first votes and one change; a vote sent again is not a change
    assert all(v.actor.startswith("member:") and v.object_id == str(item.id) for v in votes)
    changed = votes[-1]
    assert audit.details(changed)["choice"] == "yes" and audit.details(changed)["previous"] == "no"
    assert changed.actor == f"member:{audit.details(changed)['member_id']}"
    doubtful = f"member:{flow['doubtful'].id}"
    assert [e.actor for e in by_action["conflict.declared"]] == [doubtful]
    assert [e.actor for e in by_action["conflict.withdrawn"]] == [staff_actor]
    assert "Nachbarin" not in by_action["conflict.declared"][0].data  # the reason stays out
    [ruled] = by_action["conflict.ruled"]
    assert ruled.actor == staff_actor and "Befangenheit" not in ruled.data
    assert (audit.details(ruled)["raised_by"], audit.details(ruled)["excluded"]) == (
        "member",
        False,
    )

    assert [e.actor for e in by_action["round.opened"]] == [staff_actor]
    [closed] = by_action["round.closed"]
    assert audit.details(closed)["results"][str(application.id)]["result"] == "approved"
    [confirmed] = by_action["decision.confirmed"]
    assert (audit.details(confirmed)["approved_cents"], audit.details(confirmed)["yes"]) == (
        45000,
        5,
    )
    bookings = [
        audit.details(e) for e in by_action["booking"] if audit.details(e)["application_id"]
    ]
    assert [(b["kind"], b["amount_cents"]) for b in bookings] == [
        ("commitment", 45000),
        ("payment", 20000),
    ]

    # Two chains: the area's events and the installation's (logins); each numbered densely from
    # 1, each event chained to the one before it in its chain, each hash its own.
    area_id = flow["area"].id
    assert {e.chain for e in events} == {0, area_id}
    assert all(e.chain == (e.area_id or 0) for e in events)
    for chain in (0, area_id):
        links = _chain(chain)
        assert [e.seq for e in links] == list(range(1, len(links) + 1))
        assert links[0].prev_hash == audit.GENESIS
        assert all(b.prev_hash == a.hash for a, b in zip(links, links[1:], strict=False))
    assert audit.verify() == []
    result = runner.invoke(args=["juryfund", "verify-audit"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"OK: {len(events)} events in 2 chain(s)")


def test_settings_changes_and_logout_are_recorded_with_the_staff_member(flow, client, post_form):
    staff, jury = flow["staff"], flow["jury"]
    member = jury.members[0]
    post_form(f"/staff/members/{member.id}/remove", {}, page=f"/staff/bodies/{jury.id}")
    post_form("/staff/logout", {}, page="/staff/")
    removed, logout = _events()[-2:]
    assert (removed.action, removed.actor, removed.object_type, removed.object_id) == (
        "member.removed",
        f"staff:{staff.id}",
        "member",
        str(member.id),
    )
    assert removed.area_id == flow["area"].id and member.email not in removed.data
    assert (logout.action, logout.actor) == ("logout", f"staff:{staff.id}")
    assert audit.verify() == []


def _tamper(sql: str, **params) -> None:
    """Change the table behind the application's back, as someone with database access could."""
    db.session.rollback()
    db.session.execute(text(sql), params)
    db.session.commit()


def _verify_cli(runner) -> tuple[int, str]:
    result = runner.invoke(args=["juryfund", "verify-audit"])
    return result.exit_code, result.output


def test_an_edited_row_is_found_and_named(flow, runner):
    victim = next(e for e in _events() if e.action == "decision.confirmed")
    tampered = victim.data.replace('"approved_cents":45000', '"approved_cents":150000')
    assert tampered != victim.data
    _tamper("UPDATE audit_event SET data = :data WHERE id = :id", data=tampered, id=victim.id)

    problems = audit.verify()
    assert [(p.event_id, p.kind) for p in problems] == [(victim.id, "edited")]
    code, output = _verify_cli(runner)
    assert code == 1
    assert f"event {victim.id}: edited" in output
    assert "OK" not in output


@pytest.mark.parametrize("column, value", [("actor", "staff:999"), ("at", None), ("area_id", None)])
def test_any_edited_column_is_found(flow, column, value):
    victim = next(e for e in _events() if e.area_id is not None and e.actor == "system")
    if column == "at":
        _tamper(
            "UPDATE audit_event SET at = :at WHERE id = :id", at=datetime(2020, 1, 1), id=victim.id
        )
    else:
        _tamper(
            f"UPDATE audit_event SET {column} = :value WHERE id = :id", value=value, id=victim.id
        )
    assert [(p.event_id, p.kind) for p in audit.verify()] == [(victim.id, "edited")]


def test_a_removed_row_is_found(flow, runner):
    events = _events()
    victim = next(e for e in events if e.action == "vote.cast")
    seq, chain, successor = victim.seq, victim.chain, _next_in_chain(victim).id
    _tamper("DELETE FROM audit_event WHERE id = :id", id=victim.id)

    problems = audit.verify()
    assert [(p.event_id, p.kind) for p in problems] == [(successor, "removed")]
    assert f"event {seq} of the chain of area {chain} before it" in problems[0].message
    code, output = _verify_cli(runner)
    assert code == 1 and f"event {successor}: removed" in output


def test_a_removed_row_with_renumbered_successors_is_found(flow):
    """Closing the gap in the chain's numbers does not help: the link to the removed row is
    still broken."""
    victim = _events()[10]
    seq, chain = victim.seq, victim.chain
    predecessor = next(e.id for e in _chain(chain) if e.seq == seq - 1)
    _tamper("DELETE FROM audit_event WHERE id = :id", id=victim.id)
    # In two steps: (chain, seq) is unique at every row.
    for shift, after in ((1_000_000, seq), (-1_000_001, seq + 1_000_000)):
        _tamper(
            "UPDATE audit_event SET seq = seq + :shift WHERE chain = :chain AND seq > :after",
            shift=shift,
            chain=chain,
            after=after,
        )
    problems = audit.verify()
    assert [(p.event_id, p.kind) for p in problems] == [(predecessor, "rewritten")]


def test_a_row_rehashed_consistently_is_found_by_its_successor(flow, runner):
    events = _events()
    payment = next(e for e in events if e.action == "booking" and '"kind":"payment"' in e.data)
    # an event in the middle of the area's chain, before the payment
    victim = next(e for e in _chain(payment.chain) if e.seq == payment.seq - 1)
    data = (
        victim.data.replace("}", ',"forged":true}', 1) if victim.data != "{}" else '{"forged":true}'
    )
    # Even someone who holds the audit key and re-seals the changed event is caught by the link.
    key_id, key = audit.sealing_key()
    forged = audit.event_hash(
        key=key,
        key_id=key_id,
        prev_hash=victim.prev_hash,
        at=victim.at,
        actor=victim.actor,
        action=victim.action,
        object_type=victim.object_type,
        object_id=victim.object_id,
        area_id=victim.area_id,
        data=data,
    )
    _tamper(
        "UPDATE audit_event SET data = :data, hash = :hash WHERE id = :id",
        data=data,
        hash=forged,
        id=victim.id,
    )

    problems = audit.verify()
    assert [(p.event_id, p.kind) for p in problems] == [(victim.id, "rewritten")]
    assert f"event {_next_in_chain(victim).id} was chained to a different hash" in (
        problems[0].message
    )
    code, output = _verify_cli(runner)
    assert code == 1 and f"event {victim.id}: rewritten" in output


def test_removing_the_newest_events_is_found_against_a_noted_head(flow, runner):
    count, head = audit.head()
    assert _verify_cli(runner)[0] == 0
    _tamper("DELETE FROM audit_event WHERE id > :id", id=count - 2)
    assert audit.verify() == []  # nothing inside the database can tell ...
    result = runner.invoke(args=["juryfund", "verify-audit", "--expect", head])
    assert result.exit_code == 1 and "chain: head:" in result.output  # ... the noted head can


def test_a_forked_chain_is_found(world):
    for n in range(3):
        audit.record("test.event", actor=SYSTEM, object_type="test", object_id=n)
    db.session.commit()
    events = _chain(0)
    first = next(e for e in events if e.action == "test.event")
    last = events[-1]
    # Someone inserts an event chained to an old one, as a writer without the lock would.
    at = datetime.now(UTC)
    key_id, key = audit.sealing_key()
    forged = audit.event_hash(
        key=key,
        key_id=key_id,
        prev_hash=first.hash,
        at=at,
        actor="system",
        action="test.event",
        object_type="test",
        object_id="x",
        area_id=None,
        data="{}",
    )
    db.session.add(
        AuditEvent(
            chain=0,
            seq=last.seq + 1,
            at=at,
            actor="system",
            action="test.event",
            object_type="test",
            object_id="x",
            area_id=None,
            data="{}",
            prev_hash=first.hash,
            key_id=key_id,
            hash=forged,
        )
    )
    db.session.commit()
    forged_id = db.session.scalar(select(AuditEvent.id).where(AuditEvent.hash == forged))
    problems = audit.verify()
    assert [(p.event_id, p.kind) for p in problems] == [(forged_id, "fork")]
    assert f"chained to event {first.id}" in problems[0].message


# --- transactions ------------------------------------------------------------------------------


def test_events_of_a_rolled_back_transaction_or_savepoint_are_dropped(world):
    before = audit.head()[0]
    audit.record("test.gone", actor=SYSTEM, object_type="test", object_id=1)
    db.session.rollback()
    audit.record("test.kept", actor=SYSTEM, object_type="test", object_id=2)
    savepoint = db.session.begin_nested()
    audit.record("test.gone", actor=SYSTEM, object_type="test", object_id=3)
    savepoint.rollback()
    audit.record("test.kept", actor=SYSTEM, object_type="test", object_id=4)
    db.session.commit()
    events = _events()
    assert [(e.action, e.object_id) for e in events[before:]] == [
        ("test.kept", "2"),
        ("test.kept", "4"),
    ]
    assert audit.verify() == []


# --- the staff pages ---------------------------------------------------------------------------


def test_staff_read_the_trail_of_an_application_and_of_a_round(flow, client):
    application, round_ = flow["application"], flow["round"]
    page = client.get(
        f"/staff/applications/{application.id}/audit", headers={"Accept-Language": "en"}
    )
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for words in (
        "Application sent",
        f"Applicant ({application.reference})",
        "State changed",
        "Approval confirmed",
        "Booking",
        "Payment",
        "€200.00",
        "Vote",
        "Conflict of interest declared",
    ):
        assert words in html, words
    assert "Nachbarin" not in html and "ayse@example.org" not in html
    # Members' votes in writing show that they voted, not how (as on the round page).
    assert "vote cast" in html and "vote changed" in html

    page = client.get(f"/staff/rounds/{round_.id}/audit", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for words in (
        "Round opened",
        "Round closed",
        "Approval confirmed",
        "Vote",
        application.reference,
    ):
        assert words in html, words
    assert "Login" not in html  # events of other things stay out

    # Times are shown in the area's zone (Berlin), the exact UTC time in the markup.
    opened = next(e for e in _events() if e.action == "round.opened")
    assert opened.at.isoformat() in html
    german = client.get(f"/staff/rounds/{round_.id}/audit").get_data(as_text=True)
    assert opened.at.astimezone(ZoneInfo("Europe/Berlin")).strftime("%H:%M") in german


def test_a_meeting_record_shows_the_choices_staff_entered(world, client, login, post_form):
    area, jury, fund, staff = world
    from tests.voting.conftest import make_ready

    application = make_ready(area, fund, "Hoffest", 50000)
    login(staff)
    when = (datetime.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    post_form(
        f"/staff/bodies/{jury.id}/rounds/new", {"mode": "meeting", "title": "Sitzung", "when": when}
    )
    round_ = db.session.scalars(select(Round)).one()
    detail = f"/staff/rounds/{round_.id}"
    post_form(f"{detail}/agenda", {"application": [str(application.id)]}, page=detail)
    post_form(f"{detail}/open", {}, page=detail)
    db.session.refresh(round_)
    item = round_.agenda[0]
    form = {f"present-{p.id}": "y" for p in round_.participants[:5]}
    form.update({f"vote-{p.id}-{item.id}": "no" for p in round_.participants[:5]})
    post_form(f"{detail}/record", form, page=detail)
    post_form(f"{detail}/record", form, page=detail)  # saved again unchanged: nothing new
    events = _events()
    assert sum(e.action == "presence.set" for e in events) == 7  # five present, two absent
    assert sum(e.action == "vote.cast" for e in events) == 5
    html = client.get(
        f"/staff/rounds/{round_.id}/audit", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    assert "Presence recorded" in html and "present" in html and "absent" in html
    assert html.count("<td>No") + html.count("<br>No") >= 5  # the choices entered in the meeting
    assert audit.verify() == []


def test_staff_of_another_area_get_403_and_visitors_the_login(flow, client, make, login):
    application, round_ = flow["application"], flow["round"]
    urls = [f"/staff/applications/{application.id}/audit", f"/staff/rounds/{round_.id}/audit"]
    client.post(
        "/staff/logout",
        data={"csrf_token": csrf_from(client.get("/staff/").get_data(as_text=True))},
    )
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]
    other = make.area(name="Anderswo", slug="anderswo", code="AND")
    login(make.staff(areas=[other]))
    for url in urls:
        assert client.get(url).status_code == 403
    assert client.get("/staff/applications/999999/audit").status_code == 404
    assert client.get("/staff/rounds/999999/audit").status_code == 404


# --- two writers at the same moment ------------------------------------------------------------


def test_concurrent_writers_keep_one_unbroken_chain_per_area(app, world):
    """Two threads, each in its own app context and session, record and book at the same time.

    Each transaction records an event, then books (locking the fund year, which records another
    event), then commits: with the chain locked at commit the two never chain onto the same
    event and never deadlock on the fund-year lock.
    """
    area, _jury, fund, staff = world
    fund_year_id = db.session.scalar(select(FundYear.id).where(FundYear.fund_id == fund.id))
    staff_id = staff.id
    before = audit.head()[0]
    rounds_per_thread = 12
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def writer(name: str) -> None:
        with app.app_context():
            try:
                barrier.wait(TIMEOUT)
                for n in range(rounds_per_thread):
                    for _attempt in range(20):
                        try:
                            actor = Actor.staff(staff_id)
                            audit.record(
                                "test.concurrent",
                                actor=actor,
                                object_type="test",
                                object_id=n,
                                area_id=area.id,
                            )
                            year = db.session.get(FundYear, fund_year_id)
                            ledger.book(year, "adjustment", 100, note=f"{name} {n}", actor=actor)
                            db.session.commit()
                            break
                        except Exception as error:  # SQLite busy beyond the timeout: retry
                            db.session.rollback()
                            if "locked" not in str(error) and "busy" not in str(error):
                                raise
                    else:
                        raise AssertionError("could not commit")
            except BaseException as error:  # noqa: BLE001  (reported to the test thread)
                errors.append(error)
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=writer, args=(f"thread-{i}",), daemon=True) for i in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    assert not any(thread.is_alive() for thread in threads), "a writer hung"
    assert not errors, errors

    events = _chain(area.id)
    assert len(_events()) - before == 2 * rounds_per_thread * 2
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:], strict=False))
    assert len({e.prev_hash for e in events}) == len(events)  # no two events follow the same one
    assert audit.verify() == []
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "booking", AuditEvent.area_id == area.id)
        )
        == 2 * rounds_per_thread + 1
    )


def test_writes_of_two_areas_do_not_wait_for_each_others_chain(world, make):
    """A commit still sealing one area's events (holding its chain's lock) keeps that area's
    next commit waiting, and no other area's: on PostgreSQL each chain has its own lock."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has one writer at a time, whatever the chains")
    area = world[0]
    other = make.area(name="Brunnenviertel", slug="brunnenviertel", code="BRU")
    db.session.commit()
    area_id, other_id = area.id, other.id
    with db.engine.connect() as holder:  # a commit of the area that has not ended yet
        holder.exec_driver_sql(f"SELECT pg_advisory_xact_lock({audit.LOCK_CLASS}, {area_id})")

        audit.record("test.other", actor=SYSTEM, object_type="test", object_id=1, area_id=other_id)
        db.session.execute(text("SET LOCAL lock_timeout = '5s'"))
        db.session.commit()  # the other area's chain is free: no wait

        audit.record("test.same", actor=SYSTEM, object_type="test", object_id=2, area_id=area_id)
        db.session.execute(text("SET LOCAL lock_timeout = '300ms'"))
        with pytest.raises(OperationalError, match="lock timeout"):
            db.session.commit()  # the area's own chain is held
        db.session.rollback()
    assert [e.action for e in _chain(other_id)][-1] == "test.other"
    assert "test.same" not in {e.action for e in _events()}
    assert audit.verify() == []


# --- the books, decisions and votes agree with the trail (issue 11 item 5) ---------------------


def _without_guards(sql: str, **params) -> None:
    """Change a guarded table as someone who first switched its triggers off."""
    db.session.rollback()
    postgres = db.session.get_bind().dialect.name == "postgresql"
    table = re.search(r"(?:UPDATE|FROM)\s+(\w+)", sql).group(1)
    try:
        if postgres:
            db.session.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
        else:
            for (name,) in db.session.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
                {"t": table},
            ):
                db.session.execute(text(f'DROP TRIGGER "{name}"'))
        db.session.execute(text(sql), params)
        db.session.commit()
    finally:
        if postgres:  # the next tests need the guards back (SQLite's come back with the reset)
            db.session.rollback()
            db.session.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER USER"))
            db.session.commit()


def test_the_tables_agree_with_the_trail_after_a_whole_flow(flow):
    from juryfund.infra import reconcile

    assert reconcile.reconcile() == []


def test_a_booking_edited_behind_the_guards_is_found(flow, runner):
    entry_id = db.session.scalar(text("SELECT id FROM ledger_entry WHERE kind = 'commitment'"))
    _without_guards("UPDATE ledger_entry SET amount_cents = 150000 WHERE id = :id", id=entry_id)
    code, output = _verify_cli(runner)
    assert code == 1
    assert f"ledger entry {entry_id}: amount_cents is 150000, the trail says 45000" in output


def test_a_decision_removed_behind_the_guards_is_found(flow, runner):
    decision_id = db.session.scalar(text("SELECT MAX(id) FROM decision"))
    _without_guards("DELETE FROM ledger_entry WHERE decision_id = :id", id=decision_id)
    _without_guards("DELETE FROM decision WHERE id = :id", id=decision_id)
    code, output = _verify_cli(runner)
    assert code == 1
    assert f"decision {decision_id} is recorded but not there" in output


def test_a_vote_changed_in_the_database_is_found(flow, runner):
    position_id, member_id = db.session.execute(
        text(
            "SELECT id, member_id FROM member_position WHERE kind = 'vote' AND choice = 'yes' LIMIT 1"
        )
    ).one()
    _tamper("UPDATE member_position SET choice = 'no' WHERE id = :id", id=position_id)
    code, output = _verify_cli(runner)
    assert code == 1
    assert f"vote of member {member_id}" in output and "is not the last vote in the trail" in output


# --- the audit key -----------------------------------------------------------------------------


def _reseal_from(first_id: int, *, key: str, key_id: str, change: str = "") -> None:
    """Rewrite the chain from one event on, as someone with database access but without the
    audit key would: change the event's data and recompute every seal after it."""
    db.session.rollback()
    first = db.session.get(AuditEvent, first_id)
    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.chain == first.chain, AuditEvent.seq >= first.seq)
        .order_by(AuditEvent.seq)
    ).all()
    prev_hash = rows[0].prev_hash
    updates = []
    for row in rows:
        data = change if (change and row.id == first_id) else row.data
        seal = audit.event_hash(
            key=key,
            key_id=key_id,
            prev_hash=prev_hash,
            at=row.at,
            actor=row.actor,
            action=row.action,
            object_type=row.object_type,
            object_id=row.object_id,
            area_id=row.area_id,
            data=data,
        )
        updates.append((row.id, data, prev_hash, seal))
        prev_hash = seal
    db.session.rollback()
    for row_id, *_new in updates:  # temporary seals first: hash is unique
        db.session.execute(
            text("UPDATE audit_event SET hash = :h WHERE id = :id"),
            {"h": f"tmp{row_id}", "id": row_id},
        )
    for row_id, data, prev, seal in updates:
        db.session.execute(
            text(
                "UPDATE audit_event SET data = :data, prev_hash = :prev, hash = :seal, "
                "key_id = :key_id WHERE id = :id"
            ),
            {"data": data, "prev": prev, "seal": seal, "key_id": key_id, "id": row_id},
        )
    db.session.commit()


def test_a_chain_recomputed_without_the_key_is_found(flow, runner):
    """Changing an event and recomputing every seal after it does not pass without the key:
    neither under the real key's name nor under a key of the forger's own."""
    events = _events()
    victim = next(e for e in events if e.action == "decision.confirmed")
    forged_data = victim.data.replace('"approved_cents":45000', '"approved_cents":150000')
    real_key_id, _key = audit.sealing_key()
    _reseal_from(victim.id, key="guessed key", key_id=real_key_id, change=forged_data)
    problems = audit.verify()
    assert {p.kind for p in problems} == {"edited"}
    assert [p.event_id for p in problems] == [
        e.id for e in _chain(victim.chain) if e.seq >= victim.seq
    ]
    code, output = _verify_cli(runner)
    assert code == 1 and f"event {victim.id}: edited" in output


def test_a_chain_resealed_under_a_foreign_key_is_found(flow):
    events = _events()
    forger = "the forger's own key"
    _reseal_from(events[5].id, key=forger, key_id=audit.key_id(forger))
    problems = audit.verify()
    assert {p.kind for p in problems} == {"unknown key"}
    assert problems[0].event_id == events[5].id
    assert "is not configured" in problems[0].message


def test_keys_rotate_old_events_verify_while_their_key_is_listed(flow, app, runner):
    """A new key in front seals new events; the old key, still listed, verifies the old ones;
    dropping the old key from the setting leaves their seals uncheckable, which is reported."""
    old_key = app.config["JURYFUND_AUDIT_KEYS"][0]
    old_count, _ = audit.head()
    app.config["JURYFUND_AUDIT_KEYS"] = ["a brand-new audit key", old_key]
    try:
        audit.record("test.rotated", actor=SYSTEM, object_type="test", object_id=1)
        db.session.commit()
        newest = _events()[-1]
        assert newest.key_id == audit.key_id("a brand-new audit key") != audit.key_id(old_key)
        assert audit.verify() == []
        assert _verify_cli(runner)[0] == 0
        app.config["JURYFUND_AUDIT_KEYS"] = ["a brand-new audit key"]
        problems = audit.verify()
        assert {p.kind for p in problems} == {"unknown key"}
        assert len(problems) == old_count
    finally:
        app.config["JURYFUND_AUDIT_KEYS"] = [old_key]


def test_a_signed_head_kept_outside_catches_removed_events_and_forgeries(flow, runner):
    """The head names every chain's newest event: removing the newest events of any one chain
    is caught, and a head changed by hand does not verify."""
    signed = runner.invoke(args=["juryfund", "audit-head"]).output.strip()
    area_id = flow["area"].id
    newest = {chain: _chain(chain)[-1] for chain in (0, area_id)}
    assert signed.startswith("jfhead2.")
    for chain, event in newest.items():
        assert f"{chain}-{event.seq}-{event.hash}" in signed
    assert runner.invoke(args=["juryfund", "verify-audit", "--expect", signed]).exit_code == 0

    # A head with a changed place or seal does not verify: only the key could sign it.
    area_newest = newest[area_id]
    area_seq = area_newest.seq
    forged = signed.replace(f"{area_id}-{area_newest.seq}-", f"{area_id}-{area_newest.seq - 3}-")
    result = runner.invoke(args=["juryfund", "verify-audit", "--expect", forged])
    assert result.exit_code == 1 and "the signed head does not verify" in result.output

    # The newest events of the area's chain go; the installation's chain is whole.
    _tamper(
        "DELETE FROM audit_event WHERE chain = :chain AND seq > :seq",
        chain=area_id,
        seq=area_seq - 2,
    )
    assert audit.verify() == []  # nothing inside the database can tell ...
    result = runner.invoke(args=["juryfund", "verify-audit", "--expect", signed])
    assert result.exit_code == 1  # ... the head can, and names the chain
    assert f"event {area_seq} of the chain of area {area_id}" in result.output
    assert "the installation's chain" not in result.output


def test_a_head_signed_when_the_trail_was_one_chain_still_verifies(flow, runner):
    """Heads noted before chains were per area (jfhead1: the count and seal of the one chain)
    name the installation's chain now, whose events kept their numbers."""
    installation = _chain(0)
    key_id, key = audit.sealing_key()
    count, seal = len(installation), installation[-1].hash
    old_head = f"jfhead1.{count}.{seal}.{key_id}." + audit._head_signature(
        key, "jfhead1", f"{count}|{seal}"
    )
    assert audit.verify(expect_head=old_head) == []
    forged = old_head.replace(f"jfhead1.{count}.", f"jfhead1.{count - 1}.")
    assert [p.kind for p in audit.verify(expect_head=forged)] == ["head"]
    _tamper("DELETE FROM audit_event WHERE id = :id", id=installation[-1].id)
    result = runner.invoke(args=["juryfund", "verify-audit", "--expect", old_head])
    assert result.exit_code == 1
    assert f"event {count} of the installation's chain" in result.output


def test_a_state_set_by_hand_is_found(flow, runner):
    """Moving an application or a round in the database, past the services, shows up."""
    application_id = db.session.scalar(text("SELECT MIN(id) FROM application"))
    round_id = db.session.scalar(text("SELECT MIN(id) FROM round"))
    _tamper("UPDATE application SET state = 'withdrawn' WHERE id = :id", id=application_id)
    _tamper("UPDATE round SET state = 'open' WHERE id = :id", id=round_id)
    code, output = _verify_cli(runner)
    assert code == 1
    assert f"application {application_id} is 'withdrawn', the trail says" in output
    assert f"round {round_id} is 'open', the trail says 'closed'" in output


def test_the_chain_lock_is_taken_after_the_transactions_own_rows_are_written(world):
    """Every audited write of an area waits for its chain's lock: the transaction's own rows go
    in before it is taken, and only the chain's three statements follow it."""
    seen: list[str] = []

    def listener(conn, cursor, statement, *args):
        seen.append(" ".join(statement.split()).upper())

    db.session.add(Area(slug="chain-order", code="LCK", name="Kiez am Lock"))
    audit.record("test.order", actor=SYSTEM, object_type="test", object_id=1)
    sql_event.listen(db.engine, "before_cursor_execute", listener)
    try:
        db.session.commit()
    finally:
        sql_event.remove(db.engine, "before_cursor_execute", listener)
    lock = next(n for n, sql in enumerate(seen) if sql in _LOCKS)
    assert any(sql.startswith("INSERT INTO AREA") for sql in seen[:lock])
    assert seen[lock + 1].startswith("SELECT SEQ, HASH FROM AUDIT_EVENT")
    assert seen[lock + 2].startswith("INSERT INTO AUDIT_EVENT")
    # Nothing but the commit's own bookkeeping after the events.
    assert not any(sql.startswith("INSERT INTO AREA") for sql in seen[lock:])
    stored = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "test.order")).one()
    assert audit.verify() == [] and stored.hash


_LOCKS = {sql.upper() for sql in audit._LOCK_SQL.values()}
