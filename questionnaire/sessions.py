"""Flask's signed-cookie sessions, re-sent only when they change or are a minute old.

A log-in lasts `SESSION_LIFETIME_SECONDS` from the last request (the cookie's signature carries its
time and Flask refuses an older one). Flask keeps that window sliding by re-signing and re-sending
the cookie on every response; serialising and signing it was a thirtieth of a section page. Here
an unchanged session is re-sent once its signature is `SESSION_REFRESH_SECONDS` old: the window
still slides, a minute at a time.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Flask, Request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from itsdangerous import BadSignature


class SlidingSession(SecureCookieSession):
    """A session that knows when its cookie was signed (None for a new one)."""

    signed_at: datetime | None = None


class SessionInterface(SecureCookieSessionInterface):
    """Signed-cookie sessions whose unchanged cookie is refreshed at most once per interval."""

    session_class = SlidingSession

    def open_session(self, app: Flask, request: Request) -> SlidingSession | None:
        """The session from the request's cookie, as Flask reads it, with the signature's time."""
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        session = self.session_class(data)
        session.signed_at = signed_at
        return session

    def should_set_cookie(self, app: Flask, session: Any) -> bool:
        """A changed session always; an unchanged permanent one once its signature is old enough."""
        if session.modified:
            return True
        if not (session.permanent and app.config["SESSION_REFRESH_EACH_REQUEST"]):
            return False
        signed_at = getattr(session, "signed_at", None)
        if signed_at is None:
            return True
        age = (datetime.now(UTC) - signed_at).total_seconds()
        return age >= app.config["SESSION_REFRESH_SECONDS"]
