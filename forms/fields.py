"""Field helpers shared by several forms."""

from __future__ import annotations

from functools import lru_cache

import pycountry
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice
from wtforms.validators import Length

MIN_PASSWORD_LENGTH = 10

password_length = Length(
    min=MIN_PASSWORD_LENGTH, max=256,
    message=_l("Choose a password of at least %(min)d characters.", min=MIN_PASSWORD_LENGTH),
)


def country_choices() -> list[SelectChoice]:
    """ISO 3166 countries, named in the user's language, sorted by name."""
    import gettext

    locale = str(get_locale() or "en")
    try:
        translation = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=[locale])
        translate = translation.gettext
    except OSError:
        def translate(name: str) -> str:
            return name
    choices = [SelectChoice(c.alpha_2, translate(c.name)) for c in pycountry.countries]
    return sorted(choices, key=lambda choice: choice.label)


def timezone_choices() -> list[SelectChoice]:
    """IANA time zones by region, e.g. Europe/Brussels."""
    import zoneinfo

    regions = ("Africa/", "America/", "Asia/", "Atlantic/", "Australia/", "Europe/", "Indian/", "Pacific/")
    names = sorted(name for name in zoneinfo.available_timezones() if name.startswith(regions))
    return [SelectChoice(name, name.replace("_", " ")) for name in names]


def language_choices() -> list[SelectChoice]:
    """The interface languages, each named in its own language."""
    from flask import current_app

    return list(_language_choices(tuple(current_app.config["LANGUAGES"])))


@lru_cache(maxsize=8)
def _language_choices(codes: tuple[str, ...]) -> tuple[SelectChoice, ...]:
    # The language switcher is on every page; the names never change while the process runs.
    from babel import Locale

    return tuple(SelectChoice(code, Locale.parse(code).get_display_name(code).capitalize()) for code in codes)
