"""Disclosure control per audience: suppression cases, confidential answers and quotes."""

from __future__ import annotations

import pytest
from factories_reports import build_round

from questionnaire.extensions import db
from questionnaire.models import Answer
from reports.aggregation import aggregate_round, supplier_answers
from reports.disclosure import (
    Audience,
    CellStatus,
    DisclosureRefused,
    disclose,
    disclose_supplier,
    results_for,
    supplier_feedback,
    suppress_cells,
)


def _statuses(cells):
    return [(cell.key, cell.count, cell.status.value) for cell in cells]


# --- suppression cases -----------------------------------------------------------------------------


def test_k3_one_small_category_hides_the_next_smallest_too():
    cells = suppress_cells({"a": 5, "b": 1, "c": 7}, 3)
    assert _statuses(cells) == [("a", None, "hidden"), ("b", None, "small"), ("c", 7, "shown")]


def test_k3_two_small_categories_protect_each_other():
    cells = suppress_cells({"a": 2, "b": 1, "c": 9}, 3)
    assert _statuses(cells) == [("a", None, "small"), ("b", None, "small"), ("c", 9, "shown")]


def test_k5_one_small_category():
    cells = suppress_cells({"a": 4, "b": 6, "c": 10, "d": 0}, 5)
    assert _statuses(cells) == [("a", None, "small"), ("b", None, "hidden"), ("c", 10, "shown"), ("d", 0, "shown")]


def test_k5_two_small_categories():
    cells = suppress_cells({"a": 1, "b": 2, "c": 20, "d": 30}, 5)
    assert _statuses(cells) == [("a", None, "small"), ("b", None, "small"), ("c", 20, "shown"), ("d", 30, "shown")]


def test_a_small_total_withholds_everything():
    assert {cell.status for cell in suppress_cells({"a": 2, "b": 1}, 5)} == {CellStatus.HIDDEN}


def test_two_small_cells_that_the_total_would_pin_down_get_a_complement():
    # Total 7, one 5 shown: the two small cells would have to be 1 and 1.
    cells = suppress_cells({"a": 1, "b": 1, "c": 5}, 3)
    assert _statuses(cells) == [("a", None, "small"), ("b", None, "small"), ("c", None, "hidden")]


def test_when_nothing_safe_is_left_the_breakdown_is_withheld():
    # 1 + 3 + 3: a reader knowing the complements are at least 3 would find the small cell is 1.
    assert {cell.status for cell in suppress_cells({"a": 1, "b": 3, "c": 3}, 3)} == {CellStatus.HIDDEN}


def test_shares_are_given_only_for_shown_cells():
    cells = suppress_cells({"a": 6, "b": 4}, 3)
    assert [cell.share for cell in cells] == [0.6, 0.4]


# --- audiences on a round with known answers ---------------------------------------------------------


@pytest.fixture
def setup(make_org, make_user):
    return build_round(make_org, make_user)


def test_participants_see_suppressed_counts_and_no_names(setup):
    disclosed = results_for(setup.round, Audience.PARTICIPANTS)
    assert disclosed.suppliers == []
    questions = {q.key: q for s in disclosed.sections for q in s.questions}
    # yes 4 / no 2 with k = 3: "no" is small, so "yes" is hidden too (the total is 6).
    assert _statuses(questions["has_policy"].cells) == [("yes", None, "hidden"), ("no", None, "small")]
    assert questions["has_policy"].respondents == 6
    # Multiple choice: each option against the 6 respondents.
    assert _statuses(questions["risks"].cells) == [
        ("forced", 3, "shown"), ("child", None, "small"), ("wages", 3, "shown"), ("none", None, "small")]
    # Numbers: no min or max (single suppliers' values).
    assert set(questions["workers"].stats) == {"n", "mean", "median"}
    assert questions["workers"].stats["median"] == 85
    # 4 answered and 1 N/A: N/A is small and the answered count is hidden with it.
    audited = questions["audited"]
    assert (audited.answered.status, audited.not_applicable.status) == (CellStatus.HIDDEN, CellStatus.SMALL)
    assert audited.stats["n"] is None and audited.stats["median"] == 35
    # Fewer than k respondents: no breakdown and no respondent count.
    for key in ("policy_url", "factories", "evidence"):
        assert questions[key].withheld and questions[key].respondents is None
    dist = disclosed.sections[0].distribution
    assert dist is not None and dist.median == pytest.approx(56.25) and dist.min is None and dist.max is None
    assert disclosed.sections[0].supplier_scores == []


