"""Markup written for every question of a section page: the answer field and its comment and flags.

Python rather than Jinja: a section page repeats these for each of its questions, and Jinja's
per-expression overhead (context calls, form lookups, escaping) made them a sixth of the page.
"""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from markupsafe import Markup, escape
from wtforms.widgets import ListWidget

from forms.answers import SectionFormBase, comment_field_name, confidential_field_name, quotable_field_name
from questionnaire.models import Question
from questionnaire.views.templating import help_and_errors, render_field


def answer_field(field: Any) -> Markup:
    """An answer field: radio buttons and checkboxes as a group with a legend, anything else by render_field."""
    if not isinstance(field.widget, ListWidget):
        return render_field(field)
    help_text, error_text, described = help_and_errors(field)
    has_error = " has-error" if field.errors else ""
    describedby = f' aria-describedby="{escape(described)}"' if described else ""
    return Markup(  # noqa: S704 - every value is escaped or already markup
        f'<fieldset class="field choice-group{has_error}"{describedby}>\n'
        f"<legend>{escape(field.label.text)}</legend>\n{help_text}{error_text}{field(class_='choice-list')}\n"
        f"</fieldset>")


def answer_extras(form: SectionFormBase, question: Question) -> Markup:
    """The comment and the two sharing flags of one answer, folded away unless one is used."""
    comment = form[comment_field_name(question)]
    flags = (form[confidential_field_name(question)], form[quotable_field_name(question)])
    opened = " open" if comment.data or flags[0].data or flags[1].data or comment.errors else ""
    _help, error_text, described = help_and_errors(comment)
    invalid = f' aria-invalid="true" aria-describedby="{escape(described)}"' if comment.errors else ""
    html = [
        f'<details class="answer-extras"{opened}>\n<summary>{escape(_("Comment and sharing options"))}</summary>\n'
        f'<div class="field{" has-error" if comment.errors else ""}">\n'
        f'<label for="{escape(comment.id)}">{escape(comment.label.text)}</label>\n{error_text}'
        f'<textarea id="{escape(comment.id)}" name="{escape(comment.name)}" '
        f'maxlength="{escape(comment.flags.maxlength)}" rows="2"{invalid}>\n{escape(comment._value())}</textarea>\n'
        f"</div>\n"
    ]
    for flag in flags:
        checked = " checked" if flag.data else ""
        html.append(f'<div class="field field-checkbox">\n<input id="{escape(flag.id)}" name="{escape(flag.name)}" '
                    f'type="checkbox" value="y"{checked}> <label for="{escape(flag.id)}">{escape(flag.label.text)}'
                    f"</label>\n</div>\n")
    html.append("</details>")
    return Markup("".join(html))  # noqa: S704 - every value is escaped
