"""Inviting suppliers: e-mails with personal links, the landing page, CSV uploads and reminders."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from rounds_support import fresh, link_token, make_response, make_round, supplier_org, user_by_email
from sqlalchemy import select

from questionnaire.models import AuditEvent, Invitation, Organisation, OrganisationKind, RoundStatus, utcnow
from questionnaire.services import invitations
from questionnaire.services.invitations import InvalidCSV, InvalidInvitation, InvitationLinkError


@pytest.fixture
def buyer_org(make_org):
    return make_org(kind="buyer", name="City of Ghent")


@pytest.fixture
def buyer(make_user, buyer_org):
    return make_user(org=buyer_org, email="anna@ghent.example")


@pytest.fixture
def dialogue_round(buyer_org):
    return make_round([buyer_org], title="Laptops and monitors 2026")


def _invite(dialogue_round, buyer, name="Acme Laptops", email="compliance@acme.example", language="en"):
    invitation = invitations.invite_supplier(dialogue_round, name, "DE", email, language, actor=buyer)
    from questionnaire.extensions import db

    db.session.commit()
    return invitation


# --- inviting ------------------------------------------------------------------------------------


def test_contact_receives_the_invitation_in_their_language_with_a_working_link(db, client, smtp, login, buyer,
                                                                               dialogue_round):
    login(client, buyer)
    response = client.post(f"/rounds/{dialogue_round.id}/invite", data={
        "invite-organisation_name": "Acme Laptops", "invite-country": "FR",
        "invite-contact_email": "Compliance@Acme.example", "invite-language": "fr",
    })
    assert response.status_code == 302, response.text
    [message] = smtp.to("compliance@acme.example")
    body = smtp.body(message)
    assert "Laptops and monitors 2026" in str(message["Subject"])
    assert "Invitation" in str(message["Subject"]) or "invit" in str(message["Subject"]).lower()
    token = link_token(body)
    client.post("/logout", data={})
    landing = client.get(f"/i/{token}")
    assert landing.status_code == 200
    assert "Acme Laptops" in landing.text and "compliance@acme.example" in landing.text
    supplier = db.session.scalar(select(Organisation).where(Organisation.name == "Acme Laptops"))
    assert supplier.kind == OrganisationKind.SUPPLIER and supplier.country == "FR"


def test_invitation_email_is_rendered_in_the_contacts_language(db, smtp, buyer, dialogue_round, app):
    dialogue_round.closes_at = datetime(2031, 8, 14, 10, 0, tzinfo=UTC)
    db.session.commit()
    with app.test_request_context():
        _invite(dialogue_round, buyer, language="fr")
        _invite(dialogue_round, buyer, name="Beta Screens", email="beta@beta.example", language="en")
    # Dates are formatted by the locale the e-mail is rendered in (texts follow once translated).
    french = smtp.body(smtp.to("compliance@acme.example")[0])
    english = smtp.body(smtp.to("beta@beta.example")[0])
    assert "14 août 2031" in french and "August 14, 2031" not in french
    assert "August 14, 2031" in english


def test_token_has_256_bits_and_only_its_hash_is_stored(db, smtp, buyer, dialogue_round, app):
    with app.test_request_context():
        invitation = _invite(dialogue_round, buyer)
    token = link_token(smtp.body(smtp.messages[0]))
    assert len(token) >= 43  # 32 random bytes in URL-safe base64
    stored = fresh(invitation)
    assert stored.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(db.session.execute(select(Invitation.__table__)).all())
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "invitation.sent")) is not None


def test_same_supplier_cannot_be_invited_twice(smtp, buyer, dialogue_round, app):
    with app.test_request_context():
        _invite(dialogue_round, buyer)
        with pytest.raises(InvalidInvitation, match="already invited"):
            _invite(dialogue_round, buyer, name="ACME laptops", email="other@acme.example")


def test_one_contact_cannot_represent_two_suppliers(smtp, buyer, dialogue_round, app):
    with app.test_request_context():
        _invite(dialogue_round, buyer, name="Acme Laptops", email="shared@agency.example")
        with pytest.raises(InvalidInvitation, match="another invited supplier"):
            _invite(dialogue_round, buyer, name="Beta Screens", email="Shared@Agency.example")


def test_buyer_organisation_cannot_be_invited_as_a_supplier(smtp, buyer, dialogue_round, app):
    with app.test_request_context(), pytest.raises(InvalidInvitation, match="not a supplier"):
        _invite(dialogue_round, buyer, name="City of Ghent")


def test_language_must_be_one_of_the_round(smtp, buyer, dialogue_round, app):
    with app.test_request_context(), pytest.raises(InvalidInvitation, match="languages"):
        _invite(dialogue_round, buyer, language="de")


def test_no_invitations_once_the_round_is_closed(db, smtp, buyer, dialogue_round, app):
    dialogue_round.status = RoundStatus.CLOSED
    db.session.commit()
    with app.test_request_context(), pytest.raises(Exception, match="closed"):
        _invite(dialogue_round, buyer)


# --- the landing page ----------------------------------------------------------------------------


def test_new_contact_sets_a_password_joins_as_admin_and_lands_on_the_round(db, client, smtp, buyer,
                                                                           dialogue_round, app):
    with app.test_request_context():
        invitation = _invite(dialogue_round, buyer, email="lea@acme.example")
    token = link_token(smtp.body(smtp.messages[0]))
    assert client.get(f"/i/{token}").status_code == 200
    assert fresh(invitation).opened_at is not None
    response = client.post(f"/i/{token}", data={"name": "Léa Martin", "password": "a long enough password",
                                                 "confirm": "a long enough password"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/rounds/{dialogue_round.id}"
    user = user_by_email("lea@acme.example")
    assert user.organisation.name == "Acme Laptops" and user.is_org_admin and user.is_activated
    assert user.language == "en"
    page = client.get(f"/rounds/{dialogue_round.id}")
    assert page.status_code == 200 and "Laptops and monitors 2026" in page.text


def test_second_contact_of_a_known_supplier_is_not_made_admin(db, client, smtp, buyer, buyer_org, make_user, app):
    first_round = make_round([buyer_org], title="First")
    second_round = make_round([buyer_org], title="Second")
    supplier = supplier_org("Acme Laptops")
    make_user(org=supplier, email="boss@acme.example", is_org_admin=True)
    with app.test_request_context():
        invitations.invite_supplier(second_round, "Acme Laptops", "DE", "new@acme.example", "en", actor=buyer)
        db.session.commit()
    assert first_round.id != second_round.id
    token = link_token(smtp.body(smtp.to("new@acme.example")[0]))
    client.post(f"/i/{token}", data={"name": "New", "password": "a long enough password",
                                     "confirm": "a long enough password"})
    assert not user_by_email("new@acme.example").is_org_admin


def test_existing_user_is_asked_to_log_in_and_then_lands_on_the_round(db, client, smtp, login, buyer,
                                                                      dialogue_round, make_user, app):
    supplier = supplier_org("Acme Laptops")
    contact = make_user(org=supplier, email="known@acme.example")
    with app.test_request_context():
        _invite(dialogue_round, buyer, email="known@acme.example")
    token = link_token(smtp.body(smtp.messages[0]))
    response = client.get(f"/i/{token}")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    login_page = client.get(response.headers["Location"])
    assert "log in to see the invitation" in login_page.text
    logged_in = client.post("/login", data={"email": contact.email, "password": "pw",
                                            "next": f"/rounds/{dialogue_round.id}"})
    assert logged_in.headers["Location"] == f"/rounds/{dialogue_round.id}"


def _bad_page(client, token):
    response = client.get(f"/i/{token}")
    # The language switcher sends the visitor back to the same address; everything else must match.
    return response.status_code, response.text.replace(token, "TOKEN")


def test_wrong_expired_and_reused_links_give_the_same_page_revealing_nothing(db, client, smtp, buyer,
                                                                             dialogue_round, app):
    with app.test_request_context():
        _invite(dialogue_round, buyer, name="Acme Laptops", email="a@acme.example")
        _invite(dialogue_round, buyer, name="Beta Screens", email="b@beta.example")
    used = link_token(smtp.body(smtp.to("a@acme.example")[0]))
    expiring = link_token(smtp.body(smtp.to("b@beta.example")[0]))
    client.post(f"/i/{used}", data={"name": "A", "password": "a long enough password",
                                    "confirm": "a long enough password"})
    client.post("/logout", data={}, follow_redirects=True)

    wrong = _bad_page(client, "not-a-real-token-at-all-" + "x" * 20)
    reused = _bad_page(client, used)
    dialogue_round = fresh(dialogue_round)
    dialogue_round.status = RoundStatus.CLOSED
    db.session.commit()
    expired = _bad_page(client, expiring)

    assert wrong[0] == reused[0] == expired[0] == 404
    assert wrong[1] == reused[1] == expired[1]
    for secret in ("Laptops and monitors", "Acme", "Beta", "City of Ghent"):
        assert secret not in wrong[1]
    assert "This invitation link does not work" in wrong[1]
    # Posting to a dead link changes nothing either.
    posted = client.post(f"/i/{used}", data={"name": "B", "password": "another long password",
                                             "confirm": "another long password"})
    assert posted.status_code == 404 and "This invitation link does not work" in posted.text


def test_link_expires_when_the_deadline_passes_even_before_closing(db, smtp, buyer, dialogue_round, app):
    with app.test_request_context():
        _invite(dialogue_round, buyer)
    token = link_token(smtp.body(smtp.messages[0]))
    with pytest.raises(InvitationLinkError):
        invitations.find_invitation(token, now=dialogue_round.closes_at + timedelta(seconds=1))
    assert invitations.find_invitation(token).round_id == dialogue_round.id


def test_logged_in_member_of_another_organisation_cannot_use_the_link(db, client, smtp, login, buyer,
                                                                      dialogue_round, make_user, app):
    with app.test_request_context():
        _invite(dialogue_round, buyer)
    token = link_token(smtp.body(smtp.messages[0]))
    login(client, make_user(kind="supplier", email="someone@else.example"))
    response = client.get(f"/i/{token}")
    assert response.status_code == 403
    assert "Acme" not in response.text


# --- CSV upload ----------------------------------------------------------------------------------


CSV_WITH_BAD_ROWS = (
    "\ufeffOrganisation name;Country;Contact e-mail;Language\n"
    "Alpha Devices;DE;alpha@alpha.example;en\n"
    "Beta Screens;Narnia;beta@beta.example;en\n"
    "Gamma Chips;FR;not-an-email;fr\n"
    "\n"
    "Delta Cables;Belgium;delta@delta.example;fr\n"
    "Epsilon;SE;eps@eps.example;sv\n"
)


def test_csv_upload_reports_bad_rows_by_line_and_keeps_good_ones(db, client, smtp, login, buyer, dialogue_round):
    login(client, buyer)
    import io

    response = client.post(f"/rounds/{dialogue_round.id}/import", data={
        "import-file": (io.BytesIO(CSV_WITH_BAD_ROWS.encode("utf-8")), "suppliers.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422
    text = response.text
    assert "<th scope=\"row\">3</th>" in text and "Narnia" in text
    assert "<th scope=\"row\">4</th>" in text and "not-an-email" in text
    assert "<th scope=\"row\">7</th>" in text and "sv" in text
    invited = db.session.scalars(select(Invitation.contact_email).order_by(Invitation.contact_email)).all()
    assert invited == ["alpha@alpha.example", "delta@delta.example"]
    assert sorted(str(m["To"]) for m in smtp.messages) == ["alpha@alpha.example", "delta@delta.example"]
    delta = db.session.scalar(select(Organisation).where(Organisation.name == "Delta Cables"))
    assert delta.country == "BE"
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Beta Screens")) is None


def test_csv_in_windows_encoding_with_commas_is_read(db, smtp, buyer, dialogue_round, app):
    data = "organisation,country,email,language\nSociété Générale Info,FR,contact@sgi.example,fr\n".encode("cp1252")
    with app.test_request_context():
        invited, problems = invitations.import_csv(dialogue_round, data, actor=buyer)
    assert problems == []
    assert [i.organisation.name for i in invited] == ["Société Générale Info"]


@pytest.mark.parametrize("data, message", [
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a CSV"),
    (b"", "empty"),
    (b"name,email\nA,a@a.example\n", "Missing: country, language"),
    (("organisation,country,email,language\n" + "X{0},DE,x{0}@x.example,en\n" * 0).encode(), None),
])
def test_unreadable_csv_files_are_refused_with_a_message(smtp, buyer, dialogue_round, app, data, message):
    with app.test_request_context():
        if message is None:
            assert invitations.import_csv(dialogue_round, data, actor=buyer) == ([], [])
            return
        with pytest.raises(InvalidCSV, match=message):
            invitations.import_csv(dialogue_round, data, actor=buyer)


def test_csv_with_too_many_rows_is_refused(smtp, buyer, dialogue_round, app):
    rows = "".join(f"Org {i},DE,c{i}@x.example,en\n" for i in range(invitations.MAX_CSV_ROWS + 1))
    with app.test_request_context(), pytest.raises(InvalidCSV, match="Too many rows"):
        invitations.import_csv(dialogue_round, ("organisation,country,email,language\n" + rows).encode(),
                               actor=buyer)
    assert smtp.messages == []


def test_non_csv_upload_shows_the_message_on_the_round_page(client, login, buyer, dialogue_round):
    import io

    login(client, buyer)
    response = client.post(f"/rounds/{dialogue_round.id}/import", data={
        "import-file": (io.BytesIO(b"%PDF-1.7\x00\x01"), "list.pdf"),
    }, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "not a CSV file" in response.text


# --- reminders -----------------------------------------------------------------------------------


def test_reminders_go_only_to_suppliers_that_have_not_submitted_once_a_day(db, smtp, buyer, dialogue_round, app):
    with app.test_request_context():
        _invite(dialogue_round, buyer, name="Done Inc", email="done@done.example")
        _invite(dialogue_round, buyer, name="Draft Inc", email="draft@draft.example")
        _invite(dialogue_round, buyer, name="Silent Inc", email="silent@silent.example")
    make_response(dialogue_round, db.session.scalar(select(Organisation).where(Organisation.name == "Done Inc")),
                  submitted=True)
    make_response(dialogue_round, db.session.scalar(select(Organisation).where(Organisation.name == "Draft Inc")))
    smtp.messages.clear()
    # Mid-morning UTC, so that adding hours never crosses midnight.
    now = utcnow().replace(hour=8, minute=0)
    with app.test_request_context():
        first = invitations.remind(dialogue_round, actor=buyer, now=now)
        db.session.commit()
        assert (first.sent, first.already_submitted) == (2, 1)
        assert sorted(str(m["To"]) for m in smtp.messages) == ["draft@draft.example", "silent@silent.example"]
        again = invitations.remind(dialogue_round, actor=buyer, now=now + timedelta(hours=1))
        assert (again.sent, again.reminded_today) == (0, 2)
        forced = invitations.remind(dialogue_round, actor=buyer, force=True, now=now + timedelta(hours=2))
        assert forced.sent == 2
        next_day = invitations.remind(dialogue_round, actor=buyer, now=now + timedelta(days=1))
        assert next_day.sent == 2
        db.session.commit()  # e-mail goes out with the commit
    assert len(smtp.messages) == 6


def _invited_and_reminded(app, db, smtp, buyer, dialogue_round) -> tuple[str, str]:
    """The personal links of the invitation and of one reminder."""
    with app.test_request_context():
        _invite(dialogue_round, buyer)
        invitations.remind(dialogue_round, actor=buyer)
        db.session.commit()
    return link_token(smtp.body(smtp.messages[0])), link_token(smtp.body(smtp.messages[1]))


def test_reminder_carries_a_fresh_working_link_for_a_contact_without_account(db, client, smtp, buyer,
                                                                             dialogue_round, app):
    old, new = _invited_and_reminded(app, db, smtp, buyer, dialogue_round)
    assert new != old
    assert client.get(f"/i/{new}").status_code == 200
    # The link before keeps working, in case the reminder is lost; the one before that stops.
    assert client.get(f"/i/{old}").status_code == 200
    with app.test_request_context():
        invitations.remind(dialogue_round, actor=buyer, force=True)
        db.session.commit()
    newest = link_token(smtp.body(smtp.messages[2]))
    assert client.get(f"/i/{newest}").status_code == 200
    assert client.get(f"/i/{new}").status_code == 200
    assert client.get(f"/i/{old}").status_code == 404


def test_either_of_the_two_working_links_works_once(db, client, smtp, buyer, dialogue_round, app):
    old, new = _invited_and_reminded(app, db, smtp, buyer, dialogue_round)
    assert client.get(f"/i/{old}").status_code == 200
    accepted = client.post(f"/i/{old}", data={"name": "Carla", "password": "a long enough password",
                                              "confirm": "a long enough password"})
    assert accepted.status_code == 302
    other = app.test_client()
    assert other.get(f"/i/{new}").status_code == 404
    assert other.get(f"/i/{old}").status_code == 404


def test_reminder_button_reports_counts(db, client, smtp, login, buyer, dialogue_round):
    login(client, buyer)
    with client.application.test_request_context():
        _invite(dialogue_round, buyer)
    smtp.messages.clear()
    response = client.post(f"/rounds/{dialogue_round.id}/remind", data={}, follow_redirects=True)
    assert "Reminders sent: 1." in response.text
    response = client.post(f"/rounds/{dialogue_round.id}/remind", data={}, follow_redirects=True)
    assert "Reminders sent: 0." in response.text and "1 already reminded today" in response.text
    response = client.post(f"/rounds/{dialogue_round.id}/remind", data={"remind-force": "y"},
                           follow_redirects=True)
    assert "Reminders sent: 1." in response.text
    assert len(smtp.messages) == 2
