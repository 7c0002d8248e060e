"""Files added at once never exceed the limit: staff adding a handed-in file in two tabs, or
the applicant and staff adding receipt scans to one proof, or photos to one project story
(real threads, own sessions)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from juryfund.domain.actors import Actor
from juryfund.domain.files import MAX_FILES
from juryfund.extensions import db
from juryfund.models import Application, Attachment, ProofOfUse, StoryPhoto
from juryfund.models.stories import MAX_STORY_PHOTOS
from juryfund.services import intake, proofs, stories
from juryfund.services.proofs import MAX_PROOF_FILES
from tests.factories import ApplicationFactory
from tests.photos import png
from tests.races import one_won, race

pytestmark = pytest.mark.intake

PDF = b"%PDF-1.4 Beleg"


def _application_files(application_id: int) -> int:
    return db.session.scalar(
        select(func.count(Attachment.id)).where(
            Attachment.application_id == application_id, Attachment.proof_id.is_(None)
        )
    )


def _add_for_applicant(application_id: int, staff_id: int):
    def job(ready):
        application = db.session.get(Application, application_id)
        ready()
        intake.add_file_for_applicant(
            application, "angebot.pdf", PDF, kind="quote", actor=Actor.staff(staff_id)
        )

    return job


def test_two_staff_adding_the_last_allowed_file_at_once_add_one(app, area, fund, staff):
    application = ApplicationFactory(area=area, fund=fund)
    db.session.flush()
    for _ in range(MAX_FILES - 1):
        intake.add_file_for_applicant(
            application, "angebot.pdf", PDF, kind="quote", actor=staff.actor
        )
    db.session.commit()

    outcomes = race(
        app,
        _add_for_applicant(application.id, staff.id),
        _add_for_applicant(application.id, staff.id),
    )
    one_won(outcomes, "file.too_many")
    assert _application_files(application.id) == MAX_FILES


def _add_to_proof(proof_id: int):
    def job(ready):
        proof = db.session.get(ProofOfUse, proof_id)
        ready()
        proofs.add_file(proof, "beleg.pdf", PDF, kind="receipt")

    return job


def test_two_receipt_scans_for_the_last_place_of_a_proof_add_one(app, approved):
    proof = proofs.proof_for(approved)
    db.session.flush()
    for _ in range(MAX_PROOF_FILES - 1):
        proofs.add_file(proof, "beleg.pdf", PDF, kind="receipt")
    db.session.commit()

    outcomes = race(app, _add_to_proof(proof.id), _add_to_proof(proof.id))
    one_won(outcomes, "file.too_many")
    count = db.session.scalar(
        select(func.count(Attachment.id)).where(Attachment.proof_id == proof.id)
    )
    assert count == MAX_PROOF_FILES


def _add_story_photo(application_id: int, reference: str):
    def job(ready):
        application = db.session.get(Application, application_id)
        ready()
        stories.save(
            application,
            text="Das Beet ist bepflanzt.",
            consent=True,
            photos=[stories.NewPhoto(png(), "Das Beet", field="new_photos-0-file")],
            actor=Actor.applicant(reference),
        )

    return job


@pytest.mark.transparency
def test_two_photos_for_the_last_place_of_a_story_add_one(app, approved):
    """The applicant in two tabs (or with staff) adding the sixth photo at once: one is kept."""
    for index in range(MAX_STORY_PHOTOS - 1):
        stories.save(
            approved,
            text="Das Beet ist bepflanzt.",
            consent=True,
            photos=[stories.NewPhoto(png(), f"Foto {index}", field="new_photos-0-file")],
            actor=Actor.applicant(approved.reference),
        )
    db.session.commit()

    outcomes = race(
        app,
        _add_story_photo(approved.id, approved.reference),
        _add_story_photo(approved.id, approved.reference),
    )
    one_won(outcomes, "story.too_many_photos")
    assert db.session.scalar(select(func.count(StoryPhoto.id))) == MAX_STORY_PHOTOS
