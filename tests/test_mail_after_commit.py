"""E-mail goes out only after the transaction that caused it commits, and in one connection per commit."""

from __future__ import annotations

import io
import smtplib
import socket

import pytest
from factories_answering import POLICY_ANSWERS, build, page_version
from rounds_support import link_token, make_round
from sqlalchemy import func, select

from questionnaire.models import Invitation, Submission
from questionnaire.services import invitations
from questionnaire.services.mail import batch, send_mail, undelivered


def _closed_port() -> int:
    with socket.socket() as probe:  # a port nobody listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def connections(monkeypatch):
    """How many SMTP connections the app opens."""
    opened: list[tuple[str, int]] = []
    connect = smtplib.SMTP.connect

    def counting(self, host="localhost", port=0, source_address=None):
        opened.append((host, port))
        return connect(self, host, port, source_address)

    monkeypatch.setattr(smtplib.SMTP, "connect", counting)
    return opened


@pytest.fixture
def buyer(make_org, make_user):
    return make_user(org=make_org(kind="buyer", name="City of Ghent"), email="anna@ghent.example")


@pytest.fixture
def dialogue_round(buyer):
    return make_round([buyer.organisation], title="Laptops and monitors 2026")


def test_a_rolled_back_invitation_sends_nothing(app, db, smtp, buyer, dialogue_round):
    with app.test_request_context():
        invitations.invite_supplier(dialogue_round, "Acme Laptops", "DE", "compliance@acme.example", "en",
                                    actor=buyer)
    assert smtp.messages == []  # not before the commit
    db.session.rollback()
    assert smtp.messages == []
    assert db.session.scalar(select(func.count(Invitation.id))) == 0
    # The next commit does not carry the dropped message either.
    db.session.commit()
    assert smtp.messages == []


def test_the_invitation_goes_out_when_the_view_commits(client, login, smtp, buyer, dialogue_round):
    login(client, buyer)
    response = client.post(f"/rounds/{dialogue_round.id}/invite", data={
        "invite-organisation_name": "Acme Laptops", "invite-country": "FR",
        "invite-contact_email": "compliance@acme.example", "invite-language": "fr",
    })
    assert response.status_code == 302, response.text
    assert len(smtp.to("compliance@acme.example")) == 1


def test_a_message_queued_in_a_rolled_back_savepoint_is_dropped(app, db, smtp):
    with app.test_request_context():
        db.session.begin()
        savepoint = db.session.begin_nested()
        send_mail("dropped@example.org", "password_reset", language="en", user=None, link="http://x", minutes=5)
        savepoint.rollback()
        kept = db.session.begin_nested()
        send_mail("kept@example.org", "password_reset", language="en", user=None, link="http://x", minutes=5)
        kept.commit()
        assert smtp.messages == []  # a savepoint's commit is not the transaction's
        db.session.commit()
    assert [str(m["To"]) for m in smtp.messages] == ["kept@example.org"]


def test_a_csv_import_of_many_rows_uses_one_smtp_connection(db, client, login, smtp, connections, buyer,
                                                            dialogue_round):
    rows = "".join(f"Supplier {i};DE;contact{i}@s{i}.example;en\n" for i in range(40))
    data = "Organisation name;Country;Contact e-mail;Language\n" + rows + "Bad row;Narnia;bad@bad.example;en\n"
    login(client, buyer)
    connections.clear()  # logging in sends nothing; count from here
    response = client.post(f"/rounds/{dialogue_round.id}/import", data={
        "import-file": (io.BytesIO(data.encode()), "suppliers.csv"),
    }, content_type="multipart/form-data")
    assert response.status_code == 422  # the bad row is reported; the 40 good ones are invited
    assert len(smtp.messages) == 40
    assert "bad@bad.example" not in {str(m["To"]) for m in smtp.messages}
    assert len(connections) == 1


def _invite_suppliers(app, db, buyer, dialogue_round, count: int) -> None:
    """Invite `count` suppliers (contacts c0@s0.example ...) and commit."""
    with app.test_request_context():
        for i in range(count):
            invitations.invite_supplier(dialogue_round, f"Supplier {i}", "DE", f"c{i}@s{i}.example", "en",
                                        actor=buyer)
        db.session.commit()


def test_reminders_to_every_supplier_use_one_smtp_connection(app, db, smtp, connections, buyer, dialogue_round):
    _invite_suppliers(app, db, buyer, dialogue_round, 5)
    with app.test_request_context():
        smtp.messages.clear()
        connections.clear()
        result = invitations.remind(dialogue_round, force=True, actor=buyer)
        db.session.commit()
    assert result.sent == 5 and len(smtp.messages) == 5
    assert len(connections) == 1


def test_a_mail_server_down_after_the_commit_keeps_the_invitation_and_is_logged(
        app, db, client, login, smtp, buyer, dialogue_round, monkeypatch, caplog):
    monkeypatch.setattr(app.extensions["mailman"], "port", _closed_port())
    login(client, buyer)
    response = client.post(f"/rounds/{dialogue_round.id}/invite", data={
        "invite-organisation_name": "Acme Laptops", "invite-country": "FR",
        "invite-contact_email": "compliance@acme.example", "invite-language": "fr",
    })
    assert response.status_code == 302  # the action stands: no 500
    assert db.session.scalar(select(Invitation.contact_email)) == "compliance@acme.example"
    assert "Cannot connect" in caplog.text
    assert smtp.messages == []
    # The owner is told, on the page the redirect leads to, which e-mail did not leave.
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "1 e-mail could not be sent (compliance@acme.example)" in page


