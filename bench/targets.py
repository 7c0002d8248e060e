"""What the benchmark loads, looked up in a seeded database: prints one JSON object.

Run with the bench's JURYFUND_* environment; the ballot token is signed with its secret key.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import desc, func, select  # noqa: E402

from juryfund import create_app  # noqa: E402
from juryfund.extensions import db  # noqa: E402
from juryfund.models import AgendaItem, Application, Area, Fund, Round, RoundMember, Vote  # noqa: E402
from juryfund.services import rounds, transparency  # noqa: E402

#: Pages are read in the second area: the first one's newest applications sit on the ballot round.
AREA_SLUG = "quartier-02"


def find() -> dict:
    """Slugs, ids and a member's ballot token for the scenarios."""
    area = db.session.scalar(select(Area).where(Area.slug == AREA_SLUG))
    fund = db.session.scalar(
        select(Fund).where(Fund.area_id == area.id, Fund.kind == "action_fund")
    )
    project = db.session.scalar(
        select(Application.reference)
        .where(Application.area_id == area.id, Application.state == "settled")
        .order_by(desc(Application.submitted_at))
        .limit(1)
    )
    year = transparency.current_year(area)
    decisions = transparency.count_decisions(area, year=year)
    open_rounds = db.session.scalars(
        select(Round).where(Round.state == "open").order_by(Round.id)
    ).all()
    # The first open round is the 20-item ballot; the others sit in further areas, for the
    # write scenarios spread over several areas (each area's audit chain and counters).
    writes = [_write_target(round_) for round_ in open_rounds]
    round_, ballot = open_rounds[0], writes[0]
    return {
        "area": area.slug,
        "fund_id": fund.id,
        "project": project,
        "year": year,
        "deep_page": max((decisions + 19) // 20, 1),
        "decisions_this_year": decisions,
        "round_id": round_.id,
        "items": ballot["items"],
        "ballot_token": ballot["token"],
        "write_targets": writes,
        "applications": db.session.scalar(select(func.count(Application.id))),
        "agenda_items": db.session.scalar(
            select(func.count(AgendaItem.id)).where(AgendaItem.round_id == round_.id)
        ),
    }


def _write_target(round_: Round) -> dict:
    """An open round's items, a ballot token of a member who has not voted, and its area's
    action fund (where the spread application scenario applies)."""
    items = [item.id for item in round_.agenda]
    voted = select(Vote.member_id).where(Vote.agenda_item_id.in_(items))
    participant = db.session.scalar(
        select(RoundMember)
        .where(RoundMember.round_id == round_.id, RoundMember.member_id.not_in(voted))
        .order_by(RoundMember.id)
        .limit(1)
    )
    area = round_.body.area
    fund = db.session.scalar(
        select(Fund).where(Fund.area_id == area.id, Fund.kind == "action_fund")
    )
    return {
        "round_id": round_.id,
        "items": items,
        "token": rounds.ballot_token(participant),
        "area": area.slug,
        "fund_id": fund.id,
    }


if __name__ == "__main__":
    with create_app().app_context():
        print(json.dumps(find()))
