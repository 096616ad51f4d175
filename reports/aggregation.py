"""Aggregate a round's submitted responses in the database: per question the summary of its type
(DESIGN.md section 4), per section maturity scores per supplier and their distribution, the
response rate; optionally only the suppliers of one country.

What a submitted response contributes is stored when it is submitted, as plain indexed columns
(`AnswerFact`, `SectionScore`: see `questionnaire.services.facts`): the questions it was shown, each
answer's state, option value, number and normalised score, one row per selected option and per
filled table cell, the quotable texts and its section scores. So the aggregation is one GROUP BY
over those rows (an index-ordered scan: no JSON parsing, no sort), the quotes and the section
scores, and the figures are added up in Python from the few thousand groups: no per-supplier work
and a fixed number of queries, whatever the number of suppliers and questions. A submitted response
without up-to-date stored facts (submitted before they existed) is worked out from its answers with
the same code, in one more query.

Maturity: a question's score (option scores, scale position) is divided by the highest score it
can get (for multiple choice: the sum of the positive non-exclusive option scores, or an exclusive
option's score if higher), clamped to 0..1; a section's score per supplier is the weighted mean over
its scored questions that the supplier was shown and answered (N/A and unanswered left out), x 100.

Nothing here decides who may see what: `reports.disclosure` does that per audience.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import chain, repeat
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from questionnaire.extensions import db
from questionnaire.models import (
    Answer,
    AnswerFact,
    DialogueRound,
    Invitation,
    Organisation,
    Question,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
    Section,
    SectionScore,
)
from questionnaire.question_types import QUESTION_TYPES, number_summary, visible_parts
from questionnaire.services.facts import (
    ANSWERED,
    KIND_ANSWER,
    KIND_CELL,
    KIND_OPTION,
    KIND_QUOTE,
    MASK_LIMIT,
    NOT_APPLICABLE,
    StoredAnswer,
    VersionFacts,
    is_scored_question,
    section_score,
)

# Scoring lives with the facts (the submit hook needs it); these names stay importable from here.
from questionnaire.services.facts import max_score as max_score
from questionnaire.services.facts import normalised_score as normalised_score
from questionnaire.services.questionnaires import version_load_options

NUMBER_TYPES = frozenset({"number", "percentage"})
TEXT_TYPES = frozenset({"text", "long_text"})
# Table column types counted per value.
CELL_CHOICE_TYPES = frozenset({"yes_no", "single_choice"})


# --- what the aggregation returns -------------------------------------------------------------


@dataclass(frozen=True)
class Quote:
    """A free-text answer the supplier allowed to be quoted (never a confidential one)."""

    text: str
    response_id: int
    # The supplier's name: for named audiences only; disclosure drops it for participants.
    supplier: str


@dataclass(frozen=True)
class Distribution:
    """Maturity scores (0-100) across suppliers: n, min, quartiles, median, mean, max."""

    n: int
    min: float | None = None
    q1: float | None = None
    median: float | None = None
    q3: float | None = None
    max: float | None = None
    mean: float | None = None

    @classmethod
    def of(cls, values: Iterable[float]) -> Distribution:
        """The distribution of some scores (quartiles by the inclusive method, as spreadsheets do)."""
        data = sorted(values)
        if not data:
            return cls(n=0)
        if len(data) == 1:
            q1 = q3 = data[0]
        else:
            q1, _median, q3 = statistics.quantiles(data, n=4, method="inclusive")
        return cls(n=len(data), min=data[0], q1=q1, median=statistics.median(data), q3=q3, max=data[-1],
                   mean=statistics.fmean(data))


@dataclass
class QuestionResult:
    """One question's figures over the submitted responses shown that question.

    `summary` has the keys of the type's `summarise()` (DESIGN.md section 4):
    - yes_no, single_choice, multiple_choice: `counts` {option value: suppliers}, `shares` (of `answered`);
    - scale: `distribution` {point (int): suppliers}, `mean`, `median`;
    - number, percentage: `n`, `min`, `median`, `mean`, `max`;
    - date: `count`, `earliest`, `latest` (ISO strings); text, long_text, url, file: `count`;
    - table: `rows`, `rows_per_respondent` (a number summary), `columns` {column key: its type's summary};
    plus `answered` and `not_applicable`, as `summarise()` gives them.
    """

    question: Question
    section_key: str
    # Suppliers who answered or marked "not applicable" (the question's respondents).
    respondents: int = 0
    answered: int = 0
    not_applicable: int = 0
    # Respondents whose answer is marked confidential (they still count in every figure).
    confidential: int = 0
    summary: dict[str, Any] = field(default_factory=dict)
    # text and long_text: the quotable, non-confidential answers, in alphabetical order (not by supplier).
    quotes: list[Quote] = field(default_factory=list)
    # Scored questions: the mean normalised score (0-100) over the suppliers who have one.
    mean_score: float | None = None
    # Scored questions: how many suppliers have a score.
    scored: int = 0

    @property
    def key(self) -> str:
        """The question key."""
        return self.question.key

    @property
    def type(self) -> str:
        """The question type name."""
        return self.question.type


@dataclass
class SectionResult:
    """One section: its questions' results and its maturity scores."""

    section: Section
    questions: list[QuestionResult]
    # Maturity 0-100 per submitted response id; None where the supplier has no scored answer here.
    scores: dict[int, float | None] = field(default_factory=dict)
    # The scores across suppliers that have one.
    distribution: Distribution = field(default_factory=lambda: Distribution(n=0))

    @property
    def key(self) -> str:
        """The section key."""
        return self.section.key

    @property
    def is_scored(self) -> bool:
        """Whether the section has at least one question that can be scored."""
        return any(is_scored_question(q.question) for q in self.questions)


@dataclass(frozen=True)
class SupplierRow:
    """A supplier with a submitted response."""

    response_id: int
    organisation_id: int
    name: str
    country: str
    submitted_at: datetime | None


@dataclass
class RoundResults:
    """Everything aggregated for a round (and a country filter), before disclosure control."""

    round: DialogueRound
    version: QuestionnaireVersion
    country: str | None
    # Invited suppliers (in the country, when filtered), responses started (draft or submitted), submitted.
    invited: int
    started: int
    submitted: int
    suppliers: list[SupplierRow]
    sections: list[SectionResult]
    # Countries of the invited suppliers, for the filter (ISO alpha-2, sorted).
    countries: list[str]
    # False when answers marked confidential were left out (the buyers' figures: see reports.disclosure).
    includes_confidential: bool = True

    @property
    def k(self) -> int:
        """The round's minimum group size."""
        return self.round.k

    @property
    def response_rate(self) -> float | None:
        """Submitted over invited (0..1); None when nobody was invited."""
        return self.submitted / self.invited if self.invited else None

    def question(self, key: str) -> QuestionResult:
        """The result of one question by key (KeyError when there is none)."""
        for section in self.sections:
            for result in section.questions:
                if result.key == key:
                    return result
        raise KeyError(key)

    def section(self, key: str) -> SectionResult:
        """The result of one section by key (KeyError when there is none)."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)


@dataclass(frozen=True)
class SupplierAnswer:
    """One answer of one supplier, for the named per-supplier views."""

    question: Question
    value: Any
    confidential: bool
    quotable: bool
    comment: str
    # False for an answer hidden by a condition (ignored everywhere).
    visible: bool = True
    # Set by disclosure when the audience may not see this answer's value.
    withheld: bool = False


@dataclass
class SupplierAnswers:
    """One supplier's submitted answers, section by section, with its section scores."""

    supplier: SupplierRow
    # section key -> answers in questionnaire order (questions without an answer are left out).
    sections: dict[str, list[SupplierAnswer]]
    # section key -> maturity 0-100 (None when nothing scored was answered).
    scores: dict[str, float | None]


# --- the aggregation ----------------------------------------------------------------------------


def load_version(round_: DialogueRound) -> QuestionnaireVersion:
    """The round's questionnaire version with its sections and questions, in a fixed few queries."""
    version = db.session.scalar(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.id == round_.questionnaire_version_id)
        .options(*version_load_options())
    )
    assert version is not None  # a round always has its version (foreign key)
    return version


