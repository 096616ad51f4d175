"""The question types: one class per type, registered by name (DESIGN.md section 4).

Each type knows, for itself: how to check its config, build its form fields, turn form data into a
stored value and back, say when a value counts as answered, score and summarise values, and display
or export one value. Adding a type is one class here and its tests; nothing else changes.

"Not applicable" works the same for every type and is handled once, in `QuestionType`: a question
with `allow_na` gets two extra form fields (`q_<key>-na`, a checkbox, and `q_<key>-na-justification`)
and an N/A answer is stored as the value ``{"na": true, "justification": "..."}``. No type stores a
JSON object as its own value, so an N/A answer can never be mistaken for a real one. Use `is_na()`.

The public hooks (`check_config`, `form_fields`, `from_form`, `to_form`, `validate`, `is_answered`,
`score`, `summarise`, `display`, `export`) deal with N/A and then call the type's own `_hook`.
`validate` checks a value's own validity, never whether a required question is answered: that depends
on visibility (`visible_parts`) and on whether the supplier is saving a draft or submitting.
"""

from __future__ import annotations

import math
import re
import statistics
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar, Protocol
from urllib.parse import urlsplit

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.numbers import format_decimal, format_percent
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import Form, SelectChoice
from wtforms.fields import (
    BooleanField,
    DateField,
    DecimalField,
    Field,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import StopValidation, ValidationError

from questionnaire.widgets import (
    CHECKBOX_INPUT,
    CHECKBOX_LIST,
    DATE_INPUT,
    FILES_INPUT,
    NUMBER_INPUT,
    RADIO_LIST,
    SELECT,
    SELECT_MULTIPLE,
    TEXT_AREA,
    TEXT_INPUT,
    URL_INPUT,
)

# A translated text: language code -> text, the questionnaire's first language first.
Text = dict[str, str]

KEY_PATTERN = re.compile(r"[a-z0-9][a-z0-9_.-]*")
SLUG_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]*")
LANGUAGE_PATTERN = re.compile(r"[a-z]{2,3}(?:[_-][A-Za-z0-9]{2,8})?")
MAX_KEY_LENGTH = 100
# Radio buttons read well up to a dozen options; past that a drop-down is easier to use.
MAX_RADIO_OPTIONS = 12
MAX_CHECKBOX_OPTIONS = 40
MAX_SCALE_POINTS = 101
MAX_TEXT_LENGTH = 1000
MAX_LONG_TEXT_LENGTH = 20000
MAX_URL_LENGTH = 2000
MAX_TABLE_ROWS = 2000
DEFAULT_TABLE_ROWS = 3


@dataclass(frozen=True)
class Problem:
    """One problem found in a questionnaire document, at a path such as `sections[1].questions[3]`."""

    path: str
    message: str
    warning: bool = False
    # For a missing translation: the language it is missing in.
    language: str | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class QuestionLike(Protocol):
    """What the hooks read from a question: the Question model and `QuestionSpec` both fit."""

    key: str
    type: str
    text: Text
    help: Text | None
    required: bool
    allow_na: bool
    config: dict[str, Any]


@dataclass
class QuestionSpec:
    """A question outside the database: table columns, previews and tests."""

    key: str
    type: str
    text: Text
    config: dict[str, Any] = field(default_factory=dict)
    help: Text | None = None
    required: bool = False
    allow_na: bool = False
    show_if: dict[str, Any] | None = None


# --- paths and JSON shapes ---------------------------------------------------------------------


def join_path(path: str, name: str) -> str:
    """`sections[0]` + `title` -> `sections[0].title`."""
    return f"{path}.{name}" if path else name


def index_path(path: str, index: int) -> str:
    """`sections` + 2 -> `sections[2]`."""
    return f"{path}[{index}]"


def is_number(value: Any) -> bool:
    """A JSON number: int or finite float, never a bool."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return True
    return isinstance(value, float) and math.isfinite(value)


def is_integer(value: Any) -> bool:
    """A JSON integer (1.0 is not one: scales are written with whole numbers)."""
    return isinstance(value, int) and not isinstance(value, bool)


def same_value(a: Any, b: Any) -> bool:
    """Equality that keeps True apart from 1 (JSON booleans are not numbers)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    return bool(a == b)


def check_fields(
    obj: Mapping[str, Any], path: str, *, required: Iterable[str], allowed: Iterable[str]
) -> list[Problem]:
    """Missing required fields and unknown fields of one JSON object."""
    allowed_set = set(allowed) | set(required)
    problems = [Problem(path, _("missing required field '%(name)s'", name=name)) for name in required
                if name not in obj]
    problems += [Problem(join_path(path, str(name)), _("unknown field '%(name)s'", name=name))
                 for name in obj if name not in allowed_set]
    return problems


# --- translated texts --------------------------------------------------------------------------


def check_language_code(code: Any) -> str | None:
    """An error message for a bad language code, or None when Babel knows the language."""
    if not isinstance(code, str) or not LANGUAGE_PATTERN.fullmatch(code):
        return _("'%(code)s' is not a language code such as 'en' or 'fr'", code=code)
    try:
        Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return _("'%(code)s' is not a known language", code=code)
    return None


def check_text(value: Any, languages: Sequence[str] | None, path: str) -> list[Problem]:
    """Errors and missing-translation warnings of one TEXT (a string, or an object of translations).

    `languages` None means the document's languages are themselves broken: only shapes are checked.
    """
    first = languages[0] if languages else None
    if isinstance(value, str):
        if not value.strip():
            return [Problem(path, _("must not be empty"))]
        present: set[str] = {first} if first else set()
    elif isinstance(value, dict):
        if not value:
            return [Problem(path, _("must contain at least one translation"))]
        problems = []
        for lang, text in value.items():
            if languages is not None and lang not in languages:
                problems.append(Problem(join_path(path, lang), _(
                    "a translation in '%(lang)s', a language the questionnaire does not declare", lang=lang)))
            elif not isinstance(text, str):
                problems.append(Problem(join_path(path, lang), _("must be a string")))
            elif not text.strip():
                problems.append(Problem(join_path(path, lang), _("must not be empty")))
        if problems:
            return problems
        if first and first not in value:
            return [Problem(path, _("no text in '%(lang)s', the first language", lang=first))]
        present = set(value)
    else:
        return [Problem(path, _("must be a string or an object of translations"))]
    return [
        Problem(path, _("missing the '%(lang)s' translation", lang=lang), warning=True, language=lang)
        for lang in (languages or [])[1:]
        if lang not in present
    ]


def normalise_text(value: str | Mapping[str, str], languages: Sequence[str]) -> Text:
    """A checked TEXT as a translation dict in the order of the questionnaire's languages."""
    if isinstance(value, str):
        return {languages[0]: value}
    return {lang: value[lang] for lang in languages if lang in value}


def compact_text(text: Mapping[str, str], languages: Sequence[str]) -> str | Text:
    """The shortest TEXT for export: a plain string when only the first language is there."""
    if list(text) == [languages[0]]:
        return text[languages[0]]
    return dict(text)


