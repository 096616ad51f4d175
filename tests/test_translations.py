"""The French catalogue is complete and safe to format, and French readers get French pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parent.parent / "questionnaire" / "translations"
CATALOGUES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"))

# %(name)s, %d, {0} - but not the escaped percent sign %%.
PLACEHOLDER = re.compile(r"%%|%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|%[-#0 +]*\d*(?:\.\d+)?[a-zA-Z]|\{[^{}\s]*\}")


def _load(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _messages(path: Path) -> list[Message]:
    return [message for message in _load(path) if message.id]


def _forms(value: str | tuple[str, ...] | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _placeholders(text: str) -> list[str]:
    return sorted(found for found in PLACEHOLDER.findall(text) if found != "%%")


def _label(message: Message) -> str:
    return repr(message.id if isinstance(message.id, str) else message.id[0])


def test_there_is_a_french_catalogue():
    assert TRANSLATIONS / "fr" / "LC_MESSAGES" / "messages.po" in CATALOGUES


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_every_message_is_translated_and_none_is_fuzzy(path):
    untranslated = [_label(m) for m in _messages(path) if not all(form.strip() for form in _forms(m.string))]
    fuzzy = [_label(m) for m in _messages(path) if m.fuzzy]
    assert not untranslated, f"untranslated in {path}: {untranslated}"
    assert not fuzzy, f"fuzzy in {path}: {fuzzy}"


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_every_placeholder_survives_translation(path):
    wrong = []
    for message in _messages(path):
        expected = sorted(set().union(*(_placeholders(text) for text in _forms(message.id))))
        for form in _forms(message.string):
            if sorted(set(_placeholders(form))) != expected:
                wrong.append(f"{_label(message)} -> {form!r}")
    assert not wrong, "placeholders differ:\n" + "\n".join(wrong)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_translations_keep_the_spaces_and_line_breaks_at_their_edges(path):
    wrong = []
    for message in _messages(path):
        source = _forms(message.id)[0]
        for form in _forms(message.string):
            if (source[:1].isspace(), source[-1:].isspace()) != (form[:1].isspace(), form[-1:].isspace()):
                wrong.append(f"{_label(message)} -> {form!r}")
    assert not wrong, "edges differ:\n" + "\n".join(wrong)


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parent.parent.name)
def test_babel_finds_no_format_error_in_the_catalogue(path):
    problems = [f"{_label(message)}: {errors}" for message, errors in _load(path).check()]
    assert not problems, "\n".join(problems)


def test_log_in_page_is_french_for_a_french_browser(client):
    page = client.get("/login", headers={"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"})
    assert page.status_code == 200
    assert '<html lang="fr">' in page.text
    assert "Se connecter" in page.text
    assert "Mot de passe oublié" in page.text
    assert "Log in" not in page.text


def test_log_in_page_stays_english_for_an_english_browser(client):
    page = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in page.text
    assert "Log in" in page.text
    assert "Se connecter" not in page.text
