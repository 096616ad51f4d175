"""Disclosure control: what each audience may see of a round's results (DESIGN.md section 1).

Audiences:
- `secretariat`: everything, named.
- `buyers`: aggregates unsuppressed and named per-supplier views, except the values of answers marked
  confidential (they still count in every aggregate).
- `participants` (suppliers and the public): aggregates only, anonymised, with minimum group size k:
  * a question with fewer than k respondents shows no breakdown (its respondent count is shown as
    "fewer than k");
  * a category with 1..k-1 suppliers is shown as "fewer than k" (status `small`); complementary
    suppression hides further cells (status `hidden`) until no hidden cell can be worked out from the
    total and the shown cells - not exactly, and not even when the reader knows which cells are small
    (1..k-1) and how complements are chosen (the smallest non-zero shown cells). When nothing is left
    to hide, the whole breakdown is withheld;
  * multiple choice: each option is checked against the respondent total on its own (chosen / not
    chosen): an option chosen or not chosen by 1..k-1 suppliers is not shown;
  * numbers: n, mean and median only with at least k answers; min and max are single suppliers'
    values and are never shown; a scale's mean and median and a choice question's mean score only
    when no cell of its breakdown is suppressed (a mean could otherwise undo the suppression);
  * dates: the count only (earliest and latest are single answers);
  * tables: the row count and respondents only (cells are rows, not suppliers: per-column
    breakdowns could describe one supplier);
  * quotes: only quotable, non-confidential texts, without names, and only with k respondents;
  * no evidence files, no per-supplier views, no country filter (comparing a filtered table with the
    unfiltered one could reveal a small group by difference);
  * section maturity: median, quartiles and mean across at least k suppliers; never min or max.

Answers that depend on a confidential answer (buyers): a question shown only under a condition on
an answer the supplier marked confidential says something about that answer just by having been
answered (a "policy URL" shown only if "Do you have a policy?" is yes tells the reader "yes"). So
buyers get such a question withheld, for that supplier, whether or not it was shown or answered -
its value, its comment, its presence, and the quote it would give - and the same through any chain
of conditions (`conditioned_on`). The buyers' aggregates (`aggregate_round(include_confidential=False)`)
leave those answers out of every figure, quote and score, as they do the confidential answers; the
per-supplier page (`disclose_supplier`) and the exports withhold them alike.

With k = 2 a small category is exactly 1 and its label says so: k = 2 protects little by design.
The number of submitted suppliers who skipped an optional question (submitted - respondents) is not
treated as sensitive.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from questionnaire.question_types import condition_keys
from reports.aggregation import (
    Distribution,
    QuestionResult,
    Quote,
    RoundResults,
    SectionResult,
    SupplierAnswer,
    SupplierAnswers,
    SupplierRow,
    aggregate_round,
    section_score,
)


class Audience(enum.StrEnum):
    """Who a view, a PDF or an export is for."""

    SECRETARIAT = "secretariat"
    BUYERS = "buyers"
    PARTICIPANTS = "participants"

    @property
    def named(self) -> bool:
        """Whether suppliers are named (per-supplier views, supplier scores, names with quotes)."""
        return self is not Audience.PARTICIPANTS


class CellStatus(enum.StrEnum):
    """How a count is shown."""

    SHOWN = "shown"
    # 1..k-1 suppliers: shown as "fewer than k".
    SMALL = "small"
    # Hidden so that a small cell cannot be worked out (complementary suppression), or withheld.
    HIDDEN = "hidden"


@dataclass(frozen=True)
class Cell:
    """One category of a breakdown: its key (option value, scale point as text, or "na") and count."""

    key: str
    count: int | None
    status: CellStatus = CellStatus.SHOWN
    # count / the breakdown's total, when shown.
    share: float | None = None

    @property
    def shown(self) -> bool:
        """Whether the exact count is shown."""
        return self.status is CellStatus.SHOWN


@dataclass
class DisclosedQuestion:
    """A question's figures as one audience may see them."""

    result: QuestionResult
    k: int
    # The respondents (answered or N/A); None when in 1..k-1 for participants ("fewer than k").
    respondents: int | None
    # True when the breakdown is withheld (fewer than k respondents, or nothing safe to show).
    withheld: bool = False
    # Answered and not-applicable counts as cells (statuses as for any breakdown).
    answered: Cell | None = None
    not_applicable: Cell | None = None
    # yes_no, single_choice, scale: one cell per option / point plus "na" when the question allows N/A;
    # multiple_choice: one cell per option (shares of `answered`, or of respondents when that is hidden).
    cells: list[Cell] = field(default_factory=list)
    # Other types: the summary keys the audience may see (number: n, mean, median[, min, max]; date:
    # count[, earliest, latest]; text/url/file: count; table: rows, rows_per_respondent[, columns]).
    stats: dict[str, Any] = field(default_factory=dict)
    quotes: list[Quote] = field(default_factory=list)
    mean_score: float | None = None

    @property
    def question(self) -> Any:
        """The Question model (texts, type, config)."""
        return self.result.question

    @property
    def key(self) -> str:
        """The question key."""
        return self.result.key

    @property
    def type(self) -> str:
        """The question type."""
        return self.result.type


