"""Forms of the questionnaire designer: create, metadata, sharing, sections and questions.

Texts are entered per language, so most form classes are built per request from the version's
languages (and, for a question, its type and how many option or column rows to show). The forms
only collect data; `*_data()` turns a validated form into the interchange-format shape the
questionnaire services take, and `attach_problems()` puts the services' path-tagged problems back
next to the fields they are about.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from babel import Locale, UnknownLocaleError
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import Form, SelectChoice
from wtforms.fields import (
    BooleanField,
    DecimalField,
    FieldList,
    FormField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from questionnaire.question_types import COLUMN_TYPES, QUESTION_TYPES, Problem, translate

# How many blank option / column rows a new choice or table question starts with.
NEW_OPTION_ROWS = 2
NEW_COLUMN_ROWS = 2
MAX_ROWS = 400
CONDITION_ROWS_EXTRA = 1


def language_name(code: str) -> str:
    """A language code named in the interface language ("fr" -> "French"), the code if unknown."""
    try:
        locale = Locale.parse(code.replace("-", "_"))
        return locale.get_display_name(str(get_locale() or "en")) or code
    except (UnknownLocaleError, ValueError):
        return code


def own_language_name(code: str) -> str:
    """A language named in itself ("fr" -> "Français"), as the preview's language switch shows it."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name(code.replace("-", "_")) or code
    except (UnknownLocaleError, ValueError):
        return code
    return name[:1].upper() + name[1:]


# --- translated texts ----------------------------------------------------------------------------


def text_form(languages: Sequence[str], label: str, *, required: bool = True, long: bool = False,
              max_length: int = 20000) -> type[Form]:
    """A sub-form with one field per language (`<name>-en`, `<name>-fr`); the first may be required."""
    field_class = TextAreaField if long else StringField

    class TextForm(Form):
        pass

    for i, lang in enumerate(languages):
        validators: list[Any] = [Length(max=max_length)]
        validators.insert(0, DataRequired() if (required and i == 0) else Optional())
        setattr(TextForm, lang, field_class(
            _("%(label)s (%(language)s)", label=label, language=language_name(lang)),
            validators=validators, render_kw={"lang": lang}))
    return TextForm


def text_value(form: Form, languages: Sequence[str]) -> dict[str, str]:
    """The filled-in translations of a text sub-form (blank ones left out)."""
    result = {}
    for lang in languages:
        value = (form[lang].data or "").strip()
        if value:
            result[lang] = value
    return result


def text_form_data(text: Mapping[str, str] | None) -> dict[str, str]:
    """Form data showing a stored translation dict."""
    return dict(text or {})


# --- creating questionnaires ---------------------------------------------------------------------


def parse_languages(value: str | None) -> list[str]:
    """'en, fr' -> ['en', 'fr'] (spaces and commas both separate; duplicates removed)."""
    return list(dict.fromkeys(code for code in re.split(r"[\s,;]+", (value or "").strip()) if code))


def check_languages(form: Any, field: Any) -> None:
    """At least one language code."""
    if not parse_languages(field.data):
        raise ValidationError(_("Give at least one language code, such as en."))


