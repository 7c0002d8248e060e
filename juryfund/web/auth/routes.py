"""Staff login and logout."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from ...domain.actors import Actor
from ...extensions import db, login_manager
from ...infra import audit
from ...models import StaffUser
from ...services import accounts
from ..redirects import safe_next_path
from ..security import limit, start_staff_session
from .forms import LoginForm

bp = Blueprint("auth", __name__, url_prefix="/staff")


@login_manager.user_loader
def load_user(identity: str) -> StaffUser | None:
    """Find the user of a session; a stale session version means logged out."""
    user_id, _sep, version = identity.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(StaffUser, int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


login_manager.login_view = "auth.login"
login_manager.login_message = None  # the login page explains itself


def safe_next(target: str | None) -> str:
    """Follow `next` only within this site; otherwise go to the staff start page."""
    return safe_next_path(target) or url_for("staff.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limit("JURYFUND_LIMIT_LOGIN")
def login():
    """Show the login form and log a staff member in."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        lockout = accounts.Lockout(
            current_app.config["JURYFUND_LOCKOUT_ATTEMPTS"],
            current_app.config["JURYFUND_LOCKOUT_MINUTES"],
        )
        user = accounts.authenticate(form.email.data, form.password.data, lockout)
        if user is not None:
            audit.record("login", actor=user.actor, object_type="staff_user", object_id=user.id)
            db.session.commit()
            session.clear()  # a fresh session at login: nothing carried over from before
            login_user(user)
            start_staff_session()
            return redirect(safe_next(request.args.get("next")))
        known = accounts.find_staff_by_email(form.email.data)
        audit.record(
            "login.failed",
            actor=Actor.anonymous(),
            object_type="staff_user",
            object_id=known.id if known is not None else "unknown",
            email=accounts.normalise_email(form.email.data)[:254],
        )
        db.session.commit()
        # One message whatever was wrong (a locked account too), so the form does not reveal
        # which emails exist or which accounts are locked.
        form.form_errors.append(
            _(
                "Email or password is wrong. After %(attempts)s failed attempts in a row an "
                "account is locked for %(minutes)s minutes.",
                attempts=lockout.attempts,
                minutes=lockout.minutes,
            )
        )
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out here and end every other session of this account."""
    accounts.end_all_sessions(current_user)
    audit.record(
        "logout",
        actor=current_user.actor,
        object_type="staff_user",
        object_id=current_user.id,
    )
    db.session.commit()
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("public.index"))
