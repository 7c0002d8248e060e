"""Staff mistyped a member's e-mail: the personal ballot link went to a stranger. Once staff
correct the address on the member form, the link bound to the old address must stop opening the
dossiers (DESIGN.md §2: a link is bound to the person), and the member gets one at the new address."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from juryfund.extensions import db
from juryfund.models import Mail
from juryfund.services import rounds, setup

from .conftest import ballot_links

pytestmark = pytest.mark.voting


def _correct_address(member, jury, staff, email: str) -> None:
    """Staff save the member with only the e-mail address changed."""
    setup.save_member(
        member,
        jury,
        name=member.name,
        email=email,
        language=member.language,
        role=member.role,
        term_start=member.term_start,
        term_end=member.term_end,
        actor=staff.actor,
    )
    db.session.commit()


def test_correcting_a_member_s_address_ends_the_link_sent_to_the_old_one(
    app, open_round, jury, staff
):
    round_ = open_round()
    member = jury.members[0]
    wrong = member.email
    stranger_link = ballot_links()[wrong]
    stranger = app.test_client()
    stranger.get(stranger_link)
    assert stranger.get(f"/ballot/{round_.id}").status_code == 200

    _correct_address(member, jury, staff, "right.address@example.org")

    # The stranger's session and link no longer open the ballot ...
    assert stranger.get(f"/ballot/{round_.id}").status_code in (403, 410)
    assert app.test_client().get(stranger_link).status_code in (400, 403, 410)
    # ... and the member is sent a link at the corrected address.
    assert db.session.scalars(select(Mail).where(Mail.to_addr == "right.address@example.org")).all()


def _save(member, jury, staff, **changes):
    """The member form saved by staff with these changes."""
    fields = {
        "name": member.name,
        "email": member.email,
        "language": member.language,
        "role": member.role,
        "term_start": member.term_start,
        "term_end": member.term_end,
    }
    setup.save_member(member, jury, **{**fields, **changes}, actor=staff.actor)
    db.session.commit()


def test_saving_a_member_with_the_same_address_keeps_the_link(app, open_round, jury, staff):
    round_ = open_round()
    member = jury.members[0]
    link = ballot_links()[member.email]
    before = db.session.scalar(select(func.count()).select_from(Mail))

    _save(member, jury, staff, name="Neuer Name", email=member.email.upper())

    assert db.session.scalar(select(func.count()).select_from(Mail)) == before
    browser = app.test_client()
    assert browser.get(link).status_code == 302
    assert browser.get(f"/ballot/{round_.id}").status_code == 200


def test_the_new_link_opens_the_ballot(app, open_round, jury, staff):
    round_ = open_round()
    member = jury.members[1]
    _save(member, jury, staff, email="neu@example.org")

    (mail,) = db.session.scalars(select(Mail).where(Mail.to_addr == "neu@example.org")).all()
    assert mail.purpose == "ballot.reissued" and mail.language == member.language
    link = re.search(r"https?://[^/\s]+(/ballot/link/\S+)", mail.body_text).group(1)
    browser = app.test_client()
    assert browser.get(link).status_code == 302
    assert browser.get(f"/ballot/{round_.id}").status_code == 200


def test_a_closed_round_s_links_are_not_reissued(open_round, jury, staff):
    round_ = open_round()
    member = jury.members[2]
    round_.state = "closed"  # as closing leaves it; nothing is voted on any more
    db.session.commit()
    _save(member, jury, staff, email="neu@example.org")
    assert db.session.scalars(select(Mail).where(Mail.to_addr == "neu@example.org")).all() == []


def test_corrected_address_ends_the_old_link_of_a_closed_round_too(app, open_round, jury, staff):
    """A round closed early still opens its ballot for reading until its grace ends: the link
    mailed to the mistyped address stops opening it once staff correct the address."""
    round_ = open_round()
    member = jury.members[0]
    stranger_link = ballot_links()[member.email]
    stranger = app.test_client()
    stranger.get(stranger_link)
    assert stranger.get(f"/ballot/{round_.id}").status_code == 200

    rounds.close_round(round_, actor=staff.actor, early_reason="Vor der Frist geschlossen.")
    db.session.commit()
    # The closed round's ballot still opens (results readable within the grace).
    assert stranger.get(f"/ballot/{round_.id}").status_code == 200

    _correct_address(member, jury, staff, "right.address@example.org")

    # The stranger (the mistyped mailbox) must no longer read the dossiers.
    assert stranger.get(f"/ballot/{round_.id}").status_code in (403, 410)
    assert app.test_client().get(stranger_link).status_code in (400, 403, 410)
