"""E-mail: the outbox folder when no mail server is configured, SMTP otherwise."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from questionnaire.config import from_environment
from questionnaire.services.outbox import BACKEND_PATH


@pytest.fixture
def offline_app(app_factory):
    """The app as configured without MAIL_SERVER: e-mail goes to instance/outbox."""
    return app_factory(MAIL_BACKEND=BACKEND_PATH)


def test_without_mail_server_the_outbox_is_the_default(tmp_path, monkeypatch):
    monkeypatch.delenv("MAIL_SERVER", raising=False)
    config = from_environment(str(tmp_path), generate_secret=False)
    assert config["MAIL_BACKEND"] == BACKEND_PATH
    assert config["OUTBOX_DIR"] == str(tmp_path / "outbox")
    monkeypatch.setenv("MAIL_SERVER", "smtp.example.org")
    assert from_environment(str(tmp_path), generate_secret=False)["MAIL_BACKEND"] == "smtp"


def test_mail_lands_in_the_outbox_and_the_secretariat_reads_it(offline_app, make_user, login, smtp):
    secretariat = make_user(kind="secretariat", email="sam@secretariat.example")
    make_user(email="reader@example.org")
    client = offline_app.test_client()
    client.post("/password/forgot", data={"email": "reader@example.org"})
    assert smtp.messages == []  # nothing went out by SMTP

    outbox = Path(offline_app.instance_path) / "outbox"
    (written,) = outbox.glob("*.eml")
    name = written.name

    login(client, secretariat)
    listing = client.get("/outbox/")
    assert listing.status_code == 200
    assert "reader@example.org" in listing.text and "Choose a new password" in listing.text
    assert f'href="/outbox/{name}"' in listing.text

    message = client.get(f"/outbox/{name}")
    assert message.status_code == 200
    assert "<h1>Choose a new password</h1>" in message.text
    # The link is clickable, so the demo works without any mail server.
    link = re.search(r'<a href="http://localhost(/password/reset/[^"]+)"', message.text)
    assert link, message.text
    assert offline_app.test_client().get(link.group(1)).status_code == 200


def test_outbox_refuses_names_outside_the_folder(offline_app, make_user, login):
    secretariat = make_user(kind="secretariat")
    client = offline_app.test_client()
    login(client, secretariat)
    for name in ("..%2Fsecret_key", "missing.eml", ".hidden.eml", "secret_key"):
        assert client.get(f"/outbox/{name}").status_code == 404, name


def test_outbox_is_for_the_secretariat_only(offline_app, make_user, login):
    buyer = make_user(kind="buyer", is_org_admin=True)
    client = offline_app.test_client()
    login(client, buyer)
    assert client.get("/outbox/").status_code == 403
    assert client.get("/outbox/anything.eml").status_code == 403


def test_with_a_mail_server_the_outbox_page_explains_and_smtp_receives(client, make_user, login, smtp):
    secretariat = make_user(kind="secretariat", email="sam@secretariat.example")
    make_user(email="reader@example.org")
    client.post("/password/forgot", data={"email": "reader@example.org"})
    (message,) = smtp.to("reader@example.org")
    assert message["Subject"] == "Choose a new password"
    assert "no-reply@localhost" in message["From"]
    assert "/password/reset/" in smtp.body(message)

    login(client, secretariat)
    page = client.get("/outbox/")
    assert page.status_code == 200
    assert "SMTP server" in page.text and "<table" not in page.text
    assert client.get("/outbox/anything.eml").status_code == 404


def test_email_templates_render_outside_a_request(app, db, smtp):
    """Commands run by cron (reminders) send mail with no request around them, when they commit."""
    from questionnaire.models import Organisation, OrganisationKind, User
    from questionnaire.services.mail import send_mail

    organisation = Organisation(name="Cron org", kind=OrganisationKind.BUYER, country="BE")
    user = User(email="cron@example.org", name="Cron", organisation=organisation)
    send_mail(user.email, "password_reset", language="fr", user=user, link="http://localhost/x", minutes=60)
    assert smtp.messages == []  # not before the commit
    db.session.commit()
    assert smtp.to("cron@example.org")