class BlankQuestionnaireForm(FlaskForm):
    """Start an empty questionnaire: a title and its languages."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    languages = StringField(
        _l("Languages"), default="en, fr", validators=[check_languages, Length(max=200)],
        description=_l("Language codes separated by commas; the first is the main language, e.g. en, fr."))
    submit = SubmitField(_l("Create a blank questionnaire"))


class TemplateChoiceForm(FlaskForm):
    """Start from a questionnaire of the template library."""

    template = RadioField(_l("Template"), validators=[InputRequired()], choices=[])
    submit_template = SubmitField(_l("Create from this template"))


class UploadForm(FlaskForm):
    """Import a questionnaire/1 JSON file."""

    file = FileField(_l("Questionnaire file (questionnaire/1 JSON)"), validators=[
        FileRequired(_l("Choose a file to upload.")),
        FileAllowed(["json"], _l("Upload a .json file.")),
    ])
    submit_upload = SubmitField(_l("Upload and create"))


# --- metadata and sharing ------------------------------------------------------------------------


def metadata_form_class(languages: Sequence[str]) -> type[FlaskForm]:
    """Title and description per language, and the language list."""
    # The class body assigns `languages`, so it cannot read the argument of that name.
    codes = list(languages)

    class MetadataForm(FlaskForm):
        title = FormField(text_form(codes, _("Title"), max_length=500))
        description = FormField(text_form(codes, _("Description"), required=False, long=True))
        languages = StringField(
            _l("Languages"), validators=[check_languages, Length(max=200)],
            description=_l("Language codes separated by commas; the first is the main language. "
                           "Removing a language deletes its translations."))
        submit = SubmitField(_l("Save details"))

    return MetadataForm


class ShareForm(FlaskForm):
    """Add a buyer organisation as co-editor."""

    organisation = SelectField(_l("Buyer organisation"), coerce=int, validators=[InputRequired()])
    submit_share = SubmitField(_l("Add co-editor"))


# --- conditions (show_if) ------------------------------------------------------------------------


@dataclass(frozen=True)
class ConditionChoice:
    """One (earlier question, value) pair a condition row may pick."""

    key: str
    value: Any
    label: str

    @property
    def token(self) -> str:
        """The select's value: the pair as JSON, so numbers stay numbers."""
        return json.dumps([self.key, self.value])


def condition_choices(questions: Iterable[Any], language: str | None) -> list[ConditionChoice]:
    """The (question, value) pairs of the earlier questions a condition may name, in order."""
    choices = []
    for question in questions:
        qtype = QUESTION_TYPES.get(question.type)
        if qtype is None or not qtype.conditionable:
            continue
        values = qtype.condition_values(question)
        if not values:
            continue
        text = translate(question.text, language)
        short = text if len(text) <= 70 else text[:67] + "..."
        for value in values:
            shown = qtype.display(value, question, language)
            choices.append(ConditionChoice(question.key, value, f"{question.key} — {short}: {shown}"))
    return choices


CONDITION_MODES = [SelectChoice("none", _l("Always shown")), SelectChoice("all", _l("Shown only if all of these hold")),
                   SelectChoice("any", _l("Shown only if any of these holds")),
                   SelectChoice("advanced", _l("Advanced: a condition written in JSON"))]


class ConditionRow(Form):
    """One `question = value` test."""

    pick = SelectField(_l("Earlier question and answer"), choices=[], validate_choice=False)


def condition_rows(condition: Mapping[str, Any] | None) -> tuple[str, list[tuple[str, Any]]] | None:
    """A show_if as (mode, [(key, value), ...]) when the simple builder can show it, else None."""
    if not condition:
        return "none", []

    def simple(part: Any) -> list[tuple[str, Any]] | None:
        if not isinstance(part, dict) or "question" not in part:
            return None
        if "equals" in part:
            return [(part["question"], part["equals"])]
        if isinstance(part.get("in"), list):
            return [(part["question"], v) for v in part["in"]]
        return None

    plain = simple(condition)
    if plain is not None:
        return ("any" if len(plain) > 1 else "all"), plain
    for mode in ("all", "any"):
        if mode in condition and isinstance(condition[mode], list):
            rows: list[tuple[str, Any]] = []
            for part in condition[mode]:
                found = simple(part)
                # "all" of an "in" is not expressible as flat rows.
                if found is None or (mode == "all" and len(found) > 1):
                    return None
                rows += found
            return mode, rows
    return None


def build_condition(mode: str, rows: Sequence[tuple[str, Any]]) -> dict[str, Any] | None:
    """The show_if for builder rows: `equals`, `in` for several values of one question under "any"."""
    if mode == "none" or not rows:
        return None
    if mode == "any":
        grouped: dict[str, list[Any]] = {}
        for key, value in rows:
            grouped.setdefault(key, [])
            if value not in grouped[key]:
                grouped[key].append(value)
        parts = [{"question": k, "equals": v[0]} if len(v) == 1 else {"question": k, "in": v}
                 for k, v in grouped.items()]
    else:
        parts = [{"question": k, "equals": v} for k, v in dict.fromkeys(rows)]
    return parts[0] if len(parts) == 1 else {mode: parts}


