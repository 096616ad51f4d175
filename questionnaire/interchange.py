"""The questionnaire interchange format `questionnaire/1` (DESIGN.md section 5): check, normalise, write.

`parse_document()` checks a loaded document and returns it normalised: every text as a translation
dict in the order of the questionnaire's languages, every default filled in (required false, weight
1, allow_na false, tags []). A document that breaks the format raises `FormatError` listing every
problem by its path; a translation missing for some language is only a warning (the first language's
text stands in). `to_document()` writes a normalised document back in its shortest form, so that
parse -> to_document -> parse gives the same normalised document.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from questionnaire.errors import DomainError
from questionnaire.question_types import (
    KEY_PATTERN,
    MAX_KEY_LENGTH,
    QUESTION_TYPES,
    SLUG_PATTERN,
    Problem,
    QuestionSpec,
    check_fields,
    check_language_code,
    check_text,
    compact_text,
    index_path,
    is_number,
    join_path,
    normalise_text,
)

FORMAT = "questionnaire/1"
DOCUMENT_REQUIRED = ("format", "title", "languages", "sections")
DOCUMENT_OPTIONAL = ("description", "source")
SECTION_REQUIRED = ("key", "title", "questions")
SECTION_OPTIONAL = ("description", "show_if")
QUESTION_REQUIRED = ("key", "type", "text")
CONFIG_FIELDS = ("options", "scale", "columns", "unit", "min", "max")
QUESTION_OPTIONAL = ("help", "required", *CONFIG_FIELDS, "weight", "allow_na", "show_if", "tags")
MAX_CONDITION_DEPTH = 10
MAX_TAG_LENGTH = 100


class FormatError(DomainError):
    """A questionnaire document was refused; `problems` lists every error by its path."""

    def __init__(self, problems: Sequence[Problem], warnings: Sequence[Problem] = ()) -> None:
        self.problems = list(problems)
        self.warnings = list(warnings)
        super().__init__(self.summary())

    def summary(self) -> str:
        """One line per problem, after a count."""
        lines = [ngettext("The questionnaire file was refused: %(num)d problem.",
                          "The questionnaire file was refused: %(num)d problems.", len(self.problems))]
        lines += [str(problem) for problem in self.problems]
        return "\n".join(lines)


@dataclass
class ParsedDocument:
    """A checked, normalised document and the warnings found on the way."""

    document: dict[str, Any]
    warnings: list[Problem] = field(default_factory=list)


def loads(text: str | bytes) -> ParsedDocument:
    """Parse the JSON text of a document and check it (FormatError when either fails)."""
    try:
        data = json.loads(text, object_pairs_hook=_refuse_duplicate_names, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise FormatError([Problem("", _("not valid JSON: %(error)s (line %(line)d, column %(column)d)",
                                         error=exc.msg, line=exc.lineno, column=exc.colno))]) from None
    except UnicodeDecodeError:
        raise FormatError([Problem("", _("not valid JSON: the file is not UTF-8 text"))]) from None
    except ValueError as exc:
        raise FormatError([Problem("", _("not valid JSON: %(error)s", error=str(exc)))]) from None
    return parse_document(data)


def dumps(document: Mapping[str, Any]) -> str:
    """A document as pretty-printed JSON text (UTF-8, not escaped), ending with a newline."""
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def _refuse_duplicate_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(_("the field '%(name)s' appears twice in one object", name=name))
        result[name] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(_("%(name)s is not a number JSON allows", name=name))


def check_document(data: Any) -> tuple[list[Problem], list[Problem]]:
    """Errors and warnings of a loaded document, without raising."""
    checker = _Checker()
    checker.check(data)
    return checker.errors, checker.warnings


def parse_document(data: Any) -> ParsedDocument:
    """Check a loaded document; return it normalised, or raise FormatError with every problem."""
    errors, warnings = check_document(data)
    if errors:
        raise FormatError(errors, warnings)
    return ParsedDocument(_normalise(data), warnings)


def missing_translations(warnings: Sequence[Problem]) -> dict[str, list[str]]:
    """Paths of the texts lacking a translation, by language (for the designer's list)."""
    result: dict[str, list[str]] = {}
    for warning in warnings:
        if warning.language:
            result.setdefault(warning.language, []).append(warning.path)
    return result


# --- checking ----------------------------------------------------------------------------------


@dataclass
class _Earlier:
    """What a condition needs to know about a question that comes before it."""

    spec: QuestionSpec | None  # None when the question itself is broken: its values are not checked


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.languages: list[str] | None = None
        self.question_paths: dict[str, str] = {}
        self.earlier: dict[str, _Earlier] = {}

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if not p.warning]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.warning]

    def error(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    def check(self, data: Any) -> None:
        if not isinstance(data, dict):
            self.error("", _("the document must be a JSON object"))
            return
        self.problems += check_fields(data, "", required=DOCUMENT_REQUIRED, allowed=DOCUMENT_OPTIONAL)
        if "format" in data and data["format"] != FORMAT:
            self.error("format", _("expected '%(expected)s', found %(found)s", expected=FORMAT,
                                   found=json.dumps(data["format"])))
        self.check_languages(data.get("languages"))
        if "title" in data:
            self.text(data["title"], "title")
        if "description" in data:
            self.text(data["description"], "description")
        if "source" in data and not isinstance(data["source"], str):
            self.error("source", _("must be a string"))
        sections = data.get("sections")
        if "sections" in data and not isinstance(sections, list):
            self.error("sections", _("must be a list of sections"))
            return
        if sections:
            self.collect_question_keys(sections)
            section_paths: dict[str, str] = {}
            for i, section in enumerate(sections):
                self.check_section(section, index_path("sections", i), section_paths)

    def check_languages(self, languages: Any) -> None:
        if languages is None:
            return
        if not isinstance(languages, list):
            self.error("languages", _("must be a list of language codes"))
            return
        if not languages:
            self.error("languages", _("must name at least one language"))
            return
        valid: list[str] = []
        for i, code in enumerate(languages):
            message = check_language_code(code)
            if message:
                self.error(index_path("languages", i), message)
            elif code in valid:
                self.error(index_path("languages", i), _("'%(code)s' is listed twice", code=code))
            else:
                valid.append(code)
        if len(valid) == len(languages):
            self.languages = valid

    def text(self, value: Any, path: str) -> None:
        self.problems += check_text(value, self.languages, path)

    def collect_question_keys(self, sections: list[Any]) -> None:
        """First pass: where each question key first appears, to tell later questions from unknown ones."""
        for i, section in enumerate(sections):
            if not isinstance(section, dict) or not isinstance(section.get("questions"), list):
                continue
            for j, question in enumerate(section["questions"]):
                if isinstance(question, dict) and isinstance(question.get("key"), str):
                    self.question_paths.setdefault(question["key"], f"sections[{i}].questions[{j}]")

    def check_section(self, section: Any, path: str, section_paths: dict[str, str]) -> None:
        if not isinstance(section, dict):
            self.error(path, _("must be an object (a section)"))
            return
        self.problems += check_fields(section, path, required=SECTION_REQUIRED, allowed=SECTION_OPTIONAL)
        if "key" in section:
            key = section["key"]
            if not isinstance(key, str) or not SLUG_PATTERN.fullmatch(key) or len(key) > MAX_KEY_LENGTH:
                self.error(join_path(path, "key"), _(
                    "'%(key)s' is not a valid section key (lower-case letters, digits, '_' and '-')",
                    key=key))
            elif key in section_paths:
                self.error(join_path(path, "key"), _("duplicate section key '%(key)s' (also %(other)s)",
                                                     key=key, other=section_paths[key]))
            else:
                section_paths[key] = path
        if "title" in section:
            self.text(section["title"], join_path(path, "title"))
        if "description" in section:
            self.text(section["description"], join_path(path, "description"))
        if "show_if" in section:
            self.condition(section["show_if"], join_path(path, "show_if"), own_key=None)
        questions = section.get("questions")
        if "questions" in section and not isinstance(questions, list):
            self.error(join_path(path, "questions"), _("must be a list of questions"))
            return
        for j, question in enumerate(questions or []):
            self.check_question(question, index_path(join_path(path, "questions"), j))

    def check_question(self, question: Any, path: str) -> None:
        if not isinstance(question, dict):
            self.error(path, _("must be an object (a question)"))
            return
        self.problems += check_fields(question, path, required=QUESTION_REQUIRED, allowed=QUESTION_OPTIONAL)
        key = question.get("key")
        key_ok = False
        if "key" in question:
            if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key) or len(key) > MAX_KEY_LENGTH:
                self.error(join_path(path, "key"), _(
                    "'%(key)s' is not a valid question key (lower-case letters, digits, '_', '.' and '-', "
                    "starting with a letter or digit)", key=key))
            elif self.question_paths.get(key) != path:
                self.error(join_path(path, "key"), _("duplicate question key '%(key)s' (also %(other)s)",
                                                     key=key, other=self.question_paths[key]))
            else:
                key_ok = True
        qtype = None
        if "type" in question:
            qtype = QUESTION_TYPES.get(question["type"]) if isinstance(question["type"], str) else None
            if qtype is None:
                self.error(join_path(path, "type"), _("unknown question type %(type)s (one of %(types)s)",
                                                      type=json.dumps(question["type"]),
                                                      types=", ".join(QUESTION_TYPES)))
        if "text" in question:
            self.text(question["text"], join_path(path, "text"))
        if "help" in question:
            self.text(question["help"], join_path(path, "help"))
        for flag in ("required", "allow_na"):
            if flag in question and not isinstance(question[flag], bool):
                self.error(join_path(path, flag), _("must be true or false"))
        if "weight" in question:
            weight = question["weight"]
            if not is_number(weight):
                self.error(join_path(path, "weight"), _("must be a number"))
            elif weight < 0:
                self.error(join_path(path, "weight"), _("must not be negative"))
        if "tags" in question:
            self.check_tags(question["tags"], join_path(path, "tags"))
        config_ok = False
        if qtype is not None:
            config = {name: question[name] for name in CONFIG_FIELDS if name in question}
            config_problems = qtype.check_config(config, self.languages, path)
            self.problems += config_problems
            config_ok = not any(not p.warning for p in config_problems)
        if "show_if" in question:
            self.condition(question["show_if"], join_path(path, "show_if"), own_key=key if key_ok else None)
        if key_ok:
            spec = None
            if qtype is not None and config_ok:
                config = {name: question[name] for name in CONFIG_FIELDS if name in question}
                spec = QuestionSpec(key=key, type=qtype.name, text={},
                                    config=qtype.normalise_config(config, self.languages or ["en"]))
            self.earlier[key] = _Earlier(spec)

    def check_tags(self, tags: Any, path: str) -> None:
        if not isinstance(tags, list):
            self.error(path, _("must be a list of strings"))
            return
        seen = set()
        for i, tag in enumerate(tags):
            if not isinstance(tag, str) or not tag.strip():
                self.error(index_path(path, i), _("must be a non-empty string"))
            elif len(tag) > MAX_TAG_LENGTH:
                self.error(index_path(path, i), _("a tag has at most %(num)d characters", num=MAX_TAG_LENGTH))
            elif tag in seen:
                self.error(index_path(path, i), _("duplicate tag '%(tag)s'", tag=tag))
            else:
                seen.add(tag)

    def condition(self, condition: Any, path: str, *, own_key: str | None, depth: int = 0) -> None:
        if depth > MAX_CONDITION_DEPTH:
            self.error(path, _("conditions are nested too deeply"))
            return
        if not isinstance(condition, dict):
            self.error(path, _("must be a condition object"))
            return
        for combinator in ("all", "any"):
            if combinator in condition:
                self.problems += check_fields(condition, path, required=(combinator,), allowed=())
                parts = condition[combinator]
                if not isinstance(parts, list) or not parts:
                    self.error(join_path(path, combinator), _("must be a non-empty list of conditions"))
                    return
                for i, part in enumerate(parts):
                    self.condition(part, index_path(join_path(path, combinator), i), own_key=own_key,
                                   depth=depth + 1)
                return
        if "question" not in condition:
            self.error(path, _("a condition names a 'question', or combines conditions with 'all' or 'any'"))
            return
        self.problems += check_fields(condition, path, required=("question",), allowed=("equals", "in"))
        if ("equals" in condition) == ("in" in condition):
            self.error(path, _("a condition needs either 'equals' or 'in'"))
            return
        key = condition["question"]
        if not isinstance(key, str):
            self.error(join_path(path, "question"), _("must be a question key"))
            return
        if key == own_key:
            self.error(path, _("refers to the question itself"))
            return
        if key not in self.earlier:
            if key in self.question_paths:
                self.error(path, _("refers to a later question '%(key)s'", key=key))
            else:
                self.error(path, _("refers to an unknown question '%(key)s'", key=key))
            return
        spec = self.earlier[key].spec
        qtype = QUESTION_TYPES[spec.type] if spec is not None else None
        if qtype is not None and not qtype.conditionable:
            self.error(path, _("'%(key)s' is a %(type)s question and cannot be used in a condition",
                               key=key, type=qtype.name))
            return
        if "equals" in condition:
            values = [(join_path(path, "equals"), condition["equals"])]
        else:
            listed = condition["in"]
            if not isinstance(listed, list) or not listed:
                self.error(join_path(path, "in"), _("must be a non-empty list of values"))
                return
            values = [(index_path(join_path(path, "in"), i), value) for i, value in enumerate(listed)]
        for vpath, value in values:
            if qtype is None or spec is None:
                if not (isinstance(value, str) or is_number(value)):
                    self.error(vpath, _("a condition value must be a string or a number"))
                continue
            message = qtype.check_condition_value(value, spec)
            if message:
                self.error(vpath, message)


