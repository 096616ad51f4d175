"""Suppliers answer one section per page, over several sittings, with server-side show_if."""

from __future__ import annotations

from factories_answering import POLICY_ANSWERS, build, page_version
from sqlalchemy import func, select

from questionnaire.models import Answer, AuditEvent, Response


def _post(client, setup, key, data, action="save", **extra):
    page = client.get(setup.section_url(key))
    assert page.status_code == 200
    body = {"based_on_version": page_version(page.get_data(as_text=True)), "action": action, **data, **extra}
    return client.post(setup.section_url(key), data=body)


def test_saved_draft_answers_are_intact_after_logging_out_and_back_in(client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    response = _post(client, setup, "policy", {**POLICY_ANSWERS, "q_has_policy-comment": "Board approved",
                                                "q_has_policy-quotable": "y"})
    assert response.status_code == 302
    client.post("/logout")
    login(client, setup.supplier)
    html = client.get(setup.section_url("policy")).get_data(as_text=True)
    assert 'value="https://acme.test/policy"' in html
    assert 'value="1200"' in html
    assert "Board approved" in html
    assert '<input checked id="q_has_policy-0" name="q_has_policy" type="radio" value="yes">' in html
    stored = {a.question_key: a for a in db.session.scalars(select(Answer))}
    assert stored["maturity"].value == 3
    assert stored["has_policy"].quotable is True
    events = select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "response.saved")
    assert db.session.scalar(events) == 1


