"""Organisation and user management by the secretariat and organisation admins."""

from __future__ import annotations

import re
import socket
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from questionnaire.models import AuditEvent, Organisation, User

VALID_ORG = {"name": "Ville de Gand", "kind": "buyer", "country": "BE", "first_language": "en"}


def field_error(html: str, field_id: str) -> str:
    """The error text shown next to one field (empty when there is none)."""
    match = re.search(rf'<p class="field-error" id="{re.escape(field_id)}-error">(.*?)</p>', html, re.S)
    return match.group(1).strip() if match else ""


class _Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if tag in {"input", "select", "textarea"} and attributes.get("type") not in {"hidden", "submit"}:
            self.ids.append(attributes.get("id") or f"<{tag} name={attributes.get('name')} without id>")


def fields_needing_a_label(html: str) -> list[str]:
    """Ids of the visible form fields of a page."""
    parser = _Fields()
    parser.feed(html)
    return parser.ids


def events(db, action: str) -> list[AuditEvent]:
    """Audit events of one action, oldest first."""
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.fixture
def secretariat(make_user):
    return make_user(kind="secretariat", is_org_admin=True, name="Sam Secretariat", email="sam@secretariat.example")


# --- organisations ------------------------------------------------------------------------------


def test_secretariat_creates_organisation_and_invites_first_user(client, login, secretariat, smtp, db):
    login(client, secretariat)
    response = client.post("/organisations/new", data={
        **VALID_ORG, "first_name": "Greta Gent", "first_email": "Greta@Gent.example", "first_language": "fr",
    })
    assert response.status_code == 302
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Ville de Gand"))
    assert response.headers["Location"] == f"/organisations/{organisation.id}"
    invited = db.session.scalar(select(User).where(User.email == "greta@gent.example"))
    assert invited.organisation_id == organisation.id and invited.is_org_admin and not invited.is_activated
    assert len(smtp.to("greta@gent.example")) == 1
    page = client.get(response.headers["Location"])
    assert "Greta Gent" in page.text and "invited" in page.text
    assert "is created and greta@gent.example is invited" in page.text


def test_organisation_without_first_user_leads_to_the_invitation_form(client, login, secretariat, db):
    login(client, secretariat)
    response = client.post("/organisations/new", data=VALID_ORG)
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Ville de Gand"))
    assert response.headers["Location"] == f"/organisations/{organisation.id}/invite"
    form = client.get(response.headers["Location"])
    assert form.status_code == 200
    # The first person of an organisation is proposed as its administrator.
    assert re.search(r'<input[^>]*checked[^>]*id="is_org_admin"|<input[^>]*id="is_org_admin"[^>]*checked', form.text)


def test_bad_country_is_shown_next_to_the_country_field(client, login, secretariat, db):
    login(client, secretariat)
    response = client.post("/organisations/new", data={**VALID_ORG, "country": "XX"})
    assert response.status_code == 400
    assert field_error(response.text, "country")
    assert not field_error(response.text, "name")
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Ville de Gand")) is None


def test_duplicate_name_is_shown_next_to_the_name_field(client, login, secretariat, make_org, db):
    make_org(kind="buyer", name="Ville de Gand")
    login(client, secretariat)
    response = client.post("/organisations/new", data={**VALID_ORG, "name": "ville de GAND"})
    assert response.status_code == 400
    assert "already exists" in field_error(response.text, "name")
    assert len(db.session.scalars(select(Organisation)).all()) == 2  # the secretariat and the first one


def test_first_user_with_a_taken_address_saves_nothing(client, login, secretariat, db, smtp):
    login(client, secretariat)
    response = client.post("/organisations/new", data={
        **VALID_ORG, "first_name": "Copy", "first_email": secretariat.email.upper(), "first_language": "en",
    })
    assert response.status_code == 400
    assert "already exists" in field_error(response.text, "first_email")
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Ville de Gand")) is None
    assert smtp.messages == []


def test_first_user_needs_a_name(client, login, secretariat):
    login(client, secretariat)
    response = client.post("/organisations/new", data={**VALID_ORG, "first_email": "x@gent.example"})
    assert response.status_code == 400
    assert field_error(response.text, "first_name")


def test_secretariat_renames_organisation(client, login, secretariat, make_org, db):
    organisation = make_org(kind="supplier", name="Old Name", country="DE")
    login(client, secretariat)
    page = client.get(f"/organisations/{organisation.id}/edit")
    assert page.status_code == 200 and 'value="Old Name"' in page.text
    response = client.post(f"/organisations/{organisation.id}/edit", data={"name": "New Name", "country": "AT"})
    assert response.status_code == 302
    db.session.refresh(organisation)
    assert (organisation.name, organisation.country) == ("New Name", "AT")
    (event,) = events(db, "organisation.updated")
    assert event.actor_id == secretariat.id
    assert event.details["before"] == {"name": "Old Name", "country": "DE"}


