"""The minutes state the rule as the body has it and who was there (§ 93 VwVfG)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from juryfund.extensions import db
from juryfund.services import ballots, setup

pytestmark = pytest.mark.voting


def _minutes(client, round_) -> str:
    html = client.get(
        f"/staff/rounds/{round_.id}/minutes", headers={"Accept-Language": "en"}
    ).get_data(as_text=True)
    return html[html.index("<article") :]


@pytest.mark.parametrize(
    ("strict", "wording"),
    [
        (True, "more than two thirds of the eligible members, at least 4"),
        (False, "at least two thirds of the eligible members, at least 4"),
    ],
)
def test_the_minutes_state_the_frozen_rule_in_words(
    client, jury, staff, login, open_round, strict, wording
):
    setup.save_body(
        jury,
        jury.area,
        kind="jury",
        name=jury.name,
        quorum=Fraction(2, 3),
        quorum_strict=strict,
        quorum_minimum=4,
        majority="two_thirds",
        abstain_counts_as_no=True,
        tie_breaker=None,
    )
    round_ = open_round()
    login(staff)
    minutes = _minutes(client, round_)
    assert wording in minutes
    assert "Two-thirds majority of votes cast" in minutes and "count as no" in minutes
    assert "quorum 2/3" not in minutes  # the old wording that hid strict or not


def test_meeting_minutes_list_the_members_present_and_absent(
    client, jury, staff, login, open_round
):
    round_ = open_round(mode="meeting")
    for participant in round_.participants[:5]:
        ballots.set_presence(participant, True, actor=staff.actor)
    db.session.commit()
    login(staff)
    minutes = _minutes(client, round_)
    present = minutes[minutes.index("Members present") : minutes.index("Members absent")]
    absent = minutes[minutes.index("Members absent") : minutes.index("Conflicts of interest")]
    assert all(p.member.name in present for p in round_.participants[:5])
    assert all(p.member.name in absent for p in round_.participants[5:])
    assert not any(p.member.name in absent for p in round_.participants[:5])


# --- the full minutes of a meeting (§ 93 VwVfG) ---------------------------------------------------


@pytest.fixture
def held_meeting(jury, staff, open_round):
    """A closed meeting: six of seven present, a deputy for the absent one, an exclusion
    (the member left the room), counts 5/1/0, 3/2/0 and 2/2/1, an approval with conditions,
    and the course recorded (begin, end, chair, minute-taker)."""
    from datetime import UTC, date, datetime, timedelta

    from juryfund.services import conflicts, decisions, deputies, meetings, rounds

    deputy = setup.save_member(
        None,
        jury,
        name="Dilek Vertretung",
        email="dilek@example.org",
        language="tr",
        role="resident",
        term_start=date(2020, 1, 1),
        term_end=None,
        seat="deputy",
    )
    db.session.commit()
    # Held three hours ago and closed now: the course begins before the round was closed.
    round_ = open_round(mode="meeting", deadline=datetime.now(UTC) - timedelta(hours=3))
    full = [p for p in round_.participants if p.seat == "full"]
    deputy_p = next(p for p in round_.participants if p.member_id == deputy.id)
    for p in full[:6] + [deputy_p]:
        ballots.set_presence(p, True, actor=staff.actor)
    ballots.set_presence(full[6], False, actor=staff.actor)
    deputies.assign(round_, deputy_p, full[6], list(round_.agenda), actor=staff.actor)
    first, second, third = round_.agenda
    conflicts.rule(
        full[0],
        first,
        excluded=True,
        reason="Ist Vorstand des Vereins",
        left_room=True,
        actor=staff.actor,
    )
    voters = full[1:6] + [deputy_p]
    for p, choice in zip(voters, ["yes"] * 5 + ["no"], strict=True):
        ballots.cast_vote(p, first, choice, actor=staff.actor)
    for p, choice in zip(full[:5], ["yes", "yes", "yes", "no", "no"], strict=True):
        ballots.cast_vote(p, second, choice, actor=staff.actor)
    third_choices = ["yes", "yes", "no", "no", "abstain", "yes", "yes"]
    for p, choice in zip(full[:6] + [deputy_p], third_choices, strict=True):
        ballots.cast_vote(p, third, choice, actor=staff.actor)
    rounds.close_round(round_, actor=staff.actor)
    decisions.confirm_approval(
        first,
        amount_cents=40000,
        conditions="Belege bis 30.6. einreichen",
        reasons="Die Jury kürzt die Technikkosten.",
        actor=staff.actor,
    )
    meetings.record_course(
        round_,
        began_at=round_.meeting_at,
        ended_at=round_.meeting_at + timedelta(hours=2, minutes=15),
        chair_member_id=full[1].member_id,
        chair_staff_id=None,
        minute_taker="Paula Protokoll",
        actor=staff.actor,
    )
    db.session.commit()
    return round_


def _text(html: str) -> str:
    """The visible text, whitespace collapsed."""
    import re

    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_meeting_minutes_list_everything(client, staff, login, held_meeting):
    round_ = held_meeting
    full = [p for p in round_.participants if p.seat == "full"]
    login(staff)
    text = _text(_minutes(client, round_))
    assert "Began at" in text and "Ended at" in text and "not recorded" not in text
    assert f"Chair {full[1].member.name}" in text
    assert "Minute-taker Paula Protokoll" in text
    assert "more than half of the eligible members, at least 3" in text
    present = text[text.index("Members present") : text.index("Members absent")]
    absent = text[text.index("Members absent") : text.index("Deputies")]
    assert all(p.member.name in present for p in full[:6])
    assert full[6].member.name in absent and full[6].member.name not in present
    deputies = text[text.index("Deputies") : text.index("Conflicts of interest")]
    assert f"Dilek Vertretung for {full[6].member.name}: items 1, 2, 3" in deputies
    conflicts_ = text[text.index("Conflicts of interest") : text.index("Decisions")]
    assert full[0].member.name in conflicts_ and "The body excluded the member." in conflicts_
    assert "Ist Vorstand des Vereins" in conflicts_ and "The member left the room." in conflicts_
    decisions_ = text[text.index("Decisions") :]
    assert "5 yes votes, 1 no vote, 0 abstentions" in decisions_
    assert "3 yes votes, 2 no votes, 2 abstentions" in decisions_  # present, silent: abstained
    assert "4 yes votes, 2 no votes, 1 abstention." in decisions_
    assert "approved amount €400.00" in decisions_ and "amount to be confirmed" in decisions_
    assert "Conditions: Belege bis 30.6. einreichen" in decisions_
    assert "Reasons: Die Jury kürzt die Technikkosten." in decisions_
    signatures = decisions_[decisions_.rindex("Result:") :]
    assert f"Chair: {full[1].member.name}" in signatures
    assert "Minute-taker: Paula Protokoll" in signatures


def test_written_minutes_show_objection_and_early_closing(client, staff, login, open_round):
    from juryfund.services import rounds

    round_ = open_round()
    first = round_.participants[0]
    ballots.cast_vote(first, round_.agenda[0], "no")
    rounds.close_round(round_, actor=staff.actor, early_reason="Sitzung fällt aus")
    db.session.commit()
    login(staff)
    text = _text(_minutes(client, round_))
    assert "Closed before the deadline Sitzung fällt aus" in text
    assert "1 no vote" in text
    assert "Members not taking part" in text


def test_the_minutes_print_view_and_pdf(client, staff, login, held_meeting):
    login(staff)
    printed = client.get(
        f"/staff/rounds/{held_meeting.id}/minutes/print", headers={"Accept-Language": "en"}
    )
    assert printed.status_code == 200
    html = printed.get_data(as_text=True)
    assert "<link" not in html  # nothing for the PDF renderer to fetch
    assert "Paula Protokoll" in html and "5 yes votes" in html
    pdf = client.get(f"/staff/rounds/{held_meeting.id}/minutes.pdf")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert "no-store" in pdf.headers["Cache-Control"]
    # The PDF itself says what the print view says (in German, the binding language).
    pdf_text = " ".join(_pdf_text(pdf.data).split())
    for expected in (
        "Protokollführung Paula Protokoll",
        "mehr als die Hälfte der stimmberechtigten Mitglieder",
        "Abwesende Mitglieder Member 7",
        "Dilek Vertretung für Member 7",
        "Das Gremium hat das Mitglied von der Abstimmung ausgeschlossen.",
        "Das Mitglied hat den Raum verlassen.",
        "5 Ja-Stimmen, 1 Nein-Stimme, 0 Enthaltungen.",
        "Auflagen: Belege bis 30.6. einreichen",
        "Begründung: Die Jury kürzt die Technikkosten.",
        "Sitzungsleitung: Member 2",
    ):
        assert expected in pdf_text, expected


def _pdf_text(data: bytes) -> str:
    """The text of every page of a PDF."""
    import io

    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_german_minutes_count_grammatically(client, staff, login, held_meeting):
    login(staff)
    html = client.get(
        f"/staff/rounds/{held_meeting.id}/minutes", headers={"Accept-Language": "de"}
    ).get_data(as_text=True)
    text = _text(html)
    assert "1 Nein-Stimme," in text
    assert "2 Nein-Stimmen" in text
    assert "1 Nein-Stimmen" not in text
    assert "1 Enthaltung." in text and "2 Enthaltungen" in text and "5 Ja-Stimmen" in text
    assert "mehr als die Hälfte" in text


def test_the_meeting_form_shows_errors_next_to_fields(
    client, staff, login, held_meeting, post_form
):
    login(staff)
    url = f"/staff/rounds/{held_meeting.id}/meeting"
    page = f"/staff/rounds/{held_meeting.id}"
    response = post_form(
        url,
        {
            "began_at": "2030-01-01T18:00",
            "ended_at": "2030-01-01T17:00",
            "chair": "",
            "minute_taker": "",
        },
        page=page,
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'id="chair-error"' in html or "chair" in html.split("error", 1)[-1]
    before = (held_meeting.began_at, held_meeting.minute_taker)
    db.session.expire_all()
    assert (held_meeting.began_at, held_meeting.minute_taker) == before


def test_the_meeting_course_refuses_an_end_before_the_begin(
    client, staff, login, held_meeting, post_form
):
    login(staff)
    local = held_meeting.meeting_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/Berlin"))
    begin = local.strftime("%Y-%m-%dT%H:%M")
    end = (local.replace(minute=0) - __import__("datetime").timedelta(hours=1)).strftime(
        "%Y-%m-%dT%H:%M"
    )
    chair = f"m-{held_meeting.participants[0].member_id}"
    response = post_form(
        f"/staff/rounds/{held_meeting.id}/meeting",
        {"began_at": begin, "ended_at": end, "chair": chair, "minute_taker": "X"},
        page=f"/staff/rounds/{held_meeting.id}",
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "The end cannot be before the beginning." in response.get_data(as_text=True)


def test_minutes_show_an_objection_to_deciding_in_writing(client, staff, login, open_round):
    from juryfund.services import rounds

    round_ = open_round()
    objector = round_.participants[2]
    rounds.object_to_writing(objector)
    db.session.commit()
    login(staff)
    text = _text(_minutes(client, round_))
    assert f"{objector.member.name} objected on" in text
    assert "every application goes to a meeting (§ 90 (1) VwVfG)" in text


def test_minutes_of_a_repeat_meeting_say_the_quorum_was_waived(
    client, jury, staff, login, open_round
):
    from datetime import UTC, datetime, timedelta

    from juryfund.services import meetings, rounds

    jury.repeat_quorate = True
    earlier = open_round(mode="meeting")
    rounds.close_round(earlier, actor=staff.actor, now=earlier.meeting_at)  # nobody came
    db.session.commit()
    repeat = meetings.repeat_meeting(
        earlier,
        when=datetime.now(UTC) + timedelta(days=14),
        place="Kiezladen",
        announce=True,
        actor=staff.actor,
    )
    rounds.open_round(repeat, actor=staff.actor)
    ballots.set_presence(repeat.participants[0], True, actor=staff.actor)
    ballots.cast_vote(repeat.participants[0], repeat.agenda[0], "yes", actor=staff.actor)
    rounds.close_round(repeat, actor=staff.actor, now=repeat.meeting_at)
    db.session.commit()
    login(staff)
    text = _text(_minutes(client, repeat))
    assert "Repeat meeting (§ 90 (2) VwVfG)" in text
    assert "quorum waived (§ 90 (2) VwVfG)" in text
    assert "1 yes vote, 0 no votes, 0 abstentions." in text
    assert "Place Kiezladen" in text