def translate(text: Mapping[str, str] | None, language: str | None) -> str:
    """The text in `language`, else in the first language (normalised texts list it first)."""
    if not text:
        return ""
    if language and text.get(language):
        return text[language]
    return next(iter(text.values()))


def _locale_for(language: str | None) -> Locale:
    try:
        return Locale.parse((language or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return Locale.parse("en")


def _current_language() -> str | None:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None else None


# --- N/A ---------------------------------------------------------------------------------------


def is_na(value: Any) -> bool:
    """True for a stored "not applicable" answer."""
    return isinstance(value, dict) and value.get("na") is True


def na_value(justification: str) -> dict[str, Any]:
    """The stored form of a "not applicable" answer."""
    return {"na": True, "justification": justification}


def field_name(question: QuestionLike) -> str:
    """The form field name of a question's answer: `q_<key>`."""
    return f"q_{question.key}"


def na_field_name(question: QuestionLike) -> str:
    """The "not applicable" checkbox of a question."""
    return f"q_{question.key}-na"


def na_justification_field_name(question: QuestionLike) -> str:
    """The justification text of a "not applicable" answer."""
    return f"q_{question.key}-na-justification"


# --- form fields -------------------------------------------------------------------------------


class LocaleDecimalField(DecimalField):
    """A decimal field that also accepts a decimal comma and spaces between thousands."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist and isinstance(valuelist[0], str):
            valuelist = [valuelist[0].strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")]
        super().process_formdata(valuelist)


class ValueCheck:
    """Field validator running the type's `validate` on the field's value, unless N/A is ticked."""

    def __init__(self, convert: Callable[[Any], Any], check: Callable[[Any], list[str]],
                 na_name: str | None = None) -> None:
        self.convert = convert
        self.check = check
        self.na_name = na_name

    def __call__(self, form: Form, field: Field) -> None:
        na_field = form._fields.get(self.na_name) if self.na_name is not None else None
        blank = not field.raw_data or all(isinstance(raw, str) and not raw.strip() for raw in field.raw_data)
        if (na_field is not None and na_field.data) or (blank and self.convert(field.data) is None):
            # Nothing to check: N/A is ticked, or the field was left blank (the required check is elsewhere).
            field.errors[:] = []
            raise StopValidation()
        if field.process_errors:
            return
        messages = self.check(self.convert(field.data))
        if messages:
            raise ValidationError(messages[0])


class NAJustificationCheck:
    """Validator of the justification: needed when the N/A box is ticked."""

    def __init__(self, na_name: str) -> None:
        self.na_name = na_name

    def __call__(self, form: Form, field: Field) -> None:
        na_field = form._fields.get(self.na_name)
        if na_field is not None and na_field.data and not (field.data or "").strip():
            raise ValidationError(_("Please say why this question does not apply."))


# --- summaries ---------------------------------------------------------------------------------


def number_summary(values: Sequence[float]) -> dict[str, Any]:
    """n, min, median, mean and max of some numbers (None when there are none)."""
    if not values:
        return {"n": 0, "min": None, "median": None, "mean": None, "max": None}
    return {
        "n": len(values),
        "min": min(values),
        "median": statistics.median(values),
        "mean": statistics.fmean(values),
        "max": max(values),
    }


def _shares(counts: Mapping[Any, int], total: int) -> dict[Any, float | None]:
    return {key: (count / total if total else None) for key, count in counts.items()}


def _plain_number(value: Decimal | float | int) -> int | float:
    """A JSON-friendly number: whole numbers as int."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


# --- conditions and visibility -----------------------------------------------------------------


def condition_holds(condition: Mapping[str, Any], answers_by_key: Mapping[str, Any]) -> bool:
    """Whether a show_if condition holds for some answers (stored values by question key).

    On a list value (multiple choice) `equals` means "among those selected" and `in` "any of them".
    A missing or N/A answer satisfies no condition.
    """
    if "all" in condition:
        return all(condition_holds(part, answers_by_key) for part in condition["all"])
    if "any" in condition:
        return any(condition_holds(part, answers_by_key) for part in condition["any"])
    value = answers_by_key.get(condition["question"])
    if value is None or is_na(value):
        return False
    wanted = [condition["equals"]] if "equals" in condition else list(condition["in"])
    if isinstance(value, list):
        return any(same_value(w, v) for w in wanted for v in value)
    return any(same_value(w, value) for w in wanted)


def condition_keys(condition: Mapping[str, Any] | None) -> set[str]:
    """The question keys a condition refers to."""
    if not condition:
        return set()
    if "all" in condition or "any" in condition:
        parts = condition.get("all", condition.get("any")) or []
        return set().union(*(condition_keys(part) for part in parts)) if parts else set()
    return {condition["question"]}


def _get(obj: Any, name: str) -> Any:
    # Plain dicts first: the Mapping ABC check is most of the cost when visibility is worked out for
    # every supplier of a large round (bench/results/profile.md).
    if type(obj) is dict:
        return obj.get(name)
    return obj.get(name) if isinstance(obj, Mapping) else getattr(obj, name)


@dataclass(frozen=True)
class Visibility:
    """The sections and questions shown for a set of answers."""

    sections: frozenset[str]
    questions: frozenset[str]

    def shows(self, question_key: str) -> bool:
        """Whether the question is shown."""
        return question_key in self.questions


def visible_parts(sections: Iterable[Any], answers_by_key: Mapping[str, Any]) -> Visibility:
    """The visible sections and questions, walking the questionnaire in order.

    `sections` are Section models or normalised document sections (anything with key, show_if and
    questions). The answer of a hidden question is ignored, so whatever depends on it is hidden too.
    """
    effective: dict[str, Any] = {}
    shown_sections: set[str] = set()
    shown_questions: set[str] = set()
    for section in sections:
        show_if = _get(section, "show_if")
        if show_if and not condition_holds(show_if, effective):
            continue
        shown_sections.add(_get(section, "key"))
        for question in _get(section, "questions"):
            q_show_if = _get(question, "show_if")
            if q_show_if and not condition_holds(q_show_if, effective):
                continue
            key = _get(question, "key")
            shown_questions.add(key)
            if key in answers_by_key:
                effective[key] = answers_by_key[key]
    return Visibility(frozenset(shown_sections), frozenset(shown_questions))


# --- the base class ----------------------------------------------------------------------------


class QuestionType(ABC):
    """One question type. Subclasses implement every `_hook`; the public hooks add N/A handling."""

    name: ClassVar[str]
    label: ClassVar[Any]
    # Question fields of the document that make up this type's config.
    config_fields: ClassVar[frozenset[str]] = frozenset()
    required_config: ClassVar[frozenset[str]] = frozenset()
    # May be a table column; may be named by a show_if condition.
    column_type: ClassVar[bool] = False
    conditionable: ClassVar[bool] = True

    # --- config ---

    def check_config(self, config: Mapping[str, Any], languages: Sequence[str] | None,
                     path: str) -> list[Problem]:
        """Problems of a question's config (errors and missing-translation warnings), with paths."""
        problems = [
            Problem(join_path(path, name),
                    _("a %(type)s question takes no '%(name)s'", type=self.name, name=name))
            for name in config if name not in self.config_fields
        ]
        problems += [
            Problem(path, _("a %(type)s question needs '%(name)s'", type=self.name, name=name))
            for name in sorted(self.required_config) if name not in config
        ]
        if problems:
            return problems
        return self._check_config(config, languages, path)

    def normalise_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        """A checked config with its texts as translation dicts."""
        return self._normalise_config(config, languages)

    def export_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        """The config as document fields, with texts as short as they can be."""
        return self._export_config(config, languages)

    def condition_values(self, question: QuestionLike) -> list[Any] | None:
        """The values a show_if condition may name, or None when any plain value will do."""
        return None

    def check_condition_value(self, value: Any, question: QuestionLike) -> str | None:
        """An error message when a condition names a value this question can never have."""
        allowed = self.condition_values(question)
        if allowed is None:
            if isinstance(value, str):
                return None
            return _("a condition on '%(key)s' needs a text value", key=question.key)
        if any(same_value(value, a) for a in allowed):
            return None
        return _("%(value)s is not a possible answer of '%(key)s' (%(allowed)s)", value=_repr(value),
                 key=question.key, allowed=", ".join(_repr(a) for a in allowed))

    # --- forms ---

    def form_fields(self, question: QuestionLike, language: str | None, *,
                    rows: int | None = None) -> dict[str, Any]:
        """Unbound WTForms fields for the answer form, by field name (`q_<key>`, ...).

        `rows` is the number of rows a table offers; other types ignore it. Labels are translated
        now, into the user's language: built form classes are reused per language.
        """
        fields = self._form_fields(question, language, rows=rows)
        if question.allow_na:
            na_name = na_field_name(question)
            fields[na_name] = BooleanField(_("Not applicable"), widget=CHECKBOX_INPUT)
            fields[na_justification_field_name(question)] = TextAreaField(
                _("Why does this question not apply?"),
                validators=[NAJustificationCheck(na_name)], widget=TEXT_AREA,
            )
        return fields

    def from_form(self, data: Mapping[str, Any], question: QuestionLike) -> Any:
        """The stored value from the answer form's data (`form.data`); None when left blank."""
        if question.allow_na and data.get(na_field_name(question)):
            return na_value((data.get(na_justification_field_name(question)) or "").strip())
        return self._from_form(data, question)

    def to_form(self, value: Any, question: QuestionLike) -> dict[str, Any]:
        """Form data (by field name) showing a stored value, for `Form(data=...)`."""
        if is_na(value):
            return {na_field_name(question): True,
                    na_justification_field_name(question): value.get("justification", "")}
        if value is None:
            return {}
        return self._to_form(value, question)

    # --- values ---

    def validate(self, value: Any, question: QuestionLike) -> list[str]:
        """Why a stored value is not acceptable for the question (empty when it is, or when blank)."""
        if value is None:
            return []
        if is_na(value):
            if not question.allow_na:
                return [_("This question cannot be marked not applicable.")]
            justification = value.get("justification")
            if not isinstance(justification, str) or not justification.strip():
                return [_("Please say why this question does not apply.")]
            return []
        if isinstance(value, dict):
            return [_("This answer has an unexpected form.")]
        return self._validate(value, question)

    def is_answered(self, value: Any) -> bool:
        """Whether the value counts as an answer (an N/A answer does)."""
        if value is None:
            return False
        if is_na(value):
            return True
        return self._is_answered(value)

    def score(self, value: Any, question: QuestionLike) -> float | None:
        """The value's score (option scores, scale position 0..1); None when it has none."""
        if value is None or is_na(value) or not self._is_answered(value):
            return None
        return self._score(value, question)

    def summarise(self, values: Iterable[Any], question: QuestionLike) -> dict[str, Any]:
        """Summary of many answers: `answered` and `not_applicable` counts plus the type's own keys."""
        answered = []
        not_applicable = 0
        for value in values:
            if is_na(value):
                not_applicable += 1
            elif value is not None and self._is_answered(value):
                answered.append(value)
        return {"answered": len(answered), "not_applicable": not_applicable,
                **self._summarise(answered, question)}

    def display(self, value: Any, question: QuestionLike, language: str | None) -> str:
        """The value as a reader sees it, in a language."""
        with force_locale(language) if language else nullcontext():
            if value is None:
                return ""
            if is_na(value):
                justification = value.get("justification") or ""
                if justification:
                    return _("Not applicable: %(why)s", why=justification)
                return _("Not applicable")
            return self._display(value, question, language)

    def export(self, value: Any, question: QuestionLike) -> str | list[dict[str, str]]:
        """The value for a spreadsheet: stored codes, not labels; a table gives one dict per row."""
        if value is None:
            return ""
        if is_na(value):
            justification = value.get("justification") or ""
            return f"n/a: {justification}" if justification else "n/a"
        return self._export(value, question)

    # --- what each type implements ---

    @abstractmethod
    def _check_config(self, config: Mapping[str, Any], languages: Sequence[str] | None,
                      path: str) -> list[Problem]: ...

    @abstractmethod
    def _normalise_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]: ...

    @abstractmethod
    def _export_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]: ...

    @abstractmethod
    def _form_fields(self, question: QuestionLike, language: str | None, *,
                     rows: int | None) -> dict[str, Any]: ...

    @abstractmethod
    def _from_form(self, data: Mapping[str, Any], question: QuestionLike) -> Any: ...

    @abstractmethod
    def _to_form(self, value: Any, question: QuestionLike) -> dict[str, Any]: ...

    @abstractmethod
    def _validate(self, value: Any, question: QuestionLike) -> list[str]: ...

    @abstractmethod
    def _is_answered(self, value: Any) -> bool: ...

    @abstractmethod
    def _score(self, value: Any, question: QuestionLike) -> float | None: ...

    @abstractmethod
    def _summarise(self, values: list[Any], question: QuestionLike) -> dict[str, Any]: ...

    @abstractmethod
    def _display(self, value: Any, question: QuestionLike, language: str | None) -> str: ...

    @abstractmethod
    def _export(self, value: Any, question: QuestionLike) -> str | list[dict[str, str]]: ...