def test_save_and_next_goes_to_the_next_section_and_progress_counts_required_questions(
        client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    response = _post(client, setup, "policy", POLICY_ANSWERS, action="next")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(setup.section_url("suppliers"))
    saved = db.session.scalar(select(Response))
    # has_policy, policy_url (shown because yes), maturity; audits and summary still open.
    assert (saved.required_answered, saved.required_shown) == (3, 5)
    overview = client.get(setup.url).get_data(as_text=True)
    assert "3 of 5" in overview
    assert "3 of 5" in client.get(setup.url + "/").get_data(as_text=True)  # a typed trailing slash finds it too
    previous = _post(client, setup, "suppliers", {}, action="previous")
    assert previous.headers["Location"].endswith(setup.section_url("policy"))


def test_a_wrong_value_gets_its_message_next_to_its_field_and_nothing_is_lost(client, make_org, make_user, login):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    response = _post(client, setup, "policy", {**POLICY_ANSWERS, "q_policy_url": "not a web address",
                                               "q_workers": "-5"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="q_policy_url-error"' in html
    assert "Please enter a web address" in html
    assert 'id="q_workers-error"' in html
    assert 'aria-describedby="q_workers-error"' in html or 'aria-describedby="q_workers-help q_workers-error"' in html
    assert 'value="not a web address"' in html  # the input is re-shown


def test_a_question_whose_condition_stops_holding_disappears_after_save_without_javascript(
        client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    html = client.get(setup.section_url("policy")).get_data(as_text=True)
    # Not answered yet: the conditional question is in the page but hidden.
    assert 'id="question-policy_url"' in html
    assert _is_hidden(html, "policy_url") is True
    assert 'data-show-if="{&#34;equals&#34;: &#34;yes&#34;, &#34;question&#34;: &#34;has_policy&#34;}"' in html
    _post(client, setup, "policy", POLICY_ANSWERS)
    html = client.get(setup.section_url("policy")).get_data(as_text=True)
    assert _is_hidden(html, "policy_url") is False
    # Changing the answer to "no" hides it; the stored URL is ignored, not counted, but kept.
    _post(client, setup, "policy", {**POLICY_ANSWERS, "q_has_policy": "no", "q_policy_url": "https://x.test"})
    html = client.get(setup.section_url("policy")).get_data(as_text=True)
    assert _is_hidden(html, "policy_url") is True
    saved = db.session.scalar(select(Response))
    assert saved.required_shown == 4
    url_answer = db.session.scalar(select(Answer).where(Answer.question_key == "policy_url"))
    assert url_answer.value == "https://acme.test/policy"  # the hidden question's post was ignored


def test_a_hidden_question_with_a_bad_value_does_not_block_the_save(client, make_org, make_user, login):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    response = _post(client, setup, "policy", {**POLICY_ANSWERS, "q_has_policy": "no",
                                               "q_policy_url": "nonsense"})
    assert response.status_code == 302


def _is_hidden(html: str, key: str) -> bool:
    tag = html.split(f'id="question-{key}"', 1)[1].split(">", 1)[0]
    return " hidden" in tag


def test_table_rows_are_added_and_removed_without_javascript(client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    html = client.get(setup.section_url("suppliers")).get_data(as_text=True)
    assert 'name="q_factories-2-name"' in html and 'name="q_factories-3-name"' not in html
    response = _post(client, setup, "suppliers", {
        "q_factories-rows": "3",
        "q_factories-0-name": "Shenzhen 1", "q_factories-0-country": "CN", "q_factories-0-workers": "500",
        "q_factories-1-name": "Penang", "q_factories-1-country": "MY",
    }, add_row="factories")
    assert response.status_code == 302
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="q_factories-3-name"' in html  # one more row
    assert 'value="Shenzhen 1"' in html and 'value="Penang"' in html
    answer = db.session.scalar(select(Answer).where(Answer.question_key == "factories"))
    assert answer.value == [{"name": "Shenzhen 1", "country": "CN", "workers": 500},
                            {"name": "Penang", "country": "MY"}]
    # Remove the first row: Penang remains.
    response = client.post(setup.section_url("suppliers"), data={
        "based_on_version": page_version(html), "q_factories-rows": "4",
        "q_factories-0-name": "Shenzhen 1", "q_factories-0-country": "CN", "q_factories-0-workers": "500",
        "q_factories-1-name": "Penang", "q_factories-1-country": "MY", "remove_row": "factories:0"})
    assert response.status_code == 302
    db.session.expire_all()
    answer = db.session.scalar(select(Answer).where(Answer.question_key == "factories"))
    assert answer.value == [{"name": "Penang", "country": "MY"}]
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'name="q_factories-2-name"' in html and 'name="q_factories-3-name"' not in html


def test_not_applicable_needs_a_justification_and_then_counts_as_answered(client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    response = _post(client, setup, "suppliers", {"q_audits-na": "y"})
    assert response.status_code == 400
    assert "Please say why this question does not apply." in response.get_data(as_text=True)
    response = _post(client, setup, "suppliers", {"q_audits-na": "y",
                                                  "q_audits-na-justification": "We only resell."})
    assert response.status_code == 302
    answer = db.session.scalar(select(Answer).where(Answer.question_key == "audits"))
    assert answer.value == {"na": True, "justification": "We only resell."}
    assert db.session.scalar(select(Response)).required_answered == 1


def test_confidential_and_quotable_flags_are_kept_per_answer(client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    _post(client, setup, "evidence", {"q_summary": "Two findings on overtime.", "q_summary-confidential": "y",
                                      "q_summary-comment": "Details on request"})
    answer = db.session.scalar(select(Answer).where(Answer.question_key == "summary"))
    assert (answer.confidential, answer.quotable, answer.comment) == (True, False, "Details on request")


def test_the_page_shows_the_sections_the_progress_bar_and_the_deadline(client, make_org, make_user, login):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    html = client.get(setup.section_url("policy")).get_data(as_text=True)
    assert html.count("<h1") == 1
    assert "<progress" in html
    assert "Deadline:" in html
    for title in ("Policy", "Suppliers", "Evidence"):
        assert title in html
    assert "Save draft" in html and "Save and next" in html and "Previous" in html
    assert "answering.js" in html and "<script>" not in html


def test_suppliers_not_invited_and_buyers_cannot_open_the_answering_pages(client, make_org, make_user, login):
    setup = build(make_org, make_user)
    stranger = make_user(kind="supplier")
    login(client, stranger)
    assert client.get(setup.url).status_code == 404
    assert client.get(setup.section_url("policy")).status_code == 404
    client.post("/logout")
    login(client, setup.buyer)
    assert client.get(setup.url).status_code == 404


def test_removing_a_row_moves_the_rows_below_up_even_when_another_answer_needs_correcting(
        client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    response = _post(client, setup, "suppliers", {
        "q_factories-rows": "3", "q_factories-0-name": "First", "q_factories-1-name": "Second",
        "q_factories-2-name": "Third", "q_audits": "many"}, remove_row="factories:1")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'name="q_factories-0-name" type="text" value="First"' in html
    assert 'name="q_factories-1-name" type="text" value="Third"' in html
    assert "Second" not in html
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_saving_again_before_the_next_page_shows_the_saved_message_once(client, make_org, make_user, login):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    version = page_version(client.get(setup.section_url("policy")).get_data(as_text=True))
    for attempt in range(3):  # a double click, another tab: the redirects are never followed
        body = {"based_on_version": str(int(version) + attempt), "action": "save", **POLICY_ANSWERS}
        assert client.post(setup.section_url("policy"), data=body).status_code == 302
    html = client.get(setup.section_url("policy")).get_data(as_text=True)
    assert html.count("Your answers are saved.") == 1
    # Shown once, then gone.
    assert "Your answers are saved." not in client.get(setup.section_url("policy")).get_data(as_text=True)


def test_a_refused_page_leaves_nothing_behind_for_the_next_page_or_supplier(client, app, make_org, make_user, login):
    """Section forms reuse their fields' set-up between requests; what one request posts stays its own."""
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    refused = _post(client, setup, "policy", {**POLICY_ANSWERS, "q_policy_url": "not a web address"})
    assert refused.status_code == 400
    assert 'id="q_policy_url-error"' in refused.get_data(as_text=True)
    # The same page again shows what is stored, without the refused input or its message.
    again = client.get(setup.section_url("policy")).get_data(as_text=True)
    assert 'id="q_policy_url-error"' not in again
    assert "not a web address" not in again
    # Another supplier, in another language, gets a clean page with the labels in French.
    other = app.test_client()
    login(other, setup.other_supplier)
    other.post("/language", data={"lang": "fr", "next": "/"})
    html = other.get(setup.section_url("policy")).get_data(as_text=True)
    assert 'id="q_policy_url-error"' not in html
    assert 'value="https://acme.test/policy"' not in html
    assert "Commentaire (facultatif)" in html
    assert "Comment (optional)" in client.get(setup.section_url("policy")).get_data(as_text=True)
