"""The aggregation as it was before the stored facts: the from-scratch reference the tests compare with.

It reads the answers' JSON values in SQL and decides visibility and scores per supplier in Python at
every call (slow: about 1 s for 1,000 suppliers x 100 questions), so it is kept only here, as an
independent computation of every figure `reports.aggregation.aggregate_round` must give. One rule
was added since: for buyers (`include_confidential=False`) the follow-ups of a confidential answer
count as not shown, decided by `reports.disclosure.conditioned_on`.

Aggregate a round's submitted responses in the database: per question the summary of its type
(DESIGN.md section 4), per section maturity scores per supplier and their distribution, the
response rate; optionally only the suppliers of one country.

Counts are computed by SQL GROUP BY over the answer table, one query per kind of question type
across all questions (never one query per question): the query count depends neither on the
number of suppliers nor on the number of questions (about twenty in all). JSON values are read
with json1 functions on SQLite and json operators on PostgreSQL (`_JsonSQL`); multiple-choice
options and table rows and cells are expanded with json_each / json_array_elements in the query.
Only what cannot be counted is loaded: the answers conditions depend on and the scored answers (to
decide visibility and per-supplier maturity: small values, one query) and the quotable texts.

Maturity: a question's score (option scores, scale position) is divided by the highest score it
can get (for multiple choice: the sum of the positive non-exclusive option scores, or an exclusive
option's score if higher), clamped to 0..1; a section's score per supplier is the weighted mean over
its scored questions that the supplier was shown and answered (N/A and unanswered left out), x 100.

Nothing here decides who may see what: `reports.disclosure` does that per audience.
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Float, String, and_, case, cast, func, literal_column, or_, over, select
from sqlalchemy.sql.elements import ColumnElement

from questionnaire.extensions import db
from questionnaire.models import (
    Answer,
    DialogueRound,
    Organisation,
    Question,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
)
from questionnaire.question_types import (
    QUESTION_TYPES,
    condition_keys,
    number_summary,
    visible_parts,
)

# The result types, the version loader and the scoring are shared: the reference checks how the
# figures are computed from the answers, not these.
from questionnaire.services.facts import is_scored_question, normalised_score, section_score
from reports.aggregation import (
    Distribution,
    QuestionResult,
    Quote,
    RoundResults,
    SectionResult,
    SupplierRow,
    _invitations,
    _shares,
    load_version,
)
from reports.disclosure import conditioned_on

# Types whose answer is one value among a known few: counted per value.
SINGLE_VALUE_TYPES = frozenset({"yes_no", "single_choice", "scale"})
NUMBER_TYPES = frozenset({"number", "percentage"})
TEXT_TYPES = frozenset({"text", "long_text"})
# Types that may carry a maturity score.
SCORED_TYPES = frozenset({"single_choice", "multiple_choice", "scale"})


# --- what the aggregation returns -------------------------------------------------------------


# --- scoring ------------------------------------------------------------------------------------


def _hashable(value: Any) -> Any:
    """A stored JSON value as a dictionary key (strings and numbers as they are, lists as tuples)."""
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return (type(value), tuple(value))
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    # bool and int compare equal in Python, JSON true and 1 do not.
    return (type(value), value)


class _ScoreMemo:
    """Normalised scores per question and value, each worked out once (many suppliers give the same answer)."""

    def __init__(self) -> None:
        self.cache: dict[tuple[int, Any], float | None] = {}

    def __call__(self, question: Question, value: Any) -> float | None:
        """The normalised score of a value."""
        if value is None:
            return None
        key = (id(question), _hashable(value))
        if key not in self.cache:
            self.cache[key] = normalised_score(question, value)
        return self.cache[key]


# --- JSON in SQL, per dialect ---------------------------------------------------------------------


class _JsonSQL:
    """The few JSON expressions the counts need, for SQLite (json1) and PostgreSQL (json)."""

    def __init__(self, dialect: str) -> None:
        self.postgres = dialect == "postgresql"
        self.string = "string" if self.postgres else "text"
        self.numbers = ("number",) if self.postgres else ("integer", "real")

    def kind(self, value: Any) -> ColumnElement[Any]:
        """The JSON type name of a value (NULL for SQL NULL)."""
        return func.json_typeof(value) if self.postgres else func.json_type(value)

    def scalar(self, value: Any) -> ColumnElement[Any]:
        """A top-level scalar as SQL text (PostgreSQL) or its natural SQL type (SQLite)."""
        if self.postgres:
            return value.op("#>>")(literal_column("'{}'"))
        return func.json_extract(value, "$")

    def number(self, value: Any) -> ColumnElement[float]:
        """A top-level JSON number as a float."""
        return cast(self.scalar(value), Float)

    def is_na(self, value: Any) -> ColumnElement[bool]:
        """The not-applicable marker {"na": true, ...}; no type stores an object as its own value."""
        if self.postgres:
            return and_(self.kind(value) == "object", value.op("->>")("na") == "true")
        return and_(self.kind(value) == "object", func.json_extract(value, "$.na") == 1)

    def is_answered(self, value: Any) -> ColumnElement[bool]:
        """A real answer: not N/A, not null, not an empty string or list (the stored forms of blank)."""
        kind = self.kind(value)
        return and_(
            value.is_not(None),
            kind.not_in(("null", "object")),
            or_(kind != self.string, self.scalar(value) != ""),
            or_(kind != "array", func.json_array_length(value) > 0),
        )

    def empty(self, kind: str) -> Any:
        """An empty JSON array or object literal, standing in for a value of the wrong shape."""
        text = "[]" if kind == "array" else "{}"
        return literal_column(f"'{text}'::json" if self.postgres else f"'{text}'")

    def table_cells(self, value: Any) -> tuple[Any, Any]:
        """(rows, cells): a table answer's row objects, then each row's cells as `key` and `value` columns."""
        array = case((self.kind(value) == "array", value), else_=self.empty("array"))
        if self.postgres:
            rows = func.json_array_elements(array).table_valued("value", name="table_row")
        else:
            rows = func.json_each(array).table_valued("value", name="table_row")
        row = case((self.kind(rows.c.value) == "object", rows.c.value), else_=self.empty("object"))
        columns = ("key", "value") if self.postgres else ("key", "value", "type")
        cells = func.json_each(row).table_valued(*columns, name="table_cell")
        return rows, cells

    def cell_kind(self, cells: Any) -> ColumnElement[Any]:
        """The JSON type name of a table cell."""
        return func.json_typeof(cells.c.value) if self.postgres else cells.c.type

    def cell_text(self, cells: Any) -> ColumnElement[Any]:
        """A table cell as SQL text."""
        if self.postgres:
            return cells.c.value.op("#>>")(literal_column("'{}'"))
        return cast(cells.c.value, String)

    def cell_number(self, cells: Any) -> ColumnElement[float]:
        """A numeric table cell as a float."""
        return cast(self.cell_text(cells), Float) if self.postgres else cast(cells.c.value, Float)

    def elements(self, value: Any) -> Any:
        """The elements of a JSON array of strings, as a table with a `value` column."""
        if self.postgres:
            return func.json_array_elements_text(value).table_valued("value")
        return func.json_each(value).table_valued("value")


# --- the aggregation ----------------------------------------------------------------------------


def _conditional_keys(version: QuestionnaireVersion) -> tuple[set[str], set[str]]:
    """(keys conditions depend on, keys of questions that may be hidden)."""
    sources: set[str] = set()
    conditional: set[str] = set()
    for section in version.sections:
        sources |= condition_keys(section.show_if)
        for question in section.questions:
            sources |= condition_keys(question.show_if)
            if section.show_if or question.show_if:
                conditional.add(question.key)
    return sources, conditional


def _suppliers(round_: DialogueRound, country: str | None) -> tuple[list[SupplierRow], int]:
    """The suppliers with a submitted response (by name) and how many responses were started."""
    query = (
        select(Response.id, Response.status, Response.submitted_at, Organisation.id, Organisation.name,
               Organisation.country)
        .join(Organisation, Organisation.id == Response.organisation_id)
        .where(Response.round_id == round_.id)
    )
    if country:
        query = query.where(Organisation.country == country)
    rows = db.session.execute(query).all()
    submitted = [
        SupplierRow(response_id=rid, organisation_id=oid, name=name, country=ctry, submitted_at=at)
        for rid, status, at, oid, name, ctry in rows if status == ResponseStatus.SUBMITTED
    ]
    submitted.sort(key=lambda s: (s.name.casefold(), s.response_id))
    return submitted, len(rows)


class _Scope:
    """The answers that count: submitted responses of the round (and country), visible questions only."""

    def __init__(self, round_: DialogueRound, country: str | None, hidden_ids: Sequence[int] = (),
                 include_confidential: bool = True) -> None:
        self.round = round_
        self.country = country
        self.hidden_ids = sorted(hidden_ids)
        self.include_confidential = include_confidential
        self.json = _JsonSQL(db.session.get_bind().dialect.name)

    def where(self, query: Any, keys: Iterable[str]) -> Any:
        """Restrict a query over Answer to the scope and some question keys."""
        query = query.join(Response, Response.id == Answer.response_id).where(
            Response.round_id == self.round.id,
            Response.status == ResponseStatus.SUBMITTED,
            Answer.question_key.in_(sorted(set(keys))),
        )
        if not self.include_confidential:
            query = query.where(Answer.confidential.is_(False))
        if self.country:
            query = query.join(Organisation, Organisation.id == Response.organisation_id).where(
                Organisation.country == self.country)
        if self.hidden_ids:
            # An answer to a question its supplier was not shown is ignored (DESIGN.md section 5).
            query = query.where(Answer.id.not_in(self.hidden_ids))
        return query


def _hidden_answer_ids(round_: DialogueRound, country: str | None, hidden: Mapping[str, set[int]]) -> list[int]:
    """The ids of stored answers to questions their supplier was not shown (usually none; one query)."""
    if not any(hidden.values()):
        return []
    scope = _Scope(round_, country)
    rows = db.session.execute(scope.where(
        select(Answer.id, Answer.response_id, Answer.question_key).select_from(Answer), hidden)).all()
    return [answer_id for answer_id, rid, key in rows if rid in hidden.get(key, ())]


def _median_from_counts(counts: Mapping[int, int]) -> float | None:
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


def aggregate_round(round_: DialogueRound, *, country: str | None = None,
                    include_confidential: bool = True) -> RoundResults:
    """Aggregate the round's submitted responses (only suppliers of `country` when given).

    With `include_confidential=False` answers marked confidential are left out of every figure and
    score, as if unanswered (what buyers may see: see `reports.disclosure`).
    """
    version = load_version(round_)
    questions = {q.key: q for q in version.questions()}
    invited, countries = _invitations(round_, country)
    suppliers, started = _suppliers(round_, country)
    response_ids = [s.response_id for s in suppliers]

    # Visibility and scores need each supplier's condition and scored answers (small values, one query).
    sources, conditional = _conditional_keys(version)
    scored_keys = {key for key, q in questions.items() if is_scored_question(q)}
    values: dict[int, dict[str, Any]] = defaultdict(dict)
    # Scores leave confidential answers out when asked to; visibility always follows the real answers.
    score_values: dict[int, dict[str, Any]] = defaultdict(dict)
    wanted = sources | scored_keys
    if wanted and response_ids:
        scope = _Scope(round_, country)
        rows = db.session.execute(scope.where(
            select(Answer.response_id, Answer.question_key, Answer.value, Answer.confidential).select_from(Answer),
            wanted)).all()
        for rid, key, value, is_confidential in rows:
            values[rid][key] = value
            if include_confidential or not is_confidential:
                score_values[rid][key] = value
    visible: dict[int, frozenset[str]] = {}
    hidden: dict[str, set[int]] = defaultdict(set)
    if conditional:
        # Plain dicts walk faster than ORM objects, and suppliers with the same answers to the questions
        # conditions depend on see the same questions: decide once per distinct set of such answers.
        outline = [{"key": sec.key, "show_if": sec.show_if,
                    "questions": [{"key": q.key, "show_if": q.show_if} for q in sec.questions]}
                   for sec in version.sections]
        decided: dict[tuple[Any, ...], frozenset[str]] = {}
        ordered_sources = sorted(sources)
        for rid in response_ids:
            signature = tuple(_hashable(values[rid].get(key)) for key in ordered_sources)
            if signature not in decided:
                decided[signature] = visible_parts(outline, values[rid]).questions
            visible[rid] = decided[signature]
            for key in conditional - visible[rid]:
                hidden[key].add(rid)
    else:
        everything = frozenset(questions)
        visible = dict.fromkeys(response_ids, everything)
    if not include_confidential:
        # Buyers: the follow-ups of a confidential answer count as not shown (by disclosure's own rule).
        confidential_sources: dict[int, set[str]] = defaultdict(set)
        for rid, key, _value, is_confidential in rows if wanted and response_ids else []:
            if is_confidential and key in sources:
                confidential_sources[rid].add(key)
        for rid, keys in confidential_sources.items():
            follow = conditioned_on(version.sections, keys)
            visible[rid] = visible[rid] - follow
            for key in follow:
                hidden[key].add(rid)
    hidden_ids = _hidden_answer_ids(round_, country, hidden)
    scope = _Scope(round_, country, hidden_ids, include_confidential)

    results = {key: QuestionResult(question=q, section_key=q.section.key) for key, q in questions.items()}
    if response_ids:
        _count_all(scope, results)
        _count_single_values(scope, results)
        _count_multiple_choice(scope, results)
        _summarise_numbers(scope, results)
        _summarise_dates(scope, results)
        _collect_quotes(scope, results, {s.response_id: s.name for s in suppliers})
        _summarise_tables(scope, results)
    for result in results.values():
        _finish_summary(result)

    sections = []
    scorer = _ScoreMemo()
    for section in version.sections:
        section_results = [results[q.key] for q in section.questions]
        scored_questions = [q for q in section.questions if q.key in scored_keys]
        scores = {rid: section_score(scored_questions, score_values[rid], visible[rid], scorer)
                  for rid in response_ids}
        for result in section_results:
            if result.key in scored_keys:
                per_supplier = [scorer(result.question, score_values[rid].get(result.key))
                                for rid in response_ids if result.key in visible[rid]]
                known = [100 * s for s in per_supplier if s is not None]
                result.scored = len(known)
                result.mean_score = statistics.fmean(known) if known else None
        sections.append(SectionResult(
            section=section, questions=section_results, scores=scores,
            distribution=Distribution.of(s for s in scores.values() if s is not None)))
    return RoundResults(round=round_, version=version, country=country, invited=invited, started=started,
                        submitted=len(suppliers), suppliers=suppliers, sections=sections, countries=countries,
                        includes_confidential=include_confidential)


def _keys_of(results: Mapping[str, QuestionResult], types: Iterable[str]) -> list[str]:
    wanted = set(types)
    return [key for key, result in results.items() if result.type in wanted]


def _count_all(scope: _Scope, results: dict[str, QuestionResult]) -> None:
    """Respondents, answered, N/A and confidential counts of every question: one GROUP BY."""
    json = scope.json
    kind = case((json.is_na(Answer.value), "na"), (json.is_answered(Answer.value), "answered"), else_="blank")
    query = scope.where(
        select(Answer.question_key, kind.label("kind"), func.count(),
               func.sum(case((Answer.confidential, 1), else_=0)))
        .select_from(Answer), results
    ).group_by(Answer.question_key, kind)
    for key, answer_kind, count, confidential in db.session.execute(query).all():
        result = results[key]
        if answer_kind == "na":
            result.not_applicable += count
        elif answer_kind == "answered":
            result.answered += count
        else:
            continue
        result.respondents += count
        result.confidential += int(confidential or 0)


def _count_single_values(scope: _Scope, results: dict[str, QuestionResult]) -> None:
    """yes_no, single_choice and scale: suppliers per value, one GROUP BY over all such questions."""
    keys = _keys_of(results, SINGLE_VALUE_TYPES)
    if not keys:
        return
    json = scope.json
    value = json.scalar(Answer.value)
    query = scope.where(
        select(Answer.question_key, value.label("value"), func.count()).select_from(Answer), keys
    ).where(json.is_answered(Answer.value)).group_by(Answer.question_key, value)
    counts: dict[str, dict[Any, int]] = defaultdict(dict)
    for key, answer_value, count in db.session.execute(query).all():
        counts[key][answer_value] = count
    for key in keys:
        result = results[key]
        found = counts.get(key, {})
        if result.type == "scale":
            low, high = result.question.config["scale"]["min"], result.question.config["scale"]["max"]
            by_point = {int(float(v)): n for v, n in found.items()}
            distribution = {point: by_point.get(point, 0) for point in range(low, high + 1)}
            total = sum(distribution.values())
            mean = sum(p * n for p, n in distribution.items()) / total if total else None
            result.summary = {"distribution": distribution, "mean": mean,
                              "median": _median_from_counts(distribution)}
        else:
            if result.type == "yes_no":
                options = ["yes", "no"]
            else:
                options = [o["value"] for o in result.question.config.get("options") or []]
            by_value = {str(v): n for v, n in found.items()}
            option_counts = {option: by_value.get(option, 0) for option in options}
            result.summary = {"counts": option_counts, "shares": _shares(option_counts, result.answered)}


def _count_multiple_choice(scope: _Scope, results: dict[str, QuestionResult]) -> None:
    """multiple_choice: suppliers per option through the JSON array's elements, one GROUP BY."""
    keys = _keys_of(results, ("multiple_choice",))
    if not keys:
        return
    json = scope.json
    elements = json.elements(Answer.value)
    query = scope.where(
        select(Answer.question_key, elements.c.value, func.count(Answer.response_id.distinct()))
        .select_from(Answer).join(elements, literal_column("1") == 1), keys
    ).where(json.kind(Answer.value) == "array").group_by(Answer.question_key, elements.c.value)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for key, option, count in db.session.execute(query).all():
        counts[key][str(option)] = count
    for key in keys:
        result = results[key]
        options = [o["value"] for o in result.question.config.get("options") or []]
        option_counts = {option: counts[key].get(option, 0) for option in options}
        # Shares of respondents: they add up to more than 1 when suppliers tick several options.
        result.summary = {"counts": option_counts, "shares": _shares(option_counts, result.answered)}


