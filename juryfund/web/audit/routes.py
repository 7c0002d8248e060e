"""The audit trail of one application or one round, for staff of its area."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, g, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import login_required
from sqlalchemy import select

from ...domain.actors import Actor, ActorKind
from ...extensions import db
from ...infra import audit
from ...models import Application, AuditEvent, Member, Round, StaffUser
from ..i18n import money
from ..labels import (
    CHOICE_LABELS,
    ENTRY_KIND_LABELS,
    MODE_LABELS,
    OUTCOME_LABELS,
    STATE_LABELS,
)
from ..permissions import require_area

bp = Blueprint("audit", __name__, url_prefix="/staff")

ACTION_LABELS = {
    "application.state": _l("State changed"),
    "application.submitted": _l("Application sent"),
    "application.changed": _l("Application changed"),
    "application.note": _l("Note added"),
    "application.proof": _l("Proof of use sent"),
    "proof.file_added": _l("File added to the proof of use by the QM team"),
    "proof.saved": _l("Proof of use saved by the QM team"),
    "vote.cast": _l("Vote"),
    "vote.cleared": _l("Vote removed"),
    "conflict.declared": _l("Conflict of interest declared"),
    "conflict.withdrawn": _l("Conflict of interest withdrawn"),
    "presence.set": _l("Presence recorded"),
    "ballot.revoked": _l("Ballot link revoked"),
    "ballot.reissued": _l("New ballot link sent"),
    "ballot.links_ended": _l("Ballot links ended (address corrected)"),
    "round.opened": _l("Round opened"),
    "round.objected": _l("Objection to deciding in writing"),
    "round.closed": _l("Round closed"),
    "decision.recorded": _l("Decision recorded"),
    "decision.confirmed": _l("Approval confirmed"),
    "decision.corrected": _l("Decision corrected"),
    "booking": _l("Booking"),
}


@dataclass
class Row:
    """One event as the page shows it."""

    id: int
    at: datetime
    actor: str
    action: str
    details: list[str]


@bp.get("/applications/<int:application_id>/audit")
@login_required
def application_trail(application_id: int):
    """Every recorded event about one application, oldest first."""
    application = db.get_or_404(Application, application_id)
    g.area = require_area(application.area)
    return render_template(
        "audit/list.html",
        heading=_("Audit trail of %(reference)s", reference=application.reference),
        subject=application.title,
        back_url=url_for("review.detail", application_id=application.id),
        back_label=application.reference,
        rows=_rows(audit.events_for_application(application), one_application=True),
    )


@bp.get("/rounds/<int:round_id>/audit")
@login_required
def round_trail(round_id: int):
    """Every recorded event about one round, its ballots and its decisions, oldest first."""
    round_ = db.get_or_404(Round, round_id)
    g.area = require_area(round_.body.area)
    return render_template(
        "audit/list.html",
        heading=_("Audit trail of the round"),
        subject=round_.title or round_.body.name,
        back_url=url_for("rounds.detail", round_id=round_.id),
        back_label=round_.title or _("Round"),
        rows=_rows(audit.events_for_round(round_)),
    )


# --- presentation ------------------------------------------------------------------------------


class _Names:
    """Names of the staff, members and applications the events refer to, loaded in bulk."""

    def __init__(self, events: list[AuditEvent], data: list[dict[str, Any]]) -> None:
        staff_ids, member_ids, application_ids = set(), set(), set()
        for event, details in zip(events, data, strict=True):
            kind, _sep, ident = event.actor.partition(":")
            if kind == "staff" and ident.isdigit():
                staff_ids.add(int(ident))
            elif kind == "member" and ident.isdigit():
                member_ids.add(int(ident))
            if isinstance(details.get("member_id"), int):
                member_ids.add(details["member_id"])
            if isinstance(details.get("application_id"), int):
                application_ids.add(details["application_id"])
            for key in details.get("results") or {}:
                if str(key).isdigit():
                    application_ids.add(int(key))
        self.staff = _lookup(StaffUser.id, StaffUser.name, staff_ids)
        self.members = _lookup(Member.id, Member.name, member_ids)
        self.references = _lookup(Application.id, Application.reference, application_ids)

    def actor(self, actor: str) -> str:
        """Who acted, in words."""
        kind, _sep, ident = actor.partition(":")
        if kind == "staff":
            name = self.staff.get(int(ident)) if ident.isdigit() else None
            return _("QM team: %(name)s", name=name or ident)
        if kind == "member":
            name = self.members.get(int(ident)) if ident.isdigit() else None
            return _("Member: %(name)s", name=name or ident)
        if kind == "applicant":
            return _("Applicant (%(reference)s)", reference=ident)
        if kind == "system":
            return _("System")
        return _("Unknown visitor")

    def member(self, member_id: Any) -> str:
        """A member's name (or number when the member is gone)."""
        return self.members.get(member_id) or f"#{member_id}"

    def reference(self, application_id: Any) -> str:
        """An application's reference (or number)."""
        return self.references.get(application_id) or f"#{application_id}"


