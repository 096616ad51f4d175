"""The PDF documents of a dialogue: what goes into each, built from the models (no request access).

- `blank_questionnaire_pdf`: the questionnaire in one language, with answer spaces, to circulate;
- `response_copy_pdf`: a supplier's copy of its own answers (its latest submission, else its draft);
- `feedback_pdf`: a supplier's section scores against the anonymised distribution of its peers;
- `summary_pdf` (reports.summary): the dialogue summary for an audience and a language.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from flask_babel import force_locale, format_date, format_datetime, to_user_timezone
from flask_babel import gettext as _

from questionnaire.models import (
    DialogueRound,
    Question,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
    Section,
    Submission,
)
from questionnaire.question_types import is_na, translate, type_of, visible_parts
from reports.pdf import StaticFilesOnly, render_template_pdf

# --- the questionnaire as printed --------------------------------------------------------------


@dataclass
class PrintedQuestion:
    """A question with its number and texts in the document's language."""

    question: Question
    number: str
    text: str
    help: str
    condition: str
    options: list[str] = field(default_factory=list)


@dataclass
class PrintedSection:
    """A section with its number, texts and questions."""

    section: Section
    number: int
    anchor: str
    title: str
    description: str
    condition: str
    questions: list[PrintedQuestion]


def _numbers(version: QuestionnaireVersion) -> dict[str, str]:
    # One running number: section titles often carry their own numbering ("1. Policies").
    return {question.key: str(index) for index, question in enumerate(version.questions(), start=1)}


def _value_label(question: Question | None, value: Any, language: str) -> str:
    if question is None:
        return str(value)
    if question.type == "yes_no":
        return _("Yes") if value == "yes" else _("No") if value == "no" else str(value)
    for option in question.config.get("options") or []:
        if option["value"] == value:
            return translate(option["label"], language)
    return str(value)


def describe_condition(condition: Mapping[str, Any] | None, questions: Mapping[str, Question],
                       numbers: Mapping[str, str], language: str) -> str:
    """A show_if condition in words: "question 1.2 is “Yes”"."""
    if not condition:
        return ""
    if "all" in condition or "any" in condition:
        parts = [describe_condition(part, questions, numbers, language)
                 for part in condition.get("all", condition.get("any")) or []]
        joiner = _(" and ") if "all" in condition else _(" or ")
        return joiner.join(parts)
    key = condition["question"]
    question = questions.get(key)
    wanted = [condition["equals"]] if "equals" in condition else list(condition["in"])
    values = _(" or ").join(f"“{_value_label(question, value, language)}”" for value in wanted)
    return _("question %(number)s is %(values)s", number=numbers.get(key, key), values=values)


def printed_sections(version: QuestionnaireVersion, language: str) -> list[PrintedSection]:
    """Every section and question of a version, numbered, in a language."""
    numbers = _numbers(version)
    questions = {q.key: q for q in version.questions()}
    result = []
    for s_index, section in enumerate(version.sections, start=1):
        printed = []
        for question in section.questions:
            condition = describe_condition(question.show_if, questions, numbers, language)
            options = [translate(o["label"], language) for o in question.config.get("options") or []]
            printed.append(PrintedQuestion(
                question=question, number=numbers[question.key], text=translate(question.text, language),
                help=translate(question.help, language),
                condition=_("Answer only if %(condition)s.", condition=condition) if condition else "",
                options=options))
        condition = describe_condition(section.show_if, questions, numbers, language)
        result.append(PrintedSection(
            section=section, number=s_index, anchor=f"section-{s_index}", title=translate(section.title, language),
            description=translate(section.description, language),
            condition=_("Only if %(condition)s.", condition=condition) if condition else "",
            questions=printed))
    return result


def scale_points(question: Question, language: str) -> list[tuple[int, str]]:
    """The points of a scale question with their labels."""
    scale = question.config["scale"]
    labels = scale.get("labels") or {}
    return [(point, translate(labels.get(str(point)), language)) for point in range(scale["min"], scale["max"] + 1)]


def table_columns(question: Question, language: str) -> list[str]:
    """The column labels of a table question."""
    return [translate(column["label"], language) for column in question.config.get("columns") or []]


def _date(value: datetime | None, language: str) -> str:
    """A moment as a long date (in the viewer's time zone), in a language."""
    if value is None:
        return ""
    with force_locale(language):
        return format_date(to_user_timezone(value), "long")


def _datetime(value: datetime | None, language: str) -> str:
    """A moment as a date and time to the minute, in a language."""
    if value is None:
        return ""
    with force_locale(language):
        return format_datetime(value, "d MMMM y, HH:mm")


