"""The answer form: a fresh form class per request for one section, built from the question types.

Each question contributes its type's fields (`q_<key>`, table cells `q_<key>-<row>-<col>`, N/A
fields) plus a comment and two flags; tables add a hidden row count. The template picks the fields
out by name, question by question.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any

from babel import support
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import Field, SelectChoice
from wtforms.csrf.core import CSRFTokenField
from wtforms.fields import BooleanField, HiddenField, IntegerField, RadioField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.i18n import messages_path
from wtforms.validators import InputRequired, Length

from questionnaire.models import Question, Section
from questionnaire.question_types import DEFAULT_TABLE_ROWS, MAX_TABLE_ROWS, File, Table, type_of
from questionnaire.services.responses import AnswerInput, AnswerRow, EvidenceRow
from questionnaire.widgets import HIDDEN_INPUT

MAX_COMMENT_LENGTH = 5000


def comment_field_name(question: Question) -> str:
    """The per-answer comment."""
    return f"q_{question.key}-comment"


def confidential_field_name(question: Question) -> str:
    """The "confidential: secretariat only" flag."""
    return f"q_{question.key}-confidential"


def quotable_field_name(question: Question) -> str:
    """The "may be quoted anonymously" flag."""
    return f"q_{question.key}-quotable"


def rows_field_name(question: Question) -> str:
    """A table's number of rows offered on the page."""
    return f"q_{question.key}-rows"


def resolve_field_name(question: Question) -> str:
    """On the conflict page: keep mine or keep the stored answer."""
    return f"q_{question.key}-resolve"


@lru_cache(maxsize=16)
def _wtforms_translations(locale: str) -> support.Translations:
    """WTForms' own messages in one language, read from disk once per process."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class SectionFormBase(FlaskForm):
    """What every section form has: the response version the page was built from."""

    class Meta:
        def get_translations(self, form: Any) -> Any:
            # Flask-WTF loads WTForms' catalogue anew on every request; section pages are the hot path.
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return None
            return _wtforms_translations(str(get_locale() or "en"))

        def bind_field(self, form: Any, unbound_field: UnboundField, options: dict[str, Any]) -> Field:
            # Binding runs every field's constructor (label, validators, flags): a tenth of a section
            # page. A section form class is reused (FORM_CACHE_SIZE), so each of its fields is bound
            # once per prefix and translations and copied after; a copy shares only what no request
            # changes (label, validators, flags, choices), and gets this form's meta.
            if issubclass(unbound_field.field_class, CSRFTokenField):
                return super().bind_field(form, unbound_field, options)  # one per form, holding its token
            translations = options.get("translations")
            key = (options["name"], options.get("prefix", ""), id(translations))
            prototypes = unbound_field.__dict__.setdefault("_prototypes", {})
            prototype = prototypes.get(key)
            if prototype is None or prototype._translations is not translations:
                prototype = prototypes[key] = super().bind_field(form, unbound_field, options)
            field = object.__new__(type(prototype))
            field.__dict__.update(prototype.__dict__)
            field.meta = form.meta
            return field

    based_on_version = IntegerField(widget=HIDDEN_INPUT, validators=[InputRequired()])
    # What this section's answers were when the page was built: a stale version whose section
    # nobody else changed is no conflict.
    section_digest = HiddenField(widget=HIDDEN_INPUT)


def section_digest(section: Section, answers: Mapping[str, AnswerRow]) -> str:
    """A fingerprint of the stored answers of one section."""
    state = {}
    for question in section.questions:
        answer = answers.get(question.key)
        if answer is not None:
            state[question.key] = [answer.value, answer.comment or "", answer.confidential, answer.quotable]
    return hashlib.sha256(json.dumps(state, sort_keys=True, default=str).encode()).hexdigest()


@dataclass
class SectionFormSpec:
    """A built form class and which of its fields belong to which question."""

    form_class: type[SectionFormBase]
    fields_by_question: dict[str, list[str]]
    value_fields: dict[str, list[str]]
    rows: dict[str, int]
    # The files already attached, per "keep" field: the response's own, so not part of the class.
    choices: dict[str, list[SelectChoice]] = field(default_factory=dict)

    def form(self, **kwargs: Any) -> SectionFormBase:
        """An instance of the form (formdata, data, meta as for any WTForms form)."""
        form = self.form_class(**kwargs)
        for name, choices in self.choices.items():
            form[name].choices = choices
        return form


# Section form classes of published versions, reused: building one costs about a millisecond.
FORM_CACHE_SIZE = 512


def table_rows(question: Question, value: Any, requested: int | None) -> int:
    """How many rows to offer: as asked (never fewer than the rows filled), else the type's default."""
    filled = len(value) if isinstance(value, list) else 0
    if requested is None:
        return Table.rows_to_offer(value)
    return max(1, filled, min(requested, MAX_TABLE_ROWS))