def _lookup(key_column, value_column, ids: set[int]) -> dict[int, str]:
    """{id: value} for these ids, in one query."""
    if not ids:
        return {}
    return dict(
        db.session.execute(select(key_column, value_column).where(key_column.in_(ids))).all()
    )


def _rows(events: list[AuditEvent], *, one_application: bool = False) -> list[Row]:
    """The events with actor, action and details put into words (without the application's
    reference on the page of that application)."""
    data = [audit.details(event) for event in events]
    names = _Names(events, data)
    return [
        Row(
            id=event.id,
            at=event.at,
            actor=names.actor(event.actor),
            action=str(ACTION_LABELS.get(event.action, event.action)),
            details=_details(event, details, names, one_application=one_application),
        )
        for event, details in zip(events, data, strict=True)
    ]


def _tally(values: dict[str, Any]) -> str:
    """Yes, no and abstentions of a tally."""
    return _(
        "%(yes)s yes, %(no)s no, %(abstain)s abstentions",
        yes=values.get("yes"),
        no=values.get("no"),
        abstain=values.get("abstain"),
    )


def _details(
    event: AuditEvent, d: dict[str, Any], names: _Names, *, one_application: bool
) -> list[str]:
    """The details that matter for this kind of event, one line each."""
    lines: list[str] = []
    if "from_state" in d or "to_state" in d:
        if d.get("from_state"):
            lines.append(
                _(
                    "from %(old)s to %(new)s",
                    old=STATE_LABELS.get(d["from_state"], d["from_state"]),
                    new=STATE_LABELS.get(d.get("to_state"), d.get("to_state")),
                )
            )
        elif d.get("to_state"):
            lines.append(str(STATE_LABELS.get(d["to_state"], d["to_state"])))
    if d.get("internal"):
        lines.append(_("internal"))
    elif d.get("note"):
        lines.append(_("with a note"))
    if "member_id" in d and event.actor != Actor.member(d["member_id"]).name:
        lines.append(_("Member: %(name)s", name=names.member(d["member_id"])))
    if "application_id" in d and d["application_id"] is not None and not one_application:
        lines.append(
            _("Application: %(reference)s", reference=names.reference(d["application_id"]))
        )
    if "choice" in d:
        # Members' own votes in writing stay as private as on the round page; votes staff
        # recorded in a meeting were given openly.
        if event.actor.partition(":")[0] == ActorKind.STAFF.value:  # tolerant of old names
            lines.append(str(CHOICE_LABELS.get(d["choice"], d["choice"])))
        else:
            lines.append(_("vote cast") if d.get("previous") is None else _("vote changed"))
    if "present" in d:
        lines.append(_("present") if d["present"] else _("absent"))
    if "outcome" in d:
        lines.append(str(OUTCOME_LABELS.get(d["outcome"], d["outcome"])))
        lines.append(_tally(d))
    if d.get("approved_cents") is not None:
        lines.append(_("Amount: %(amount)s", amount=money(d["approved_cents"])))
    if event.action == "booking":
        lines.append(str(ENTRY_KIND_LABELS.get(d.get("kind"), d.get("kind"))))
        lines.append(_("Amount: %(amount)s", amount=money(d.get("amount_cents"))))
    if "mode" in d:
        lines.append(str(MODE_LABELS.get(d["mode"], d["mode"])))
    if "applications" in d and "members" in d:
        lines.append(
            ngettext("%(num)s application", "%(num)s applications", len(d["applications"]))
            + ", "
            + ngettext("%(num)s member", "%(num)s members", len(d["members"]))
        )
    for application_id, result in sorted((d.get("results") or {}).items()):
        lines.append(
            f"{names.reference(int(application_id))}: "
            f"{OUTCOME_LABELS.get(result.get('result'), result.get('result'))} ({_tally(result)})"
        )
    return lines
