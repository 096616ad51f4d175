"""Flask commands: `flask --app wsgi <command> --help` describes each."""

from __future__ import annotations

import sys
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select

from questionnaire.extensions import db
from questionnaire.models import Organisation, OrganisationKind, QuestionnaireVersion
from questionnaire.services import accounts
from questionnaire.services.errors import DomainError


def fail(message: str) -> None:
    """Print a readable error and exit with status 2 (bad input)."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(2)


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Create the database schema, or upgrade it to the latest version."""
    from flask_migrate import upgrade

    upgrade(directory=current_app.extensions["migrate"].directory)
    stored = store_missing_facts()
    if stored:
        click.echo(f"Aggregation facts stored for {stored} submitted responses.")
    click.echo(f"Database ready: {db.engine.url.render_as_string(hide_password=True)}")


def store_missing_facts() -> int:
    """Store the aggregation facts of submitted responses that have none yet (submitted before an upgrade).

    Aggregation works such responses out on every call; storing them once makes results fast again.
    """
    from questionnaire.models import DialogueRound
    from questionnaire.services import facts
    from questionnaire.services.questionnaires import version_load_options

    stored = 0
    for round_ in db.session.scalars(select(DialogueRound)):
        version = db.session.scalar(
            select(QuestionnaireVersion).where(QuestionnaireVersion.id == round_.questionnaire_version_id)
            .options(*version_load_options()))
        if version is not None:
            stored += facts.store_missing(round_.id, version)
    db.session.commit()
    return stored


@click.command("create-user")
@click.option("--email", required=True, help="E-mail address (the log-in).")
@click.option("--name", required=True, help="The person's name.")
@click.option("--organisation", "organisation_name", required=True,
              help="Organisation name; created if it does not exist.")
@click.option("--kind", type=click.Choice([k.value for k in OrganisationKind]),
              help="Kind of the organisation (needed when it is created).")
