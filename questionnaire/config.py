"""Configuration read from environment variables, with safe embedded defaults."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

# Languages the user interface is translated into; the first is the fallback.
UI_LANGUAGES = ("en", "fr")


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise RuntimeError(f"{name} must be an integer, got {raw!r}") from exc


def database_url(raw: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if raw.startswith(prefix):
            return "postgresql+psycopg://" + raw[len(prefix) :]
    return raw


def instance_secret_key(instance_path: str) -> str:
    """Read the secret key kept in instance/, generating it once with restrictive permissions."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


def from_environment(instance_path: str, generate_secret: bool = True) -> dict[str, Any]:
    """Build the configuration from the environment; nothing secret has a default in code."""
    env = os.environ.get
    base_url = env("BASE_URL", "http://127.0.0.1:5000").rstrip("/")
    https = base_url.startswith("https://")
    mail_server = env("MAIL_SERVER") or None
    return {
        "SECRET_KEY": env("SECRET_KEY") or (instance_secret_key(instance_path) if generate_secret else None),
        "SQLALCHEMY_DATABASE_URI": database_url(
            env("DATABASE_URL") or f"sqlite:///{Path(instance_path) / 'questionnaire.sqlite3'}"
        ),
        "BASE_URL": base_url,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "UPLOAD_DIR": env("UPLOAD_DIR") or str(Path(instance_path) / "uploads"),
        "OUTBOX_DIR": env("OUTBOX_DIR") or str(Path(instance_path) / "outbox"),
        # Cookies: Secure whenever the platform is served over HTTPS.
        "SESSION_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE"), https),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": _bool(env("SESSION_COOKIE_SECURE"), https),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
        "PERMANENT_SESSION_LIFETIME": _int("SESSION_LIFETIME_SECONDS", 12 * 3600),
        # An unchanged session cookie is re-sent (its lifetime restarted) at most this often.
        "SESSION_REFRESH_SECONDS": _int("SESSION_REFRESH_SECONDS", 60),
        # Request limits: uploads may be large, ordinary forms may not.
        "MAX_CONTENT_LENGTH": _int("MAX_CONTENT_LENGTH", 25 * 1024 * 1024),
        "MAX_FORM_MEMORY_SIZE": _int("MAX_FORM_MEMORY_SIZE", 2 * 1024 * 1024),
        "MAX_FORM_PARTS": _int("MAX_FORM_PARTS", 5000),
        "MAX_UPLOAD_BYTES": _int("MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
        "WTF_CSRF_TIME_LIMIT": _int("CSRF_TIME_LIMIT_SECONDS", 8 * 3600),
        # Rate limits: memory by default, Redis (redis://127.0.0.1:6379) in production.
        "RATELIMIT_STORAGE_URI": env("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_ENABLED": _bool(env("RATELIMIT_ENABLED"), True),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": env("LOGIN_RATE_LIMIT", "10 per minute"),
        # Mail: SMTP when MAIL_SERVER is set, otherwise .eml files in the outbox folder.
        "MAIL_SERVER": mail_server or "localhost",
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": env("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": _bool(env("MAIL_USE_TLS"), False),
        "MAIL_USE_SSL": _bool(env("MAIL_USE_SSL"), False),
        "MAIL_DEFAULT_SENDER": env("MAIL_DEFAULT_SENDER", "Joint market dialogue <no-reply@localhost>"),
        "MAIL_BACKEND": "smtp" if mail_server else "questionnaire.services.outbox.EmailBackend",
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),
        "PASSWORD_RESET_MAX_AGE": _int("PASSWORD_RESET_MAX_AGE", 3600),
        "ACCOUNT_ACTIVATION_MAX_AGE": _int("ACCOUNT_ACTIVATION_MAX_AGE", 14 * 24 * 3600),
        "DEFAULT_TIMEZONE": env("DEFAULT_TIMEZONE", "Europe/Brussels"),
        # Quotes printed per question in a dialogue summary PDF (the rest are online and in the export).
        "SUMMARY_QUOTES_PER_QUESTION": _int("SUMMARY_QUOTES_PER_QUESTION", 5),
        "BABEL_DEFAULT_LOCALE": "en",
        "BABEL_DEFAULT_TIMEZONE": env("DEFAULT_TIMEZONE", "Europe/Brussels"),
        "LANGUAGES": UI_LANGUAGES,
        # argon2 cost; tests lower it so thousands of log-ins stay fast.
        "PASSWORD_HASH_TIME_COST": _int("PASSWORD_HASH_TIME_COST", 3),
        "PASSWORD_HASH_MEMORY_COST": _int("PASSWORD_HASH_MEMORY_COST", 65536),
        "FORCE_HTTPS": _bool(env("FORCE_HTTPS"), False),
    }


def settings_for_tests(database_uri: str, instance_path: str) -> dict[str, Any]:
    """Settings for the test suite: fast hashing, no outside services."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": database_url(database_uri),
        "UPLOAD_DIR": str(Path(instance_path) / "uploads"),
        "OUTBOX_DIR": str(Path(instance_path) / "outbox"),
        "PASSWORD_HASH_TIME_COST": 1,
        "PASSWORD_HASH_MEMORY_COST": 64,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": None,
    }
