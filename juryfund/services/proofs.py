"""Proof of use (Verwendungsnachweis): the applicant's report and receipts, the QM team's review,
and settlement, which pays what is still owed and releases what was not spent."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from ..domain import fundrules
from ..domain.actors import Actor
from ..domain.budget import EntryKind
from ..domain.errors import DomainError, MoneyError
from ..domain.files import check_upload
from ..domain.lifecycles import PROOF_EDITABLE, ProofState, move_proof
from ..domain.money import MAX_CENTS, bounded_sum
from ..domain.notes import NoteCode, code_note
from ..domain.states import State
from ..extensions import db
from ..infra import audit, clock
from ..models import Application, Area, Attachment, ProofOfUse, Receipt
from ..models.base import utcnow
from . import history, intake, ledger, locks, notices, payments
from .setup import refuse

#: Why a payment request still open at settlement is refused. Stored as staff's reasons are, in
#: German, the office's binding language; the settlement itself paid what was still owed.
SETTLED_REQUEST_REASON = "Mit dem Verwendungsnachweis abgerechnet: Der noch offene Betrag wurde mit der Abrechnung gezahlt."

#: The note of the bookings that settle a proof of use (worded when shown, web.notes).
SETTLEMENT_NOTE = code_note(NoteCode.SETTLEMENT)

#: The reminder goes out this many days before the proof is due.
REMIND_BEFORE = timedelta(days=7)
#: The states in which the applicant may still change the proof (domain.lifecycles).
EDITABLE = tuple(state.value for state in PROOF_EDITABLE)
#: Receipts and photos together; a small action rarely has more.
MAX_PROOF_FILES = 30


@dataclass(frozen=True)
class ReceiptLine:
    """One line of the receipt list as typed by the applicant."""

    date: date
    supplier: str
    item: str
    amount_cents: int


def due_date(application: Application) -> date:
    """When the proof is due: the fund's weeks after the action's end."""
    return application.end_date + timedelta(weeks=application.fund.proof_weeks)


def find(application: Application) -> ProofOfUse | None:
    """The application's proof of use, if it was started (reading only, for GET requests)."""
    return db.session.scalar(select(ProofOfUse).where(ProofOfUse.application_id == application.id))


def proof_for(application: Application) -> ProofOfUse:
    """The application's proof of use, started (as a draft) the first time it is needed."""
    proof = db.session.scalar(select(ProofOfUse).where(ProofOfUse.application_id == application.id))
    if proof is None:
        proof = ProofOfUse(
            application_id=application.id,
            due_on=due_date(application),
            state=ProofState.DRAFT.value,
        )
        db.session.add(proof)
        db.session.flush()
    return proof


def proven_cents(proof: ProofOfUse) -> int:
    """The sum of the receipt list without the receipts staff refused."""
    return sum(receipt.amount_cents for receipt in proof.receipts if receipt.choice != "refused")


def funding_period(application: Application) -> fundrules.Period:
    """The funding period the project's money belongs to: that of the fund year holding its
    commitment, else of the fund year of the action's start."""
    fund_year = ledger.fund_year_of(application)
    if fund_year is not None:
        return fund_year.period
    return intake.funding_period(application.fund, application.start_date.year)


def receipt_flags(proof: ProofOfUse) -> dict[int, tuple[str, ...]]:
    """Receipts that need staff's judgement (no retroactive funding), by receipt id: those dated
    before the application was made or outside the funding period."""
    application = proof.application
    applied_on = clock.local_day(application.submitted_at, application.area.timezone)
    period = funding_period(application)
    flags = {
        receipt.id: fundrules.receipt_flags(day=receipt.date, applied_on=applied_on, period=period)
        for receipt in proof.receipts
    }
    return {receipt_id: why for receipt_id, why in flags.items() if why}


def choose_receipt(
    proof: ProofOfUse, receipt: Receipt, *, choice: str, reason: str, actor: Actor
) -> None:
    """Staff accept a flagged receipt or refuse it with a reason; a refused one does not count
    toward the proven costs. Only while the proof waits for review."""
    proof = _locked(proof)
    if proof.state != ProofState.SUBMITTED:
        raise DomainError("proof.not_submitted")
    if receipt.proof_id != proof.id or receipt.id not in receipt_flags(proof):
        raise DomainError("receipt.not_flagged", field="choice")
    errors = fundrules.check_receipt_choice(choice=choice, reason=reason)
    if errors:
        raise errors[0]
    receipt.choice = choice
    receipt.choice_reason = reason.strip() if choice == "refused" else ""
    history.record(
        proof.application,
        "note",
        actor=actor,
        note=_receipt_note(receipt),
    )
    db.session.flush()