def _repr(value: Any) -> str:
    return f"'{value}'" if isinstance(value, str) else str(value)


class SingleFieldType(QuestionType):
    """A type answered through one form field `q_<key>`; also usable as a table column."""

    def _form_fields(self, question: QuestionLike, language: str | None, *,
                     rows: int | None) -> dict[str, Any]:
        na_name = na_field_name(question) if question.allow_na else None
        return {field_name(question): self.value_field(
            question, language, translate(question.text, language),
            description=translate(question.help, language), na_name=na_name)}

    def value_field(self, question: QuestionLike, language: str | None, label: str, *,
                    description: str = "", na_name: str | None = None) -> Any:
        """One unbound field for the value, checked by `validate`."""
        check = ValueCheck(self.from_field_data, lambda value: self.validate(value, question), na_name)
        return self._field(question, language, label, description, [check])

    def _from_form(self, data: Mapping[str, Any], question: QuestionLike) -> Any:
        return self.from_field_data(data.get(field_name(question)))

    def _to_form(self, value: Any, question: QuestionLike) -> dict[str, Any]:
        return {field_name(question): self.to_field_data(value)}

    @abstractmethod
    def _field(self, question: QuestionLike, language: str | None, label: str, description: str,
               validators: list[Any]) -> Any: ...

    def from_field_data(self, data: Any) -> Any:
        """The stored value for one field's data (blank -> None)."""
        if data is None:
            return None
        if isinstance(data, str):
            return data.strip() or None
        return data

    def to_field_data(self, value: Any) -> Any:
        """The field data showing a stored value."""
        return value


