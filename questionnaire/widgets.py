"""WTForms widgets for answer fields: WTForms' own markup, with faster attribute writing.

A section page renders some 40 fields. WTForms writes each attribute through `Markup.format`
(string.Formatter, about 30 us per input element), which made attribute writing alone a tenth of
the page's time. These widgets produce the same markup byte for byte (tests/test_widgets.py
compares them with WTForms') through plain string joins and `text`, markupsafe's escaping as a string.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from markupsafe import Markup, escape
from wtforms import widgets


def text(value: Any) -> str:
    """`markupsafe.escape(value)` as a plain string, for markup joined from strings.

    The same characters are replaced, and markup (anything with `__html__`) is kept as it is; but no
    Markup object is made per value, which was a third of the time spent writing a field.
    """
    if hasattr(value, "__html__"):
        return str(value.__html__())
    return (str(value).replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
            .replace("'", "&#39;").replace('"', "&#34;"))


def attribute(value: Any) -> str:
    """An attribute value as `html_attributes` writes it: escaped, and quotes in markup escaped too."""
    return text(value).replace('"', "&quot;")


@lru_cache(maxsize=512)
def _attribute_name(key: str) -> str:
    # WTForms' clean_key: a trailing underscore frees reserved words (class_), data_/aria_ use hyphens.
    key = key.rstrip("_")
    if key.startswith(("data_", "aria_")):
        key = key.replace("_", "-")
    return str(escape(key))


def html_attributes(**kwargs: Any) -> Markup:
    """HTML attributes as WTForms' `html_params` writes them: sorted, True bare, False left out."""
    parts = []
    for key in sorted(kwargs):
        value = kwargs[key]
        if value is True:
            parts.append(_attribute_name(key))
        elif value is not False:
            # text() leaves Markup as it is: its double quotes still must not end the attribute.
            parts.append(f'{_attribute_name(key)}="{attribute(value)}"')
    return Markup(" ".join(parts))  # noqa: S704 - names and values were escaped above


def label(field: Any) -> Markup:
    """A field's `<label>`, as `field.label()` writes it."""
    return Markup(f'<label for="{attribute(field.label.field_id)}">{text(field.label.text)}</label>')  # noqa: S704


def _validation_attributes(field: Any, names: list[str], kwargs: dict[str, Any], *, call: bool = False) -> None:
    # The flags the field's validators set (required, maxlength ...); an unset flag reads as None.
    # `call`: as WTForms' Input does, a flag holding a callable gives what it returns.
    present = getattr(getattr(field, "flags", None), "__dict__", {})
    for name in names:
        if name not in kwargs and name in present:
            value = present[name]
            kwargs[name] = value() if call and callable(value) else value


class _FastInput(widgets.Input):
    """WTForms' `Input.__call__` with the attributes written by `html_attributes`.

    Listed after a WTForms widget class (`class X(widgets.TextInput, _FastInput)`), so the widget's own
    `__call__` (a number's step, a checkbox's checked) still runs first and reaches this one.
    """

    html_params = staticmethod(html_attributes)

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        kwargs.setdefault("type", self.input_type)
        if "value" not in kwargs:
            kwargs["value"] = field._value()
        datalist = getattr(field, "_datalist", None)
        if datalist is not None and "list" not in kwargs:
            kwargs["list"] = datalist if isinstance(datalist, str) else datalist.id
        _validation_attributes(field, self.validation_attrs, kwargs, call=True)
        return Markup(f"<input {html_attributes(name=field.name, **kwargs)}>")  # noqa: S704 - escaped


class TextInput(widgets.TextInput, _FastInput):
    """`<input type="text">`."""


class NumberInput(widgets.NumberInput, _FastInput):
    """`<input type="number">`."""


class DateInput(widgets.DateInput, _FastInput):
    """`<input type="date">`."""


class URLInput(widgets.URLInput, _FastInput):
    """`<input type="url">`."""


class FileInput(widgets.FileInput, _FastInput):
    """`<input type="file">`."""


class CheckboxInput(widgets.CheckboxInput, _FastInput):
    """A single checkbox."""


class HiddenInput(widgets.HiddenInput, _FastInput):
    """`<input type="hidden">`."""


class TextArea(widgets.TextArea):
    """`<textarea>`, as WTForms writes it."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        _validation_attributes(field, self.validation_attrs, kwargs)
        attributes = html_attributes(name=field.name, **kwargs)
        return Markup(f"<textarea {attributes}>\r\n{text(field._value())}</textarea>")  # noqa: S704


class Select(widgets.Select):
    """`<select>`, as WTForms writes it (option groups, which answer fields never have, by WTForms itself)."""

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        if field.has_groups():
            return super().__call__(field, **kwargs)
        kwargs.setdefault("id", field.id)
        if self.multiple:
            kwargs["multiple"] = True
        _validation_attributes(field, self.validation_attrs, kwargs)
        html = [f"<select {html_attributes(name=field.name, **kwargs)}>"]
        for choice in field.iter_choices():
            value = str(choice.value) if isinstance(choice.value, bool) else choice.value
            options = {"value": value, **(choice.render_kw or {})}
            if choice.selected:
                options["selected"] = True
            html.append(f"<option {html_attributes(**options)}>{text(choice.label or choice.value)}</option>")
        html.append("</select>")
        return Markup("".join(html))  # noqa: S704 - every value went through html_attributes or text


class ChoiceList(widgets.ListWidget):
    """Radio buttons or checkboxes in a list: WTForms' ListWidget(prefix_label=False) markup, written directly.

    ListWidget binds a sub-field per option and renders it through its own widget and label; with the
    dozens of options of a section page that was most of the page's rendering time.
    """

    def __init__(self, input_type: str) -> None:
        super().__init__(prefix_label=False)
        self.input_type = input_type

    def __call__(self, field: Any, **kwargs: Any) -> Markup:
        kwargs.setdefault("id", field.id)
        html = [f"<ul {html_attributes(**kwargs)}>"]
        # The attributes in html_attributes' (sorted) order, written directly: checked, id, name, type, value.
        base_id, name = attribute(field.id), attribute(field.name)
        for index, choice in enumerate(field.iter_choices()):
            if choice.render_kw:
                attributes = html_attributes(id=f"{field.id}-{index}", name=field.name, type=self.input_type,
                                             value=choice.value, checked=choice.selected, **choice.render_kw)
            else:
                checked = "checked " if choice.selected else ""
                attributes = (f'{checked}id="{base_id}-{index}" name="{name}" type="{self.input_type}" '
                              f'value="{attribute(choice.value)}"')
            html.append(f'<li><input {attributes}> <label for="{base_id}-{index}">{text(choice.label)}</label></li>')
        html.append("</ul>")
        return Markup("".join(html))  # noqa: S704 - every value above went through html_attributes or text


TEXT_INPUT = TextInput()
NUMBER_INPUT = NumberInput(step="any")
DATE_INPUT = DateInput()
URL_INPUT = URLInput()
FILES_INPUT = FileInput(multiple=True)
CHECKBOX_INPUT = CheckboxInput()
HIDDEN_INPUT = HiddenInput()
TEXT_AREA = TextArea()
SELECT = Select()
SELECT_MULTIPLE = Select(multiple=True)
RADIO_LIST = ChoiceList("radio")
CHECKBOX_LIST = ChoiceList("checkbox")