def _suppliers(round_: DialogueRound, country: str | None) -> tuple[list[SupplierRow], int, list[int], list[int]]:
    """The suppliers with a submitted response (by name), how many responses were started, and the
    responses whose stored facts must not be read: (submitted ones without up-to-date facts, others with facts).
    """
    query = (
        select(Response.id, Response.status, Response.submitted_at, Organisation.id, Organisation.name,
               Organisation.country, Response.version, Response.facts_version)
        .join(Organisation, Organisation.id == Response.organisation_id)
        .where(Response.round_id == round_.id)
    )
    if country:
        query = query.where(Organisation.country == country)
    rows = _plain_rows(query)
    submitted: list[SupplierRow] = []
    stale: list[int] = []
    dropped: list[int] = []
    for rid, status, at, oid, name, ctry, version, facts_version in rows:
        if status == ResponseStatus.SUBMITTED:
            submitted.append(SupplierRow(response_id=rid, organisation_id=oid, name=name, country=ctry,
                                         submitted_at=at))
            if facts_version != version:
                stale.append(rid)
        elif facts_version is not None:
            dropped.append(rid)
    submitted.sort(key=lambda s: (s.name.casefold(), s.response_id))
    return submitted, len(rows), stale, dropped


def _plain_rows(query: Any) -> Sequence[Any]:
    """A column query's rows through the session's connection: thousands of rows skip the ORM's row handling."""
    return db.session.connection().execute(query).all()


