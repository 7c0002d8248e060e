"""Staff set-up pages: area overview, funds, fund years, bodies and members."""

from __future__ import annotations

from fractions import Fraction

from flask import Blueprint, abort, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...domain.errors import DomainError
from ...extensions import db
from ...infra import clock
from ...models import Area, Body, Fund, FundSession, Member, Round
from ...services import deputies, ledger, sessions, setup, todos
from ..fields import field_data, options
from ..permissions import require_area
from ..review.forms import TODO_LABELS
from ..transparency.widgets import snippets
from ..unit_of_work import attempt
from .forms import (
    BodyForm,
    FundForm,
    FundYearForm,
    MemberForm,
    ObjectionNoticeForm,
    SessionForm,
)

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@login_required
def dashboard():
    """The areas this staff member works in (all areas for admins), each with its to-dos."""
    if current_user.is_admin:
        areas = db.session.scalars(select(Area).order_by(Area.name)).all()
    else:
        areas = sorted(current_user.areas, key=lambda area: area.name)
    return render_template(
        "staff/dashboard.html",
        areas=areas,
        todos=todos.todos_of_areas(areas),
        todo_labels=TODO_LABELS,
        now=clock.now(),
    )


@bp.get("/areas/<int:area_id>")
@login_required
def area(area_id: int):
    """An area's funds with this year's balances, and its bodies."""
    area = db.session.scalar(
        select(Area)
        .where(Area.id == area_id)
        .options(
            selectinload(Area.funds).selectinload(Fund.years),
            selectinload(Area.funds).joinedload(Fund.body),
            selectinload(Area.bodies).selectinload(Body.members),
        )
    )
    if area is None:
        abort(404)
    require_area(area)
    year_ids = [fy.id for fund in area.funds for fy in fund.years]
    return render_template(
        "staff/area.html",
        area=area,
        balances=ledger.balances_by_year(year_ids),
        today=clock.area_today(area),
        widgets=snippets(area),
    )


@bp.route("/areas/<int:area_id>/funds/new", methods=["GET", "POST"])
@bp.route("/funds/<int:fund_id>/edit", methods=["GET", "POST"])
@login_required
def fund_form(area_id: int | None = None, fund_id: int | None = None):
    """Create a fund in an area or change its rules."""
    fund = db.get_or_404(Fund, fund_id) if fund_id else None
    area = require_area(fund.area if fund else db.get_or_404(Area, area_id))
    form = FundForm(obj=fund)
    form.body.choices = options((b.id, b.name) for b in area.bodies)
    if fund is not None and not form.is_submitted():
        form.cap.data, form.minimum.data = fund.cap_cents, fund.minimum_cents or None
        form.body.data, form.eligible_categories.data = fund.body_id, fund.category_list
        form.presentation_threshold.data = fund.presentation_threshold_cents
    if not area.bodies:
        form.form_errors.append(_("Set up the deciding body (jury or council) first."))
    elif form.validate_on_submit() and attempt(
        lambda: setup.save_fund(
            fund,
            area,
            **field_data(
                form,
                "kind",
                "name",
                "lead_time_days",
                "eligible_categories",
                "carry_over",
                "proof_weeks",
                "retention_years",
                "fee_rule",
                "fee_cap_cents",
                "fee_cap_bp",
            ),
            own_share_bp=form.own_share_bp.data or 0,
            hour_rate_cents=form.hour_rate_cents.data or 0,
            allowance_bp=form.allowance_bp.data or 0,
            body=db.session.get(Body, form.body.data),
            cap_cents=form.cap.data,
            minimum_cents=form.minimum.data or 0,
            presentation_threshold_cents=form.presentation_threshold.data,
            description=form.description.data or "",
            actor=current_user.actor,
        ),
        form=form,
        done=lambda saved: _("The fund “%(name)s” is saved.", name=saved.name),
    ):
        return redirect(url_for("staff.area", area_id=area.id))
    return render_template("staff/fund_form.html", form=form, area=area, fund=fund)


