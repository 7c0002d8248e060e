"""Which mails the Art. 15 export hands out and the erasure deletes: the mails about the
application, each naming its reference (privacy._mails_about). Before, the name was matched as
a bare substring of every mail, so a member whose name only began like the applicant's had their
mails, personal ballot links included, exported to the applicant and deleted with her data."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.models import Mail, Member
from juryfund.services import privacy
from tests.fixtures import Spec

pytestmark = pytest.mark.security

NAME = "Zeynep Kaya"
EMAIL = "zeynep.kaya@example.org"
#: A jury member: another person, whose name starts with the applicant's.
MEMBER = "Zeynep Kayacan"
MEMBER_EMAIL = "z.kayacan@example.net"


@pytest.fixture
def rejected(decide, jury):
    member = db.session.scalars(
        select(Member).where(Member.body_id == jury.id).order_by(Member.id)
    ).first()
    member.name, member.email = MEMBER, MEMBER_EMAIL
    db.session.commit()
    (application,) = decide(
        [Spec("Hoffest", outcome="rejected", kind="person", name=NAME, email=EMAIL)]
    )
    to_member = db.session.scalars(select(Mail).where(Mail.to_addr == MEMBER_EMAIL)).all()
    assert to_member, "the member was invited to the meeting by mail"
    return application


def test_export_does_not_hand_out_another_person_s_mails(rejected):
    exported = privacy.export(rejected)
    assert {m["to"] for m in exported["mails"]} <= {EMAIL}, [
        (m["to"], m["subject"]) for m in exported["mails"] if m["to"] != EMAIL
    ]


def test_erasure_keeps_another_person_s_mails(rejected, staff):
    before = db.session.scalars(select(Mail.id).where(Mail.to_addr == MEMBER_EMAIL)).all()
    privacy.erase(rejected, actor=staff.actor, reason="Brief", title="Hoffest")
    db.session.commit()
    after = db.session.scalars(select(Mail.id).where(Mail.to_addr == MEMBER_EMAIL)).all()
    assert after == before


MEMBER_APPLICANT = "anna.member@example.org"


@pytest.fixture
def rejected_member_applicant(decide, jury):
    """A jury member applies herself (the reason conflicts of interest exist)."""
    member = db.session.scalars(
        select(Member).where(Member.body_id == jury.id).order_by(Member.id.desc())
    ).first()
    member.email = MEMBER_APPLICANT
    db.session.commit()
    (application,) = decide(
        [
            Spec(
                "Hoffest",
                outcome="rejected",
                kind="person",
                name="Anna Beispiel",
                email=MEMBER_APPLICANT,
            )
        ]
    )
    return application


def test_export_holds_mails_of_an_applicant_who_is_a_member(rejected_member_applicant):
    app = rejected_member_applicant
    to_her = db.session.scalars(
        select(Mail).where(Mail.to_addr == MEMBER_APPLICANT, Mail.subject.contains(app.reference))
    ).all()
    assert to_her, "she got her application's mails"
    exported = privacy.export(app)
    assert {m["subject"] for m in exported["mails"]} >= {m.subject for m in to_her}


def test_erasure_removes_mails_of_an_applicant_who_is_a_member(rejected_member_applicant, staff):
    app = rejected_member_applicant
    ref = app.reference
    privacy.erase(app, actor=staff.actor, reason="Brief", title="Hoffest")
    db.session.commit()
    left = db.session.scalars(
        select(Mail.subject).where(Mail.to_addr == MEMBER_APPLICANT, Mail.subject.contains(ref))
    ).all()
    assert left == []
