"""Each staff member's own notification settings: which notices, at once or in a daily digest."""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import BooleanField

from ...domain.notices import NoticeKind, parse_kinds
from ...services import accounts
from ..fields import AppForm, CheckboxesField, options
from ..unit_of_work import attempt
from .routes import bp

#: What each notice kind means, as staff choose it.
NOTICE_LABELS = {
    NoticeKind.APPLICATION_NEW: _l("A new application came in"),
    NoticeKind.APPLICATION_RESUBMITTED: _l("A returned application was sent again"),
    NoticeKind.PROOF_SUBMITTED: _l("A proof of use was sent"),
    NoticeKind.PROOF_OVERDUE: _l("A proof of use is overdue"),
    NoticeKind.PAYMENT_REQUESTED: _l("An applicant requested a payment"),
    NoticeKind.ROUND_OBJECTED: _l("A member objected to a written round"),
    NoticeKind.ROUND_QUORATE: _l("A written round became quorate"),
    NoticeKind.ROUND_COMPLETE: _l("All members have voted in a written round"),
    NoticeKind.ROUND_DEADLINE: _l("A written round ends tomorrow and votes are missing"),
}


class NoticesForm(AppForm):
    """The notices a staff member wants, and how."""

    kinds = CheckboxesField(
        _l("Tell me by mail when"),
        choices=options((kind.value, label) for kind, label in NOTICE_LABELS.items()),
        description=_l("For the areas you work in. The area's contact address gets every notice."),
    )
    digest = BooleanField(_l("Collect them in one mail a day instead of one mail each"))


@bp.route("/notices", methods=["GET", "POST"])
@login_required
def notices():
    """Choose the notices you get about your areas."""
    form = NoticesForm()
    if not form.is_submitted():
        form.kinds.data = sorted(kind.value for kind in parse_kinds(current_user.notify_kinds))
        form.digest.data = current_user.notify_digest
    if form.validate_on_submit() and attempt(
        lambda: accounts.set_notices(
            current_user,
            {NoticeKind(code) for code in form.kinds.data or ()},
            digest=bool(form.digest.data),
            actor=current_user.actor,
        ),
        form=form,
        done=_("Your notification settings are saved."),
    ):
        return redirect(url_for("staff.notices"))
    return render_template("staff/notices.html", form=form)
