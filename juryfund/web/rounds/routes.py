"""Staff pages of voting rounds: set up, agenda, open, live status, meeting record, close, minutes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from babel.lists import format_list
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from ...domain.composition import Seat
from ...domain.errors import DomainError
from ...domain.lifecycles import RoundState
from ...domain.voting import Outcome
from ...extensions import db
from ...infra import clock
from ...models import (
    AgendaItem,
    Area,
    Body,
    Decision,
    Member,
    Round,
    RoundMember,
    StaffUser,
    Substitution,
)
from ...services import ballots, conflicts, decisions, deputies, meetings, rounds
from ...services import minutes as minutes_
from ..fields import options
from ..guard import MAX_ID, text_value
from ..i18n import current_language
from ..pdf import pdf_response
from ..permissions import require_area
from ..unit_of_work import attempt
from .forms import (
    ConfirmForm,
    ConflictRulingForm,
    CorrectionForm,
    DeputyForm,
    MeetingForm,
    PresentationForm,
    RejectionForm,
    RepeatForm,
    RoundForm,
)
from .money import booking_years, money_left

bp = Blueprint("rounds", __name__, url_prefix="/staff")

T = TypeVar("T", AgendaItem, RoundMember, Substitution)


def _round(round_id: int) -> Round:
    """A round of one of the staff member's areas (403 otherwise)."""
    round_ = db.get_or_404(Round, round_id)
    require_area(round_.body.area)
    return round_


def _listed_round(round_id: int) -> Round:
    """Like _round, with the agenda's applications and the members loaded for a page listing them."""
    round_ = rounds.with_agenda(round_id) or abort(404)
    require_area(round_.body.area)
    return round_


def _of_round(model: type[T], row_id: int, round_: Round) -> T:
    """A row (agenda item, participant) of this round; 404 for another round's."""
    row = db.get_or_404(model, row_id)
    if row.round_id != round_.id:
        abort(404)
    return row


def _local_to_utc(value: datetime, timezone: str) -> datetime:
    """A wall-clock time typed in the area's time zone, as UTC."""
    return value.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