def _invitations(round_: DialogueRound, country: str | None) -> tuple[int, list[str]]:
    """Invited suppliers (in the country, when given) and every invited country."""
    rows = db.session.execute(
        select(Organisation.country, func.count())
        .select_from(Invitation)
        .join(Organisation, Organisation.id == Invitation.organisation_id)
        .where(Invitation.round_id == round_.id)
        .group_by(Organisation.country)
    ).all()
    per_country: dict[str, int] = {ctry: n for ctry, n in rows}  # noqa: C416 - rows are Row objects
    invited = per_country.get(country, 0) if country else sum(per_country.values())
    return invited, sorted(per_country)


class _FactScope:
    """The stored facts that count: the round's (and country's) submitted responses with up-to-date facts."""

    def __init__(self, round_: DialogueRound, country: str | None, excluded: Sequence[int],
                 include_confidential: bool) -> None:
        self.round = round_
        self.country = country
        self.excluded = sorted(excluded)
        self.include_confidential = include_confidential

    def where(self, query: Any, table: Any) -> Any:
        """Restrict a query over AnswerFact or SectionScore to the scope."""
        query = query.where(table.round_id == self.round.id)
        if self.country:
            in_country = (select(Response.id).join(Organisation, Organisation.id == Response.organisation_id)
                          .where(Response.round_id == self.round.id, Organisation.country == self.country))
            query = query.where(table.response_id.in_(in_country))
        if self.excluded:
            query = query.where(table.response_id.not_in(self.excluded))
        return query

    def grouped(self) -> Any:
        """Every fact row counted per distinct (kind, question, part, state, confidential, text, number, score).

        One GROUP BY over plain columns, read in the order of `ix_answer_fact_summary` (no sort).
        """
        columns = (AnswerFact.kind, AnswerFact.question_key, AnswerFact.part, AnswerFact.state,
                   AnswerFact.confidential, AnswerFact.text, AnswerFact.number, AnswerFact.score)
        query = self.where(select(*columns, func.sum(AnswerFact.weight))
                           .where(AnswerFact.kind.in_((KIND_ANSWER, KIND_CELL, KIND_OPTION))), AnswerFact)
        return self.open_only(query).group_by(*columns)

    def open_only(self, query: Any) -> Any:
        """Without confidential answers and their follow-ups, when the figures are for buyers."""
        return query if self.include_confidential else query.where(AnswerFact.withheld.is_(False))

    def quotes(self) -> Any:
        """(question key, response id, text) of the quotable texts."""
        return self.open_only(self.where(select(AnswerFact.question_key, AnswerFact.response_id, AnswerFact.quote)
                                         .where(AnswerFact.kind == KIND_QUOTE), AnswerFact))

    def section_scores(self) -> Any:
        """(section key, response id, score) of every stored section score."""
        score = SectionScore.score if self.include_confidential else SectionScore.public_score
        return self.where(select(SectionScore.section_key, SectionScore.response_id, score)
                          .where(score.is_not(None)), SectionScore)


