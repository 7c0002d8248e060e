"""Decisions on applications: recorded at closing, confirmed with an amount, corrected, mailed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from ..domain import letters
from ..domain.actors import Actor
from ..domain.budget import EntryKind
from ..domain.errors import DomainError
from ..domain.lifecycles import PaymentRequestState
from ..domain.notes import NoteCode, code_note
from ..domain.states import State
from ..domain.voting import Outcome
from ..extensions import db
from ..infra import audit, clock
from ..infra.reconcile import DECISION_FIELDS
from ..models import AgendaItem, Application, Body, Decision, Fund, FundYear, Round
from ..models.rounds import TALLY_COLUMNS
from . import ballots, history, intake, ledger, locks, payments, proofs


def current_decision(application: Application) -> Decision | None:
    """The application's decision in force: the newest one no later decision supersedes."""
    decisions = db.session.scalars(
        select(Decision).where(Decision.application_id == application.id).order_by(Decision.id)
    ).all()
    superseded = {d.supersedes_id for d in decisions if d.supersedes_id}
    live = [d for d in decisions if d.id not in superseded]
    return live[-1] if live else None


def decision_for_item(item: AgendaItem) -> Decision | None:
    """The decision recorded for an agenda item, if any."""
    return db.session.scalar(
        select(Decision).where(Decision.agenda_item_id == item.id).order_by(Decision.id)
    )


def decisions_for_items(items: list[AgendaItem]) -> dict[int, Decision | None]:
    """decision_for_item of every item, in one query (for the round pages)."""
    found: dict[int, Decision | None] = {item.id: None for item in items}
    if found:
        rows = db.session.scalars(
            select(Decision).where(Decision.agenda_item_id.in_(found)).order_by(Decision.id)
        )
        for decision in rows:
            # Selected by its agenda item: never a correction, whose agenda_item_id is None.
            assert decision.agenda_item_id is not None
            if found[decision.agenda_item_id] is None:
                found[decision.agenda_item_id] = decision
    return found


def deciding_body(decision: Decision) -> Body | None:
    """The body that decided: its round's; for a correction, the round's of the decision it
    corrects (the application's newest decision of a round before it). The fund may be decided
    by another body since. One query, however long a chain of corrections."""
    return db.session.scalar(
        select(Body)
        .join(Round, Round.body_id == Body.id)
        .join(AgendaItem, AgendaItem.round_id == Round.id)
        .join(Decision, Decision.agenda_item_id == AgendaItem.id)
        .where(Decision.application_id == decision.application_id, Decision.id <= decision.id)
        .order_by(Decision.id.desc())
        .limit(1)
    )


def decided_at(round_: Round) -> datetime:
    """When the body decided a closed round's items: when its vote ended (a meeting's start,
    a written round's deadline or its earlier close), never the later day staff closed it.

    A December meeting typed in and closed in January is the body's December decision: its
    letter, the public pages and the annual report say so, and its money is the year's the
    members were shown.
    """
    closed = round_.closed_at
    assert closed is not None, f"round {round_.id} is not closed"
    ended = ballots.vote_ended_of(round_)
    return min(ended, closed) if ended is not None else closed


def _from_item(
    item: AgendaItem,
    *,
    outcome: str,
    actor: Actor,
    approved_cents: int | None = None,
    conditions: str = "",
    reasons: str = "",
) -> Decision:
    """A decision carrying the item's tally (an amount and conditions for an approval)."""
    decision = Decision(
        application_id=item.application_id,
        agenda_item_id=item.id,
        outcome=outcome,
        decided_at=decided_at(item.round),
        decided_by_id=actor.staff_id,
        approved_cents=approved_cents,
        requested_cents=item.application.requested_cents,
        conditions=conditions,
        reasons=reasons,
        **_tally_of(item),
    )
    db.session.add(decision)
    db.session.flush()
    return decision


def _audit(action: str, decision: Decision, application: Application, actor: Actor) -> None:
    """Record a decision in the audit trail: outcome, tally and amount, no free text."""
    audit.record_about(
        decision,
        action,
        actor=actor,
        area_id=application.area_id,
        columns=("application_id", "agenda_item_id", *DECISION_FIELDS),
    )


def _tally_of(source: AgendaItem | Decision) -> dict[str, Any]:
    """The tally counts of a closed agenda item or of the decision a correction supersedes."""
    return {name: getattr(source, name) for name in TALLY_COLUMNS}


def record_outcome(item: AgendaItem, *, actor: Actor) -> Decision | None:
    """At closing: no quorum puts the application back to ready (recorded at once).

    An approval and a rejection wait for staff: the amount of an approval, the reasons of a
    rejection (confirm_approval, confirm_rejection), which the letter then tells.
    """
    # Called by rounds.close_round right after it set the item's result.
    assert item.result is not None, "an agenda item gets its outcome when its round closes"
    if item.result != Outcome.NO_QUORUM:
        return None
    decision = _from_item(item, outcome=item.result, actor=actor)
    _audit("decision.recorded", decision, item.application, actor)
    history.transition(
        item.application, State.READY, actor=actor, note=code_note(NoteCode.NO_QUORUM)
    )
    return decision