def _receipt_note(receipt: Receipt) -> str:
    """The history note of a choice on a flagged receipt, worded in the reader's language."""
    code = NoteCode.RECEIPT_REFUSED if receipt.choice == "refused" else NoteCode.RECEIPT_ACCEPTED
    return code_note(code, receipt.position, detail=receipt.choice_reason)


def settlement(proof: ProofOfUse, committed_cents: int) -> fundrules.Settlement:
    """What the project is owed at settlement: the counted receipts and the fund's flat
    allowance on them, within the approved amount."""
    return fundrules.settle(
        proven_cents=proven_cents(proof),
        committed_cents=committed_cents,
        allowance_bp=proof.application.fund.allowance_bp,
    )


def save(
    proof: ProofOfUse,
    *,
    report: str,
    receipts: list[ReceiptLine],
    actor: Actor | None = None,
) -> None:
    """Keep the report and the receipt list (while the proof is a draft or sent back);
    ``actor`` is staff saving for the applicant (recorded in the trail)."""
    check_receipts(receipts)
    # A receipt proves money already spent: none is dated after the area's today.
    today = clock.area_today(proof.application.area)
    refuse(fundrules.future_receipt_errors([line.date for line in receipts], today=today))
    # Staff and the applicant saving at once, or a save racing a submission: one after the
    # other, and the state is read after the lock (a proof sent meanwhile is not rewritten).
    proof = _locked(proof)
    if proof.state not in EDITABLE:
        raise DomainError("proof.not_editable")
    proof.report = report.strip()
    proof.receipts.clear()
    db.session.flush()
    proof.receipts.extend(
        Receipt(
            position=i + 1,
            date=line.date,
            supplier=line.supplier.strip(),
            item=line.item.strip(),
            amount_cents=line.amount_cents,
        )
        for i, line in enumerate(receipts)
    )
    db.session.flush()
    if actor is not None and actor.staff_id is not None:
        audit.record_about(
            proof.application,
            "proof.saved",
            actor=actor,
            area_id=proof.application.area_id,
            receipts=len(receipts),
        )


def check_receipts(receipts: list[ReceiptLine]) -> int:
    """The receipt list's sum; DomainError on the first amount that is 0 or takes it too far."""
    # Fields are named by the receipt's place in the list, as the form counts its filled lines.
    for index, line in enumerate(receipts):
        if line.amount_cents <= 0:
            raise DomainError("proof.amount_not_positive", field=f"receipts-{index}-amount")
        if line.amount_cents > MAX_CENTS:
            raise MoneyError(
                "money.too_large", field=f"receipts-{index}-amount", maximum_cents=MAX_CENTS
            )
    return bounded_sum(
        (line.amount_cents, f"receipts-{index}-amount") for index, line in enumerate(receipts)
    )


def add_file(
    proof: ProofOfUse, filename: str, data: bytes, *, kind: str, actor: Actor | None = None
) -> Attachment:
    """Attach a receipt scan or a photo to the proof (checked by content, like every upload);
    ``actor`` is staff adding a file the applicant handed in (recorded in the trail)."""
    # Serialise uploads to one proof (two tabs, or staff and applicant at once) so the count
    # below includes the other's file; the proof is read afresh after the lock.
    proof = _locked(proof)
    if proof.state not in EDITABLE:
        raise DomainError("proof.not_editable")
    already = db.session.execute(
        select(func.count(Attachment.id)).where(Attachment.proof_id == proof.id)
    ).scalar_one()
    media_type = check_upload(data, already=already, limit=MAX_PROOF_FILES, field="files")
    attachment = intake.store_file(
        filename,
        data,
        media_type,
        kind=kind,
        application_id=proof.application_id,
        proof_id=proof.id,
    )
    if actor is not None and actor.staff_id is not None:
        db.session.flush()
        audit.record_about(
            proof.application,
            "proof.file_added",
            actor=actor,
            area_id=proof.application.area_id,
            kind=kind,
            sha256=attachment.sha256,
        )
    return attachment


