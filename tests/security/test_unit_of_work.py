"""The request's unit of work (web/unit_of_work.py): one commit, or every refusal shown and
nothing kept; a part refused on its own undoes only itself and commits nothing."""

from __future__ import annotations

import pytest
from flask import get_flashed_messages
from sqlalchemy import select
from wtforms import FieldList, Form, FormField, StringField

from juryfund.domain.errors import DomainError
from juryfund.extensions import db
from juryfund.models import Area
from juryfund.services import setup
from juryfund.web.fields import AppForm
from juryfund.web.messages import reason_text
from juryfund.web.unit_of_work import attempt, attempt_part

pytestmark = pytest.mark.security


class LineForm(Form):
    amount = StringField()


class SampleForm(AppForm):
    slug = StringField()
    code = StringField()
    receipts = FieldList(FormField(LineForm), min_entries=2)


def _new_area(slug: str) -> Area:
    return setup.save_area(
        None,
        name=slug.title(),
        slug=slug,
        code=slug.upper()[:3],
        city="",
        timezone="Europe/Berlin",
        languages=["de"],
    )


def _area_saved(slug: str) -> bool:
    """True when the area is in the database for everyone (what the session holds is dropped)."""
    db.session.rollback()
    return db.session.scalar(select(Area.id).where(Area.slug == slug)) is not None


def _refusals() -> None:
    setup.refuse(
        [
            DomainError("area.slug_taken", field="slug"),
            DomainError("area.code_taken", field="code"),
            DomainError("proof.amount_not_positive", field="receipts-1-amount"),
            DomainError("application.busy"),
        ]
    )


def test_success_commits_once_and_flashes_the_done_message_made_from_the_result(app):
    with app.test_request_context(method="POST"):
        outcome = attempt(lambda: _new_area("neu"), done=lambda area: f"{area.name} saved")
        assert outcome and outcome.result.slug == "neu"
        assert get_flashed_messages(with_categories=True) == [("success", "Neu saved")]
    assert _area_saved("neu")


def test_every_refusal_goes_next_to_its_field_and_nothing_is_kept(app):
    def refused_after_writing():
        _new_area("halb")
        _refusals()

    with app.test_request_context(method="POST"):
        form = SampleForm(meta={"csrf": False})
        outcome = attempt(refused_after_writing, form=form, done="never shown")
        assert not outcome and outcome.result is None
        texts = {
            name: reason_text(DomainError(reason))
            for name, reason in (
                ("slug", "area.slug_taken"),
                ("code", "area.code_taken"),
                ("amount", "proof.amount_not_positive"),
                ("form", "application.busy"),
            )
        }
        assert form.slug.errors == [texts["slug"]]
        assert form.code.errors == [texts["code"]]
        assert form.receipts[1].amount.errors == [texts["amount"]]
        assert not form.receipts[0].amount.errors
        assert form.form_errors == [texts["form"]]  # a refusal without a field: atop the form
        assert get_flashed_messages() == []
    assert not _area_saved("halb")


def test_without_a_form_every_refusal_is_flashed_in_the_users_language(app):
    with app.test_request_context(method="POST"):
        assert not attempt(_refusals, done="never shown")
        expected = [
            ("error", reason_text(DomainError(reason)))
            for reason in (
                "area.slug_taken",
                "area.code_taken",
                "proof.amount_not_positive",
                "application.busy",
            )
        ]
        assert get_flashed_messages(with_categories=True) == expected


def test_a_refused_part_undoes_only_itself_and_commits_nothing(app):
    def refused_part():
        _new_area("teil")
        raise DomainError("area.slug_taken", field="slug")

    with app.test_request_context(method="POST"):
        _new_area("vorher")  # what the request did before, e.g. keeping an upload
        form = SampleForm(meta={"csrf": False})
        assert not attempt_part(refused_part, form=form)
        assert form.slug.errors == [reason_text(DomainError("area.slug_taken"))]
        slugs = set(db.session.scalars(select(Area.slug)))
        assert "vorher" in slugs and "teil" not in slugs
        db.session.commit()
    assert _area_saved("vorher") and not _area_saved("teil")


def test_a_part_that_is_the_first_write_is_not_committed_on_its_own(app):
    """pysqlite starts its transaction at the first write; a savepoint taken before would
    commit its part when released. The part must wait for the request's one commit."""
    with app.test_request_context(method="POST"):
        outcome = attempt_part(lambda: _new_area("allein"))
        assert outcome and outcome.result.slug == "allein"
    assert not _area_saved("allein")  # rolled back: nothing was committed by the part
