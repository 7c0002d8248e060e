"""Recording a meeting: a vote typed for a member whose "present" box is not ticked.

In the office the record is typed from the paper list after the meeting. A member who is not
present does not vote (§ 90 VwVfG; domain.voting refuses it), so such a vote is either a
forgotten tick or a vote typed in the wrong row. Dropping it without a word while the page says
"saved" would change quorum and majority unseen: the whole save is refused, naming the members,
and the form comes back as it was typed, to tick the box or clear the vote.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from juryfund.extensions import db
from juryfund.infra import clock
from juryfund.models import Vote
from juryfund.services import ballots, rounds
from tests.conftest import log_in
from tests.factories import ApplicationFactory, StaffFactory
from tests.office_steps import DE, post
from tests.voting.test_meeting_record_holds import _record_form

pytestmark = pytest.mark.voting

EN = {"Accept-Language": "en"}


def _votes() -> int:
    """How many votes are stored."""
    return db.session.scalar(select(func.count(Vote.id)))


@pytest.fixture
def meeting(area, fund, jury, staff):
    """An open jury meeting (seven members) on one application, "Hoffest"."""
    project = ApplicationFactory(area=area, fund=fund, title="Hoffest")
    round_ = rounds.save_round(
        None,
        jury,
        mode="meeting",
        title="Jurysitzung",
        when=clock.now() + timedelta(hours=1),
        place="Nachbarschaftsetage",
        actor=staff.actor,
    )
    rounds.set_agenda(round_, [project.id])
    rounds.open_round(round_, actor=staff.actor)
    db.session.commit()
    return round_


def test_vote_of_member_not_ticked_present_is_not_dropped_silently(client, login, staff, meeting):
    """Seven votes are typed, five members ticked present: nothing is saved, the page names
    the two members without the tick and shows the form as typed; ticking them and saving
    again stores all seven votes."""
    login(staff)
    page = f"/staff/rounds/{meeting.id}"
    html = client.get(page, headers=DE).get_data(as_text=True)
    cells = re.findall(r'<select name="vote-(\d+)-(\d+)"', html)
    assert len(cells) == 7
    form = {}
    for index, (participant, item) in enumerate(cells):
        if index < 5:
            form[f"present-{participant}"] = "y"
        form[f"vote-{participant}-{item}"] = "yes"  # rows 6 and 7: vote typed, tick forgotten
    response = post(client, f"{page}/record", form, page)

    assert response.status_code == 422
    assert _votes() == 0
    refused = response.get_data(as_text=True)
    assert "Member 6" in refused and "Member 7" in refused
    assert "Member 1" not in re.search(r'flash-error".*?</div>', refused, re.S).group(0)
    # Shown again as typed: five ticks, seven votes, and no `shown-…` twin (none was shown).
    again = _record_form(refused)
    assert {k for k in again if k.startswith("present-")} == {
        f"present-{p}" for p, _item in cells[:5]
    }
    assert [again[f"vote-{p}-{i}"] for p, i in cells] == ["yes"] * 7
    assert not [k for k in again if k.startswith("shown-")]

    again.update({f"present-{p}": "y" for p, _item in cells[5:]})
    assert client.post(f"{page}/record", data=again, headers=DE).status_code == 302
    assert _votes() == 7


def test_the_refusal_is_worded_in_the_page_language(client, login, staff, meeting):
    """One member without the tick, in English: the message names them in a sentence."""
    login(staff)
    page = f"/staff/rounds/{meeting.id}"
    form = _record_form(client.get(page, headers=EN).get_data(as_text=True))
    last = meeting.participants[-1]
    form[f"vote-{last.id}-{meeting.agenda[0].id}"] = "no"
    response = client.post(f"{page}/record", data=form, headers=EN)
    assert response.status_code == 422
    assert f"{last.member.name} has a vote but is not marked present" in response.get_data(
        as_text=True
    )


def test_unticking_a_member_who_voted_asks_to_clear_the_vote(client, login, staff, meeting):
    """A recorded vote stays only with the tick: a save that takes the tick away and leaves the
    vote in the form is refused too, and the recorded vote stays."""
    member, item = meeting.participants[0], meeting.agenda[0]
    ballots.set_presence(member, True, actor=staff.actor)
    ballots.cast_vote(member, item, "yes", actor=staff.actor)
    db.session.commit()
    login(staff)
    page = f"/staff/rounds/{meeting.id}"
    form = _record_form(client.get(page, headers=EN).get_data(as_text=True))
    del form[f"present-{member.id}"]
    response = client.post(f"{page}/record", data=form, headers=EN)
    assert response.status_code == 422
    assert member.member.name in response.get_data(as_text=True)
    assert _votes() == 1

    form[f"vote-{member.id}-{item.id}"] = ""  # both cleared: the member was not there
    assert client.post(f"{page}/record", data=form, headers=EN).status_code == 302
    assert _votes() == 0


def test_a_colleague_taking_the_tick_away_meanwhile_refuses_the_vote_typed_since(
    app, area, staff, meeting
):
    """A and B have the record open with member 1 ticked; A takes the tick away and saves; B
    then types member 1's vote in the form loaded before. B's vote would be dropped (the
    member is absent now): the save is refused whole, as any clash with a colleague's save."""
    member, item = meeting.participants[0], meeting.agenda[0]
    ballots.set_presence(member, True, actor=staff.actor)
    db.session.commit()
    colleague = StaffFactory(areas=[area], email="kollegin@example.org")
    a, b = app.test_client(), app.test_client()
    log_in(a, staff)
    log_in(b, colleague)
    page = f"/staff/rounds/{meeting.id}"
    form_a = _record_form(a.get(page).get_data(as_text=True))
    form_b = _record_form(b.get(page).get_data(as_text=True))

    del form_a[f"present-{member.id}"]
    assert a.post(f"{page}/record", data=form_a).status_code == 302
    form_b[f"vote-{member.id}-{item.id}"] = "yes"
    b.post(f"{page}/record", data=form_b, headers=EN)
    shown = b.get(page, headers=EN).get_data(as_text=True)
    assert "Someone saved this meeting record meanwhile" in shown
    assert _votes() == 0
