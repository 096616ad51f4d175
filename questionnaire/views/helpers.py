"""Small helpers shared by the views."""

from __future__ import annotations

from typing import TypeVar
from urllib.parse import urlsplit

from flask import abort, request, session
from flask import flash as flask_flash
from flask_babel import ngettext
from sqlalchemy.orm import DeclarativeBase

from questionnaire.extensions import db
from questionnaire.services.mail import undelivered

M = TypeVar("M", bound=DeclarativeBase)


def flash(message: str, category: str = "message") -> None:
    """Flask's flash, except that a message already waiting to be shown is not queued again.

    Flashes live in the session cookie until a page shows them: a user saving the same form again
    and again before the next page (double clicks, several tabs, a script) would otherwise see the
    message repeated, and every request would read and re-sign an ever longer cookie.
    """
    if any(tuple(pending) == (category, message) for pending in session.get("_flashes", ())):
        return
    flask_flash(message, category)


def warn_undelivered() -> list[str]:
    """After a commit: tell the user which e-mails of the action could not be sent (they were logged too)."""
    missed = undelivered()
    if missed:
        flash(ngettext("%(num)d e-mail could not be sent (%(emails)s): the mail server did not take it. "
                       "The action itself is saved; send it again later.",
                       "%(num)d e-mails could not be sent (%(emails)s): the mail server did not take them. "
                       "The action itself is saved; send them again later.",
                       len(missed), emails=", ".join(missed[:5]) + (", ..." if len(missed) > 5 else "")),
              "warning")
    return missed


def client_ip() -> str | None:
    """The address the request came from (ProxyFix rewrites it behind a trusted proxy)."""
    return request.remote_addr


def safe_next(target: str | None, default: str) -> str:
    """Follow `next=` only to a path of this site, never to another host."""
    if not target:
        return default
    target = target.strip()
    parts = urlsplit(target)
    if (
        parts.scheme
        or parts.netloc
        or not target.startswith("/")
        or target.startswith("//")
        or "\\" in target
        or any(ord(ch) < 32 for ch in target)
    ):
        return default
    return target


def get_or_404(model: type[M], ident: object) -> M:
    """Load by primary key or answer 404."""
    obj = db.session.get(model, ident)
    if obj is None:
        abort(404)
    return obj


def authorise(allowed: bool, *, hide: bool = False) -> None:
    """Abort unless a permission predicate allowed it: 404 hides the object's existence, 403 does not."""
    if not allowed:
        abort(404 if hide else 403)
