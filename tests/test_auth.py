"""Logging in and out, throttling, CSRF, next= redirects."""

from questionnaire.models import AuditEvent


def test_demo_style_login_reaches_own_dashboard(client, make_user, login):
    user = make_user(kind="supplier", name="Sofia")
    login(client, user)
    page = client.get("/dashboard")
    assert page.status_code == 200
    assert "Supplier dashboard" in page.text
    assert "Sofia" in page.text


def test_wrong_password_gives_clear_message_and_audit(client, make_user, db):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "nope"})
    assert response.status_code == 401
    assert "The e-mail address or the password is not correct." in response.text
    events = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "login.failure")).all()
    assert len(events) == 1 and events[0].details["email"] == user.email


def test_email_is_case_insensitive(client, make_user, login):
    user = make_user(email="Mixed.Case@Example.org")
    login(client, "MIXED.case@example.ORG")
    assert client.get("/dashboard").status_code == 200
    assert user.email == "mixed.case@example.org"


def test_eleventh_failed_login_within_a_minute_is_throttled(client, make_user):
    user = make_user()
    for _ in range(10):
        assert client.post("/login", data={"email": user.email, "password": "bad"}).status_code == 401
    response = client.post("/login", data={"email": user.email, "password": "bad"})
    assert response.status_code == 429
    assert "Too many attempts" in response.text


def test_form_without_csrf_token_is_refused_with_readable_page(client, make_user):
    user = make_user()
    response = client.post("/login", data={"email": user.email, "password": "pw", "csrf_token": ""})
    assert response.status_code == 400
    assert "security token" in response.text


def test_next_redirect_only_to_own_paths(client, make_user):
    user = make_user()
    for bad in ("https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"):
        response = client.post("/login", data={"email": user.email, "password": "pw", "next": bad})
        assert response.headers["Location"] == "/dashboard", bad
        client.post("/logout", data={})
    response = client.post("/login", data={"email": user.email, "password": "pw", "next": "/account/"})
    assert response.headers["Location"] == "/account/"


def test_login_starts_a_new_session(client, make_user):
    user = make_user()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    client.post("/login", data={"email": user.email, "password": "pw"})
    with client.session_transaction() as session:
        assert "planted" not in session


def test_logout_ends_the_session(client, make_user, login):
    user = make_user()
    login(client, user)
    response = client.post("/logout", data={})
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 302


def test_security_headers_on_every_page(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_empty_login_form_is_a_bad_request_with_field_messages(client):
    response = client.post("/login", data={"email": "", "password": ""})
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.text


def test_demo_test_domain_addresses_are_accepted_in_forms(client, make_user, login, db):
    admin = make_user(kind="buyer", is_org_admin=True)
    login(client, admin)
    response = client.post(f"/organisations/{admin.organisation_id}/invite",
                           data={"name": "Colleague", "email": "colleague@demo.test", "language": "en"})
    assert response.status_code == 302