# --- option-based types ------------------------------------------------------------------------

OPTION_FIELDS = ("value", "label", "score", "exclusive")


def check_options(options: Any, languages: Sequence[str] | None, path: str, *, minimum: int,
                  exclusive_allowed: bool) -> list[Problem]:
    """Problems of an `options` list."""
    if not isinstance(options, list):
        return [Problem(path, _("must be a list of options"))]
    problems: list[Problem] = []
    if len(options) < minimum:
        message = _("at least one option") if minimum == 1 else _("at least two options")
        problems.append(Problem(path, message))
    seen: dict[str, int] = {}
    exclusive = []
    for i, option in enumerate(options):
        opath = index_path(path, i)
        if not isinstance(option, dict):
            problems.append(Problem(opath, _("must be an object with a value and a label")))
            continue
        problems += check_fields(option, opath, required=("value", "label"), allowed=OPTION_FIELDS)
        value = option.get("value")
        if "value" in option:
            if not isinstance(value, str):
                problems.append(Problem(join_path(opath, "value"), _("must be a string")))
            elif not SLUG_PATTERN.fullmatch(value) or len(value) > MAX_KEY_LENGTH:
                problems.append(Problem(join_path(opath, "value"), _(
                    "'%(value)s' is not a valid option value (lower-case letters, digits, '_' and '-')",
                    value=value)))
            elif value in seen:
                problems.append(Problem(join_path(opath, "value"), _(
                    "duplicate option value '%(value)s' (also options[%(index)d])",
                    value=value, index=seen[value])))
            else:
                seen[value] = i
        if "label" in option:
            problems += check_text(option["label"], languages, join_path(opath, "label"))
        if "score" in option and not is_number(option["score"]):
            problems.append(Problem(join_path(opath, "score"), _("must be a number")))
        if "exclusive" in option:
            if not isinstance(option["exclusive"], bool):
                problems.append(Problem(join_path(opath, "exclusive"), _("must be true or false")))
            elif not exclusive_allowed:
                problems.append(Problem(join_path(opath, "exclusive"), _(
                    "only multiple_choice options can be exclusive")))
            elif option["exclusive"]:
                exclusive.append(i)
    if len(exclusive) > 1:
        problems.append(Problem(index_path(path, exclusive[1]), _("at most one option may be exclusive")))
    return problems


def normalise_options(options: list[Mapping[str, Any]], languages: Sequence[str]) -> list[dict[str, Any]]:
    """Options with translated labels; `score` and `exclusive` only when given (exclusive only if true)."""
    result = []
    for option in options:
        item: dict[str, Any] = {"value": option["value"], "label": normalise_text(option["label"], languages)}
        if "score" in option:
            item["score"] = option["score"]
        if option.get("exclusive"):
            item["exclusive"] = True
        result.append(item)
    return result


def export_options(options: list[Mapping[str, Any]], languages: Sequence[str]) -> list[dict[str, Any]]:
    """Options as document objects."""
    result = []
    for option in options:
        item: dict[str, Any] = {"value": option["value"], "label": compact_text(option["label"], languages)}
        if "score" in option:
            item["score"] = _plain_number(option["score"])
        if option.get("exclusive"):
            item["exclusive"] = True
        result.append(item)
    return result


def _options(question: QuestionLike) -> list[dict[str, Any]]:
    return list(question.config.get("options") or [])


def _option_label(question: QuestionLike, value: Any, language: str | None) -> str:
    for option in _options(question):
        if option["value"] == value:
            return translate(option["label"], language)
    return str(value)


class YesNo(SingleFieldType):
    """Yes or no; stores "yes" or "no"."""

    name = "yes_no"
    label = _l("Yes / no")
    column_type = True
    VALUES = ("yes", "no")
    CHOICES = (SelectChoice("yes", _l("Yes")), SelectChoice("no", _l("No")))

    def _check_config(self, config: Mapping[str, Any], languages: Sequence[str] | None,
                      path: str) -> list[Problem]:
        return []

    def _normalise_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        return {}

    def _export_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        return {}

    def condition_values(self, question: QuestionLike) -> list[Any] | None:
        return list(self.VALUES)

    def _field(self, question: QuestionLike, language: str | None, label: str, description: str,
               validators: list[Any]) -> Any:
        choices = [SelectChoice(choice.value, str(choice.label)) for choice in self.CHOICES]
        return RadioField(label, description=description, choices=choices,
                          validate_choice=False, validators=validators, widget=RADIO_LIST)

    def _validate(self, value: Any, question: QuestionLike) -> list[str]:
        return [] if value in self.VALUES else [_("Please answer yes or no.")]

    def _is_answered(self, value: Any) -> bool:
        return value in self.VALUES

    def _score(self, value: Any, question: QuestionLike) -> float | None:
        # A yes is not always good news ("have you found forced labour?"): only options carry scores.
        return None

    def _summarise(self, values: list[Any], question: QuestionLike) -> dict[str, Any]:
        counts = {v: sum(1 for value in values if value == v) for v in self.VALUES}
        return {"counts": counts, "shares": _shares(counts, len(values))}

    def _display(self, value: Any, question: QuestionLike, language: str | None) -> str:
        return {"yes": _("Yes"), "no": _("No")}.get(value, str(value))

    def _export(self, value: Any, question: QuestionLike) -> str:
        return str(value)


class OptionType(SingleFieldType):
    """A type whose config is a list of options; answers store option values, never labels."""

    config_fields = frozenset({"options"})
    required_config = frozenset({"options"})
    minimum_options: ClassVar[int]
    exclusive_allowed: ClassVar[bool] = False

    def _check_config(self, config: Mapping[str, Any], languages: Sequence[str] | None,
                      path: str) -> list[Problem]:
        return check_options(config["options"], languages, join_path(path, "options"),
                             minimum=self.minimum_options, exclusive_allowed=self.exclusive_allowed)

    def _normalise_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        return {"options": normalise_options(config["options"], languages)}

    def _export_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        return {"options": export_options(config["options"], languages)}

    def condition_values(self, question: QuestionLike) -> list[Any] | None:
        return [option["value"] for option in _options(question)]

    def option_choices(self, question: QuestionLike, language: str | None) -> list[SelectChoice]:
        """The options as field choices, labelled in a language."""
        return [SelectChoice(o["value"], translate(o["label"], language)) for o in _options(question)]


