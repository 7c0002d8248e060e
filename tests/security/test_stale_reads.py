"""A write whose request read the row before another request changed it (issue 18's review).

Each test loads what a view loads, lets another request commit its change in between (a thread
with its own session), and then sends the first request's write: it must see the change under
its lock and be refused, never overwrite or outlive it. Both databases.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import Actor
from juryfund.domain.errors import DomainError
from juryfund.domain.states import State
from juryfund.extensions import db
from juryfund.models import Application, ApplicationEvent, Attachment, ProjectPin, Round
from juryfund.services import intake, places, privacy, rounds
from tests.fixtures import Spec, ready_application, written_round
from tests.races import TIMEOUT

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f"
    b"\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00"
    b"\x00IEND\xaeB`\x82"
)


def committed_meanwhile(app, change) -> None:
    """Run `change` as another request would: its own session, committed, then gone."""
    failure: list[BaseException] = []

    def run() -> None:
        with app.app_context():
            try:
                change()
                db.session.commit()
            except BaseException as error:  # noqa: BLE001  (reported to the test)
                db.session.rollback()
                failure.append(error)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(TIMEOUT)
    assert not thread.is_alive() and not failure, failure


def decided_and_erased_meanwhile(app, decide, staff) -> Application:
    """A decided application as a page loaded it (not erased), then erased on request by
    another request before the page's write."""
    [application] = decide([Spec("Hoffest", outcome="rejected")])
    db.session.commit()
    application_id, staff_id = application.id, staff.id
    application.anonymised_at  # noqa: B018  (loaded: not erased)
    committed_meanwhile(
        app,
        lambda: privacy.erase(
            db.session.get(Application, application_id),
            actor=Actor.staff(staff_id),
            reason="Art. 17",
            title="Projekt",
        ),
    )
    return application


def test_a_round_opened_while_staff_edited_it_keeps_its_deadline(app, area, fund, jury, staff):
    application = ready_application(area, fund, Spec("Hoffest"))
    deadline = datetime.now(UTC) + timedelta(days=7)
    round_ = rounds.save_round(
        None, jury, mode="circulation", title="Umlauf", when=deadline, place="", actor=staff.actor
    )
    rounds.set_agenda(round_, [application.id])
    db.session.commit()
    round_id, staff_id = round_.id, staff.id
    round_.state, jury.area  # noqa: B018  (the edit page loaded the round as a draft)

    committed_meanwhile(
        app, lambda: rounds.open_round(db.session.get(Round, round_id), actor=Actor.staff(staff_id))
    )
    with pytest.raises(DomainError) as refused:
        rounds.save_round(
            round_,
            jury,
            mode="circulation",
            title="Umlauf",
            when=datetime.now(UTC) + timedelta(hours=1),
            place="",
            actor=staff.actor,
        )
    assert refused.value.reason == "round.not_draft"
    db.session.rollback()
    opened = db.session.get(Round, round_id)
    assert opened.state == "open"
    assert abs(opened.deadline - deadline) < timedelta(seconds=1)  # as the invitations say


def test_a_pin_set_while_the_application_was_erased_is_refused(app, decide, staff):
    application = decided_and_erased_meanwhile(app, decide, staff)
    with pytest.raises(DomainError) as refused:
        places.set_pin(
            application, latitude="52.55", longitude="13.37", kind="private", actor=staff.actor
        )
    assert refused.value.reason == "place.erased"
    db.session.rollback()
    assert db.session.get(ProjectPin, application.id) is None  # no address kept after erasure


def test_a_file_is_not_removed_from_an_application_reviewed_meanwhile(app, area, fund, staff):
    application = ready_application(area, fund, Spec("Hoffest"))
    application.state = State.SUBMITTED.value  # sent, not yet formally reviewed
    attachment = intake.store_file(
        "angebot.png", PNG, "image/png", kind="quote", application_id=application.id
    )
    db.session.commit()
    application_id, attachment_id, staff_id = application.id, attachment.id, staff.id
    application.state  # noqa: B018  (the edit form loaded it: still editable)

    committed_meanwhile(
        app,
        lambda: intake.mark_ready(
            db.session.get(Application, application_id),
            review_note="vollständig",
            actor=Actor.staff(staff_id),
        ),
    )
    with pytest.raises(DomainError) as refused:
        intake.discard_upload(attachment_id, draft_key=None, application=application)
    assert refused.value.reason == "application.not_editable"
    db.session.rollback()
    assert db.session.get(Attachment, attachment_id) is not None  # the reviewed quote stays