def _number_stats(source: Any) -> dict[str, dict[str, Any]]:
    """n, min, median, mean and max per key of a subquery with `key` and `number` columns (two queries).

    The median is exact: a window function numbers the values per key and the middle one or two are
    averaged, on SQLite and PostgreSQL alike.
    """
    stats: dict[str, dict[str, Any]] = {}
    totals = select(source.c.key, func.count(), func.min(source.c.number), func.avg(source.c.number),
                    func.max(source.c.number)).group_by(source.c.key)
    for key, n, low, mean, high in db.session.execute(totals).all():
        stats[key] = {"n": n, "min": _plain(low), "median": None, "mean": float(mean), "max": _plain(high)}
    ranked = select(
        source.c.key,
        source.c.number,
        over(func.row_number(), partition_by=source.c.key, order_by=source.c.number).label("position"),
        over(func.count(), partition_by=source.c.key).label("n"),
    ).subquery()
    # The middle one or two values: positions (n+1) div 2 and (n+2) div 2, counting from 1.
    middle = select(ranked.c.key, func.avg(ranked.c.number)).where(
        or_(ranked.c.position == (ranked.c.n + 1) // 2, ranked.c.position == (ranked.c.n + 2) // 2)
    ).group_by(ranked.c.key)
    for key, median in db.session.execute(middle).all():
        stats[key]["median"] = _plain(median)
    return stats


def _summarise_numbers(scope: _Scope, results: dict[str, QuestionResult]) -> None:
    """number and percentage: n, min, median, mean, max in the database."""
    keys = _keys_of(results, NUMBER_TYPES)
    if not keys:
        return
    json = scope.json
    source = scope.where(
        select(Answer.question_key.label("key"), json.number(Answer.value).label("number")).select_from(Answer), keys
    ).where(json.kind(Answer.value).in_(json.numbers)).subquery()
    for key, stats in _number_stats(source).items():
        results[key].summary = stats


def _plain(value: Any) -> int | float | None:
    """A number from the database as int when whole (so 12.0 reads 12)."""
    if value is None:
        return None
    number = float(value)
    return int(number) if number.is_integer() else number


def _summarise_dates(scope: _Scope, results: dict[str, QuestionResult]) -> None:
    """date: count, earliest and latest (ISO dates sort as text), one GROUP BY."""
    keys = _keys_of(results, ("date",))
    if not keys:
        return
    json = scope.json
    text = cast(json.scalar(Answer.value), String)
    query = scope.where(
        select(Answer.question_key, func.count(), func.min(text), func.max(text)).select_from(Answer), keys
    ).where(json.is_answered(Answer.value)).group_by(Answer.question_key)
    for key, count, earliest, latest in db.session.execute(query).all():
        results[key].summary = {"count": count, "earliest": earliest, "latest": latest}


def _collect_quotes(scope: _Scope, results: dict[str, QuestionResult], names: Mapping[int, str]) -> None:
    """text and long_text: the answers the supplier allowed to quote and did not mark confidential."""
    keys = _keys_of(results, TEXT_TYPES)
    if not keys:
        return
    json = scope.json
    query = scope.where(
        select(Answer.question_key, Answer.response_id, Answer.value).select_from(Answer), keys
    ).where(Answer.quotable.is_(True), Answer.confidential.is_(False), json.is_answered(Answer.value))
    for key, rid, value in db.session.execute(query).all():
        if isinstance(value, str) and value.strip():
            results[key].quotes.append(Quote(text=value, response_id=rid, supplier=names.get(rid, "")))
    for key in keys:
        # Alphabetical, so the order says nothing about who answered first or is named first.
        results[key].quotes.sort(key=lambda quote: (quote.text.casefold(), quote.response_id))


CELL_CHOICE_TYPES = frozenset({"yes_no", "single_choice"})


def _summarise_tables(scope: _Scope, results: dict[str, QuestionResult]) -> None:
    """table: rows, rows per respondent and per-column summaries, all in the database (the rows stay there)."""
    keys = _keys_of(results, ("table",))
    if not keys:
        return
    json = scope.json
    answered = json.is_answered(Answer.value)
    lengths = scope.where(
        select(Answer.question_key.label("key"), func.json_array_length(Answer.value).label("number"))
        .select_from(Answer), keys
    ).where(answered, json.kind(Answer.value) == "array").subquery()
    per_respondent = _number_stats(lengths)

    columns = {key: {c["key"]: c for c in results[key].question.config.get("columns") or []} for key in keys}
    rows, cells = json.table_cells(Answer.value)
    kind = json.cell_kind(cells)
    cell_key = Answer.question_key + "/" + cells.c.key

    def cell_query(*columns_: Any) -> Any:
        return scope.where(
            select(*columns_).select_from(Answer).join(rows, literal_column("1") == 1)
            .join(cells, literal_column("1") == 1), keys
        ).where(answered)

    # Every column: non-blank cells, and the earliest / latest as text (what dates need).
    text = json.cell_text(cells)
    filled = and_(kind.not_in(("null", "object", "array")), or_(kind != json.string, text != ""))
    counts: dict[tuple[str, str], tuple[int, Any, Any]] = {}
    for key, column, n, low, high in db.session.execute(
        cell_query(Answer.question_key, cells.c.key, func.count(), func.min(text), func.max(text))
        .where(filled).group_by(Answer.question_key, cells.c.key)
    ).all():
        counts[(key, column)] = (n, low, high)
    # Choice columns: cells per value.
    choice_keys = [f"{key}/{ck}" for key in keys for ck, c in columns[key].items() if c["type"] in CELL_CHOICE_TYPES]
    choices: dict[tuple[str, str], dict[str, int]] = defaultdict(dict)
    if choice_keys:
        for key, column, value, n in db.session.execute(
            cell_query(Answer.question_key, cells.c.key, text, func.count())
            .where(filled, cell_key.in_(choice_keys)).group_by(Answer.question_key, cells.c.key, text)
        ).all():
            choices[(key, column)][str(value)] = n
    # Number columns: the same statistics as number questions.
    number_keys = [f"{key}/{ck}" for key in keys for ck, c in columns[key].items() if c["type"] in NUMBER_TYPES]
    numbers: dict[str, dict[str, Any]] = {}
    if number_keys:
        numbers = _number_stats(cell_query(cell_key.label("key"), json.cell_number(cells).label("number"))
                                .where(kind.in_(json.numbers), cell_key.in_(number_keys)).subquery())

    for key in keys:
        length = per_respondent.get(key) or number_summary([])
        summary_columns: dict[str, Any] = {}
        for column_key, column in columns[key].items():
            n, low, high = counts.get((key, column_key), (0, None, None))
            base: dict[str, Any] = {"answered": n, "not_applicable": 0}
            if column["type"] in NUMBER_TYPES:
                base |= numbers.get(f"{key}/{column_key}") or number_summary([])
            elif column["type"] in CELL_CHOICE_TYPES:
                options = (["yes", "no"] if column["type"] == "yes_no"
                           else [o["value"] for o in column.get("options", [])])
                found = choices.get((key, column_key), {})
                option_counts = {option: found.get(option, 0) for option in options}
                base |= {"counts": option_counts, "shares": _shares(option_counts, n)}
            elif column["type"] == "date":
                base |= {"count": n, "earliest": low, "latest": high}
            else:
                base |= {"count": n}
            summary_columns[column_key] = base
        total_rows = round(length["mean"] * length["n"]) if length["n"] else 0
        results[key].summary = {"rows": total_rows, "rows_per_respondent": length, "columns": summary_columns}


def _finish_summary(result: QuestionResult) -> None:
    """Fill in the keys of types counted by `_count_all` alone, and `answered` / `not_applicable`."""
    if not result.summary:
        empty = QUESTION_TYPES[result.type].summarise([], result.question)
        empty.pop("answered", None)
        empty.pop("not_applicable", None)
        result.summary = empty
    if "count" in result.summary and result.type in (*TEXT_TYPES, "url", "file"):
        result.summary["count"] = result.answered
    result.summary["answered"] = result.answered
    result.summary["not_applicable"] = result.not_applicable