@dataclass
class DisclosedSection:
    """A section as one audience may see it."""

    result: SectionResult
    questions: list[DisclosedQuestion]
    # Across suppliers; None when fewer than k suppliers have a score (participants); min/max None there.
    distribution: Distribution | None
    # Named audiences only: (supplier, score) in supplier name order.
    supplier_scores: list[tuple[SupplierRow, float | None]] = field(default_factory=list)

    @property
    def section(self) -> Any:
        """The Section model."""
        return self.result.section

    @property
    def key(self) -> str:
        """The section key."""
        return self.result.key


@dataclass
class DisclosedResults:
    """A round's results for one audience: what the pages, PDFs and exports show."""

    results: RoundResults
    audience: Audience
    sections: list[DisclosedSection]
    # Named audiences only.
    suppliers: list[SupplierRow] = field(default_factory=list)

    @property
    def k(self) -> int:
        """The round's minimum group size."""
        return self.results.k

    @property
    def round(self) -> Any:
        """The DialogueRound."""
        return self.results.round

    @property
    def invited(self) -> int:
        """Invited suppliers."""
        return self.results.invited

    @property
    def submitted(self) -> int:
        """Submitted responses."""
        return self.results.submitted

    @property
    def response_rate(self) -> float | None:
        """Submitted over invited (0..1)."""
        return self.results.response_rate


@dataclass(frozen=True)
class FeedbackRow:
    """A supplier's section score against its peers' distribution (None with fewer than k peers)."""

    section: Any
    score: float | None
    peers: Distribution | None


class DisclosureRefused(Exception):
    """The audience may not see this (a country filter for participants, say)."""


# --- suppression ---------------------------------------------------------------------------------


def _items(counts: Mapping[str, int] | Sequence[tuple[str, int]]) -> list[tuple[str, int]]:
    return list(counts.items()) if isinstance(counts, Mapping) else list(counts)


def _bounds(counts: Sequence[int], small: set[int], complements: set[int], k: int) -> dict[int, tuple[int, int]]:
    """What the labels tell a reader about each hidden cell, before using the total.

    Small cells lie in 1..k-1; complements are non-zero and not small (so at least k), and no larger
    than any shown non-zero cell (they are chosen smallest first).
    """
    hidden = small | complements
    shown_nonzero = [c for i, c in enumerate(counts) if i not in hidden and c > 0]
    ceiling = min(shown_nonzero) if shown_nonzero else sum(counts[i] for i in hidden)
    return {i: (1, k - 1) if i in small else (k, ceiling) for i in hidden}


def _ranges(counts: Sequence[int], bounds: Mapping[int, tuple[int, int]]) -> dict[int, tuple[int, int]]:
    """What a reader can work out about each hidden cell from the bounds and the hidden sum (total - shown).

    Under one sum constraint with interval bounds, each cell's feasible values are exactly this interval.
    """
    hidden_sum = sum(counts[i] for i in bounds)
    ranges = {}
    for i, (low, high) in bounds.items():
        others_low = sum(bounds[j][0] for j in bounds if j != i)
        others_high = sum(bounds[j][1] for j in bounds if j != i)
        ranges[i] = (max(low, hidden_sum - others_high), min(high, hidden_sum - others_low))
    return ranges


def _safe(counts: Sequence[int], small: set[int], complements: set[int], k: int) -> bool:
    """No hidden cell alone, and none the total pins down beyond what its label already says.

    (A label may pin a cell by itself: with k = 2 "fewer than k" means 1. Nothing can help that.)
    """
    hidden = small | complements
    if not hidden:
        return True
    if len(hidden) == 1:
        return False
    bounds = _bounds(counts, small, complements, k)
    ranges = _ranges(counts, bounds)
    return all(low < high or bounds[i][0] == bounds[i][1] for i, (low, high) in ranges.items())