class _Tally:
    """Counts per question (and table column) added up from fact rows, each with how many times it occurs."""

    def __init__(self, results: dict[str, QuestionResult]) -> None:
        self.results = results
        # Multiple choice stored as bit masks: question key -> option values by bit.
        self.masks = {key: [o["value"] for o in result.question.config.get("options") or []]
                      for key, result in results.items()
                      if result.type == "multiple_choice"
                      and len(result.question.config.get("options") or []) <= MASK_LIMIT}
        # (question key, part) -> {text: count}, {number: count}; question key -> {score: count}.
        self.texts: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.numbers: dict[tuple[str, str], dict[float, int]] = defaultdict(lambda: defaultdict(int))
        self.scores: dict[str, dict[float, int]] = defaultdict(lambda: defaultdict(int))
        self.cells: dict[tuple[str, str], int] = defaultdict(int)

    def add(self, kind: str, key: str, part: str, state: str, confidential: bool, text: str | None,
            number: float | None, score: float | None, n: int) -> None:
        """Count one fact row `n` times."""
        result = self.results.get(key)
        if result is None:
            return  # a fact of a question the version no longer has
        if kind == KIND_ANSWER:
            if state == ANSWERED:
                result.answered += n
            elif state == NOT_APPLICABLE:
                result.not_applicable += n
            else:
                if score is not None:
                    self.scores[key][score] += n
                return
            result.respondents += n
            if confidential:
                result.confidential += n
            if score is not None:
                self.scores[key][score] += n
            if state != ANSWERED:
                return
            if number is not None and key in self.masks:
                mask = int(number)
                counts = self.texts[(key, "")]
                for bit, option in enumerate(self.masks[key]):
                    if mask >> bit & 1:
                        counts[option] += n
                return
        elif kind == KIND_CELL:
            self.cells[(key, part)] += n
        elif kind != KIND_OPTION:
            return
        if text is not None:
            self.texts[(key, part)][text] += n
        if number is not None:
            self.numbers[(key, part)][number] += n

    def finish(self, result: QuestionResult) -> None:
        """Fill in a question's summary, as its type summarises (DESIGN.md section 4), and its mean score."""
        key = result.key
        found = self.texts.get((key, ""), {})
        kind = result.type
        if kind == "scale":
            low, high = result.question.config["scale"]["min"], result.question.config["scale"]["max"]
            by_point: dict[int, int] = defaultdict(int)
            for point, n in self.numbers.get((key, ""), {}).items():
                by_point[int(point)] += n
            distribution = {point: by_point.get(point, 0) for point in range(low, high + 1)}
            total = sum(distribution.values())
            mean = sum(p * n for p, n in distribution.items()) / total if total else None
            result.summary = {"distribution": distribution, "mean": mean,
                              "median": _median_from_counts(distribution)}
        elif kind in ("yes_no", "single_choice", "multiple_choice"):
            options = ["yes", "no"] if kind == "yes_no" else [o["value"] for o in
                                                                result.question.config.get("options") or []]
            option_counts = {option: found.get(option, 0) for option in options}
            # Multiple choice: shares of respondents, adding up to more than 1 when suppliers tick several.
            result.summary = {"counts": option_counts, "shares": _shares(option_counts, result.answered)}
        elif kind in NUMBER_TYPES:
            if self.numbers.get((key, "")):
                result.summary = _number_stats(self.numbers[(key, "")])
        elif kind == "date":
            if result.answered:
                result.summary = {"count": result.answered, "earliest": min(found, default=None),
                                  "latest": max(found, default=None)}
        elif kind == "table":
            self._finish_table(result)
        scores = self.scores.get(key)
        if scores:
            result.scored = sum(scores.values())
            result.mean_score = math.fsum(
                chain.from_iterable(repeat(100 * score, n) for score, n in scores.items())) / result.scored

    def _finish_table(self, result: QuestionResult) -> None:
        key = result.key
        lengths = self.numbers.get((key, ""))
        length = _number_stats(lengths) if lengths else number_summary([])
        columns: dict[str, Any] = {}
        for column in result.question.config.get("columns") or []:
            part = (key, column["key"])
            n = self.cells.get(part, 0)
            texts = self.texts.get(part, {})
            base: dict[str, Any] = {"answered": n, "not_applicable": 0}
            if column["type"] in NUMBER_TYPES:
                numbers = self.numbers.get(part)
                base |= _number_stats(numbers) if numbers else number_summary([])
            elif column["type"] in CELL_CHOICE_TYPES:
                options = (["yes", "no"] if column["type"] == "yes_no"
                           else [o["value"] for o in column.get("options", [])])
                option_counts = {option: texts.get(option, 0) for option in options}
                base |= {"counts": option_counts, "shares": _shares(option_counts, n)}
            elif column["type"] == "date":
                base |= {"count": n, "earliest": min(texts, default=None) if n else None,
                         "latest": max(texts, default=None) if n else None}
            else:
                base |= {"count": n}
            columns[column["key"]] = base
        total_rows = round(length["mean"] * length["n"]) if length["n"] else 0
        result.summary = {"rows": total_rows, "rows_per_respondent": length, "columns": columns}


