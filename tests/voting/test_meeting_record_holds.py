"""What a body decided stays as recorded: no later click undoes part of it.

A meeting's votes and conflicts are recorded by staff, from the meeting record form; a written
round is counted as it stood at its deadline. Each test here is a way a record was changed
afterwards without anyone deciding it: a member's ballot link used after the meeting, a ruling
typed after the deadline, a record form loaded before a colleague's save, or a member who left
the body before the meeting making the record impossible to save.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import pytest

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.services import ballots, conflicts, rounds, setup
from tests.conftest import csrf_from, log_in
from tests.factories import StaffFactory
from tests.voting.conftest import ballot_links
from tests.voting.seating import full, p

pytestmark = pytest.mark.voting


class _RecordForm(HTMLParser):
    """The fields the meeting record form sends as a browser would: hidden and text inputs,
    ticked boxes, and each select's chosen option."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}
        self._inside = False
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self._inside = "meeting-record" in (a.get("class") or "")
        elif not self._inside:
            return
        elif tag == "input" and a.get("name"):
            if a.get("type") != "checkbox" or "checked" in a:
                self.fields[a["name"] or ""] = a.get("value") or ""
        elif tag == "select":
            self._select = a.get("name")
            self.fields[self._select or ""] = ""
        elif tag == "option" and self._select and "selected" in a:
            self.fields[self._select] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "form":
            self._inside = False


def _record_form(html: str) -> dict[str, str]:
    parser = _RecordForm()
    parser.feed(html)
    assert parser.fields, "the page has no meeting record form"
    return parser.fields


def _meeting(open_round, *, days: int = 3):
    """A jury meeting in `days` days (seven members, three applications) and its time."""
    meeting_at = datetime.now(UTC) + timedelta(days=days)
    return open_round(mode="meeting", deadline=meeting_at), meeting_at


# --- a member's ballot link does not change a meeting's record ---------------------------------


def test_a_member_cannot_undo_a_recorded_meeting_vote_through_the_ballot_link(
    app, open_round, staff, clock_at
):
    """The jury meets; all seven are present; staff record 4 yes, 3 no on "Pflanzaktion"
    (approved). The evening after, one member who voted yes declares a conflict of interest
    from the ballot page still open in their browser since before the meeting (the link works
    for two days). Were it taken, the declaration would replace the vote staff recorded: 3:3,
    rejected, what the room decided changed by one member from home. In a meeting only staff
    record votes and, once it has begun, conflicts: the page offers no declaration any more and
    the one sent is refused; the record stays 4:3 approved.
    """
    round_, meeting_at = _meeting(open_round)
    links = ballot_links()
    item = round_.agenda[0]
    member = round_.participants[0]
    browser = app.test_client()
    assert browser.get(links[member.member.email]).status_code == 302
    page = f"/ballot/{round_.id}"
    before = browser.get(page).get_data(as_text=True)
    assert f"items/{item.id}/conflict" in before  # before the meeting it may be declared
    token = csrf_from(before)

    clock_at(meeting_at + timedelta(hours=2))
    for i, participant in enumerate(round_.participants[:7]):
        ballots.set_presence(participant, True, actor=staff.actor)
        ballots.cast_vote(participant, item, "yes" if i < 4 else "no", actor=staff.actor)
    db.session.commit()

    clock_at(meeting_at + timedelta(hours=6))
    after = browser.get(page).get_data(as_text=True)
    assert "/conflict" not in after  # not offered: staff record it with the meeting
    browser.post(
        f"{page}/items/{item.id}/conflict",
        data={"csrf_token": token, "reason": "Doch befangen."},
    )
    db.session.expire_all()
    with pytest.raises(DomainError) as refused:
        ballots.declare_conflict(member, item, "Doch befangen.")
    assert refused.value.reason == "ballot.meeting_conflict"
    results = rounds.close_round(round_, actor=staff.actor)
    db.session.commit()
    counted = results[item.id]
    assert (counted.yes, counted.no, counted.outcome.value) == (4, 3, "approved"), (
        f"the meeting's record was changed through a member's ballot link: {counted}"
    )


