"""Notices to the QM team (issue 14, item 1): the area's contact address hears of everything,
each staff member of the area chooses kinds and one mail each or a daily digest; round
notices go out once, also when two ticks run at once."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from juryfund.domain.notices import NoticeKind
from juryfund.extensions import db
from juryfund.infra.mail import deliver_pending
from juryfund.models import Mail, NoticeOnce, PendingNotice, StaffUser
from juryfund.services import accounts, ballots, intake, notices, rounds
from tests.factories import ApplicationFactory
from tests.races import race
from tests.smtp_server import messages_to, text_of

from ..conftest import POSTGRES_URL, csrf_from
from .conftest import application_data, last_mail, only_application, status_link

pytestmark = pytest.mark.intake

CONTACT = "qm@soldiner.example"


@pytest.fixture
def office(area, make):
    """The area's contact address, a staff member who wants new applications at once (in
    Turkish), and one who wants everything once a day."""
    area.contact_email = CONTACT
    at_once = make.staff(areas=[area], email="deniz@qm.example")
    at_once.language = "tr"
    daily = make.staff(areas=[area], email="jana@qm.example")
    accounts.set_notices(at_once, {NoticeKind.APPLICATION_NEW}, digest=False, actor=at_once.actor)
    accounts.set_notices(daily, set(NoticeKind), digest=True, actor=daily.actor)
    db.session.commit()
    return at_once, daily


def test_a_new_application_reaches_the_office_and_who_chose_it(
    smtp_app, smtp_server, app, client, area, office, apply, runner
):
    at_once, daily = office
    apply()
    application = only_application()
    deliver_pending()

    to_office = messages_to(smtp_server, CONTACT)
    assert len(to_office) == 1
    assert application.reference in to_office[0]["Subject"]
    assert f"/staff/applications/{application.id}" in text_of(to_office[0])
    to_deniz = messages_to(smtp_server, at_once.email)
    assert len(to_deniz) == 1 and "Yeni başvuru" in to_deniz[0]["Subject"]
    assert messages_to(smtp_server, daily.email) == []  # waits for the digest

    # Returned and sent again: Deniz did not choose that; the digest collects both.
    intake.return_for_changes(application, note="Bitte ergänzen.", actor=daily.actor)
    db.session.commit()
    resident = app.test_client()
    resident.get(status_link(last_mail(application.email)))
    url = f"/status/{application.reference}/edit"
    token = csrf_from(resident.get(url).get_data(as_text=True))
    response = resident.post(
        url,
        data={
            "csrf_token": token,
            "action": "submit",
            **application_data(),
            "confirmed_fund": str(application.fund_id),
        },
    )
    assert response.status_code == 302
    db.session.refresh(application)
    assert application.state == "submitted"
    runner.invoke(args=["juryfund", "tick"])
    runner.invoke(args=["juryfund", "tick"])  # a second tick the same day sends no second digest
    deliver_pending()
    digests = messages_to(smtp_server, daily.email)
    assert len(digests) == 1
    body = text_of(digests[0])
    assert f"New application {application.reference}" in body or application.reference in body
    assert body.count(application.reference) >= 2  # new, and sent again
    assert len(messages_to(smtp_server, at_once.email)) == 1
    assert (
        db.session.scalar(
            select(func.count(PendingNotice.id)).where(PendingNotice.sent_at.is_(None))
        )
        == 0
    )


def _written_round(jury, staff, applications):
    round_ = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf Dezember",
        when=datetime.now(UTC) + timedelta(hours=20),
        place="",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [a.id for a in applications])
    rounds.open_round(round_, actor=staff.actor)
    db.session.commit()
    return round_


def test_round_notices_go_out_once(app, area, fund, jury, staff, runner):
    area.contact_email = CONTACT
    application = ApplicationFactory(area=area, fund=fund)
    round_ = _written_round(jury, staff, [application])
    runner.invoke(args=["juryfund", "tick"])
    # Ending within a day with votes missing: told once, however often the tick runs.
    runner.invoke(args=["juryfund", "tick"])
    sent = lambda purpose: db.session.scalars(  # noqa: E731
        select(Mail).where(Mail.purpose == f"notice.{purpose}")
    ).all()
    assert len(sent("round_deadline")) == 1
    assert "7 members have not voted yet" in sent("round_deadline")[0].body_text or (
        "7 Mitglieder" in sent("round_deadline")[0].body_text
    )
    for participant in round_.participants[:4]:
        ballots.cast_vote(participant, round_.agenda[0], "yes")
    db.session.commit()
    runner.invoke(args=["juryfund", "tick"])
    assert len(sent("round_quorate")) == 1 and sent("round_complete") == []
    for participant in round_.participants[4:7]:
        ballots.cast_vote(participant, round_.agenda[0], "yes")
    db.session.commit()
    runner.invoke(args=["juryfund", "tick"])
    runner.invoke(args=["juryfund", "tick"])
    assert len(sent("round_complete")) == 1 and len(sent("round_quorate")) == 1


def test_an_objection_is_reported(app, area, fund, jury, staff):
    area.contact_email = CONTACT
    round_ = _written_round(jury, staff, [ApplicationFactory(area=area, fund=fund)])
    rounds.object_to_writing(round_.participants[2])
    db.session.commit()
    mails = db.session.scalars(select(Mail).where(Mail.purpose == "notice.round_objected")).all()
    assert [m.to_addr for m in mails] == [CONTACT]
    assert "Umlauf Dezember" in mails[0].subject


@pytest.mark.postgres
@pytest.mark.skipif(
    not POSTGRES_URL, reason="the race needs PostgreSQL (JURYFUND_TEST_DATABASE_URL)"
)
def test_two_ticks_at_once_tell_once(app, area, fund, jury, staff):
    area.contact_email = CONTACT
    round_ = _written_round(jury, staff, [ApplicationFactory(area=area, fund=fund)])
    for participant in round_.participants:
        ballots.cast_vote(participant, round_.agenda[0], "yes")
    db.session.commit()
    now = datetime.now(UTC)

    def tick(ready):
        ready()
        notices.round_progress(now)

    outcomes = race(app, tick, tick, tick)
    assert all(outcome == "ok" for outcome in outcomes), outcomes
    assert db.session.scalar(select(func.count(NoticeOnce.id))) == 2  # quorate, complete
    assert (
        db.session.scalar(
            select(func.count(Mail.id)).where(Mail.purpose == "notice.round_complete")
        )
        == 1
    )


def test_staff_choose_their_notices(client, area, staff, login):
    login(staff)
    page = client.get("/staff/notices").get_data(as_text=True)
    response = client.post(
        "/staff/notices",
        data={
            "csrf_token": csrf_from(page),
            "kinds": ["application_new", "proof_submitted"],
            "digest": "y",
        },
    )
    assert response.status_code == 302
    user = db.session.get(StaffUser, staff.id)
    db.session.refresh(user)
    assert (user.notify_kinds, user.notify_digest) == ("application_new,proof_submitted", True)
    again = client.get("/staff/notices").get_data(as_text=True)
    checked = re.findall(r'<input checked[^>]*name="kinds"[^>]*value="(\w+)"', again)
    assert checked == ["application_new", "proof_submitted"]


def test_the_digest_leaves_out_areas_taken_off_the_staff_member_since(make, area, fund):
    """Jana takes a daily digest of new applications in two areas. An application comes in
    here, then the admin takes this area off her account (she moved to another QM office):
    her next digest must not name the unpublished application, while the other area's news
    still reaches her."""
    other = make.area(name="Wedding", slug="wedding", code="WED")
    other_fund = make.fund(other, make.body(other, members=7), allocation_cents=1_000_000)
    jana = make.staff(areas=[area, other], email="jana@qm.example")
    accounts.set_notices(jana, {NoticeKind.APPLICATION_NEW}, digest=True, actor=jana.actor)
    left = ApplicationFactory(area=area, fund=fund, title="Geheimes Hoffest", requested_cents=30000)
    kept = ApplicationFactory(area=other, fund=other_fund, title="Lesecafé", requested_cents=20000)
    notices.application_received(left)
    notices.application_received(kept)
    db.session.commit()
    accounts.update_staff(jana, name=jana.name, role="staff", active=True, areas=[other])
    db.session.commit()

    assert notices.send_digests(datetime.now(UTC)) == 1
    db.session.commit()
    [digest] = db.session.scalars(select(Mail).where(Mail.to_addr == jana.email)).all()
    assert left.reference not in digest.body_text and "Geheimes" not in digest.body_text
    assert kept.reference in digest.body_text
    assert (
        db.session.scalar(
            select(func.count()).select_from(PendingNotice).where(PendingNotice.sent_at.is_(None))
        )
        == 0
    )  # nothing left to go out later either


def test_a_digest_left_with_nothing_to_tell_does_not_hold_the_next_back(make, area, fund):
    """Every waiting notice was of an area taken off the staff member since: no digest goes
    out, and the next news of her own area reaches her at the next tick, not a day later."""
    other = make.area(name="Wedding", slug="wedding", code="WED")
    other_fund = make.fund(other, make.body(other, members=7), allocation_cents=1_000_000)
    jana = make.staff(areas=[area, other], email="jana@qm.example")
    accounts.set_notices(jana, {NoticeKind.APPLICATION_NEW}, digest=True, actor=jana.actor)
    notices.application_received(ApplicationFactory(area=area, fund=fund, title="Hoffest"))
    db.session.commit()
    accounts.update_staff(jana, name=jana.name, role="staff", active=True, areas=[other])
    db.session.commit()
    now = datetime.now(UTC)
    assert notices.send_digests(now) == 0
    db.session.commit()
    notices.application_received(ApplicationFactory(area=other, fund=other_fund, title="Lesecafé"))
    db.session.commit()
    assert notices.send_digests(now + timedelta(minutes=5)) == 1
