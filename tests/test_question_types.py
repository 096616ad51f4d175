"""Question types: every type implements every hook, N/A works for every type, conditions decide visibility."""

from __future__ import annotations

import inspect
from dataclasses import replace
from typing import Any

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form

from questionnaire.question_types import (
    QUESTION_TYPES,
    QuestionSpec,
    QuestionType,
    condition_holds,
    condition_keys,
    field_name,
    get_type,
    is_na,
    na_field_name,
    na_justification_field_name,
    na_value,
    visible_parts,
)

LANGUAGES = ["en", "fr"]

OPTIONS = [
    {"value": "none", "label": {"en": "No policy", "fr": "Pas de politique"}, "score": 0},
    {"value": "partial", "label": {"en": "Partly", "fr": "En partie"}, "score": 0.5},
    {"value": "full", "label": {"en": "Fully"}, "score": 1},
]
CERTIFICATES = [
    {"value": "tco", "label": {"en": "TCO Certified"}, "score": 2},
    {"value": "epeat", "label": {"en": "EPEAT"}, "score": 1},
    {"value": "none", "label": {"en": "None of these", "fr": "Aucun"}, "exclusive": True},
]
SCALE = {"min": 0, "max": 4, "labels": {"0": {"en": "None", "fr": "Aucune"}, "4": {"en": "Verified and reported"}}}
COLUMNS = [
    {"key": "name", "label": {"en": "Factory name", "fr": "Nom de l'usine"}, "type": "text"},
    {"key": "country", "label": {"en": "Country"}, "type": "single_choice",
     "options": [{"value": "cn", "label": {"en": "China"}}, {"value": "vn", "label": {"en": "Viet Nam"}}]},
    {"key": "audited", "label": {"en": "Last audit"}, "type": "date"},
    {"key": "workers", "label": {"en": "Workers"}, "type": "number"},
]


def spec(key: str, qtype: str, config: dict[str, Any] | None = None, **extra: Any) -> QuestionSpec:
    return QuestionSpec(key=key, type=qtype, text={"en": f"Question {key}", "fr": f"Question {key} (fr)"},
                        config=config or {}, **extra)


# For each type: a question, a good stored value, values that must be refused, and raw config to check.
SAMPLES: dict[str, dict[str, Any]] = {
    "yes_no": {"question": spec("policy.exists", "yes_no"), "good": "yes", "bad": ["maybe", 1, ["yes"]]},
    "single_choice": {"question": spec("policy.scope", "single_choice", {"options": OPTIONS}),
                      "good": "partial", "bad": ["other", ["full"], 1]},
    "multiple_choice": {"question": spec("labels.held", "multiple_choice", {"options": CERTIFICATES}),
                        "good": ["tco", "epeat"], "bad": [["tco", "none"], ["zzz"], "tco", ["tco", "tco"]]},
    "scale": {"question": spec("policy.maturity", "scale", {"scale": SCALE}), "good": 3,
              "bad": [5, -1, "3", 2.5, True]},
    "text": {"question": spec("contact.name", "text"), "good": "Jo Smith", "bad": ["x" * 1001, 5]},
    "long_text": {"question": spec("risks.describe", "long_text"), "good": "Line one.\nLine two.",
                  "bad": ["x" * 20001, ["a"]]},
    "number": {"question": spec("workers.total", "number",
                                {"unit": {"en": "people", "fr": "personnes"}, "min": 0, "max": 100000}),
               "good": 1250.5, "bad": [-1, 100001, "12", True]},
    "percentage": {"question": spec("audits.share", "percentage"), "good": 45, "bad": [101, -0.5, "50"]},
    "date": {"question": spec("policy.adopted", "date"), "good": "2023-03-05",
             "bad": ["2023-02-30", "05/03/2023", 20230305]},
    "url": {"question": spec("policy.link", "url"), "good": "https://example.org/policy.pdf",
            "bad": ["ftp://example.org/x", "example.org", "https://exa mple.org", "javascript:alert(1)",
                    "https://localhost"]},
    "file": {"question": spec("policy.evidence", "file"), "good": [3, 7], "bad": [["a"], "3"]},
    "table": {"question": spec("factories", "table", {"columns": COLUMNS}),
              "good": [{"name": "Plant A", "country": "cn", "audited": "2023-01-15", "workers": 500},
                       {"name": "Plant B", "country": "vn"}],
              "bad": [[{"name": "F", "country": "xx"}], [{"colour": "red"}], "x", [{"workers": "many"}],
                      [{"audited": "yesterday"}]]},
}

