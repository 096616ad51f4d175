"""Markup written for every question of a section page (its block, answer field, N/A fields, comment
and flags) and for the sections list beside the answering pages.

Python rather than Jinja: a section page repeats these for each of its questions and sections, and
Jinja's per-expression overhead (context calls, form lookups, escaping) made them a third of the page.
Values are escaped to strings with `widgets.text` (markupsafe's escaping, without a Markup object per
value); tables and file questions are written by a Jinja macro of the section template.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from flask import current_app, request, url_for
from flask_babel import gettext as _
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup
from wtforms.widgets import ListWidget

from forms.answers import SectionFormBase, comment_field_name, confidential_field_name, quotable_field_name
from questionnaire.models import Question, Section
from questionnaire.question_types import Visibility, translate
from questionnaire.views.templating import help_and_errors, render_field
from questionnaire.widgets import text


def answer_field(field: Any) -> Markup:
    """An answer field: radio buttons and checkboxes as a group with a legend, anything else by render_field."""
    if not isinstance(field.widget, ListWidget):
        return render_field(field)
    help_text, error_text, described = help_and_errors(field)
    has_error = " has-error" if field.errors else ""
    describedby = f' aria-describedby="{text(described)}"' if described else ""
    return Markup(  # noqa: S704 - every value is escaped (text) or already markup
        f'<fieldset class="field choice-group{has_error}"{describedby}>\n'
        f"<legend>{text(field.label.text)}</legend>\n{help_text}{error_text}{field(class_='choice-list')}\n"
        f"</fieldset>")


@dataclass(frozen=True)
class QuestionTexts:
    """The interface texts every question of a page repeats, translated once per page."""

    required: str
    extras: str

    @classmethod
    def current(cls) -> QuestionTexts:
        """The texts in the page's language."""
        return cls(required=_("Required"), extras=_("Comment and sharing options"))


def question_start(question: Question, shown: bool, texts: QuestionTexts) -> Markup:
    """The opening of a question's block: its anchor, its condition for the live script, hidden when not shown."""
    key = text(question.key)
    classes = "question question-required" if question.required else "question"
    # As Jinja's `tojson|forceescape` writes it (the script reads it back with JSON.parse).
    show_if = (f' data-show-if="{text(str(htmlsafe_json_dumps(question.show_if, dumps=current_app.json.dumps)))}"'
               if question.show_if else "")
    hidden = "" if shown else " hidden"
    required = f'<p class="required-marker">{text(texts.required)}</p>\n' if question.required else ""
    return Markup(  # noqa: S704 - every value is escaped
        f'<div class="{classes}" id="question-{key}" data-question="{key}"{show_if}{hidden}>\n{required}')


def question_end(form: SectionFormBase, question: Question, texts: QuestionTexts) -> Markup:
    """The end of a question's block: the N/A fields, the comment and flags, the closing tag."""
    html = []
    if question.allow_na:
        name = f"q_{question.key}-na"
        html += [render_field(form[name]), "\n", render_field(form[f"{name}-justification"], rows=2), "\n"]
    html += [answer_extras(form, question, texts), "\n</div>\n"]
    return Markup("".join(html))  # noqa: S704 - every part is markup


def question_block(form: SectionFormBase, question: Question, shown: bool, texts: QuestionTexts) -> Markup:
    """A whole question whose answer is one field (every type but table and file)."""
    return Markup(  # noqa: S704 - every part is markup
        f"{question_start(question, shown, texts)}{answer_field(form[f'q_{question.key}'])}\n"
        f"{question_end(form, question, texts)}")


def questions_html(form: SectionFormBase, questions: Iterable[Question], visibility: Visibility,
                   texts: QuestionTexts, special: Callable[[Question], Any]) -> Markup:
    """Every question of a section page in order; `special` writes a table's or a file question's answer part."""
    html = []
    for question in questions:
        shown = question.key in visibility.questions
        if question.type in ("table", "file"):
            html += [question_start(question, shown, texts), str(special(question)),
                     question_end(form, question, texts)]
        else:
            html.append(question_block(form, question, shown, texts))
    return Markup("".join(html))  # noqa: S704 - every part is markup


def answer_extras(form: SectionFormBase, question: Question, texts: QuestionTexts) -> Markup:
    """The comment and the two sharing flags of one answer, folded away unless one is used."""
    comment = form[comment_field_name(question)]
    flags = (form[confidential_field_name(question)], form[quotable_field_name(question)])
    opened = " open" if comment.data or flags[0].data or flags[1].data or comment.errors else ""
    _help, error_text, described = help_and_errors(comment)
    invalid = f' aria-invalid="true" aria-describedby="{text(described)}"' if comment.errors else ""
    html = [
        f'<details class="answer-extras"{opened}>\n<summary>{text(texts.extras)}</summary>\n'
        f'<div class="field{" has-error" if comment.errors else ""}">\n'
        f'<label for="{text(comment.id)}">{text(comment.label.text)}</label>\n{error_text}'
        f'<textarea id="{text(comment.id)}" name="{text(comment.name)}" '
        f'maxlength="{text(comment.flags.maxlength)}" rows="2"{invalid}>\n{text(comment._value())}</textarea>\n'
        f"</div>\n"
    ]
    for flag in flags:
        checked = " checked" if flag.data else ""
        html.append(f'<div class="field field-checkbox">\n<input id="{text(flag.id)}" name="{text(flag.name)}" '
                    f'type="checkbox" value="y"{checked}> <label for="{text(flag.id)}">{text(flag.label.text)}'
                    f"</label>\n</div>\n")
    html.append("</details>")
    return Markup("".join(html))  # noqa: S704 - every value is escaped


def sections_nav(page: Any, current: Section | None) -> Markup:
    """The round's sections with each one's progress, beside the section and review pages.

    `page` is the answering page (`views.answering.Page`); `current` the section shown, if any.
    """
    required = _("%(answered)d/%(shown)d required")
    skipped = text(_("does not apply"))
    html = [f'<nav class="sections-nav" aria-label="{text(_("Sections"))}">\n  <ol>\n']
    for item in page.progress.sections:
        title = text(translate(item.section.title, page.language))
        if item.shown:
            here = ' aria-current="page"' if current is not None and current.id == item.section.id else ""
            done = " complete" if item.complete else ""
            count = text(required % {"answered": item.required_answered, "shown": item.required_shown})
            html.append(f'    <li>\n      <a href="{text(page.section_url(item.section))}"{here}>{title}</a>\n'
                        f'      <span class="section-progress{done}">{count}</span>\n    </li>\n')
        else:
            html.append(f'    <li>\n      <span class="section-skipped">{title}</span>\n'
                        f'      <span class="section-progress">{skipped}</span>\n    </li>\n')
    review = url_for("answering.review", round_id=page.round.id)
    here = ' aria-current="page"' if request.endpoint == "answering.review" else ""
    html.append(f'  </ol>\n  <p><a href="{text(review)}"{here}>{text(_("Review and submit"))}</a></p>\n</nav>')
    return Markup("".join(html))  # noqa: S704 - every value is escaped (text)