class SingleChoice(OptionType):
    """One option among two or more; stores the option's value."""

    name = "single_choice"
    label = _l("Single choice")
    column_type = True
    minimum_options = 2

    def _field(self, question: QuestionLike, language: str | None, label: str, description: str,
               validators: list[Any]) -> Any:
        choices = self.option_choices(question, language)
        if len(choices) <= MAX_RADIO_OPTIONS:
            return RadioField(label, description=description, choices=choices, validate_choice=False,
                              validators=validators, widget=RADIO_LIST)
        return SelectField(label, description=description, choices=[SelectChoice("", _("(choose one)")), *choices],
                           validate_choice=False, validators=validators, widget=SELECT)

    def _validate(self, value: Any, question: QuestionLike) -> list[str]:
        if not isinstance(value, str) or value not in {o["value"] for o in _options(question)}:
            return [_("Please choose one of the options.")]
        return []

    def _is_answered(self, value: Any) -> bool:
        return isinstance(value, str) and value != ""

    def _score(self, value: Any, question: QuestionLike) -> float | None:
        for option in _options(question):
            if option["value"] == value and "score" in option:
                return float(option["score"])
        return None

    def _summarise(self, values: list[Any], question: QuestionLike) -> dict[str, Any]:
        counts = {o["value"]: 0 for o in _options(question)}
        for value in values:
            if value in counts:
                counts[value] += 1
        return {"counts": counts, "shares": _shares(counts, len(values))}

    def _display(self, value: Any, question: QuestionLike, language: str | None) -> str:
        return _option_label(question, value, language)

    def _export(self, value: Any, question: QuestionLike) -> str:
        return str(value)


class MultipleChoice(OptionType):
    """Any number of options (one option makes a checkbox); stores the list of chosen values."""

    name = "multiple_choice"
    label = _l("Multiple choice")
    minimum_options = 1
    # "None of these" may be offered beside the other options, but not chosen with them.
    exclusive_allowed = True

    def _field(self, question: QuestionLike, language: str | None, label: str, description: str,
               validators: list[Any]) -> Any:
        choices = self.option_choices(question, language)
        if len(choices) <= MAX_CHECKBOX_OPTIONS:
            return SelectMultipleField(label, description=description, choices=choices, validate_choice=False,
                                       validators=validators, widget=CHECKBOX_LIST)
        return SelectMultipleField(label, description=description, choices=choices, validate_choice=False,
                                   validators=validators, widget=SELECT_MULTIPLE)

    def from_field_data(self, data: Any) -> Any:
        chosen = [value for value in data or [] if value not in ("", None)]
        return list(dict.fromkeys(chosen)) or None

    def _validate(self, value: Any, question: QuestionLike) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return [_("This answer has an unexpected form.")]
        options = {o["value"]: o for o in _options(question)}
        if any(v not in options for v in value):
            return [_("Please choose among the options.")]
        if len(set(value)) != len(value):
            return [_("Each option can be chosen only once.")]
        for v in value:
            if options[v].get("exclusive") and len(value) > 1:
                return [_("'%(option)s' cannot be combined with other options.",
                          option=translate(options[v]["label"], _current_language()))]
        return []

    def _is_answered(self, value: Any) -> bool:
        return isinstance(value, list) and len(value) > 0

    def _score(self, value: Any, question: QuestionLike) -> float | None:
        scored = {o["value"]: float(o["score"]) for o in _options(question) if "score" in o}
        if not scored:
            return None
        return sum(scored.get(v, 0.0) for v in value)

    def _summarise(self, values: list[Any], question: QuestionLike) -> dict[str, Any]:
        counts = {o["value"]: 0 for o in _options(question)}
        for value in values:
            for v in set(value):
                if v in counts:
                    counts[v] += 1
        # Shares of respondents: they add up to more than 1 when people tick several options.
        return {"counts": counts, "shares": _shares(counts, len(values))}

    def _display(self, value: Any, question: QuestionLike, language: str | None) -> str:
        return "; ".join(_option_label(question, v, language) for v in value)

    def _export(self, value: Any, question: QuestionLike) -> str:
        return "; ".join(str(v) for v in value)


class Scale(SingleFieldType):
    """A point on a scale of whole numbers, such as a 0-4 maturity scale; stores the integer."""

    name = "scale"
    label = _l("Scale")
    config_fields = frozenset({"scale"})
    required_config = frozenset({"scale"})

    def _check_config(self, config: Mapping[str, Any], languages: Sequence[str] | None,
                      path: str) -> list[Problem]:
        scale = config["scale"]
        spath = join_path(path, "scale")
        if not isinstance(scale, dict):
            return [Problem(spath, _("must be an object with min and max"))]
        problems = check_fields(scale, spath, required=("min", "max"), allowed=("labels",))
        for bound in ("min", "max"):
            if bound in scale and not is_integer(scale[bound]):
                problems.append(Problem(join_path(spath, bound), _("must be a whole number")))
        if problems:
            return problems
        low, high = scale["min"], scale["max"]
        if low >= high:
            return [Problem(spath, _("min (%(min)s) must be less than max (%(max)s)", min=low, max=high))]
        if high - low + 1 > MAX_SCALE_POINTS:
            return [Problem(spath, _("a scale has at most %(num)d points", num=MAX_SCALE_POINTS))]
        labels = scale.get("labels", {})
        lpath = join_path(spath, "labels")
        if not isinstance(labels, dict):
            return [Problem(lpath, _("must be an object of labels by scale point"))]
        for point, text in labels.items():
            ppath = join_path(lpath, point)
            if not re.fullmatch(r"-?(0|[1-9][0-9]*)", point):
                problems.append(Problem(ppath, _("'%(point)s' is not a whole number", point=point)))
            elif not low <= int(point) <= high:
                problems.append(Problem(ppath, _("label for %(point)s, outside the scale %(min)s-%(max)s",
                                                 point=point, min=low, max=high)))
            else:
                problems += check_text(text, languages, ppath)
        return problems

    def _normalise_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        scale = config["scale"]
        labels = {str(p): normalise_text(t, languages)
                  for p, t in sorted(scale.get("labels", {}).items(), key=lambda item: int(item[0]))}
        return {"scale": {"min": scale["min"], "max": scale["max"], "labels": labels}}

    def _export_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        scale = config["scale"]
        result: dict[str, Any] = {"min": scale["min"], "max": scale["max"]}
        if scale.get("labels"):
            result["labels"] = {p: compact_text(t, languages) for p, t in scale["labels"].items()}
        return {"scale": result}

    @staticmethod
    def bounds(question: QuestionLike) -> tuple[int, int]:
        """The scale's (min, max)."""
        scale = question.config["scale"]
        return scale["min"], scale["max"]

    def condition_values(self, question: QuestionLike) -> list[Any] | None:
        low, high = self.bounds(question)
        return list(range(low, high + 1))

    def _field(self, question: QuestionLike, language: str | None, label: str, description: str,
               validators: list[Any]) -> Any:
        low, high = self.bounds(question)
        labels = question.config["scale"].get("labels", {})
        choices = []
        for point in range(low, high + 1):
            text = translate(labels.get(str(point)), language)
            choices.append(SelectChoice(str(point), f"{point}: {text}" if text else str(point)))
        return RadioField(label, description=description, choices=choices, validate_choice=False,
                          validators=validators, widget=RADIO_LIST)

    def from_field_data(self, data: Any) -> Any:
        value = super().from_field_data(data)
        if isinstance(value, str) and re.fullmatch(r"-?[0-9]+", value):
            return int(value)
        return value

    def to_field_data(self, value: Any) -> Any:
        return str(value)

    def _validate(self, value: Any, question: QuestionLike) -> list[str]:
        low, high = self.bounds(question)
        if not is_integer(value) or not low <= value <= high:
            return [_("Please choose a point on the scale from %(min)s to %(max)s.", min=low, max=high)]
        return []

    def _is_answered(self, value: Any) -> bool:
        return is_integer(value)

    def _score(self, value: Any, question: QuestionLike) -> float | None:
        low, high = self.bounds(question)
        return (value - low) / (high - low)

    def _summarise(self, values: list[Any], question: QuestionLike) -> dict[str, Any]:
        low, high = self.bounds(question)
        distribution = dict.fromkeys(range(low, high + 1), 0)
        for value in values:
            if value in distribution:
                distribution[value] += 1
        return {
            "distribution": distribution,
            "mean": statistics.fmean(values) if values else None,
            "median": statistics.median(values) if values else None,
        }

    def _display(self, value: Any, question: QuestionLike, language: str | None) -> str:
        text = translate(question.config["scale"].get("labels", {}).get(str(value)), language)
        return f"{value}: {text}" if text else str(value)

    def _export(self, value: Any, question: QuestionLike) -> str:
        return str(value)


