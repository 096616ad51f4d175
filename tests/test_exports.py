"""Exports: CSV and XLSX of submitted responses, per audience, safe from formula injection."""

from __future__ import annotations

import csv
import io

import pytest
from factories_reports import build_round
from openpyxl import load_workbook

from questionnaire.extensions import db
from questionnaire.models import Answer
from reports.exports import (
    ExportRefused,
    export_csv,
    export_scores_csv,
    export_tables_csv,
    export_xlsx,
    neutralise,
)


@pytest.fixture
def setup(make_org, make_user):
    return build_round(make_org, make_user)


def _csv_rows(data: bytes) -> list[list[str]]:
    assert data.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _by_supplier(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    keys = rows[0]
    return {row[0]: dict(zip(keys, row, strict=True)) for row in rows[2:]}


def test_csv_has_one_row_per_submitted_supplier_and_one_column_per_option(setup):
    rows = _csv_rows(export_csv(setup.round, "secretariat"))
    assert rows[0][:6] == ["supplier", "country", "submitted_at", "has_policy", "scope", "maturity"]
    assert "risks.forced" in rows[0] and "risks.none" in rows[0] and "factories.rows" in rows[0]
    assert rows[1][3] == "Do you have a human-rights policy?"
    assert rows[1][rows[0].index("risks.child")] == "Which risks do you assess?: Child labour"
    by = _by_supplier(rows)
    assert list(by) == ["Alpha Devices", "Bravo Systems", "Charlie Computing", "Delta Hardware", "Echo Networks",
                        "Foxtrot Cloud"]  # the draft is not exported
    alpha = by["Alpha Devices"]
    assert (alpha["has_policy"], alpha["scope"], alpha["maturity"], alpha["workers"]) == ("yes", "all", "4", "100")
    assert (alpha["risks.forced"], alpha["risks.child"], alpha["risks.none"]) == ("1", "1", "")
    assert alpha["factories.rows"] == "2"
    assert by["Echo Networks"]["scope"] == "n/a: We have no suppliers"
    # Foxtrot's URL is hidden by its "no": not exported.
    assert by["Foxtrot Cloud"]["policy_url"] == ""
    assert by["Bravo Systems"]["findings"] == "Child labour at a mica supplier."


def test_buyers_get_confidential_answers_blanked(setup):
    by = _by_supplier(_csv_rows(export_csv(setup.round, "buyers")))
    assert by["Bravo Systems"]["findings"] == "[confidential]"
    assert by["Alpha Devices"]["findings"] == "Overtime above the legal limit."


def test_participants_cannot_export_named_rows(setup):
    for export in (export_csv, export_xlsx, export_tables_csv, export_scores_csv):
        with pytest.raises(ExportRefused):
            export(setup.round, "participants")


def test_country_filter_limits_the_rows(setup):
    by = _by_supplier(_csv_rows(export_csv(setup.round, "secretariat", country="DE")))
    assert list(by) == ["Echo Networks", "Foxtrot Cloud"]


def test_tables_csv_lists_every_row_in_long_format(setup):
    rows = _csv_rows(export_tables_csv(setup.round, "secretariat"))
    assert rows[0] == ["supplier", "country", "question", "row", "column", "value"]
    assert rows[1:] == [
        ["Alpha Devices", "BE", "factories", "1", "name", "Plant A"],
        ["Alpha Devices", "BE", "factories", "1", "workers", "10"],
        ["Alpha Devices", "BE", "factories", "1", "certified", "yes"],
        ["Alpha Devices", "BE", "factories", "2", "name", "Plant B"],
        ["Alpha Devices", "BE", "factories", "2", "workers", "30"],
        ["Alpha Devices", "BE", "factories", "2", "certified", "no"],
        ["Bravo Systems", "BE", "factories", "1", "name", "Plant C"],
        ["Bravo Systems", "BE", "factories", "1", "workers", "20"],
        ["Bravo Systems", "BE", "factories", "1", "certified", "yes"],
    ]


def test_xlsx_has_the_responses_sheet_and_a_sheet_per_table(setup):
    workbook = load_workbook(io.BytesIO(export_xlsx(setup.round, "secretariat")))
    assert workbook.sheetnames == ["Responses", "Section scores", "factories"]
    sheet = workbook["Responses"]
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    keys = rows[0]
    alpha = dict(zip(keys, rows[2], strict=True))
    assert alpha["supplier"] == "Alpha Devices"
    assert alpha["workers"] == 100 and alpha["maturity"] == 4  # numbers stay numbers
    assert alpha["contact"] == "'=HYPERLINK(\"http://x\")"
    table = [list(row) for row in workbook["factories"].iter_rows(values_only=True)]
    assert table[0] == ["supplier", "country", "row", "name", "workers", "certified"]
    assert table[1] == ["Supplier", "Country", "Row", "Name", "Workers", "Certified"]
    assert table[2:] == [["Alpha Devices", "BE", 1, "Plant A", "10", "yes"],
                         ["Alpha Devices", "BE", 2, "Plant B", "30", "no"],
                         ["Bravo Systems", "BE", 1, "Plant C", "20", "yes"]]


def test_xlsx_for_buyers_blanks_confidential_answers(setup):
    workbook = load_workbook(io.BytesIO(export_xlsx(setup.round, "buyers")))
    rows = [list(row) for row in workbook["Responses"].iter_rows(values_only=True)]
    bravo = dict(zip(rows[0], rows[3], strict=True))
    assert bravo["supplier"] == "Bravo Systems" and bravo["findings"] == "[confidential]"


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tcmd", "\rcmd", "\x01x"])
def test_formula_like_cells_get_a_leading_apostrophe(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["plain", "-5", "+1.5", "1e3", "", "a=b"])
def test_ordinary_cells_and_plain_numbers_are_left_alone(text):
    assert neutralise(text) == text


def test_formula_injection_is_neutralised_in_both_formats(setup):
    answer = db.session.query(Answer).filter_by(response_id=setup.response_id("Bravo Systems"),
                                                question_key="contact").one()
    answer.value = "@SUM(1+1)\x01"
    db.session.commit()
    by = _by_supplier(_csv_rows(export_csv(setup.round, "secretariat")))
    assert by["Alpha Devices"]["contact"] == "'=HYPERLINK(\"http://x\")"
    assert by["Bravo Systems"]["contact"] == "'@SUM(1+1)\x01"
    workbook = load_workbook(io.BytesIO(export_xlsx(setup.round, "secretariat")))
    rows = [list(row) for row in workbook["Responses"].iter_rows(values_only=True)]
    bravo = dict(zip(rows[0], rows[3], strict=True))
    assert bravo["contact"] == "'@SUM(1+1)"
    assert all(not (isinstance(v, str) and v.startswith("=")) for row in rows for v in row)


def test_cli_exports_csv_with_a_tables_file_and_xlsx(setup, runner, tmp_path):
    target = tmp_path / "round.csv"
    result = runner.invoke(args=["report", "export", str(setup.round.id), "--format", "csv", "--audience", "buyers",
                                 "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "[confidential]" in target.read_text(encoding="utf-8-sig")
    assert (tmp_path / "round-tables.csv").read_text(encoding="utf-8-sig").startswith("supplier,country,question")
    assert (tmp_path / "round-scores.csv").read_text(encoding="utf-8-sig").startswith("supplier,country,")
    workbook_path = tmp_path / "round.xlsx"
    result = runner.invoke(args=["report", "export", str(setup.round.id), "--format", "xlsx", "-o", str(workbook_path)])
    assert result.exit_code == 0, result.output
    assert load_workbook(workbook_path).sheetnames == ["Responses", "Section scores", "factories"]


def test_cli_refuses_participants_and_unknown_rounds(setup, runner, tmp_path):
    result = runner.invoke(args=["report", "export", str(setup.round.id), "--audience", "participants",
                                 "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    assert "participants" in result.output
    result = runner.invoke(args=["report", "export", "987654", "-o", str(tmp_path / "x.xlsx")])
    assert result.exit_code == 2
    assert not (tmp_path / "x.xlsx").exists()


@pytest.mark.parametrize("audience", ["secretariat", "buyers"])
def test_xlsx_has_each_suppliers_section_scores_as_the_audiences_summary_gives_them(setup, audience):
    from reports.disclosure import results_for

    workbook = load_workbook(io.BytesIO(export_xlsx(setup.round, audience)))
    rows = [list(row) for row in workbook["Section scores"].iter_rows(values_only=True)]
    disclosed = results_for(setup.round, audience)
    scored = [section for section in disclosed.sections if section.result.is_scored]
    assert scored and rows[0] == ["supplier", "country", *(section.key for section in scored)]
    assert rows[1][:2] == ["Supplier", "Country"]
    assert [row[0] for row in rows[2:]] == [supplier.name for supplier in disclosed.suppliers]
    for column, section in enumerate(scored, start=2):
        expected = {supplier.name: None if score is None else round(score, 1)
                    for supplier, score in section.supplier_scores}
        assert {row[0]: row[column] for row in rows[2:]} == expected


@pytest.mark.parametrize("audience", ["secretariat", "buyers"])
def test_the_section_scores_csv_holds_the_rows_of_the_xlsx_sheet(setup, audience):
    def plain(value):
        if value in (None, ""):
            return ""
        try:
            return float(value)  # a spreadsheet reads 100.0 back as 100
        except (TypeError, ValueError):
            return str(value)

    workbook = load_workbook(io.BytesIO(export_xlsx(setup.round, audience)))
    sheet = [[plain(value) for value in row] for row in workbook["Section scores"].iter_rows(values_only=True)]
    rows = _csv_rows(export_scores_csv(setup.round, audience))
    assert len(rows) > 2 and [[plain(value) for value in row] for row in rows] == sheet