def test_anonymising_an_application_erased_meanwhile_leaves_it_as_erased(app, decide, staff):
    application = decided_and_erased_meanwhile(app, decide, staff)
    privacy.anonymise(application, now=datetime.now(UTC))
    db.session.commit()
    erased = db.session.scalar(
        select(func.count(ApplicationEvent.id)).where(
            ApplicationEvent.application_id == application.id, ApplicationEvent.kind == "erased"
        )
    )
    assert erased == 1


def test_an_objection_after_a_withdrawal_moves_the_others_to_a_meeting(
    app, area, fund, jury, staff
):
    """An applicant withdrew while their application waited in a written round: a member's
    objection still sends the other applications to a meeting (it used to be refused)."""
    stays, leaves = (
        ready_application(area, fund, Spec(title)) for title in ("Hoffest", "Lesecafé")
    )
    round_ = written_round(jury, staff, [stays, leaves], days=7)
    intake.withdraw(leaves)
    db.session.commit()
    rounds.object_to_writing(round_.participants[0])
    db.session.commit()
    assert (round_.state, stays.state, leaves.state) == ("deferred", "ready", "withdrawn")


def test_a_payment_request_sent_while_staff_revoked_the_link_lands_before_or_not_at_all(
    app, client, approved, staff, monkeypatch
):
    """Staff send a new status link (revoking the old one, e.g. passed on to a stranger) while
    the old link's holder asks for money to their account: the request is written before the
    revocation or not at all, never after it."""
    from juryfund.models import LinkGrant, PaymentRequest
    from juryfund.services import payments
    from tests.conftest import csrf_from

    token = intake.new_status_token(approved)
    db.session.commit()
    assert client.get(f"/status/link/{token}").status_code == 302
    application_id, staff_id = approved.id, staff.id
    real_request = payments.request_payment
    revoking: list[threading.Thread] = []

    def revoked_meanwhile(*args, **kwargs):
        def revoke() -> None:
            committed_meanwhile(
                app,
                lambda: intake.reissue_status_link(
                    db.session.get(Application, application_id), actor=Actor.staff(staff_id)
                ),
            )

        thread = threading.Thread(target=revoke, daemon=True)
        thread.start()
        revoking.append(thread)
        thread.join(0.5)  # done by now, unless it waits for this request's lock
        return real_request(*args, **kwargs)

    monkeypatch.setattr(payments, "request_payment", revoked_meanwhile)
    csrf = csrf_from(client.get("/status/resend").get_data(as_text=True))
    client.post(
        f"/status/{approved.reference}/payment-request",
        data={
            "csrf_token": csrf,
            "payreq-kind": "advance",
            "payreq-amount": "100,00",
            "payreq-account_holder": "Fremde Person",
            "payreq-iban": "DE89 3704 0044 0532 0130 00",
            "payreq-bic": "",
        },
    )
    revoking[0].join(TIMEOUT)
    db.session.expire_all()
    revoked_at = db.session.scalar(
        select(func.min(LinkGrant.revoked_at)).where(LinkGrant.application_id == application_id)
    )
    assert revoked_at is not None
    request = db.session.scalars(
        select(PaymentRequest).where(PaymentRequest.application_id == application_id)
    ).one_or_none()
    if request is not None:  # landed: then before the link was revoked
        assert request.requested_at < revoked_at


def test_a_withdrawal_sent_with_a_link_revoked_meanwhile_is_answered_403(
    app, client, area, fund, staff, monkeypatch
):
    """The link was checked when the request came in; staff revoked it before the write ran:
    the write reads the grant again under the application's lock and is refused, as any later
    request with that link would be."""
    from juryfund.web.status import routes as status_routes
    from tests.conftest import csrf_from

    application = ready_application(area, fund, Spec("Hoffest"))
    application.state = State.SUBMITTED.value
    token = intake.new_status_token(application)
    db.session.commit()
    assert client.get(f"/status/link/{token}").status_code == 302
    application_id = application.id
    page = client.get(f"/status/{application.reference}").get_data(as_text=True)
    _revoked_after_the_check(app, monkeypatch, status_routes, application_id, staff.id)
    answer = client.post(
        f"/status/{application.reference}/withdraw",
        data={"csrf_token": csrf_from(page), "confirm": "y"},
    )
    assert answer.status_code == 403
    db.session.expire_all()
    assert db.session.get(Application, application_id).state == "submitted"