def files_of(proof: ProofOfUse) -> list[Attachment]:
    """The proof's receipt scans and photos (none for a proof not stored yet)."""
    if proof.id is None:
        return []
    return list(
        db.session.scalars(
            select(Attachment).where(Attachment.proof_id == proof.id).order_by(Attachment.id)
        )
    )


def submit(
    proof: ProofOfUse,
    *,
    now: datetime | None = None,
    actor: Actor = intake.THE_APPLICANT,
    note: str = "",
) -> None:
    """Send the proof to the QM team; it needs a report and at least one receipt.

    Staff send it on the applicant's behalf (a resident without e-mail or scanner) only with a
    note saying how the applicant handed it in; the history shows it.
    """
    if actor.staff_id is not None and not note.strip():
        raise DomainError("proof.behalf_note_required", field="note")
    proof = _locked(proof)
    if proof.state not in EDITABLE:
        raise DomainError("proof.not_editable")
    if not proof.report:
        raise DomainError("proof.report_required", field="report")
    if not proof.receipts:
        raise DomainError("proof.receipts_required", field="receipts")
    proof.state, proof.submitted_at = move_proof(proof.state, ProofState.SUBMITTED), now or utcnow()
    history.record(proof.application, "proof", actor=actor, note=note)
    notices.proof_submitted(proof)


def request_changes(proof: ProofOfUse, *, note: str, actor: Actor) -> None:
    """Send the proof back with what is missing (mailed to the applicant)."""
    proof = _locked(proof)
    changes_requested = move_proof(proof.state, ProofState.CHANGES_REQUESTED)
    if not note.strip():
        raise DomainError("review.note_required", field="note")
    proof.state, proof.review_note, proof.reviewed_at = changes_requested, note.strip(), utcnow()
    _mail(proof, purpose="proof.changes", template="proof_changes", note=note.strip())


def fingerprint(proof: ProofOfUse) -> str:
    """What staff decide a settlement on: the version sent, its receipts and staff's choices on
    them. A page carries it, and a settlement from a page showing another version is refused."""
    shown = [proof.submitted_at.isoformat() if proof.submitted_at else ""]
    shown += [f"{r.id}:{r.amount_cents}:{r.choice or ''}" for r in sorted(proof.receipts, key=_id)]
    return hashlib.sha256("|".join(shown).encode()).hexdigest()[:32]


def _id(receipt: Receipt) -> int:
    return receipt.id


def _check_seen(proof: ProofOfUse, seen: str | None) -> None:
    """Refuse a money step decided on a page that showed another version of the proof (read
    under the lock: a resubmission or a colleague's choice on a receipt came in meanwhile)."""
    if seen is None:
        return
    db.session.expire(proof, ["submitted_at", "receipts"])
    if fingerprint(proof) != seen:
        raise DomainError("proof.changed_meanwhile")


def _locked(proof: ProofOfUse) -> ProofOfUse:
    """Lock the proof's application and read the proof afresh: reviews of one proof queue."""
    locks.lock(Application, proof.application_id)
    return locks.lock(ProofOfUse, proof.id)


def accept(proof: ProofOfUse, *, actor: Actor, seen: str | None = None) -> int:
    """Settle: pay what is still owed up to the proven amount, release the rest; how much released.

    Accepting twice at once settles once: the second waits for the lock and finds the proof
    accepted. Money goes where domain.budget routes it (the open year once the project's year
    closed). `seen`: the fingerprint of the version the page showed (None: not asked). Refused
    while an approved payment request waits for the bank: it would be paid twice.
    """
    proof = _locked(proof)
    accepted = move_proof(proof.state, ProofState.ACCEPTED)
    _check_seen(proof, seen)
    application = proof.application
    payments.check_no_transfer_waiting(application)
    flags = receipt_flags(proof)
    if any(r.choice is None for r in proof.receipts if r.id in flags):
        raise DomainError("proof.receipts_undecided", field="receipts")
    account = ledger.account_of(application.id)
    owed = settlement(proof, account.committed)
    proven = owed.total_cents
    if account.paid > proven:
        raise DomainError("proof.refund_first", open=account.paid - proven)
    # The allowance is paid last and booked on its own line with a note saying what it is, so
    # the books show it apart from the receipts (a booking is never changed afterwards).
    to_pay = proven - account.paid
    allowance = min(owed.allowance_cents, to_pay)
    if to_pay - allowance > 0:
        ledger.pay(
            application,
            to_pay - allowance,
            payment_type="reimbursement",
            note=SETTLEMENT_NOTE,
            actor=actor,
        )
    if allowance > 0:
        ledger.pay(
            application,
            allowance,
            payment_type="reimbursement",
            note=allowance_note(application.fund.allowance_bp, owed.receipts_cents),
            actor=actor,
        )
    unspent = account.committed - proven
    if unspent > 0:
        ledger.money_back(
            application, EntryKind.RELEASE, unspent, note=SETTLEMENT_NOTE, actor=actor
        )
    proof.state, proof.reviewed_at = accepted, utcnow()
    history.transition(application, State.SETTLED, actor=actor)
    payments.close_open_request(application, reason=SETTLED_REQUEST_REASON, actor=actor)
    _mail(
        proof,
        purpose="proof.accepted",
        template="proof_accepted",
        proven=proven - owed.allowance_cents,
        allowance=owed.allowance_cents,
        released=unspent,
    )
    return unspent