def suppress_cells(counts: Mapping[str, int] | Sequence[tuple[str, int]], k: int) -> list[Cell]:
    """Primary and complementary suppression of a breakdown whose total is shown.

    Cells with 1..k-1 are `small`; then the smallest non-zero shown cells are hidden one by one until
    no hidden cell can be worked out; when nothing is left to hide, every cell is hidden (withheld).
    A total below k withholds every cell.
    """
    items = _items(counts)
    values = [count for _key, count in items]
    total = sum(values)
    if 0 < total < k:
        return [Cell(key, None, CellStatus.HIDDEN) for key, _count in items]
    small = {i for i, count in enumerate(values) if 1 <= count <= k - 1}
    complements: set[int] = set()
    while not _safe(values, small, complements, k):
        candidates = sorted((count, i) for i, count in enumerate(values)
                            if count > 0 and i not in small and i not in complements)
        if not candidates:
            return [Cell(key, None, CellStatus.HIDDEN) for key, _count in items]
        complements.add(candidates[0][1])
    cells = []
    for i, (key, count) in enumerate(items):
        if i in small:
            cells.append(Cell(key, None, CellStatus.SMALL))
        elif i in complements:
            cells.append(Cell(key, None, CellStatus.HIDDEN))
        else:
            cells.append(Cell(key, count, CellStatus.SHOWN, count / total if total else None))
    return cells


def suppress_each(counts: Mapping[str, int], total: int, k: int) -> list[Cell]:
    """Multiple choice: each option against the total on its own (chosen / not chosen).

    An option chosen by 1..k-1 suppliers is `small`; one left unchosen by 1..k-1 suppliers is hidden
    (its count would reveal that small group). When a reader could pin down a hidden option's count
    from its label (say total = k + 1), every option is hidden.
    """
    items = _items(counts)
    if 0 < total < k:
        return [Cell(key, None, CellStatus.HIDDEN) for key, _count in items]
    cells = []
    for key, count in items:
        if 1 <= count <= k - 1:
            cells.append(Cell(key, None, CellStatus.SMALL))
        elif 1 <= total - count <= k - 1:
            # The reader knows k <= count and total - count <= k - 1.
            low, high = max(k, total - k + 1), total - 1
            if low >= high:
                return [Cell(key, None, CellStatus.HIDDEN) for key, _count in items]
            cells.append(Cell(key, None, CellStatus.HIDDEN))
        else:
            cells.append(Cell(key, count, CellStatus.SHOWN, count / total if total else None))
    return cells


def _open_cells(counts: Mapping[str, int] | Sequence[tuple[str, int]], total: int) -> list[Cell]:
    """Every cell shown (named audiences)."""
    return [Cell(key, count, CellStatus.SHOWN, count / total if total else None) for key, count in _items(counts)]


# --- answers that depend on a confidential answer ---------------------------------------------------


def _field(obj: Any, name: str) -> Any:
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name)


def condition_sources(sections: Iterable[Any]) -> set[str]:
    """Every question key that some section or question condition of the questionnaire reads."""
    keys: set[str] = set()
    for section in sections:
        keys |= condition_keys(_field(section, "show_if"))
        for question in _field(section, "questions"):
            keys |= condition_keys(_field(question, "show_if"))
    return keys


def conditioned_on(sections: Iterable[Any], confidential: Iterable[str]) -> set[str]:
    """The keys of the questions whose showing depends, directly or through other conditions, on one of
    the `confidential` answers (a question's own condition or its section's).

    `sections` are Section models or plain dicts with key, show_if and questions, in questionnaire
    order (a condition only names an earlier question, so one pass finds every chain).
    """
    withheld = set(confidential)
    if not withheld:
        return set()
    found: set[str] = set()
    for section in sections:
        section_sources = condition_keys(_field(section, "show_if"))
        for question in _field(section, "questions"):
            if (section_sources | condition_keys(_field(question, "show_if"))) & withheld:
                key = _field(question, "key")
                found.add(key)
                withheld.add(key)
    return found


# --- audiences -----------------------------------------------------------------------------------


def results_for(round_: Any, audience: Audience | str, *, country: str | None = None) -> DisclosedResults:
    """Aggregate and disclose in one call, with the right inputs for the audience."""
    audience = Audience(audience)
    if audience is Audience.PARTICIPANTS and country:
        raise DisclosureRefused("participants' results cannot be filtered by country")
    results = aggregate_round(round_, country=country,
                              include_confidential=audience is not Audience.BUYERS)
    return disclose(results, audience)