def pick_language(requested: str | None, available: Sequence[str]) -> str:
    """The requested language if the document has it, else the document's first language."""
    return requested if requested in available else available[0]


# --- the blank questionnaire -------------------------------------------------------------------


def blank_questionnaire_pdf(version: QuestionnaireVersion, language: str,
                            dialogue_round: DialogueRound | None = None, *,
                            fetcher: StaticFilesOnly | None = None) -> bytes:
    """The questionnaire in a language with spaces to write answers, for circulating internally."""
    language = pick_language(language, version.languages)
    with force_locale(language):
        title = translate(version.title, language)
        facts = [(_("Questionnaire version"), str(version.number)),
                 (_("Languages"), ", ".join(version.languages))]
        if dialogue_round is not None:
            facts = [(_("Dialogue round"), dialogue_round.title),
                     (_("Deadline"), _datetime(dialogue_round.closes_at, language)), *facts]
        return render_template_pdf(
            "blank.html", language=language, fetcher=fetcher, document_title=title, running_title=title,
            audience_label=_("Blank questionnaire, for internal circulation"),
            version=version, sections=printed_sections(version, language), facts=facts,
            description=translate(version.description, language), dialogue_round=dialogue_round,
            scale_points=scale_points, table_columns=table_columns, translate=translate)


# --- the supplier's copy of its answers ---------------------------------------------------------


@dataclass
class AnswerCopy:
    """One stored answer as the copy prints it."""

    display: str
    confidential: bool = False
    quotable: bool = False
    comment: str = ""
    evidence: list[str] = field(default_factory=list)


def _answers_of(response: Response) -> tuple[Submission | None, dict[str, dict[str, Any]], dict[str, Any]]:
    """The answers to print: the latest submission's snapshot, or the draft when nothing was submitted."""
    submission = response.submissions[-1] if response.submissions else None
    if submission is not None and response.status == ResponseStatus.SUBMITTED:
        stored = {key: dict(entry) for key, entry in submission.snapshot.items()}
    else:
        submission = None
        stored = {a.question_key: {"value": a.value, "confidential": a.confidential, "quotable": a.quotable,
                                   "comment": a.comment} for a in response.answers}
    values = {key: entry.get("value") for key, entry in stored.items() if entry.get("value") is not None}
    return submission, stored, values


def response_copy_pdf(response: Response, language: str, *, fetcher: StaticFilesOnly | None = None) -> bytes:
    """The supplier's own answers as submitted (or as drafted so far), in a language."""
    version = response.round.questionnaire_version
    language = pick_language(language, version.languages)
    submission, stored, values = _answers_of(response)
    visibility = visible_parts(version.sections, values)
    evidence_names: dict[str, dict[int, str]] = {}
    for item in response.evidence:
        evidence_names.setdefault(item.question_key, {})[item.id] = item.original_name
    with force_locale(language):
        answers: dict[str, AnswerCopy] = {}
        for question in version.questions():
            entry = stored.get(question.key)
            if entry is None or entry.get("value") is None or not visibility.shows(question.key):
                continue
            value = entry["value"]
            qtype = type_of(question)
            names: list[str] = []
            if question.type == "file" and isinstance(value, list) and not is_na(value):
                names = [evidence_names.get(question.key, {}).get(ident, _("file %(id)s", id=ident))
                         for ident in value]
                display = ""
            else:
                display = qtype.display(value, question, language)
            answers[question.key] = AnswerCopy(display=display, confidential=bool(entry.get("confidential")),
                                               quotable=bool(entry.get("quotable")),
                                               comment=entry.get("comment") or "", evidence=names)
        sections = [s for s in printed_sections(version, language) if s.section.key in visibility.sections]
        for section in sections:
            section.questions = [q for q in section.questions if visibility.shows(q.question.key)]
        title = _("Our response: %(round)s", round=response.round.title)
        if submission is not None:
            status = _("Submitted on %(when)s (submission %(number)d)",
                       when=_datetime(submission.submitted_at, language), number=submission.number)
        else:
            status = _("Draft, not submitted (as saved on %(when)s)", when=_datetime(response.updated_at, language))
        facts = [(_("Organisation"), response.organisation.name), (_("Dialogue round"), response.round.title),
                 (_("Questionnaire"), translate(version.title, language)), (_("Status"), status),
                 (_("Deadline"), _datetime(response.round.closes_at, language))]
        return render_template_pdf(
            "response.html", language=language, fetcher=fetcher, document_title=title,
            running_title=response.organisation.name,
            audience_label=_("Confidential: %(org)s and the dialogue's owners", org=response.organisation.name),
            response=response, submission=submission, sections=sections, answers=answers, facts=facts,
            author=response.organisation.name)
