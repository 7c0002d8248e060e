"""The minutes keep the amount the body voted on, whatever the application asks for later."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from juryfund.extensions import db
from juryfund.services import ballots, intake, rounds
from juryfund.services.intake import CostLine
from tests.browser.conftest import application_input
from tests.conftest import log_in


def test_the_minutes_keep_the_requested_amount_the_body_voted_on(
    app, client, area, fund, jury, staff
):
    """A jury meeting takes up "Hoffest" (645 €) and has no quorum (2 of 7 present): the
    application goes back to ready, a "no quorum" decision records requested 645 €. Staff
    return it, the applicant raises the request to 1,200 € and it is marked ready again.
    The minutes of the first meeting (§ 93 VwVfG) still say what the body had in front of it,
    645 €, as its decision keeps it (they used to read the application as it is now).
    """
    application = intake.submit(area, application_input(), draft_key=None)
    intake.mark_ready(application, review_note="ok", actor=staff.actor)
    db.session.commit()
    meeting = rounds.save_round(
        None,
        jury,
        mode="meeting",
        title="Jurysitzung",
        when=datetime.now(UTC) + timedelta(days=3),
        place="Etage",
        actor=staff.actor,
    )
    rounds.set_agenda(meeting, [application.id])
    rounds.open_round(meeting, actor=staff.actor)
    for participant in meeting.participants[:2]:
        ballots.set_presence(participant, True, actor=staff.actor)
    rounds.close_round(meeting, actor=staff.actor, now=meeting.meeting_at)
    db.session.commit()
    assert meeting.agenda[0].result == "no_quorum"

    intake.return_for_changes(application, note="Bitte Kostenplan ergänzen.", actor=staff.actor)
    intake.update(
        application,
        application_input(
            cost_lines=[CostLine("Bühne", "services", 1, 120_000)], requested_cents=120_000
        ),
        draft_key=None,
    )
    db.session.commit()

    log_in(client, staff)
    page = client.get(f"/staff/rounds/{meeting.id}/minutes").get_data(as_text=True)
    assert "645,00" in page and "1.200,00" not in page, (
        "the minutes show today's requested amount, not the one the body dealt with"
    )
