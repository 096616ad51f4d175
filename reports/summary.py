"""The dialogue summary and the supplier's feedback as PDF documents, built on disclosed results.

Whatever an audience may not see has already been removed by `reports.disclosure`; this module
only lays the disclosed figures out: cover, contents, key findings, one chapter per section with a
chart and a table per question, quotes, then (named editions) every supplier's section scores in one
matrix, and a note on method.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from flask import current_app
from flask_babel import force_locale, ngettext, pgettext
from flask_babel import gettext as _
from markupsafe import Markup

from questionnaire.models import DialogueRound, Response
from questionnaire.question_types import translate
from reports import charts
from reports.aggregation import Quote, aggregate_round
from reports.disclosure import (
    Audience,
    Cell,
    CellStatus,
    DisclosedQuestion,
    DisclosedResults,
    DisclosedSection,
    results_for,
    supplier_feedback,
)
from reports.documents import _date, _datetime, pick_language
from reports.pdf import StaticFilesOnly, render_template_pdf

CHOICE_TYPES = frozenset({"yes_no", "single_choice", "multiple_choice", "scale"})
# How many sections and questions the key findings name at each end.
FINDINGS = 3
# Quotes per question when the app sets none (config SUMMARY_QUOTES_PER_QUESTION).
QUOTES_PER_QUESTION = 5
# A quote longer than this is cut at a word boundary and marked " […]": a summary is read at a meeting.
QUOTE_CHARACTERS = 700
# Section columns per table of the supplier matrix: 17 scores of "62.5" in small type still fit an A4
# page beside the names; a questionnaire with more scored sections gets the matrix in several tables.
MATRIX_SECTIONS = 17
# Above this many suppliers the matrix is not printed (at 1,000 it is 18 pages of figures and 15-20 s of
# layout): the summary points to the XLSX export's "Section scores" sheet, which sorts and filters.
MATRIX_SUPPLIERS = 200
# The text width of an A4 page (static/css/pdf.css: 210 mm less two 18 mm margins).
MATRIX_WIDTH_MM = 174


def quotes_per_question() -> int:
    """How many quotes a summary prints per question (at least 1)."""
    return max(1, int(current_app.config.get("SUMMARY_QUOTES_PER_QUESTION", QUOTES_PER_QUESTION)))


def quote_order(round_id: int, question_key: str, text: str) -> str:
    """A quote's place in the printed selection: a hash of its text, so no supplier is favoured.

    Neither the supplier's name nor its id takes part (participants' quotes carry neither), and the
    same quotes come out in every edition and language and on every build.
    """
    return hashlib.sha256(f"{round_id}\x1f{question_key}\x1f{text}".encode()).hexdigest()


def shorten(text: str, limit: int = QUOTE_CHARACTERS) -> str:
    """A quote cut at a word boundary when it is longer than `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(None, 1)[0] if " " in text[:limit] else text[:limit]
    return f"{cut.rstrip()} […]"


def select_quotes(quotes: Sequence[Quote], round_id: int, question_key: str, limit: int) -> list[Quote]:
    """At most `limit` quotes, the first in the hash order of `quote_order`, printed in that order."""
    ordered = sorted(quotes, key=lambda q: (quote_order(round_id, question_key, q.text), q.text))
    return ordered[:limit]


def audience_label(audience: Audience) -> str:
    """Who a summary is for, as printed in its footer and on its cover."""
    return {
        Audience.SECRETARIAT: _("Secretariat: confidential, suppliers named"),
        Audience.BUYERS: _("Buyers: confidential, suppliers named"),
        Audience.PARTICIPANTS: _("Participants: anonymised"),
    }[audience]


def audience_name(audience: Audience) -> str:
    """The audience in a word or two."""
    return {Audience.SECRETARIAT: _("Secretariat"), Audience.BUYERS: _("Buyers"),
            Audience.PARTICIPANTS: _("Participants")}[audience]


def cell_label(question: Any, key: str, language: str) -> str:
    """The printed label of a breakdown category (option, yes/no, scale point or not applicable)."""
    if key == "na":
        return _("Not applicable")
    if question.type == "yes_no":
        return {"yes": _("Yes"), "no": _("No")}.get(key, key)
    if question.type == "scale":
        label = translate((question.config["scale"].get("labels") or {}).get(str(key)), language)
        return f"{key}: {label}" if label else str(key)
    for option in question.config.get("options") or []:
        if option["value"] == key:
            return translate(option["label"], language)
    return key


def bars(question: DisclosedQuestion, language: str) -> list[charts.Bar]:
    """The chart rows of a breakdown; small and hidden cells have no count."""
    result = []
    for cell in question.cells:
        note = None
        if cell.status is CellStatus.HIDDEN:
            note = _("not shown")
        result.append(charts.Bar(label=cell_label(question.question, cell.key, language),
                                 count=cell.count if cell.shown else None, share=cell.share if cell.shown else None,
                                 note=note))
    return result


@dataclass
class Stat:
    """One printed figure of a question without a breakdown."""

    label: str
    value: str


def stats(question: DisclosedQuestion) -> list[Stat]:
    """The figures of a number, date, text, URL, file or table question the audience may see."""
    labels = {"n": _("Answers"), "count": _("Answers"), "mean": _("Mean"), "median": _("Median"),
              "min": _("Minimum"), "max": _("Maximum"), "earliest": _("Earliest"), "latest": _("Latest"),
              "rows": _("Rows in all")}
    result = []
    for key, value in question.stats.items():
        if key not in labels or value is None:
            continue
        result.append(Stat(labels[key], charts.number(value) if isinstance(value, int | float) else str(value)))
    per_respondent = question.stats.get("rows_per_respondent")
    if isinstance(per_respondent, dict) and per_respondent.get("median") is not None:
        result.append(Stat(_("Rows per supplier (median)"), charts.number(per_respondent["median"])))
    return result


@dataclass
class PrintedResult:
    """A question of the summary, ready to print."""

    number: int
    anchor: str
    text: str
    disclosed: DisclosedQuestion
    respondents: str
    chart: Markup | None = None
    table: Markup | None = None
    stats: list[Stat] = field(default_factory=list)
    note: str = ""
    # The quotes printed (a bounded selection) and what the reader is told about the others.
    quotes: list[Quote] = field(default_factory=list)
    more_quotes: str = ""


@dataclass
class PrintedChapter:
    """A section of the summary."""

    anchor: str
    title: str
    disclosed: DisclosedSection
    questions: list[PrintedResult]
    score_chart: Markup | None = None
    score_table: Markup | None = None
    # The chapter's column in the supplier matrix (named editions, scored sections only).
    matrix_column: int | None = None


@dataclass
class SupplierMatrix:
    """Every supplier's section scores in one table: suppliers as rows, scored sections as columns.

    One compact table instead of one table per section: at 1,000 suppliers the 17 per-section tables
    made a named summary 440 pages long. `columns` are (column number, chapter); each row is a
    supplier's name and its printed scores in column order (a dash where it has no score).
    """

    columns: list[tuple[int, PrintedChapter]]
    rows: list[tuple[str, list[str]]]

    @property
    def width_mm(self) -> int:
        """The table's width: a few sections get narrow columns next to the names, not half a page each."""
        return min(MATRIX_WIDTH_MM, 50 + 12 * len(self.columns))


@dataclass
class Finding:
    """A section or question named in the key findings."""

    label: str
    anchor: str
    mean: float
    n: int


def _count(value: int | None, k: int) -> str:
    return charts.fewer_than(k) if value is None else str(value)


def _cell_text(cell: Cell | None, k: int) -> str:
    if cell is None:
        return ""
    return str(cell.count) if cell.shown else charts.fewer_than(k) if cell.status is CellStatus.SMALL else _(
        "not shown")


def more_quotes_line(count: int, audience: Audience) -> str:
    """The line under a question's quotes saying how many quotable answers are not printed."""
    if count <= 0:
        return ""
    if audience.named:
        return ngettext("%(num)d more quotable answer is in the online results and the export.",
                        "%(num)d more quotable answers are in the online results and the export.", count)
    return ngettext("%(num)d more quotable answer is not printed in this summary.",
                    "%(num)d more quotable answers are not printed in this summary.", count)


def printed_chapters(disclosed: DisclosedResults, language: str, *,
                     quote_limit: int = QUOTES_PER_QUESTION) -> list[PrintedChapter]:
    """Every section and question of the disclosed results, with charts, tables and a selection of quotes."""
    k = disclosed.k
    chapters = []
    number = 0
    for s_index, section in enumerate(disclosed.sections, start=1):
        title = translate(section.section.title, language)
        printed = []
        for question in section.questions:
            number += 1
            text = translate(question.question.text, language)
            item = PrintedResult(number=number, anchor=f"q-{number}", text=text, disclosed=question,
                                 respondents=_count(question.respondents, k))
            if question.withheld:
                item.note = _("Fewer than %(k)d suppliers answered, or the answers fall into groups too small "
                              "to show: no breakdown is shown.", k=k)
            elif question.type in CHOICE_TYPES and question.cells:
                rows = bars(question, language)
                # Bars drawn in the table (no SVG): one figure per question, cheap to lay out.
                item.table = charts.bar_table(rows, caption=_("Suppliers per answer, question %(number)d",
                                                              number=number), k=k, with_bars=True)
                if question.type == "multiple_choice":
                    item.note = _("Several answers could be chosen: shares are of the suppliers who answered.")
            else:
                item.stats = stats(question)
            if question.quotes:
                chosen = select_quotes(question.quotes, disclosed.round.id, question.key, quote_limit)
                item.quotes = [replace(quote, text=shorten(quote.text)) for quote in chosen]
                item.more_quotes = more_quotes_line(len(question.quotes) - len(chosen), disclosed.audience)
            printed.append(item)
        chapter = PrintedChapter(anchor=f"section-{s_index}", title=title, disclosed=section, questions=printed)
        if section.result.is_scored:
            row = charts.BoxRow(title, section.distribution,
                                note=_("fewer than %(k)d suppliers scored", k=k))
            chapter.score_chart = charts.box_plot([row], title=_("Maturity of %(section)s", section=title))
            chapter.score_table = charts.distribution_table([row], caption=_("Maturity 0-100 across suppliers"))
        chapters.append(chapter)
    return chapters


def supplier_matrices(disclosed: DisclosedResults, chapters: Sequence[PrintedChapter],
                      columns: int = MATRIX_SECTIONS, max_suppliers: int | None = None) -> list[SupplierMatrix]:
    """The named editions' supplier x section score tables (none for participants, without scores, or
    with more than `max_suppliers` suppliers: then the export has them).

    Scores are the disclosed ones (`DisclosedSection.supplier_scores`): the buyers' leave out
    confidential answers and their follow-ups exactly as the per-supplier page does.
    """
    if not disclosed.audience.named or not disclosed.suppliers:
        return []
    scored = [chapter for chapter in chapters if chapter.disclosed.result.is_scored]
    if len(disclosed.suppliers) > (MATRIX_SUPPLIERS if max_suppliers is None else max_suppliers):
        return []
    for number, chapter in enumerate(scored, start=1):
        chapter.matrix_column = number
    scores = [{supplier.response_id: score for supplier, score in chapter.disclosed.supplier_scores}
              for chapter in scored]
    matrices = []
    for start in range(0, len(scored), max(1, columns)):
        part = range(start, min(start + max(1, columns), len(scored)))
        rows = [(supplier.name, [charts.number(scores[i].get(supplier.response_id)) for i in part])
                for supplier in disclosed.suppliers]
        matrices.append(SupplierMatrix(columns=[(i + 1, scored[i]) for i in part], rows=rows))
    return matrices


def findings(disclosed: DisclosedResults, chapters: Sequence[PrintedChapter]) -> dict[str, list[Finding]]:
    """The weakest and strongest sections and questions by mean maturity (where shown)."""
    sections = [Finding(c.title, c.anchor, c.disclosed.distribution.mean, c.disclosed.distribution.n)
                for c in chapters
                if c.disclosed.distribution is not None and c.disclosed.distribution.mean is not None]
    questions = [Finding(f"{q.number}. {q.text}", q.anchor, q.disclosed.mean_score, q.disclosed.result.scored)
                 for c in chapters for q in c.questions if q.disclosed.mean_score is not None]

    def ends(items: list[Finding]) -> tuple[list[Finding], list[Finding]]:
        ordered = sorted(items, key=lambda f: (f.mean, f.label))
        count = min(FINDINGS, len(ordered) // 2) if len(ordered) > 1 else len(ordered)
        weakest = ordered[:count]
        strongest = list(reversed(ordered[len(ordered) - count:])) if len(ordered) > 1 else []
        return weakest, strongest

    weak_sections, strong_sections = ends(sections)
    weak_questions, strong_questions = ends(questions)
    return {"weak_sections": weak_sections, "strong_sections": strong_sections,
            "weak_questions": weak_questions, "strong_questions": strong_questions}


def summary_pdf(round_: DialogueRound, audience: Audience | str, language: str, *,
                fetcher: StaticFilesOnly | None = None) -> bytes:
    """The dialogue summary of a round for an audience, in a language."""
    audience = Audience(audience)
    version = round_.questionnaire_version
    language = pick_language(language, round_.languages or version.languages)
    disclosed = results_for(round_, audience)
    with force_locale(language):
        chapters = printed_chapters(disclosed, language, quote_limit=quotes_per_question())
        matrices = supplier_matrices(disclosed, chapters)
        named_scores = audience.named and bool(disclosed.suppliers) and any(
            c.disclosed.result.is_scored for c in chapters)
        overview_rows = [charts.BoxRow(c.title, c.disclosed.distribution,
                                       note=_("fewer than %(k)d suppliers scored", k=disclosed.k))
                         for c in chapters if c.disclosed.result.is_scored]
        owners = ", ".join(sorted(owner.organisation.name for owner in round_.owners))
        rate = charts.percent(disclosed.response_rate)
        facts = [
            (_("Questionnaire"), translate(version.title, language)),
            (_("Co-owning buyers"), owners),
            (pgettext("answering period", "Open"),
             _("%(start)s to %(end)s", start=_date(round_.opens_at, language), end=_date(round_.closes_at, language))),
            (_("Suppliers invited"), str(disclosed.invited)),
            (_("Responses submitted"), str(disclosed.submitted)),
            (_("Minimum group size (k)"), str(disclosed.k)),
        ]
        return render_template_pdf(
            "summary.html", language=language, fetcher=fetcher,
            document_title=_("Dialogue summary: %(round)s", round=round_.title), running_title=round_.title,
            audience_label=audience_label(audience), audience=audience, audience_name=audience_name(audience),
            round=round_, disclosed=disclosed, chapters=chapters, facts=facts, rate=rate,
            matrices=matrices, scores_in_export=named_scores and not matrices,
            many_suppliers=len(disclosed.suppliers) > MATRIX_SUPPLIERS,
            findings=findings(disclosed, chapters),
            overview_chart=charts.box_plot(overview_rows, title=_("Maturity by section")) if overview_rows else None,
            overview_table=charts.distribution_table(overview_rows, caption=_("Maturity 0-100 by section"))
            if overview_rows else None,
            generated=_datetime(_now(), language), cell_text=_cell_text, named=audience.named,
            quote_limit=quotes_per_question())


def _now() -> Any:
    from questionnaire.models import utcnow

    return utcnow()


# --- the supplier's feedback --------------------------------------------------------------------


def position(score: float, peers: Any) -> str:
    """Where a supplier's score lies against its peers' middle half, in words."""
    if peers.q3 is not None and score > peers.q3:
        return _("above the middle half of your peers")
    if peers.q1 is not None and score < peers.q1:
        return _("below the middle half of your peers")
    return _("within the middle half of your peers")


def feedback_pdf(response: Response, language: str, *, fetcher: StaticFilesOnly | None = None) -> bytes:
    """A supplier's section scores against its peers' anonymised distribution (only with k or more peers)."""
    round_ = response.round
    language = pick_language(language, round_.languages or round_.questionnaire_version.languages)
    rows = supplier_feedback(aggregate_round(round_), response.id)
    with force_locale(language):
        box_rows = []
        for row in rows:
            box_rows.append(charts.BoxRow(
                translate(row.section.title, language), row.peers, marker=row.score,
                note=_("fewer than %(k)d peers: not shown", k=round_.k)))
        shown = [r for r in box_rows if r.distribution is not None]
        chart = charts.box_plot(shown, title=_("Your maturity against your peers"),
                                marker_label=_("your score")) if shown else None
        table = charts.distribution_table(box_rows, caption=_("Maturity 0-100: your peers and you"),
                                          marker_heading=_("Your score")) if box_rows else None
        facts = [(_("Organisation"), response.organisation.name), (_("Dialogue round"), round_.title),
                 (_("Minimum group size (k)"), str(round_.k))]
        positions = [(translate(row.section.title, language), position(row.score, row.peers)) for row in rows
                     if row.peers is not None and row.score is not None]
        return render_template_pdf(
            "feedback.html", language=language, fetcher=fetcher,
            document_title=_("Your feedback: %(round)s", round=round_.title), running_title=round_.title,
            audience_label=_("Confidential: %(org)s only", org=response.organisation.name),
            response=response, round=round_, rows=rows, box_rows=box_rows, chart=chart, table=table, facts=facts,
            any_shown=bool(shown), k=round_.k, positions=positions)


def cached_summary_pdf(round_: DialogueRound, audience: Audience | str, language: str) -> tuple[bytes, bool]:
    """The summary from the cache when it is current for the round's data, else built and kept."""
    from reports.cache import cached_summary

    audience = Audience(audience)
    language = pick_language(language, round_.languages or round_.questionnaire_version.languages)
    return cached_summary(round_, audience.value, language, lambda: summary_pdf(round_, audience, language))
