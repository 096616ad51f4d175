"""Shared fixtures: the app on SQLite or PostgreSQL, clients with CSRF tokens, users, a real SMTP server."""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from questionnaire import create_app
from questionnaire.config import settings_for_tests
from questionnaire.extensions import db as _db
from questionnaire.models import Organisation, OrganisationKind, User

PASSWORD = "correct horse battery"


# --- a real SMTP server for the whole session ---------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SMTPCapture:
    """aiosmtpd handler keeping every message received."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        """Messages sent to one address."""
        return [m for m in self.messages if address.lower() in str(m["To"]).lower()]

    def body(self, message: EmailMessage) -> str:
        """The plain-text body of a message."""
        part = message.get_body(preferencelist=("plain",))
        return part.get_content() if part is not None else ""


@pytest.fixture(scope="session")
def _smtp_server() -> Iterator[tuple[SMTPCapture, int]]:
    from aiosmtpd.controller import Controller

    handler = SMTPCapture()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def smtp(_smtp_server: tuple[SMTPCapture, int]) -> SMTPCapture:
    """The SMTP server the app sends through; empty at the start of each test."""
    handler, _port = _smtp_server
    with handler.lock:
        handler.messages.clear()
    return handler


# --- database and app ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def database_uri(tmp_path_factory: pytest.TempPathFactory) -> str:
    """PostgreSQL when TEST_DATABASE_URL is set, otherwise a SQLite file for the session."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        worker = os.environ.get("PYTEST_XDIST_WORKER")
        return _worker_database(url, worker) if worker else url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def _worker_database(url: str, worker: str) -> str:
    """A database of its own for one pytest-xdist worker (`test` -> `test_gw0`), created when missing."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    base = make_url(url)
    name = f"{base.database}_{worker}"
    engine = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}) is None:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        engine.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def _schema(database_uri: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    instance = tmp_path_factory.mktemp("schema-instance")
    app = create_app(settings_for_tests(database_uri, str(instance)) | {"INSTANCE_PATH": str(instance)})
    with app.app_context():
        _db.drop_all()
        _db.create_all()
        _db.session.remove()
        _db.engine.dispose()
    yield
    with app.app_context():
        _db.drop_all()
        _db.engine.dispose()


def _empty_tables() -> None:
    tables = list(reversed(_db.metadata.sorted_tables))
    with _db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


@pytest.fixture
def app_factory(
    _schema: None, database_uri: str, tmp_path: Any, _smtp_server: tuple[SMTPCapture, int]
) -> Iterator[Callable[..., Flask]]:
    """Build an app on the test database; keyword arguments override the configuration."""
    apps: list[Flask] = []
    _handler, port = _smtp_server

    def make(**overrides: Any) -> Flask:
        instance = tmp_path / f"instance{len(apps)}"
        config = settings_for_tests(database_uri, str(instance)) | {
            "INSTANCE_PATH": str(instance),
            "MAIL_BACKEND": "smtp",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": port,
            "BASE_URL": "http://localhost",
        }
        config.update(overrides)
        new_app = create_app(config)
        new_app.test_client_class = CSRFClient
        apps.append(new_app)
        return new_app

    yield make
    for made in apps:
        with made.app_context():
            _db.session.remove()
            _empty_tables()
            _db.engine.dispose()


@pytest.fixture
def app(app_factory: Callable[..., Flask]) -> Iterator[Flask]:
    """The application, with an application context pushed for the test's own queries."""
    application = app_factory()
    with application.app_context():
        yield application
        _db.session.remove()


@pytest.fixture
def db(app: Flask) -> Any:
    """The SQLAlchemy extension bound to the test app."""
    return _db


class CSRFClient(FlaskClient):
    """A test client that adds a valid CSRF token to form posts, as the rendered pages do.

    Pass `csrf_token` yourself (for example an empty string) to test what happens without one.
    """

    def csrf_token(self) -> str:
        """A token valid for this client's session."""
        from flask import session
        from flask_wtf.csrf import generate_csrf

        with self.session_transaction() as client_session:
            raw = client_session.get("csrf_token")
        # A fresh app context: flask-wtf caches the token in `g`, which the test may share.
        with self.application.app_context(), self.application.test_request_context():
            if raw:
                session["csrf_token"] = raw
            token = generate_csrf()
            raw = session["csrf_token"]
        with self.session_transaction() as client_session:
            client_session["csrf_token"] = raw
        return token

    def open(self, *args: Any, **kwargs: Any) -> Any:
        method = kwargs.get("method", "GET").upper()
        data = kwargs.get("data")
        if method in {"POST", "PUT", "PATCH", "DELETE"} and isinstance(data, dict) and "csrf_token" not in data:
            kwargs["data"] = {**data, "csrf_token": self.csrf_token()}
        # A fresh application context per request, as in production. The `app` fixture keeps one pushed
        # for the test's own queries, and Flask reuses a pushed context of the same app: `g` (with
        # Flask-Login's cached user) and the database session would leak from one client to the next.
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture
def client(app: Flask) -> CSRFClient:
    """A browser-like client for the app."""
    return app.test_client()  # type: ignore[return-value]


@pytest.fixture
def runner(app: Flask) -> Any:
    """Runs `flask` commands against the app."""
    return app.test_cli_runner()


# --- factories --------------------------------------------------------------------------------


@pytest.fixture
def make_org(app: Flask) -> Callable[..., Organisation]:
    """Create an organisation."""
    counter = {"n": 0}

    def make(kind: str | OrganisationKind = OrganisationKind.BUYER, name: str | None = None,
             country: str = "BE") -> Organisation:
        counter["n"] += 1
        organisation = Organisation(
            name=name or f"{OrganisationKind(kind).value.title()} org {counter['n']}",
            kind=OrganisationKind(kind),
            country=country,
        )
        _db.session.add(organisation)
        _db.session.commit()
        return organisation

    return make


@pytest.fixture
def make_user(app: Flask, make_org: Callable[..., Organisation]) -> Callable[..., User]:
    """Create an active user with the password `pw` unless told otherwise."""
    from questionnaire.services.accounts import hash_password

    counter = {"n": 0}

    def make(org: Organisation | None = None, kind: str | OrganisationKind = OrganisationKind.BUYER,
             email: str | None = None, password: str | None = "pw", is_org_admin: bool = False,
             name: str | None = None, language: str | None = None, active: bool = True) -> User:
        counter["n"] += 1
        organisation = org or make_org(kind=kind)
        user = User(
            email=email or f"user{counter['n']}@{organisation.kind}.test",
            name=name or f"User {counter['n']}",
            organisation=organisation,
            is_org_admin=is_org_admin,
            language=language,
            active=active,
            password_hash=hash_password(password) if password else None,
        )
        _db.session.add(user)
        _db.session.commit()
        return user

    return make


@pytest.fixture
def login() -> Callable[..., Any]:
    """Log a client in through the real log-in form."""

    def do_login(client: CSRFClient, user: User | str, password: str = "pw") -> Any:
        email = user if isinstance(user, str) else user.email
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, f"log-in failed for {email}: {response.status_code}"
        return response

    return do_login


# --- a live server for browser tests ------------------------------------------------------------


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    """Serve the test app on a free local port; yields its base URL."""
    from werkzeug.serving import make_server

    # Port 0: the system picks a free port as it binds, so parallel test workers never collide.
    server = make_server("127.0.0.1", 0, app, threaded=True)
    port = server.port
    app.config["BASE_URL"] = f"http://127.0.0.1:{port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    thread.join(timeout=5)
    server.server_close()
