"""Aggregate a round's submitted responses in the database: per question the summary of its type
(DESIGN.md section 4), per section maturity scores per supplier and their distribution, the
response rate; optionally only the suppliers of one country.

Counts are computed by SQL GROUP BY over the answer table, one query per kind of question type
across all questions (never one query per question): the query count depends neither on the
number of suppliers nor on the number of questions. Only what cannot be counted is loaded: the
answers conditions depend on and the scored answers (to decide visibility and per-supplier
maturity), the quotable texts, and table answers (their per-column summaries are built with the
registry).

Nothing here decides who may see what: `reports.disclosure` does that per audience.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from questionnaire.models import (
    DialogueRound,
    Question,
    QuestionnaireVersion,
    Section,
)
from questionnaire.question_types import (
    is_na,
    type_of,
)

# Types whose answer is one value among a known few: counted per value.
SINGLE_VALUE_TYPES = frozenset({"yes_no", "single_choice", "scale"})
NUMBER_TYPES = frozenset({"number", "percentage"})
TEXT_TYPES = frozenset({"text", "long_text"})
# Types that may carry a maturity score.
SCORED_TYPES = frozenset({"single_choice", "multiple_choice", "scale"})


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
                  visible: Iterable[str] | None = None) -> float | None:
    """Maturity 0-100: the weighted mean of normalised scores over the visible, scored, answered questions."""
    shown = set(visible) if visible is not None else None
    total = weights = 0.0
    for question in questions:
        if shown is not None and question.key not in shown:
            continue
        score = normalised_score(question, values.get(question.key))
        if score is None or question.weight <= 0:
            continue
        total += question.weight * score
        weights += question.weight
    return 100 * total / weights if weights else None


# --- the aggregation ----------------------------------------------------------------------------


def aggregate_round(round_: DialogueRound, *, country: str | None = None) -> RoundResults:
    """Aggregate the round's submitted responses (only suppliers of `country` when given)."""
    raise NotImplementedError


def supplier_answers(round_: DialogueRound, response_id: int) -> SupplierAnswers | None:
    """One submitted response's answers and section scores, for the named per-supplier views."""
    raise NotImplementedError