def _lock_pending(item: AgendaItem, outcome: Outcome, refusal: str) -> Application:
    """Lock the item's application and check afresh that its outcome still waits for staff.

    Two staff confirming at once: the second waits for the lock, then finds the decision (a
    unique constraint on the decision's agenda item holds the same in the database).
    """
    application = locks.lock(Application, item.application_id)
    if (
        item.result != outcome
        or decision_for_item(item) is not None
        or application.state != State.SCHEDULED
    ):
        raise DomainError(refusal)
    return application


def confirm_rejection(item: AgendaItem, *, reasons: str, actor: Actor) -> Decision:
    """Staff confirm a rejected item with the body's reasons: decision, state and letter."""
    application = _lock_pending(item, Outcome.REJECTED, "decision.rejection_not_pending")
    reasons = letters.check_reasons(
        reasons,
        outcome=Outcome.REJECTED,
        requested_cents=application.requested_cents,
        approved_cents=None,
    )
    decision = _from_item(item, outcome=Outcome.REJECTED.value, actor=actor, reasons=reasons)
    _audit("decision.recorded", decision, application, actor)
    history.transition(application, State.REJECTED, actor=actor)
    send_letter(application, decision)
    return decision


def fund_year_for(application: Application, *, today: date | None = None) -> FundYear:
    """The open fund year that pays for a decision taken now."""
    return fund_year_for_fund(application.fund, today=today)


def fund_year_for_decision(application: Application, decided_at: datetime) -> FundYear:
    """The fund year that pays for a decision the body took at ``decided_at``, locked.

    It is the fund's year of the day the body decided, in the area's time zone: the year whose
    money the ballot showed (rounds.available_money), even when staff confirm the amount only
    in January. Only when that year is closed already (its figures are final, DESIGN.md §5) or
    was never opened does today's open year pay. The public reports follow the books: an
    approval counts in the year of its commitment (services.transparency), so a decision the
    books hold in a later year is reported in that later year too.
    """
    fund = application.fund
    year = clock.local_day(decided_at, fund.area.timezone).year
    fund_year = db.session.scalar(
        select(FundYear).where(FundYear.fund_id == fund.id, FundYear.year == year)
    )
    if fund_year is not None:
        # Read closed_at under the year's lock: a close running at this moment finishes first,
        # and the commitment then goes to the open year rather than being refused.
        fund_year = ledger.lock_fund_year(fund_year.id)
        if fund_year.closed_at is None:
            return fund_year
    return ledger.lock_fund_year(fund_year_for_fund(fund).id)


def fund_year_for_fund(fund: Fund, *, today: date | None = None) -> FundYear:
    """A fund's open fund year of today in its area (DomainError when there is none)."""
    year = (today or clock.area_today(fund.area)).year
    fund_year = db.session.scalar(
        select(FundYear).where(FundYear.fund_id == fund.id, FundYear.year == year)
    )
    if fund_year is None or fund_year.closed_at is not None:
        raise DomainError("decision.no_fund_year", field="amount", year=year)
    return fund_year


def confirm_approval(
    item: AgendaItem, *, amount_cents: int, conditions: str, actor: Actor, reasons: str = ""
) -> Decision:
    """Staff confirm the amount of an approved item: decision, commitment and letter together.

    Less than requested (a partial approval) needs the body's reasons. The application is
    locked first and every check reads afresh under that lock, so two staff confirming at
    once give one decision: the second waits and is then refused. The commitment is booked in
    the fund year of the day the body decided while that year is open, else in today's open
    year (fund_year_for_decision); ledger.book checks that year's available money under its
    lock.
    """
    application = _lock_pending(item, Outcome.APPROVED, "decision.not_pending")
    _check_amount(application, amount_cents)
    reasons = letters.check_reasons(
        reasons,
        outcome=Outcome.APPROVED,
        requested_cents=application.requested_cents,
        approved_cents=amount_cents,
    )
    fund_year = fund_year_for_decision(application, decided_at(item.round))
    decision = _from_item(
        item,
        outcome=Outcome.APPROVED.value,
        actor=actor,
        approved_cents=amount_cents,
        conditions=conditions.strip(),
        reasons=reasons,
    )
    _audit("decision.confirmed", decision, application, actor)
    ledger.book(
        fund_year,
        EntryKind.COMMITMENT,
        amount_cents,
        application=application,
        actor=actor,
        decision_id=decision.id,
        note=item.round.title or "",
    )
    history.transition(application, State.APPROVED, actor=actor)
    proofs.proof_for(application)  # starts the clock for the proof of use and its reminder
    send_letter(application, decision)
    return decision