def test_rename_to_an_existing_name_is_refused_next_to_the_field(client, login, secretariat, make_org):
    make_org(name="Taken")
    organisation = make_org(name="Mine")
    login(client, secretariat)
    response = client.post(f"/organisations/{organisation.id}/edit", data={"name": "taken", "country": "BE"})
    assert response.status_code == 400
    assert "already exists" in field_error(response.text, "name")


def test_organisation_list_filters_by_kind_and_searches_by_name(client, login, secretariat, make_org):
    make_org(kind="buyer", name="Region of Tuscany")
    make_org(kind="supplier", name="Tuscan Servers")
    make_org(kind="supplier", name="Nordic Cables")
    login(client, secretariat)
    everything = client.get("/organisations/")
    assert all(n in everything.text for n in ("Region of Tuscany", "Tuscan Servers", "Nordic Cables"))
    suppliers = client.get("/organisations/?kind=supplier")
    assert "Tuscan Servers" in suppliers.text and "Nordic Cables" in suppliers.text
    assert "Region of Tuscany" not in suppliers.text
    search = client.get("/organisations/?q=TUSCAN")
    assert "Tuscan Servers" in search.text and "Nordic Cables" not in search.text
    both = client.get("/organisations/?q=tusc&kind=buyer")
    assert "Region of Tuscany" in both.text and "Tuscan Servers" not in both.text
    # A literal % is searched for, not used as a wildcard.
    assert "Nordic Cables" not in client.get("/organisations/?q=%25").text
    assert client.get("/organisations/?kind=pirate").status_code == 400


def test_organisation_page_shows_member_status(client, login, secretariat, make_org, make_user):
    organisation = make_org(kind="supplier", name="Acme")
    make_user(org=organisation, name="Ada Active")
    make_user(org=organisation, name="Ivan Invited", password=None)
    make_user(org=organisation, name="Dora Deactivated", active=False)
    login(client, secretariat)
    page = client.get(f"/organisations/{organisation.id}").text
    rows = {m.group(1): m.group(2) for m in re.finditer(
        r'<th scope="row">([^<]+)</th>.*?<span class="badge">([^<]+)</span>', page, re.S)}
    assert rows == {"Ada Active": "active", "Ivan Invited": "invited", "Dora Deactivated": "deactivated"}


def test_members_see_their_own_organisation_but_not_others(client, login, make_user, make_org):
    user = make_user(kind="supplier")
    colleague = make_user(org=user.organisation, name="Carla Colleague")
    competitor = make_org(kind="supplier", name="Competitor Ltd")
    login(client, user)
    own = client.get(f"/organisations/{user.organisation_id}")
    assert own.status_code == 200 and colleague.name in own.text
    assert "Invite a user" not in own.text and "Edit the organisation" not in own.text
    assert client.get(f"/organisations/{competitor.id}").status_code == 404
    assert client.get(f"/organisations/{user.organisation_id}/edit").status_code == 403
    assert client.get("/organisations/").status_code == 403


# --- invitations --------------------------------------------------------------------------------


def test_org_admin_invites_a_colleague_into_own_organisation(client, login, make_user, smtp, db):
    admin = make_user(kind="buyer", is_org_admin=True, name="Anna Admin")
    login(client, admin)
    dashboard = client.get("/dashboard")
    assert f'href="/organisations/{admin.organisation_id}/invite"' in dashboard.text
    response = client.post(f"/organisations/{admin.organisation_id}/invite", data={
        "name": "Colin Colleague", "email": "colin@buyer.example", "language": "en", "is_org_admin": "",
    })
    assert response.status_code == 302
    colleague = db.session.scalar(select(User).where(User.email == "colin@buyer.example"))
    assert colleague.organisation_id == admin.organisation_id and not colleague.is_org_admin
    (message,) = smtp.to("colin@buyer.example")
    assert "Anna Admin" in smtp.body(message)
    (event,) = events(db, "user.created")
    assert event.actor_id == admin.id and event.organisation_id == admin.organisation_id


def test_org_admin_cannot_invite_into_another_organisation(client, login, make_user, make_org, smtp, db):
    admin = make_user(kind="buyer", is_org_admin=True)
    other = make_org(kind="supplier")
    login(client, admin)
    response = client.post(f"/organisations/{other.id}/invite", data={
        "name": "Intruder", "email": "intruder@example.org", "language": "en",
    })
    assert response.status_code == 404
    assert db.session.scalar(select(User).where(User.email == "intruder@example.org")) is None
    assert smtp.messages == []


