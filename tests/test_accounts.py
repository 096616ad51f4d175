"""Password reset, account activation, profile and password change."""

from __future__ import annotations

import re
import time

from itsdangerous import TimestampSigner
from sqlalchemy import select

from questionnaire.models import AuditEvent, User

NEW_PASSWORD = "a long new password"


def link_in(smtp, address: str, path: str) -> str:
    """The path of the only link to `path` in the only message sent to `address`."""
    (message,) = smtp.to(address)
    match = re.search(rf"http://localhost({re.escape(path)}\S+)", smtp.body(message))
    assert match, smtp.body(message)
    return match.group(1)


def html_lang(html: str) -> str:
    """The language a page declares on its <html> element."""
    match = re.search(r'<html lang="([^"]+)"', html)
    return match.group(1) if match else ""


def ask_for_reset(client, email: str):
    return client.post("/password/forgot", data={"email": email})


def choose(client, path: str, password: str = NEW_PASSWORD, **extra: str):
    return client.post(path, data={"password": password, "confirm": password, **extra})


# --- password reset ------------------------------------------------------------------------------


def test_password_reset_link_arrives_by_mail_and_works_once(app, client, make_user, smtp, db):
    user = make_user(email="forgetful@example.org", name="Fran Forgetful")
    response = ask_for_reset(client, "Forgetful@Example.org")
    assert response.status_code == 302
    (message,) = smtp.to("forgetful@example.org")
    assert message["Subject"] == "Choose a new password"
    assert "Fran Forgetful" in smtp.body(message)
    path = link_in(smtp, "forgetful@example.org", "/password/reset/")

    assert client.get(path).status_code == 200
    done = choose(client, path)
    assert done.status_code == 302 and done.headers["Location"] == "/dashboard"
    assert client.get("/dashboard").status_code == 200  # logged in with the new password

    again = app.test_client()
    used = again.get(path)
    assert used.status_code == 400 and "already been used" in used.text
    assert choose(again, path, "another password 123").status_code == 400
    assert again.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302
    assert again.post("/logout", data={}).status_code == 302
    assert again.post("/login", data={"email": user.email, "password": "pw"}).status_code == 401
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"password.reset_requested", "password.reset"} <= actions


def test_password_reset_link_expires_after_an_hour(client, make_user, smtp, monkeypatch):
    make_user(email="slow@example.org")
    ask_for_reset(client, "slow@example.org")
    path = link_in(smtp, "slow@example.org", "/password/reset/")
    real_now = int(time.time())
    # Move the signer's clock past PASSWORD_RESET_MAX_AGE (one hour) for the rest of the test.
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real_now + 3601)
    page = client.get(path)
    assert page.status_code == 400
    assert "expired" in page.text
    assert choose(client, path).status_code == 400


def test_short_reset_lifetime_from_configuration(app_factory, make_user, smtp, monkeypatch):
    app = app_factory(PASSWORD_RESET_MAX_AGE=60)
    client = app.test_client()
    make_user(email="quick@example.org")
    ask_for_reset(client, "quick@example.org")
    assert "expires in 1 minute." in smtp.body(smtp.to("quick@example.org")[0])
    path = link_in(smtp, "quick@example.org", "/password/reset/")
    assert client.get(path).status_code == 200
    real_now = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real_now + 61)
    assert client.get(path).status_code == 400


def test_reset_for_an_unknown_address_reveals_nothing(app, make_user, smtp):
    make_user(email="known@example.org")
    shown = {}
    for address in ("known@example.org", "nobody@example.org"):
        client = app.test_client()
        response = ask_for_reset(client, address)
        assert response.status_code == 302 and response.headers["Location"] == "/login"
        page = client.get(response.headers["Location"])
        shown[address] = re.findall(r'<p class="flash[^"]*">(.*?)</p>', page.text.replace(address, "ADDRESS"))
    assert shown["known@example.org"] == shown["nobody@example.org"] != []
    assert smtp.to("nobody@example.org") == []
    assert len(smtp.messages) == 1


def test_deactivated_account_gets_no_reset_link(client, make_user, smtp):
    make_user(email="gone@example.org", active=False)
    assert ask_for_reset(client, "gone@example.org").status_code == 302
    assert smtp.messages == []


def test_tampered_reset_link_is_refused(client, make_user, smtp):
    make_user(email="t@example.org")
    ask_for_reset(client, "t@example.org")
    path = link_in(smtp, "t@example.org", "/password/reset/")
    page = client.get(path[:-3] + ("aaa" if not path.endswith("aaa") else "bbb"))
    assert page.status_code == 400 and "not valid" in page.text


# --- activation from an invitation ----------------------------------------------------------------


