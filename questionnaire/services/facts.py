"""Aggregation facts: what a submitted response contributes to the round's results, as plain rows.

A submission is an immutable snapshot, so what aggregation needs of it is worked out once, when it is
submitted (in the same transaction), and removed when the response is reopened: which questions the
supplier was shown, each shown answer's state (answered / not applicable), option value, number and
normalised score (a multiple-choice answer carries its ticked options as a bit mask, or past
MASK_LIMIT options one row per ticked option), one row per filled table cell, the quotable
texts, and the supplier's maturity per section (with every answer, and for buyers without its
confidential answers and their follow-ups). The aggregation (`reports.aggregation`) then only
groups plain indexed columns.

`Response.facts_version` names the response version the stored facts describe; a submitted response
whose facts are missing or out of date (submitted before these tables existed, or written by other
code) is worked out from its answers by the same `VersionFacts.facts` when aggregated.

Scoring lives here too (the aggregation and the submit hook need it): a question's score (option
scores, scale position) divided by the highest score it can get, clamped to 0..1; a section's score
is the weighted mean over its scored questions that the supplier was shown and answered, x 100.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import bindparam, delete, insert, or_, select, update

from questionnaire.extensions import db
from questionnaire.models import (
    Answer,
    AnswerFact,
    Question,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
    SectionScore,
)
from questionnaire.question_types import condition_keys, is_na, type_of, visible_parts

KIND_ANSWER, KIND_OPTION, KIND_CELL, KIND_QUOTE = "a", "o", "c", "q"
ANSWERED, NOT_APPLICABLE, BLANK = "answered", "na", "blank"
SINGLE_VALUE_TYPES = frozenset({"yes_no", "single_choice"})
NUMBER_TYPES = frozenset({"number", "percentage"})
TEXT_TYPES = frozenset({"text", "long_text"})
CELL_TEXT_TYPES = frozenset({"yes_no", "single_choice", "date"})
TEXT_LIMIT = 200
# Options a multiple-choice question may have for its answers to be stored as one bit mask (exact in a double).
MASK_LIMIT = 52


# --- scoring ------------------------------------------------------------------------------------


def is_scored_question(question: Question) -> bool:
    """Scales always score; choice questions score when at least one option has a score."""
    if question.type == "scale":
        return True
    if question.type in ("single_choice", "multiple_choice"):
        return any("score" in option for option in question.config.get("options") or [])
    return False


def max_score(question: Question) -> float | None:
    """The highest score an answer to the question can get (None when not scored or not positive)."""
    if question.type == "scale":
        return 1.0
    options = question.config.get("options") or []
    scores = [float(o["score"]) for o in options if "score" in o]
    if not scores:
        return None
    if question.type == "single_choice":
        best = max(scores)
    else:
        # Several options add up; an exclusive option ("none of these") stands alone.
        combinable = sum(max(float(o.get("score", 0)), 0.0) for o in options if not o.get("exclusive"))
        alone = [float(o["score"]) for o in options if o.get("exclusive") and "score" in o]
        best = max([combinable, *alone])
    return best if best > 0 else None


def normalised_score(question: Question, value: Any) -> float | None:
    """The answer's score divided by the question's maximum, clamped to 0..1; None when unscored."""
    if value is None or is_na(value) or not is_scored_question(question):
        return None
    raw = type_of(question).score(value, question)
    best = max_score(question)
    if raw is None or best is None:
        return None
    return min(max(raw / best, 0.0), 1.0)


def section_score(questions: Sequence[Question], values: Mapping[str, Any],
                  visible: Iterable[str] | None = None,
                  scorer: Any = normalised_score) -> float | None:
    """Maturity 0-100: the weighted mean of normalised scores over the visible, scored, answered questions."""
    shown = visible if isinstance(visible, (set, frozenset)) or visible is None else set(visible)
    total = weights = 0.0
    for question in questions:
        if shown is not None and question.key not in shown:
            continue
        score = scorer(question, values.get(question.key))
        if score is None or question.weight <= 0:
            continue
        total += question.weight * score
        weights += question.weight
    return 100 * total / weights if weights else None


# --- facts of one response ------------------------------------------------------------------------


class Fact(NamedTuple):
    """One AnswerFact row without its ids (the columns the aggregation groups by, and the quote)."""

    kind: str
    question_key: str
    part: str
    state: str
    confidential: bool
    text: str | None
    number: float | None
    score: float | None
    quote: str | None = None
    # How many times the row counts (the filled cells of one column with one value, in one answer).
    weight: int = 1
    # Left out of the buyers' figures (see `follow_ups`).
    withheld: bool = False


class StoredAnswer(NamedTuple):
    """The parts of an Answer the facts depend on."""

    value: Any
    confidential: bool = False
    quotable: bool = False


class ResponseFacts(NamedTuple):
    """A response's fact rows and its section scores {section key: (score, score without confidential)}."""

    rows: list[Fact]
    scores: dict[str, tuple[float | None, float | None]]