# --- normalising and writing -------------------------------------------------------------------


def _normalise(data: dict[str, Any]) -> dict[str, Any]:
    languages = list(data["languages"])
    document: dict[str, Any] = {"format": FORMAT, "title": normalise_text(data["title"], languages)}
    if "description" in data:
        document["description"] = normalise_text(data["description"], languages)
    if "source" in data:
        document["source"] = data["source"]
    document["languages"] = languages
    document["sections"] = [_normalise_section(section, languages) for section in data["sections"]]
    return document


def _normalise_section(section: dict[str, Any], languages: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {"key": section["key"], "title": normalise_text(section["title"], languages)}
    if "description" in section:
        result["description"] = normalise_text(section["description"], languages)
    if "show_if" in section:
        result["show_if"] = copy.deepcopy(section["show_if"])
    result["questions"] = [normalise_question(q, languages) for q in section["questions"]]
    return result


def normalise_question(question: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
    """A checked question with its texts as translation dicts and its defaults filled in."""
    qtype = QUESTION_TYPES[question["type"]]
    result: dict[str, Any] = {"key": question["key"], "type": question["type"],
                              "text": normalise_text(question["text"], languages)}
    if "help" in question:
        result["help"] = normalise_text(question["help"], languages)
    result["required"] = question.get("required", False)
    config = {name: question[name] for name in CONFIG_FIELDS if name in question}
    result.update(qtype.normalise_config(config, languages))
    result["weight"] = question.get("weight", 1)
    result["allow_na"] = question.get("allow_na", False)
    if "show_if" in question:
        result["show_if"] = copy.deepcopy(question["show_if"])
    result["tags"] = list(question.get("tags", []))
    return result


def question_config(question: Mapping[str, Any]) -> dict[str, Any]:
    """The config part (options, scale, columns, unit, min, max) of a normalised question."""
    return {name: question[name] for name in CONFIG_FIELDS if name in question}


def to_document(document: Mapping[str, Any]) -> dict[str, Any]:
    """A normalised document in its shortest form: plain strings for untranslated texts, no defaults."""
    languages = list(document["languages"])
    result: dict[str, Any] = {"format": FORMAT, "title": compact_text(document["title"], languages)}
    if document.get("description"):
        result["description"] = compact_text(document["description"], languages)
    if document.get("source") is not None:
        result["source"] = document["source"]
    result["languages"] = languages
    result["sections"] = []
    for section in document["sections"]:
        out: dict[str, Any] = {"key": section["key"], "title": compact_text(section["title"], languages)}
        if section.get("description"):
            out["description"] = compact_text(section["description"], languages)
        if section.get("show_if"):
            out["show_if"] = copy.deepcopy(section["show_if"])
        out["questions"] = [_question_to_document(q, languages) for q in section["questions"]]
        result["sections"].append(out)
    return result


def _question_to_document(question: Mapping[str, Any], languages: list[str]) -> dict[str, Any]:
    qtype = QUESTION_TYPES[question["type"]]
    out: dict[str, Any] = {"key": question["key"], "type": question["type"],
                           "text": compact_text(question["text"], languages)}
    if question.get("help"):
        out["help"] = compact_text(question["help"], languages)
    out["required"] = bool(question.get("required", False))
    out.update(qtype.export_config(question_config(question), languages))
    weight = question.get("weight", 1)
    if weight != 1:
        out["weight"] = int(weight) if float(weight).is_integer() else weight
    if question.get("allow_na"):
        out["allow_na"] = True
    if question.get("show_if"):
        out["show_if"] = copy.deepcopy(question["show_if"])
    if question.get("tags"):
        out["tags"] = list(question["tags"])
    return out