def test_member_without_admin_rights_cannot_invite(client, login, make_user, db):
    member = make_user(kind="supplier")
    login(client, member)
    assert "Invite a colleague" not in client.get("/dashboard").text
    assert client.get(f"/organisations/{member.organisation_id}/invite").status_code == 403
    response = client.post(f"/organisations/{member.organisation_id}/invite", data={
        "name": "Friend", "email": "friend@example.org", "language": "en",
    })
    assert response.status_code == 403
    assert db.session.scalar(select(User).where(User.email == "friend@example.org")) is None


def test_inviting_a_known_address_is_refused_next_to_the_field(client, login, secretariat, make_user):
    existing = make_user(kind="supplier", email="taken@example.org")
    login(client, secretariat)
    response = client.post(f"/organisations/{existing.organisation_id}/invite", data={
        "name": "Again", "email": "TAKEN@example.org", "language": "en",
    })
    assert response.status_code == 400
    assert "already exists" in field_error(response.text, "email")


def test_invitation_is_written_in_the_invitees_language(client, login, secretariat, make_org, smtp):
    organisation = make_org(kind="supplier")
    login(client, secretariat)
    for email, language in (("en@example.org", "en"), ("fr@example.org", "fr")):
        client.post(f"/organisations/{organisation.id}/invite",
                    data={"name": "X", "email": email, "language": language})
    assert smtp.to("en@example.org")[0]["Subject"] == "Your account on the joint market dialogue platform"
    assert len(smtp.to("fr@example.org")) == 1