def condition_fields(form_class: type[Form], rows: int) -> None:
    """Add the show_if builder's fields to a form class."""
    form_class.show_if_mode = RadioField(_l("When is it shown?"), choices=CONDITION_MODES, default="none")
    form_class.show_if_rows = FieldList(FormField(ConditionRow), min_entries=rows, max_entries=MAX_ROWS)
    form_class.show_if_json = TextAreaField(
        _l("Condition in JSON"), validators=[Optional()],
        description=_l('For example {"any": [{"question": "policy", "equals": "yes"}, '
                       '{"question": "scale", "in": [3, 4]}]}.'))
    form_class.add_condition = SubmitField(_l("Add a condition row"))


def setup_condition_fields(form: Any, choices: Sequence[ConditionChoice], condition: Mapping[str, Any] | None,
                           *, fill: bool) -> None:
    """Give the condition rows their choices and, when `fill`, show a stored condition."""
    options = [SelectChoice("", _("(choose)"))] + [SelectChoice(c.token, c.label) for c in choices]
    if fill:
        parsed = condition_rows(condition)
        if parsed is None:
            form.show_if_mode.data = "advanced"
            form.show_if_json.data = json.dumps(condition, ensure_ascii=False, indent=1)
        else:
            mode, rows = parsed
            form.show_if_mode.data = mode
            while len(form.show_if_rows.entries) < len(rows) + CONDITION_ROWS_EXTRA:
                form.show_if_rows.append_entry()
            for entry, (key, value) in zip(form.show_if_rows.entries, rows, strict=False):
                entry.pick.data = json.dumps([key, value])
            if condition:
                form.show_if_json.data = json.dumps(condition, ensure_ascii=False, indent=1)
    known = {c.token for c in choices}
    for entry in form.show_if_rows.entries:
        entry.pick.choices = options
        if entry.pick.data and entry.pick.data not in known:
            # A stored condition on a question that is no longer earlier: keep it visible as such.
            entry.pick.choices = [*options, SelectChoice(entry.pick.data, _("%(value)s (not an earlier question)",
                                                                             value=entry.pick.data))]


def condition_data(form: Any) -> dict[str, Any] | None:
    """The show_if the builder describes; raises ValueError with a message for broken JSON."""
    mode = form.show_if_mode.data or "none"
    if mode == "advanced":
        text = (form.show_if_json.data or "").strip()
        if not text:
            return None
        try:
            value = json.loads(text)
        except ValueError as exc:
            raise ValueError(_("The condition is not valid JSON: %(error)s", error=str(exc))) from None
        return value
    rows = []
    for entry in form.show_if_rows.entries:
        if entry.pick.data:
            try:
                key, value = json.loads(entry.pick.data)
            except (ValueError, TypeError):
                raise ValueError(_("Choose the condition among the earlier questions.")) from None
            rows.append((key, value))
    if mode != "none" and not rows:
        raise ValueError(_("Choose at least one earlier question and answer, or choose 'Always shown'."))
    return build_condition(mode, rows)


# --- sections ------------------------------------------------------------------------------------


def section_form_class(languages: Sequence[str], condition_row_count: int) -> type[FlaskForm]:
    """Key, title and description per language, and the condition of a section."""

    class SectionForm(FlaskForm):
        key = StringField(_l("Key"), validators=[DataRequired(), Length(max=100)],
                          description=_l("Lower-case letters, digits, '_' and '-'; it identifies the section."))
        title = FormField(text_form(languages, _("Title"), max_length=500))
        description = FormField(text_form(languages, _("Description"), required=False, long=True))
        submit = SubmitField(_l("Save section"))

    condition_fields(SectionForm, condition_row_count)
    return SectionForm


def section_data(form: Any, languages: Sequence[str]) -> dict[str, Any]:
    """The section in document shape (None for removed optional fields)."""
    description = text_value(form.description.form, languages)
    return {
        "key": (form.key.data or "").strip(),
        "title": text_value(form.title.form, languages),
        "description": description or None,
        "show_if": condition_data(form),
    }


# --- questions -----------------------------------------------------------------------------------


def type_choices() -> list[SelectChoice]:
    """The twelve question types with their labels."""
    return [SelectChoice(name, str(qtype.label)) for name, qtype in QUESTION_TYPES.items()]