def disclose(results: RoundResults, audience: Audience | str) -> DisclosedResults:
    """The round's results as the audience may see them.

    Buyers' figures must leave confidential answers out (`aggregate_round(..., include_confidential=False)`,
    as `results_for` does): with named views of every other answer, an aggregate that counted a
    confidential answer would give it away by difference; the same goes for the answers that depend
    on a confidential one (`conditioned_on`), which that aggregation leaves out too.
    """
    audience = Audience(audience)
    if audience is Audience.BUYERS and results.includes_confidential:
        raise DisclosureRefused("buyers' figures must be aggregated without confidential answers")
    if audience is Audience.PARTICIPANTS and results.country:
        raise DisclosureRefused("participants' results cannot be filtered by country")
    k = results.k
    sections = []
    for section in results.sections:
        questions = [_disclose_question(result, audience, k) for result in section.questions]
        if audience.named:
            distribution: Distribution | None = section.distribution
            scores = [(supplier, section.scores.get(supplier.response_id)) for supplier in results.suppliers]
        else:
            distribution = _anonymous_distribution(section.distribution, k)
            scores = []
        sections.append(DisclosedSection(result=section, questions=questions, distribution=distribution,
                                         supplier_scores=scores))
    return DisclosedResults(results=results, audience=audience, sections=sections,
                            suppliers=list(results.suppliers) if audience.named else [])


def _anonymous_distribution(distribution: Distribution, k: int) -> Distribution | None:
    """Median, quartiles and mean over at least k suppliers; min and max are single suppliers' scores."""
    if distribution.n < k:
        return None
    return replace(distribution, min=None, max=None)


def _option_keys(result: QuestionResult) -> list[str]:
    if result.type == "yes_no":
        return ["yes", "no"]
    return [option["value"] for option in result.question.config.get("options") or []]


def _disclose_question(result: QuestionResult, audience: Audience, k: int) -> DisclosedQuestion:
    summary = result.summary
    has_na = result.question.allow_na or result.not_applicable > 0
    if audience.named:
        return _named_question(result, k, has_na)
    disclosed = DisclosedQuestion(result=result, k=k, respondents=result.respondents)
    if 0 < result.respondents < k:
        disclosed.respondents = None
        disclosed.withheld = True
        return disclosed
    if result.respondents == 0:
        disclosed.withheld = True
        return disclosed
    if result.type in ("yes_no", "single_choice", "scale"):
        if result.type == "scale":
            counts = [(str(point), n) for point, n in summary["distribution"].items()]
        else:
            counts = [(key, summary["counts"].get(key, 0)) for key in _option_keys(result)]
        if has_na:
            counts.append(("na", result.not_applicable))
        cells = suppress_cells(counts, k)
        disclosed.withheld = all(c.status is CellStatus.HIDDEN for c in cells)
        if has_na:
            disclosed.not_applicable = cells.pop()
            disclosed.answered = (Cell("answered", result.answered, CellStatus.SHOWN,
                                       result.answered / result.respondents)
                                  if disclosed.not_applicable.shown else Cell("answered", None, CellStatus.HIDDEN))
        else:
            disclosed.answered = Cell("answered", result.answered, CellStatus.SHOWN, 1.0)
        disclosed.cells = [] if disclosed.withheld else cells
        # A mean (of points or of scores) is a weighted sum of the cells: with n known it could undo the
        # suppression (counts {0: 1, 4: 2} have mean 8/3 and nothing else does), so only when all is shown.
        everything_shown = not disclosed.withheld and all(c.shown for c in cells)
        if result.type == "scale" and everything_shown and result.answered >= k:
            disclosed.stats = {"mean": summary.get("mean"), "median": summary.get("median")}
        disclosed.mean_score = result.mean_score if result.scored >= k and everything_shown else None
        return disclosed
    # Other types: answered / not applicable against the respondents, then the type's own figures.
    if has_na:
        disclosed.answered, disclosed.not_applicable = suppress_cells(
            [("answered", result.answered), ("na", result.not_applicable)], k)
    else:
        disclosed.answered = Cell("answered", result.answered, CellStatus.SHOWN, 1.0)
    answered_known = disclosed.answered.shown
    enough = result.answered >= k
    if result.type == "multiple_choice":
        total = result.answered if answered_known else result.respondents
        counts = [(key, summary["counts"].get(key, 0)) for key in _option_keys(result)]
        cells = suppress_each(counts, total, k) if enough else []
        disclosed.withheld = not enough or all(c.status is CellStatus.HIDDEN for c in cells)
        disclosed.cells = [] if disclosed.withheld else cells
        everything_shown = not disclosed.withheld and all(c.shown for c in cells)
        disclosed.mean_score = result.mean_score if result.scored >= k and everything_shown else None
    elif result.type in ("number", "percentage"):
        if enough:
            disclosed.stats = {"n": summary["n"] if answered_known else None, "mean": summary["mean"],
                               "median": summary["median"]}
        disclosed.withheld = not enough
    elif result.type == "table":
        if enough:
            disclosed.stats = {"rows": summary["rows"], "respondents": result.answered if answered_known else None}
        disclosed.withheld = not enough
    else:
        # date, text, long_text, url, file: how many answered, nothing of any one answer.
        disclosed.stats = {"count": result.answered if answered_known else None}
    if result.type in ("text", "long_text"):
        disclosed.quotes = [replace(quote, supplier="", response_id=0) for quote in result.quotes]
    return disclosed