@click.option("--country", default="BE", show_default=True, help="ISO 3166 country of a new organisation.")
@click.option("--admin/--no-admin", default=False, help="Make the user an organisation administrator.")
@click.option("--language", type=click.Choice(["en", "fr"]), default=None, help="Preferred language.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email: str, name: str, organisation_name: str, kind: str | None, country: str,
                        admin: bool, language: str | None, password_stdin: bool) -> None:
    """Create a user with a password (prompted, or read from standard input)."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        fail(f"'{email}' is not a valid e-mail address ({exc}).")
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == organisation_name))
    if organisation is not None and kind and organisation.kind != kind:
        fail(f"Organisation '{organisation_name}' exists and is a {organisation.kind}, not a {kind}.")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    if len(password) < 10:
        fail("The password must have at least 10 characters.")
    try:
        if organisation is None:
            if not kind:
                fail(f"Organisation '{organisation_name}' does not exist; give --kind to create it.")
            organisation = accounts.create_organisation(organisation_name, OrganisationKind(kind), country,
                                                        actor=None)
        user = accounts.create_user(email, name, organisation, password=password, is_org_admin=admin,
                                    language=language)
    except DomainError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    click.echo(f"Created user {user.email} (id {user.id}) in {organisation.name} ({organisation.kind}).")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command() -> None:
    """Create the demo organisations, users and content; does nothing if they exist."""
    from questionnaire.services.demo import seed_demo

    result = seed_demo()
    db.session.commit()
    click.echo("Demo data created." if result.created else "Demo data already present; nothing changed.")
    click.echo("Demo log-ins (password in brackets):")
    for email, password in result.users:
        click.echo(f"  {email} ({password})")


@click.group("questionnaire")
def questionnaire_group() -> None:
    """Import and export questionnaires in the questionnaire/1 format."""


def _find_owner(reference: str | None) -> Organisation:
    """The organisation named or numbered by --owner; by default the only secretariat."""
    if reference is None:
        secretariats = list(db.session.scalars(
            select(Organisation).where(Organisation.kind == OrganisationKind.SECRETARIAT).limit(2)))
        if len(secretariats) != 1:
            fail("Give the owning organisation with --owner NAME_OR_ID.")
        return secretariats[0]
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == reference))
    if organisation is None and reference.isdigit():
        organisation = db.session.get(Organisation, int(reference))
    if organisation is None:
        fail(f"There is no organisation '{reference}'.")
    return organisation  # type: ignore[return-value]


@questionnaire_group.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--owner", "owner_reference", metavar="ORG_NAME_OR_ID",
              help="Owning organisation, by name or id (default: the secretariat).")
@with_appcontext
def questionnaire_import_command(file: Any, owner_reference: str | None) -> None:
    """Import FILE as a new questionnaire (draft version 1) and print its id.

    A file that breaks the format is refused whole: every problem is listed with its path, nothing is
    written and the exit status is 2. Missing translations are listed as warnings.
    """
    from questionnaire import interchange
    from questionnaire.services import questionnaires

    try:
        parsed = interchange.loads(file.read())
    except interchange.FormatError as exc:
        for warning in exc.warnings:
            click.echo(f"warning: {warning}", err=True)
        for problem in exc.problems:
            click.echo(f"error: {problem}", err=True)
        count = len(exc.problems)
        click.echo(f"{file.name}: refused ({count} problem{'s' if count != 1 else ''}); nothing was imported.",
                   err=True)
        sys.exit(2)
    owner = _find_owner(owner_reference)
    for warning in parsed.warnings:
        click.echo(f"warning: {warning}", err=True)
    try:
        questionnaire = questionnaires.import_document(parsed, owner=owner, actor=None)
    except DomainError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    click.echo(questionnaire.id)


@questionnaire_group.command("export")
@click.argument("questionnaire_id", metavar="ID", type=int)
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True),
              help="Write to this file instead of standard output.")
@click.option("--version", "number", type=int, help="Version number (default: the latest).")
@with_appcontext
def questionnaire_export_command(questionnaire_id: int, output: str | None, number: int | None) -> None:
    """Write questionnaire ID (its latest version, or --version N) as a questionnaire/1 file."""
    from questionnaire import interchange
    from questionnaire.services import questionnaires

    version = questionnaires.get_version(questionnaire_id, number)
    if version is None:
        if questionnaires.get_questionnaire(questionnaire_id) is None:
            fail(f"There is no questionnaire {questionnaire_id}.")
        fail(f"Questionnaire {questionnaire_id} has no version {number}.")
    text = interchange.dumps(questionnaires.export_document(version))  # type: ignore[arg-type]
    if output:
        with open(output, "w", encoding="utf-8") as target:
            target.write(text)
    else:
        click.echo(text, nl=False)


@click.group("round")
def round_group() -> None:
    """Dialogue rounds: list them and send reminders (for cron)."""


@round_group.command("list")
@with_appcontext
def round_list_command() -> None:
    """Print each round's id, title, state, and invited and submitted counts (tab-separated)."""
    from questionnaire.services import rounds

    click.echo("id\ttitle\tstate\tinvited\tsubmitted")
    for item in rounds.rounds_with_counts():
        click.echo(f"{item.round.id}\t{item.round.title}\t{item.round.status.value}\t{item.invited}\t{item.submitted}")


@round_group.command("remind")
@click.argument("round_id", type=int)
@click.option("--force", is_flag=True, help="Also remind suppliers already reminded today.")
@with_appcontext
def round_remind_command(round_id: int, force: bool) -> None:
    """E-mail every invited supplier of ROUND_ID that has not submitted (once a day each unless --force)."""
    from questionnaire.services import invitations, rounds

    dialogue_round = rounds.get_round(round_id)
    if dialogue_round is None:
        fail(f"There is no round {round_id}.")
    try:
        # E-mail templates share the page context processors, which expect a request.
        with current_app.test_request_context("/", base_url=current_app.config["BASE_URL"]):
            result = invitations.remind(dialogue_round, force=force, actor=None)  # type: ignore[arg-type]
    except DomainError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()  # sends the reminders
    click.echo(f"Round {round_id}: {result.sent} reminders sent; {result.already_submitted} already submitted; "
               f"{result.reminded_today} already reminded today.")
    from questionnaire.services.mail import undelivered

    missed = undelivered()
    if missed:
        # Not counted as reminded: the next run sends them again (without --force).
        invitations.reminders_undelivered(dialogue_round, result, missed)
        db.session.commit()
        click.echo(f"Error: {len(missed)} reminders could not be sent (see the log): {', '.join(missed)}. "
                   "Run again to retry.", err=True)
        sys.exit(1)


def register_commands(app: Flask) -> None:
    """Attach the commands to the app's CLI."""
    for command in (init_db_command, create_user_command, seed_demo_command, questionnaire_group,
                    round_group):
        app.cli.add_command(command)
    from questionnaire.cli_reports import report_group

    app.cli.add_command(report_group)
