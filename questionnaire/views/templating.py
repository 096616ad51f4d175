"""Template globals and filters."""

from __future__ import annotations

from datetime import UTC, datetime, tzinfo
from functools import lru_cache
from typing import Any

import pycountry
from babel import Locale, dates
from flask import Flask, has_request_context, request
from flask_babel import format_datetime, get_locale, get_timezone, get_translations
from flask_wtf.csrf import generate_csrf
from jinja2 import pass_context
from jinja2.runtime import Context
from markupsafe import Markup, escape

from questionnaire import permissions, widgets


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
    """A UTC datetime shown in the viewer's time zone and language.

    "medium" and "long" are that date with the short time: deadlines and events read in minutes,
    not seconds (CLDR's medium and long times have them). "long", used in e-mails and on answering
    pages, names the time zone too (GMT+01:00): the reader may be elsewhere. "short" is Babel's.
    """
    if value is None:
        return ""
    if fmt not in ("medium", "long"):
        return format_datetime(value, fmt)
    return _local_datetime(value, fmt, get_locale() or Locale.parse("en"), get_timezone() or UTC)


@lru_cache(maxsize=1024)
def _local_datetime(value: datetime, fmt: str, locale: Locale, zone: tzinfo) -> str:
    # Babel's formatting costs a fiftieth of a section page for its one deadline, the same on every
    # page of the round: the text is kept per value, language and time zone.
    local = (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(zone)
    if hasattr(zone, "normalize"):  # pytz zones (Flask-Babel's) settle the offset after conversion
        local = zone.normalize(local)
    # As babel.dates.format_datetime joins a date and a time: the locale's pattern, quotes removed.
    time = dates.format_time(local, "short", locale=locale)
    if fmt == "long":
        time = f"{time} {dates.format_time(local, 'ZZZZ', locale=locale)}"
    return (dates.get_datetime_format(fmt, locale=locale).replace("'", "")
            .replace("{0}", time).replace("{1}", dates.format_date(local, fmt, locale=locale)))


def help_and_errors(field: Any) -> tuple[str, str, str]:
    """A field's help and error paragraphs (escaped markup) and the ids that describe it (aria-describedby)."""
    help_id, error_id = f"{field.id}-help", f"{field.id}-error"
    described = " ".join(([help_id] if field.description else []) + ([error_id] if field.errors else []))
    # f-strings with escaped strings, not Markup.format: string.Formatter was a tenth of a section page.
    help_text = (f'<p class="help" id="{widgets.text(help_id)}">{widgets.text(field.description)}</p>\n'
                 if field.description else "")
    error_text = (f'<p class="field-error" id="{widgets.text(error_id)}">{escape(Markup(" ").join(field.errors))}</p>\n'
                  if field.errors else "")
    return help_text, error_text, described


def render_field(field: Any, show_label: bool = True, class_: str = "", **kwargs: Any) -> Markup:
    """One field with its label, help and errors, tied to it for screen readers (every form uses it).

    Python rather than a Jinja macro: section pages render dozens of fields, and a macro call with
    its keyword handling cost several times the markup it writes.
    """
    help_text, error_text, described = help_and_errors(field)
    attrs = dict(kwargs)
    if described:
        attrs["aria-describedby"] = described
    if field.errors:
        attrs["aria-invalid"] = "true"
    if field.flags.required:
        attrs["required"] = True
    if field.type in ("HiddenField", "CSRFTokenField"):
        return field(**attrs)
    if field.type == "SubmitField":
        return field(class_=f"button {class_}", **attrs)
    classes = f"{widgets.text(class_)}{' has-error' if field.errors else ''}"
    if field.type == "BooleanField":
        return Markup(  # noqa: S704 - every value is escaped or already markup
            f'<div class="field field-checkbox {classes}">\n{field(**attrs)} {widgets.label(field)}\n'
            f'{help_text}{error_text}</div>')
    label = widgets.label(field) if show_label else ""
    return Markup(  # noqa: S704 - every value is escaped or already markup
        f'<div class="field {classes}">\n{label}\n{help_text}{error_text}{field(**attrs)}\n</div>')


# Templates look their messages up in the catalogue the render started with (a context variable set
# by the context processor, so force_locale around an e-mail still applies). Flask-Babel's own
# callables find the request's catalogue anew for each of a page's 50-odd messages. Macros imported
# without context fall back to Flask-Babel's lookup.
def _catalogue(context: Context) -> Any:
    catalogue = context.get("_catalogue")
    return catalogue if catalogue is not None else get_translations()


def _format(context: Context, message: str, variables: dict[str, Any]) -> str:
    """A message as Jinja's newstyle gettext formats it (always %-formatted, escaped when autoescaping).

    Same result as `Markup(message) % variables`, which costs 10-20 us a message even without
    variables: a page has 50-odd messages, most without a `%`, the rest mostly with numbers.
    """
    if not context.eval_ctx.autoescape:
        return message % variables
    if not variables and "%" not in message:
        return Markup(message)  # noqa: S704 - a message of our own catalogue
    if all(type(value) in _NUMBERS for value in variables.values()):
        # Numbers need no escaping, so plain formatting gives what Markup's would.
        return Markup(message % variables)  # noqa: S704 - our message, numbers only
    return Markup(message) % variables  # noqa: S704 - Markup escapes each variable


_NUMBERS = frozenset({int, float})


@pass_context
def _gettext(context: Context, string: str, /, **variables: Any) -> str:
    return _format(context, _catalogue(context).ugettext(string), variables)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, num: int, /, **variables: Any) -> str:
    variables.setdefault("num", num)
    return _format(context, _catalogue(context).ungettext(singular, plural, num), variables)


