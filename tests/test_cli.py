"""The flask commands: init-db, create-user, seed-demo."""

from __future__ import annotations

from sqlalchemy import func, inspect, select

from questionnaire import create_app
from questionnaire.config import settings_for_tests
from questionnaire.extensions import db as _db
from questionnaire.models import AuditEvent, Organisation, OrganisationKind, User

DEMO_EMAILS = {"secretariat@demo.test", "buyer@demo.test", "buyer2@demo.test", "supplier@demo.test",
               "supplier2@demo.test"}


CLI_PASSWORD = "a long password"


def create_user(runner, *extra: str, email: str = "new.person@example.org", password: str = CLI_PASSWORD):
    args = ["create-user", "--email", email, "--name", "New Person", "--organisation", "Region of Tuscany",
            "--kind", "buyer", "--country", "IT", "--password-stdin", *extra]
    return runner.invoke(args=args, input=password + "\n")


def counts(db) -> tuple[int, int, int]:
    return tuple(db.session.scalar(select(func.count()).select_from(model))  # type: ignore[return-value]
                 for model in (Organisation, User, AuditEvent))


def test_init_db_creates_the_schema_on_an_empty_sqlite_file(tmp_path):
    database = tmp_path / "empty.sqlite3"
    app = create_app(settings_for_tests(f"sqlite:///{database}", str(tmp_path)) | {"INSTANCE_PATH": str(tmp_path)})
    runner = app.test_cli_runner()
    result = runner.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "Database ready" in result.output
    with app.app_context():
        tables = set(inspect(_db.engine).get_table_names())
        assert {"alembic_version", "organisation", "user_account", "audit_event"} <= tables
        _db.engine.dispose()
    # Running it again is an upgrade with nothing to do.
    assert runner.invoke(args=["init-db"]).exit_code == 0
    # The migrated database is usable by the other commands.
    created = create_user(runner)
    assert created.exit_code == 0, created.output
    with app.app_context():
        _db.engine.dispose()


def test_create_user_reads_the_password_from_stdin(runner, client, login, db):
    result = create_user(runner, "--admin", "--language", "fr")
    assert result.exit_code == 0, result.output
    assert "Created user new.person@example.org" in result.output
    user = db.session.scalar(select(User).where(User.email == "new.person@example.org"))
    assert user.is_org_admin and user.language == "fr"
    assert user.organisation.kind == OrganisationKind.BUYER and user.organisation.country == "IT"
    login(client, "new.person@example.org", CLI_PASSWORD)


def test_create_user_with_a_bad_email_exits_2_with_a_clear_message(runner, db):
    result = create_user(runner, email="not-an-address")
    assert result.exit_code == 2
    assert "'not-an-address' is not a valid e-mail address" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_create_user_twice_exits_2(runner, db):
    assert create_user(runner).exit_code == 0
    again = create_user(runner, email="NEW.person@example.org")
    assert again.exit_code == 2
    assert "already exists" in again.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_create_user_refuses_a_short_password_and_a_missing_kind(runner, db):
    short = create_user(runner, password="short")
    assert short.exit_code == 2 and "at least 10 characters" in short.output
    no_kind = runner.invoke(args=["create-user", "--email", "a@example.org", "--name", "A",
                                  "--organisation", "Unknown Org", "--password-stdin"], input=CLI_PASSWORD + "\n")
    assert no_kind.exit_code == 2 and "give --kind" in no_kind.output
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 0


def test_seed_demo_creates_the_five_demo_users_once(runner, app, login, db):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    assert "Demo data created." in result.output
    users = db.session.scalars(select(User)).all()
    assert {u.email for u in users} >= DEMO_EMAILS
    kinds = {o.kind for o in db.session.scalars(select(Organisation))}
    assert kinds == set(OrganisationKind)
    countries = {o.country for o in db.session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.SUPPLIER))}
    assert len(countries) >= 3
    for email in sorted(DEMO_EMAILS):
        assert email in result.output
        login(app.test_client(), email, "demo")

    before = counts(db)
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0
    assert "nothing changed" in again.output
    assert counts(db) == before