def _number_stats(counts: Mapping[float, int]) -> dict[str, Any]:
    """n, min, median, mean and max of numbers given as {value: how many} (the median exact, as SQL gave it)."""
    n = sum(counts.values())
    total = math.fsum(chain.from_iterable(repeat(value, times) for value, times in counts.items()))
    return {"n": n, "min": _plain(min(counts)), "median": _plain(_median_from_counts(counts)),
            "mean": float(total / n), "max": _plain(max(counts))}


def _plain(value: Any) -> int | float | None:
    """A number as int when whole (so 12.0 reads 12)."""
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def _median_from_counts(counts: Mapping[Any, int]) -> float | None:
    """The median of values given as {value: how many}, without expanding them."""
    total = sum(counts.values())
    if total == 0:
        return None
    middle = ((total - 1) // 2, total // 2)
    seen = 0
    found: list[float] = []
    for value in sorted(counts):
        n = counts[value]
        for position in middle:
            if seen <= position < seen + n:
                found.append(value)
        seen += n
    return sum(found) / 2


def _shares(counts: Mapping[Any, int], total: int) -> dict[Any, float | None]:
    return {key: (count / total if total else None) for key, count in counts.items()}


def _add_unstored(version: QuestionnaireVersion, response_ids: Sequence[int], tally: _Tally,
                  scores: dict[str, dict[int, float | None]], quotes: list[tuple[str, int, str]],
                  include_confidential: bool) -> None:
    """Submitted responses without up-to-date stored facts: worked out from their answers (one query).

    Responses submitted before the facts tables existed, or written by code that bypassed submit();
    the same `VersionFacts.facts` as the submit hook, so they count exactly as stored ones do.
    """
    answers: dict[int, dict[str, StoredAnswer]] = defaultdict(dict)
    for rid, key, value, is_confidential, is_quotable in _plain_rows(
            select(Answer.response_id, Answer.question_key, Answer.value, Answer.confidential, Answer.quotable)
            .where(Answer.response_id.in_(response_ids))):
        answers[rid][key] = StoredAnswer(value, is_confidential, is_quotable)
    prepared = VersionFacts(version)
    for rid in response_ids:
        worked_out = prepared.facts(answers.get(rid, {}))
        for fact in worked_out.rows:
            if not include_confidential and fact.withheld:
                continue
            if fact.kind == KIND_QUOTE:
                quotes.append((fact.question_key, rid, fact.quote or ""))
            else:
                tally.add(*fact[:8], fact.weight)
        for section_key, (score, public) in worked_out.scores.items():
            value = score if include_confidential else public
            if value is not None:
                scores[section_key][rid] = value


def aggregate_round(round_: DialogueRound, *, country: str | None = None,
                    include_confidential: bool = True) -> RoundResults:
    """Aggregate the round's submitted responses (only suppliers of `country` when given).

    With `include_confidential=False` answers marked confidential, and the answers to questions shown
    only depending on one of them (`questionnaire.services.facts.follow_ups`), are left out of every
    figure, quote and score, as if unanswered (what buyers may see: see `reports.disclosure`).
    """
    version = load_version(round_)
    questions = {q.key: q for q in version.questions()}
    invited, countries = _invitations(round_, country)
    suppliers, started, stale, dropped = _suppliers(round_, country)
    response_ids = [s.response_id for s in suppliers]
    names = {s.response_id: s.name for s in suppliers}

    results = {key: QuestionResult(question=q, section_key=q.section.key) for key, q in questions.items()}
    tally = _Tally(results)
    scores: dict[str, dict[int, float | None]] = {section.key: dict.fromkeys(response_ids)
                                                  for section in version.sections}
    quotes: list[tuple[str, int, str]] = []
    if response_ids:
        if len(stale) < len(response_ids):
            scope = _FactScope(round_, country, [*stale, *dropped], include_confidential)
            for row in _plain_rows(scope.grouped()):
                tally.add(*row)
            quotes.extend(_plain_rows(scope.quotes()))
            for section_key, rid, score in _plain_rows(scope.section_scores()):
                if section_key in scores:
                    scores[section_key][rid] = score
        if stale:
            _add_unstored(version, stale, tally, scores, quotes, include_confidential)
        for result in results.values():
            tally.finish(result)
        for key, rid, text in quotes:
            if key in results:
                results[key].quotes.append(Quote(text=text, response_id=rid, supplier=names.get(rid, "")))
        for result in results.values():
            # Alphabetical, so the order says nothing about who answered first or is named first.
            result.quotes.sort(key=lambda quote: (quote.text.casefold(), quote.response_id))
    for result in results.values():
        _finish_summary(result)

    sections = []
    for section in version.sections:
        section_scores = scores[section.key]
        sections.append(SectionResult(
            section=section, questions=[results[q.key] for q in section.questions], scores=section_scores,
            distribution=Distribution.of(s for s in section_scores.values() if s is not None)))
    return RoundResults(round=round_, version=version, country=country, invited=invited, started=started,
                        submitted=len(suppliers), suppliers=suppliers, sections=sections, countries=countries,
                        includes_confidential=include_confidential)


def _finish_summary(result: QuestionResult) -> None:
    """Fill in the summary of types only counted (and of questions without data), `answered` and `not_applicable`."""
    if not result.summary:
        empty = QUESTION_TYPES[result.type].summarise([], result.question)
        empty.pop("answered", None)
        empty.pop("not_applicable", None)
        result.summary = empty
    if "count" in result.summary and result.type in (*TEXT_TYPES, "url", "file"):
        result.summary["count"] = result.answered
    result.summary["answered"] = result.answered
    result.summary["not_applicable"] = result.not_applicable


def supplier_answers(round_: DialogueRound, response_id: int) -> SupplierAnswers | None:
    """One submitted response's answers and section scores, for the named per-supplier views."""
    row = db.session.execute(
        select(Response, Organisation)
        .join(Organisation, Organisation.id == Response.organisation_id)
        .where(Response.id == response_id, Response.round_id == round_.id,
               Response.status == ResponseStatus.SUBMITTED)
        .options(selectinload(Response.answers))
    ).first()
    if row is None:
        return None
    response, organisation = row
    version = load_version(round_)
    stored = {answer.question_key: answer for answer in response.answers}
    values = {key: answer.value for key, answer in stored.items()}
    shown = visible_parts(version.sections, values).questions
    sections: dict[str, list[SupplierAnswer]] = {}
    scores: dict[str, float | None] = {}
    for section in version.sections:
        answers = []
        for question in section.questions:
            answer = stored.get(question.key)
            if answer is None:
                continue
            answers.append(SupplierAnswer(question=question, value=answer.value, confidential=answer.confidential,
                                          quotable=answer.quotable, comment=answer.comment or "",
                                          visible=question.key in shown))
        sections[section.key] = answers
        scores[section.key] = section_score(section.questions, values, shown)
    supplier = SupplierRow(response_id=response.id, organisation_id=organisation.id, name=organisation.name,
                           country=organisation.country, submitted_at=response.submitted_at)
    return SupplierAnswers(supplier=supplier, sections=sections, scores=scores)
