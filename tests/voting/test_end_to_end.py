"""A whole round as people would run it, with ballot links taken from mails on a real SMTP server."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from juryfund.extensions import db
from juryfund.infra.mail import deliver_pending
from juryfund.models import Decision, LedgerEntry, Vote
from juryfund.services import ledger
from tests.smtp_server import links_in, messages_to, text_of

from ..conftest import csrf_from

pytestmark = pytest.mark.voting

#: What staff send to close a written round before its deadline while members have not voted.
EARLY_CLOSE = {"reason": "Die Jury hat in der Sitzung abgeschlossen.", "confirm": "y"}


def test_round_from_mailed_links_to_decisions_letters_and_books(
    smtp_app, smtp_server, client, jury, ready_apps, fund, staff, login, post_form
):
    # Staff open a circulation round with the three ready applications.
    login(staff)
    from datetime import datetime, timedelta

    when = (datetime.now() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    post_form(
        f"/staff/bodies/{jury.id}/rounds/new",
        {"mode": "circulation", "title": "Umlauf", "when": when},
    )
    from juryfund.models import Round

    round_ = db.session.scalars(select(Round)).one()
    detail = f"/staff/rounds/{round_.id}"
    post_form(f"{detail}/agenda", {"application": [str(a.id) for a in ready_apps]}, page=detail)
    post_form(f"{detail}/open", {}, page=detail)
    assert deliver_pending() == 7

    # Each member takes the link from the mail that reached the SMTP server.
    members = {}
    for member in jury.members:
        [mail] = messages_to(smtp_server, member.email)
        link = next(urlsplit(u).path for u in links_in(mail) if "/ballot/link/" in u)
        browser = smtp_app.test_client()
        assert browser.get(link).status_code == 302
        members[member.id] = browser

    items = round_.agenda
    plan = {  # member index -> choices on the three items; "c" = conflict of interest
        0: ["yes", "no", "yes"],
        1: ["yes", "no", "no"],
        2: ["yes", "c", "abstain"],
        3: ["no", "no", None],
        4: ["yes", "yes", None],
        5: ["yes", "no", None],
        6: [None, None, None],
    }
    for index, choices in plan.items():
        browser = members[jury.members[index].id]
        for item, choice in zip(items, choices, strict=True):
            if choice is None:
                continue
            token = csrf_from(browser.get(f"/ballot/{round_.id}").get_data(as_text=True))
            if choice == "c":
                path, data = (
                    f"/items/{item.id}/conflict",
                    {"reason": "Meine Tochter leitet die Initiative."},
                )
            else:
                path, data = f"/items/{item.id}/vote", {"choice": choice}
            assert (
                browser.post(
                    f"/ballot/{round_.id}{path}", data={"csrf_token": token, **data}
                ).status_code
                == 302
            )
    # Member 1 changes their vote on the third item from no to yes.
    browser = members[jury.members[1].id]
    token = csrf_from(browser.get(f"/ballot/{round_.id}").get_data(as_text=True))
    browser.post(
        f"/ballot/{round_.id}/items/{items[2].id}/vote", data={"csrf_token": token, "choice": "yes"}
    )
    assert (
        db.session.scalar(
            select(Vote.choice).where(
                Vote.member_id == jury.members[1].id, Vote.agenda_item_id == items[2].id
            )
        )
        == "yes"
    )

    # Staff close the round and confirm the approved amount (partly, with a condition).
    post_form(f"{detail}/close", EARLY_CLOSE, page=detail)
    db.session.refresh(round_)
    assert [i.result for i in round_.agenda] == ["approved", "rejected", "no_quorum"]
    # quorum: more than half of the eligible, at least 3 -> 4 of 7, 4 of 6 (one conflicted)
    assert [
        (i.eligible, i.participating, i.quorum_needed, i.yes, i.no, i.abstain)
        for i in round_.agenda
    ] == [(7, 6, 4, 5, 1, 0), (6, 5, 4, 1, 4, 0), (7, 3, 4, 2, 0, 1)]
    confirm = f"{detail}/items/{items[0].id}/confirm"
    partial = {"amount": "450,00", "conditions": "Fotos der Aktion schicken."}
    reasons = {"reasons": "Die Jury kürzt die Honorarkosten."}
    assert post_form(confirm, {**partial, **reasons}, page=confirm).status_code == 302
    reject = f"{detail}/items/{items[1].id}/confirm"
    assert f'href="{reject}"' in client.get(detail).get_data(as_text=True)
    assert (
        post_form(reject, {"reasons": "Die Aktion liegt außerhalb des Gebiets."}, page=reject)
    ).status_code == 302

    pflanz, hoffest, lesecafe = ready_apps
    for application in ready_apps:
        db.session.refresh(application)
    assert (pflanz.state, hoffest.state, lesecafe.state) == ("approved", "rejected", "ready")
    decisions = {
        d.application_id: (d.outcome, d.approved_cents)
        for d in db.session.scalars(select(Decision))
    }
    assert decisions == {
        pflanz.id: ("approved", 45000),
        hoffest.id: ("rejected", None),
        lesecafe.id: ("no_quorum", None),
    }
    [commitment] = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.kind == "commitment")
    ).all()
    assert (commitment.application_id, commitment.amount_cents) == (pflanz.id, 45000)
    assert ledger.balances_of(fund.years[0].id).available == 1_000_000 - 45000

    # The letters reach the applicants.
    assert deliver_pending() == 2
    [approval] = messages_to(smtp_server, pflanz.email)
    assert "450,00" in text_of(approval) and "Fotos der Aktion schicken." in text_of(approval)
    [rejection] = messages_to(smtp_server, hoffest.email)
    assert hoffest.reference in rejection["Subject"]
    assert messages_to(smtp_server, lesecafe.email) == []
