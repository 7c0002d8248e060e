"""Staff correct a jury member's mistyped e-mail at the moment a colleague opens a round.

The opening holds the body's members (FOR SHARE, after the round's lock) and the correction writes
the member's row before it looks a second time for rounds whose links went to the old address.
Whichever comes first, the new round's working ballot link ends up at the corrected address and
the link mailed to the mistyped one opens nothing.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import Body, Mail, Member, Round
from juryfund.services import rounds, setup
from tests.conftest import POSTGRES_URL
from tests.races import TIMEOUT, race

from .conftest import ballot_links, ready_apps  # noqa: F401

pytestmark = [
    pytest.mark.voting,
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="the race needs PostgreSQL's row locks"),
]

RIGHT = "right.address@example.org"
LINK_MAILS = ("ballot.invitation", "ballot.reissued")


def _draft(jury, staff, apps) -> Round:
    round_ = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Umlauf Dezember",
        when=datetime.now(UTC) + timedelta(days=7),
        place="",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [a.id for a in apps])
    db.session.commit()
    return round_


def _open(round_id: int, actor):
    def job(ready):
        found = db.session.get(Round, round_id)
        found.body.members  # noqa: B018  (the page loaded them before the click)
        ready()
        rounds.open_round(found, actor=actor)

    return job


def _correct(member_id: int, body_id: int, actor):
    def job(ready):
        member = db.session.get(Member, member_id)
        body = db.session.get(Body, body_id)
        ready()
        setup.save_member(
            member,
            body,
            name=member.name,
            email=RIGHT,
            language=member.language,
            role=member.role,
            term_start=member.term_start,
            term_end=member.term_end,
            actor=actor,
        )

    return job


def _all_links() -> dict[str, str]:
    """Address -> the last ballot link mailed to it (invitations and reissued links)."""
    links = {}
    for mail in db.session.scalars(
        select(Mail).where(Mail.purpose.in_(LINK_MAILS)).order_by(Mail.id)
    ):
        links[mail.to_addr] = re.search(r"(/ballot/link/\S+)", mail.body_text).group(1)
    return links


def _links_hold(app, round_id: int, wrong: str) -> None:
    links = _all_links()
    right = app.test_client()
    assert right.get(links[RIGHT]).status_code == 302
    assert right.get(f"/ballot/{round_id}").status_code == 200
    if wrong in links:  # mailed before the correction: it must open nothing
        stranger = app.test_client()
        stranger.get(links[wrong])
        assert stranger.get(f"/ballot/{round_id}").status_code in (403, 410)


def test_a_correction_while_the_round_opens_relinks_the_new_round(
    app, jury, staff, ready_apps, monkeypatch
):
    """The opening holds the members first; the correction waits and then relinks it."""
    round_ = _draft(jury, staff, ready_apps)
    member = jury.members[0]
    wrong = member.email
    held = threading.Event()
    real = rounds._hold_body_members

    def hold_then_pause(body_id):
        real(body_id)
        held.set()
        time.sleep(0.5)  # the correction arrives while the opening holds the members

    monkeypatch.setattr(rounds, "_hold_body_members", hold_then_pause)
    opener = _open(round_.id, staff.actor)

    def correct_after_hold(ready):
        job = _correct(member.id, jury.id, staff.actor)
        return job(lambda: (ready(), held.wait(TIMEOUT)))

    outcomes = race(app, opener, correct_after_hold)

    assert outcomes == ["ok", "ok"]
    _links_hold(app, round_.id, wrong)


def test_a_round_opened_while_an_address_is_corrected_mails_the_corrected_one(
    app, jury, staff, ready_apps, monkeypatch
):
    """The correction writes first; the opening waits for it and mails the new address."""
    round_ = _draft(jury, staff, ready_apps)
    member = jury.members[0]
    wrong = member.email
    written = threading.Event()
    real_save = setup.save_member

    def save_then_pause(*args, **kwargs):
        saved = real_save(*args, **kwargs)
        db.session.flush()
        written.set()
        time.sleep(0.5)  # the opening arrives before the correction commits
        return saved

    monkeypatch.setattr(setup, "save_member", save_then_pause)
    opener = _open(round_.id, staff.actor)

    def open_after_write(ready):
        return opener(lambda: (ready(), written.wait(TIMEOUT)))

    outcomes = race(app, open_after_write, _correct(member.id, jury.id, staff.actor))

    assert outcomes == ["ok", "ok"]
    assert wrong not in ballot_links()
    _links_hold(app, round_.id, wrong)
