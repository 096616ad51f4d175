"""Dialogue rounds: creation, co-ownership, state transitions, deadlines, the owners' status page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rounds_support import fresh, make_response, make_round, published_version, supplier_org
from sqlalchemy import event, select

from questionnaire.errors import NotAllowed
from questionnaire.models import AuditEvent, DialogueRound, Invitation, OrganisationKind, RoundStatus, utcnow
from questionnaire.services import rounds
from questionnaire.services.rounds import InvalidRound


@pytest.fixture
def buyers(make_org):
    return make_org(kind="buyer", name="City of Ghent"), make_org(kind="buyer", name="Region of Lund")


@pytest.fixture
def buyer(make_user, buyers):
    return make_user(org=buyers[0], email="anna@ghent.test")


@pytest.fixture
def other_buyer(make_user, buyers):
    return make_user(org=buyers[1], email="olle@lund.test")


@pytest.fixture
def secretariat(make_user):
    return make_user(kind="secretariat", email="sec@wg.test")


def _create(actor, owners, version, **overrides):
    now = utcnow()
    args = {"k": 3, "languages": ["en"], "actor": actor}
    args.update(overrides)
    return rounds.create_round("Laptops 2027", "About laptops", version, owners, now + timedelta(hours=1),
                               now + timedelta(days=30), **args)


def _invite(dialogue_round, org, email):
    invitation = Invitation(round=dialogue_round, organisation=org, contact_email=email, language="en",
                            token_hash=f"{org.id:064d}")
    from questionnaire.extensions import db

    db.session.add(invitation)
    db.session.commit()
    return invitation


# --- creation and ownership ----------------------------------------------------------------------


def test_buyer_creating_a_round_co_owns_it_and_has_accepted_while_the_others_have_not(db, buyer, buyers):
    version = published_version(buyers[0])
    dialogue_round = _create(buyer, [buyers[1]], version)
    db.session.commit()
    accepted = {o.organisation.name: o.accepted_at is not None for o in dialogue_round.owners}
    assert accepted == {"City of Ghent": True, "Region of Lund": False}
    assert dialogue_round.status == RoundStatus.DRAFT
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.created")) is not None


def test_round_cannot_open_before_every_co_owner_accepts(db, buyer, other_buyer, buyers):
    dialogue_round = _create(buyer, [buyers[1]], published_version(buyers[0]))
    with pytest.raises(NotAllowed, match="accept"):
        rounds.open_round(dialogue_round, buyer)
    rounds.accept_ownership(dialogue_round, other_buyer)
    rounds.open_round(dialogue_round, buyer)
    db.session.commit()
    assert fresh(dialogue_round).status == RoundStatus.OPEN


@pytest.mark.parametrize("k", [1, 0, -3])
def test_minimum_group_size_below_two_is_refused(db, buyer, buyers, k):
    with pytest.raises(InvalidRound, match="at least 2"):
        _create(buyer, [], published_version(buyers[0]), k=k)


def test_languages_must_be_offered_by_the_questionnaire(db, buyer, buyers):
    with pytest.raises(InvalidRound, match="de"):
        _create(buyer, [], published_version(buyers[0]), languages=["en", "de"])


def test_a_draft_questionnaire_version_cannot_be_used(db, buyer, buyers):
    version = published_version(buyers[0])
    version.status = "draft"
    with pytest.raises(InvalidRound, match="published"):
        _create(buyer, [], version)


def test_supplier_organisations_cannot_co_own(db, buyer, buyers):
    supplier = supplier_org("Acme Laptops")
    with pytest.raises(InvalidRound, match="not a buyer"):
        _create(buyer, [supplier], published_version(buyers[0]))


def test_secretariat_round_needs_a_buyer_owner(db, secretariat, buyers):
    with pytest.raises(InvalidRound, match="co-owning"):
        _create(secretariat, [], published_version(buyers[0]))


# --- transitions ---------------------------------------------------------------------------------


def test_closed_round_cannot_be_reopened_by_a_buyer_but_the_secretariat_can_extend_it(db, buyer, secretariat, buyers):
    dialogue_round = make_round([buyers[0]])
    rounds.close_round(dialogue_round, buyer)
    db.session.commit()
    assert dialogue_round.status == RoundStatus.CLOSED
    with pytest.raises(NotAllowed):
        rounds.open_round(dialogue_round, buyer)
    with pytest.raises(NotAllowed, match="secretariat"):
        rounds.extend_deadline(dialogue_round, utcnow() + timedelta(days=3), buyer)
    db.session.rollback()
    rounds.extend_deadline(fresh(dialogue_round), utcnow() + timedelta(days=3), secretariat)
    db.session.commit()
    assert fresh(dialogue_round).status == RoundStatus.OPEN
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["round.closed", "round.deadline_changed"]


def test_buyer_extends_the_deadline_of_an_open_round_and_it_is_audited(db, buyer, buyers):
    dialogue_round = make_round([buyers[0]])
    before = dialogue_round.closes_at
    rounds.extend_deadline(dialogue_round, before + timedelta(days=7), buyer)
    db.session.commit()
    event_ = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.deadline_changed"))
    assert event_.details["before"] == before.isoformat()
    assert fresh(dialogue_round).closes_at == before + timedelta(days=7)


def test_deadline_cannot_move_earlier(db, buyer, buyers):
    dialogue_round = make_round([buyers[0]])
    with pytest.raises(NotAllowed, match="later"):
        rounds.extend_deadline(dialogue_round, dialogue_round.closes_at - timedelta(days=1), buyer)


def test_publish_only_after_closing(db, secretariat, buyers):
    dialogue_round = make_round([buyers[0]])
    with pytest.raises(NotAllowed):
        rounds.publish_round(dialogue_round, secretariat)
    rounds.close_round(dialogue_round, secretariat)
    rounds.publish_round(dialogue_round, secretariat)
    assert dialogue_round.status == RoundStatus.PUBLISHED


# --- pages ---------------------------------------------------------------------------------------


def test_buyer_creates_a_round_with_brussels_times_stored_in_utc(db, client, login, buyer, buyers):
    version = published_version(buyers[0])
    login(client, buyer)
    page = client.get("/rounds/new")
    assert page.status_code == 200
    assert "Due diligence (version 1)" in page.text
    response = client.post("/rounds/new", data={
        "title": "Servers 2027", "description": "", "version_id": version.id, "owner_ids": [buyers[1].id],
        "opens_at": "2030-01-15T10:00", "closes_at": "2030-07-01T12:00:00", "k": "3", "languages": ["en", "fr"],
    })
    assert response.status_code == 302, response.text
    created = db.session.scalar(select(DialogueRound).where(DialogueRound.title == "Servers 2027"))
    # Brussels is UTC+1 in winter and UTC+2 in summer.
    assert created.opens_at == datetime(2030, 1, 15, 9, 0, tzinfo=UTC)
    assert created.closes_at == datetime(2030, 7, 1, 10, 0, tzinfo=UTC)
    assert {o.organisation_id for o in created.owners} == {buyers[0].id, buyers[1].id}
    detail = client.get(response.headers["Location"])
    assert "Region of Lund" in detail.text and "has not accepted yet" in detail.text


def test_round_form_refuses_k_of_one_next_to_the_field(client, login, buyer, buyers):
    version = published_version(buyers[0])
    login(client, buyer)
    response = client.post("/rounds/new", data={
        "title": "Servers", "version_id": version.id, "opens_at": "2030-01-15T10:00",
        "closes_at": "2030-02-15T10:00", "k": "1", "languages": ["en"],
    })
    assert response.status_code == 400
    assert 'id="k-error"' in response.text


def test_suppliers_cannot_create_rounds(client, login, make_user):
    login(client, make_user(kind="supplier"))
    assert client.get("/rounds/new").status_code == 403


def test_co_owner_accepts_then_owner_opens_through_the_page(db, client, login, buyer, other_buyer, buyers):
    dialogue_round = make_round([buyers[0], buyers[1]], status=RoundStatus.DRAFT, accepted=False)
    dialogue_round.owners[0].accepted_at = utcnow()
    db.session.commit()
    login(client, buyer)
    client.post(f"/rounds/{dialogue_round.id}/open", data={})
    assert fresh(dialogue_round).status == RoundStatus.DRAFT
    client.post("/logout", data={})
    # An owner that has not accepted sees the round but may not run it.
    login(client, other_buyer)
    assert client.post(f"/rounds/{dialogue_round.id}/open", data={}).status_code == 403
    assert client.post(f"/rounds/{dialogue_round.id}/accept", data={}).status_code == 302
    assert client.post(f"/rounds/{dialogue_round.id}/open", data={}).status_code == 302
    assert fresh(dialogue_round).status == RoundStatus.OPEN


def test_buyer_cannot_reopen_a_closed_round_through_the_deadline_form(db, client, login, buyer, secretariat, buyers):
    dialogue_round = make_round([buyers[0]], status=RoundStatus.CLOSED,
                                closes_at=utcnow() - timedelta(hours=1))
    later = (datetime.now(UTC) + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    login(client, buyer)
    refused = client.post(f"/rounds/{dialogue_round.id}/deadline", data={"deadline-closes_at": later})
    assert refused.status_code == 400
    assert "Only the secretariat can reopen a closed round." in refused.text
    assert fresh(dialogue_round).status == RoundStatus.CLOSED
    client.post("/logout", data={})
    login(client, secretariat)
    assert client.post(f"/rounds/{dialogue_round.id}/deadline", data={"deadline-closes_at": later}).status_code == 302
    assert fresh(dialogue_round).status == RoundStatus.OPEN


def test_owners_see_each_supplier_status_and_the_response_rate(db, client, login, buyer, buyers):
    dialogue_round = make_round([buyers[0]])
    names = ["Alpha Devices", "Beta Screens", "Gamma Chips", "Delta Cables"]
    orgs = [supplier_org(name) for name in names]
    invitations = [_invite(dialogue_round, org, f"c{i}@s.test") for i, org in enumerate(orgs)]
    invitations[1].opened_at = utcnow()
    db.session.commit()
    make_response(dialogue_round, orgs[2], answered=1, shown=4)
    make_response(dialogue_round, orgs[3], submitted=True)
    overview = rounds.round_overview(dialogue_round)
    states = {row.organisation_name: (row.state.value, row.percent) for row in overview.rows}
    assert states == {"Alpha Devices": ("invited", 0), "Beta Screens": ("opened", 0),
                      "Gamma Chips": ("in_progress", 25), "Delta Cables": ("submitted", 100)}
    assert (overview.invited, overview.submitted, overview.response_rate) == (4, 1, 25)
    login(client, buyer)
    page = client.get(f"/rounds/{dialogue_round.id}")
    assert page.status_code == 200
    assert "Response rate: 25% (1 of 4 submitted)." in page.text
    assert "In progress (25%)" in page.text and "Link opened" in page.text
    assert page.text.count("<h1") == 1


def _count_queries(db, fn):
    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return len(statements)


def test_status_page_reads_suppliers_in_a_fixed_number_of_queries(db, client, login, buyer, buyers):
    dialogue_round = make_round([buyers[0]])
    login(client, buyer)

    def add_suppliers(start, count):
        for i in range(start, start + count):
            org = supplier_org(f"Supplier {i:02d}")
            _invite(dialogue_round, org, f"s{i}@s.test")
            if i % 2:
                make_response(dialogue_round, org, submitted=i % 3 == 0)

    add_suppliers(0, 2)
    few = _count_queries(db, lambda: client.get(f"/rounds/{dialogue_round.id}"))
    add_suppliers(2, 12)
    many = _count_queries(db, lambda: client.get(f"/rounds/{dialogue_round.id}"))
    assert many == few
    assert client.get(f"/rounds/{dialogue_round.id}").text.count("<tr>") == 15


def test_rounds_list_shows_buyers_only_their_rounds(db, client, login, buyer, other_buyer, buyers):
    make_round([buyers[0]], title="Ghent round")
    make_round([buyers[1]], title="Lund round")
    login(client, buyer)
    page = client.get("/rounds")
    assert "Ghent round" in page.text and "Lund round" not in page.text
    dashboard = client.get("/dashboard")
    assert "Ghent round" in dashboard.text and "Lund round" not in dashboard.text


def test_unrelated_buyer_gets_404_for_a_round(client, login, other_buyer, buyers):
    dialogue_round = make_round([buyers[0]])
    login(client, other_buyer)
    assert client.get(f"/rounds/{dialogue_round.id}").status_code == 404
    assert client.post(f"/rounds/{dialogue_round.id}/close", data={}).status_code == 404


def test_supplier_sees_only_its_own_invitation_never_other_suppliers(db, client, login, make_user, buyers):
    dialogue_round = make_round([buyers[0]])
    mine, theirs = supplier_org("Mine Ltd"), supplier_org("Competitor GmbH")
    _invite(dialogue_round, mine, "me@mine.test")
    _invite(dialogue_round, theirs, "them@comp.test")
    make_response(dialogue_round, theirs, submitted=True)
    login(client, make_user(org=mine, email="me@mine.test"))
    for url in ("/rounds", f"/rounds/{dialogue_round.id}", "/dashboard"):
        page = client.get(url)
        assert page.status_code == 200
        assert "Competitor GmbH" not in page.text and "them@comp.test" not in page.text
        assert "ICT hardware 2026" in page.text
    own = client.get(f"/rounds/{dialogue_round.id}").text
    assert "Response rate" not in own and "Invited" in own
    assert client.post(f"/rounds/{dialogue_round.id}/remind", data={}).status_code == 403
    assert client.post(f"/rounds/{dialogue_round.id}/invite", data={}).status_code == 403


def test_supplier_not_invited_gets_404(client, login, make_user, buyers):
    dialogue_round = make_round([buyers[0]])
    login(client, make_user(kind=OrganisationKind.SUPPLIER))
    assert client.get(f"/rounds/{dialogue_round.id}").status_code == 404


# --- command line --------------------------------------------------------------------------------


def test_round_list_prints_counts(db, runner, buyers):
    dialogue_round = make_round([buyers[0]], title="Printers")
    orgs = [supplier_org(f"P{i}") for i in range(3)]
    for i, org in enumerate(orgs):
        _invite(dialogue_round, org, f"p{i}@p.test")
    make_response(dialogue_round, orgs[0], submitted=True)
    make_round([buyers[1]], title="Empty", status=RoundStatus.DRAFT)
    result = runner.invoke(args=["round", "list"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert f"{dialogue_round.id}\tPrinters\topen\t3\t1" in lines
    assert any(line.endswith("\tEmpty\tdraft\t0\t0") for line in lines)


def test_round_remind_with_an_unknown_id_exits_2(runner):
    result = runner.invoke(args=["round", "remind", "999"])
    assert result.exit_code == 2
    assert "no round 999" in result.output


def test_round_remind_sends_to_non_submitted_and_once_a_day(db, runner, smtp, buyers):
    dialogue_round = make_round([buyers[0]])
    done, waiting = supplier_org("Done Inc"), supplier_org("Waiting Inc")
    _invite(dialogue_round, done, "done@d.test")
    _invite(dialogue_round, waiting, "waiting@w.test")
    make_response(dialogue_round, done, submitted=True)
    first = runner.invoke(args=["round", "remind", str(dialogue_round.id)])
    assert first.exit_code == 0, first.output
    assert "1 reminders sent" in first.output
    assert [str(m["To"]) for m in smtp.messages] == ["waiting@w.test"]
    again = runner.invoke(args=["round", "remind", str(dialogue_round.id)])
    assert "0 reminders sent" in again.output and "1 already reminded today" in again.output
    forced = runner.invoke(args=["round", "remind", str(dialogue_round.id), "--force"])
    assert "1 reminders sent" in forced.output
    assert len(smtp.messages) == 2


def test_round_remind_on_a_closed_round_exits_2(db, runner, buyers):
    dialogue_round = make_round([buyers[0]], status=RoundStatus.CLOSED)
    result = runner.invoke(args=["round", "remind", str(dialogue_round.id)])
    assert result.exit_code == 2
    assert "only while the round is open" in result.output


# --- demo ----------------------------------------------------------------------------------------


def test_seed_demo_adds_an_open_round_with_submitted_drafts_and_untouched_suppliers(db, runner):
    from questionnaire.models import Response, ResponseStatus
    from questionnaire.question_types import type_of, visible_parts
    from questionnaire.services.demo_round import ROUND_TITLE

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    dialogue_round = db.session.scalar(select(DialogueRound).where(DialogueRound.title == ROUND_TITLE))
    assert dialogue_round.status == RoundStatus.OPEN and dialogue_round.accepts_answers()
    assert {o.organisation.name for o in dialogue_round.owners} == {
        "City of Lyon Digital Procurement", "Dutch Government ICT Purchasing"}
    assert all(o.accepted_at is not None for o in dialogue_round.owners)
    overview = rounds.round_overview(dialogue_round)
    states = [row.state.value for row in overview.rows]
    assert (len(states), states.count("submitted"), states.count("in_progress")) == (12, 8, 2)
    nordlicht = next(row for row in overview.rows if row.organisation_name == "Nordlicht Computers GmbH")
    assert nordlicht.state.value == "in_progress" and 0 < nordlicht.percent < 100

    version = dialogue_round.questionnaire_version
    questions = {q.key: q for q in version.questions()}
    for response in db.session.scalars(select(Response).where(Response.round_id == dialogue_round.id)):
        values = {a.question_key: a.value for a in response.answers}
        visibility = visible_parts(version.sections, values)
        hidden = [key for key in values if not visibility.shows(key)]
        assert hidden == [], f"{response.organisation.name} answered hidden questions {hidden}"
        for key, value in values.items():
            assert type_of(questions[key]).validate(value, questions[key]) == [], (key, value)
        if response.status == ResponseStatus.SUBMITTED:
            assert response.submissions and response.required_answered == response.required_shown
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert len(db.session.scalars(select(DialogueRound).where(DialogueRound.title == ROUND_TITLE)).all()) == 1


def test_co_owner_sees_on_the_dashboard_that_a_round_waits_for_its_acceptance(db, client, login, other_buyer, buyers):
    make_round([buyers[0], buyers[1]], status=RoundStatus.DRAFT, accepted=False, title="Waiting round")
    login(client, other_buyer)
    for url in ("/dashboard", "/rounds"):
        assert "waiting for your organisation to accept co-ownership" in client.get(url).text