TYPE_NAMES = sorted(QUESTION_TYPES)
HOOKS = ["check_config", "normalise_config", "export_config", "condition_values", "form_fields", "from_form",
         "to_form", "validate", "is_answered", "score", "summarise", "display", "export"]


def build_form(fields: dict[str, Any], **kwargs: Any) -> Form:
    """The answer form as the form builder makes it: a fresh class per request."""
    return type("AnswerForm", (Form,), dict(fields))(**kwargs)


def test_every_registered_type_has_a_sample_here():
    assert set(SAMPLES) == set(QUESTION_TYPES)
    assert len(QUESTION_TYPES) == 12


@pytest.mark.parametrize("name", TYPE_NAMES)
def test_type_implements_every_hook_itself(name):
    qtype = get_type(name)
    assert qtype.name == name
    assert not inspect.isabstract(type(qtype)), f"{name} leaves hooks unimplemented"
    abstract = QuestionType.__abstractmethods__
    for hook in abstract:
        implementation = getattr(type(qtype), hook)
        assert implementation is not getattr(QuestionType, hook), f"{name} does not implement {hook}"
    for hook in HOOKS:
        assert callable(getattr(qtype, hook))
    assert str(qtype.label)


@pytest.mark.parametrize("name", TYPE_NAMES)
def test_sample_config_is_accepted_and_survives_export(name):
    qtype = get_type(name)
    question = SAMPLES[name]["question"]
    problems = qtype.check_config(question.config, LANGUAGES, "q")
    assert [p for p in problems if not p.warning] == []
    normalised = qtype.normalise_config(question.config, LANGUAGES)
    assert normalised == question.config
    exported = qtype.export_config(normalised, LANGUAGES)
    assert qtype.normalise_config(exported, LANGUAGES) == normalised


@pytest.mark.parametrize("name", TYPE_NAMES)
def test_good_value_passes_through_the_form_and_back(name):
    qtype = get_type(name)
    sample = SAMPLES[name]
    question = sample["question"]
    fields = qtype.form_fields(question, "fr", rows=3)
    assert fields, "a type must give at least one field"
    assert all(key.startswith(f"q_{question.key}") for key in fields)
    form = build_form(fields, data=qtype.to_form(sample["good"], question))
    assert qtype.from_form(form.data, question) == sample["good"]
    assert qtype.to_form(None, question) == {}
    assert qtype.from_form(build_form(fields).data, question) is None


@pytest.mark.parametrize("name", TYPE_NAMES)
def test_good_value_is_valid_answered_displayed_and_exported(name):
    qtype = get_type(name)
    sample = SAMPLES[name]
    question, good = sample["question"], sample["good"]
    assert qtype.validate(good, question) == []
    assert qtype.validate(None, question) == []
    assert qtype.is_answered(good)
    assert not qtype.is_answered(None)
    score = qtype.score(good, question)
    assert score is None or isinstance(score, float)
    assert qtype.score(None, question) is None
    for language in ("en", "fr"):
        shown = qtype.display(good, question, language)
        assert isinstance(shown, str) and shown
    assert qtype.display(None, question, "en") == ""
    exported = qtype.export(good, question)
    assert exported and (isinstance(exported, str) or all(isinstance(row, dict) for row in exported))
    assert qtype.export(None, question) == ""


@pytest.mark.parametrize("name", TYPE_NAMES)
def test_bad_values_are_refused_with_a_message(name):
    qtype = get_type(name)
    sample = SAMPLES[name]
    for bad in sample["bad"]:
        messages = qtype.validate(bad, sample["question"])
        assert messages and all(isinstance(m, str) and m for m in messages), f"{name} accepted {bad!r}"


