"""Aggregation: for a round with known answers, every figure per question type is the expected one."""

from __future__ import annotations

import pytest
from factories_reports import SUBMITTED, build_round
from sqlalchemy import event

from questionnaire.extensions import db
from reports.aggregation import aggregate_round, supplier_answers


@pytest.fixture
def setup(make_org, make_user):
    return build_round(make_org, make_user)


def test_response_rate_counts_only_submitted_responses(setup):
    results = aggregate_round(setup.round)
    assert (results.invited, results.started, results.submitted) == (8, 7, 6)
    assert results.response_rate == pytest.approx(0.75)
    assert [s.name for s in results.suppliers] == [name for name, _c, _a in SUBMITTED]
    assert results.countries == ["BE", "DE", "FR"]


def test_choice_questions_count_suppliers_per_option(setup):
    results = aggregate_round(setup.round)
    has_policy = results.question("has_policy")
    assert has_policy.summary["counts"] == {"yes": 4, "no": 2}
    assert has_policy.summary["shares"]["yes"] == pytest.approx(4 / 6)
    scope = results.question("scope")
    assert scope.summary["counts"] == {"none": 1, "some": 2, "all": 2}
    assert (scope.respondents, scope.answered, scope.not_applicable) == (6, 5, 1)
    risks = results.question("risks")
    assert risks.summary["counts"] == {"forced": 3, "child": 2, "wages": 3, "none": 1}
    assert risks.answered == 6


def test_scale_distribution_mean_and_median(setup):
    maturity = aggregate_round(setup.round).question("maturity")
    assert maturity.summary["distribution"] == {0: 1, 1: 1, 2: 1, 3: 1, 4: 2}
    assert maturity.summary["mean"] == pytest.approx(14 / 6)
    assert maturity.summary["median"] == 2.5


def test_number_and_percentage_summaries(setup):
    results = aggregate_round(setup.round)
    workers = results.question("workers").summary
    assert (workers["n"], workers["min"], workers["median"], workers["max"]) == (6, 30, 85, 1000)
    assert workers["mean"] == pytest.approx(1450 / 6)
    audited = results.question("audited")
    assert (audited.answered, audited.not_applicable) == (4, 1)
    assert (audited.summary["n"], audited.summary["min"], audited.summary["median"], audited.summary["max"]) == (
        4, 0, 35, 100)
    assert audited.summary["mean"] == pytest.approx(42.5)


def test_dates_texts_files_and_tables(setup):
    results = aggregate_round(setup.round)
    assert results.question("last_audit").summary | {} == {
        "count": 3, "earliest": "2024-11-30", "latest": "2025-06-01", "answered": 3, "not_applicable": 0}
    findings = results.question("findings")
    assert findings.summary["count"] == 4
    # Bravo's text is quotable but confidential, Charlie's not quotable, the draft's never counts.
    assert [q.text for q in findings.quotes] == ["Overtime above the legal limit.", "Recruitment fees were repaid."]
    assert findings.confidential == 1
    assert results.question("contact").summary["count"] == 3
    assert results.question("evidence").summary["count"] == 2
    factories = results.question("factories").summary
    assert factories["rows"] == 3
    assert factories["columns"]["workers"]["n"] == 3
    assert factories["columns"]["workers"]["median"] == 20
    assert factories["columns"]["name"]["count"] == 3
    assert factories["columns"]["certified"]["counts"] == {"yes": 2, "no": 1}
    assert factories["rows_per_respondent"]["n"] == 2 and factories["rows_per_respondent"]["median"] == 1.5


def test_an_answer_hidden_by_its_condition_is_ignored(setup):
    policy_url = aggregate_round(setup.round).question("policy_url")
    # Foxtrot answered "no" but kept an old URL: only Alpha's and Delta's count.
    assert policy_url.summary["count"] == 2
    assert policy_url.respondents == 2


def test_section_maturity_scores_per_supplier_and_distribution(setup):
    results = aggregate_round(setup.round)
    policy = results.section("policy")
    by_name = {s.name: policy.scores[s.response_id] for s in results.suppliers}
    assert by_name == pytest.approx({"Alpha Devices": 100, "Bravo Systems": 50, "Charlie Computing": 6.25,
                                     "Delta Hardware": 81.25, "Echo Networks": 12.5, "Foxtrot Cloud": 62.5})
    dist = policy.distribution
    assert dist.n == 6
    assert (dist.min, dist.median, dist.max) == pytest.approx((6.25, 56.25, 100))
    assert (dist.q1, dist.q3) == pytest.approx((21.875, 76.5625))
    assert dist.mean == pytest.approx(312.5 / 6)
    assert results.question("scope").mean_score == pytest.approx(60)
    assert results.question("risks").mean_score == pytest.approx(275 / 6)
    data = results.section("data")
    assert data.distribution.n == 0
    assert not data.is_scored


def test_country_filter_keeps_only_that_countrys_suppliers(setup):
    results = aggregate_round(setup.round, country="FR")
    assert (results.invited, results.submitted) == (2, 2)
    assert [s.name for s in results.suppliers] == ["Charlie Computing", "Delta Hardware"]
    assert results.question("has_policy").summary["counts"] == {"yes": 1, "no": 1}
    assert results.question("workers").summary["median"] == 60
    assert results.countries == ["BE", "DE", "FR"]


def test_a_round_without_submissions_has_empty_summaries(make_org, make_user):
    setup = build_round(make_org, make_user, submitted=[])
    results = aggregate_round(setup.round)
    assert results.submitted == 0
    assert results.response_rate == 0
    assert results.question("has_policy").summary["counts"] == {"yes": 0, "no": 0}
    assert results.question("workers").summary["n"] == 0
    assert results.section("policy").distribution.n == 0


def test_supplier_answers_gives_one_suppliers_named_view(setup):
    answers = supplier_answers(setup.round, setup.response_id("Foxtrot Cloud"))
    assert answers is not None
    assert answers.supplier.name == "Foxtrot Cloud"
    assert answers.scores["policy"] == pytest.approx(62.5)
    by_key = {a.question.key: a for a in answers.sections["policy"]}
    assert by_key["policy_url"].visible is False
    assert supplier_answers(setup.round, setup.response_id("Golf Draft")) is None


def _count_queries(fn):
    statements: list[str] = []

    def count(*_args, **_kwargs):
        statements.append("q")

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(statements)


def test_the_number_of_queries_does_not_grow_with_suppliers(make_org, make_user):
    few = build_round(make_org, make_user, submitted=SUBMITTED[-2:])
    db.session.expire_all()
    few_queries = _count_queries(lambda: aggregate_round(few.round))
    many_suppliers = [(f"{name} {i}", country, answers) for i in range(5) for name, country, answers in SUBMITTED]
    many = build_round(make_org, make_user, submitted=many_suppliers, suffix=" (many)")
    db.session.expire_all()
    many_queries = _count_queries(lambda: aggregate_round(many.round))
    assert many_queries == few_queries
    assert many_queries <= 24
