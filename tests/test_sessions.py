"""A log-in lasts SESSION_LIFETIME_SECONDS from the last request; the cookie is re-sent at most once a minute."""

from __future__ import annotations

import time

from itsdangerous import TimestampSigner

from questionnaire.models import OrganisationKind

COOKIE = "session"


def _sets_session_cookie(response) -> bool:
    return any(value.startswith(f"{COOKIE}=") for value in response.headers.getlist("Set-Cookie"))


def test_an_unchanged_session_is_not_sent_again_within_the_refresh_interval(app, make_user, login):
    user = make_user(kind=OrganisationKind.SUPPLIER)
    client = app.test_client()
    assert _sets_session_cookie(login(client, user))  # logging in changes the session
    client.get("/dashboard")  # the first page stores the form token
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert not _sets_session_cookie(page)


def test_an_unchanged_session_is_refreshed_once_its_cookie_is_old_enough(app_factory, make_user, login):
    email = make_user(kind=OrganisationKind.SUPPLIER).email
    client = app_factory(SESSION_REFRESH_SECONDS=0).test_client()
    login(client, email)
    client.get("/dashboard")
    page = client.get("/dashboard")
    assert _sets_session_cookie(page)
    cookie = next(v for v in page.headers.getlist("Set-Cookie") if v.startswith(f"{COOKIE}="))
    assert "Expires=" in cookie  # permanent: the browser keeps it for the lifetime from now


def test_a_changed_session_is_always_sent(app, make_user, login):
    user = make_user(kind=OrganisationKind.SUPPLIER)
    client = app.test_client()
    login(client, user)
    client.get("/dashboard")
    changed = client.post("/language", data={"lang": "fr", "next": "/dashboard"})
    assert changed.status_code == 302
    assert _sets_session_cookie(changed)


def test_a_session_signed_longer_ago_than_its_lifetime_is_logged_out(app, make_user, login, monkeypatch):
    user = make_user(kind=OrganisationKind.SUPPLIER)
    client = app.test_client()
    lifetime = app.permanent_session_lifetime.total_seconds()
    real = TimestampSigner.get_timestamp
    # The log-in's cookie is signed as if it were a minute older than a log-in lasts.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time() - lifetime - 60))
    login(client, user)
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    page = client.get("/dashboard")
    assert page.status_code == 302
    assert "/login" in page.headers["Location"]