@bp.route("/areas/<int:area_id>/objection-notice", methods=["GET", "POST"])
@login_required
def objection_notice(area_id: int):
    """Set the notice on how to object that the area's decision letters carry."""
    area = require_area(db.get_or_404(Area, area_id))
    form = ObjectionNoticeForm()
    if not form.is_submitted():
        form.notice.data = area.objection_notice
    if form.validate_on_submit() and attempt(
        lambda: setup.save_objection_notice(area, form.notice.data or "", actor=current_user.actor),
        form=form,
        done=_("The notice on how to object is saved."),
    ):
        return redirect(url_for("staff.area", area_id=area.id))
    return render_template("staff/objection_notice.html", form=form, area=area)


@bp.route("/funds/<int:fund_id>/years/new", methods=["GET", "POST"])
@login_required
def fund_year_form(fund_id: int):
    """Open a fund year with its allocation."""
    fund = db.get_or_404(Fund, fund_id)
    require_area(fund.area)
    form = FundYearForm()
    if not form.is_submitted():
        form.year.data = clock.area_today(fund.area).year
    if form.validate_on_submit() and attempt(
        lambda: setup.open_fund_year(
            fund,
            year=form.year.data,
            allocation_cents=form.allocation.data,
            period_start=form.period_start.data,
            period_end=form.period_end.data,
            actor=current_user.actor,
        ),
        form=form,
        done=_("Fund year %(year)s is open.", year=form.year.data),
    ):
        return redirect(url_for("staff.area", area_id=fund.area_id))
    return render_template("staff/fund_year_form.html", form=form, fund=fund)


@bp.route("/funds/<int:fund_id>/sessions", methods=["GET", "POST"])
@login_required
def fund_sessions(fund_id: int):
    """A fund's jury sessions with their application deadlines, and a form to announce one."""
    fund = db.get_or_404(Fund, fund_id)
    require_area(fund.area)
    form = SessionForm()
    if form.validate_on_submit() and attempt(
        lambda: sessions.add_session(
            fund,
            meets_on=form.meets_on.data,
            apply_by=form.apply_by.data,
            place=form.place.data or "",
            note=form.note.data or "",
            actor=current_user.actor,
        ),
        form=form,
        done=_("The session is announced."),
    ):
        return redirect(url_for("staff.fund_sessions", fund_id=fund.id))
    return render_template(
        "staff/sessions.html", fund=fund, form=form, today=clock.area_today(fund.area)
    )


@bp.post("/sessions/<int:session_id>/remove")
@login_required
def remove_session(session_id: int):
    """Withdraw an announced session that has not met yet."""
    session = db.get_or_404(FundSession, session_id)
    require_area(session.fund.area)
    back = url_for("staff.fund_sessions", fund_id=session.fund_id)
    if FlaskForm().validate_on_submit():
        attempt(
            lambda: sessions.remove_session(session, actor=current_user.actor),
            done=_("The session is withdrawn."),
        )
    return redirect(back)


@bp.route("/areas/<int:area_id>/bodies/new", methods=["GET", "POST"])
@bp.route("/bodies/<int:body_id>/edit", methods=["GET", "POST"])
@login_required
def body_form(area_id: int | None = None, body_id: int | None = None):
    """Create a jury or council, or change its name and voting rule."""
    body = db.get_or_404(Body, body_id) if body_id else None
    area = require_area(body.area if body else db.get_or_404(Area, area_id))
    form = BodyForm(obj=body)
    if body is None:
        del form.tie_breaker  # a new body has no members yet, so no chair to choose
    else:
        candidates = body.voting_members(clock.area_today(body.area))
        chair = body.tie_breaker
        if chair is not None and chair.removed_at is None and chair not in candidates:
            candidates.append(chair)  # keep a chair between terms rather than drop them unseen
        form.tie_breaker.choices = options(
            [(0, _("No chair decides ties"))] + [(m.id, m.name) for m in candidates]
        )
        if not form.is_submitted():
            form.tie_breaker.data = body.tie_breaker_id or 0
    if form.validate_on_submit():
        chair_id = form.tie_breaker.data if body is not None else 0
        saved = attempt(
            lambda: setup.save_body(
                body,
                area,
                **field_data(
                    form,
                    "kind",
                    "name",
                    "quorum_strict",
                    "quorum_minimum",
                    "majority",
                    "abstain_counts_as_no",
                    "min_members",
                    "min_residents",
                    "residents_majority",
                    "min_age",
                    "repeat_quorate",
                ),
                quorum=_quorum(form),
                tie_breaker=db.session.get(Member, chair_id) if chair_id else None,
                actor=current_user.actor,
            ),
            form=form,
            done=lambda saved: _("The body “%(name)s” is saved.", name=saved.name),
        )
        if saved:
            return redirect(url_for("staff.body", body_id=saved.result.id))
    return render_template("staff/body_form.html", form=form, area=area, body=body)


