"""Online results of a round for its co-owners and the secretariat, per audience, and the exports.

The secretariat may switch to the buyers' or the participants' view to check what others will see;
co-owning buyers see the buyers' view (and may preview the participants'). Suppliers never reach
these pages: they get the published summary.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from questionnaire import permissions
from questionnaire.extensions import db
from questionnaire.models import DialogueRound
from questionnaire.question_types import translate, type_of
from questionnaire.views.helpers import authorise
from reports import charts
from reports.aggregation import supplier_answers
from reports.disclosure import Audience, Cell, CellStatus, DisclosedQuestion, disclose_supplier, results_for
from reports.exports import export_csv, export_scores_csv, export_tables_csv, export_xlsx

bp = Blueprint("results", __name__)

COUNTRY = re.compile(r"[A-Z]{2}")
EXPORTS = {
    "csv": ("text/csv; charset=utf-8", "csv"),
    "tables.csv": ("text/csv; charset=utf-8", "tables.csv"),
    "scores.csv": ("text/csv; charset=utf-8", "scores.csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


def _load_round(round_id: int) -> DialogueRound:
    """The round, or 404 unless the user may see some view of its results."""
    dialogue_round = db.session.get(DialogueRound, round_id)
    authorise(dialogue_round is not None and any(
        permissions.can_view_results(current_user, dialogue_round, audience)
        for audience in permissions.RESULT_AUDIENCES), hide=True)
    assert dialogue_round is not None
    return dialogue_round


def _audience(dialogue_round: DialogueRound) -> Audience:
    """The audience asked for (default: the widest the user may see); 400 when unknown, 403 when not allowed."""
    default = "secretariat" if permissions.is_secretariat(current_user) else "buyers"
    asked = request.args.get("audience") or default
    if asked not in permissions.RESULT_AUDIENCES:
        abort(400)
    authorise(permissions.can_view_results(current_user, dialogue_round, asked))
    return Audience(asked)


def _country() -> str | None:
    """The country filter (ISO alpha-2), or None; 400 for anything else."""
    country = (request.args.get("country") or "").strip().upper()
    if not country:
        return None
    if not COUNTRY.fullmatch(country):
        abort(400)
    return country


def _allowed_audiences(dialogue_round: DialogueRound) -> list[str]:
    return [a for a in permissions.RESULT_AUDIENCES if permissions.can_view_results(current_user, dialogue_round, a)]


def audience_label(audience: str) -> str:
    """The audience's name for people."""
    return {"secretariat": _("Secretariat (everything, named)"),
            "buyers": _("Buyers (named, confidential answers hidden)"),
            "participants": _("Participants (anonymised, suppressed)")}[audience]


def cell_label(question: Any, key: str, language: str | None) -> str:
    """The label of a breakdown cell: an option, a scale point, yes/no or "not applicable"."""
    if key == "na":
        return _("Not applicable")
    if question.type == "yes_no":
        return {"yes": _("Yes"), "no": _("No")}.get(key, key)
    if question.type == "scale":
        text = translate((question.config["scale"].get("labels") or {}).get(key), language)
        return f"{key}: {text}" if text else key
    for option in question.config.get("options") or []:
        if option["value"] == key:
            return translate(option["label"], language)
    return key


def _bars(disclosed: DisclosedQuestion, language: str | None) -> list[charts.Bar]:
    cells: list[Cell] = list(disclosed.cells)
    # Single-answer questions: "not applicable" is one more category of the same breakdown.
    if disclosed.not_applicable is not None and disclosed.type in ("yes_no", "single_choice", "scale"):
        cells.append(disclosed.not_applicable)
    bars = []
    for cell in cells:
        note = _("not shown") if cell.status is CellStatus.HIDDEN else None
        bars.append(charts.Bar(label=cell_label(disclosed.question, cell.key, language), count=cell.count,
                               share=cell.share, note=note))
    return bars


def figure(cell: Cell | None, k: int) -> str:
    """A count as shown: the number, "fewer than k" or "not shown"."""
    if cell is None:
        return charts.DASH
    if cell.status is CellStatus.SMALL:
        return charts.fewer_than(k)
    if cell.status is CellStatus.HIDDEN:
        return _("not shown")
    return str(cell.count)


@bp.route("/rounds/<int:round_id>/results")
@login_required
def index(round_id: int) -> Any:
    """Results per section and question, the response rate and the supplier scores, for one audience."""
    dialogue_round = _load_round(round_id)
    audience = _audience(dialogue_round)
    country = _country()
    ignored_country = None
    if audience is Audience.PARTICIPANTS and country:
        # Comparing filtered and unfiltered tables could reveal a small group by difference.
        ignored_country, country = country, None
    disclosed = results_for(dialogue_round, audience, country=country)
    language = str(get_locale() or "") or None
    charts_by_key = {}
    for section in disclosed.sections:
        for question in section.questions:
            if question.cells and not question.withheld:
                bars = _bars(question, language)
                title = translate(question.question.text, language)
                charts_by_key[question.key] = (charts.bar_chart(bars, title=title, k=disclosed.k),
                                               charts.bar_table(bars, caption=title, k=disclosed.k))
    return render_template(
        "results/index.html", round=dialogue_round, disclosed=disclosed, audience=audience.value,
        audiences=_allowed_audiences(dialogue_round), audience_label=audience_label, country=country,
        ignored_country=ignored_country, charts_by_key=charts_by_key, language=language, translate=translate,
        figure=figure, number=charts.number, percent=charts.percent, fewer_than=charts.fewer_than,
        can_export=permissions.can_export_results(current_user, dialogue_round, audience.value),
    )


@bp.route("/rounds/<int:round_id>/results/suppliers/<int:response_id>")
@login_required
def supplier(round_id: int, response_id: int) -> Any:
    """One supplier's submitted answers, as the audience may see them (never for participants)."""
    dialogue_round = _load_round(round_id)
    audience = _audience(dialogue_round)
    if not audience.named:
        abort(403)
    answers = supplier_answers(dialogue_round, response_id)
    if answers is None:
        abort(404)
    shown = disclose_supplier(answers, audience)
    language = str(get_locale() or "") or None
    sections = [(section, shown.sections.get(section.key, []), shown.scores.get(section.key))
                for section in dialogue_round.questionnaire_version.sections]
    return render_template(
        "results/supplier.html", round=dialogue_round, answers=shown, sections=sections, audience=audience.value,
        audience_label=audience_label, language=language, translate=translate, type_of=type_of,
        number=charts.number,
    )


@bp.route("/rounds/<int:round_id>/results/export.<any('csv', 'tables.csv', 'scores.csv', 'xlsx'):fmt>")
@login_required
def export(round_id: int, fmt: str) -> Any:
    """Download the submitted responses as CSV or XLSX, for a named audience."""
    dialogue_round = _load_round(round_id)
    audience = _audience(dialogue_round)
    authorise(permissions.can_export_results(current_user, dialogue_round, audience.value))
    country = _country()
    if fmt == "csv":
        data: bytes | None = export_csv(dialogue_round, audience, country=country)
    elif fmt == "xlsx":
        data = export_xlsx(dialogue_round, audience, country=country)
    else:
        # Table answers, or section scores: absent when the questionnaire has no table or no scored section.
        write = export_tables_csv if fmt == "tables.csv" else export_scores_csv
        data = write(dialogue_round, audience, country=country)
        if data is None:
            abort(404)
    mimetype, extension = EXPORTS[fmt]
    suffix = f"-{country.lower()}" if country else ""
    filename = f"round-{dialogue_round.id}-{audience.value}{suffix}.{extension}"
    return Response(data, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
