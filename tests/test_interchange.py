"""The questionnaire/1 format: files round-trip through the database; broken files are refused whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

from questionnaire import interchange
from questionnaire.interchange import FormatError
from questionnaire.models import AuditEvent, OrganisationKind, Question, Questionnaire, QuestionnaireVersion, Section
from questionnaire.services import questionnaires

DATA = Path(__file__).parent / "data" / "questionnaires"
VALID = sorted((DATA / "valid").glob("*.json"))
INVALID = sorted((DATA / "invalid").glob("*.json"))
TEMPLATE = Path(__file__).parent.parent / "questionnaire" / "library" / "ict_supply_chain_hrdd.json"

# Each malformed file and the problem (path: message) it must be refused with.
EXPECTED_PROBLEMS = {
    "bad_question_key": "sections[0].questions[0].key: 'Policy Exists' is not a valid question key "
                        "(lower-case letters, digits, '_', '.' and '-', starting with a letter or digit)",
    "bad_section_key": "sections[0].key: 'policy.main' is not a valid section key "
                       "(lower-case letters, digits, '_' and '-')",
    "duplicate_json_field": "not valid JSON: the field 'title' appears twice in one object",
    "duplicate_option_values": "sections[1].questions[0].options[1].value: duplicate option value 'tco' "
                               "(also options[0])",
    "duplicate_question_keys": "sections[1].questions[0].key: duplicate question key 'policy.exists' "
                               "(also sections[0].questions[0])",
    "duplicate_section_keys": "sections[1].key: duplicate section key 'policy' (also sections[0])",
    "empty_languages": "languages: must name at least one language",
    "empty_text": "sections[0].questions[0].text: must not be empty",
    "exclusive_on_single_choice": "sections[1].questions[1].options[1].exclusive: "
                                  "only multiple_choice options can be exclusive",
    "first_language_missing": "sections[0].questions[0].text: no text in 'en', the first language",
    "missing_title": "missing required field 'title'",
    "multiple_choice_no_options": "sections[1].questions[0].options: at least one option",
    "nan_number": "not valid JSON: NaN is not a number JSON allows",
    "negative_weight": "sections[0].questions[0].weight: must not be negative",
    "not_an_object": "the document must be a JSON object",
    "not_json": "not valid JSON: Expecting value (line 6, column 1)",
    "number_min_above_max": "sections[1].questions[1].min: min (10) is greater than max (5)",
    "options_on_yes_no_question": "sections[0].questions[0].options: a yes_no question takes no 'options'",
    "percentage_bound_outside_0_100": "sections[1].questions[1].max: a percentage bound must be between 0 and 100",
    "required_not_boolean": "sections[0].questions[0].required: must be true or false",
    "scale_bound_not_integer": "sections[0].questions[1].scale.max: must be a whole number",
    "scale_label_outside_range": "sections[0].questions[1].scale.labels.5: label for 5, outside the scale 0-4",
    "scale_min_not_below_max": "sections[0].questions[1].scale: min (4) must be less than max (4)",
    "section_show_if_on_own_question": "sections[0].show_if: refers to a later question 'policy.exists'",
    "sections_not_a_list": "sections: must be a list of sections",
    "show_if_empty_any": "sections[0].questions[1].show_if.any: must be a non-empty list of conditions",
    "show_if_itself": "sections[0].questions[1].show_if: refers to the question itself",
    "show_if_later_question": "sections[1].questions[3].show_if: refers to a later question 'policy.scope'",
    "show_if_on_file_question": "sections[0].questions[1].show_if: 'policy.evidence' is a file question "
                                "and cannot be used in a condition",
    "show_if_outside_scale": "sections[1].questions[1].show_if.in[1]: 5 is not a possible answer of "
                             "'policy.maturity' (0, 1, 2, 3, 4)",
    "show_if_unknown_question": "sections[0].questions[1].show_if: refers to an unknown question 'policy.nope'",
    "show_if_value_not_an_option": "sections[1].questions[1].show_if.in[1]: 'gold' is not a possible answer "
                                   "of 'labels.held' ('tco', 'epeat', 'none')",
    "show_if_value_not_yes_or_no": "sections[0].questions[1].show_if.equals: 'sometimes' is not a possible "
                                   "answer of 'policy.exists' ('yes', 'no')",
    "show_if_without_value": "sections[0].questions[1].show_if: a condition needs either 'equals' or 'in'",
    "single_choice_one_option": "sections[1].questions[1].options: at least two options",
    "table_bad_column_type": "sections[1].questions[1].columns[1].type: 'file' is not a column type "
                             "(one of yes_no, single_choice, text, long_text, number, percentage, date, url)",
    "table_choice_column_without_options": "sections[1].questions[1].columns[0]: "
                                           "a single_choice question needs 'options'",
    "table_without_columns": "sections[1].questions[1].columns: a table needs at least one column",
    "tags_not_strings": "sections[0].questions[0].tags[1]: must be a non-empty string",
    "translation_in_undeclared_language": "sections[0].questions[0].text.de: a translation in 'de', "
                                          "a language the questionnaire does not declare",
    "two_exclusive_options": "sections[1].questions[0].options[2]: at most one option may be exclusive",
    "unit_on_scale": "sections[0].questions[1].unit: a scale question takes no 'unit'",
    "unknown_field": "sections[0].questions[0].mandatory: unknown field 'mandatory'",
    "unknown_language": "languages[1]: 'french' is not a language code such as 'en' or 'fr'",
    "unknown_type": "sections[0].questions[0].type: unknown question type \"dropdown\" (one of yes_no, "
                    "single_choice, multiple_choice, scale, text, long_text, number, percentage, date, url, "
                    "file, table)",
    "wrong_format": "format: expected 'questionnaire/1', found \"questionnaire/2\"",
}


def ids(paths: list[Path]) -> list[str]:
    return [path.stem for path in paths]


def count_rows(db: Any) -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
            for model in (Questionnaire, QuestionnaireVersion, Section, Question, AuditEvent)}


def import_and_reload(db: Any, document: Any, owner: Any) -> QuestionnaireVersion:
    questionnaire = questionnaires.import_document(document, owner=owner, actor=None)
    db.session.commit()
    questionnaire_id = questionnaire.id
    db.session.expire_all()  # read everything back from the database
    version = questionnaires.get_version(questionnaire_id)
    assert version is not None
    return version


@pytest.fixture
def buyer_org(make_org):
    return make_org(kind=OrganisationKind.BUYER, name="City of Testville")


# --- refusals ----------------------------------------------------------------------------------


def test_there_are_at_least_twenty_malformed_files_each_with_its_expected_problem():
    assert len(INVALID) >= 20
    assert set(ids(INVALID)) == set(EXPECTED_PROBLEMS)


@pytest.mark.parametrize("path", INVALID, ids=ids(INVALID))
def test_malformed_file_is_refused_with_its_path_message(path):
    with pytest.raises(FormatError) as refused:
        interchange.loads(path.read_bytes())
    assert EXPECTED_PROBLEMS[path.stem] in [str(problem) for problem in refused.value.problems]


@pytest.mark.parametrize("path", INVALID, ids=ids(INVALID))
def test_cli_refuses_a_malformed_file_with_status_2_and_writes_nothing(path, runner, db, buyer_org):
    before = count_rows(db)
    result = runner.invoke(args=["questionnaire", "import", str(path), "--owner", buyer_org.name])
    assert result.exit_code == 2, result.output
    assert EXPECTED_PROBLEMS[path.stem] in result.stderr
    assert "nothing was imported" in result.stderr
    assert result.stdout == ""
    db.session.rollback()
    assert count_rows(db) == before


def test_every_problem_of_a_file_is_listed_not_just_the_first():
    document = json.loads((DATA / "valid" / "every_type.json").read_text())
    document["sections"][0]["questions"][0]["type"] = "dropdown"
    document["sections"][0]["questions"][2]["scale"]["min"] = 9
    document["sections"][1]["questions"][0]["options"] = []
    document["languages"].append("de")
    document["title"]["xx"] = "?"
    with pytest.raises(FormatError) as refused:
        interchange.parse_document(document)
    messages = [str(p) for p in refused.value.problems]
    assert "sections[0].questions[0].type: unknown question type \"dropdown\" (one of yes_no, single_choice, " \
           "multiple_choice, scale, text, long_text, number, percentage, date, url, file, table)" in messages
    assert "sections[0].questions[2].scale: min (9) must be less than max (4)" in messages
    assert "sections[1].questions[0].options: at least one option" in messages
    assert "title.xx: a translation in 'xx', a language the questionnaire does not declare" in messages
    assert len(messages) == 4


def test_cli_import_needs_an_existing_owner(runner, db, buyer_org):
    result = runner.invoke(args=["questionnaire", "import", str(VALID[0]), "--owner", "Nobody Ltd"])
    assert result.exit_code == 2
    assert "There is no organisation 'Nobody Ltd'." in result.stderr
    assert count_rows(db)["Questionnaire"] == 0


def test_cli_refuses_a_supplier_as_owner(runner, db, make_org):
    supplier = make_org(kind=OrganisationKind.SUPPLIER)
    result = runner.invoke(args=["questionnaire", "import", str(VALID[0]), "--owner", str(supplier.id)])
    assert result.exit_code == 2
    assert "A supplier organisation cannot own a questionnaire." in result.stderr
    db.session.rollback()
    assert count_rows(db)["Questionnaire"] == 0


# --- round trips -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", VALID, ids=ids(VALID))
def test_valid_file_round_trips_through_the_database(path, db, buyer_org):
    parsed = interchange.loads(path.read_bytes())
    version = import_and_reload(db, parsed, buyer_org)
    assert version.number == 1 and version.is_draft
    assert questionnaires.version_document(version) == parsed.document

    exported = questionnaires.export_document(version)
    reparsed = interchange.parse_document(exported)
    assert reparsed.document == parsed.document
    assert reparsed.warnings == parsed.warnings

    again = import_and_reload(db, reparsed, buyer_org)
    assert questionnaires.version_document(again) == parsed.document
    assert questionnaires.export_document(again) == exported


def test_export_of_a_one_language_file_uses_plain_strings():
    parsed = interchange.loads((DATA / "valid" / "minimal.json").read_bytes())
    assert interchange.to_document(parsed.document) == {**json.loads((DATA / "valid" / "minimal.json").read_text()),
                                                        "sections": [{
        "key": "policy", "title": "Policy", "questions": [
            {"key": "policy.exists", "type": "yes_no", "text": "Do you have a human-rights policy?",
             "required": False}]}]}


def test_round_trip_keeps_texts_translations_options_scores_scales_columns_conditions_tags_weights(db, buyer_org):
    parsed = interchange.loads((DATA / "valid" / "every_type.json").read_bytes())
    version = import_and_reload(db, parsed, buyer_org)
    exported = questionnaires.export_document(version)
    policy, labels, factories = exported["sections"]
    assert exported["description"] == "A test file using every type and every option of the format."
    assert exported["source"] == "Test suite"
    assert policy["questions"][0] == {
        "key": "policy.exists", "type": "yes_no",
        "text": {"en": "Do you have a policy?", "fr": "Avez-vous une politique ?"},
        "help": "A policy approved by senior management.", "required": True, "weight": 2,
        "tags": ["oecd-1", "policy"]}
    assert policy["questions"][1]["options"][1] == {"value": "tier1", "label": "Direct suppliers", "score": 1.5}
    assert policy["questions"][1]["allow_na"] is True
    assert policy["questions"][2]["scale"]["labels"]["0"] == {"en": "None", "fr": "Aucune"}
    assert policy["questions"][2]["weight"] == 0.5
    assert policy["questions"][3]["show_if"] == {"all": [{"question": "policy.exists", "equals": "yes"},
                                                         {"question": "policy.maturity", "in": [3, 4]}]}
    assert labels["questions"][0]["options"][2] == {"value": "none", "label": {"en": "None of these", "fr": "Aucun"},
                                                    "score": 0, "exclusive": True}
    assert factories["show_if"] == {"question": "policy.exists", "equals": "yes"}
    assert [c["type"] for c in factories["questions"][0]["columns"]] == [
        "text", "single_choice", "long_text", "date", "number", "percentage", "url", "yes_no"]
    assert factories["questions"][1]["unit"] == {"en": "people", "fr": "personnes"}
    assert factories["questions"][2]["max"] == 50.5
    assert factories["questions"][3]["weight"] == 0


def test_missing_translations_are_warnings_listed_by_language_with_paths():
    parsed = interchange.loads((DATA / "valid" / "three_languages.json").read_bytes())
    missing = interchange.missing_translations(parsed.warnings)
    assert set(missing) == {"en", "de"}
    assert "sections[0].title" in missing["en"]
    assert "sections[0].questions[1].options[1].label" in missing["de"]
    assert "sections[0].questions[0].text" in missing["de"]
    assert "sections[0].questions[0].text" not in missing["en"]
    assert "title" not in missing.get("de", [])


def test_cli_import_prints_the_id_and_warnings_and_export_writes_the_file_back(runner, db, buyer_org, tmp_path):
    source = DATA / "valid" / "three_languages.json"
    result = runner.invoke(args=["questionnaire", "import", str(source), "--owner", buyer_org.name])
    assert result.exit_code == 0, result.output
    questionnaire_id = int(result.stdout.strip())
    assert "warning: sections[0].title: missing the 'en' translation" in result.stderr
    assert db.session.get(Questionnaire, questionnaire_id).owner_id == buyer_org.id

    target = tmp_path / "out.json"
    result = runner.invoke(args=["questionnaire", "export", str(questionnaire_id), "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert interchange.loads(target.read_bytes()).document == interchange.loads(source.read_bytes()).document

    result = runner.invoke(args=["questionnaire", "export", str(questionnaire_id), "--version", "1"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == json.loads(target.read_text())


def test_cli_export_of_an_unknown_questionnaire_or_version_exits_with_status_2(runner, db, buyer_org):
    result = runner.invoke(args=["questionnaire", "export", "999"])
    assert result.exit_code == 2
    assert "There is no questionnaire 999." in result.stderr
    questionnaire = questionnaires.import_document(interchange.loads((DATA / "valid" / "minimal.json").read_bytes()),
                                                   owner=buyer_org, actor=None)
    db.session.commit()
    result = runner.invoke(args=["questionnaire", "export", str(questionnaire.id), "--version", "7"])
    assert result.exit_code == 2
    assert f"Questionnaire {questionnaire.id} has no version 7." in result.stderr


def test_cli_import_without_owner_uses_the_secretariat(runner, db, make_org):
    secretariat = make_org(kind=OrganisationKind.SECRETARIAT)
    result = runner.invoke(args=["questionnaire", "import", str(DATA / "valid" / "minimal.json")])
    assert result.exit_code == 0, result.output
    assert db.session.get(Questionnaire, int(result.stdout)).owner_id == secretariat.id


# --- the shipped template ----------------------------------------------------------------------


def test_shipped_template_validates_without_errors_and_round_trips(db, buyer_org):
    errors, _warnings = interchange.check_document(json.loads(TEMPLATE.read_text()))
    assert errors == []
    parsed = interchange.loads(TEMPLATE.read_bytes())
    assert parsed.document["languages"][:2] == ["en", "fr"]
    version = import_and_reload(db, parsed, buyer_org)
    exported = questionnaires.export_document(version)
    assert interchange.parse_document(exported).document == parsed.document
    assert questionnaires.version_document(import_and_reload(db, exported, buyer_org)) == parsed.document


def test_exporting_the_imported_template_gives_back_the_shipped_file_byte_for_byte(db, buyer_org):
    version = import_and_reload(db, interchange.loads(TEMPLATE.read_bytes()), buyer_org)
    assert interchange.dumps(questionnaires.export_document(version)) == TEMPLATE.read_text(encoding="utf-8")


def test_shipped_template_is_offered_by_the_library(db, buyer_org):
    templates = {template.name: template for template in questionnaires.list_templates()}
    assert "ict_supply_chain_hrdd" in templates
    assert 35 <= templates["ict_supply_chain_hrdd"].questions <= 50
    questionnaire = questionnaires.create_from_template("ict_supply_chain_hrdd", owner=buyer_org, actor=None)
    assert questionnaire.latest_version.is_draft


# --- size --------------------------------------------------------------------------------------


def big_document() -> dict[str, Any]:
    """500 questions in 10 sections, one a table whose choice column has 700 options."""
    countries = [{"value": f"c{i:03d}", "label": {"en": f"Country {i}", "fr": f"Pays {i}"}} for i in range(700)]
    sections = []
    for s in range(10):
        questions: list[dict[str, Any]] = []
        for n in range(50):
            key = f"s{s}.q{n}"
            kind = n % 5
            if s == 0 and n == 0:
                questions.append({"key": key, "type": "table", "text": "Factories", "columns": [
                    {"key": "name", "label": "Name", "type": "text"},
                    {"key": "country", "label": {"en": "Country", "fr": "Pays"}, "type": "single_choice",
                     "options": countries},
                    {"key": "audited", "label": "Last audit", "type": "date"}]})
            elif kind == 0:
                questions.append({"key": key, "type": "yes_no", "text": {"en": f"Question {key}?", "fr": f"{key} ?"}})
            elif kind == 1:
                questions.append({"key": key, "type": "scale", "text": f"Maturity {key}",
                                  "scale": {"min": 0, "max": 4, "labels": {"0": "None", "4": "Verified"}},
                                  "show_if": {"question": f"s{s}.q{n - 1}", "equals": "yes"} if n > 1 else None})
            elif kind == 2:
                questions.append({"key": key, "type": "multiple_choice", "text": f"Which {key}",
                                  "options": [{"value": f"o{i}", "label": f"Option {i}", "score": i} for i in range(8)],
                                  "tags": ["generated"], "weight": 2})
            elif kind == 3:
                questions.append({"key": key, "type": "number", "text": f"How many {key}", "min": 0, "unit": "units"})
            else:
                questions.append({"key": key, "type": "long_text", "text": f"Describe {key}", "allow_na": True})
            if questions[-1].get("show_if") is None:
                questions[-1].pop("show_if", None)
        sections.append({"key": f"section-{s}", "title": f"Section {s}", "questions": questions})
    return {"format": "questionnaire/1", "title": "Generated", "languages": ["en", "fr"], "sections": sections}


def test_a_500_question_questionnaire_with_a_700_option_column_imports_round_trips_and_loads_in_few_queries(
        db, buyer_org):
    parsed = interchange.parse_document(big_document())
    version = import_and_reload(db, parsed, buyer_org)
    assert sum(len(section.questions) for section in version.sections) == 500
    questionnaire_id = version.questionnaire_id
    db.session.expunge_all()

    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        version = questionnaires.get_version(questionnaire_id)
        exported = questionnaires.export_document(version)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    # The version, its sections, their questions and its approvals: a fixed number, not one per section.
    assert len(statements) <= 4
    assert interchange.parse_document(exported).document == parsed.document
    assert len(exported["sections"][0]["questions"][0]["columns"][1]["options"]) == 700
