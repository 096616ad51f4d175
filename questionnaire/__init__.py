"""The joint market-dialogue platform: create_app() builds the Flask application."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request, session
from flask_login import current_user
from sqlalchemy import event

from questionnaire import config as config_module
from questionnaire.extensions import babel, csrf, db, limiter, login_manager, mail, migrate, talisman
from questionnaire.sessions import SessionInterface

PACKAGE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = PACKAGE_DIR.parent

# Content-Security-Policy: no inline scripts or styles, nothing from elsewhere, never framed.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    """SQLite as a web app's database: write-ahead log, and no disk sync on every commit.

    WAL lets pages be read while a save is written; synchronous=NORMAL syncs at checkpoints rather
    than at each commit (a commit costs about 10 ms less; a power cut may lose the last commits but
    never corrupts the file). PostgreSQL is the production database and is not concerned.
    """
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the application; `config` overrides what the environment says."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        instance_path=os.environ.get("INSTANCE_PATH") or str(PROJECT_DIR / "instance"),
        template_folder=str(PROJECT_DIR / "templates"),
        static_folder=str(PROJECT_DIR / "static"),
    )
    overrides = dict(config or {})
    instance_path = overrides.get("INSTANCE_PATH", app.instance_path)
    app.instance_path = instance_path
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    # A caller that brings its own secret key (the tests) never gets a key file written.
    app.config.from_mapping(
        config_module.from_environment(instance_path, generate_secret="SECRET_KEY" not in overrides)
    )
    app.config.from_mapping(overrides)
    # A database server may drop idle connections, so each is tested when taken from the pool. A SQLite
    # file has no server and nothing to test: a ping per request there was a hundredth of a page.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "pool_pre_ping": not str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("sqlite"),
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})}
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(PACKAGE_DIR / "translations")
    app.config["MAIL_FILE_PATH"] = app.config["OUTBOX_DIR"]
    app.session_interface = SessionInterface()

    _init_extensions(app)
    _allow_test_email_domain()

    from questionnaire.views import register_blueprints

    register_blueprints(app)

    from questionnaire.cli import register_commands

    register_commands(app)

    from questionnaire.views.templating import register_template_helpers

    register_template_helpers(app)
    return app


def _allow_test_email_domain() -> None:
    """Accept addresses under .test (the demo's), which email-validator refuses as a special-use domain."""
    import email_validator

    if "test" in email_validator.SPECIAL_USE_DOMAIN_NAMES:
        email_validator.SPECIAL_USE_DOMAIN_NAMES.remove("test")


def select_locale() -> str:
    """The user's saved preference, else the language chosen this session, else the browser's."""
    from flask import current_app, has_request_context

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        # Commands and e-mails rendered outside a request use force_locale or the default.
        return languages[0]
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or languages[0]


def select_timezone() -> str:
    """The user's time zone, else the platform's default (Europe/Brussels)."""
    from flask import current_app, has_request_context

    if has_request_context() and current_user and current_user.is_authenticated and current_user.timezone:
        return current_user.timezone
    return current_app.config["DEFAULT_TIMEZONE"]


def _init_extensions(app: Flask) -> None:
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)
    migrate.init_app(app, db, directory=str(PACKAGE_DIR / "migrations"), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    mail.init_app(app)
    from questionnaire.services.mail import listen_for_commits

    listen_for_commits()  # e-mails queued by a transaction go out when it commits
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    talisman.init_app(
        app,
        force_https=app.config["FORCE_HTTPS"],
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_http_only=True,
        content_security_policy=CONTENT_SECURITY_POLICY,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        strict_transport_security=app.config["PREFERRED_URL_SCHEME"] == "https",
        permissions_policy={"geolocation": "()", "camera": "()", "microphone": "()"},
    )

    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.needs_refresh_message = _l("Please log in again to confirm it is you.")

    from sqlalchemy import bindparam, select

    from questionnaire.models import User

    # Every request loads its user: a statement built once skips building it and its cache key each time.
    user_by_id = select(User).where(User.id == bindparam("id"))

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        ident, _, stamp = user_id.partition(".")
        if not ident.isdigit():
            return None
        user = db.session.execute(user_by_id, {"id": int(ident)}).scalar_one_or_none()
        if user is None or user.auth_stamp != stamp or not user.active:
            return None
        return user