def correct_decision(
    decision: Decision,
    *,
    amount_cents: int,
    conditions: str,
    reason: str,
    actor: Actor,
    reasons: str | None = None,
) -> Decision:
    """A new decision that replaces an approved one's amount or conditions; the books follow.

    The difference is booked in the year of the commitment while it is open. Once that year
    is closed, a lower amount returns money to today's open year (domain.budget) and a higher
    one is refused: a closed year takes no new commitment. The reasons of the decision stay
    unless new ones are given; below the amount asked there must be some.

    The correction keeps the date of the decision it corrects: the body decided then, staff
    only fix the amount or conditions, so the project stays in the year it was decided (its
    own moment is ``recorded_at``, which the letter and the staff page show).
    """
    application = locks.lock(Application, decision.application_id)
    if (
        decision.outcome != Outcome.APPROVED
        or current_decision(application) != decision
        or application.state != State.APPROVED
    ):
        raise DomainError("decision.not_correctable")
    if not reason.strip():
        raise DomainError("decision.reason_required", field="reason")
    # An approved decision always has its amount (the CHECK approved_amount).
    assert decision.approved_cents is not None
    _check_amount(application, amount_cents, approved_cents=decision.approved_cents)
    reasons = letters.check_reasons(
        decision.reasons if reasons is None else reasons,
        outcome=Outcome.APPROVED,
        requested_cents=decision.requested_cents,
        approved_cents=amount_cents,
    )
    own_year = ledger.fund_year_of(application)
    difference = amount_cents - decision.approved_cents
    if difference > 0 and own_year is not None and own_year.closed_at is not None:
        raise DomainError("decision.year_closed", field="amount", year=own_year.year)
    if difference < 0:
        _check_approved_request_fits(application, amount_cents)
    correction = Decision(
        application_id=application.id,
        agenda_item_id=None,
        outcome=Outcome.APPROVED.value,
        approved_cents=amount_cents,
        requested_cents=decision.requested_cents,
        conditions=conditions.strip(),
        reasons=reasons,
        decided_at=decision.decided_at,
        decided_by_id=actor.staff_id,
        supersedes_id=decision.id,
        correction_reason=reason.strip(),
        **_tally_of(decision),
    )
    db.session.add(correction)
    db.session.flush()
    _audit("decision.corrected", correction, application, actor)
    if difference > 0:
        ledger.book(
            own_year or fund_year_for_decision(application, decision.decided_at),
            EntryKind.COMMITMENT,
            difference,
            application=application,
            actor=actor,
            decision_id=correction.id,
            note=reason,
        )
    elif difference < 0:
        ledger.money_back(
            application,
            EntryKind.RELEASE,
            -difference,
            note=reason,
            actor=actor,
            decision_id=correction.id,
        )
    history.record(application, "note", actor=actor, note=reason)
    send_letter(application, correction)
    return correction


def _check_approved_request_fits(application: Application, amount_cents: int) -> None:
    """A lower amount still covers what is paid and an approved request on its way to the bank.

    The approved request stands on the payment list the QM team hands to the bank: cutting the
    amount below it would have the bank pay money the books then refuse. Staff settle the
    request first (mark it paid, or refuse it); read under the application's lock, which every
    request's step takes too.
    """
    waiting = payments.open_request(application)
    if waiting is None or waiting.state != PaymentRequestState.APPROVED.value:
        return
    at_least = ledger.account_of(application.id).paid + waiting.amount_cents
    if amount_cents < at_least:
        raise DomainError(
            "decision.below_approved_request",
            field="amount",
            requested=waiting.amount_cents,
            at_least=at_least,
        )


def _check_amount(
    application: Application, amount_cents: int | None, *, approved_cents: int | None = None
) -> None:
    """An approved amount is positive, at most the request and at most the fund's cap.

    A correction of an approved amount (``approved_cents``) meets today's cap only when it
    raises the amount: the cap may have been lowered since, and a cut or the same amount
    commits nothing new.
    """
    if amount_cents is None or amount_cents <= 0:
        raise DomainError("decision.amount_not_positive", field="amount")
    if amount_cents > application.requested_cents:
        raise DomainError(
            "decision.above_requested", field="amount", requested=application.requested_cents
        )
    raises = approved_cents is None or amount_cents > approved_cents
    if raises and amount_cents > application.fund.cap_cents:
        raise DomainError("decision.above_cap", field="amount", cap=application.fund.cap_cents)


def send_letter(application: Application, decision: Decision) -> None:
    """The decision letter to the applicant, in their language, with the next steps."""
    if not application.email:
        return
    intake.send_status_link(
        application,
        purpose=f"decision.{decision.outcome}",
        template="decision_letter",
        decision=decision,
        body=deciding_body(decision) or application.fund.body,
        proof_due=proofs.due_date(application),
    )
