"""Decision letters as a print view and a PDF, for staff and for the applicant's status page."""

from __future__ import annotations

from pathlib import Path

from flask import abort, current_app, g, render_template
from flask_babel import force_locale

from ..domain.voting import Outcome
from ..models import Application, Decision
from ..services import decisions, proofs
from .pdf import pdf_response

#: Outcomes that are told in a letter (no quorum is not a decision on the application).
LETTER_OUTCOMES = frozenset({Outcome.APPROVED.value, Outcome.REJECTED.value})


def letter_decision(application: Application) -> Decision | None:
    """The confirmed decision in force that a letter tells, if there is one."""
    decision = decisions.current_decision(application)
    return decision if decision is not None and decision.outcome in LETTER_OUTCOMES else None


def letter_html(application: Application) -> str:
    """The printable letter in the applicant's language with the German text (404 if none)."""
    decision = letter_decision(application) or abort(404)
    g.area = application.area  # dates in the area's time zone
    # The date fixed when the proof was started is the one the status page shows; the fund's
    # current weeks only apply to proofs not started yet.
    proof = proofs.find(application)
    # The letter is the applicant's whatever language the page visitor reads in.
    with force_locale(application.language):
        return render_template(
            "letters/print.html",
            application=application,
            decision=decision,
            body=decisions.deciding_body(decision) or application.fund.body,
            area=application.area,
            fund=application.fund,
            proof_due=proof.due_on if proof is not None else proofs.due_date(application),
            language=application.language,
        )


def letter_pdf(application: Application):
    """The letter as a PDF download named after the application's reference."""
    css = (Path(current_app.static_folder or "static") / "letter.css").read_text(encoding="utf-8")
    return pdf_response(letter_html(application), f"letter-{application.reference}.pdf", css=css)
