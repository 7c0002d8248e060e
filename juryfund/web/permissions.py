"""Permission checks for staff views; everything fails closed."""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from ..models import Area


def admin_required(view):
    """Only logged-in admins may call the view."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


def require_area(area: Area) -> Area:
    """Abort with 403 unless the logged-in staff member may manage this area."""
    if not current_user.can_manage_area(area):
        abort(403)
    return area


def works_in(area_id: int) -> bool:
    """Whether the logged-in staff member works in the area (not an administrator looking in
    from outside): bank details are for the area's own staff only."""
    return any(area.id == area_id for area in current_user.areas)