def _named_question(result: QuestionResult, k: int, has_na: bool) -> DisclosedQuestion:
    """Secretariat and buyers: every figure, unsuppressed."""
    summary = result.summary
    disclosed = DisclosedQuestion(result=result, k=k, respondents=result.respondents,
                                  answered=Cell("answered", result.answered, CellStatus.SHOWN,
                                                result.answered / result.respondents if result.respondents else None),
                                  mean_score=result.mean_score, quotes=list(result.quotes))
    if has_na:
        disclosed.not_applicable = Cell("na", result.not_applicable, CellStatus.SHOWN,
                                        result.not_applicable / result.respondents if result.respondents else None)
    if result.type == "scale":
        disclosed.cells = _open_cells([(str(p), n) for p, n in summary["distribution"].items()], result.respondents)
        disclosed.stats = {"mean": summary.get("mean"), "median": summary.get("median")}
    elif result.type in ("yes_no", "single_choice", "multiple_choice"):
        total = result.answered if result.type == "multiple_choice" else result.respondents
        disclosed.cells = _open_cells([(key, summary["counts"].get(key, 0)) for key in _option_keys(result)], total)
    else:
        disclosed.stats = {key: value for key, value in summary.items() if key not in ("answered", "not_applicable")}
    return disclosed


def disclose_supplier(answers: SupplierAnswers, audience: Audience | str) -> SupplierAnswers:
    """A named per-supplier view: buyers get confidential values withheld; participants get nothing.

    For buyers an answer marked confidential keeps `confidential=True` with `withheld=True`; every
    question that depends on a confidential answer (`conditioned_on`) is listed, in its place, as
    `withheld=True, confidential=False, visible=True` with no value - whether the supplier was shown it,
    answered it or not, so that its presence tells nothing - and counts in no score.
    """
    audience = Audience(audience)
    if not audience.named:
        raise DisclosureRefused("participants never see another supplier's answers")
    if audience is Audience.SECRETARIAT:
        return answers
    everything = [answer for section_answers in answers.sections.values() for answer in section_answers]
    confidential = {a.question.key for a in everything if a.confidential and a.visible}
    questionnaire = _questionnaire_of(everything) if confidential else []
    conditioned = conditioned_on(questionnaire, confidential)
    sections = {}
    scores: dict[str, float | None] = {}
    for key, section_answers in answers.sections.items():
        stored = {a.question.key: a for a in section_answers}
        questions = next((list(s.questions) for s in questionnaire if s.key == key),
                         [a.question for a in section_answers])
        shown = []
        for question in questions:
            answer = stored.get(question.key)
            if question.key in conditioned:
                shown.append(SupplierAnswer(question=question, value=None, confidential=False, quotable=False,
                                            comment="", visible=True, withheld=True))
            elif answer is None:
                continue
            elif answer.confidential:
                shown.append(replace(answer, value=None, comment="", withheld=True))
            else:
                shown.append(answer)
        sections[key] = shown
        values = {a.question.key: a.value for a in section_answers
                  if not a.confidential and a.question.key not in conditioned}
        visible = {a.question.key for a in section_answers if a.visible}
        scores[key] = section_score([a.question for a in section_answers], values, visible)
    return SupplierAnswers(supplier=answers.supplier, sections=sections, scores=scores)


def _questionnaire_of(answers: Sequence[SupplierAnswer]) -> list[Any]:
    """The sections of the questionnaire version the answers belong to, in order."""
    return list(answers[0].question.version.sections) if answers else []


def supplier_feedback(results: RoundResults, response_id: int) -> list[FeedbackRow]:
    """A supplier's section scores against the distribution of its peers (only with k or more peers).

    Use results aggregated with confidential answers included: the supplier sees its own answers, and
    its peers appear only as an anonymous distribution without min or max.
    """
    rows = []
    for section in results.sections:
        if not section.is_scored:
            continue
        peers = [score for rid, score in section.scores.items() if rid != response_id and score is not None]
        distribution = _anonymous_distribution(Distribution.of(peers), results.k)
        rows.append(FeedbackRow(section=section.section, score=section.scores.get(response_id), peers=distribution))
    return rows