def test_a_story_whose_project_was_cancelled_meanwhile_is_not_published(app, approved, staff):
    """Staff open a waiting story while a colleague cancels the project (the action did not
    take place): approving it afterwards would publish the story of an action that never was."""
    from juryfund.services import books, stories

    stories.save(
        approved, text="Das Beet blüht.", consent=True, photos=[], actor=Actor.applicant("x")
    )
    db.session.commit()
    application_id, staff_id = approved.id, staff.id
    approved.state  # noqa: B018  (the review page loaded it: still funded)
    committed_meanwhile(
        app,
        lambda: books.cancel(
            db.session.get(Application, application_id),
            reason="Die Aktion fiel aus.",
            actor=Actor.staff(staff_id),
        ),
    )
    with pytest.raises(DomainError) as refused:
        stories.approve(approved, actor=staff.actor)
    assert refused.value.reason == "story.not_publishable"
    db.session.rollback()
    assert stories.find(approved).public_text is None


def _revoked_after_the_check(app, monkeypatch, view_module, application_id, staff_id) -> None:
    """The status link is checked when the request comes in; staff revoke it right after."""
    real_check = view_module.granted_application

    def revoked_after_the_check(reference: str):
        checked = real_check(reference)
        committed_meanwhile(
            app,
            lambda: intake.reissue_status_link(
                db.session.get(Application, application_id), actor=Actor.staff(staff_id)
            ),
        )
        return checked

    monkeypatch.setattr(view_module, "granted_application", revoked_after_the_check)


def test_a_proof_sent_with_a_link_revoked_meanwhile_is_answered_403(
    app, client, approved, staff, monkeypatch
):
    """The proof form writes on every POST (the proof is started, files kept): with a link
    revoked after the request's check, nothing of it is written."""
    from juryfund.models import ProofOfUse
    from juryfund.web.status import proof as proof_view
    from tests.conftest import csrf_from

    token = intake.new_status_token(approved)
    db.session.commit()
    assert client.get(f"/status/link/{token}").status_code == 302
    url = f"/status/{approved.reference}/proof"
    page = client.get(url).get_data(as_text=True)
    _revoked_after_the_check(app, monkeypatch, proof_view, approved.id, staff.id)
    answer = client.post(
        url, data={"csrf_token": csrf_from(page), "report": "Alles gut.", "action": "save"}
    )
    assert answer.status_code == 403
    db.session.expire_all()
    reports = db.session.scalars(
        select(ProofOfUse.report).where(ProofOfUse.application_id == approved.id)
    ).all()
    assert "Alles gut." not in reports


def test_a_story_sent_with_a_link_revoked_meanwhile_is_answered_403(
    app, client, approved, staff, monkeypatch
):
    """A story saved with a link staff revoked meanwhile (passed on to a stranger) is not kept
    and never waits for approval."""
    from juryfund.models import ProjectStory
    from juryfund.web.status import story as story_view
    from tests.conftest import csrf_from

    token = intake.new_status_token(approved)
    db.session.commit()
    assert client.get(f"/status/link/{token}").status_code == 302
    url = f"/status/{approved.reference}/story"
    page = client.get(url).get_data(as_text=True)
    _revoked_after_the_check(app, monkeypatch, story_view, approved.id, staff.id)
    answer = client.post(
        url,
        data={"csrf_token": csrf_from(page), "text": "Das Beet blüht.", "consent": "y"},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 403
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(ProjectStory)) == 0


def test_a_file_removed_with_a_link_revoked_meanwhile_stays(
    app, client, area, fund, staff, monkeypatch
):
    """The edit form's "remove file" writes at once (before the form is saved): with a link
    revoked after the request's check, the file stays and the answer is 403."""
    from juryfund.web.status import routes as status_routes
    from tests.conftest import csrf_from

    application = ready_application(area, fund, Spec("Hoffest"))
    application.state = State.SUBMITTED.value
    attachment = intake.store_file(
        "angebot.png", PNG, "image/png", kind="quote", application_id=application.id
    )
    token = intake.new_status_token(application)
    db.session.commit()
    attachment_id = attachment.id
    assert client.get(f"/status/link/{token}").status_code == 302
    url = f"/status/{application.reference}/edit"
    page = client.get(url).get_data(as_text=True)
    _revoked_after_the_check(app, monkeypatch, status_routes, application.id, staff.id)
    answer = client.post(
        url, data={"csrf_token": csrf_from(page), "action": f"remove_file-{attachment_id}"}
    )
    assert answer.status_code == 403
    db.session.expire_all()
    assert db.session.get(Attachment, attachment_id) is not None