@pytest.mark.parametrize("name", TYPE_NAMES)
def test_summary_counts_answers_and_not_applicable(name):
    qtype = get_type(name)
    sample = SAMPLES[name]
    question = replace(sample["question"], allow_na=True)
    summary = qtype.summarise([sample["good"], sample["good"], None, na_value("We have no factories.")],
                              question)
    assert summary["answered"] == 2
    assert summary["not_applicable"] == 1
    assert len(summary) > 2, "a type adds its own summary keys"
    empty = qtype.summarise([], question)
    assert empty["answered"] == 0


# --- not applicable, for every type ------------------------------------------------------------


@pytest.mark.parametrize("name", TYPE_NAMES)
def test_not_applicable_works_for_every_type(name):
    qtype = get_type(name)
    sample = SAMPLES[name]
    question = replace(sample["question"], allow_na=True)
    fields = qtype.form_fields(question, "en", rows=2)
    assert na_field_name(question) in fields
    assert na_justification_field_name(question) in fields

    posted = build_form(fields, data={na_field_name(question): True,
                                      na_justification_field_name(question): "  We buy no hardware. "})
    value = qtype.from_form(posted.data, question)
    assert is_na(value) and value == {"na": True, "justification": "We buy no hardware."}
    assert qtype.validate(value, question) == []
    assert qtype.is_answered(value)
    assert qtype.score(value, question) is None
    assert qtype.display(value, question, "en") == "Not applicable: We buy no hardware."
    assert qtype.export(value, question) == "n/a: We buy no hardware."
    assert qtype.to_form(value, question)[na_field_name(question)] is True

    assert qtype.validate(na_value(" "), question) == ["Please say why this question does not apply."]
    assert qtype.validate(na_value("why"), sample["question"]) == [
        "This question cannot be marked not applicable."]
    assert na_field_name(question) not in qtype.form_fields(sample["question"], "en")


@pytest.mark.parametrize("name", ["number", "scale", "url", "date"])
def test_ticking_not_applicable_skips_the_checks_of_the_answer_field(name):
    qtype = get_type(name)
    question = replace(SAMPLES[name]["question"], allow_na=True)
    fields = qtype.form_fields(question, "en")
    bad = {"number": "-5", "scale": "9", "url": "nope", "date": ""}[name]
    ticked = build_form(fields, formdata=MultiDict({field_name(question): bad, na_field_name(question): "y",
                                                    na_justification_field_name(question): "Not relevant"}))
    assert ticked.validate(), ticked.errors
    no_reason = build_form(fields, formdata=MultiDict({na_field_name(question): "y"}))
    assert not no_reason.validate()
    assert no_reason.errors[na_justification_field_name(question)] == [
        "Please say why this question does not apply."]


# --- the checks a supplier meets -----------------------------------------------------------------


def test_number_outside_its_bounds_is_refused_with_the_bounds():
    question = SAMPLES["number"]["question"]
    assert get_type("number").validate(-1, question) == ["Please enter a number from 0 to 100000."]
    only_min = spec("n", "number", {"min": 10})
    assert get_type("number").validate(5, only_min) == ["Please enter a number of at least 10."]
    assert get_type("number").validate(5000000, only_min) == []


def test_percentage_must_lie_between_0_and_100():
    question = SAMPLES["percentage"]["question"]
    assert get_type("percentage").validate(100, question) == []
    assert get_type("percentage").validate(0, question) == []
    assert get_type("percentage").validate(100.5, question) == ["Please enter a number from 0 to 100."]


def test_scale_answer_outside_the_scale_is_refused():
    question = SAMPLES["scale"]["question"]
    assert get_type("scale").validate(5, question) == ["Please choose a point on the scale from 0 to 4."]


def test_exclusive_option_cannot_be_combined():
    question = SAMPLES["multiple_choice"]["question"]
    assert get_type("multiple_choice").validate(["none"], question) == []
    assert get_type("multiple_choice").validate(["tco", "none"], question) == [
        "'None of these' cannot be combined with other options."]


def test_bad_web_address_is_refused():
    question = SAMPLES["url"]["question"]
    assert get_type("url").validate("ftp://example.org", question) == [
        "Please enter a web address starting with http:// or https://."]
    assert get_type("url").validate("http://www.example.org/a?b=c", question) == []