def option_form_class(languages: Sequence[str], *, exclusive: bool) -> type[Form]:
    """One option row: value, label per language, score and (multiple choice) exclusive."""

    class OptionForm(Form):
        value = StringField(_l("Value"), validators=[Optional(), Length(max=100)])
        label = FormField(text_form(languages, _("Label"), required=False, max_length=1000))
        score = DecimalField(_l("Score"), validators=[Optional()], places=None)

    if exclusive:
        OptionForm.exclusive = BooleanField(_l("Exclusive (cannot be combined)"))
    return OptionForm


def column_form_class(languages: Sequence[str]) -> type[Form]:
    """One table column: key, label per language, type, options (one per line)."""

    class ColumnForm(Form):
        key = StringField(_l("Column key"), validators=[Optional(), Length(max=100)])
        label = FormField(text_form(languages, _("Column label"), required=False, max_length=1000))
        type = SelectField(_l("Column type"), choices=[SelectChoice(name, str(QUESTION_TYPES[name].label))
                                                         for name in COLUMN_TYPES])
        options = TextAreaField(
            _l("Options of a single-choice column"), validators=[Optional()],
            description=_l("One per line: value | label in %(languages)s",
                           languages=" | ".join(languages)))

    return ColumnForm


def question_form_class(languages: Sequence[str], type_name: str, *, option_rows: int, column_rows: int,
                        condition_row_count: int,
                        positions: Sequence[SelectChoice] | None = None) -> type[FlaskForm]:
    """The question form for one type: common fields, that type's config, the condition builder.

    `positions` (for a new question) offers where in the section it goes.
    """
    qtype = QUESTION_TYPES[type_name]

    class QuestionForm(FlaskForm):
        type = SelectField(_l("Type"), choices=type_choices(), default=type_name)
        change_type = SubmitField(_l("Change type"))
        key = StringField(_l("Key"), validators=[DataRequired(), Length(max=100)],
                          description=_l("Lower-case letters, digits and '_', '.', '-'; it stays the same "
                                         "across versions, so results can be compared."))
        text = FormField(text_form(languages, _("Question"), long=True, max_length=5000))
        help = FormField(text_form(languages, _("Help text"), required=False, long=True))
        required = BooleanField(_l("Required"))
        allow_na = BooleanField(_l("May be answered 'not applicable' (with a justification)"))
        weight = DecimalField(_l("Weight"), default=Decimal(1), places=None,
                              validators=[InputRequired(), NumberRange(min=0)])
        tags = StringField(_l("Tags"), validators=[Optional(), Length(max=1000)],
                           description=_l("Separated by commas."))
        submit = SubmitField(_l("Save question"))

    if "options" in qtype.config_fields:
        QuestionForm.options = FieldList(
            FormField(option_form_class(languages, exclusive=type_name == "multiple_choice")),
            min_entries=option_rows, max_entries=MAX_ROWS)
        QuestionForm.add_option = SubmitField(_l("Add an option"))
    if "scale" in qtype.config_fields:
        QuestionForm.scale_min = IntegerField(_l("Lowest point"), default=0, validators=[InputRequired()])
        QuestionForm.scale_max = IntegerField(_l("Highest point"), default=4, validators=[InputRequired()])
        QuestionForm.scale_labels = TextAreaField(
            _l("Point labels"), validators=[Optional()],
            description=_l("One per line: point | label in %(languages)s. For example: 0 | None",
                           languages=" | ".join(languages)))
    if "columns" in qtype.config_fields:
        QuestionForm.columns = FieldList(FormField(column_form_class(languages)),
                                         min_entries=column_rows, max_entries=MAX_ROWS)
        QuestionForm.add_column = SubmitField(_l("Add a column"))
    if "unit" in qtype.config_fields:
        QuestionForm.unit = FormField(text_form(languages, _("Unit"), required=False, max_length=100))
    if "min" in qtype.config_fields:
        QuestionForm.min = DecimalField(_l("Minimum"), validators=[Optional()], places=None)
        QuestionForm.max = DecimalField(_l("Maximum"), validators=[Optional()], places=None)
    if positions is not None:
        QuestionForm.position = SelectField(_l("Place in the section"), choices=list(positions), default="end")
    condition_fields(QuestionForm, condition_row_count)
    return QuestionForm


