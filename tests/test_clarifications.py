"""Clarifications: a question answered for one supplier is published to all, without the asker's name."""

from __future__ import annotations

import pytest
from rounds_support import make_round, supplier_org
from sqlalchemy import select

from questionnaire.errors import NotAllowed
from questionnaire.extensions import db as _db
from questionnaire.models import Clarification, Invitation, RoundStatus
from questionnaire.services import clarifications


@pytest.fixture
def setting(db, make_org, make_user):
    buyer_org = make_org(kind="buyer", name="City of Ghent")
    dialogue_round = make_round([buyer_org], title="Laptops 2026")
    asker_org, other_org = supplier_org("Asker Devices"), supplier_org("Other Screens")
    for org, email in ((asker_org, "asker@asker.example"), (other_org, "other@other.example")):
        _db.session.add(Invitation(round=dialogue_round, organisation=org, contact_email=email, language="fr",
                                   token_hash=f"{org.id:064d}"))
    _db.session.commit()
    return {
        "round": dialogue_round,
        "buyer": make_user(org=buyer_org, email="anna@ghent.example"),
        "asker": make_user(org=asker_org, email="asker@asker.example"),
        "other": make_user(org=other_org, email="other@other.example"),
        "outsider": make_user(kind="supplier", email="out@side.example"),
    }


QUESTION = "Does question 3 cover our subcontracted assembly plants?"
ANSWER = "Yes: include every tier-1 assembly site, owned or contracted."


def test_published_answer_reaches_every_invited_supplier_without_the_askers_identity(db, client, login, smtp,
                                                                                       setting):
    round_id = setting["round"].id
    login(client, setting["asker"])
    asked = client.post(f"/rounds/{round_id}/clarifications", data={"ask-question": QUESTION})
    assert asked.status_code == 302
    pending = client.get(f"/rounds/{round_id}/clarifications").text
    assert QUESTION in pending and "waiting for an answer" in pending
    client.post("/logout", data={})

    # The other supplier sees nothing before publication.
    login(client, setting["other"])
    assert QUESTION not in client.get(f"/rounds/{round_id}/clarifications").text
    client.post("/logout", data={})

    login(client, setting["buyer"])
    owners_page = client.get(f"/rounds/{round_id}/clarifications").text
    assert "Asker Devices" in owners_page  # owners know who asked
    clarification = db.session.scalar(select(Clarification))
    published = client.post(f"/rounds/{round_id}/clarifications/{clarification.id}/answer",
                            data={f"c{clarification.id}-answer": ANSWER}, follow_redirects=True)
    assert "e-mailed to 2 invited suppliers" in published.text
    client.post("/logout", data={})

    assert sorted(str(m["To"]) for m in smtp.messages) == ["asker@asker.example", "other@other.example"]
    for message in smtp.messages:
        body = smtp.body(message)
        assert QUESTION in body and ANSWER in body
        assert "Asker" not in body and "asker@" not in body

    login(client, setting["other"])
    for url in (f"/rounds/{round_id}/clarifications", f"/rounds/{round_id}"):
        page = client.get(url).text
        assert QUESTION in page and ANSWER in page
        assert "Asker Devices" not in page


def test_only_invited_suppliers_ask_and_only_owners_answer(db, client, login, setting):
    round_id = setting["round"].id
    login(client, setting["outsider"])
    assert client.get(f"/rounds/{round_id}/clarifications").status_code == 404
    assert client.post(f"/rounds/{round_id}/clarifications", data={"ask-question": "?"}).status_code == 404
    client.post("/logout", data={})
    clarification = clarifications.ask(setting["round"], QUESTION, actor=setting["asker"])
    db.session.commit()
    login(client, setting["asker"])
    refused = client.post(f"/rounds/{round_id}/clarifications/{clarification.id}/answer",
                          data={f"c{clarification.id}-answer": "I answer myself"})
    assert refused.status_code == 403
    assert db.session.get(Clarification, clarification.id).published_at is None
    client.post("/logout", data={})
    login(client, setting["buyer"])
    assert client.post(f"/rounds/{round_id}/clarifications", data={"ask-question": "?"}).status_code == 403


def test_empty_question_is_refused_next_to_the_field(client, login, setting):
    login(client, setting["asker"])
    response = client.post(f"/rounds/{setting['round'].id}/clarifications", data={"ask-question": "  "})
    assert response.status_code == 400
    assert 'id="ask-question-error"' in response.text


def test_published_answer_cannot_change_and_closed_rounds_take_no_questions(app, db, smtp, setting):
    clarification = clarifications.ask(setting["round"], QUESTION, actor=setting["asker"])
    with app.test_request_context():
        clarifications.answer_and_publish(clarification, ANSWER, actor=setting["buyer"])
    with pytest.raises(NotAllowed):
        clarifications.answer(clarification, "Changed", actor=setting["buyer"])
    setting["round"].status = RoundStatus.CLOSED
    with pytest.raises(NotAllowed, match="closed"):
        clarifications.ask(setting["round"], "Another?", actor=setting["asker"])


def test_outsider_cannot_ask_through_the_service(db, setting):
    with pytest.raises(NotAllowed, match="invited"):
        clarifications.ask(setting["round"], QUESTION, actor=setting["outsider"])