def test_table_errors_name_the_row_and_the_column():
    question = SAMPLES["table"]["question"]
    messages = get_type("table").validate([{"name": "A"}, {"name": "B", "workers": -3, "country": "xx"}],
                                          question)
    assert "Row 2, Country: Please choose one of the options." in messages
    assert len(messages) == 1  # workers has no bounds: -3 is a number
    assert get_type("table").validate([{"colour": "red"}], question) == ["Row 1 has an unknown column 'colour'."]


def test_posted_number_accepts_a_decimal_comma():
    qtype = get_type("number")
    question = SAMPLES["number"]["question"]
    form = build_form(qtype.form_fields(question, "fr"), formdata=MultiDict({"q_workers.total": "1 250,5"}))
    assert form.validate()
    assert qtype.from_form(form.data, question) == 1250.5


def test_posted_number_that_is_not_a_number_is_an_error_on_its_field():
    qtype = get_type("number")
    question = SAMPLES["number"]["question"]
    form = build_form(qtype.form_fields(question, "en"), formdata=MultiDict({"q_workers.total": "many"}))
    assert not form.validate()
    assert form.errors["q_workers.total"]


def test_posted_value_out_of_range_shows_the_message_on_the_field():
    qtype = get_type("percentage")
    question = SAMPLES["percentage"]["question"]
    form = build_form(qtype.form_fields(question, "en"), formdata=MultiDict({"q_audits.share": "120"}))
    assert not form.validate()
    assert form.errors == {"q_audits.share": ["Please enter a number from 0 to 100."]}


def test_posted_table_rows_become_row_objects_and_blank_rows_are_dropped():
    qtype = get_type("table")
    question = SAMPLES["table"]["question"]
    fields = qtype.form_fields(question, "en", rows=3)
    assert "q_factories-2-country" in fields
    assert len(fields) == 3 * len(COLUMNS)
    form = build_form(fields, formdata=MultiDict({
        "q_factories-0-name": "Plant A", "q_factories-0-country": "vn", "q_factories-0-workers": "12",
        "q_factories-2-audited": "2024-05-01",
    }))
    assert form.validate(), form.errors
    assert qtype.from_form(form.data, question) == [
        {"name": "Plant A", "country": "vn", "workers": 12}, {"audited": "2024-05-01"}]
    assert qtype.rows_to_offer([{"name": "a"}] * 5) == 6
    assert qtype.rows_to_offer(None) == 3


def test_a_bad_table_cell_shows_its_message_on_that_cell():
    qtype = get_type("table")
    question = SAMPLES["table"]["question"]
    form = build_form(qtype.form_fields(question, "en", rows=1),
                      formdata=MultiDict({"q_factories-0-country": "xx"}))
    assert not form.validate()
    assert form.errors == {"q_factories-0-country": ["Please choose one of the options."]}


def test_choice_fields_offer_labels_in_the_language_with_the_first_language_standing_in():
    qtype = get_type("single_choice")
    question = SAMPLES["single_choice"]["question"]
    form = build_form(qtype.form_fields(question, "fr"))
    field = form["q_policy.scope"]
    assert [label for _value, label, *_rest in field.iter_choices()] == ["Pas de politique", "En partie", "Fully"]
    assert field.label.text == "Question policy.scope (fr)"


def test_long_option_lists_become_a_drop_down():
    options = [{"value": f"o{i}", "label": {"en": f"Option {i}"}} for i in range(700)]
    question = spec("country", "single_choice", {"options": options})
    form = build_form(get_type("single_choice").form_fields(question, "en"))
    assert form["q_country"].type == "SelectField"
    assert "<select" in form["q_country"]()


# --- scores ------------------------------------------------------------------------------------


