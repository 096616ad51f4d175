"""Readable error pages in the user's language."""

from __future__ import annotations

from flask import Flask, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from questionnaire.extensions import db

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Go back and try again.")),
    403: (_l("Not allowed"), _l("Your account does not give you access to this page.")),
    404: (_l("Page not found"), _l("There is no page at this address, or it is not available to you.")),
    405: (_l("Not allowed"), _l("This page cannot be used this way.")),
    409: (_l("Conflict"), _l("Someone else changed this in the meantime.")),
    413: (_l("Too large"), _l(
        "What you sent is larger than the platform accepts. Send a smaller file or fewer fields."
    )),
    429: (_l("Too many attempts"), _l(
        "There were too many attempts from your address. Wait a minute and try again."
    )),
    500: (_l("Something went wrong"), _l(
        "An unexpected error happened on our side. It has been logged. Nothing you saved before is lost."
    )),
}


def render_error(code: int, detail: str | None = None) -> tuple[str, int]:
    """The error page for a status code."""
    title, message = MESSAGES.get(code, MESSAGES[400] if code < 500 else MESSAGES[500])
    return render_template("errors/error.html", code=code, title=title, message=message, detail=detail), code


def register(app: Flask) -> None:
    """Install handlers for HTTP errors, CSRF failures and unexpected exceptions."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        return render_error(400, str(_l(
            "The form was missing its security token or the token has expired. "
            "Reload the page and submit it again."
        )))

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int] | HTTPException:
        if error.code is None or error.code < 400:
            return error
        if error.code >= 500:
            # Unexpected exceptions arrive here as InternalServerError (outside tests, which
            # propagate them); whatever the request had half-written is thrown away.
            db.session.rollback()
        return render_error(error.code)
