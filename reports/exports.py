"""CSV and XLSX exports of a round's submitted responses: one row per supplier, one column per question.

- Multiple choice: one column per option ("1" when chosen, "" when not; "n/a: ..." for N/A).
- Section scores: XLSX has a sheet "Section scores", one row per supplier and one column per scored
  section, with the maturity (0-100) the audience's summary gives (`reports.disclosure.results_for`:
  the buyers' scores leave out confidential answers and their follow-ups); the named summaries point
  to it when they have too many suppliers to print the scores. `export_scores_csv` writes the same
  rows as a CSV of their own (the CLI's `<name>-scores.csv`, a download of the results page).
- Tables: XLSX puts each table question on its own sheet (one row per table row, with the supplier);
  CSV cannot hold several sheets, so the main CSV has one column per table question with its row
  count, and `export_tables_csv` writes the table rows as a second CSV in long format (supplier,
  country, question key, row, column key, value). The CLI writes it next to the main file as
  `<name>-tables.csv`; the results page offers it as its own download.
- Header rows: question keys, then question texts (first language), then (multiple choice) options.
- Audiences: `secretariat` everything; `buyers` confidential answers replaced by "[confidential]", and
  every answer to a question that depends on a confidential answer (`reports.disclosure.conditioned_on`)
  by "[withheld]" whether or not the supplier was shown or answered it (its presence would tell);
  `participants` refused (`ExportRefused`): a row per supplier is named microdata, and anonymising
  rows of competitors under k-suppression is not something a spreadsheet can guarantee.
- Only visible answers: an answer hidden by its condition is left blank, as everywhere else.
- Spreadsheet formula injection: every text cell starting with = + - @ or a control character
  (tab, CR, LF, ...) gets a leading apostrophe. Plain numbers ("-5", "1.5e3") are left alone: they
  cannot run anything, and numbers are written as numbers in XLSX.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from sqlalchemy import select

from questionnaire.extensions import db
from questionnaire.models import Answer, DialogueRound, Organisation, Question, Response, ResponseStatus
from questionnaire.question_types import is_na, is_number, translate, type_of, visible_parts
from reports.aggregation import load_version
from reports.disclosure import Audience, DisclosureRefused, condition_sources, conditioned_on, results_for

CONFIDENTIAL = "[confidential]"
WITHHELD = "[withheld]"
# A cell a spreadsheet could read as a formula or a command: = + - @ or any control character.
DANGEROUS_START = re.compile(r"^[=+\-@\x00-\x1f\x7f]")
PLAIN_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
FIXED_COLUMNS = (("supplier", "Supplier"), ("country", "Country"), ("submitted_at", "Submitted at (UTC)"))


class ExportRefused(DisclosureRefused):
    """Exports are named data: participants get the anonymised summary instead."""


def neutralise(value: Any) -> Any:
    """A cell value safe from spreadsheet formula injection (a leading apostrophe where needed)."""
    if isinstance(value, str) and DANGEROUS_START.match(value) and not PLAIN_NUMBER.match(value):
        return "'" + value
    return value


@dataclass
class _Column:
    key: str
    text: str
    question: Question
    option: str | None = None


@dataclass
class _Supplier:
    name: str
    country: str
    submitted_at: str
    # question key -> (value, confidential); only visible answers
    answers: dict[str, tuple[Any, bool]]
    # Questions that depend on one of its confidential answers: withheld from buyers.
    conditioned: set[str] = field(default_factory=set)


def _check_audience(audience: Audience | str) -> Audience:
    audience = Audience(audience)
    if audience is Audience.PARTICIPANTS:
        raise ExportRefused("exports hold one named row per supplier; participants get the anonymised summary")
    return audience


def _load(round_: DialogueRound, country: str | None) -> tuple[list[Question], list[_Supplier]]:
    """The round's questions and its submitted responses (visible answers only), by supplier name.

    Plain rows, not ORM objects: a round of 1,000 suppliers has ~70,000 answers (bench/), and
    building an object per answer cost more than writing the workbook.
    """
    version = load_version(round_)
    query = (
        select(Response.id, Response.submitted_at, Organisation.name, Organisation.country)
        .join(Organisation, Organisation.id == Response.organisation_id)
        .where(Response.round_id == round_.id, Response.status == ResponseStatus.SUBMITTED)
        .order_by(Organisation.name, Response.id)
    )
    if country:
        query = query.where(Organisation.country == country)
    responses = db.session.execute(query).all()
    stored: dict[int, dict[str, tuple[Any, bool]]] = {response_id: {} for response_id, *_rest in responses}
    if stored:
        answers = (
            select(Answer.response_id, Answer.question_key, Answer.value, Answer.confidential)
            .join(Response, Response.id == Answer.response_id)
            .where(Response.round_id == round_.id, Response.status == ResponseStatus.SUBMITTED)
        )
        for response_id, key, value, is_confidential in db.session.execute(answers):
            if response_id in stored:
                stored[response_id][key] = (value, is_confidential)
    # Conditions read plain dicts faster than ORM attributes, once per supplier.
    sections = [{"key": section.key, "show_if": section.show_if,
                 "questions": [{"key": q.key, "show_if": q.show_if} for q in section.questions]}
                for section in version.sections]
    sources = condition_sources(sections)
    conditioned: dict[frozenset[str], set[str]] = {}
    suppliers = []
    for response_id, submitted_at, name, ctry in responses:
        answers_of = stored[response_id]
        shown = visible_parts(sections, {key: value for key, (value, _c) in answers_of.items()}).questions
        visible = {key: item for key, item in answers_of.items() if key in shown}
        secret = frozenset(key for key, (_value, is_confidential) in visible.items()
                           if is_confidential and key in sources)
        if secret and secret not in conditioned:
            conditioned[secret] = conditioned_on(sections, secret)
        suppliers.append(_Supplier(
            name=name, country=ctry, submitted_at=submitted_at.strftime("%Y-%m-%d %H:%M") if submitted_at else "",
            answers=visible, conditioned=conditioned[secret] if secret else set()))
    return list(version.questions()), suppliers


def _language(round_: DialogueRound) -> str | None:
    return (round_.languages or [None])[0]


def _columns(questions: Sequence[Question], language: str | None) -> list[_Column]:
    columns = []
    for question in questions:
        text = translate(question.text, language)
        if question.type == "multiple_choice":
            for option in question.config.get("options") or []:
                columns.append(_Column(key=f"{question.key}.{option['value']}",
                                       text=f"{text}: {translate(option['label'], language)}",
                                       question=question, option=option["value"]))
        elif question.type == "table":
            columns.append(_Column(key=f"{question.key}.rows", text=f"{text} (rows)", question=question))
        else:
            columns.append(_Column(key=question.key, text=text, question=question))
    return columns


def _cell(column: _Column, supplier: _Supplier, audience: Audience, *, typed: bool) -> Any:
    """One cell: the exported value, blank, "n/a: ..." or the confidential or withheld marker for buyers."""
    if audience is Audience.BUYERS and column.question.key in supplier.conditioned:
        return WITHHELD
    if column.question.key not in supplier.answers:
        return ""
    value, is_confidential = supplier.answers[column.question.key]
    if is_confidential and audience is Audience.BUYERS:
        return CONFIDENTIAL
    if value is None:
        return ""
    qtype = type_of(column.question)
    if is_na(value):
        return qtype.export(value, column.question)
    if column.option is not None:
        return "1" if isinstance(value, list) and column.option in value else ""
    if column.question.type == "table":
        return len(value) if typed else str(len(value))
    if typed and is_number(value):
        return value
    exported = qtype.export(value, column.question)
    return exported if isinstance(exported, str) else ""


def _main_rows(round_: DialogueRound, audience: Audience, country: str | None,
               *, typed: bool) -> tuple[list[list[Any]], list[Question], list[_Supplier]]:
    questions, suppliers = _load(round_, country)
    columns = _columns(questions, _language(round_))
    rows: list[list[Any]] = [
        [key for key, _text in FIXED_COLUMNS] + [c.key for c in columns],
        [text for _key, text in FIXED_COLUMNS] + [c.text for c in columns],
    ]
    for supplier in suppliers:
        rows.append([supplier.name, supplier.country, supplier.submitted_at]
                    + [_cell(column, supplier, audience, typed=typed) for column in columns])
    return [[neutralise(value) for value in row] for row in rows], questions, suppliers


def _table_rows(question: Question, supplier: _Supplier, audience: Audience) -> Iterable[tuple[int, dict[str, Any]]]:
    """(row number, {column key: exported cell}) of one supplier's table answer."""
    if audience is Audience.BUYERS and question.key in supplier.conditioned:
        return [(1, {column["key"]: WITHHELD for column in question.config.get("columns") or []})]
    if question.key not in supplier.answers:
        return []
    value, is_confidential = supplier.answers[question.key]
    if is_confidential and audience is Audience.BUYERS:
        return [(1, {column["key"]: CONFIDENTIAL for column in question.config.get("columns") or []})]
    if not isinstance(value, list):
        return []
    exported = type_of(question).export(value, question)
    return list(enumerate(exported if isinstance(exported, list) else [], start=1))