def build_section_form(section: Section, *, language: str | None, values: Mapping[str, Any],
                       rows: Mapping[str, int] | None = None,
                       evidence: Mapping[str, Sequence[EvidenceRow]] | None = None,
                       resolve: bool = False) -> SectionFormSpec:
    """A form class for one section page, with one set of fields per question.

    `resolve` adds the conflict page's "keep mine / keep the stored answer" choice per question.

    For a published (frozen) version the class is built once per questionnaire language, user
    interface language (the labels are translated when the class is built) and table rows offered.
    """
    offered = {q.key: table_rows(q, values.get(q.key), (rows or {}).get(q.key))
               for q in section.questions if q.type == "table"}
    choices = {File.keep_field_name(q): [SelectChoice(e.id, e.original_name) for e in (evidence or {}).get(q.key, [])]
               for q in section.questions if q.type == "file"}
    if not section.version.is_published:
        return replace(_build_section_form(section, language, offered, resolve), choices=choices)
    cache: dict[tuple[Any, ...], SectionFormSpec] = current_app.extensions.setdefault("section_forms", {})
    key = (section.id, language, str(get_locale() or ""), tuple(sorted(offered.items())), resolve)
    spec = cache.get(key)
    if spec is None:
        if len(cache) >= FORM_CACHE_SIZE:
            cache.clear()
        spec = cache[key] = _build_section_form(section, language, offered, resolve)
    return replace(spec, choices=choices)


def _build_section_form(section: Section, language: str | None, offered: Mapping[str, int],
                        resolve: bool) -> SectionFormSpec:
    attrs: dict[str, Any] = {}
    fields_by_question: dict[str, list[str]] = {}
    value_fields: dict[str, list[str]] = {}
    for question in section.questions:
        row_count = offered.get(question.key)
        type_fields = type_of(question).form_fields(question, language, rows=row_count)
        names = list(type_fields)
        value_fields[question.key] = list(names)
        attrs.update(type_fields)
        attrs[comment_field_name(question)] = TextAreaField(
            _("Comment (optional)"), validators=[Length(max=MAX_COMMENT_LENGTH)])
        attrs[confidential_field_name(question)] = BooleanField(_("Confidential: secretariat only"))
        attrs[quotable_field_name(question)] = BooleanField(_("May be quoted anonymously"))
        names += [comment_field_name(question), confidential_field_name(question), quotable_field_name(question)]
        if question.type == "table":
            attrs[rows_field_name(question)] = HiddenField(default=str(row_count or DEFAULT_TABLE_ROWS),
                                                           widget=HIDDEN_INPUT)
            names.append(rows_field_name(question))
        if resolve:  # only the conflict page and what it posts have it; absent means "mine"
            attrs[resolve_field_name(question)] = RadioField(
                _("Which answer should be saved?"),
                choices=[SelectChoice("mine", _("Keep mine")), SelectChoice("stored", _("Keep the stored answer"))],
                validate_choice=False)
        fields_by_question[question.key] = names
    form_class = type(f"Section_{section.key}_Form", (SectionFormBase,), attrs)
    return SectionFormSpec(form_class=form_class, fields_by_question=fields_by_question,
                           value_fields=value_fields, rows=dict(offered))


def form_data(section: Section, answers: Mapping[str, AnswerRow], version: int) -> dict[str, Any]:
    """The data that shows stored answers in the form."""
    data: dict[str, Any] = {"based_on_version": version, "section_digest": section_digest(section, answers)}
    for question in section.questions:
        answer = answers.get(question.key)
        if answer is None:
            continue
        data.update(type_of(question).to_form(answer.value, question))
        data[comment_field_name(question)] = answer.comment
        data[confidential_field_name(question)] = answer.confidential
        data[quotable_field_name(question)] = answer.quotable
    return data


def inputs_from_form(section: Section, form: SectionFormBase) -> dict[str, AnswerInput]:
    """The answers the form carries, question by question, as the service takes them."""
    data = form.data
    result = {}
    for question in section.questions:
        result[question.key] = AnswerInput(
            value=type_of(question).from_form(data, question),
            comment=data.get(comment_field_name(question)) or "",
            confidential=bool(data.get(confidential_field_name(question))),
            quotable=bool(data.get(quotable_field_name(question))),
        )
    return result


class ConfirmForm(FlaskForm):
    """A POST button carrying the version the user looked at (submit)."""

    based_on_version = IntegerField(widget=HiddenField.widget, validators=[InputRequired()])


class ActionForm(FlaskForm):
    """A POST button with only its CSRF token (reopen, remove a file)."""