@pass_context
def _pgettext(context: Context, message_context: str, string: str, /, **variables: Any) -> str:
    variables.setdefault("context", message_context)
    return _format(context, _catalogue(context).upgettext(message_context, string), variables)


@pass_context
def _npgettext(context: Context, message_context: str, singular: str, plural: str, num: int, /,
               **variables: Any) -> str:
    variables.setdefault("context", message_context)
    variables.setdefault("num", num)
    return _format(context, _catalogue(context).unpgettext(message_context, singular, plural, num), variables)


# Links a page writes again and again (the header's, the style sheets'), per script root.
URL_CACHE_SIZE = 4096


def _cached_url_for(app: Flask) -> Any:
    """Templates' url_for, remembering the relative URLs it built (a page builds a dozen, each a fortieth of it).

    A relative URL depends only on the endpoint, its values and where the app is mounted, so those are
    the key; anything else (`_external`, `_anchor`, a blueprint-relative ".endpoint", a value that is
    not hashable) is built by Flask every time.
    """
    built: dict[tuple[Any, ...], str] = {}
    url_for = app.url_for

    def cached(endpoint: str, **values: Any) -> str:
        if endpoint.startswith(".") or any(name.startswith("_") for name in values) or not has_request_context():
            return url_for(endpoint, **values)
        try:
            key = (request.script_root, endpoint, *sorted(values.items()))
            found = built.get(key)
        except TypeError:  # a value that cannot be a key
            return url_for(endpoint, **values)
        if found is None:
            if len(built) >= URL_CACHE_SIZE:
                built.clear()
            found = built[key] = url_for(endpoint, **values)
        return found

    return cached


def register_template_helpers(app: Flask) -> None:
    """Make permissions, the language switcher and formatting helpers available to templates."""
    from forms.fields import language_choices

    app.jinja_env.filters["datetime"] = local_datetime
    app.jinja_env.filters["country"] = country_name
    app.jinja_env.globals["can"] = permissions
    app.jinja_env.globals["render_field"] = render_field
    app.jinja_env.globals["url_for"] = _cached_url_for(app)
    # Jinja's i18n extension would wrap these in its own newstyle formatting (Markup % variables on
    # every message); ours format the same way, faster. `_` is bound directly, not through the
    # extension's alias that looks `gettext` up again on every call.
    app.jinja_env.newstyle_gettext = True  # type: ignore[attr-defined]  # read by the i18n extension
    app.jinja_env.globals.update(gettext=_gettext, _=_gettext, ngettext=_ngettext, pgettext=_pgettext,
                                 npgettext=_npgettext)

    @app.context_processor
    def inject() -> dict[str, Any]:
        locale = str(get_locale() or "en")
        if not has_request_context():
            # E-mails rendered by commands (reminders, cron) have no page around them.
            return {"current_language": locale, "_catalogue": get_translations()}
        return {
            "current_language": locale,
            "_catalogue": get_translations(),
            "language_choices": language_choices(),
            "current_path": request.full_path.rstrip("?"),
            "csrf_token": generate_csrf,
        }
