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
    values and are never shown; dates: the count only (earliest and latest are single answers);
  * tables: the row count and respondents only (cells are rows, not suppliers: per-column
    breakdowns could describe one supplier);
  * quotes: only quotable, non-confidential texts, without names, and only with k respondents;
  * no evidence files, no per-supplier views, no country filter (comparing a filtered table with the
    unfiltered one could reveal a small group by difference);
  * section maturity: median, quartiles and mean across at least k suppliers; never min or max.

With k = 2 a small category is exactly 1 and its label says so: k = 2 protects little by design.
The number of submitted suppliers who skipped an optional question (submitted - respondents) is not
treated as sensitive.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reports.aggregation import (
    Distribution,
    QuestionResult,
    Quote,
    RoundResults,
    SectionResult,
    SupplierAnswers,
    SupplierRow,
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


def suppress_cells(counts: Mapping[str, int] | Sequence[tuple[str, int]], k: int) -> list[Cell]:
    """Primary and complementary suppression of a breakdown whose total is shown."""
    raise NotImplementedError


def suppress_each(counts: Mapping[str, int], total: int, k: int) -> list[Cell]:
    """Multiple choice: each option against the total on its own (chosen / not chosen)."""
    raise NotImplementedError


# --- audiences -----------------------------------------------------------------------------------


def disclose(results: RoundResults, audience: Audience | str) -> DisclosedResults:
    """The round's results as the audience may see them."""
    raise NotImplementedError


def disclose_supplier(answers: SupplierAnswers, audience: Audience | str) -> SupplierAnswers:
    """A named per-supplier view: buyers get confidential values withheld; participants get nothing."""
    raise NotImplementedError


def supplier_feedback(results: RoundResults, response_id: int) -> list[FeedbackRow]:
    """A supplier's section scores against the distribution of its peers (only with k or more peers)."""
    raise NotImplementedError