def test_before_the_meeting_a_member_declares_a_conflict_by_link(open_round, staff):
    """Until the meeting begins the member may tell the body of a conflict from their ballot
    (staff see it in the record); refusing that too would lose a declaration made in time."""
    round_, _meeting_at = _meeting(open_round)
    member, item = round_.participants[2], round_.agenda[1]
    ballots.declare_conflict(member, item, "Meine Schwester stellt den Antrag.")
    db.session.commit()
    assert ballots.is_conflicted(member, item)


def test_a_declaration_by_link_never_replaces_a_vote_staff_recorded(open_round, staff):
    """Staff record a meeting's votes before its invited time (it began early, its start not
    typed in yet). The member's declaration by link would replace the vote staff recorded for
    them; it is refused, and the vote stays."""
    round_, _meeting_at = _meeting(open_round)
    member, item = round_.participants[1], round_.agenda[0]
    ballots.set_presence(member, True, actor=staff.actor)
    ballots.cast_vote(member, item, "yes", actor=staff.actor)
    db.session.commit()
    with pytest.raises(DomainError) as refused:
        ballots.declare_conflict(member, item, "Doch befangen.")
    assert refused.value.reason == "ballot.meeting_conflict"
    db.session.rollback()
    assert rounds.tallies(round_)[item.id].yes == 1 and not ballots.is_conflicted(member, item)


# --- a ruling after a written round's deadline -------------------------------------------------


def test_no_conflict_ruling_after_the_deadline_changes_a_written_vote(
    open_round, jury, staff, clock_at
):
    """Umlaufverfahren: 4 of 7 vote yes, 3 no; the deadline passes (tick has not closed the
    round yet). A ruling "excluded" for one yes-voter recorded now would take their vote back:
    closing would count 3:3 and reject an application approved at the deadline. As every other
    change of a written round after its deadline (votes, members, deputies, objections) it is
    refused: the round is decided as it stood at its deadline.
    """
    deadline = datetime.now(UTC) + timedelta(days=7)
    round_ = open_round(deadline=deadline)
    item = round_.agenda[0]
    members = full(jury)
    for member in members[:4]:
        ballots.cast_vote(p(round_, member), item, "yes")
    for member in members[4:7]:
        ballots.cast_vote(p(round_, member), item, "no")
    db.session.commit()
    assert rounds.tallies(round_)[item.id].outcome.value == "approved"

    later = clock_at(deadline + timedelta(minutes=30))
    with pytest.raises(DomainError) as refused:
        conflicts.rule(
            p(round_, members[0]),
            item,
            excluded=True,
            reason="Ist im Vorstand des Vereins.",
            actor=staff.actor,
        )
    assert refused.value.reason == "round.deadline_passed"
    db.session.rollback()
    results = rounds.close_round(round_, actor=staff.actor, now=later)
    db.session.commit()
    counted = results[item.id]
    assert (counted.yes, counted.no, counted.outcome.value) == (4, 3, "approved"), (
        f"a ruling after the deadline changed the written vote: {counted}"
    )


# --- two saves of one meeting record -------------------------------------------------------------


def _two_staff(app, area, staff, round_):
    """Two signed-in staff browsers, both with the round page (and its record form) loaded now."""
    colleague = StaffFactory(areas=[area], email="kollegin@example.org")
    a, b = app.test_client(), app.test_client()
    log_in(a, staff)
    log_in(b, colleague)
    page = f"/staff/rounds/{round_.id}"
    return (
        (a, _record_form(a.get(page).get_data(as_text=True))),
        (b, _record_form(b.get(page).get_data(as_text=True))),
    )


