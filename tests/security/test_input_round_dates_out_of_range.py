"""Round dates at the ends of the calendar are refused next to the field: they would crash
the round form, the public calendar or every member's ballot link."""

from __future__ import annotations

from juryfund.extensions import db
from juryfund.models import Round
from juryfund.services import rounds
from tests.conftest import csrf_from
from tests.factories import ApplicationFactory


def _new_round(client, jury, when):
    html = client.get(f"/staff/bodies/{jury.id}/rounds/new").get_data(as_text=True)
    return client.post(
        f"/staff/bodies/{jury.id}/rounds/new",
        data={"csrf_token": csrf_from(html), "mode": "meeting", "title": "Sitzung", "when": when},
    )


def test_meeting_on_year_one_is_refused_next_to_the_field(app, client, login, jury, staff):
    """A meeting typed as 0001-01-01T00:00 (a date picker's year left at 1) answers 500.

    _local_to_utc (juryfund/web/rounds/routes.py:80) turns the Berlin wall-clock time into UTC,
    which lies before datetime.min: OverflowError. The same helper serves began_at/ended_at of
    the meeting record, the repeat round and the presentation time. Expected: the form comes
    back with an error next to "when", nothing saved.
    """
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(staff)
    response = _new_round(client, jury, "0001-01-01T00:00")
    assert response.status_code == 200
    assert 'id="when-error"' in response.get_data(as_text=True)
    assert db.session.scalar(db.select(db.func.count(Round.id))) == 0


def test_far_deadline_does_not_lock_every_member_out(app, client, login, area, fund, jury, staff):
    """A written round with deadline 9999-12-31T23:59 is accepted, opened and mailed, but every
    ballot link then answers 500: access_refusal computes ``due + LINK_GRACE``
    (juryfund/domain/lifecycles.py:250), beyond datetime.max (OverflowError). No member can
    vote; staff see no error anywhere. Either the round form refuses an implausible deadline
    (expected here: an error next to "when"), or the link must open.
    """
    app.config["PROPAGATE_EXCEPTIONS"] = False
    application = ApplicationFactory(area=area, fund=fund, title="Fern", requested_cents=30000)
    login(staff)
    html = client.get(f"/staff/bodies/{jury.id}/rounds/new").get_data(as_text=True)
    response = client.post(
        f"/staff/bodies/{jury.id}/rounds/new",
        data={
            "csrf_token": csrf_from(html),
            "mode": "circulation",
            "title": "Umlauf",
            "when": "9999-12-31T23:59",
        },
    )
    if response.status_code == 200:  # refused with an error next to the field: fine
        assert 'id="when-error"' in response.get_data(as_text=True)
        return
    round_id = int(response.headers["Location"].rsplit("/", 1)[1])
    token = csrf_from(client.get(f"/staff/rounds/{round_id}").get_data(as_text=True))
    client.post(
        f"/staff/rounds/{round_id}/agenda",
        data={"csrf_token": token, "application": str(application.id)},
    )
    client.post(f"/staff/rounds/{round_id}/open", data={"csrf_token": token})
    round_ = db.session.get(Round, round_id)
    assert round_.state == "open"
    link = rounds.ballot_token(round_.participants[0])
    db.session.commit()
    member = app.test_client()
    assert member.get(f"/ballot/link/{link}").status_code == 302
    assert member.get(f"/ballot/{round_id}").status_code == 200


def test_far_meeting_does_not_break_the_public_calendar(app, client, login, area, jury, staff):
    """A meeting typed as 9999-12-31T23:59 is saved (RoundForm.when has no plausible range,
    unlike the session form's plausible_term_date), and from then on the area's public
    calendar feed /<slug>/calendar.ics answers 500 for everyone: its end is computed as
    ``start + MEETING_LENGTH`` (juryfund/web/transparency/calendar.py, meetings loop), beyond
    datetime.max. Every subscribed calendar app loses the area's dates. Expected: the round
    form refuses the date next to the field, or the feed still answers.
    """
    app.config["PROPAGATE_EXCEPTIONS"] = False
    login(staff)
    response = _new_round(client, jury, "9999-12-31T23:59")
    if response.status_code == 200:
        assert 'id="when-error"' in response.get_data(as_text=True)
    assert app.test_client().get(f"/{area.slug}/calendar.ics").status_code == 200


def test_meeting_record_and_time_slot_on_year_one_are_refused(
    app, client, login, area, fund, jury, staff
):
    """Same helper, other forms: the meeting record (began_at / ended_at 0001-01-01T00:00) and
    an applicant's presentation slot (at = 0001-01-01T00:00) answer 500 through
    _local_to_utc's OverflowError. Expected: an error shown, no server error.
    """
    import re
    from datetime import timedelta

    from juryfund.infra import clock

    app.config["PROPAGATE_EXCEPTIONS"] = False
    application = ApplicationFactory(area=area, fund=fund, title="Hof", requested_cents=30000)
    meeting = rounds.save_round(
        None,
        jury,
        mode="meeting",
        title="Sitzung",
        place="Laden",
        actor=staff.actor,
        when=clock.now() + timedelta(days=3),
    )
    rounds.set_agenda(meeting, [application.id])
    rounds.open_round(meeting, actor=staff.actor)
    db.session.commit()
    login(staff)
    html = client.get(f"/staff/rounds/{meeting.id}").get_data(as_text=True)
    token = csrf_from(html)
    chair = re.findall(r'<option value="(m-\d+)"', html)[0]
    record = client.post(
        f"/staff/rounds/{meeting.id}/meeting",
        data={
            "csrf_token": token,
            "began_at": "0001-01-01T00:00",
            "chair": chair,
            "minute_taker": "Paula",
        },
    )
    assert record.status_code == 200
    slot = client.post(
        f"/staff/rounds/{meeting.id}/items/{meeting.agenda[0].id}/presentation",
        data={"csrf_token": token, "at": "0001-01-01T00:00"},
    )
    assert slot.status_code == 302