def test_unreachable_mail_server_keeps_the_account_and_says_so(app_factory, secretariat, login, db):
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    client = app_factory(MAIL_PORT=closed_port).test_client()
    login(client, secretariat)
    # E-mail goes out after the commit: the account stays, and the page offers to send the invitation again.
    response = client.post(f"/organisations/{secretariat.organisation_id}/invite",
                           data={"name": "Lost", "email": "lost@example.org", "language": "en"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "the invitation e-mail could not be sent" in response.text
    lost = db.session.scalar(select(User).where(User.email == "lost@example.org"))
    assert lost is not None
    assert f'action="/users/{lost.id}/invitation"' in response.text
    again = client.post(f"/users/{lost.id}/invitation", data={}, follow_redirects=True)
    assert "The e-mail could not be sent" in again.text


def test_invitation_can_be_sent_again_until_the_account_is_active(client, login, secretariat, make_user, smtp, db):
    invited = make_user(kind="supplier", password=None, email="late@example.org")
    active = make_user(org=invited.organisation, email="done@example.org")
    login(client, secretariat)
    page = client.get(f"/organisations/{invited.organisation_id}")
    assert f'action="/users/{invited.id}/invitation"' in page.text
    assert f'action="/users/{active.id}/invitation"' not in page.text
    response = client.post(f"/users/{invited.id}/invitation", data={})
    assert response.status_code == 302
    assert len(smtp.to("late@example.org")) == 1
    assert events(db, "user.invitation_sent")[0].target == f"user:{invited.id}"
    refused = client.post(f"/users/{active.id}/invitation", data={}, follow_redirects=True)
    assert "already active" in refused.text
    assert smtp.to("done@example.org") == []


# --- membership: admin flag and deactivation ----------------------------------------------------


def test_deactivated_user_is_logged_out_and_cannot_log_in(app, client, login, secretariat, make_user, db):
    member = make_user(kind="supplier", email="leaver@example.org")
    member_client = app.test_client()
    login(member_client, member)
    assert member_client.get("/dashboard").status_code == 200

    login(client, secretariat)
    response = client.post(f"/users/{member.id}", data={"is_org_admin": "", "active": ""})
    assert response.status_code == 302

    ended = member_client.get("/dashboard")
    assert ended.status_code == 302 and ended.headers["Location"].startswith("/login")
    again = member_client.post("/login", data={"email": member.email, "password": "pw"})
    assert again.status_code == 401
    page = client.get(f"/organisations/{member.organisation_id}")
    assert "deactivated" in page.text
    (event,) = events(db, "user.updated")
    assert event.details["after"] == {"is_org_admin": False, "active": False}
    assert event.actor_id == secretariat.id


def test_org_admin_promotes_a_colleague(client, login, make_user, db):
    admin = make_user(kind="supplier", is_org_admin=True)
    colleague = make_user(org=admin.organisation)
    login(client, admin)
    assert client.get(f"/users/{colleague.id}").status_code == 200
    client.post(f"/users/{colleague.id}", data={"is_org_admin": "y", "active": "y"})
    db.session.refresh(colleague)
    assert colleague.is_org_admin and colleague.active


def test_org_admin_cannot_manage_users_of_other_organisations(client, login, make_user):
    admin = make_user(kind="supplier", is_org_admin=True)
    stranger = make_user(kind="supplier")
    login(client, admin)
    assert client.get(f"/users/{stranger.id}").status_code == 404
    assert client.post(f"/users/{stranger.id}", data={"active": ""}).status_code == 404


def test_member_cannot_change_rights(client, login, make_user, db):
    member = make_user(kind="buyer")
    colleague = make_user(org=member.organisation)
    login(client, member)
    assert client.post(f"/users/{colleague.id}", data={"is_org_admin": "y", "active": "y"}).status_code == 403
    db.session.refresh(colleague)
    assert not colleague.is_org_admin


def test_secretariat_cannot_deactivate_itself(client, login, secretariat, db):
    login(client, secretariat)
    response = client.post(f"/users/{secretariat.id}", data={"is_org_admin": "y", "active": ""})
    assert response.status_code == 400
    assert "cannot" in field_error(response.text, "active")
    db.session.refresh(secretariat)
    assert secretariat.active


# --- audit log ----------------------------------------------------------------------------------


def test_organisation_and_user_changes_are_audited(client, login, secretariat, db):
    login(client, secretariat)
    client.post("/organisations/new", data={
        **VALID_ORG, "first_name": "Greta", "first_email": "greta@gent.example", "first_language": "en",
    })
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Ville de Gand"))
    greta = db.session.scalar(select(User).where(User.email == "greta@gent.example"))
    client.post(f"/organisations/{organisation.id}/edit", data={"name": "Stad Gent", "country": "BE"})
    client.post(f"/users/{greta.id}", data={"is_org_admin": "", "active": "y"})
    for action, target in (("organisation.created", f"organisation:{organisation.id}"),
                           ("organisation.updated", f"organisation:{organisation.id}"),
                           ("user.created", f"user:{greta.id}"),
                           ("user.invitation_sent", f"user:{greta.id}"),
                           ("user.updated", f"user:{greta.id}")):
        (event,) = events(db, action)
        assert event.target == target, action
        assert event.actor_id == secretariat.id, action
        assert event.ip == "127.0.0.1", action
        assert event.organisation_id == organisation.id, action


def test_audit_log_is_paginated_and_filtered_by_action(client, login, secretariat, db):
    from questionnaire.services import audit

    for n in range(60):
        audit.record("demo.tick", actor=secretariat, target=f"tick:{n}")
    audit.record("demo.tock", actor=secretariat, target="tock:1")
    db.session.commit()
    login(client, secretariat)
    first = client.get("/audit/")
    assert first.status_code == 200
    assert "Page 1 of 2" in first.text and 'rel="next"' in first.text
    second = client.get("/audit/?page=2")
    assert "Page 2 of 2" in second.text
    ticks = client.get("/audit/?action=demo.tock")
    assert "tock:1" in ticks.text and "tick:" not in ticks.text
    assert client.get("/audit/?action=no.such.action").status_code == 400
    assert client.get("/audit/?page=9").status_code == 404


def test_only_the_secretariat_reads_the_audit_log(client, login, make_user):
    admin = make_user(kind="buyer", is_org_admin=True)
    login(client, admin)
    assert client.get("/audit/").status_code == 403


# --- navigation ---------------------------------------------------------------------------------


def test_navigation_depends_on_the_role(app, client, login, secretariat, make_user):
    login(client, secretariat)
    nav = client.get("/dashboard").text
    assert all(f'href="{path}"' in nav for path in ("/organisations/", "/outbox/", "/audit/"))
    assert "My organisation" not in nav
    supplier = make_user(kind="supplier")
    other = app.test_client()
    login(other, supplier)
    nav = other.get("/dashboard").text
    assert f'href="/organisations/{supplier.organisation_id}"' in nav and "My organisation" in nav
    assert 'href="/audit/"' not in nav and 'href="/outbox/"' not in nav


def test_management_pages_have_one_heading_labelled_fields_and_captioned_tables(app_factory, make_user, login):
    from questionnaire.services.outbox import BACKEND_PATH

    app = app_factory(MAIL_BACKEND=BACKEND_PATH)
    secretariat = make_user(kind="secretariat", is_org_admin=True, email="sam@secretariat.example")
    member = make_user(kind="supplier", password=None)
    client = app.test_client()
    login(client, secretariat)
    client.post(f"/users/{member.id}/invitation", data={})  # one e-mail in the outbox
    (message,) = re.findall(r'href="/outbox/([^"]+\.eml)"', client.get("/outbox/").text)
    org = member.organisation_id
    for path in ("/organisations/", "/organisations/new", f"/organisations/{org}", f"/organisations/{org}/edit",
                 f"/organisations/{org}/invite", f"/users/{member.id}", "/outbox/", f"/outbox/{message}",
                 "/audit/"):
        html = client.get(path).text
        assert len(re.findall(r"<h1[ >]", html)) == 1, path
        assert html.count("<table") == html.count("<caption"), path
        assert html.count("<th ") == html.count(' scope="'), path
        for field_id in fields_needing_a_label(html):
            assert f'for="{field_id}"' in html, (path, field_id)