# --- free-value types --------------------------------------------------------------------------


class _NoConfig:
    """Mixin for types without config."""

    def _check_config(self, config: Mapping[str, Any], languages: Sequence[str] | None,
                      path: str) -> list[Problem]:
        return []

    def _normalise_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        return {}

    def _export_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        return {}


class ShortText(_NoConfig, SingleFieldType):
    """A short free text; stores the string."""

    name = "text"
    label = _l("Short text")
    column_type = True
    max_length = MAX_TEXT_LENGTH

    def _field(self, question: QuestionLike, language: str | None, label: str, description: str,
               validators: list[Any]) -> Any:
        return StringField(label, description=description, validators=validators, widget=TEXT_INPUT)

    def _validate(self, value: Any, question: QuestionLike) -> list[str]:
        if not isinstance(value, str):
            return [_("This answer has an unexpected form.")]
        if len(value) > self.max_length:
            return [_("Please keep this answer under %(num)d characters.", num=self.max_length)]
        return []

    def _is_answered(self, value: Any) -> bool:
        return isinstance(value, str) and value.strip() != ""

    def _score(self, value: Any, question: QuestionLike) -> float | None:
        return None

    def _summarise(self, values: list[Any], question: QuestionLike) -> dict[str, Any]:
        # Quotes depend on each answer's "quotable" flag, which the reports read from the answers.
        return {"count": len(values)}

    def _display(self, value: Any, question: QuestionLike, language: str | None) -> str:
        return str(value)

    def _export(self, value: Any, question: QuestionLike) -> str:
        return str(value)


class LongText(ShortText):
    """A long free text (several paragraphs); stores the string."""

    name = "long_text"
    label = _l("Long text")
    max_length = MAX_LONG_TEXT_LENGTH

    def _field(self, question: QuestionLike, language: str | None, label: str, description: str,
               validators: list[Any]) -> Any:
        return TextAreaField(label, description=description, validators=validators, widget=TEXT_AREA)


def check_bounds(config: Mapping[str, Any], path: str, *, low: float | None = None,
                 high: float | None = None) -> list[Problem]:
    """Problems of the min and max of a number or percentage question."""
    problems = []
    for bound in ("min", "max"):
        if bound in config:
            value = config[bound]
            if not is_number(value):
                problems.append(Problem(join_path(path, bound), _("must be a number")))
            elif (low is not None and value < low) or (high is not None and value > high):
                problems.append(Problem(join_path(path, bound), _(
                    "a percentage bound must be between %(low)s and %(high)s", low=low, high=high)))
    if not problems and "min" in config and "max" in config and config["min"] > config["max"]:
        problems.append(Problem(join_path(path, "min"), _(
            "min (%(min)s) is greater than max (%(max)s)", min=config["min"], max=config["max"])))
    return problems


class Number(SingleFieldType):
    """A number, with an optional unit and bounds; stores the number."""

    name = "number"
    label = _l("Number")
    column_type = True
    config_fields = frozenset({"unit", "min", "max"})
    low: ClassVar[float | None] = None
    high: ClassVar[float | None] = None

    def _check_config(self, config: Mapping[str, Any], languages: Sequence[str] | None,
                      path: str) -> list[Problem]:
        problems = check_bounds(config, path, low=self.low, high=self.high)
        if "unit" in config:
            problems += check_text(config["unit"], languages, join_path(path, "unit"))
        return problems

    def _normalise_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        if "unit" in config:
            result["unit"] = normalise_text(config["unit"], languages)
        for bound in ("min", "max"):
            if bound in config:
                result[bound] = config[bound]
        return result

    def _export_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        if config.get("unit"):
            result["unit"] = compact_text(config["unit"], languages)
        for bound in ("min", "max"):
            if bound in config:
                result[bound] = _plain_number(config[bound])
        return result

    def check_condition_value(self, value: Any, question: QuestionLike) -> str | None:
        if is_number(value):
            return None
        return _("a condition on '%(key)s' needs a number", key=question.key)

    def _field(self, question: QuestionLike, language: str | None, label: str, description: str,
               validators: list[Any]) -> Any:
        unit = translate(question.config.get("unit"), language)
        if unit:
            label = f"{label} ({unit})"
        return LocaleDecimalField(label, description=description, places=None, validators=validators,
                                  widget=NUMBER_INPUT)

    def from_field_data(self, data: Any) -> Any:
        if isinstance(data, Decimal):
            return _plain_number(data)
        if isinstance(data, str):
            try:
                return _plain_number(Decimal(data.strip().replace(",", "."))) if data.strip() else None
            except InvalidOperation:
                return data
        return data

    def to_field_data(self, value: Any) -> Any:
        return Decimal(str(value)) if is_number(value) else value

    def _validate(self, value: Any, question: QuestionLike) -> list[str]:
        if not is_number(value):
            return [_("Please enter a number.")]
        low = question.config.get("min", self.low)
        high = question.config.get("max", self.high)
        if low is not None and high is not None and not low <= value <= high:
            return [_("Please enter a number from %(min)s to %(max)s.", min=_plain_number(low),
                      max=_plain_number(high))]
        if low is not None and value < low:
            return [_("Please enter a number of at least %(min)s.", min=_plain_number(low))]
        if high is not None and value > high:
            return [_("Please enter a number of at most %(max)s.", max=_plain_number(high))]
        return []

    def _is_answered(self, value: Any) -> bool:
        return is_number(value)

    def _score(self, value: Any, question: QuestionLike) -> float | None:
        return None

    def _summarise(self, values: list[Any], question: QuestionLike) -> dict[str, Any]:
        return number_summary(values)

    def _display(self, value: Any, question: QuestionLike, language: str | None) -> str:
        text = format_decimal(value, locale=_locale_for(language), decimal_quantization=False)
        unit = translate(question.config.get("unit"), language)
        return f"{text} {unit}" if unit else text

    def _export(self, value: Any, question: QuestionLike) -> str:
        return str(_plain_number(value))