def answer_state(value: Any) -> str:
    """How the aggregation counts a stored value: answered, not applicable, or blank (empty text or list)."""
    if isinstance(value, dict):
        return NOT_APPLICABLE if value.get("na") is True else BLANK
    if value is None or value == "" or value == []:
        return BLANK
    return ANSWERED


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _text(value: Any) -> str | None:
    """A scalar as the text it is counted under (None for lists, objects and null).

    Cut to TEXT_LIMIT characters: option values and dates are far shorter, and an indexed value must
    stay small (PostgreSQL refuses index entries over about 2.7 kB).
    """
    if isinstance(value, str):
        return value[:TEXT_LIMIT]
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value):
        return str(value)
    return None


def _cell_filled(value: Any) -> bool:
    return value is not None and not isinstance(value, dict | list) and value != ""


def follow_ups(sections: Iterable[Mapping[str, Any]], keys: Iterable[str]) -> set[str]:
    """The questions shown only depending on one of `keys` (their own condition or their section's, or a
    chain of them): buyers must not learn a confidential answer from which of its follow-ups were answered.

    `sections` is an outline (plain dicts with key, show_if and questions) in questionnaire order: a
    condition only names an earlier question, so one pass finds every chain.
    """
    sources = set(keys)
    found: set[str] = set()
    if not sources:
        return found
    for section in sections:
        section_sources = condition_keys(section["show_if"])
        for question in section["questions"]:
            if (section_sources | condition_keys(question["show_if"])) & sources:
                found.add(question["key"])
                sources.add(question["key"])
    return found


