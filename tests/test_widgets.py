"""The answer fields' widgets write exactly WTForms' markup (they only write it faster)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import Form, SelectChoice, widgets
from wtforms.fields import (
    BooleanField,
    DateField,
    DecimalField,
    HiddenField,
    MultipleFileField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import InputRequired, Length
from wtforms.widgets import html_params

from questionnaire import widgets as fast

CHOICES = [SelectChoice("a", "Alpha & <b>"), SelectChoice("b\"q", "Beta \"quoted\""), SelectChoice("", "(none)")]

# field factory taking a widget, the stock widget, the fast one
CASES = [
    (lambda w: StringField("Name", validators=[InputRequired(), Length(max=20)], widget=w), widgets.TextInput(),
     fast.TEXT_INPUT),
    (lambda w: TextAreaField("Long", validators=[Length(min=2, max=500)], widget=w), widgets.TextArea(),
     fast.TEXT_AREA),
    (lambda w: DecimalField("Number", places=None, widget=w), widgets.NumberInput(step="any"), fast.NUMBER_INPUT),
    (lambda w: DateField("When", widget=w), widgets.DateInput(), fast.DATE_INPUT),
    (lambda w: URLField("Site", widget=w), widgets.URLInput(), fast.URL_INPUT),
    (lambda w: MultipleFileField("Files", widget=w), widgets.FileInput(multiple=True), fast.FILES_INPUT),
    (lambda w: BooleanField("N/A", widget=w), widgets.CheckboxInput(), fast.CHECKBOX_INPUT),
    (lambda w: HiddenField(widget=w), widgets.HiddenInput(), fast.HIDDEN_INPUT),
    (lambda w: SelectField("One", choices=CHOICES, validators=[InputRequired()], widget=w), widgets.Select(),
     fast.SELECT),
    (lambda w: SelectMultipleField("Many", choices=CHOICES, widget=w), widgets.Select(multiple=True),
     fast.SELECT_MULTIPLE),
]

DATA = {
    "StringField": ["", "plain", 'quote " and <tag> & amp'],
    "TextAreaField": ["", "line one\nline <two> & \"three\""],
    "DecimalField": ["", "12.5", "not a number"],
    "DateField": ["", "2026-11-23", "23/11/2026"],
    "URLField": ["", "https://example.org/?a=1&b=\"2\""],
    "MultipleFileField": [""],
    "BooleanField": ["", "y"],
    "HiddenField": ["", "x\"y<z>"],
    "SelectField": ["", "a", 'b"q', "unknown"],
    "SelectMultipleField": ["", "a", 'b"q'],
}

RENDER_KW = [
    {},
    {"class_": "wide", "aria_describedby": "x-help x-error", "aria_invalid": "true", "data_show_if": '{"a": "b"}'},
    {"required": True, "disabled": False, "rows": 2, "placeholder": Markup('say "hi" <b>')},
]


def _form(make, widget, raw):
    class TheForm(Form):
        the = make(widget)

    formdata = MultiDict([("the", raw)]) if raw != "" else MultiDict()
    return TheForm(formdata=formdata)


@pytest.mark.parametrize(("make", "stock", "quick"), CASES, ids=[type(c[2]).__name__ for c in CASES])
def test_same_markup_as_wtforms(make, stock, quick):
    field_type = make(stock).field_class.__name__
    for raw in DATA[field_type]:
        for render_kw in RENDER_KW:
            expected = str(stock(_form(make, stock, raw).the, **render_kw))
            got = quick(_form(make, quick, raw).the, **render_kw)
            assert isinstance(got, Markup)
            assert str(got) == expected, (field_type, raw, render_kw)


def test_stored_values_render_like_wtforms():
    """Data from the database (not posted) renders the same: decimals, dates, lists."""

    class Stock(Form):
        number = DecimalField(places=None, widget=widgets.NumberInput(step="any"))
        day = DateField()
        many = SelectMultipleField(choices=CHOICES)

    class Quick(Form):
        number = DecimalField(places=None, widget=fast.NUMBER_INPUT)
        day = DateField(widget=fast.DATE_INPUT)
        many = SelectMultipleField(choices=CHOICES, widget=fast.SELECT_MULTIPLE)

    data = {"number": Decimal("1234.50"), "day": date(2026, 11, 23), "many": ["a", 'b"q']}
    stock, quick = Stock(data=data), Quick(data=data)
    for name in data:
        assert str(quick[name]()) == str(stock[name]())


@pytest.mark.parametrize("input_type", ["radio", "checkbox"])
def test_choice_list_is_wtforms_list_markup(input_type):
    """The radio and checkbox lists write what WTForms' ListWidget with its option widgets writes."""
    field_class = RadioField if input_type == "radio" else SelectMultipleField
    option = widgets.RadioInput() if input_type == "radio" else widgets.CheckboxInput()

    class Stock(Form):
        the = field_class("Pick", choices=CHOICES, widget=widgets.ListWidget(prefix_label=False),
                          option_widget=option)

    class Quick(Form):
        the = field_class("Pick", choices=CHOICES, widget=fast.RADIO_LIST if input_type == "radio"
                          else fast.CHECKBOX_LIST)

    for raw in ["", "a", 'b"q']:
        formdata = MultiDict([("the", raw)]) if raw else MultiDict()
        for render_kw in ({}, {"class_": "choice-list"}):
            assert str(Quick(formdata=formdata).the(**render_kw)) == str(Stock(formdata=formdata).the(**render_kw))


@pytest.mark.parametrize("kwargs", [
    {},
    {"id": "q_a", "name": "q_a", "type": "text", "value": 'x "y" <z> & w'},
    {"checked": True, "readonly": False, "class_": "c", "for_": "f", "data_a_b": 1, "aria_label": "l"},
    {"value": Markup('<b>"bold"</b>'), "title": 0, "min": Decimal("1.5")},
])
def test_attributes_as_wtforms_writes_them(kwargs):
    assert str(fast.html_attributes(**kwargs)) == str(html_params(**kwargs))


@pytest.mark.parametrize("text", ["Policy URL", 'Spend <in> "EUR" & more', Markup("<i>set</i>")])
def test_labels_as_wtforms_writes_them(text):
    class Labelled(Form):
        the = StringField(text)

    field = Labelled().the
    assert str(fast.label(field)) == str(field.label())


@pytest.mark.parametrize("value", ["", "plain", "a & b < c > d 'e' \"f\"", "&amp; already", 12, Decimal("1.50"), None,
                                   Markup("<b>kept</b> &amp;"), Markup('quote " inside')])
def test_text_escapes_as_markupsafe(value):
    """`text` is markupsafe's escaping as a plain string: the same characters, markup kept as it is."""
    from markupsafe import escape

    assert fast.text(value) == str(escape(value))
    assert type(fast.text(value)) is str