class Percentage(Number):
    """A percentage from 0 to 100 (optionally narrower bounds); stores the number."""

    name = "percentage"
    label = _l("Percentage")
    low = 0
    high = 100

    def _field(self, question: QuestionLike, language: str | None, label: str, description: str,
               validators: list[Any]) -> Any:
        return LocaleDecimalField(f"{label} (%)", description=description, places=None, validators=validators,
                                  widget=NUMBER_INPUT)

    def _display(self, value: Any, question: QuestionLike, language: str | None) -> str:
        return format_percent(value / 100, locale=_locale_for(language), decimal_quantization=False)


class Date(_NoConfig, SingleFieldType):
    """A calendar date; stores the ISO date (YYYY-MM-DD)."""

    name = "date"
    label = _l("Date")
    column_type = True

    def _field(self, question: QuestionLike, language: str | None, label: str, description: str,
               validators: list[Any]) -> Any:
        return DateField(label, description=description, validators=validators, widget=DATE_INPUT)

    def from_field_data(self, data: Any) -> Any:
        if isinstance(data, date):
            return data.isoformat()
        return super().from_field_data(data)

    def to_field_data(self, value: Any) -> Any:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            return None

    def _validate(self, value: Any, question: QuestionLike) -> list[str]:
        if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            return [_("Please enter a date.")]
        try:
            date.fromisoformat(value)
        except ValueError:
            return [_("Please enter a date.")]
        return []

    def _is_answered(self, value: Any) -> bool:
        return isinstance(value, str) and value != ""

    def _score(self, value: Any, question: QuestionLike) -> float | None:
        return None

    def _summarise(self, values: list[Any], question: QuestionLike) -> dict[str, Any]:
        return {"count": len(values), "earliest": min(values) if values else None,
                "latest": max(values) if values else None}

    def _display(self, value: Any, question: QuestionLike, language: str | None) -> str:
        try:
            return format_date(date.fromisoformat(value), format="medium", locale=_locale_for(language))
        except ValueError:
            return str(value)

    def _export(self, value: Any, question: QuestionLike) -> str:
        return str(value)


class Url(ShortText):
    """A web address (http or https); stores the URL. Counted, shown and exported as a short text."""

    name = "url"
    label = _l("Web address")

    def _field(self, question: QuestionLike, language: str | None, label: str, description: str,
               validators: list[Any]) -> Any:
        return URLField(label, description=description, validators=validators, widget=URL_INPUT)

    def _validate(self, value: Any, question: QuestionLike) -> list[str]:
        message = _("Please enter a web address starting with http:// or https://.")
        if not isinstance(value, str) or len(value) > MAX_URL_LENGTH or re.search(r"\s", value):
            return [message]
        try:
            parts = urlsplit(value)
        except ValueError:
            return [message]
        host = parts.hostname or ""
        if parts.scheme not in ("http", "https") or "." not in host.strip("."):
            return [message]
        return []

    def _is_answered(self, value: Any) -> bool:
        return isinstance(value, str) and value != ""


class File(_NoConfig, QuestionType):
    """Evidence files; stores the list of evidence ids.

    The form has `q_<key>` (new uploads, saved by the evidence service, which adds their ids) and
    `q_<key>-keep` (the already attached evidence ids; the form builder fills in its choices).
    """

    name = "file"
    label = _l("File upload")
    conditionable = False

    @staticmethod
    def keep_field_name(question: QuestionLike) -> str:
        """The field listing the evidence already attached, to keep or remove."""
        return f"q_{question.key}-keep"

    def _form_fields(self, question: QuestionLike, language: str | None, *,
                     rows: int | None) -> dict[str, Any]:
        return {
            field_name(question): MultipleFileField(translate(question.text, language),
                                                    description=translate(question.help, language),
                                                    widget=FILES_INPUT),
            self.keep_field_name(question): SelectMultipleField(
                _("Files already attached (untick to remove)"), choices=[], coerce=str,
                validate_choice=False, widget=CHECKBOX_LIST),
        }

    def _from_form(self, data: Mapping[str, Any], question: QuestionLike) -> Any:
        kept = [int(v) for v in data.get(self.keep_field_name(question)) or [] if str(v).isdigit()]
        return list(dict.fromkeys(kept)) or None

    def _to_form(self, value: Any, question: QuestionLike) -> dict[str, Any]:
        return {self.keep_field_name(question): list(value)}

    def _validate(self, value: Any, question: QuestionLike) -> list[str]:
        if not isinstance(value, list) or not all(is_integer(v) for v in value):
            return [_("This answer has an unexpected form.")]
        return []

    def _is_answered(self, value: Any) -> bool:
        return isinstance(value, list) and len(value) > 0

    def _score(self, value: Any, question: QuestionLike) -> float | None:
        return None

    def _summarise(self, values: list[Any], question: QuestionLike) -> dict[str, Any]:
        return {"count": len(values)}

    def _display(self, value: Any, question: QuestionLike, language: str | None) -> str:
        return ngettext("%(num)d file", "%(num)d files", len(value))

    def _export(self, value: Any, question: QuestionLike) -> str:
        return "; ".join(str(v) for v in value)


# --- tables ------------------------------------------------------------------------------------

COLUMN_FIELDS = ("key", "label", "type", "options")


def column_question(question: QuestionLike, column: Mapping[str, Any]) -> QuestionSpec:
    """A table column seen as a question, so the column's type can check and show its cells."""
    config = {"options": column["options"]} if "options" in column else {}
    return QuestionSpec(key=f"{question.key}-{column['key']}", type=column["type"], text=column["label"],
                        config=config)


