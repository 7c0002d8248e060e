"""A fund's announced jury sessions: staff add and remove them; pages and the form read the next."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..domain import sessions as rules
from ..domain.actors import Actor
from ..domain.errors import DomainError
from ..extensions import db
from ..infra import audit, clock
from ..models import Fund, FundSession
from .setup import refuse

#: How many coming sessions the public page and the form list per fund.
SHOWN = 3
#: What the audit trail keeps of a session (no free text: place and note are shown publicly).
RECORDED = ("fund_id", "meets_on", "apply_by")


def upcoming_by_fund(
    fund_ids: Iterable[int], today: date, *, limit: int = SHOWN
) -> dict[int, list[FundSession]]:
    """Per fund, the sessions an application sent today can still reach, earliest first (one query)."""
    ids = list(fund_ids)
    found: dict[int, list[FundSession]] = {fund_id: [] for fund_id in ids}
    if not ids:
        return found
    rows = db.session.scalars(
        select(FundSession)
        .where(FundSession.fund_id.in_(ids), FundSession.apply_by >= today)
        .order_by(FundSession.fund_id, FundSession.meets_on)
    ).all()
    for row in rows:
        if len(found[row.fund_id]) < limit:
            found[row.fund_id].append(row)
    return found


def start_error(fund: Fund, start: date, today: date) -> DomainError | None:
    """The refusal of a planned start before the session an application sent today can reach
    (or, past every announced deadline, before the last announced session has met)."""
    still_to_meet = db.session.scalars(
        select(FundSession).where(FundSession.fund_id == fund.id, FundSession.meets_on >= today)
    ).all()
    return rules.check_start(start, [s.rule for s in still_to_meet], today)


def add_session(
    fund: Fund,
    *,
    meets_on: date,
    apply_by: date,
    place: str = "",
    note: str = "",
    actor: Actor,
) -> FundSession:
    """Announce a session of the fund's jury with its application deadline."""
    today = clock.area_today(fund.area)
    taken = db.session.scalars(
        select(FundSession.meets_on).where(
            FundSession.fund_id == fund.id, FundSession.meets_on == meets_on
        )
    ).all()
    refuse(rules.check_new_session(meets_on=meets_on, apply_by=apply_by, today=today, taken=taken))
    session = FundSession(
        fund_id=fund.id,
        meets_on=meets_on,
        apply_by=apply_by,
        place=place.strip(),
        note=note.strip(),
    )
    # Two staff adding the same day at once: the unique constraint lets one in.
    savepoint = db.session.begin_nested()
    db.session.add(session)
    try:
        savepoint.commit()
    except IntegrityError:
        savepoint.rollback()
        raise DomainError("session.date_taken", field="meets_on") from None
    audit.record_about(
        session, "fund_session.created", actor=actor, area_id=fund.area_id, columns=RECORDED
    )
    return session


def remove_session(session: FundSession, *, actor: Actor) -> None:
    """Withdraw an announced session that has not met yet; past sessions stay as a record."""
    fund = session.fund
    if session.meets_on < clock.area_today(fund.area):
        raise DomainError("session.already_met")
    audit.record_about(
        session, "fund_session.removed", actor=actor, area_id=fund.area_id, columns=RECORDED
    )
    db.session.delete(session)
    db.session.flush()
