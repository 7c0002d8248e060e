"""The member's ballot: personal links, dossiers, votes, conflicts of interest, objection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import SYSTEM
from juryfund.extensions import db
from juryfund.infra import tokens
from juryfund.models import ConflictDeclaration, RoundMember, Vote
from juryfund.services import rounds, setup

from ..conftest import csrf_from
from .conftest import ballot_links

pytestmark = pytest.mark.voting


@pytest.fixture
def opened(open_round):
    """An open circulation round and the seven ballot links by member email."""
    round_ = open_round()
    return round_, ballot_links()


def _member_client(app, link, language=None):
    """A member's browser after following their link (optionally with a language chosen before)."""
    member = app.test_client()
    if language:
        member.set_cookie("juryfund_lang", language)
    response = member.get(link)
    return member, response


def _post(client, round_id, path, data):
    token = csrf_from(client.get(f"/ballot/{round_id}").get_data(as_text=True))
    return client.post(f"/ballot/{round_id}{path}", data={"csrf_token": token, **data})


def test_ballot_link_lands_without_token_in_url(app, opened):
    round_, links = opened
    member, response = _member_client(app, next(iter(links.values())))
    assert response.status_code == 302
    assert response.headers["Location"] == f"/ballot/{round_.id}"
    html = member.get(f"/ballot/{round_.id}").get_data(as_text=True)
    assert "Pflanzaktion" in html and "Hoffest" in html and "Lesecafé" in html


def test_ballot_dossier_hides_applicant_contact_details(app, opened, ready_apps):
    round_, links = opened
    member, _ = _member_client(app, next(iter(links.values())))
    html = member.get(f"/ballot/{round_.id}").get_data(as_text=True)
    assert "Pflanzaktion: Beschreibung" in html and "Initiative 1" in html
    assert ready_apps[0].email not in html and "Soldiner Str. 1" not in html