def test_a_stale_meeting_record_does_not_erase_votes_recorded_since(
    app, area, open_round, staff, clock_at
):
    """Two QM staff type one meeting's record (or one person in two tabs): both open the round
    page; A enters presence and the votes on item 1 and saves; B then enters the votes on
    item 2 in the form loaded before A saved. The form sends the whole grid: were every empty
    field taken as "no vote", B's save would silently delete A's votes on item 1, and the
    tally and minutes would no longer say what the meeting decided. Each save stores what its
    form changed from what it showed: both A's and B's votes stay.
    """
    round_, meeting_at = _meeting(open_round)
    clock_at(meeting_at + timedelta(hours=3))
    first, second = round_.agenda[0], round_.agenda[1]
    present = round_.participants[:6]
    record = f"/staff/rounds/{round_.id}/record"
    (a, form_a), (b, form_b) = _two_staff(app, area, staff, round_)

    for participant in present:
        form_a[f"present-{participant.id}"] = form_b[f"present-{participant.id}"] = "y"
        form_a[f"vote-{participant.id}-{first.id}"] = "yes"
        form_b[f"vote-{participant.id}-{second.id}"] = "no"
    assert a.post(record, data=form_a).status_code == 302
    db.session.expire_all()
    assert rounds.tallies(round_)[first.id].yes == 6

    assert b.post(record, data=form_b).status_code == 302
    db.session.expire_all()
    counted = rounds.tallies(round_)
    assert counted[first.id].yes == 6, (
        f"the votes recorded on item 1 were erased by a form loaded before them: {counted[first.id]}"
    )
    assert counted[second.id].no == 6


def test_a_stale_save_changing_the_same_entry_is_refused_whole(
    app, area, open_round, staff, clock_at
):
    """A records member 1's vote on item 1 as yes; B, in a form loaded before, records it as no
    and marks member 2 present. B's save would overwrite what A recorded without either of
    them seeing it: it is refused whole with a message, and A's record stays as it was."""
    round_, meeting_at = _meeting(open_round)
    clock_at(meeting_at + timedelta(hours=3))
    item = round_.agenda[0]
    one, two = round_.participants[0], round_.participants[1]
    record = f"/staff/rounds/{round_.id}/record"
    (a, form_a), (b, form_b) = _two_staff(app, area, staff, round_)

    form_a.update({f"present-{one.id}": "y", f"vote-{one.id}-{item.id}": "yes"})
    a.post(record, data=form_a)
    form_b.update(
        {f"present-{one.id}": "y", f"present-{two.id}": "y", f"vote-{one.id}-{item.id}": "no"}
    )
    english = {"Accept-Language": "en"}  # the refusal is worded when it is flashed
    b.post(record, data=form_b, headers=english)
    page = b.get(f"/staff/rounds/{round_.id}", headers=english)
    assert "Someone saved this meeting record meanwhile" in page.get_data(as_text=True)
    db.session.expire_all()
    counted = rounds.tallies(round_)[item.id]
    assert (counted.yes, counted.no) == (1, 0)
    assert not db.session.get(type(two), two.id).present  # nothing of B's save was stored


def test_the_meeting_record_saves_when_a_member_resigned_before_the_meeting(
    client, open_round, staff, login, clock_at
):
    """A jury meeting is called for next week; one of the seven resigns two days before it
    (setup.remove_member). At the meeting six attend; staff type presence and votes into the
    record form. Were an empty vote field a vote to clear for every member, the resigned one
    too, clear_vote would refuse a member taken off the body ("ballot.no_access") and roll the
    whole record back, every time: the meeting could not be recorded at all. The record is
    saved; the resigned member simply has no vote.
    """
    round_, meeting_at = _meeting(open_round, days=7)
    resigned = round_.participants[6]
    clock_at(meeting_at - timedelta(days=2))
    setup.remove_member(resigned.member, actor=staff.actor)
    db.session.commit()
    clock_at(meeting_at + timedelta(hours=3))

    login(staff)
    page = f"/staff/rounds/{round_.id}"
    item = round_.agenda[0]
    form = _record_form(client.get(page).get_data(as_text=True))
    form.update({f"present-{x.id}": "y" for x in round_.participants[:6]})
    form.update({f"vote-{x.id}-{item.id}": "yes" for x in round_.participants[:4]})
    form.update({f"vote-{x.id}-{item.id}": "no" for x in round_.participants[4:6]})
    assert client.post(f"{page}/record", data=form).status_code == 302
    db.session.expire_all()
    counted = rounds.tallies(round_)[item.id]
    assert (counted.participating, counted.yes, counted.no) == (6, 4, 2), (
        f"the meeting record was not saved: {counted}"
    )
    # Nothing to clear is no refusal: the service takes it as well.
    ballots.clear_vote(resigned, item, actor=staff.actor)
