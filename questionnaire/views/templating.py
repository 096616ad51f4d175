"""Template globals and filters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pycountry
from flask import Flask, has_request_context, request
from flask_babel import format_datetime, get_locale
from flask_wtf.csrf import generate_csrf

from questionnaire import permissions


def country_name(code: str | None) -> str:
    """The English short name of an ISO country code (translated where a catalogue exists)."""
    if not code:
        return ""
    country = pycountry.countries.get(alpha_2=code)
    if country is None:
        return code
    import gettext

    try:
        translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[str(get_locale())])
        return translation.gettext(country.name)
    except OSError:
        return country.name


def local_datetime(value: datetime | None, fmt: str = "medium") -> str:
    """A UTC datetime shown in the viewer's time zone and language."""
    if value is None:
        return ""
    return format_datetime(value, fmt)


def register_template_helpers(app: Flask) -> None:
    """Make permissions, the language switcher and formatting helpers available to templates."""
    from forms.account import LanguageForm

    app.jinja_env.filters["datetime"] = local_datetime
    app.jinja_env.filters["country"] = country_name
    app.jinja_env.globals["can"] = permissions

    @app.context_processor
    def inject() -> dict[str, Any]:
        locale = str(get_locale() or "en")
        if not has_request_context():
            # E-mails rendered by commands (reminders, cron) have no page around them.
            return {"current_language": locale}
        return {
            "current_language": locale,
            "language_form": LanguageForm(formdata=None, lang=locale),
            "current_path": request.full_path.rstrip("?"),
            "csrf_token": generate_csrf,
        }