def test_scores_come_from_options_and_scale_positions():
    assert get_type("single_choice").score("partial", SAMPLES["single_choice"]["question"]) == 0.5
    assert get_type("multiple_choice").score(["tco", "epeat"], SAMPLES["multiple_choice"]["question"]) == 3.0
    assert get_type("multiple_choice").score(["none"], SAMPLES["multiple_choice"]["question"]) == 0.0
    scale = SAMPLES["scale"]["question"]
    assert get_type("scale").score(3, scale) == 0.75
    assert get_type("scale").score(0, scale) == 0.0
    shifted = spec("s", "scale", {"scale": {"min": 1, "max": 5, "labels": {}}})
    assert get_type("scale").score(5, shifted) == 1.0
    assert get_type("yes_no").score("yes", SAMPLES["yes_no"]["question"]) is None
    unscored = spec("c", "single_choice", {"options": [{"value": "a", "label": {"en": "A"}},
                                                       {"value": "b", "label": {"en": "B"}}]})
    assert get_type("single_choice").score("a", unscored) is None


# --- summaries ---------------------------------------------------------------------------------


def test_yes_no_summary_gives_counts_and_shares():
    summary = get_type("yes_no").summarise(["yes", "yes", "no", None], SAMPLES["yes_no"]["question"])
    assert summary["counts"] == {"yes": 2, "no": 1}
    assert summary["shares"] == {"yes": 2 / 3, "no": 1 / 3}


def test_multiple_choice_shares_are_of_respondents():
    summary = get_type("multiple_choice").summarise([["tco", "epeat"], ["tco"], ["none"], ["tco"]],
                                                    SAMPLES["multiple_choice"]["question"])
    assert summary["counts"] == {"tco": 3, "epeat": 1, "none": 1}
    assert summary["shares"]["tco"] == 0.75


def test_scale_summary_gives_distribution_mean_and_median():
    summary = get_type("scale").summarise([0, 3, 4, 4], SAMPLES["scale"]["question"])
    assert summary["distribution"] == {0: 1, 1: 0, 2: 0, 3: 1, 4: 2}
    assert summary["mean"] == 2.75
    assert summary["median"] == 3.5


def test_number_summary_gives_n_min_median_mean_max():
    summary = get_type("number").summarise([10, 20, 60], SAMPLES["number"]["question"])
    assert {k: summary[k] for k in ("n", "min", "median", "mean", "max")} == {
        "n": 3, "min": 10, "median": 20, "mean": 30, "max": 60}


def test_date_summary_gives_earliest_and_latest():
    summary = get_type("date").summarise(["2024-01-02", "2021-06-30", "2023-12-31"],
                                         SAMPLES["date"]["question"])
    assert summary == {"answered": 3, "not_applicable": 0, "count": 3, "earliest": "2021-06-30",
                       "latest": "2024-01-02"}


def test_file_summary_counts_suppliers_who_attached_something():
    summary = get_type("file").summarise([[1], [2, 3], [], None], SAMPLES["file"]["question"])
    assert summary["count"] == 2


def test_table_summary_counts_rows_and_summarises_each_column():
    question = SAMPLES["table"]["question"]
    summary = get_type("table").summarise([[{"country": "cn", "workers": 10}, {"country": "vn"}],
                                           [{"country": "cn", "workers": 30}]], question)
    assert summary["rows"] == 3
    assert summary["rows_per_respondent"]["max"] == 2
    assert summary["columns"]["country"]["counts"] == {"cn": 2, "vn": 1}
    assert summary["columns"]["workers"]["mean"] == 20


# --- display -----------------------------------------------------------------------------------


def test_display_uses_the_language_and_falls_back_to_the_first():
    mc = SAMPLES["multiple_choice"]["question"]
    assert get_type("multiple_choice").display(["tco", "none"], mc, "fr") == "TCO Certified; Aucun"
    assert get_type("scale").display(0, SAMPLES["scale"]["question"], "fr") == "0: Aucune"
    assert get_type("scale").display(4, SAMPLES["scale"]["question"], "fr") == "4: Verified and reported"
    assert get_type("scale").display(2, SAMPLES["scale"]["question"], "en") == "2"
    assert get_type("number").display(1250.5, SAMPLES["number"]["question"], "en") == "1,250.5 people"
    assert get_type("percentage").display(45, SAMPLES["percentage"]["question"], "en") == "45%"
    assert get_type("date").display("2023-03-05", SAMPLES["date"]["question"], "en") == "Mar 5, 2023"
    assert get_type("file").display([1, 2], SAMPLES["file"]["question"], "en") == "2 files"
    table = get_type("table").display(SAMPLES["table"]["good"][1:], SAMPLES["table"]["question"], "fr")
    assert table == "Nom de l'usine: Plant B; Country: Viet Nam"