def _csv(rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows(rows)
    # The BOM lets spreadsheet programs detect UTF-8.
    return buffer.getvalue().encode("utf-8-sig")


def export_csv(round_: DialogueRound, audience: Audience | str, *, country: str | None = None) -> bytes:
    """The main CSV (UTF-8 with BOM so spreadsheet programs detect the encoding)."""
    checked = _check_audience(audience)
    rows, _questions, _suppliers = _main_rows(round_, checked, country, typed=False)
    return _csv(rows)


def export_tables_csv(round_: DialogueRound, audience: Audience | str, *,
                      country: str | None = None) -> bytes | None:
    """The rows of the table questions as a second CSV; None when the questionnaire has no table."""
    checked = _check_audience(audience)
    questions, suppliers = _load(round_, country)
    tables = [q for q in questions if q.type == "table"]
    if not tables:
        return None
    rows: list[list[Any]] = [["supplier", "country", "question", "row", "column", "value"]]
    for question in tables:
        for supplier in suppliers:
            for number, cells in _table_rows(question, supplier, checked):
                for column in question.config.get("columns") or []:
                    rows.append([supplier.name, supplier.country, question.key, str(number), column["key"],
                                 cells.get(column["key"], "")])
    return _csv([[neutralise(value) for value in row] for row in rows])


def _xlsx_safe(value: Any) -> Any:
    """XLSX cannot hold most control characters: drop them (after neutralising, so the apostrophe stays)."""
    return ILLEGAL_CHARACTERS_RE.sub("", value) if isinstance(value, str) else value


def _sheet_title(key: str, taken: set[str]) -> str:
    """A unique sheet name of at most 31 characters (question keys hold no forbidden characters)."""
    base = key[:31]
    title, n = base, 2
    while title.lower() in taken:
        suffix = f"~{n}"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(title.lower())
    return title


def section_score_rows(round_: DialogueRound, audience: Audience | str, *,
                       country: str | None = None) -> list[list[Any]]:
    """Header rows (section keys, then titles) and one row per supplier of its section scores (0-100).

    The disclosed scores of the audience, as its summary prints them; blank where a supplier has none.
    """
    checked = _check_audience(audience)
    disclosed = results_for(round_, checked, country=country)
    language = _language(round_)
    sections = [section for section in disclosed.sections if section.result.is_scored]
    scores = [{supplier.response_id: score for supplier, score in section.supplier_scores} for section in sections]
    rows: list[list[Any]] = [
        ["supplier", "country", *(section.key for section in sections)],
        ["Supplier", "Country", *(translate(section.section.title, language) for section in sections)],
    ]
    for supplier in disclosed.suppliers:
        values = [by_response.get(supplier.response_id) for by_response in scores]
        rows.append([supplier.name, supplier.country, *("" if v is None else round(v, 1) for v in values)])
    return [[neutralise(value) for value in row] for row in rows]


def export_scores_csv(round_: DialogueRound, audience: Audience | str, *,
                      country: str | None = None) -> bytes | None:
    """Each supplier's section scores (the XLSX "Section scores" sheet) as a CSV; None when no section is scored."""
    rows = section_score_rows(round_, audience, country=country)
    return _csv(rows) if len(rows[0]) > 2 else None


def export_xlsx(round_: DialogueRound, audience: Audience | str, *, country: str | None = None) -> bytes:
    """The workbook: sheet "Responses" plus one sheet per table question."""
    checked = _check_audience(audience)
    rows, questions, suppliers = _main_rows(round_, checked, country, typed=True)
    # Write-only: rows stream to the file instead of living as cell objects (half the time, less memory).
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Responses")
    sheet.freeze_panes = "B3"  # before the first row: a write-only sheet writes its view first
    for row in rows:
        sheet.append([_xlsx_safe(v) for v in row])
    scores = workbook.create_sheet("Section scores")
    scores.freeze_panes = "B3"
    for row in section_score_rows(round_, checked, country=country):
        scores.append([_xlsx_safe(v) for v in row])
    language = _language(round_)
    taken = {"responses", "section scores"}
    for question in (q for q in questions if q.type == "table"):
        table = workbook.create_sheet(_sheet_title(question.key, taken))
        columns = question.config.get("columns") or []
        table.append([_xlsx_safe(neutralise(v)) for v in ["supplier", "country", "row", *(c["key"] for c in columns)]])
        table.append([_xlsx_safe(neutralise(v)) for v in ["Supplier", "Country", "Row",
                                              *(translate(c["label"], language) for c in columns)]])
        for supplier in suppliers:
            for number, cells in _table_rows(question, supplier, checked):
                table.append([_xlsx_safe(neutralise(v)) for v in [supplier.name, supplier.country, number,
                                                      *(cells.get(c["key"], "") for c in columns)]])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
