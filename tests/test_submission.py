"""Review, submit, receipt, reopen and resubmit with history kept, read-only after the deadline."""

from __future__ import annotations

from factories_answering import POLICY_ANSWERS, build, close_round, page_version
from sqlalchemy import func, select

from questionnaire.models import AuditEvent, DialogueRound, Response, ResponseStatus, Submission


def _save(client, setup, key, data):
    html = client.get(setup.section_url(key)).get_data(as_text=True)
    response = client.post(setup.section_url(key), data={**data, "based_on_version": page_version(html)})
    assert response.status_code == 302, response.get_data(as_text=True)


def _complete(client, setup, summary="Two findings on overtime"):
    _save(client, setup, "policy", POLICY_ANSWERS)
    _save(client, setup, "suppliers", {"q_audits": "4"})
    _save(client, setup, "evidence", {"q_summary": summary})


def _submit(client, setup):
    version = page_version(client.get(f"{setup.url}/review").get_data(as_text=True))
    return client.post(f"{setup.url}/submit", data={"based_on_version": version})


def test_the_review_page_lists_unanswered_required_questions_with_links_to_them(client, make_org, make_user, login):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    _save(client, setup, "policy", {"q_has_policy": "yes"})
    html = client.get(f"{setup.url}/review").get_data(as_text=True)
    assert f'href="{setup.section_url("policy")}#q_policy_url"' in html
    assert f'href="{setup.section_url("policy")}#q_maturity"' in html
    assert f'href="{setup.section_url("suppliers")}#q_audits"' in html
    assert f'href="{setup.section_url("evidence")}#q_summary"' in html
    assert "Submit my response" not in html
    # What was answered is shown for a last look.
    assert "Do you have a human-rights policy?" in html and '<span class="answer-value">Yes</span>' in html
    # The linked fields exist with those ids.
    section = client.get(setup.section_url("policy")).get_data(as_text=True)
    assert 'id="q_policy_url"' in section and 'id="q_maturity"' in section


def test_submitting_with_required_questions_unanswered_is_refused(client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    _save(client, setup, "policy", POLICY_ANSWERS)
    assert "Submit my response" not in client.get(f"{setup.url}/review").get_data(as_text=True)
    version = page_version(client.get(setup.section_url("policy")).get_data(as_text=True))
    response = client.post(f"{setup.url}/submit", data={"based_on_version": version})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "required questions are still unanswered" in page
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0


def test_submit_records_a_snapshot_confirms_and_emails_a_receipt(client, make_org, make_user, login, db, smtp):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    _complete(client, setup)
    response = _submit(client, setup)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"{setup.url}/submitted/1")
    confirmation = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Response submitted" in confirmation
    submission = db.session.scalar(select(Submission))
    assert submission.snapshot["summary"]["value"] == "Two findings on overtime"
    assert submission.snapshot["maturity"]["value"] == 3
    assert submission.submitted_by_id == setup.supplier.id
    db.session.expire_all()
    saved = db.session.scalar(select(Response))
    assert saved.status == ResponseStatus.SUBMITTED
    assert db.session.get(DialogueRound, setup.round.id).data_version == 1
    [receipt] = smtp.to(setup.supplier.email)
    assert "ICT supply chains 2026" in receipt["Subject"]
    assert f"http://localhost{setup.url}" in smtp.body(receipt)
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "response.submitted")) == 1
    # The snapshot does not move when the live answers do.
    client.post(f"{setup.url}/reopen", data={})
    _save(client, setup, "evidence", {"q_summary": "Changed later"})
    db.session.expire_all()
    assert db.session.scalar(select(Submission)).snapshot["summary"]["value"] == "Two findings on overtime"


def test_reopening_and_resubmitting_keeps_the_history(client, make_org, make_user, login, db, smtp):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    _complete(client, setup)
    _submit(client, setup)
    assert "Reopen my response" in client.get(setup.url).get_data(as_text=True)
    reopened = client.post(f"{setup.url}/reopen", data={})
    assert reopened.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(Response)).status == ResponseStatus.DRAFT
    _save(client, setup, "evidence", {"q_summary": "Revised findings"})
    response = _submit(client, setup)
    assert response.headers["Location"].endswith(f"{setup.url}/submitted/2")
    db.session.expire_all()
    submissions = db.session.scalars(select(Submission).order_by(Submission.number)).all()
    assert [s.snapshot["summary"]["value"] for s in submissions] == ["Two findings on overtime",
                                                                      "Revised findings"]
    assert db.session.get(DialogueRound, setup.round.id).data_version == 3  # submit, reopen, submit
    overview = client.get(setup.url).get_data(as_text=True)
    assert "Submission 1" in overview and "Submission 2" in overview
    assert len(smtp.to(setup.supplier.email)) == 2
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "response.reopened")) == 1


def test_a_submitted_response_is_read_only_until_reopened(client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    _complete(client, setup)
    _submit(client, setup)
    html = client.get(setup.section_url("evidence")).get_data(as_text=True)
    assert "Your response is submitted" in html
    assert 'class="answer-form"' not in html
    assert "Two findings on overtime" in html


def test_after_the_deadline_everything_is_read_only_with_a_clear_notice(client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    _complete(client, setup)
    _submit(client, setup)
    close_round(setup)
    for url in (setup.url, setup.section_url("policy"), f"{setup.url}/review"):
        html = client.get(url).get_data(as_text=True)
        assert "The deadline has passed" in html, url
        assert 'class="answer-form"' not in html
    assert "Reopen my response" not in client.get(setup.url).get_data(as_text=True)
    refused = client.post(f"{setup.url}/reopen", data={}, follow_redirects=True)
    assert "can no longer be reopened" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(Response)).status == ResponseStatus.SUBMITTED


def test_a_draft_cannot_be_submitted_after_the_deadline(client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    _complete(client, setup)
    version = page_version(client.get(f"{setup.url}/review").get_data(as_text=True))
    close_round(setup)
    refused = client.post(f"{setup.url}/submit", data={"based_on_version": version}, follow_redirects=True)
    assert "The deadline has passed" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