def allowance_note(allowance_bp: int, receipts_cents: int) -> str:
    """The booking note of the flat allowance: its share and the proven costs it is taken of
    (stored as a code: the page words it in the reader's language, web.notes)."""
    return code_note(NoteCode.ALLOWANCE, allowance_bp, receipts_cents)


def claim_refund(proof: ProofOfUse, *, note: str, actor: Actor, seen: str | None = None) -> int:
    """Ask the applicant to pay back what was paid but not proven (mailed); the amount."""
    proof = _locked(proof)
    if proof.state != ProofState.SUBMITTED:
        raise DomainError("proof.not_submitted")
    _check_seen(proof, seen)
    account = ledger.account_of(proof.application_id)
    owed = account.paid - settlement(proof, account.committed).total_cents
    if owed <= 0:
        raise DomainError("proof.nothing_to_refund")
    history.record(proof.application, "note", actor=actor, note=note)
    _mail(proof, purpose="proof.refund", template="proof_refund", owed=owed, note=note.strip())
    return owed


def _mail(proof: ProofOfUse, *, purpose: str, template: str, **context: object) -> None:
    """A mail about the proof to the applicant, with a fresh status link."""
    application = proof.application
    if application.email:
        intake.send_status_link(
            application, purpose=purpose, template=template, proof=proof, **context
        )


def due_reminders(now: datetime) -> tuple[list[ProofOfUse], list[ProofOfUse]]:
    """Proofs to remind (due within a week) and overdue ones the QM team has not been told of.

    "Today" is each area's own day: just after midnight in Berlin the UTC date is still the day
    before, and a proof due that day would be called overdue a day late.
    """
    # In application order: the sends below lock each proof's application (proofs._locked),
    # and two ticks taking them in the same order wait for each other instead of deadlocking.
    rows = db.session.execute(
        select(ProofOfUse, Area.timezone)
        .join(Application, ProofOfUse.application_id == Application.id)
        .join(Area, Application.area_id == Area.id)
        .where(ProofOfUse.state.in_(EDITABLE), Application.state == State.APPROVED.value)
        .order_by(ProofOfUse.application_id)
    ).all()
    remind, overdue = [], []
    for proof, timezone in rows:
        today = clock.local_day(now, timezone)
        if proof.reminded_at is None and today <= proof.due_on <= today + REMIND_BEFORE:
            remind.append(proof)
        if proof.overdue_notified_at is None and proof.due_on < today:
            overdue.append(proof)
    return remind, overdue


def send_reminder(proof: ProofOfUse, *, now: datetime) -> bool:
    """Remind the applicant that the proof is due soon, once; False if it was done meanwhile."""
    # due_reminders read "not reminded" without a lock: two ticks at once (cron overlapping,
    # every app server's timer) both found it. Under the lock the second reads the first's
    # stamp after its commit and sends nothing.
    proof = _locked(proof)
    if proof.reminded_at is not None or proof.state not in EDITABLE:
        return False
    proof.reminded_at = now
    _mail(proof, purpose="proof.reminder", template="proof_reminder")
    return True


def notify_overdue(proof: ProofOfUse, *, now: datetime) -> bool:
    """Tell the QM team (the area's contact address and who chose it) that a proof is overdue,
    once; False if it was done meanwhile or the proof was sent."""
    # As send_reminder: the stamp is read again after the lock, so overlapping ticks tell once.
    proof = _locked(proof)
    if proof.overdue_notified_at is not None or proof.state not in EDITABLE:
        return False
    proof.overdue_notified_at = now
    notices.proof_overdue(proof)
    return True