class VersionFacts:
    """A questionnaire version prepared for working out many responses' facts (one per aggregation or submit)."""

    def __init__(self, version: QuestionnaireVersion) -> None:
        self.sections = list(version.sections)
        # Plain dicts walk faster than ORM objects in visible_parts.
        self.outline = [{"key": s.key, "show_if": s.show_if,
                         "questions": [{"key": q.key, "show_if": q.show_if} for q in s.questions]}
                        for s in self.sections]
        self.questions: dict[str, Question] = {q.key: q for s in self.sections for q in s.questions}
        self.types = {key: q.type for key, q in self.questions.items()}
        self.scored = {key for key, q in self.questions.items() if is_scored_question(q)}
        self.scored_by_section = [(s.key, [q for q in s.questions if q.key in self.scored])
                                  for s in self.sections]
        self.columns = {key: [(c["key"], c.get("type", "text")) for c in q.config.get("columns") or []]
                        for key, q in self.questions.items() if q.type == "table"}
        # Multiple choice: the selected options as bits of one number (option i -> 2**i), so a round
        # has a row per answer instead of one per ticked option; past MASK_LIMIT options, option rows.
        self.option_bits = {key: {o["value"]: 1 << i for i, o in enumerate(q.config.get("options") or [])}
                            for key, q in self.questions.items()
                            if q.type == "multiple_choice" and len(q.config.get("options") or []) <= MASK_LIMIT}
        # The questions conditions depend on.
        self.sources = set().union(*(condition_keys(s.show_if) for s in self.sections),
                                   *(condition_keys(q.show_if) for q in self.questions.values()))
        self._scores: dict[tuple[str, Any], float | None] = {}

    def score(self, question: Question, value: Any) -> float | None:
        """The normalised score of a value, each distinct (question, value) worked out once."""
        if value is None or question.key not in self.scored:
            return None
        try:
            memo_key = (question.key, value if not isinstance(value, list) else tuple(value))
            hash(memo_key)
        except TypeError:
            return normalised_score(question, value)
        # bool and int compare equal in Python, JSON true and 1 do not.
        memo_key = (*memo_key, type(value))
        if memo_key not in self._scores:
            self._scores[memo_key] = normalised_score(question, value)
        return self._scores[memo_key]

    def facts(self, answers: Mapping[str, StoredAnswer]) -> ResponseFacts:
        """The fact rows and section scores of one submitted response's stored answers."""
        values = {key: answer.value for key, answer in answers.items() if answer.value is not None}
        shown = visible_parts(self.outline, values).questions
        confidential = {key for key, answer in answers.items() if answer.confidential}
        withheld = confidential | follow_ups(self.outline, confidential & self.sources)
        rows: list[Fact] = []
        for key, answer in answers.items():
            value = answer.value
            if value is None or key not in shown or key not in self.questions:
                continue
            rows.extend(self._answer_facts(key, answer, key in withheld))
        public = {key: value for key, value in values.items() if key not in withheld}
        scores: dict[str, tuple[float | None, float | None]] = {}
        for section_key, scored in self.scored_by_section:
            if scored:
                scores[section_key] = (section_score(scored, values, shown, self.score),
                                       section_score(scored, public, shown, self.score))
        return ResponseFacts(rows, scores)

    def _answer_facts(self, key: str, answer: StoredAnswer, withheld: bool) -> Iterable[Fact]:
        for fact in self._facts_of(key, answer):
            yield fact._replace(withheld=True) if withheld else fact

    def _facts_of(self, key: str, answer: StoredAnswer) -> Iterable[Fact]:
        value, confidential = answer.value, bool(answer.confidential)
        kind = self.types[key]
        state = answer_state(value)
        text = number = None
        if state == ANSWERED:
            if kind in SINGLE_VALUE_TYPES or kind == "date":
                text = _text(value)
            elif kind == "scale":
                try:
                    number = float(value)
                except (TypeError, ValueError):
                    number = None
            elif kind in NUMBER_TYPES:
                number = float(value) if _is_number(value) else None
            elif kind == "table" and isinstance(value, list):
                number = float(len(value))
            elif kind == "multiple_choice" and key in self.option_bits and isinstance(value, list):
                # An option listed twice counts once; a value that is no option counts nowhere.
                bits = self.option_bits[key]
                number = float(sum({bits[o] for o in map(_text, value) if o in bits}))
        yield Fact(KIND_ANSWER, key, "", state, confidential, text, number, self.score(self.questions[key], value))
        if kind == "multiple_choice" and key not in self.option_bits and isinstance(value, list):
            for option in dict.fromkeys(o for o in map(_text, value) if o is not None):
                yield Fact(KIND_OPTION, key, "", ANSWERED, confidential, option, None, None)
        elif kind == "table" and state == ANSWERED:
            # One row per column and cell value (with how many cells), not one per cell.
            cells: dict[tuple[str, str | None, float | None], int] = {}
            for row in value:
                if not isinstance(row, dict):
                    continue
                for column, column_type in self.columns[key]:
                    cell = row.get(column)
                    if not _cell_filled(cell):
                        continue
                    counted = (column, _text(cell) if column_type in CELL_TEXT_TYPES else None,
                               float(cell) if column_type in NUMBER_TYPES and _is_number(cell) else None)
                    cells[counted] = cells.get(counted, 0) + 1
            for (column, text, number), times in cells.items():
                yield Fact(KIND_CELL, key, column, ANSWERED, confidential, text, number, None, None, times)
        elif (kind in TEXT_TYPES and answer.quotable and not confidential and state == ANSWERED
              and isinstance(value, str) and value.strip()):
            yield Fact(KIND_QUOTE, key, "", ANSWERED, False, None, None, None, value)