def test_export_gives_codes_and_one_dict_per_table_row():
    assert get_type("multiple_choice").export(["tco", "epeat"], SAMPLES["multiple_choice"]["question"]) == (
        "tco; epeat")
    rows = get_type("table").export(SAMPLES["table"]["good"], SAMPLES["table"]["question"])
    assert rows[0] == {"name": "Plant A", "country": "cn", "audited": "2023-01-15", "workers": "500"}
    assert rows[1]["workers"] == ""


# --- conditions and visibility -----------------------------------------------------------------


def test_equals_and_in_conditions():
    answers = {"policy.exists": "yes", "policy.maturity": 3, "labels.held": ["tco", "epeat"]}
    assert condition_holds({"question": "policy.exists", "equals": "yes"}, answers)
    assert not condition_holds({"question": "policy.exists", "equals": "no"}, answers)
    assert condition_holds({"question": "policy.maturity", "in": [3, 4]}, answers)
    assert not condition_holds({"question": "policy.maturity", "in": [4]}, answers)
    assert not condition_holds({"question": "unanswered", "equals": "yes"}, answers)


def test_on_multiple_choice_equals_means_among_the_selected():
    answers = {"labels.held": ["tco", "epeat"]}
    assert condition_holds({"question": "labels.held", "equals": "epeat"}, answers)
    assert not condition_holds({"question": "labels.held", "equals": "none"}, answers)
    assert condition_holds({"question": "labels.held", "in": ["none", "tco"]}, answers)
    assert not condition_holds({"question": "labels.held", "in": ["none"]}, answers)


def test_all_and_any_combine_conditions():
    answers = {"a": "yes", "b": 2}
    yes = {"question": "a", "equals": "yes"}
    two = {"question": "b", "equals": 2}
    three = {"question": "b", "equals": 3}
    assert condition_holds({"all": [yes, two]}, answers)
    assert not condition_holds({"all": [yes, three]}, answers)
    assert condition_holds({"any": [three, yes]}, answers)
    assert not condition_holds({"any": [three, {"all": [yes, three]}]}, answers)
    assert condition_keys({"any": [three, {"all": [yes, two]}]}) == {"a", "b"}


def test_not_applicable_answers_and_booleans_satisfy_no_condition():
    assert not condition_holds({"question": "a", "equals": "yes"}, {"a": na_value("n/a")})
    assert not condition_holds({"question": "b", "equals": 1}, {"b": True})


def test_hidden_questions_and_sections_follow_the_answers():
    sections = [
        {"key": "policy", "show_if": None, "questions": [
            {"key": "policy.exists", "show_if": None},
            {"key": "policy.maturity", "show_if": {"question": "policy.exists", "equals": "yes"}},
            {"key": "policy.evidence", "show_if": {"question": "policy.maturity", "in": [3, 4]}},
        ]},
        {"key": "minerals", "show_if": {"question": "policy.exists", "equals": "yes"}, "questions": [
            {"key": "minerals.cmrt", "show_if": None},
        ]},
    ]
    shown = visible_parts(sections, {"policy.exists": "yes", "policy.maturity": 4})
    assert shown.questions == {"policy.exists", "policy.maturity", "policy.evidence", "minerals.cmrt"}
    assert shown.sections == {"policy", "minerals"}
    # Answering "no" hides the maturity question, and so its stored answer no longer shows the evidence.
    shown = visible_parts(sections, {"policy.exists": "no", "policy.maturity": 4})
    assert shown.questions == {"policy.exists"}
    assert shown.sections == {"policy"}
    assert not shown.shows("minerals.cmrt")


@pytest.mark.parametrize("name", TYPE_NAMES)
def test_fields_left_blank_are_not_errors(name):
    qtype = get_type(name)
    question = SAMPLES[name]["question"]
    fields = qtype.form_fields(question, "en", rows=2)
    form = build_form(fields, formdata=MultiDict(dict.fromkeys(fields, "")))
    assert form.validate(), form.errors
    assert qtype.from_form(form.data, question) is None