class Table(QuestionType):
    """Rows of cells under typed columns (a factory list, say); stores a list of row objects."""

    name = "table"
    label = _l("Table")
    config_fields = frozenset({"columns"})
    required_config = frozenset({"columns"})
    conditionable = False

    def _check_config(self, config: Mapping[str, Any], languages: Sequence[str] | None,
                      path: str) -> list[Problem]:
        columns = config["columns"]
        cpath = join_path(path, "columns")
        if not isinstance(columns, list):
            return [Problem(cpath, _("must be a list of columns"))]
        if not columns:
            return [Problem(cpath, _("a table needs at least one column"))]
        problems: list[Problem] = []
        seen: dict[str, int] = {}
        for i, column in enumerate(columns):
            colpath = index_path(cpath, i)
            if not isinstance(column, dict):
                problems.append(Problem(colpath, _("must be an object with a key, a label and a type")))
                continue
            problems += check_fields(column, colpath, required=("key", "label", "type"),
                                     allowed=COLUMN_FIELDS)
            key = column.get("key")
            if "key" in column:
                if not isinstance(key, str) or not SLUG_PATTERN.fullmatch(key) or len(key) > MAX_KEY_LENGTH:
                    problems.append(Problem(join_path(colpath, "key"), _(
                        "'%(key)s' is not a valid column key (lower-case letters, digits, '_' and '-')",
                        key=key)))
                elif key in seen:
                    problems.append(Problem(join_path(colpath, "key"), _(
                        "duplicate column key '%(key)s' (also columns[%(index)d])",
                        key=key, index=seen[key])))
                else:
                    seen[key] = i
            if "label" in column:
                problems += check_text(column["label"], languages, join_path(colpath, "label"))
            if "type" not in column:
                continue
            ctype = QUESTION_TYPES.get(column["type"]) if isinstance(column["type"], str) else None
            if ctype is None or not ctype.column_type:
                problems.append(Problem(join_path(colpath, "type"), _(
                    "'%(type)s' is not a column type (one of %(types)s)", type=column["type"],
                    types=", ".join(COLUMN_TYPES))))
                continue
            column_config = {"options": column["options"]} if "options" in column else {}
            problems += ctype.check_config(column_config, languages, colpath)
        return problems

    def _normalise_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        columns = []
        for column in config["columns"]:
            item: dict[str, Any] = {"key": column["key"], "label": normalise_text(column["label"], languages),
                                    "type": column["type"]}
            if "options" in column:
                item["options"] = normalise_options(column["options"], languages)
            columns.append(item)
        return {"columns": columns}

    def _export_config(self, config: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
        columns = []
        for column in config["columns"]:
            item: dict[str, Any] = {"key": column["key"], "label": compact_text(column["label"], languages),
                                    "type": column["type"]}
            if "options" in column:
                item["options"] = export_options(column["options"], languages)
            columns.append(item)
        return {"columns": columns}

    @staticmethod
    def columns(question: QuestionLike) -> list[dict[str, Any]]:
        """The table's columns."""
        return list(question.config.get("columns") or [])

    @staticmethod
    def cell_field_name(question: QuestionLike, row: int, column_key: str) -> str:
        """`q_<key>-<row>-<col>`: one cell of the answer form (rows count from 0)."""
        return f"q_{question.key}-{row}-{column_key}"

    @staticmethod
    def rows_to_offer(value: Any, *, extra: int = 1, minimum: int = DEFAULT_TABLE_ROWS) -> int:
        """How many rows the form should offer for a stored value: its rows plus some empty ones."""
        filled = len(value) if isinstance(value, list) else 0
        return max(minimum, filled + extra)

    def _form_fields(self, question: QuestionLike, language: str | None, *,
                     rows: int | None) -> dict[str, Any]:
        na_name = na_field_name(question) if question.allow_na else None
        fields: dict[str, Any] = {}
        for row in range(rows if rows is not None else DEFAULT_TABLE_ROWS):
            for column in self.columns(question):
                cell = column_question(question, column)
                label = _("%(column)s, row %(row)d", column=translate(column["label"], language), row=row + 1)
                fields[self.cell_field_name(question, row, column["key"])] = QUESTION_TYPES[
                    column["type"]].value_field(cell, language, label, na_name=na_name)
        return fields

    def _from_form(self, data: Mapping[str, Any], question: QuestionLike) -> Any:
        columns = self.columns(question)
        prefix = f"q_{question.key}-"
        row_numbers = sorted({int(name[len(prefix):].split("-", 1)[0]) for name in data
                              if name.startswith(prefix) and name[len(prefix):].split("-", 1)[0].isdigit()})
        rows = []
        for row in row_numbers:
            cells = {}
            for column in columns:
                ctype = QUESTION_TYPES[column["type"]]
                cell = ctype.from_field_data(data.get(self.cell_field_name(question, row, column["key"])))
                if cell is not None:
                    cells[column["key"]] = cell
            if cells:
                rows.append(cells)
        return rows or None

    def _to_form(self, value: Any, question: QuestionLike) -> dict[str, Any]:
        result = {}
        for row, cells in enumerate(value):
            for column in self.columns(question):
                if column["key"] in cells:
                    result[self.cell_field_name(question, row, column["key"])] = QUESTION_TYPES[
                        column["type"]].to_field_data(cells[column["key"]])
        return result

    def _validate(self, value: Any, question: QuestionLike) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(row, dict) for row in value):
            return [_("This answer has an unexpected form.")]
        if len(value) > MAX_TABLE_ROWS:
            return [_("A table can have at most %(num)d rows.", num=MAX_TABLE_ROWS)]
        columns = {column["key"]: column for column in self.columns(question)}
        language = _current_language()
        messages = []
        for number, row in enumerate(value, start=1):
            for key, cell in row.items():
                column = columns.get(key)
                if column is None:
                    messages.append(_("Row %(row)d has an unknown column '%(key)s'.", row=number, key=key))
                    continue
                ctype = QUESTION_TYPES[column["type"]]
                for message in ctype.validate(cell, column_question(question, column)):
                    messages.append(_("Row %(row)d, %(column)s: %(message)s", row=number,
                                      column=translate(column["label"], language), message=message))
        return messages

    def _is_answered(self, value: Any) -> bool:
        return isinstance(value, list) and any(isinstance(row, dict) and row for row in value)

    def _score(self, value: Any, question: QuestionLike) -> float | None:
        return None

    def _summarise(self, values: list[Any], question: QuestionLike) -> dict[str, Any]:
        per_respondent = [len(value) for value in values]
        columns = {}
        for column in self.columns(question):
            cell_question = column_question(question, column)
            cells = [row.get(column["key"]) for value in values for row in value]
            columns[column["key"]] = QUESTION_TYPES[column["type"]].summarise(cells, cell_question)
        return {"rows": sum(per_respondent), "rows_per_respondent": number_summary(per_respondent),
                "columns": columns}

    def _display(self, value: Any, question: QuestionLike, language: str | None) -> str:
        lines = []
        for row in value:
            parts = []
            for column in self.columns(question):
                if column["key"] in row:
                    cell = QUESTION_TYPES[column["type"]].display(
                        row[column["key"]], column_question(question, column), language)
                    parts.append(f"{translate(column['label'], language)}: {cell}")
            lines.append("; ".join(parts))
        return "\n".join(lines)

    def _export(self, value: Any, question: QuestionLike) -> list[dict[str, str]]:
        result = []
        for row in value:
            cells = {}
            for column in self.columns(question):
                cell = row.get(column["key"])
                exported = QUESTION_TYPES[column["type"]].export(cell, column_question(question, column))
                cells[column["key"]] = exported if isinstance(exported, str) else ""
            result.append(cells)
        return result


# --- the registry ------------------------------------------------------------------------------

QUESTION_TYPES: dict[str, QuestionType] = {}


def register(cls: type[QuestionType]) -> type[QuestionType]:
    """Add a question type to the registry under its name."""
    if cls.name in QUESTION_TYPES:
        raise ValueError(f"question type {cls.name!r} is registered twice")
    QUESTION_TYPES[cls.name] = cls()
    return cls


for _cls in (YesNo, SingleChoice, MultipleChoice, Scale, ShortText, LongText, Number, Percentage, Date, Url,
             File, Table):
    register(_cls)

COLUMN_TYPES = tuple(name for name, qtype in QUESTION_TYPES.items() if qtype.column_type)


def get_type(name: str) -> QuestionType:
    """The question type registered under a name (KeyError when there is none)."""
    return QUESTION_TYPES[name]


def type_of(question: QuestionLike) -> QuestionType:
    """The question type of a question."""
    return QUESTION_TYPES[question.type]