# --- storing ------------------------------------------------------------------------------------


def table_rows(round_id: int, response_id: int, facts: ResponseFacts) -> tuple[list[dict[str, Any]],
                                                                               list[dict[str, Any]]]:
    """(answer_fact rows, section_score rows) of one response, ready for a bulk INSERT."""
    answer_rows = [{"round_id": round_id, "response_id": response_id, **fact._asdict()} for fact in facts.rows]
    score_rows = [{"round_id": round_id, "response_id": response_id, "section_key": key, "score": score,
                   "public_score": public}
                  for key, (score, public) in facts.scores.items() if score is not None or public is not None]
    return answer_rows, score_rows


def insert_rows(answer_rows: list[dict[str, Any]], score_rows: list[dict[str, Any]]) -> None:
    """Write fact rows with executemany INSERTs (no ORM objects)."""
    if answer_rows:
        db.session.execute(insert(AnswerFact), answer_rows)
    if score_rows:
        db.session.execute(insert(SectionScore), score_rows)


def store(round_id: int, response_id: int, version: QuestionnaireVersion,
          answers: Mapping[str, StoredAnswer]) -> None:
    """Replace a response's facts with those of its answers (the caller sets Response.facts_version)."""
    clear(response_id)
    insert_rows(*table_rows(round_id, response_id, VersionFacts(version).facts(answers)))


def store_missing(round_id: int, version: QuestionnaireVersion) -> int:
    """Store the facts of the round's submitted responses that have none or out-of-date ones (responses
    submitted before the facts tables existed, or written by other code); returns how many.

    The aggregation works such responses out at every call; this makes it a one-off (for a maintenance
    command or after an upgrade). A response reopened meanwhile is left alone: facts_version is set only
    where the response is still submitted at the version the facts describe.
    """
    stale = db.session.execute(
        select(Response.id, Response.version)
        .where(Response.round_id == round_id, Response.status == ResponseStatus.SUBMITTED,
               or_(Response.facts_version.is_(None), Response.facts_version != Response.version))
    ).all()
    if not stale:
        return 0
    ids = [rid for rid, _version in stale]
    answers: dict[int, dict[str, StoredAnswer]] = {rid: {} for rid in ids}
    for rid, key, value, is_confidential, is_quotable in db.session.execute(
            select(Answer.response_id, Answer.question_key, Answer.value, Answer.confidential, Answer.quotable)
            .where(Answer.response_id.in_(ids))):
        answers[rid][key] = StoredAnswer(value, is_confidential, is_quotable)
    db.session.execute(delete(AnswerFact).where(AnswerFact.response_id.in_(ids)))
    db.session.execute(delete(SectionScore).where(SectionScore.response_id.in_(ids)))
    prepared = VersionFacts(version)
    answer_rows: list[dict[str, Any]] = []
    score_rows: list[dict[str, Any]] = []
    for rid in ids:
        more_answers, more_scores = table_rows(round_id, rid, prepared.facts(answers[rid]))
        answer_rows += more_answers
        score_rows += more_scores
    insert_rows(answer_rows, score_rows)
    table = Response.__table__
    # Core executemany (not the ORM's bulk update by primary key): the WHERE is the compare-and-set.
    db.session.execute(
        update(table)
        .where(table.c.id == bindparam("rid"), table.c.version == bindparam("v"),
               table.c.status == ResponseStatus.SUBMITTED.value)
        .values(facts_version=bindparam("v")),
        [{"rid": rid, "v": version_number} for rid, version_number in stale])
    return len(ids)


def clear(response_id: int) -> None:
    """Remove a response's facts (it is no longer submitted, or is about to be stored again)."""
    db.session.execute(delete(AnswerFact).where(AnswerFact.response_id == response_id))
    db.session.execute(delete(SectionScore).where(SectionScore.response_id == response_id))
