"""The named summaries' supplier x section matrix: one compact table, the audience's disclosed scores."""

from __future__ import annotations

import pytest
from reports_support import build_known_round, pdf_text

from reports import charts, summary
from reports.disclosure import results_for
from reports.summary import printed_chapters, summary_pdf, supplier_matrices


@pytest.fixture
def known(app, make_org, make_user):
    """The round of reports_support with six submitted responses."""
    return build_known_round(make_org, make_user)


@pytest.mark.parametrize("audience", ["secretariat", "buyers"])
def test_the_matrix_prints_each_suppliers_disclosed_score_per_scored_section(known, audience):
    disclosed = results_for(known.round, audience)
    chapters = printed_chapters(disclosed, "en")
    (matrix,) = supplier_matrices(disclosed, chapters)
    scored = [section for section in disclosed.sections if section.result.is_scored]
    assert [chapter.disclosed for _number, chapter in matrix.columns] == scored
    assert [number for number, _chapter in matrix.columns] == list(range(1, len(scored) + 1))
    assert [name for name, _scores in matrix.rows] == [s.name for s in disclosed.suppliers]
    for column, section in enumerate(scored):
        printed = {name: scores[column] for name, scores in matrix.rows}
        assert printed == {s.name: charts.number(score) for s, score in section.supplier_scores}


def test_participants_get_no_matrix_and_no_supplier_scores(known):
    disclosed = results_for(known.round, "participants")
    assert supplier_matrices(disclosed, printed_chapters(disclosed, "en")) == []
    text = pdf_text(summary_pdf(known.round, "participants", "en"))
    assert "Maturity per supplier" not in text and "Section scores" not in text
    assert "Alpha Devices" not in text


def test_many_sections_split_the_matrix_into_several_tables(known):
    disclosed = results_for(known.round, "secretariat")
    matrices = supplier_matrices(disclosed, printed_chapters(disclosed, "en"), columns=1)
    assert [[number for number, _c in m.columns] for m in matrices] == [[1], [2]]
    assert all(len(m.rows) == disclosed.submitted for m in matrices)


def test_above_the_threshold_the_summary_points_to_the_export_instead(known, monkeypatch):
    monkeypatch.setattr(summary, "MATRIX_SUPPLIERS", 5)
    text = pdf_text(summary_pdf(known.round, "buyers", "en"))
    assert "With 6 suppliers, this summary does not print each supplier's section scores" in text
    assert "sheet “Section scores”" in text
    assert "Supplier 1 2" not in text
    # The distribution stays; the list of suppliers prints names and countries in columns.
    assert "Maturity 0-100 across suppliers" in text and "Suppliers who submitted" in text
    assert "Suppliers by name, with their country." in text
    assert "Alpha Devices (France)" in text
    assert "Submitted responses, by supplier name" not in text


def test_a_small_round_keeps_the_list_with_submission_times(known):
    text = pdf_text(summary_pdf(known.round, "secretariat", "en"))
    assert "Submitted responses, by supplier name" in text and "Alpha Devices France" in text


def test_the_per_section_tables_are_gone(known):
    text = pdf_text(summary_pdf(known.round, "secretariat", "en"))
    assert text.count("Maturity per supplier and section") >= 2
    assert "Maturity per supplier Supplier Maturity 0-100" not in text
