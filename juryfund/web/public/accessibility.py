"""The accessibility statement and the form to report a barrier (BITV 2.0 § 7)."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy import select

from ...extensions import db
from ...models import Area
from ...services import accessibility as statements
from ..fields import options
from ..i18n import current_language
from ..pagecache import public_page
from ..security import limit
from ..unit_of_work import attempt
from .forms import FeedbackForm
from .routes import bp


@bp.get("/accessibility")
@public_page
def accessibility():
    """The accessibility statement: conformity, known gaps, last check, feedback and enforcement."""
    return render_template("public/accessibility.html", statement=statements.statement())


@bp.route("/accessibility/feedback", methods=["GET", "POST"])
@limit("JURYFUND_LIMIT_RESEND")
def accessibility_feedback():
    """Report a barrier: the message reaches the QM team through the outbox."""
    form = FeedbackForm()
    areas = db.session.execute(select(Area.id, Area.name).order_by(Area.name)).all()
    form.area.choices = options(
        [("", _("Not about one neighbourhood")), *((str(area_id), name) for area_id, name in areas)]
    )
    if form.validate_on_submit():
        sent = attempt(
            lambda: statements.send_feedback(
                message=form.message.data,
                page=form.page.data or "",
                name=form.name.data or "",
                email=form.email.data or "",
                area_id=int(form.area.data) if form.area.data else None,
                language=current_language(),
            ),
            form=form,
        )
        if sent:
            return render_template("public/accessibility_thanks.html")
    return render_template("public/accessibility_feedback.html", form=form)
