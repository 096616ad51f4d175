"""Nothing lost: version conflicts, concurrent saves, double submits, expired sessions and tokens, deadlines."""

from __future__ import annotations

import re
import threading
from urllib.parse import unquote

from factories_answering import POLICY_ANSWERS, build, close_round, page_digest, page_version
from sqlalchemy import func, select

from questionnaire.models import Answer, Response, Submission


def _open(client, setup, key):
    html = client.get(setup.section_url(key)).get_data(as_text=True)
    return page_version(html), re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)


def _answer(db, key):
    db.session.expire_all()
    return db.session.scalar(select(Answer).where(Answer.question_key == key))


def _complete(client, setup):
    """Answer every required question."""
    for key, data in (("policy", POLICY_ANSWERS), ("suppliers", {"q_audits": "4"}),
                      ("evidence", {"q_summary": "All good"})):
        version, _token = _open(client, setup, key)
        assert client.post(setup.section_url(key), data={**data, "based_on_version": version}).status_code == 302


def test_a_save_based_on_an_old_version_gets_409_with_both_values_and_nothing_lost(
        app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    alice, bob = app.test_client(), app.test_client()
    login(alice, setup.supplier)
    login(bob, setup.colleague)
    alice_page = alice.get(setup.section_url("evidence")).get_data(as_text=True)
    bob_version, _ = _open(bob, setup, "evidence")
    assert bob.post(setup.section_url("evidence"), data={
        "based_on_version": bob_version, "q_summary": "Bob's summary"}).status_code == 302

    response = alice.post(setup.section_url("evidence"), data={
        "based_on_version": page_version(alice_page), "section_digest": page_digest(alice_page),
        "q_summary": "Alice's summary", "q_summary-comment": "see annex"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Alice&#39;s summary" in html and "Bob&#39;s summary" in html
    assert "Keep mine" in html and "Keep the stored answer" in html
    # Her input travels on as hidden fields: choosing loses nothing.
    assert 'name="q_summary" value="Alice&#39;s summary"' in html
    assert 'name="q_summary-comment" value="see annex"' in html
    assert _answer(db, "summary").value == "Bob's summary"

    resolved = alice.post(setup.section_url("evidence"), data={
        "based_on_version": page_version(html), "section_digest": page_digest(html), "q_summary": "Alice's summary",
        "q_summary-comment": "see annex", "q_summary-resolve": "mine"})
    assert resolved.status_code == 302
    answer = _answer(db, "summary")
    assert (answer.value, answer.comment) == ("Alice's summary", "see annex")


def test_choosing_the_stored_answer_on_the_conflict_page_keeps_it(app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    alice, bob = app.test_client(), app.test_client()
    login(alice, setup.supplier)
    login(bob, setup.colleague)
    alice_version, _ = _open(alice, setup, "evidence")
    bob_version, _ = _open(bob, setup, "evidence")
    bob.post(setup.section_url("evidence"), data={"based_on_version": bob_version, "q_summary": "Bob's"})
    html = alice.post(setup.section_url("evidence"), data={
        "based_on_version": alice_version, "q_summary": "Alice's"}).get_data(as_text=True)
    alice.post(setup.section_url("evidence"), data={
        "based_on_version": page_version(html), "q_summary": "Alice's", "q_summary-resolve": "stored"})
    assert _answer(db, "summary").value == "Bob's"


def test_a_stale_page_whose_answers_nobody_else_changed_saves_without_a_conflict(
        app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    alice, bob = app.test_client(), app.test_client()
    login(alice, setup.supplier)
    login(bob, setup.colleague)
    alice_page = alice.get(setup.section_url("evidence")).get_data(as_text=True)
    bob_version, _ = _open(bob, setup, "policy")
    bob.post(setup.section_url("policy"), data={**POLICY_ANSWERS, "based_on_version": bob_version})
    response = alice.post(setup.section_url("evidence"), data={
        "based_on_version": page_version(alice_page), "section_digest": page_digest(alice_page),
        "q_summary": "Mine"})
    assert response.status_code == 302
    assert _answer(db, "summary").value == "Mine"
    assert _answer(db, "has_policy").value == "yes"


def test_two_colleagues_saving_at_the_same_moment_get_no_500_and_no_duplicate_row(
        app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    clients = [app.test_client(), app.test_client()]
    login(clients[0], setup.supplier)
    login(clients[1], setup.colleague)
    versions = [_open(c, setup, "evidence")[0] for c in clients]
    barrier = threading.Barrier(2)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def save(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            result = clients[index].post(setup.section_url("evidence"), data={
                "based_on_version": versions[index], "q_summary": f"summary {index}"})
            statuses.append(result.status_code)
        except BaseException as exc:  # reported below, in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert sorted(statuses) in ([302, 302], [302, 409])
    db.session.expire_all()
    count = db.session.scalar(select(func.count()).select_from(Answer).where(Answer.question_key == "summary"))
    assert count == 1


def test_creating_the_response_twice_at_once_gives_one_response(app, make_org, make_user, db):
    from questionnaire.services.responses import get_or_create_response

    setup = build(make_org, make_user)
    # Read in this thread: the setup's objects belong to this thread's session.
    round_id, organisation_id = setup.round.id, setup.supplier.organisation_id
    barrier = threading.Barrier(2)
    ids: list[int] = []
    errors: list[BaseException] = []

    def create() -> None:
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                from questionnaire.models import DialogueRound, Organisation

                round_ = db.session.get(DialogueRound, round_id)
                organisation = db.session.get(Organisation, organisation_id)
                ids.append(get_or_create_response(round_, organisation).id)
                db.session.commit()
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert len(set(ids)) == 1
    assert db.session.scalar(select(func.count()).select_from(Response)) == 1


def test_a_double_clicked_submit_submits_once_and_sends_one_receipt(client, make_org, make_user, login, db, smtp):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    _complete(client, setup)
    version = page_version(client.get(f"{setup.url}/review").get_data(as_text=True))
    first = client.post(f"{setup.url}/submit", data={"based_on_version": version})
    second = client.post(f"{setup.url}/submit", data={"based_on_version": version})
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1
    assert len(smtp.to(setup.supplier.email)) == 1


def test_two_submits_at_the_same_moment_submit_once(app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    clients = [app.test_client(), app.test_client()]
    login(clients[0], setup.supplier)
    login(clients[1], setup.colleague)
    _complete(clients[0], setup)
    version = page_version(clients[0].get(f"{setup.url}/review").get_data(as_text=True))
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def submit(index: int) -> None:
        barrier.wait(timeout=10)
        statuses.append(clients[index].post(f"{setup.url}/submit", data={"based_on_version": version}).status_code)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert statuses == [302, 302]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Submission)) == 1


def test_answers_posted_after_the_session_expired_are_saved_after_logging_in_again(
        client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    version, token = _open(client, setup, "evidence")
    with client.session_transaction() as session:
        session.clear()  # the session expired while the page was open
    response = client.post(setup.section_url("evidence"), data={
        "csrf_token": token, "based_on_version": version, "q_summary": "Typed for an hour"})
    assert response.status_code == 302
    location = unquote(response.headers["Location"])
    assert "/login" in location
    resume = location.split("next=", 1)[1]
    assert _answer(db, "summary") is None

    logged_in = client.post("/login", data={"email": setup.supplier.email, "password": "pw", "next": resume})
    assert logged_in.headers["Location"].endswith(resume)
    saved = client.get(resume)
    assert saved.status_code == 302
    assert saved.headers["Location"].endswith(setup.section_url("evidence"))
    assert _answer(db, "summary").value == "Typed for an hour"
    page = client.get(saved.headers["Location"]).get_data(as_text=True)
    assert "The answers you had sent are now saved." in page
    # The kept copy is used once.
    assert client.get(resume).status_code == 404


def test_kept_answers_cannot_be_planted_through_the_link_alone(app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    poster = app.test_client()
    login(poster, setup.supplier)
    version, token = _open(poster, setup, "evidence")
    with poster.session_transaction() as session:
        session.clear()
    response = poster.post(setup.section_url("evidence"), data={
        "csrf_token": token, "based_on_version": version, "q_summary": "planted"})
    resume = unquote(response.headers["Location"]).split("next=", 1)[1]
    victim = app.test_client()
    login(victim, setup.colleague)
    assert victim.get(resume).status_code == 404
    assert _answer(db, "summary") is None


def test_an_expired_security_token_reshows_the_form_with_the_posted_values(client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    version, _token = _open(client, setup, "evidence")
    response = client.post(setup.section_url("evidence"), data={
        "csrf_token": "expired", "based_on_version": version, "q_summary": "Long answer"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "security token expired" in html
    assert 'value="Long answer"' in html
    assert _answer(db, "summary") is None
    # The re-shown form carries a fresh token: the next click saves.
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
    again = client.post(setup.section_url("evidence"), data={
        "csrf_token": fresh, "based_on_version": page_version(html), "q_summary": "Long answer"})
    assert again.status_code == 302
    assert _answer(db, "summary").value == "Long answer"


def test_a_save_after_the_deadline_is_refused_with_a_message_and_the_input_reshown(
        client, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    version, _token = _open(client, setup, "evidence")
    close_round(setup)
    response = client.post(setup.section_url("evidence"), data={
        "based_on_version": version, "q_summary": "Just too late"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "The deadline has passed" in html
    assert 'value="Just too late"' in html
    assert _answer(db, "summary") is None


def test_one_address_cannot_flood_the_store_of_kept_answers(app, make_org, make_user, db):
    from questionnaire.models import PendingSave
    from questionnaire.views.answering import PENDING_RATE_LIMIT

    setup = build(make_org, make_user)
    allowed = int(PENDING_RATE_LIMIT.split()[0])
    anonymous = app.test_client()
    statuses = [anonymous.post(setup.section_url("evidence"), data={"csrf_token": "", "q_summary": "x"}).status_code
                for _ in range(allowed + 1)]
    assert statuses[:allowed] == [302] * allowed and statuses[-1] == 429
    assert db.session.scalar(select(func.count()).select_from(PendingSave)) == allowed
