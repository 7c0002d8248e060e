"""Administration: areas, staff accounts and the accessibility statement."""

from __future__ import annotations

from dataclasses import asdict

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ...domain.errors import DomainError
from ...extensions import db
from ...infra import clock
from ...models import Area, StaffUser
from ...services import accessibility as statements
from ...services import accounts, setup
from ..fields import REQUIRED, options
from ..permissions import admin_required
from ..unit_of_work import attempt
from .forms import AccessibilityStatementForm, AreaForm, StaffForm

bp = Blueprint("admin", __name__, url_prefix="/staff/admin")


@bp.get("/areas")
@admin_required
def areas():
    """List every area of the installation."""
    rows = db.session.scalars(select(Area).order_by(Area.name)).all()
    return render_template("admin/areas.html", areas=rows)


@bp.route("/areas/new", methods=["GET", "POST"])
@bp.route("/areas/<int:area_id>/edit", methods=["GET", "POST"])
@admin_required
def area_form(area_id: int | None = None):
    """Create an area or change its settings."""
    area = db.get_or_404(Area, area_id) if area_id else None
    form = AreaForm(obj=area)
    if area is not None and not form.is_submitted():
        form.languages.data = area.language_list
    if form.validate_on_submit():
        saved = attempt(
            lambda: setup.save_area(area, **_area_fields(form), actor=current_user.actor),
            form=form,
            done=lambda saved: _("The area “%(name)s” is saved.", name=saved.name),
        )
        if saved:
            return redirect(url_for("staff.area", area_id=saved.result.id))
    return render_template("admin/area_form.html", form=form, area=area)


def _area_fields(form: AreaForm) -> dict:
    """The service's keyword arguments from a validated area form."""
    return {
        "name": form.name.data,
        "slug": form.slug.data,
        "code": form.code.data,
        "city": form.city.data or "",
        "timezone": form.timezone.data.strip(),
        "languages": form.languages.data,
        "description": form.description.data or "",
        "action_fields": form.action_fields.data or "",
        "contact_email": form.contact_email.data or "",
        "widget_origins": form.widget_origins.data or "",
    }


def _refuse_self_lockout(user: StaffUser, *, role: str, active: bool) -> None:
    """An admin may not demote or deactivate their own account and lock everyone out."""
    if user.id == current_user.id and (role != "admin" or not active):
        raise DomainError("staff.self_lockout", field="role" if role != "admin" else "active")


@bp.get("/staff")
@admin_required
def staff():
    """List the staff and admin accounts."""
    rows = db.session.scalars(
        select(StaffUser).options(selectinload(StaffUser.areas)).order_by(StaffUser.name)
    ).all()
    return render_template("admin/staff.html", users=rows, now=clock.now())


@bp.route("/staff/new", methods=["GET", "POST"])
@bp.route("/staff/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def staff_form(user_id: int | None = None):
    """Create a staff account or change one."""
    user = db.get_or_404(StaffUser, user_id) if user_id else None
    all_areas = db.session.scalars(select(Area).order_by(Area.name)).all()
    form = StaffForm(obj=user)
    form.areas.choices = options((a.id, a.name) for a in all_areas)
    if user is not None and not form.is_submitted():
        form.areas.data = [a.id for a in user.areas]
    if user is not None:
        del form.email  # an account keeps its email; it is shown, not edited
    valid = form.validate_on_submit()
    if form.is_submitted() and user is None and not form.password.data:
        form.password.errors = [*form.password.errors, REQUIRED]  # a new account needs one
        valid = False
    if valid:
        chosen = [a for a in all_areas if a.id in (form.areas.data or [])]
        password_changed = bool(form.password.data)
        saved = attempt(lambda: _save_staff(user, form, chosen), form=form)
        if saved:
            if saved.result.id == current_user.id and password_changed:
                # The new password ends the account's other sessions, not this one.
                login_user(saved.result)
            flash(_("The account of %(name)s is saved.", name=saved.result.name), "success")
            return redirect(url_for("admin.staff"))
    return render_template(
        "admin/staff_form.html", form=form, user=user, now=clock.now(), unlock_form=FlaskForm()
    )


@bp.post("/staff/<int:user_id>/unlock")
@admin_required
def unlock_staff(user_id: int):
    """End an account's lock-out after failed logins before its time."""
    user = db.get_or_404(StaffUser, user_id)
    if FlaskForm().validate_on_submit():
        accounts.unlock(user, actor=current_user.actor)
        db.session.commit()
        flash(_("The account of %(name)s is unlocked.", name=user.name), "success")
    return redirect(url_for("admin.staff_form", user_id=user.id))


def _save_staff(user: StaffUser | None, form: StaffForm, chosen: list[Area]) -> StaffUser:
    """Create the account, or change it (an admin may not lock themselves out)."""
    if user is None:
        user = accounts.create_staff(
            email=form.email.data,
            name=form.name.data,
            password=form.password.data,
            role=form.role.data,
            areas=chosen,
            actor=current_user.actor,
        )
        user.active = form.active.data
        return user
    _refuse_self_lockout(user, role=form.role.data, active=form.active.data)
    accounts.update_staff(
        user,
        name=form.name.data,
        role=form.role.data,
        active=form.active.data,
        areas=chosen,
        password=form.password.data or "",
        actor=current_user.actor,
    )
    return user


@bp.route("/accessibility", methods=["GET", "POST"])
@admin_required
def accessibility_statement():
    """Edit the installation's accessibility statement (shown at /accessibility)."""
    current = statements.statement()
    form = AccessibilityStatementForm(data=asdict(current) if current.saved else None)
    if form.validate_on_submit():
        saved = attempt(
            lambda: statements.save_statement(
                conformity=form.conformity.data,
                known_gaps=form.known_gaps.data or "",
                checked_on=form.checked_on.data,
                checked_how=form.checked_how.data or "",
                contact_email=form.contact_email.data,
                enforcement_body=form.enforcement_body.data,
                actor=current_user.actor,
            ),
            form=form,
            done=_("The accessibility statement is saved."),
        )
        if saved:
            return redirect(url_for("admin.accessibility_statement"))
    return render_template("admin/accessibility.html", form=form, saved=current.saved)