def _quorum(form: BodyForm) -> Fraction:
    """The quorum share typed as numerator and denominator; out of range is the domain's call."""
    numerator, denominator = form.quorum_numerator.data, form.quorum_denominator.data
    if numerator > denominator:
        raise DomainError("rule.quorum_range", field="quorum_numerator")
    return Fraction(numerator, denominator)


@bp.get("/bodies/<int:body_id>")
@login_required
def body(body_id: int):
    """A body's rule, its members (current and former) and its rounds."""
    body = db.get_or_404(Body, body_id)
    require_area(body.area)
    body_rounds = db.session.scalars(
        select(Round)
        .where(Round.body_id == body.id)
        .order_by(Round.created_at.desc(), Round.id.desc())
    ).all()
    today = clock.area_today(body.area)
    return render_template(
        "staff/body.html",
        body=body,
        today=today,
        rounds=body_rounds,
        problems=deputies.problems_on(body, today),
    )


@bp.route("/bodies/<int:body_id>/members/new", methods=["GET", "POST"])
@bp.route("/members/<int:member_id>/edit", methods=["GET", "POST"])
@login_required
def member_form(body_id: int | None = None, member_id: int | None = None):
    """Add a member to a body or change one."""
    member = db.get_or_404(Member, member_id) if member_id else None
    body = member.body if member else db.get_or_404(Body, body_id)
    require_area(body.area)
    form = MemberForm(obj=member)
    if member is None and not form.is_submitted():
        # The area's today, not the server's: after 23:00 UTC it is already tomorrow in Berlin.
        form.term_start.data = clock.area_today(body.area)
    if form.validate_on_submit() and attempt(
        lambda: setup.save_member(
            member,
            body,
            **field_data(
                form,
                "name",
                "email",
                "organisation",
                "language",
                "role",
                "seat",
                "successor_rank",
                "birth_date",
                "age_confirmed",
                "term_start",
                "term_end",
            ),
            actor=current_user.actor,
        ),
        form=form,
        done=lambda saved: _("%(name)s is saved as a member.", name=saved.name),
    ):
        return redirect(url_for("staff.body", body_id=body.id))
    return render_template("staff/member_form.html", form=form, body=body, member=member)


@bp.post("/members/<int:member_id>/move-up")
@login_required
def move_up(member_id: int):
    """Let a successor step in as a full member of their body from today."""
    member = db.get_or_404(Member, member_id)
    require_area(member.body.area)
    if FlaskForm().validate_on_submit():
        attempt(
            lambda: deputies.move_up(member, actor=current_user.actor),
            done=_("%(name)s is now a full member.", name=member.name),
        )
    return redirect(url_for("staff.body", body_id=member.body_id))


@bp.post("/members/<int:member_id>/remove")
@login_required
def remove_member(member_id: int):
    """Take a member off their body."""
    member = db.get_or_404(Member, member_id)
    require_area(member.body.area)
    back = url_for("staff.body", body_id=member.body_id)
    if FlaskForm().validate_on_submit():
        attempt(
            lambda: setup.remove_member(member, actor=current_user.actor),
            done=_("%(name)s is no longer a member.", name=member.name),
        )
    return redirect(back)
