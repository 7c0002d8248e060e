"""Error pages in the visitor's language, never a bare stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from ..extensions import db
from .retry import DatabaseBusy

MESSAGES = {
    400: (
        _l("Bad request"),
        _l("The request could not be understood. Please go back and try again."),
    ),
    403: (_l("Not allowed"), _l("You do not have access to this page.")),
    404: (_l("Not found"), _l("There is no page at this address.")),
    405: (_l("Not allowed"), _l("This action is not possible here.")),
    413: (_l("Too large"), _l("What you sent is too large. Please send smaller files.")),
    429: (_l("Too many requests"), _l("Please wait a moment and try again.")),
    500: (
        _l("Something went wrong"),
        _l("We could not finish this. Nothing was saved; please try again."),
    ),
    # The database stayed busy through every retry: the same calm words, nothing was saved.
    503: (
        _l("Too many requests"),
        _l("We could not finish this. Nothing was saved; please try again."),
    ),
}


def render_error(code: int):
    """The error page for an HTTP status code."""
    title, text = MESSAGES.get(code, MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, text=text), code


def register_error_handlers(app: Flask) -> None:
    """Show friendly, translated pages for HTTP errors, expired forms and crashes."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        """A form sent without a valid security token (expired session or forged request)."""
        title = _l("Form expired")
        text = _l(
            "The form was open too long or sent from elsewhere. Please go back, reload and send it again."
        )
        return render_template("errors/error.html", code=400, title=title, text=text), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        """Known HTTP errors get their translated page."""
        if error.code is None or error.code < 400:
            return error
        return render_error(error.code)

    @app.errorhandler(DatabaseBusy)
    def busy(error: DatabaseBusy):
        """The database stayed busy: nothing was saved, and the person can simply try again."""
        db.session.rollback()
        return render_error(503)

    @app.errorhandler(Exception)
    def crash(error: Exception):
        """Roll back whatever the request changed and show a calm page."""
        db.session.rollback()
        app.logger.exception("unhandled error")
        return render_error(500)