def test_ballot_link_get_changes_nothing(app, opened):
    round_, links = opened
    for link in links.values():
        _member_client(app, link)
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_vote_then_change_vote_keeps_one_row(app, opened, jury):
    round_, links = opened
    member_email = jury.members[0].email
    member, _ = _member_client(app, links[member_email], language="en")
    item = round_.agenda[0]
    assert _post(member, round_.id, f"/items/{item.id}/vote", {"choice": "yes"}).status_code == 302
    assert _post(member, round_.id, f"/items/{item.id}/vote", {"choice": "no"}).status_code == 302
    votes = db.session.scalars(select(Vote)).all()
    assert [(v.member_id, v.agenda_item_id, v.choice) for v in votes] == [
        (jury.members[0].id, item.id, "no")
    ]
    html = member.get(f"/ballot/{round_.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "You have dealt with 1 of 3 applications." in html


def test_vote_without_choice_refused_clearly(app, opened):
    round_, links = opened
    member, _ = _member_client(app, next(iter(links.values())), language="en")
    _post(member, round_.id, f"/items/{round_.agenda[0].id}/vote", {"choice": "maybe"})
    html = member.get(f"/ballot/{round_.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Please choose yes, no or abstain." in html
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_conflict_withdraws_vote_and_blocks_voting(app, opened, jury):
    round_, links = opened
    member, _ = _member_client(app, links[jury.members[1].email])
    item = round_.agenda[1]
    _post(member, round_.id, f"/items/{item.id}/vote", {"choice": "yes"})
    _post(
        member,
        round_.id,
        f"/items/{item.id}/conflict",
        {"reason": "Ich bin im Vorstand der Initiative."},
    )
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    conflict = db.session.scalars(select(ConflictDeclaration)).one()
    assert (conflict.member_id, conflict.reason) == (
        jury.members[1].id,
        "Ich bin im Vorstand der Initiative.",
    )
    _post(member, round_.id, f"/items/{item.id}/vote", {"choice": "no"})
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    assert rounds.tallies(round_)[item.id].eligible == 6


def test_conflict_needs_reason(app, opened):
    round_, links = opened
    member, _ = _member_client(app, next(iter(links.values())))
    _post(member, round_.id, f"/items/{round_.agenda[0].id}/conflict", {"reason": "  "})
    assert db.session.scalar(select(func.count(ConflictDeclaration.id))) == 0


def test_a_member_cannot_withdraw_a_declared_conflict_alone(app, opened, jury):
    round_, links = opened
    member, _ = _member_client(app, links[jury.members[0].email], language="en")
    item = round_.agenda[0]
    _post(member, round_.id, f"/items/{item.id}/conflict", {"reason": "Versehen"})
    withdrawn = _post(member, round_.id, f"/items/{item.id}/conflict/withdraw", {})
    assert withdrawn.status_code == 404  # there is no such step for a member (§ 20 (4) VwVfG)
    _post(member, round_.id, f"/items/{item.id}/vote", {"choice": "yes"})
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    assert db.session.scalar(select(func.count(ConflictDeclaration.id))) == 1
    html = member.get(f"/ballot/{round_.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "Only the body can lift a declared conflict" in html


def test_objection_defers_round_and_puts_items_back(app, opened, ready_apps):
    round_, links = opened
    member, _ = _member_client(app, next(iter(links.values())), language="en")
    _post(member, round_.id, "/object", {})  # without the confirmation box nothing happens
    db.session.refresh(round_)
    assert round_.state == "open"
    _post(member, round_.id, "/object", {"confirm": "y"})
    db.session.refresh(round_)
    assert round_.state == "deferred" and round_.objected_by_id is not None
    assert {a.state for a in ready_apps} == {"ready"}
    html = member.get(f"/ballot/{round_.id}", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "decided in a meeting" in html and 'name="choice"' not in html


def _token(link: str) -> str:
    return link.rsplit("/", 1)[1]


@pytest.mark.parametrize(
    "mangle", [lambda t: t[:-3] + "abc", lambda t: "x" + t, lambda t: "nonsense"]
)
def test_tampered_ballot_link_refused_with_clear_page(client, opened, mangle):
    _round, links = opened
    response = client.get(
        f"/ballot/link/{mangle(_token(next(iter(links.values()))))}",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 400
    assert "This ballot link does not work" in response.get_data(as_text=True)


def test_expired_ballot_link_refused(client, opened):
    round_, links = opened
    round_.deadline = datetime.now(UTC) - rounds.GRACE - timedelta(minutes=1)
    db.session.commit()
    assert client.get(next(iter(links.values()))).status_code == 400


def test_revoked_ballot_link_refused_and_session_ends(app, opened, jury):
    round_, links = opened
    member, _ = _member_client(app, links[jury.members[2].email])
    participant = db.session.scalars(
        select(RoundMember).where(RoundMember.member_id == jury.members[2].id)
    ).one()
    rounds.revoke(participant, actor=SYSTEM)
    db.session.commit()
    assert member.get(f"/ballot/{round_.id}").status_code == 403
    assert member.get(links[jury.members[2].email]).status_code == 400


def test_member_taken_off_body_loses_access_at_once(app, opened, jury):
    round_, links = opened
    member, _ = _member_client(app, links[jury.members[3].email])
    setup.remove_member(jury.members[3])
    db.session.commit()
    assert member.get(f"/ballot/{round_.id}").status_code == 403


def test_status_token_is_not_a_ballot_token(client, opened):
    round_, _links = opened
    participant = round_.participants[0]
    wrong = tokens.sign("status", {"p": participant.id, "r": round_.id, "m": participant.member_id})
    assert client.get(f"/ballot/link/{wrong}").status_code == 400


def test_token_naming_another_member_or_round_refused(client, opened, jury, open_round):
    round_, _links = opened
    first, second = round_.participants[0], round_.participants[1]
    forged = tokens.sign("ballot", {"p": first.id, "r": round_.id, "m": second.member_id})
    assert client.get(f"/ballot/link/{forged}").status_code == 400
    forged = tokens.sign("ballot", {"p": first.id, "r": round_.id + 99, "m": first.member_id})
    assert client.get(f"/ballot/link/{forged}").status_code == 400


def test_link_of_one_round_does_not_open_another(app, opened, area, fund, staff, jury):
    from .conftest import make_ready

    round_, links = opened
    other_app = make_ready(area, fund, "Zweite Runde", 10000)
    second = rounds.save_round(
        None,
        jury,
        mode="circulation",
        title="Zweite",
        when=datetime.now(UTC) + timedelta(days=5),
        place="",
        actor=staff.actor,
    )
    rounds.set_agenda(second, [other_app.id])
    rounds.open_round(second, actor=staff.actor)
    db.session.commit()
    member, _ = _member_client(app, links[jury.members[0].email])
    assert member.get(f"/ballot/{second.id}").status_code == 403
    token = csrf_from(member.get(f"/ballot/{round_.id}").get_data(as_text=True))
    response = member.post(
        f"/ballot/{second.id}/items/{second.agenda[0].id}/vote",
        data={"csrf_token": token, "choice": "yes"},
    )
    assert response.status_code == 403
    response = member.post(
        f"/ballot/{round_.id}/items/{second.agenda[0].id}/vote",
        data={"csrf_token": token, "choice": "yes"},
    )
    assert response.status_code == 404
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_vote_post_without_csrf_refused(app, opened):
    round_, links = opened
    member, _ = _member_client(app, next(iter(links.values())))
    response = member.post(
        f"/ballot/{round_.id}/items/{round_.agenda[0].id}/vote", data={"choice": "yes"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Vote.id))) == 0


def test_member_downloads_only_agenda_files(app, opened, ready_apps):
    from juryfund.models import Attachment

    round_, links = opened
    attachment = Attachment(
        application_id=ready_apps[0].id,
        kind="quote",
        filename="q.pdf",
        content_type="application/pdf",
        size=8,
        sha256="0" * 64,
        data=b"%PDF-1.4",
    )
    db.session.add(attachment)
    db.session.commit()
    member, _ = _member_client(app, next(iter(links.values())))
    response = member.get(f"/ballot/{round_.id}/files/{attachment.id}")
    assert (response.status_code, response.data) == (200, b"%PDF-1.4")
    assert app.test_client().get(f"/ballot/{round_.id}/files/{attachment.id}").status_code == 403
    # A receipt of the application's proof of use is for staff, not the jury.
    from datetime import date

    from juryfund.models import ProofOfUse

    proof = ProofOfUse(application_id=ready_apps[0].id, due_on=date(2030, 1, 1), state="draft")
    db.session.add(proof)
    db.session.flush()
    receipt = Attachment(
        application_id=ready_apps[0].id,
        proof_id=proof.id,
        kind="receipt",
        filename="beleg.pdf",
        content_type="application/pdf",
        size=8,
        sha256="1" * 64,
        data=b"%PDF-1.4",
    )
    db.session.add(receipt)
    db.session.commit()
    assert member.get(f"/ballot/{round_.id}/files/{receipt.id}").status_code == 404


def test_no_vote_after_circulation_deadline_even_before_tick(app, opened):
    round_, links = opened
    member, _ = _member_client(app, next(iter(links.values())))
    token = csrf_from(member.get(f"/ballot/{round_.id}").get_data(as_text=True))
    round_.deadline = datetime.now(UTC) - timedelta(minutes=1)
    db.session.commit()
    member.post(
        f"/ballot/{round_.id}/items/{round_.agenda[0].id}/vote",
        data={"csrf_token": token, "choice": "yes"},
    )
    assert db.session.scalar(select(func.count(Vote.id))) == 0
    # The page no longer offers what would be refused, and says why.
    html = member.get(f"/ballot/{round_.id}").get_data(as_text=True)  # in the member's German
    assert 'name="choice"' not in html and "/object" not in html
    assert "Die Abstimmung in dieser Runde ist beendet." in html


def test_ballot_session_ends_after_grace_period(app, opened):
    round_, links = opened
    member, _ = _member_client(app, next(iter(links.values())))
    assert member.get(f"/ballot/{round_.id}").status_code == 200
    round_.deadline = datetime.now(UTC) - rounds.GRACE - timedelta(minutes=1)
    db.session.commit()
    assert member.get(f"/ballot/{round_.id}").status_code == 403


def test_ballot_link_opens_in_member_language_unless_chosen(app, opened, jury):
    round_, links = opened
    turkish = next(m for m in jury.members if m.language == "tr")
    member, response = _member_client(app, links[turkish.email])
    assert "juryfund_lang=tr" in response.headers.get("Set-Cookie", "")
    assert '<html lang="tr"' in member.get(f"/ballot/{round_.id}").get_data(as_text=True)
    chooser = app.test_client()
    chooser.set_cookie("juryfund_lang", "de")
    chooser.get(links[turkish.email])
    assert '<html lang="de"' in chooser.get(f"/ballot/{round_.id}").get_data(as_text=True)