def _number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal(value: float | int) -> Decimal:
    """A stored number for a decimal field, without a trailing '.0' or an exponent."""
    if float(value).is_integer():
        return Decimal(int(value))
    return Decimal(str(value))


def _lines(text: str | None) -> list[list[str]]:
    """Non-blank lines split on '|', each part stripped."""
    return [[part.strip() for part in line.split("|")] for line in (text or "").splitlines() if line.strip()]


def _line_text(parts: Sequence[str], languages: Sequence[str]) -> dict[str, str]:
    return {lang: part for lang, part in zip(languages, parts, strict=False) if part}


def parse_line_options(text: str | None, languages: Sequence[str]) -> list[dict[str, Any]]:
    """Options written one per line (`value | label en | label fr`)."""
    return [{"value": parts[0], "label": _line_text(parts[1:], languages) or parts[0]}
            for parts in _lines(text)]


def line_options(options: Sequence[Mapping[str, Any]] | None, languages: Sequence[str]) -> str:
    """Options shown one per line, the inverse of `parse_line_options`."""
    return "\n".join(" | ".join([option["value"], *(option["label"].get(lang, "") for lang in languages)]).rstrip(" |")
                     for option in options or [])


def question_data(form: Any, languages: Sequence[str], type_name: str) -> dict[str, Any]:
    """The question in document shape; ValueError (with a message) for a broken condition."""
    qtype = QUESTION_TYPES[type_name]
    data: dict[str, Any] = {
        "key": (form.key.data or "").strip(),
        "type": type_name,
        "text": text_value(form.text.form, languages),
        "help": text_value(form.help.form, languages) or None,
        "required": bool(form.required.data),
        "allow_na": bool(form.allow_na.data),
        "weight": _number(form.weight.data) if form.weight.data is not None else 1,
        "tags": [tag.strip() for tag in (form.tags.data or "").split(",") if tag.strip()],
    }
    if "options" in qtype.config_fields:
        options = []
        for entry in form.options.entries:
            value = (entry.form.value.data or "").strip()
            label = text_value(entry.form.label.form, languages)
            if not value and not label and entry.form.score.data is None:
                continue  # a blank row
            option: dict[str, Any] = {"value": value, "label": label or value}
            if entry.form.score.data is not None:
                option["score"] = _number(entry.form.score.data)
            if "exclusive" in entry.form and entry.form.exclusive.data:
                option["exclusive"] = True
            options.append(option)
        data["options"] = options
    if "scale" in qtype.config_fields:
        labels = {parts[0]: _line_text(parts[1:], languages) for parts in _lines(form.scale_labels.data)
                  if _line_text(parts[1:], languages)}
        data["scale"] = {"min": form.scale_min.data, "max": form.scale_max.data, "labels": labels}
    if "columns" in qtype.config_fields:
        columns = []
        for entry in form.columns.entries:
            key = (entry.form.key.data or "").strip()
            label = text_value(entry.form.label.form, languages)
            if not key and not label:
                continue
            column: dict[str, Any] = {"key": key, "label": label or key, "type": entry.form.type.data}
            if entry.form.type.data == "single_choice" or (entry.form.options.data or "").strip():
                column["options"] = parse_line_options(entry.form.options.data, languages)
            columns.append(column)
        data["columns"] = columns
    if "unit" in qtype.config_fields:
        data["unit"] = text_value(form.unit.form, languages) or None
    if "min" in qtype.config_fields:
        data["min"] = _number(form.min.data)
        data["max"] = _number(form.max.data)
    data["show_if"] = condition_data(form)
    return data


