"""Aggregation from the facts stored at submit time: the same figures as a from-scratch computation.

`aggregation_reference` is the aggregation as it was before the facts tables (JSON read in SQL,
visibility and scores decided per supplier at every call). Every figure of `aggregate_round` must
equal it, whether the facts were stored by submit(), by the bench generator's bulk path, or are
worked out at aggregation time for responses without stored facts (submitted before the migration).
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import aggregation_reference as reference
import pytest
from factories_reports import SUBMITTED, build_round, confidential, quotable
from sqlalchemy import delete, event, func, select, update

from bench.generate import populate
from questionnaire.extensions import db
from questionnaire.models import (
    Answer,
    AnswerFact,
    DialogueRound,
    Response,
    ResponseStatus,
    RoundStatus,
    SectionScore,
    User,
    utcnow,
)
from questionnaire.services import facts, responses
from reports.aggregation import aggregate_round


def _plain(value: Any) -> Any:
    """Floats rounded (sums may be added up in another order), containers made comparable."""
    if isinstance(value, float):
        return float(f"{value:.10g}") if math.isfinite(value) else value
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def snapshot(results: Any) -> dict[str, Any]:
    """Every figure of a RoundResults (this module's or the reference's) as plain data."""
    return _plain({
        "invited": results.invited, "started": results.started, "submitted": results.submitted,
        "countries": results.countries, "includes_confidential": results.includes_confidential,
        "suppliers": [(s.response_id, s.organisation_id, s.name, s.country, s.submitted_at)
                      for s in results.suppliers],
        "sections": [{
            "key": section.key,
            "scores": section.scores,
            "distribution": vars(section.distribution),
            "questions": [{
                "key": q.key, "respondents": q.respondents, "answered": q.answered,
                "not_applicable": q.not_applicable, "confidential": q.confidential, "summary": q.summary,
                "quotes": [(quote.text, quote.response_id, quote.supplier) for quote in q.quotes],
                "mean_score": q.mean_score, "scored": q.scored,
            } for q in section.questions],
        } for section in results.sections],
    })


def store_all(round_: DialogueRound) -> int:
    """Store the facts of every submitted response as submit() does; returns how many."""
    version = reference.load_version(round_)
    stored = 0
    for response in db.session.scalars(select(Response).where(Response.round_id == round_.id,
                                                               Response.status == ResponseStatus.SUBMITTED)):
        answers = {a.question_key: facts.StoredAnswer(a.value, a.confidential, a.quotable)
                   for a in db.session.scalars(select(Answer).where(Answer.response_id == response.id))}
        facts.store(round_.id, response.id, version, answers)
        response.facts_version = response.version
        stored += 1
    db.session.commit()
    return stored


def forget_all(round_: DialogueRound) -> None:
    """As after the migration: submitted responses without stored facts."""
    db.session.execute(delete(AnswerFact).where(AnswerFact.round_id == round_.id))
    db.session.execute(delete(SectionScore).where(SectionScore.round_id == round_.id))
    db.session.execute(update(Response).where(Response.round_id == round_.id).values(facts_version=None))
    db.session.commit()


VARIANTS = [{}, {"include_confidential": False}, {"country": "BE"}, {"country": "FR", "include_confidential": False},
            {"country": "ZZ"}]


def assert_same_as_reference(round_: DialogueRound) -> None:
    for options in VARIANTS:
        db.session.expire_all()
        expected = snapshot(reference.aggregate_round(round_, **options))
        db.session.expire_all()
        assert snapshot(aggregate_round(round_, **options)) == expected, options


@pytest.fixture
def setup(make_org, make_user):
    return build_round(make_org, make_user)


def test_stored_facts_give_the_figures_of_the_reference(setup):
    assert store_all(setup.round) == 6
    assert db.session.scalar(select(func.count()).select_from(AnswerFact)) > 0
    assert_same_as_reference(setup.round)


def test_responses_without_stored_facts_are_worked_out_from_their_answers(setup):
    # build_round writes Answer rows directly, as data from before the facts tables: nothing stored.
    assert db.session.scalar(select(func.count()).select_from(AnswerFact)) == 0
    assert_same_as_reference(setup.round)
    # Some stored, some not: still the same.
    store_all(setup.round)
    alpha = setup.responses["Alpha Devices"]
    db.session.execute(update(Response).where(Response.id == alpha.id).values(facts_version=None))
    db.session.commit()
    assert_same_as_reference(setup.round)


def test_store_missing_stores_what_the_aggregation_worked_out_from_the_answers(setup):
    version = reference.load_version(setup.round)
    before = snapshot(aggregate_round(setup.round))
    assert facts.store_missing(setup.round.id, version) == 6
    db.session.commit()
    assert facts.store_missing(setup.round.id, version) == 0
    versions = db.session.execute(select(Response.facts_version, Response.version, Response.status)
                                  .where(Response.round_id == setup.round.id)).all()
    assert all((fv == v) == (status == ResponseStatus.SUBMITTED) for fv, v, status in versions)
    db.session.expire_all()
    assert snapshot(aggregate_round(setup.round)) == before
    assert_same_as_reference(setup.round)


def test_stored_facts_of_an_older_version_or_of_a_draft_are_not_read(setup):
    store_all(setup.round)
    alpha = setup.responses["Alpha Devices"]
    # Changed without going through submit/reopen: the stored facts describe another version.
    db.session.execute(update(Answer).where(Answer.response_id == alpha.id, Answer.question_key == "workers")
                       .values(value=5))
    db.session.execute(update(Response).where(Response.id == alpha.id).values(version=Response.version + 1))
    # A response made a draft again behind reopen()'s back keeps its facts: they must not count.
    bravo = setup.responses["Bravo Systems"]
    db.session.execute(update(Response).where(Response.id == bravo.id).values(status=ResponseStatus.DRAFT.value))
    db.session.commit()
    assert_same_as_reference(setup.round)
    assert aggregate_round(setup.round).question("workers").summary["min"] == 5


def test_buyers_figures_leave_out_the_follow_ups_of_a_confidential_answer(make_org, make_user):
    # policy_url is shown only when has_policy is "yes": Bravo's confidential "yes" must not show through it.
    submitted = [(name, country, dict(answers)) for name, country, answers in SUBMITTED]
    submitted[1][2]["has_policy"] = confidential("yes")
    submitted[1][2]["policy_url"] = quotable("https://bravo.test/p")
    setup = build_round(make_org, make_user, submitted=submitted)
    for stored in (False, True):
        if stored:
            store_all(setup.round)
        everything = aggregate_round(setup.round).question("policy_url")
        buyers = aggregate_round(setup.round, include_confidential=False).question("policy_url")
        assert (everything.respondents, buyers.respondents) == (3, 2)
        assert_same_as_reference(setup.round)


def _open(round_: DialogueRound) -> None:
    now = utcnow()
    round_.status = RoundStatus.OPEN
    round_.opens_at = now - timedelta(days=1)
    round_.closes_at = now + timedelta(days=7)
    db.session.commit()


def test_submit_stores_the_facts_and_reopen_removes_them(setup, make_user):
    _open(setup.round)
    draft = setup.responses["Golf Draft"]
    user: User = make_user(org=draft.organisation)
    responses.submit(draft, draft.version, user)
    db.session.commit()
    stored = db.session.scalar(select(func.count()).select_from(AnswerFact).where(AnswerFact.response_id == draft.id))
    assert stored > 0
    assert draft.facts_version == draft.version
    assert db.session.scalar(select(func.count()).select_from(SectionScore)
                             .where(SectionScore.response_id == draft.id)) == 1  # the one scored section
    results = aggregate_round(setup.round)
    assert results.submitted == 7
    assert results.question("workers").summary["max"] == 999999
    assert "Draft text, never shown." in [q.text for q in results.question("findings").quotes]
    store_all(setup.round)
    assert_same_as_reference(setup.round)

    responses.reopen(draft, user)
    db.session.commit()
    assert draft.facts_version is None
    assert db.session.scalar(select(func.count()).select_from(AnswerFact)
                             .where(AnswerFact.response_id == draft.id)) == 0
    assert db.session.scalar(select(func.count()).select_from(SectionScore)
                             .where(SectionScore.response_id == draft.id)) == 0
    assert aggregate_round(setup.round).question("workers").summary["max"] == 1000
    assert_same_as_reference(setup.round)

    # Resubmitted with a changed answer: the facts are those of the new submission.
    db.session.execute(update(Answer).where(Answer.response_id == draft.id, Answer.question_key == "workers")
                       .values(value=12))
    db.session.commit()
    responses.submit(draft, draft.version, user)
    db.session.commit()
    assert aggregate_round(setup.round).question("workers").summary["min"] == 12
    assert_same_as_reference(setup.round)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_random_round_gives_the_figures_of_the_reference(app, seed):
    # The bench generator: the shipped template's type mix and conditions, random answers, N/A,
    # confidential and quotable ones, its facts stored in bulk by the same code as submit().
    made = populate(suppliers=40, questions=60, drafts=5, seed=seed, label=f"random{seed}")
    round_ = db.session.get(DialogueRound, made.round_id)
    assert db.session.scalar(select(func.count()).select_from(AnswerFact)) > 0
    assert_same_as_reference(round_)
    forget_all(round_)
    assert_same_as_reference(round_)


def _count_queries(fn: Any) -> int:
    statements: list[str] = []

    def count(*_args: Any, **_kwargs: Any) -> None:
        statements.append("q")

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_number_of_queries_depends_neither_on_suppliers_nor_on_questions(app):
    small = populate(suppliers=5, questions=20, drafts=1, seed=3, label="small")
    large = populate(suppliers=30, questions=80, drafts=1, seed=4, label="large")
    counts = []
    for made in (small, large):
        db.session.expire_all()
        round_ = db.session.get(DialogueRound, made.round_id)
        counts.append(_count_queries(lambda round_=round_: aggregate_round(round_)))
    assert counts[0] == counts[1]
    assert counts[1] <= 12


def test_init_db_stores_the_facts_missing_after_an_upgrade(setup):
    from questionnaire.cli import store_missing_facts

    before = snapshot(aggregate_round(setup.round))
    assert store_missing_facts() == 6
    assert store_missing_facts() == 0
    db.session.expire_all()
    assert snapshot(aggregate_round(setup.round)) == before
