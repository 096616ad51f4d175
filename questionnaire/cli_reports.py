"""The `report` command group: PDF documents (and the exports) from the command line."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from questionnaire.extensions import db
from questionnaire.models import Response

AUDIENCE_CHOICES = ("participants", "buyers", "secretariat")


def fail(message: str) -> None:
    """Print a readable error and exit with status 2 (bad input)."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


def write_output(data: bytes, output: str) -> None:
    """Write the document to a file, or to standard output for "-"."""
    if output == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        Path(output).write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {output}: {exc.strerror or exc}")
    click.echo(f"Wrote {output} ({len(data):,} bytes).", err=True)


def _check_language(language: str, available: list[str], what: str) -> None:
    if language not in available:
        fail(f"{what} is not available in '{language}'; choose one of: {', '.join(available)}.")


@click.group("report")
def report_group() -> None:
    """PDF documents of a dialogue round: summaries, supplier copies and feedback, blank questionnaires."""


@report_group.command("summary")
@click.argument("round_id", type=int)
@click.option("--audience", type=click.Choice(AUDIENCE_CHOICES), default="participants", show_default=True,
              help="Who the summary is for: what it shows follows the disclosure rules.")
@click.option("--lang", "language", default=None, help="Language (default: the round's first).")
@click.option("-o", "--output", required=True, metavar="FILE", help='The PDF file to write ("-" for stdout).')
@with_appcontext
def report_summary_command(round_id: int, audience: str, language: str | None, output: str) -> None:
    """Write the dialogue summary of ROUND_ID for an audience, as PDF."""
    from questionnaire.models import DialogueRound
    from reports.summary import cached_summary_pdf

    dialogue_round = db.session.get(DialogueRound, round_id)
    if dialogue_round is None:
        fail(f"There is no round {round_id}.")
    language = language or dialogue_round.languages[0]
    _check_language(language, dialogue_round.languages, f"Round {round_id}")
    data, _hit = cached_summary_pdf(dialogue_round, audience, language)
    write_output(data, output)


def _response_in(response_id: int, language: str | None) -> tuple[Response, str]:
    """The response, and the language asked for (default: its round's first), refused if the round lacks it."""
    response = db.session.get(Response, response_id)
    if response is None:
        fail(f"There is no response {response_id}.")
    assert response is not None  # fail() exits
    languages = response.round.languages
    language = language or languages[0]
    _check_language(language, languages, f"Response {response_id}")
    return response, language


@report_group.command("response")
@click.argument("response_id", type=int)
@click.option("--lang", "language", default=None, help="Language (default: the round's first).")
@click.option("-o", "--output", required=True, metavar="FILE", help='The PDF file to write ("-" for stdout).')
@with_appcontext
def report_response_command(response_id: int, language: str | None, output: str) -> None:
    """Write a supplier's copy of its answers in RESPONSE_ID, as PDF."""
    from reports.documents import response_copy_pdf

    response, language = _response_in(response_id, language)
    write_output(response_copy_pdf(response, language), output)


@report_group.command("feedback")
@click.argument("response_id", type=int)
@click.option("--lang", "language", default=None, help="Language (default: the round's first).")
@click.option("-o", "--output", required=True, metavar="FILE", help='The PDF file to write ("-" for stdout).')
@with_appcontext
def report_feedback_command(response_id: int, language: str | None, output: str) -> None:
    """Write a supplier's section scores against its anonymised peers (RESPONSE_ID), as PDF."""
    from questionnaire.models import ResponseStatus
    from reports.summary import feedback_pdf

    response, language = _response_in(response_id, language)
    if response.status != ResponseStatus.SUBMITTED:
        fail(f"Response {response_id} is not submitted: there are no scores to compare yet.")
    write_output(feedback_pdf(response, language), output)


@report_group.command("blank")
@click.argument("questionnaire_id", type=int)
@click.option("--lang", "language", default=None, help="Language (default: the questionnaire's first).")
@click.option("--version", "number", type=int, default=None,
              help="Version number (default: the latest published, else the latest).")
@click.option("-o", "--output", required=True, metavar="FILE", help='The PDF file to write ("-" for stdout).')
@with_appcontext
def report_blank_command(questionnaire_id: int, language: str | None, number: int | None, output: str) -> None:
    """Write questionnaire QUESTIONNAIRE_ID blank, in a language, as PDF."""
    from questionnaire.services import questionnaires
    from reports.documents import blank_questionnaire_pdf

    questionnaire = questionnaires.get_questionnaire(questionnaire_id)
    if questionnaire is None:
        fail(f"There is no questionnaire {questionnaire_id}.")
    if number is None:
        version = questionnaire.latest_published_version or questionnaire.latest_version  # type: ignore[union-attr]
    else:
        version = questionnaires.get_version(questionnaire_id, number)
        if version is None:
            fail(f"Questionnaire {questionnaire_id} has no version {number}.")
    language = language or version.languages[0]  # type: ignore[union-attr]
    _check_language(language, version.languages, f"Questionnaire {questionnaire_id}")  # type: ignore[union-attr]
    write_output(blank_questionnaire_pdf(version, language), output)  # type: ignore[arg-type]


@report_group.command("export")
@click.argument("round_id", type=int)
@click.option("--format", "fmt", type=click.Choice(("csv", "xlsx")), default="xlsx", show_default=True,
              help="CSV (tables and section scores go to FILE-tables.csv and FILE-scores.csv) or XLSX "
                   "(each on its own sheets).")
@click.option("--audience", type=click.Choice(AUDIENCE_CHOICES), default="secretariat", show_default=True,
              help="Buyers get confidential answers blanked; participants cannot export named rows.")
@click.option("--country", default=None, help="Only suppliers of this country (ISO code, e.g. FR).")
@click.option("-o", "--output", required=True, metavar="FILE", help='The file to write ("-" for stdout).')
@with_appcontext
def report_export_command(round_id: int, fmt: str, audience: str, country: str | None, output: str) -> None:
    """Write the submitted responses of ROUND_ID, one row per supplier, as CSV or XLSX."""
    from questionnaire.models import DialogueRound
    from reports.exports import ExportRefused, export_csv, export_scores_csv, export_tables_csv, export_xlsx

    dialogue_round = db.session.get(DialogueRound, round_id)
    if dialogue_round is None:
        fail(f"There is no round {round_id}.")
    country = country.strip().upper() if country else None
    try:
        if fmt == "xlsx":
            write_output(export_xlsx(dialogue_round, audience, country=country), output)
            return
        write_output(export_csv(dialogue_round, audience, country=country), output)
        extra = {"tables": export_tables_csv(dialogue_round, audience, country=country),
                 "scores": export_scores_csv(dialogue_round, audience, country=country)}
    except ExportRefused as exc:
        fail(f"{exc}.")
    extra = {name: data for name, data in extra.items() if data is not None}
    if extra and output == "-":
        click.echo("Table answers and section scores are not written to standard output; give a file name "
                   "to get them.", err=True)
        return
    for name, data in extra.items():
        path = Path(output)
        write_output(data, str(path.with_name(f"{path.stem}-{name}{path.suffix or '.csv'}")))