def test_invited_person_activates_account_from_the_email(app, client, login, make_user, smtp, db):
    secretariat = make_user(kind="secretariat", is_org_admin=True, email="sam@secretariat.example")
    supplier_org = make_user(kind="supplier").organisation
    login(client, secretariat)
    client.post(f"/organisations/{supplier_org.id}/invite",
                data={"name": "Nina New", "email": "nina@supplier.example", "language": "en"})
    path = link_in(smtp, "nina@supplier.example", "/activate/")

    invitee = app.test_client()
    form = invitee.get(path)
    assert form.status_code == 200 and "nina@supplier.example" in form.text
    done = choose(invitee, path, name="Nina Newcomer")
    assert done.status_code == 302 and done.headers["Location"] == "/dashboard"
    dashboard = invitee.get("/dashboard")
    assert dashboard.status_code == 200 and "Supplier dashboard" in dashboard.text
    assert "Welcome, Nina Newcomer" in dashboard.text
    nina = db.session.scalar(select(User).where(User.email == "nina@supplier.example"))
    db.session.refresh(nina)
    assert nina.is_activated and nina.name == "Nina Newcomer"

    reused = app.test_client().get(path)
    assert reused.status_code == 400
    assert "already" in reused.text
    assert choose(app.test_client(), path, "someone else's password", name="Mallory").status_code == 400
    assert app.test_client().post("/login", data={"email": "nina@supplier.example",
                                                  "password": NEW_PASSWORD}).status_code == 302


def test_activation_form_asks_for_matching_passwords(app, client, make_user, smtp):
    from questionnaire.services import accounts

    invited = make_user(kind="supplier", password=None, email="pat@supplier.example")
    with app.test_request_context():
        token = accounts.make_token(invited, accounts.ACTIVATION)
    response = client.post(f"/activate/{token}",
                           data={"name": "Pat", "password": NEW_PASSWORD, "confirm": "something else"})
    assert response.status_code == 400
    assert "The two passwords differ." in response.text
    assert 'aria-describedby="confirm-error"' in response.text


# --- profile and password --------------------------------------------------------------------------


def test_profile_language_change_shows_the_next_page_in_that_language(client, login, make_user, db):
    user = make_user(name="Lea", language="en")
    login(client, user)
    assert html_lang(client.get("/account/").text) == "en"
    response = client.post("/account/", data={
        "profile-name": "Léa Lambert", "profile-language": "fr", "profile-submit": "Save",
    })
    assert response.status_code == 302
    following = client.get(response.headers["Location"])
    assert html_lang(following.text) == "fr"
    assert "Léa Lambert" in following.text
    db.session.refresh(user)
    assert (user.name, user.language) == ("Léa Lambert", "fr")


def test_profile_without_a_name_is_refused_next_to_the_field(client, login, make_user):
    login(client, make_user())
    response = client.post("/account/", data={"profile-name": "", "profile-language": "en", "profile-submit": "Save"})
    assert response.status_code == 400
    assert 'id="profile-name-error"' in response.text


def test_password_change_ends_other_sessions(app, client, login, make_user):
    user = make_user(email="two.devices@example.org")
    laptop, phone = client, app.test_client()
    login(laptop, user)
    login(phone, user)
    assert phone.get("/dashboard").status_code == 200
    response = laptop.post("/account/password", data={
        "password-current": "pw", "password-password": NEW_PASSWORD, "password-confirm": NEW_PASSWORD,
        "password-submit": "Change password",
    })
    assert response.status_code == 302
    assert laptop.get("/dashboard").status_code == 200
    ended = phone.get("/dashboard")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/login")
    assert phone.post("/login", data={"email": user.email, "password": NEW_PASSWORD}).status_code == 302


def test_password_change_needs_the_current_password(client, login, make_user):
    user = make_user()
    login(client, user)
    response = client.post("/account/password", data={
        "password-current": "wrong", "password-password": NEW_PASSWORD, "password-confirm": NEW_PASSWORD,
    })
    assert response.status_code == 400
    assert "The current password is not correct." in response.text
    assert 'id="password-current-error"' in response.text


def test_dates_follow_the_time_zone_chosen_in_the_profile(app, client, make_user, login, db):
    from datetime import UTC, datetime

    from questionnaire.views.templating import local_datetime

    user = make_user(name="Tess")
    login(client, user)
    page = client.get("/account/")
    assert '<option selected value="Europe/Brussels">' in page.text
    response = client.post("/account/", data={"profile-name": "Tess", "profile-language": "en",
                                              "profile-timezone": "America/New_York", "profile-submit": "Save"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.timezone == "America/New_York"

    noon_utc = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    # Fresh app contexts: Flask-Babel and Flask-Login cache the zone and the user in `g`.
    with app.app_context(), app.test_request_context():
        from flask_login import login_user

        login_user(user)
        assert "7:00\u202fAM" in local_datetime(noon_utc)  # New York is UTC-5 in January
        assert local_datetime(noon_utc, "long").endswith("7:00\u202fAM GMT-05:00")  # e-mails name the zone
    with app.app_context(), app.test_request_context():
        assert "1:00\u202fPM" in local_datetime(noon_utc)  # anonymous: Brussels, UTC+1


def test_unknown_time_zone_is_refused_next_to_its_field(client, make_user, login):
    user = make_user()
    login(client, user)
    response = client.post("/account/", data={"profile-name": "X", "profile-language": "en",
                                              "profile-timezone": "Mars/Olympus", "profile-submit": "Save"})
    assert response.status_code == 400
    assert 'id="profile-timezone-error"' in response.text
