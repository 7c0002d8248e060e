"""Letters and the public pages name the body that decided, even after the fund moved to another."""

from __future__ import annotations

from juryfund.extensions import db
from juryfund.services import setup, transparency
from tests.conftest import log_in
from tests.factories import BodyFactory
from tests.fixtures import cut


def _to_a_new_jury(area, fund) -> None:
    """For the new term the QM team gives the fund to a new jury, "Aktionsfondsjury 2027"."""
    new_jury = BodyFactory(area=area, name="Aktionsfondsjury 2027", members=7)
    setup.save_fund(
        fund,
        area,
        kind=fund.kind,
        name=fund.name,
        body=new_jury,
        cap_cents=fund.cap_cents,
        minimum_cents=fund.minimum_cents,
        lead_time_days=fund.lead_time_days,
        eligible_categories=fund.category_list,
        carry_over=fund.carry_over,
        proof_weeks=fund.proof_weeks,
    )
    db.session.commit()


def test_the_letter_names_the_body_that_decided_after_the_fund_moves_to_a_new_jury(
    app, client, area, fund, jury, staff, approved
):
    """The jury approved "Pflanzaktion"; for the new term the Aktionsfonds is given to a new
    jury. The decision letter (printed, and downloaded from the status page) still names the
    jury that voted, as the public project page does; it used to name the fund's new body."""
    decided_by = jury.name
    _to_a_new_jury(area, fund)

    published = transparency.project(area, approved.reference)
    assert published is not None and published.body == decided_by

    log_in(client, staff)
    letter = client.get(f"/staff/applications/{approved.id}/letter").get_data(as_text=True)
    assert decided_by in letter and "Aktionsfondsjury 2027" not in letter, (
        "the letter names a body that did not decide the application"
    )


def test_a_corrected_decision_is_published_under_the_body_that_decided(
    area, fund, jury, staff, approved
):
    """The same move, then staff correct the old jury's approval (400 € cut to 300 €): the
    correction has no round of its own and is published under the body of the decision it
    corrects, never the fund's new one."""
    decided_by = jury.name
    _to_a_new_jury(area, fund)
    cut(approved, 30000, staff)
    published = transparency.project(area, approved.reference)
    assert published is not None and published.body == decided_by, (
        f"the corrected decision is published as decided by {published.body!r}"
    )