def question_form_data(document: Mapping[str, Any], languages: Sequence[str]) -> dict[str, Any]:
    """Form data showing a question in its normalised document shape (`question_document`)."""
    data: dict[str, Any] = {
        "type": document["type"], "key": document["key"], "text": text_form_data(document["text"]),
        "help": text_form_data(document.get("help")), "required": document.get("required", False),
        "allow_na": document.get("allow_na", False),
        "weight": _decimal(document.get("weight", 1)),
        "tags": ", ".join(document.get("tags") or []),
    }
    if "options" in document:
        data["options"] = [{"value": o["value"], "label": text_form_data(o["label"]),
                            "score": _decimal(o["score"]) if "score" in o else None,
                            "exclusive": bool(o.get("exclusive"))} for o in document["options"]]
    if "scale" in document:
        scale = document["scale"]
        data["scale_min"], data["scale_max"] = scale["min"], scale["max"]
        data["scale_labels"] = "\n".join(" | ".join([point, *(text.get(lang, "") for lang in languages)]).rstrip(" |")
                                         for point, text in (scale.get("labels") or {}).items())
    if "columns" in document:
        data["columns"] = [{"key": c["key"], "label": text_form_data(c["label"]), "type": c["type"],
                            "options": line_options(c.get("options"), languages)} for c in document["columns"]]
    if "unit" in document:
        data["unit"] = text_form_data(document["unit"])
    for bound in ("min", "max"):
        if document.get(bound) is not None:
            data[bound] = _decimal(document[bound])
    return data


# --- putting the services' problems next to their fields -----------------------------------------

_INDEXED = re.compile(r"^([a-z_]+)\[(\d+)\](?:\.(.*))?$")


def _sub_field(container: Any, rest: str) -> tuple[Any, bool]:
    """Inside a sub-form: `label.fr` -> the French label field; `value` -> the value field."""
    name, _dot, tail = rest.partition(".")
    name = name.split("[")[0]
    if not name or name not in container:
        return next(iter(container)), False
    field = container[name]
    if hasattr(field, "form"):
        lang = tail.split(".")[0]
        if lang in field.form:
            return field.form[lang], True
        return next(iter(field.form)), True
    return field, True


def _field_for(form: Any, path: str) -> tuple[Any | None, bool]:
    """The field a relative problem path is about (None: the whole form) and whether it matches exactly."""
    if not path:
        return None, False
    head, _dot, rest = path.partition(".")
    indexed = _INDEXED.match(path)
    if indexed and indexed.group(1) in ("options", "columns") and indexed.group(1) in form:
        entries = form[indexed.group(1)].entries
        index = int(indexed.group(2))
        if index >= len(entries):
            return form[indexed.group(1)], False
        return _sub_field(entries[index].form, indexed.group(3) or "")
    head = head.split("[")[0]
    if head == "scale" and "scale_min" in form:
        if rest.startswith("max"):
            return form["scale_max"], True
        if rest.startswith("labels"):
            return form["scale_labels"], False
        return form["scale_min"], True
    if head == "show_if" and "show_if_mode" in form:
        if form.show_if_mode.data == "advanced":
            return form["show_if_json"], False
        return form["show_if_mode"], False
    if head in form:
        field = form[head]
        if hasattr(field, "form"):
            return _sub_field(form, path)
        return field, not rest and "[" not in path
    return None, False


def attach_problems(form: Any, problems: Iterable[Problem]) -> None:
    """Show each error next to its field; problems about the whole thing go to `form_errors`."""
    for problem in problems:
        if problem.warning:
            continue
        field, exact = _field_for(form, problem.path)
        if field is None:
            form.form_errors.append(str(problem))
        else:
            field.errors = [*(e for e in field.errors if isinstance(e, str)),
                            problem.message if exact else str(problem)]


def flat_errors(form: Any) -> list[tuple[str | None, str, str]]:
    """Every error of a form, sub-forms included, as (field id, field label, message) for a summary."""
    found: list[tuple[str | None, str, str]] = [(None, "", message) for message in form.form_errors]

    def walk(fields: Iterable[Any]) -> None:
        for field in fields:
            if field.type == "CSRFTokenField":
                found.extend((None, "", str(e)) for e in field.errors)
            elif field.type == "FormField":
                walk(field.form)
            elif field.type == "FieldList":
                found.extend((field.id, "", e) for e in field.errors if isinstance(e, str))
                for entry in field.entries:
                    walk(entry.form if entry.type == "FormField" else [entry])
            else:
                found.extend((field.id, str(field.label.text), str(e)) for e in field.errors if isinstance(e, str))

    walk(form)
    return found


class ConfirmForm(FlaskForm):
    """A bare POST with its CSRF token (approve, publish, delete, move)."""

    direction = HiddenField()
    submit = SubmitField(_l("Confirm"))