@bp.route("/bodies/<int:body_id>/rounds/new", methods=["GET", "POST"])
@bp.route("/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@login_required
def round_form(body_id: int | None = None, round_id: int | None = None):
    """Create a round for a body, or change one that is not open yet."""
    round_ = _round(round_id) if round_id else None
    body = round_.body if round_ else db.get_or_404(Body, body_id)
    require_area(body.area)
    form = RoundForm(obj=round_)
    if round_ is not None and not form.is_submitted() and round_.due_at:
        form.when.data = round_.due_at.astimezone(ZoneInfo(body.area.timezone)).replace(tzinfo=None)
    if form.validate_on_submit():
        saved = attempt(
            lambda: rounds.save_round(
                round_,
                body,
                mode=form.mode.data,
                title=form.title.data or "",
                when=_local_to_utc(form.when.data, body.area.timezone),
                place=form.place.data or "",
                actor=current_user.actor,
            ),
            form=form,
        )
        if saved:
            return redirect(url_for("rounds.detail", round_id=saved.result.id))
    return render_template("rounds/form.html", form=form, body=body, round=round_)


@bp.get("/rounds/<int:round_id>")
@login_required
def detail(round_id: int):
    """A round: agenda and money while in preparation; live status, record and results later."""
    return _detail_page(_listed_round(round_id))


def _detail_page(
    round_: Round,
    ruling_form: ConflictRulingForm | None = None,
    status: int = 200,
    deputy_form: DeputyForm | None = None,
    meeting_form: MeetingForm | None = None,
    repeat_form: RepeatForm | None = None,
    grid: dict | None = None,
):
    """Render the round page, with the conflict ruling and deputy forms fresh or with errors,
    and the meeting record as stored or (`grid`) as a refused save sent it."""
    context: dict[str, Any] = {"round": round_, "form": FlaskForm(), "confirm_forms": {}}
    if round_.state == RoundState.DRAFT:
        context["ready"] = rounds.ready_applications(round_.body)
        today = clock.area_today(round_.body.area)
        context["problems"] = deputies.problems_on(round_.body, today)
        members = round_.body.voting_members(today)
        context["likely"] = conflicts.detect(members, round_.agenda)
        context["members_by_id"] = {member.id: member for member in members}
    else:
        standings = context["standings"] = conflicts.standings(round_)
        excluded = {pair for pair, standing in standings.items() if standing.excluded}
        open_ = round_.state == RoundState.OPEN
        context["tallies"] = rounds.tallies(round_, excluded) if open_ else {}
        missing = context["missing"] = rounds.missing_votes(round_, excluded)
        context["not_taking_part"] = rounds.members_not_taking_part(round_) if open_ else []
        # A meeting round closes once its meeting has begun (rounds.close_round).
        context["awaiting_meeting"] = (
            open_ and round_.mode == "meeting" and not rounds.meeting_begun(round_)
        )
        context["closing_early"] = (
            open_
            and round_.mode == "circulation"
            and round_.deadline is not None
            and clock.now() < round_.deadline
            and sum(1 for count in missing.values() if count)
        )
        context["decisions"] = decisions.decisions_for_items(round_.agenda)
        context["grid"] = grid or (_meeting_grid(round_) if round_.mode == "meeting" else {})
        context["ruling_form"] = ruling_form or _ruling_form(round_)
        context["deputies"] = [p for p in round_.participants if p.seat == Seat.DEPUTY]
        context["substitutions"] = deputies.substitutions(round_) if context["deputies"] else []
        context["deputy_form"] = deputy_form or _deputy_form(round_)
        if round_.mode == "meeting":
            context["meeting_form"] = meeting_form or _meeting_form(round_)
            context["repeat_form"] = repeat_form or RepeatForm(formdata=None)
            context["can_repeat"] = round_.state == RoundState.CLOSED and any(
                item.result == Outcome.NO_QUORUM for item in round_.agenda
            )
    if round_.mode == "meeting" and round_.state in (RoundState.DRAFT, RoundState.OPEN):
        context["presenters"] = meetings.presenters(round_)
        context["presentation_form"] = PresentationForm(formdata=None)
    # The money of the year the round's approvals are booked in: for a round closed in
    # December and confirmed in January, December's year (money.booking_years).
    context["available"] = money_left(round_)
    return render_template("rounds/detail.html", **context), status


def _ruling_form(round_: Round) -> ConflictRulingForm:
    """The conflict ruling form with this round's members and applications to choose from."""
    form = ConflictRulingForm()
    form.participant.choices = options((p.id, p.member.name) for p in round_.participants)
    form.item.choices = options(
        (item.id, f"{item.position}. {item.application.title}") for item in round_.agenda
    )
    return form


def _deputy_form(round_: Round) -> DeputyForm:
    """The deputy form with this round's deputies, full members and applications."""
    form = DeputyForm()
    active = [p for p in round_.participants if p.revoked_at is None]
    form.deputy.choices = options((p.id, p.member.name) for p in active if p.seat == Seat.DEPUTY)
    form.replaces.choices = options((p.id, p.member.name) for p in active if p.seat == Seat.FULL)
    form.item.choices = options(
        [(0, _("All applications of the round"))]
        + [(item.id, f"{item.position}. {item.application.title}") for item in round_.agenda]
    )
    return form


def _meeting_form(round_: Round) -> MeetingForm:
    """The meeting form with the round's members and the area's staff as possible chairs."""
    form = MeetingForm()
    tz = ZoneInfo(round_.body.area.timezone)
    staff = db.session.scalars(
        db.select(StaffUser)
        .where(StaffUser.areas.any(Area.id == round_.body.area_id))
        .order_by(StaffUser.name)
    ).all()
    form.chair.choices = [
        ("", "–"),
        *((f"m-{p.member_id}", p.member.name) for p in round_.participants),
        *((f"s-{user.id}", _("%(name)s (QM team)", name=user.name)) for user in staff),
    ]
    if not form.is_submitted():
        form.began_at.data = (
            (round_.began_at or round_.meeting_at or clock.now())
            .astimezone(tz)
            .replace(tzinfo=None)
        )
        if round_.ended_at:
            form.ended_at.data = round_.ended_at.astimezone(tz).replace(tzinfo=None)
        if round_.chair_id:
            form.chair.data = f"m-{round_.chair_id}"
        elif round_.chair_staff_id:
            form.chair.data = f"s-{round_.chair_staff_id}"
        form.minute_taker.data = round_.minute_taker
    return form


def _chair_ids(value: str) -> tuple[int | None, int | None]:
    """(member id, staff id) from the chair field's "m-<id>" or "s-<id>"."""
    kind, _sep, number = value.partition("-")
    if not number.isdecimal() or int(number) > MAX_ID:
        return None, None
    return (int(number), None) if kind == "m" else (None, int(number))


@bp.post("/rounds/<int:round_id>/meeting")
@login_required
def meeting(round_id: int):
    """Record the course of the meeting for the minutes: begin, end, chair, minute-taker."""
    round_ = _listed_round(round_id)
    form = _meeting_form(round_)
    if round_.mode != "meeting" or round_.state == RoundState.DRAFT:
        abort(404)
    if form.validate_on_submit():
        tz = round_.body.area.timezone
        member_id, staff_id = _chair_ids(form.chair.data or "")
        if attempt(
            lambda: meetings.record_course(
                round_,
                began_at=_local_to_utc(form.began_at.data, tz),
                ended_at=_local_to_utc(form.ended_at.data, tz) if form.ended_at.data else None,
                chair_member_id=member_id,
                chair_staff_id=staff_id,
                minute_taker=form.minute_taker.data or "",
                actor=current_user.actor,
            ),
            form=form,
            done=_("The course of the meeting is recorded for the minutes."),
        ):
            return redirect(url_for("rounds.detail", round_id=round_id, _anchor="meeting"))
    return _detail_page(round_, meeting_form=form)


@bp.post("/rounds/<int:round_id>/repeat")
@login_required
def repeat(round_id: int):
    """Set up the repeat meeting of a meeting without quorum, on the same agenda (§ 90 (2))."""
    round_ = _listed_round(round_id)
    form = RepeatForm()
    if form.validate_on_submit():
        made = attempt(
            lambda: meetings.repeat_meeting(
                round_,
                when=_local_to_utc(form.when.data, round_.body.area.timezone),
                place=form.place.data or "",
                announce=bool(form.announce.data),
                actor=current_user.actor,
            ),
            form=form,
            done=_("The repeat meeting is set up. Check it and open it to send the invitations."),
        )
        if made:
            return redirect(url_for("rounds.detail", round_id=made.result.id))
    return _detail_page(round_, repeat_form=form)


@bp.post("/rounds/<int:round_id>/items/<int:item_id>/presentation")
@login_required
def presentation(round_id: int, item_id: int):
    """Give an applicant a time slot to present the project, and mail it to them."""
    round_ = _round(round_id)
    item = _of_round(AgendaItem, item_id, round_)
    form = PresentationForm()
    if not form.validate_on_submit():
        flash(_("Please enter a date and time."), "error")
        return redirect(url_for("rounds.detail", round_id=round_id, _anchor="presentations"))
    at = _local_to_utc(form.at.data, round_.body.area.timezone) if form.at.data else None
    return _on_round(
        round_id,
        lambda: meetings.set_presentation(item, at, actor=current_user.actor),
        lambda mailed: (
            _("The applicant got the time slot by mail.")
            if mailed
            else _("The time slot is taken back.")
        ),
    )


@bp.post("/rounds/<int:round_id>/deputies")
@login_required
def assign_deputy(round_id: int):
    """Name a deputy for an absent or excluded full member's seat."""
    round_ = _listed_round(round_id)
    form = _deputy_form(round_)
    if form.validate_on_submit():
        deputy = _of_round(RoundMember, form.deputy.data, round_)
        replaces = _of_round(RoundMember, form.replaces.data, round_)
        items = [_of_round(AgendaItem, form.item.data, round_)] if form.item.data else round_.agenda
        if attempt(
            lambda: _assign_and_tell(round_, deputy, replaces, items),
            form=form,
            done=_(
                "%(deputy)s takes the seat of %(member)s.",
                deputy=deputy.member.name,
                member=replaces.member.name,
            ),
        ):
            return redirect(url_for("rounds.detail", round_id=round_id, _anchor="deputies"))
    return _detail_page(round_, deputy_form=form)


def _assign_and_tell(
    round_: Round, deputy: RoundMember, replaces: RoundMember, items: list[AgendaItem]
) -> None:
    """Record the substitution and, in writing, mail the deputy their ballot link."""
    deputies.assign(round_, deputy, replaces, items, actor=current_user.actor)
    if round_.mode == "circulation":
        rounds.mail_ballot(deputy, purpose="ballot.invitation", template="ballot_invitation")


@bp.post("/rounds/<int:round_id>/deputies/<int:substitution_id>/withdraw")
@login_required
def withdraw_deputy(round_id: int, substitution_id: int):
    """Take back a deputy's seat on one application."""
    round_ = _round(round_id)
    substitution = _of_round(Substitution, substitution_id, round_)
    return _on_round(
        round_id,
        lambda: deputies.withdraw(substitution, actor=current_user.actor),
        _("The deputy no longer takes the seat on this application."),
    )


@bp.post("/rounds/<int:round_id>/conflicts")
@login_required
def rule_conflict(round_id: int):
    """Record the body's decision on a member's conflict of interest on one application."""
    round_ = _listed_round(round_id)
    form = _ruling_form(round_)
    if form.validate_on_submit():
        participant = _of_round(RoundMember, form.participant.data, round_)
        item = _of_round(AgendaItem, form.item.data, round_)
        if attempt(
            lambda: conflicts.rule(
                participant,
                item,
                excluded=form.excluded.data == "yes",
                reason=form.reason.data,
                left_room={"yes": True, "no": False}.get(form.left_room.data or ""),
                actor=current_user.actor,
            ),
            form=form,
            done=_("The body's decision on the conflict of interest is recorded."),
        ):
            return redirect(url_for("rounds.detail", round_id=round_id, _anchor="conflicts"))
    return _detail_page(round_, ruling_form=form)


def _meeting_grid(round_: Round) -> dict:
    """Votes and conflicts by (member id, item id), for the meeting record."""
    from ...models import ConflictDeclaration, Vote

    item_ids = [item.id for item in round_.agenda]
    votes = {
        (v.member_id, v.agenda_item_id): v.choice
        for v in db.session.scalars(db.select(Vote).where(Vote.agenda_item_id.in_(item_ids)))
    }
    conflicts = {
        (c.member_id, c.agenda_item_id): c.reason
        for c in db.session.scalars(
            db.select(ConflictDeclaration).where(ConflictDeclaration.agenda_item_id.in_(item_ids))
        )
    }
    present = {participant.id: bool(participant.present) for participant in round_.participants}
    # The form shows the record as stored, and its hidden `shown-…` twins say the same.
    return {
        "present": present,
        "votes": votes,
        "conflicts": conflicts,
        "shown_present": present,
        "shown_votes": votes,
        "shown_conflicts": conflicts,
    }


def _sent_grid(round_: Round, form: Any) -> dict:
    """The meeting record as a refused save sent it, to show again for correcting.

    The hidden `shown-…` twins keep what the page first showed, not what is stored now: the
    corrected save then stores only what staff changed, and still refuses what a colleague
    changed meanwhile (see _record).
    """
    names = ("present", "votes", "conflicts")
    grid: dict[str, dict] = {f"{shown}{name}": {} for shown in ("", "shown_") for name in names}
    for participant in round_.participants:
        for shown, field in (("", ""), ("shown_", "shown-")):
            sent_present = form.get(f"{field}present-{participant.id}") == "y"
            grid[f"{shown}present"][participant.id] = sent_present
            for item in round_.agenda:
                key, cell = (participant.member_id, item.id), f"{participant.id}-{item.id}"
                grid[f"{shown}votes"][key] = form.get(f"{field}vote-{cell}", "")[:20]
                grid[f"{shown}conflicts"][key] = form.get(f"{field}conflict-{cell}", "")[:2000]
    return grid


def _on_round(round_id: int, action: Callable[[], Any], done: str | Callable[[Any], str]):
    """Run the staff's change as the request's unit of work and go back to the round page."""
    attempt(action, done=done)
    return redirect(url_for("rounds.detail", round_id=round_id))


@bp.post("/rounds/<int:round_id>/agenda")
@login_required
def agenda(round_id: int):
    """Choose the agenda from the body's ready applications and order it."""
    round_ = _round(round_id)
    # isdecimal, not isdigit: int() refuses digits like "²"; an id beyond MAX_ID names no row.
    chosen = [
        int(v)
        for v in request.form.getlist("application")
        if v.isdecimal() and len(v) < 20 and int(v) <= MAX_ID
    ]
    order = {app_id: request.form.get(f"position-{app_id}", "") for app_id in chosen}
    chosen.sort(
        key=lambda app_id: (int(order[app_id]) if order[app_id].isdecimal() else 10**6, app_id)
    )
    return _on_round(round_id, lambda: rounds.set_agenda(round_, chosen), _("The agenda is saved."))


def _round_step(step: str, done: str | Callable[[Any], str]):
    """Register `change(round_)` as the POST view .../<step> of a round, back to its page after."""

    def register(change: Callable[[Round], Any]):
        @bp.post(f"/rounds/<int:round_id>/{step}", endpoint=change.__name__)
        @login_required
        @wraps(change)
        def view(round_id: int):
            round_ = _round(round_id)
            return _on_round(round_id, lambda: change(round_), done)

        return view

    return register


@bp.post("/rounds/<int:round_id>/open")
@login_required
def open_round(round_id: int):
    """Open the round: rule and members are frozen and every member gets a ballot link.

    A body that breaks its own composition rule opens only with a reason and a ticked box.
    """
    round_ = _round(round_id)
    reason = text_value(request.form.get("composition_reason", "")).strip()[:3000]
    if reason and request.form.get("confirm") != "y":
        flash(_("Please tick the box to confirm that the round opens anyway."), "error")
        return redirect(url_for("rounds.detail", round_id=round_id, _anchor="open"))
    return _on_round(
        round_id,
        lambda: rounds.open_round(round_, actor=current_user.actor, composition_reason=reason),
        lambda count: _("The round is open; %(count)s members got their ballot link.", count=count),
    )


@_round_step("remind", lambda count: _("Reminder sent to %(count)s members.", count=count))
def remind(round_: Round):
    """Mail a reminder to every member who has not voted on everything."""
    return rounds.send_reminders(round_)


@bp.post("/rounds/<int:round_id>/close")
@login_required
def close(round_id: int):
    """Close the round: every item is tallied under the frozen rule (early: reason, confirmed)."""
    round_ = _round(round_id)
    reason = text_value(request.form.get("reason", "")).strip()[:3000]
    if reason and request.form.get("confirm") != "y":
        flash(
            _("Please tick the box to confirm that the round closes before its deadline."), "error"
        )
        return redirect(url_for("rounds.detail", round_id=round_id, _anchor="close"))
    return _on_round(
        round_id,
        lambda: rounds.close_round(round_, actor=current_user.actor, early_reason=reason),
        _(
            "The round is closed. Please confirm the amounts of the approved applications "
            "and the reasons of the rejected ones."
        ),
    )


@bp.post("/rounds/<int:round_id>/members")
@login_required
def add_member(round_id: int):
    """Let a member who joined the body after the round opened take part in it."""
    round_ = _round(round_id)
    member_id = request.form.get("member", type=int)
    member = db.session.get(Member, member_id) if member_id and 0 < member_id <= MAX_ID else None
    if member is None or member.body_id != round_.body_id:
        abort(404)
    return _on_round(
        round_id,
        lambda: rounds.add_participant(round_, member, actor=current_user.actor),
        _("%(name)s takes part in this round and got a ballot link.", name=member.name),
    )


@bp.post("/rounds/<int:round_id>/participants/<int:participant_id>/revoke")
@login_required
def revoke(round_id: int, participant_id: int):
    """End one member's access to this round's ballot at once."""
    participant = _of_round(RoundMember, participant_id, _round(round_id))
    return _on_round(
        round_id,
        lambda: rounds.revoke(participant, actor=current_user.actor),
        _("The ballot link of %(name)s no longer works.", name=participant.member.name),
    )


@bp.post("/rounds/<int:round_id>/participants/<int:participant_id>/new-link")
@login_required
def reissue_link(round_id: int, participant_id: int):
    """Mail one member a new ballot link; the one they had stops working (lost or passed on)."""
    participant = _of_round(RoundMember, participant_id, _round(round_id))
    return _on_round(
        round_id,
        lambda: rounds.reissue_link(participant, actor=current_user.actor),
        _(
            "%(name)s gets a new ballot link by mail; the earlier link no longer works.",
            name=participant.member.name,
        ),
    )


@bp.post("/rounds/<int:round_id>/record")
@login_required
def record(round_id: int):
    """Record a meeting: who is present, conflicts declared, and each member's vote."""
    round_ = _round(round_id)
    for _name, value in request.form.items(multi=True):
        text_value(value)  # a NUL anywhere refuses the whole record (400) before anything changes
    unmarked = _voting_but_not_present(round_, request.form)
    if unmarked:
        # A forgotten tick would drop these votes and change quorum and majority unseen:
        # nothing is saved, and the page shows the form again as typed, to tick or to clear.
        flash(_not_present_message(unmarked), "error")
        return _detail_page(
            _listed_round(round_id), grid=_sent_grid(round_, request.form), status=422
        )
    refused: list[DomainError] = []

    def save() -> None:
        """Store the record, keeping a refusal that comes back with the form as typed."""
        try:
            _record(round_)
        except DomainError as error:
            if error.reason in _TYPED_AGAIN:
                refused.append(error)
            raise

    if attempt(save, done=_("The meeting record is saved.")) or not refused:
        return redirect(url_for("rounds.detail", round_id=round_id))
    # Nothing was saved (flashed why); the form comes back as typed, to correct the one entry.
    return _detail_page(_listed_round(round_id), grid=_sent_grid(round_, request.form), status=422)


#: Refusals of a meeting record's save shown with the form as typed: a mistake in what was
#: typed, not a colleague's save meanwhile (meeting.record_changed shows the record as it is).
_TYPED_AGAIN = frozenset({"ballot.member_holds_seat", "meeting.deputy_voted_in_seat"})


def _voting_but_not_present(round_: Round, form: Any) -> list[str]:
    """The names of members the record form gives a vote but does not tick as present."""
    if round_.mode != "meeting" or round_.state != RoundState.OPEN:
        return []  # the save is refused anyway (ballot.round_closed)
    excluded = conflicts.excluded_pairs(round_)

    def votes(participant: RoundMember, item: AgendaItem) -> bool:
        """Whether the form sends a vote that would count (no conflict, not excluded)."""
        cell = f"{participant.id}-{item.id}"
        return (
            bool(form.get(f"vote-{cell}", ""))
            and not form.get(f"conflict-{cell}", "").strip()
            and (participant.member_id, item.id) not in excluded
        )

    return [
        participant.member.name
        for participant in round_.participants
        if form.get(f"present-{participant.id}") != "y"
        and any(votes(participant, item) for item in round_.agenda)
    ]


def _not_present_message(names: list[str]) -> str:
    """The refusal naming the members whose votes need the presence tick."""
    return ngettext(
        "%(names)s has a vote but is not marked present. Nothing was saved: please tick"
        " “Present” or remove the vote.",
        "%(names)s have votes but are not marked present. Nothing was saved: please tick"
        " “Present” or remove the votes.",
        len(names),
        names=format_list(names, locale=current_language()),
    )


def _record(round_: Round) -> None:
    """Store the meeting record sent in the form: presence, conflicts and votes.

    Only what the form changed from what it showed is stored. Each entry comes with a hidden
    `shown-…` twin holding what the page showed (none where it showed nothing): two staff
    typing one meeting's record, or one person in two tabs, each store what they entered, and
    a form loaded earlier neither clears nor overwrites what was recorded since. Where a
    colleague changed the same entry meanwhile to something else, the whole save is refused
    (meeting.record_changed): nothing either entered is lost unseen. Staff would rather have
    their colleague's entries kept and their own stored than retype the grid after every
    other save; they see the record as it is now after each.

    An unticked box records absence only where no presence is recorded yet. A member with no
    entry has nothing cleared, so a member who left the body before the meeting (whose vote
    could not be recorded) is no obstacle. A conflict declared here stays until the body
    decides otherwise (the ruling form); a member excluded from an item gets no vote on it. A
    vote for a member the form does not tick present never gets here (record refuses it).
    """
    staff = current_user.actor
    form = request.form
    current = ballots.meeting_record_now(round_)  # locked: saves go one after the other
    agenda = round_.agenda
    entries = []
    for participant in round_.participants:
        for item in agenda:
            key = (participant.member_id, item.id)
            cell = f"{participant.id}-{item.id}"
            reason = form.get(f"conflict-{cell}", "").strip()[:2000]
            shown_reason = form.get(f"shown-conflict-{cell}", "").strip()[:2000]
            choice = form.get(f"vote-{cell}", "")
            shown_choice = form.get(f"shown-vote-{cell}", "")
            # An emptied reason changes nothing: only the body lifts a declared conflict.
            declare = bool(reason) and _changed(shown_reason, reason, current.reasons.get(key, ""))
            vote = _changed(shown_choice, choice, current.votes.get(key, ""))
            entries.append((participant, item, reason, declare, choice, vote))
    presence = []
    for participant in round_.participants:
        sent = form.get(f"present-{participant.id}") == "y"
        shown = form.get(f"shown-present-{participant.id}") == "y"
        # A box has two states: a colleague who changed it meanwhile changed it as this form
        # does, or this form left it as shown (and it stays as the colleague saved it).
        if sent != shown or current.present.get(participant.id) is None:
            presence.append((participant, sent))
    # Absences first (they withdraw the member's votes), then conflicts declared and votes
    # cleared, then presences: a member ticked present in the same save that removes their
    # deputy's vote takes their seat back (ballots.set_presence refuses it while the
    # deputy's vote stands), and then the votes.
    for participant, sent in presence:
        if not sent:
            ballots.set_presence(participant, False, actor=staff)
    for participant, item, reason, declare, choice, vote in entries:
        if declare:
            ballots.declare_conflict(participant, item, reason, actor=staff)
        if vote and not choice:
            ballots.clear_vote(participant, item, actor=staff)
    for participant, sent in presence:
        if sent:
            ballots.set_presence(participant, True, actor=staff)
    excluded = conflicts.excluded_pairs(round_)
    for participant, item, reason, _declare, choice, vote in entries:
        if not vote or not choice:
            continue
        voting = not reason and (participant.member_id, item.id) not in excluded
        if voting and not participant.present:
            # The form ticked the member (record() refuses a vote without the tick), so a
            # colleague's save took the tick away meanwhile: refused whole, never dropped.
            raise DomainError("meeting.record_changed")
        elif voting:
            ballots.cast_vote(participant, item, choice, actor=staff)


def _changed(shown: str, sent: str, current: str) -> bool:
    """Whether the form changed an entry of the meeting record from what it showed; refused
    when a colleague's save changed it meanwhile to something else (see _record)."""
    if sent == shown:
        return False
    if current not in (shown, sent):
        raise DomainError("meeting.record_changed")
    return True


@bp.route("/rounds/<int:round_id>/items/<int:item_id>/confirm", methods=["GET", "POST"])
@login_required
def confirm(round_id: int, item_id: int):
    """Confirm an approved item's amount, or a rejected item with the body's reasons."""
    round_ = _round(round_id)
    item = _of_round(AgendaItem, item_id, round_)
    if item.result == Outcome.REJECTED:
        return _confirm_rejection(round_, item)
    form = ConfirmForm()
    if not form.is_submitted():
        form.amount.data = item.application.requested_cents
    if form.validate_on_submit() and attempt(
        lambda: decisions.confirm_approval(
            item,
            amount_cents=form.amount.data,
            conditions=form.conditions.data or "",
            reasons=form.reasons.data or "",
            actor=current_user.actor,
        ),
        form=form,
        done=_("The approval of “%(title)s” is recorded and booked.", title=item.application.title),
    ):
        return redirect(url_for("rounds.detail", round_id=round_.id))
    # The money and the year the confirmation books into (decisions.fund_year_for_decision),
    # not today's year: a December decision is confirmed in January against December's money.
    years = booking_years(round_)
    booked_in = years.get(item.application.fund_id)
    return render_template(
        "rounds/confirm.html",
        round=round_,
        item=item,
        form=form,
        available=money_left(round_, years),
        booking_year=booked_in.year if booked_in is not None else None,
    )


def _confirm_rejection(round_: Round, item: AgendaItem):
    """The rejection form: the reasons are required and go into the letter."""
    form = RejectionForm()
    if form.validate_on_submit() and attempt(
        lambda: decisions.confirm_rejection(
            item, reasons=form.reasons.data or "", actor=current_user.actor
        ),
        form=form,
        done=_(
            "The rejection of “%(title)s” is recorded and the letter is sent.",
            title=item.application.title,
        ),
    ):
        return redirect(url_for("rounds.detail", round_id=round_.id))
    return render_template("rounds/confirm_rejection.html", round=round_, item=item, form=form)


@bp.route("/decisions/<int:decision_id>/correct", methods=["GET", "POST"])
@login_required
def correct(decision_id: int):
    """Correct an approved decision's amount or conditions, as a new decision with a reason."""
    decision = db.get_or_404(Decision, decision_id)
    require_area(decision.application.area)
    form = CorrectionForm()
    if not form.is_submitted():
        form.amount.data, form.conditions.data = decision.approved_cents, decision.conditions
        form.reasons.data = decision.reasons
    if form.validate_on_submit() and attempt(
        lambda: decisions.correct_decision(
            decision,
            amount_cents=form.amount.data,
            conditions=form.conditions.data or "",
            reason=form.reason.data,
            reasons=form.reasons.data or "",
            actor=current_user.actor,
        ),
        form=form,
        done=_("The correction is recorded."),
    ):
        return redirect(url_for("review.detail", application_id=decision.application_id))
    return render_template("rounds/correct.html", decision=decision, form=form)


def _minutes_data(round_id: int) -> minutes_.Minutes:
    """The minutes of a round of the staff member's areas (404 for a draft)."""
    data = minutes_.gather(round_id) or abort(404)
    require_area(data.round.body.area)
    return data


def _minutes_context(data: minutes_.Minutes) -> dict[str, Any]:
    """What the minutes show besides their data: when generated, whose vote decides a tie."""
    return {"generated": clock.now(), "casting_vote": rounds.casting_vote_of(data.round)}


@bp.get("/rounds/<int:round_id>/minutes")
@login_required
def minutes(round_id: int):
    """The round's minutes (Protokoll, § 93 VwVfG), with links to the print view and the PDF."""
    data = _minutes_data(round_id)
    return render_template("rounds/minutes.html", m=data, **_minutes_context(data))


@bp.get("/rounds/<int:round_id>/minutes/print")
@login_required
def minutes_print(round_id: int):
    """The minutes as a page of their own for printing (also the PDF's source)."""
    data = _minutes_data(round_id)
    return render_template("rounds/minutes_print.html", m=data, **_minutes_context(data))


@bp.get("/rounds/<int:round_id>/minutes.pdf")
@login_required
def minutes_pdf(round_id: int):
    """The minutes as a PDF document, rendered from the print view."""
    data = _minutes_data(round_id)
    html = render_template("rounds/minutes_print.html", m=data, **_minutes_context(data))
    return pdf_response(html, f"minutes-{data.round.id}.pdf")