def test_quotes_only_where_allowed_never_confidential_never_named(setup):
    participants = results_for(setup.round, Audience.PARTICIPANTS)
    findings = next(q for s in participants.sections for q in s.questions if q.key == "findings")
    assert [q.text for q in findings.quotes] == ["Overtime above the legal limit.", "Recruitment fees were repaid."]
    assert all(q.supplier == "" for q in findings.quotes)
    secretariat = results_for(setup.round, Audience.SECRETARIAT)
    named = next(q for s in secretariat.sections for q in s.questions if q.key == "findings")
    assert [q.supplier for q in named.quotes] == ["Alpha Devices", "Delta Hardware"]


def test_secretariat_sees_every_figure_unsuppressed_and_named(setup):
    disclosed = results_for(setup.round, Audience.SECRETARIAT)
    questions = {q.key: q for s in disclosed.sections for q in s.questions}
    assert _statuses(questions["has_policy"].cells) == [("yes", 4, "shown"), ("no", 2, "shown")]
    assert questions["workers"].stats["min"] == 30 and questions["workers"].stats["max"] == 1000
    assert questions["policy_url"].respondents == 2
    assert next(s.name for s in disclosed.suppliers) == "Alpha Devices"
    assert disclosed.sections[0].supplier_scores[0][1] == pytest.approx(100)


def _make_confidential(setup, name: str, key: str) -> None:
    answer = db.session.query(Answer).filter_by(response_id=setup.response_id(name), question_key=key).one()
    answer.confidential = True
    db.session.commit()


def test_buyers_figures_leave_confidential_answers_out(setup):
    _make_confidential(setup, "Bravo Systems", "maturity")
    buyers = results_for(setup.round, Audience.BUYERS)
    maturity = next(q for s in buyers.sections for q in s.questions if q.key == "maturity")
    assert _statuses(maturity.cells) == [("0", 1, "shown"), ("1", 1, "shown"), ("2", 1, "shown"),
                                         ("3", 0, "shown"), ("4", 2, "shown")]
    bravo_score = {s.name: score for s, score in buyers.sections[0].supplier_scores}["Bravo Systems"]
    # Without its confidential maturity: (scope 0.5 x 2 + risks 0.25) / 3.
    assert bravo_score == pytest.approx(100 * 1.25 / 3)
    # The secretariat and the participants' suppressed figures still count it.
    secretariat = results_for(setup.round, Audience.SECRETARIAT)
    assert secretariat.results.question("maturity").summary["distribution"][3] == 1
    participants = results_for(setup.round, Audience.PARTICIPANTS)
    assert participants.results.question("maturity").respondents == 6


def test_buyers_need_figures_without_confidential_answers(setup):
    with pytest.raises(DisclosureRefused):
        disclose(aggregate_round(setup.round), Audience.BUYERS)


def test_participants_cannot_filter_by_country(setup):
    with pytest.raises(DisclosureRefused):
        results_for(setup.round, Audience.PARTICIPANTS, country="FR")


def test_buyers_per_supplier_view_withholds_confidential_values(setup):
    answers = supplier_answers(setup.round, setup.response_id("Bravo Systems"))
    buyers = disclose_supplier(answers, Audience.BUYERS)
    findings = next(a for a in buyers.sections["data"] if a.question.key == "findings")
    assert findings.withheld and findings.value is None
    secretariat = disclose_supplier(answers, Audience.SECRETARIAT)
    findings = next(a for a in secretariat.sections["data"] if a.question.key == "findings")
    assert findings.value == "Child labour at a mica supplier."
    with pytest.raises(DisclosureRefused):
        disclose_supplier(answers, Audience.PARTICIPANTS)


def test_supplier_feedback_compares_with_peers_only_with_k_peers(setup):
    results = aggregate_round(setup.round)
    rows = supplier_feedback(results, setup.response_id("Alpha Devices"))
    assert len(rows) == 1  # only the policy section is scored
    assert rows[0].score == pytest.approx(100)
    assert rows[0].peers.n == 5 and rows[0].peers.median == pytest.approx(50)
    assert rows[0].peers.min is None


def test_a_mean_never_undoes_suppression(setup):
    participants = results_for(setup.round, Audience.PARTICIPANTS)
    questions = {q.key: q for s in participants.sections for q in s.questions}
    # Every maturity point is "fewer than 3": mean and median would pin the counts down.
    assert questions["maturity"].stats == {}
    assert questions["maturity"].mean_score is None
    assert questions["scope"].mean_score is None
    assert questions["risks"].mean_score is None  # two options suppressed
    secretariat = results_for(setup.round, Audience.SECRETARIAT)
    assert next(q for s in secretariat.sections for q in s.questions if q.key == "maturity").stats["median"] == 2.5
