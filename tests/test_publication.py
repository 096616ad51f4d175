"""Publishing the participants' summary, and the documents suppliers download."""

from __future__ import annotations

import pytest
from reports_support import build_known_round, pdf_text

from questionnaire.models import DialogueRound, RoundStatus


@pytest.fixture
def known(app, make_org, make_user):
    """The closed round of reports_support: six of seven invited suppliers submitted."""
    return build_known_round(make_org, make_user)


def _reload(db, round_id):
    db.session.expire_all()
    return db.session.get(DialogueRound, round_id)


def test_publishing_puts_the_summary_on_every_supplier_dashboard_and_emails_them(known, client, login, smtp, db,
                                                                                  app_factory):
    supplier = known.suppliers[2]
    supplier_client = client.application.test_client()
    login(supplier_client, supplier)
    url = f"/rounds/{known.round.id}/reports/summary/participants/en.pdf"
    assert supplier_client.get(url).status_code == 403
    assert "No dialogue results are published yet" in supplier_client.get("/dashboard").get_data(as_text=True)

    login(client, known.secretariat)
    page = client.get(f"/rounds/{known.round.id}/reports").get_data(as_text=True)
    assert 'value="Publish the participants\' summary"' in page
    response = client.post(f"/rounds/{known.round.id}/publish", data={})
    assert response.status_code == 302
    assert _reload(db, known.round.id).status == RoundStatus.PUBLISHED
    assert "people were told by e-mail" in client.get(response.headers["Location"]).get_data(as_text=True)

    # Every invited supplier, the one that did not submit included, is told once.
    invited = [user.email for user in known.suppliers] + [known.late_supplier.email]
    for email in invited:
        (message,) = smtp.to(email)
        assert "ICT hardware dialogue 2026" in message["Subject"]
        assert "http://localhost/dashboard" in smtp.body(message)
    assert not smtp.to(known.buyer.email)
    french = smtp.to(known.suppliers[1].email)[0]
    assert french["Subject"].startswith("Résultats publiés") or "publi" in french["Subject"].lower()

    dashboard = supplier_client.get("/dashboard").get_data(as_text=True)
    assert "Published results, anonymised" in dashboard
    assert url in dashboard
    download = supplier_client.get(url)
    assert download.status_code == 200
    assert download.mimetype == "application/pdf"
    text = pdf_text(download.data)
    assert "Participants: anonymised" in text
    assert "Alpha Devices" not in text
    # The supplier still cannot get the named editions.
    assert supplier_client.get(f"/rounds/{known.round.id}/reports/summary/buyers/en.pdf").status_code == 403


def test_only_the_secretariat_publishes_and_only_a_closed_round(known, client, login, smtp, db):
    login(client, known.buyer)
    assert client.post(f"/rounds/{known.round.id}/publish", data={}).status_code == 403
    assert _reload(db, known.round.id).status == RoundStatus.CLOSED

    round_ = _reload(db, known.round.id)
    round_.status = RoundStatus.OPEN
    db.session.commit()
    secretariat = client.application.test_client()
    login(secretariat, known.secretariat)
    response = secretariat.post(f"/rounds/{known.round.id}/publish", data={})
    assert response.status_code == 302
    assert "Close the round before publishing its summary." in secretariat.get(
        response.headers["Location"]).get_data(as_text=True)
    assert _reload(db, known.round.id).status == RoundStatus.OPEN
    assert smtp.messages == []


def test_publishing_needs_the_form_token(known, client, login, db):
    login(client, known.secretariat)
    assert client.post(f"/rounds/{known.round.id}/publish", data={"csrf_token": ""}).status_code == 400
    assert _reload(db, known.round.id).status == RoundStatus.CLOSED


def test_the_secretariat_dashboard_links_every_edition_of_a_closed_round(known, client, login):
    login(client, known.secretariat)
    page = client.get("/dashboard").get_data(as_text=True)
    for audience in ("participants", "buyers", "secretariat"):
        for lang in ("en", "fr"):
            assert f"/rounds/{known.round.id}/reports/summary/{audience}/{lang}.pdf" in page
    response = client.get(f"/rounds/{known.round.id}/reports/summary/secretariat/en.pdf")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]


def test_a_buyer_downloads_the_buyers_and_participants_editions_only(known, client, login):
    login(client, known.buyer)
    page = client.get("/dashboard").get_data(as_text=True)
    assert f"/rounds/{known.round.id}/reports/summary/buyers/en.pdf" in page
    assert f"/rounds/{known.round.id}/reports/summary/secretariat/en.pdf" not in page
    assert client.get(f"/rounds/{known.round.id}/reports/summary/buyers/fr.pdf").status_code == 200
    assert client.get(f"/rounds/{known.round.id}/reports/summary/secretariat/en.pdf").status_code == 403


def test_a_supplier_downloads_its_own_copy_feedback_and_the_blank_questionnaire(known, client, login):
    supplier = known.suppliers[0]
    login(client, supplier)
    page = client.get(f"/rounds/{known.round.id}/reports").get_data(as_text=True)
    assert "Copy of your answers" in page
    copy = client.get(f"/rounds/{known.round.id}/reports/our-response.pdf?lang=fr")
    assert copy.status_code == 200
    assert "Chaque année" in pdf_text(copy.data)
    feedback = client.get(f"/rounds/{known.round.id}/reports/our-feedback.pdf")
    assert feedback.status_code == 200
    assert "Your score" in pdf_text(feedback.data)
    blank = client.get(f"/rounds/{known.round.id}/reports/questionnaire/fr.pdf")
    assert blank.status_code == 200
    assert "Avez-vous une politique des droits humains ?" in pdf_text(blank.data)
    assert client.get(f"/rounds/{known.round.id}/reports/questionnaire/de.pdf").status_code == 404


def test_the_supplier_without_a_submission_gets_no_feedback(known, client, login):
    login(client, known.late_supplier)
    assert client.get(f"/rounds/{known.round.id}/reports/our-feedback.pdf").status_code == 403
    assert client.get(f"/rounds/{known.round.id}/reports/our-response.pdf").status_code == 200


def test_the_receipt_email_carries_the_supplier_copy(known, app, smtp):
    from questionnaire.services.responses import send_receipt

    response = known.responses[0]
    with app.test_request_context("/"):
        send_receipt(response.submissions[-1], known.suppliers[0])
    (message,) = smtp.to(known.suppliers[0].email)
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    text = pdf_text(attachment.get_content())
    assert "Alpha Devices" in text
    assert "Audits alone do not find forced labour." in text