def test_the_addresses_a_commit_could_not_reach_are_reported(app, db, smtp, buyer, dialogue_round, monkeypatch):
    monkeypatch.setattr(app.extensions["mailman"], "port", _closed_port())
    with app.test_request_context():
        invitations.invite_supplier(dialogue_round, "Acme Laptops", "DE", "compliance@acme.example", "en",
                                    actor=buyer)
        db.session.commit()
        assert undelivered() == ["compliance@acme.example"]
        db.session.commit()  # each commit reports its own messages
        assert undelivered() == []


def test_one_refused_message_does_not_stop_the_rest_of_the_batch(app, smtp, monkeypatch):
    refused = smtplib.SMTP.sendmail

    def refuse_one(self, from_addr, to_addrs, msg, *args, **kwargs):
        if "refused@example.org" in to_addrs:
            raise smtplib.SMTPRecipientsRefused({"refused@example.org": (550, b"no such user")})
        return refused(self, from_addr, to_addrs, msg, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "sendmail", refuse_one)
    with app.test_request_context(), pytest.raises(OSError) as failure, batch():
        for address in ("first@example.org", "refused@example.org", "last@example.org"):
            send_mail(address, "password_reset", language="en", user=None, link="http://x", minutes=5)
    assert failure.value.addresses == ["refused@example.org"]
    assert sorted(str(m["To"]) for m in smtp.messages) == ["first@example.org", "last@example.org"]


def test_receipt_that_cannot_be_sent_is_flagged_and_the_submission_stands(app, client, make_org, make_user, login,
                                                                         db, smtp, monkeypatch):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    for key, data in (("policy", POLICY_ANSWERS), ("suppliers", {"q_audits": "4"}),
                      ("evidence", {"q_summary": "Two findings"})):
        html = client.get(setup.section_url(key)).get_data(as_text=True)
        assert client.post(setup.section_url(key), data={**data, "based_on_version": page_version(html)}) \
            .status_code == 302
    monkeypatch.setattr(app.extensions["mailman"], "port", _closed_port())
    version = page_version(client.get(f"{setup.url}/review").get_data(as_text=True))
    response = client.post(f"{setup.url}/submit", data={"based_on_version": version}, follow_redirects=True)
    assert response.status_code == 200
    assert "the receipt e-mail could not be sent" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Submission.id))) == 1
    assert smtp.messages == []


def test_round_remind_command_sends_after_its_commit_and_fails_loudly_when_mail_is_down(
        app, db, smtp, connections, buyer, dialogue_round, monkeypatch):
    _invite_suppliers(app, db, buyer, dialogue_round, 3)
    smtp.messages.clear()
    connections.clear()
    runner = app.test_cli_runner()
    port = app.extensions["mailman"].port
    monkeypatch.setattr(app.extensions["mailman"], "port", _closed_port())
    failed = runner.invoke(args=["round", "remind", str(dialogue_round.id)])
    assert failed.exit_code == 1
    assert "3 reminders could not be sent" in failed.output and "c0@s0.example" in failed.output
    assert set(db.session.scalars(select(Invitation.reminder_count))) == {0}

    # Not counted as reminded: once the mail server is back, a plain run (no --force) sends them.
    monkeypatch.setattr(app.extensions["mailman"], "port", port)
    connections.clear()
    sent = runner.invoke(args=["round", "remind", str(dialogue_round.id)])
    assert sent.exit_code == 0, sent.output
    assert len(smtp.messages) == 3 and len(connections) == 1
    assert set(db.session.scalars(select(Invitation.reminder_count))) == {1}


def test_a_reminder_that_never_left_keeps_the_old_link_and_can_be_sent_again(
        app, db, client, login, smtp, buyer, dialogue_round, monkeypatch):
    with app.test_request_context():
        invitations.invite_supplier(dialogue_round, "Acme Laptops", "DE", "compliance@acme.example", "en",
                                    actor=buyer)
        db.session.commit()
    first_link = link_token(smtp.body(smtp.messages[0]))
    login(client, buyer)
    port = app.extensions["mailman"].port
    monkeypatch.setattr(app.extensions["mailman"], "port", _closed_port())
    response = client.post(f"/rounds/{dialogue_round.id}/remind", data={}, follow_redirects=True)
    assert "1 e-mail could not be sent (compliance@acme.example)" in response.text
    invitation = db.session.scalar(select(Invitation))
    db.session.refresh(invitation)
    assert invitation.last_reminded_at is None and invitation.reminder_count == 0
    # The supplier can still use the link they have.
    assert app.test_client().get(f"/i/{first_link}").status_code == 200

    monkeypatch.setattr(app.extensions["mailman"], "port", port)
    response = client.post(f"/rounds/{dialogue_round.id}/remind", data={}, follow_redirects=True)
    assert "Reminders sent: 1." in response.text
    assert [str(m["To"]) for m in smtp.messages] == ["compliance@acme.example"] * 2
    db.session.refresh(invitation)
    assert invitation.reminder_count == 1 and invitation.last_reminded_at is not None
