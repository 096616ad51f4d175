"""The questionnaire designer through the web: create, edit, reorder, conditions, files, sign-off, preview."""

from __future__ import annotations

import io
import json
import re
from html import unescape
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import event, func, select
from werkzeug.datastructures import MultiDict

from questionnaire import interchange
from questionnaire.models import AuditEvent, Question, Questionnaire, QuestionnaireVersion, Section
from questionnaire.services import questionnaires as service


@pytest.fixture
def world(make_org, make_user):
    """Two buyer organisations (owner and co-editor), a third buyer, a supplier and the secretariat."""
    owner_org = make_org(kind="buyer", name="City of Lyon")
    co_org = make_org(kind="buyer", name="Dutch ICT Purchasing")
    other_org = make_org(kind="buyer", name="Region of Elsewhere")
    return SimpleNamespace(
        owner_org=owner_org, co_org=co_org, other_org=other_org,
        owner=make_user(org=owner_org, email="bea@lyon.test"),
        co=make_user(org=co_org, email="bram@nl.test"),
        other=make_user(org=other_org, email="olga@elsewhere.test"),
        supplier=make_user(kind="supplier", email="sofia@supplier.test"),
        secretariat=make_user(kind="secretariat", email="sam@secretariat.test"),
    )


def text_of(response: Any) -> str:
    """The page text without tags, entities decoded, whitespace collapsed."""
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


def field_error(response: Any, field_id: str) -> str:
    """The error shown next to a field (render_field's `<id>-error` paragraph)."""
    match = re.search(rf'id="{re.escape(field_id)}-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    return unescape(match.group(1)).strip() if match else ""


def create_blank(client, title="Joint dialogue 2027", languages="en, fr") -> int:
    response = client.post("/questionnaires/new", data={"title": title, "languages": languages})
    assert response.status_code == 302, text_of(response)
    return int(re.search(r"/questionnaires/(\d+)", response.headers["Location"]).group(1))


def add_section(client, qid: int, key: str, title_en: str, title_fr: str = "", **extra: str) -> Section:
    data = {"key": key, "title-en": title_en, "title-fr": title_fr, "show_if_mode": "none", **extra}
    response = client.post(f"/questionnaires/{qid}/sections/new", data=data)
    assert response.status_code == 302, text_of(response)
    return latest(qid).sections[-1]


def latest(qid: int) -> QuestionnaireVersion:
    from questionnaire.extensions import db

    db.session.expire_all()
    return service.get_version(qid)


def add_question(client, qid: int, section: Section, type_name: str, data: dict[str, Any]):
    body = {"type": type_name, "shown_type": type_name, "weight": "1", "show_if_mode": "none", "submit": "save",
            **data}
    return client.post(f"/questionnaires/{qid}/sections/{section.id}/questions/new?type={type_name}", data=body)


def choice_rows(*options: tuple[str, str, str]) -> dict[str, str]:
    """Option rows as the form posts them: (value, English label, French label)."""
    data = {}
    for i, (value, en, fr) in enumerate(options):
        data |= {f"options-{i}-value": value, f"options-{i}-label-en": en, f"options-{i}-label-fr": fr}
    return data


def build_policy_questionnaire(client) -> tuple[int, Section, Section]:
    """A two-section questionnaire: a single choice, a scale, a table and a conditional question."""
    qid = create_blank(client)
    policy = add_section(client, qid, "policy", "Policy", "Politique")
    practice = add_section(client, qid, "practice", "Practice", "Pratique")
    response = add_question(client, qid, policy, "single_choice", {
        "key": "policy.exists", "text-en": "Do you have a human-rights policy?",
        "text-fr": "Avez-vous une politique des droits humains ?", "required": "y",
        **choice_rows(("yes", "Yes, published", "Oui, publiée"), ("no", "No", "Non")),
    })
    assert response.status_code == 302, text_of(response)
    response = add_question(client, qid, policy, "scale", {
        "key": "policy.maturity", "text-en": "How mature is it?", "text-fr": "Quelle maturité ?",
        "scale_min": "0", "scale_max": "4", "scale_labels": "0 | None | Aucune\n4 | Verified | Vérifiée",
    })
    assert response.status_code == 302, text_of(response)
    response = add_question(client, qid, practice, "table", {
        "key": "factories", "text-en": "Factories", "text-fr": "Usines",
        "columns-0-key": "name", "columns-0-label-en": "Name", "columns-0-label-fr": "Nom", "columns-0-type": "text",
        "columns-1-key": "country", "columns-1-label-en": "Country", "columns-1-label-fr": "Pays",
        "columns-1-type": "single_choice", "columns-1-options": "cn | China | Chine\nvn | Viet Nam",
    })
    assert response.status_code == 302, text_of(response)
    response = add_question(client, qid, practice, "url", {
        "key": "policy.link", "text-en": "Where is the policy published?", "text-fr": "Où est-elle publiée ?",
        "show_if_mode": "all", "show_if_rows-0-pick": json.dumps(["policy.exists", "yes"]),
    })
    assert response.status_code == 302, text_of(response)
    return qid, policy, practice


# --- creating -------------------------------------------------------------------------------------


def test_buyer_creates_a_blank_questionnaire_and_sees_it_listed(client, login, world):
    login(client, world.owner)
    qid = create_blank(client, title="Joint dialogue 2027")
    page = client.get(f"/questionnaires/{qid}")
    assert page.status_code == 200
    assert "Joint dialogue 2027" in text_of(page)
    listing = client.get("/questionnaires/")
    assert "Joint dialogue 2027" in text_of(listing)


def test_blank_questionnaire_with_a_bad_language_shows_the_error_next_to_languages(client, login, world, db):
    login(client, world.owner)
    response = client.post("/questionnaires/new", data={"title": "T", "languages": "en, xx-notreal-lang"})
    assert response.status_code == 400
    assert field_error(response, "languages")
    assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 0


def test_buyer_builds_sections_and_questions_of_several_types(client, login, world):
    login(client, world.owner)
    qid, _policy, _practice = build_policy_questionnaire(client)
    version = latest(qid)
    assert [s.key for s in version.sections] == ["policy", "practice"]
    keys = [(q.key, q.type) for q in version.questions()]
    assert keys == [("policy.exists", "single_choice"), ("policy.maturity", "scale"), ("factories", "table"),
                    ("policy.link", "url")]
    exists = version.sections[0].questions[0]
    assert exists.required is True
    assert exists.config["options"][0] == {"value": "yes", "label": {"en": "Yes, published", "fr": "Oui, publiée"}}
    scale = version.sections[0].questions[1].config["scale"]
    assert scale["min"] == 0 and scale["max"] == 4 and scale["labels"]["4"] == {"en": "Verified", "fr": "Vérifiée"}
    columns = version.sections[1].questions[0].config["columns"]
    assert columns[1]["options"] == [{"value": "cn", "label": {"en": "China", "fr": "Chine"}},
                                     {"value": "vn", "label": {"en": "Viet Nam"}}]
    assert version.sections[1].questions[1].show_if == {"question": "policy.exists", "equals": "yes"}
    page = text_of(client.get(f"/questionnaires/{qid}"))
    assert "Shown only if “Do you have a human-rights policy?” is “Yes, published”" in page


def test_add_option_button_shows_another_blank_row_without_saving(client, login, world):
    login(client, world.owner)
    qid = create_blank(client)
    section = add_section(client, qid, "s", "S", "S")
    response = add_question(client, qid, section, "single_choice", {
        "key": "q1", "text-en": "Q", **choice_rows(("a", "A", ""), ("b", "B", "")), "add_option": "Add an option",
        "submit": ""})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="options-2-value"' in html
    assert 'value="b"' in html
    assert not latest(qid).sections[0].questions


def test_option_problems_from_the_service_show_next_to_the_option(client, login, world):
    login(client, world.owner)
    qid = create_blank(client)
    section = add_section(client, qid, "s", "S")
    response = add_question(client, qid, section, "single_choice", {
        "key": "q1", "text-en": "Q", **choice_rows(("a", "A", ""), ("a", "Again", ""))})
    assert response.status_code == 400
    assert "duplicate option value 'a'" in field_error(response, "options-1-value")
    assert not latest(qid).sections[0].questions


def test_moving_questions_and_sections_up_and_down(client, login, world):
    login(client, world.owner)
    qid, _policy, practice = build_policy_questionnaire(client)
    version = latest(qid)
    maturity = version.sections[0].questions[1]
    assert client.post(f"/questionnaires/{qid}/questions/{maturity.id}/move",
                       data={"direction": "up"}).status_code == 302
    assert [q.key for q in latest(qid).sections[0].questions] == ["policy.maturity", "policy.exists"]
    # Moving the practice section above policy would put the condition before its question: refused.
    response = client.post(f"/questionnaires/{qid}/sections/{practice.id}/move", data={"direction": "up"},
                           follow_redirects=True)
    assert "Refused: this would make the questionnaire invalid." in text_of(response)
    assert "later question 'policy.exists'" in text_of(response)
    assert [s.key for s in latest(qid).sections] == ["policy", "practice"]
    table = latest(qid).sections[1].questions[0]
    client.post(f"/questionnaires/{qid}/questions/{table.id}/move", data={"direction": "down"})
    assert [q.key for q in latest(qid).sections[1].questions] == ["policy.link", "factories"]


def test_condition_builder_offers_only_earlier_questions(client, login, world):
    login(client, world.owner)
    qid, _policy, _practice = build_policy_questionnaire(client)
    exists = latest(qid).sections[0].questions[0]
    html = client.get(f"/questionnaires/{qid}/questions/{exists.id}/edit").get_data(as_text=True)
    assert "policy.maturity" not in re.search(r'<select[^>]*show_if_rows-0-pick.*?</select>', html, re.S).group(0)
    link = latest(qid).sections[1].questions[1]
    html = client.get(f"/questionnaires/{qid}/questions/{link.id}/edit").get_data(as_text=True)
    picker = re.search(r'<select[^>]*show_if_rows-0-pick.*?</select>', html, re.S).group(0)
    assert "policy.exists" in picker and "policy.maturity" in picker
    assert unescape(json.dumps(["policy.exists", "yes"])) in unescape(picker)
    # A forged condition on a later question is refused by the service, shown next to the condition.
    response = client.post(f"/questionnaires/{qid}/questions/{exists.id}/edit", data={
        "type": "single_choice", "shown_type": "single_choice", "key": "policy.exists", "text-en": "Q",
        "weight": "1", **choice_rows(("yes", "Yes", ""), ("no", "No", "")), "submit": "save",
        "show_if_mode": "all", "show_if_rows-0-pick": json.dumps(["policy.maturity", 3])})
    assert response.status_code == 400
    assert "policy.maturity" in field_error(response, "show_if_mode")
    assert latest(qid).sections[0].questions[0].show_if is None


# --- files ----------------------------------------------------------------------------------------


def test_download_json_round_trips_through_upload(client, login, world):
    login(client, world.owner)
    qid, _p, _q = build_policy_questionnaire(client)
    downloaded = client.get(f"/questionnaires/{qid}/versions/1/download")
    assert downloaded.status_code == 200
    assert downloaded.mimetype == "application/json"
    response = client.post("/questionnaires/upload", data={
        "file": (io.BytesIO(downloaded.data), "copy.json")}, content_type="multipart/form-data")
    assert response.status_code == 302
    new_id = int(re.search(r"/questionnaires/(\d+)", response.headers["Location"]).group(1))
    again = client.get(f"/questionnaires/{new_id}/versions/1/download")
    assert json.loads(again.data) == json.loads(downloaded.data)


def test_uploading_a_broken_file_lists_every_problem_and_writes_nothing(client, login, world, db):
    login(client, world.owner)
    document = {"format": "questionnaire/1", "title": "T", "languages": ["en"], "sections": [
        {"key": "s", "title": "S", "questions": [
            {"key": "a", "type": "single_choice", "text": "A", "options": [{"value": "x", "label": "X"}]},
            {"key": "b", "type": "nonsense", "text": "B"},
            {"key": "c", "type": "text", "text": "C", "show_if": {"question": "zzz", "equals": "y"}},
        ]}]}
    response = client.post("/questionnaires/upload", data={
        "file": (io.BytesIO(json.dumps(document).encode()), "broken.json")}, content_type="multipart/form-data")
    assert response.status_code == 400
    page = text_of(response)
    assert "sections[0].questions[0].options: at least two options" in page
    assert "sections[0].questions[1].type" in page
    assert "sections[0].questions[2].show_if" in page
    assert db.session.scalar(select(func.count()).select_from(Questionnaire)) == 0
    response = client.post("/questionnaires/upload", data={
        "file": (io.BytesIO(b"{not json"), "broken.json")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "not valid JSON" in text_of(response)


def test_uploaded_file_with_missing_translations_is_imported_with_warnings_listed(client, login, world):
    login(client, world.owner)
    document = {"format": "questionnaire/1", "title": {"en": "T", "fr": "T fr"}, "languages": ["en", "fr"],
                "sections": [{"key": "s", "title": "Only English", "questions": [
                    {"key": "a", "type": "yes_no", "text": "A?"}]}]}
    response = client.post("/questionnaires/upload", data={
        "file": (io.BytesIO(json.dumps(document).encode()), "partial.json")}, content_type="multipart/form-data",
        follow_redirects=True)
    assert response.status_code == 200
    page = text_of(response)
    assert "lack a translation" in page
    assert "French (fr): 2 texts" in page
    assert "question a: text" in page


def test_creating_from_the_template_library(client, login, world):
    login(client, world.owner)
    templates = service.list_templates()
    response = client.post("/questionnaires/from-template", data={"template": templates[0].name})
    assert response.status_code == 302
    qid = int(re.search(r"/questionnaires/(\d+)", response.headers["Location"]).group(1))
    assert sum(1 for _ in latest(qid).questions()) == templates[0].questions


# --- sign-off ---------------------------------------------------------------------------------------


def share_with_co_editor(client, qid: int, world) -> None:
    response = client.post(f"/questionnaires/{qid}/co-editors", data={"organisation": str(world.co_org.id)})
    assert response.status_code == 302


def test_both_organisations_approve_then_publish_then_editing_is_refused_and_a_new_version_opens(
        app, client, login, world):
    login(client, world.owner)
    qid, _policy, _practice = build_policy_questionnaire(client)
    share_with_co_editor(client, qid, world)
    page = text_of(client.post(f"/questionnaires/{qid}/versions/1/publish", data={}, follow_redirects=True))
    assert "still needs the approval of" in page
    client.post(f"/questionnaires/{qid}/versions/1/approve", data={})

    co_client = app.test_client()
    login(co_client, world.co)
    # The co-editor can edit the draft too; an edit clears the owner's approval.
    version = latest(qid)
    response = co_client.post(f"/questionnaires/{qid}/details", data={
        "title-en": "Joint dialogue 2027 (revised)", "title-fr": "Dialogue 2027", "languages": "en, fr"})
    assert response.status_code == 302
    assert latest(qid).approvals == []
    co_client.post(f"/questionnaires/{qid}/versions/1/approve", data={})
    client.post(f"/questionnaires/{qid}/versions/1/approve", data={})
    page = text_of(client.get(f"/questionnaires/{qid}"))
    assert "approved by" in page and "not yet approved" not in page

    response = client.post(f"/questionnaires/{qid}/versions/1/publish", data={}, follow_redirects=True)
    assert "Version 1 is published" in text_of(response)
    version = latest(qid)
    assert version.is_published

    refused = client.get(f"/questionnaires/{qid}/sections/{version.sections[0].id}/edit")
    assert refused.status_code == 409
    assert "published and can no longer be changed" in text_of(refused)
    assert "Start a new version" in text_of(refused)
    refused = client.post(f"/questionnaires/{qid}/sections/{version.sections[0].id}/questions/new?type=text",
                          data={"key": "x", "text-en": "X", "type": "text", "shown_type": "text"})
    assert refused.status_code == 409

    response = client.post(f"/questionnaires/{qid}/new-version", data={})
    assert response.status_code == 302
    version2 = latest(qid)
    assert version2.number == 2 and version2.is_draft
    assert [q.key for q in version2.questions()] == [q.key for q in version.questions()]
    page = text_of(client.get(f"/questionnaires/{qid}"))
    assert "Version 2" in page
    # The old section's edit page now points at the new draft.
    refused = client.get(f"/questionnaires/{qid}/sections/{version.sections[0].id}/edit")
    assert refused.status_code == 409
    assert "Edit the draft, version 2" in text_of(refused)


# --- preview --------------------------------------------------------------------------------------


def test_preview_in_english_and_french_shows_the_translated_texts(client, login, world):
    login(client, world.owner)
    qid, _p, _q = build_policy_questionnaire(client)
    english = client.get(f"/questionnaires/{qid}/versions/1/preview?lang=en")
    assert english.status_code == 200
    page = text_of(english)
    assert "Do you have a human-rights policy?" in page and "Yes, published" in page
    assert "Shown only if" in page
    assert 'disabled' in english.get_data(as_text=True)
    french = text_of(client.get(f"/questionnaires/{qid}/versions/1/preview?lang=fr"))
    assert "Avez-vous une politique des droits humains ?" in french
    assert "Oui, publiée" in french and "Chine" in french and "Pratique" in french


def test_the_shipped_template_previews_in_english_and_french(client, login, world):
    login(client, world.owner)
    name = service.list_templates()[0].name
    response = client.post("/questionnaires/from-template", data={"template": name})
    qid = int(re.search(r"/questionnaires/(\d+)", response.headers["Location"]).group(1))
    version = latest(qid)
    first = next(version.questions())
    for lang in ("en", "fr"):
        page = client.get(f"/questionnaires/{qid}/versions/1/preview?lang={lang}")
        assert page.status_code == 200
        text = text_of(page)
        assert version.title[lang] in text
        assert first.text[lang] in text
        # Conditional questions are marked, in the questionnaire's language.
        assert page.get_data(as_text=True).count('class="condition"') >= 10


# --- permissions ----------------------------------------------------------------------------------


def test_who_may_see_and_edit_a_questionnaire(app, client, login, world):
    login(client, world.owner)
    qid, _policy, _practice = build_policy_questionnaire(client)
    share_with_co_editor(client, qid, world)

    supplier = app.test_client()
    login(supplier, world.supplier)
    assert supplier.get("/questionnaires/").status_code == 403
    assert supplier.get(f"/questionnaires/{qid}").status_code == 404

    other = app.test_client()
    login(other, world.other)
    assert other.get(f"/questionnaires/{qid}").status_code == 404
    assert other.get(f"/questionnaires/{qid}/versions/1/download").status_code == 404
    assert other.post(f"/questionnaires/{qid}/sections/new", data={"key": "x"}).status_code == 404
    assert "Joint dialogue" not in text_of(other.get("/questionnaires/"))

    co = app.test_client()
    login(co, world.co)
    assert add_section(co, qid, "extra", "Extra").key == "extra"
    # Only the owner shares.
    assert co.post(f"/questionnaires/{qid}/co-editors",
                   data={"organisation": str(world.other_org.id)}).status_code == 403

    secretariat = app.test_client()
    login(secretariat, world.secretariat)
    assert secretariat.get(f"/questionnaires/{qid}").status_code == 200
    assert "Edit section" not in text_of(secretariat.get(f"/questionnaires/{qid}"))
    assert secretariat.post(f"/questionnaires/{qid}/sections/new", data={"key": "x"}).status_code == 403


# --- size -----------------------------------------------------------------------------------------


def large_document(questions: int = 500, options: int = 700) -> dict[str, Any]:
    """A generated questionnaire: `questions` questions in 10 sections, one table with a huge choice column."""
    sections = []
    per_section = questions // 10
    for s in range(10):
        items = []
        for i in range(per_section):
            key = f"s{s}.q{i}"
            if s == 0 and i == 0:
                items.append({"key": key, "type": "table", "text": "Factories", "columns": [
                    {"key": "name", "label": "Name", "type": "text"},
                    {"key": "country", "label": "Country", "type": "single_choice",
                     "options": [{"value": f"c{n}", "label": f"Country {n}"} for n in range(options)]}]})
            elif i % 2:
                items.append({"key": key, "type": "single_choice", "text": f"Question {key}",
                              "options": [{"value": "a", "label": "A"}, {"value": "b", "label": "B"}]})
            else:
                items.append({"key": key, "type": "scale", "text": f"Question {key}",
                              "scale": {"min": 0, "max": 4}, "show_if": {"question": f"s{s}.q{i - 1}",
                                                                         "equals": "a"} if i > 1 else None})
                if items[-1]["show_if"] is None:
                    del items[-1]["show_if"]
        sections.append({"key": f"s{s}", "title": f"Section {s}", "questions": items})
    return {"format": "questionnaire/1", "title": "Large", "languages": ["en"], "sections": sections}


def count_queries(app, call) -> int:
    from questionnaire.extensions import db

    statements: list[str] = []

    def before(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        response = call()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    assert response.status_code == 200
    return len(statements)


def test_designer_and_preview_of_a_500_question_questionnaire_do_not_query_per_question(app, client, login,
                                                                                      world, db):
    login(client, world.owner)
    small = service.import_document(interchange.parse_document(large_document(20, 5)), owner=world.owner_org,
                                    actor=world.owner)
    large = service.import_document(interchange.parse_document(large_document(500, 700)), owner=world.owner_org,
                                    actor=world.owner)
    db.session.commit()
    db.session.expire_all()
    for path in ("/questionnaires/{}", "/questionnaires/{}/versions/1/preview?lang=en"):
        small_count = count_queries(app, lambda p=path: client.get(p.format(small.id)))
        large_count = count_queries(app, lambda p=path: client.get(p.format(large.id)))
        assert large_count == small_count, path
        assert large_count < 25, path
    assert db.session.scalar(select(func.count()).select_from(Question)) == 520
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) >= 2


# --- demo -----------------------------------------------------------------------------------------


def test_seed_demo_adds_the_published_template_and_a_shared_draft(app, client, runner, login, db):
    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    login(client, "buyer@demo.test", "demo")
    listing = client.get("/questionnaires/")
    rows = db.session.scalars(select(Questionnaire).order_by(Questionnaire.id)).all()
    assert len(rows) == 2
    published, draft = rows
    assert published.latest_version.is_published
    assert [a.organisation.name for a in published.latest_version.approvals] == [published.owner.name]
    assert draft.latest_version.is_draft
    assert [org.name for org in draft.co_editors] == ["Dutch Government ICT Purchasing"]
    # Bea reads French, so she sees the French titles.
    assert "Dialogue de marché commun 2027 (projet)" in text_of(listing)
    co = app.test_client()
    login(co, "buyer2@demo.test", "demo")
    assert co.get(f"/questionnaires/{draft.id}").status_code == 200
    assert co.get(f"/questionnaires/{published.id}").status_code == 404
    dashboard = text_of(client.get("/dashboard"))
    assert "Dialogue de marché commun 2027 (projet)" in dashboard


def test_a_file_uploaded_after_publication_becomes_the_next_draft(client, login, world, db):
    login(client, world.owner)
    qid, _p, _q = build_policy_questionnaire(client)
    client.post(f"/questionnaires/{qid}/versions/1/approve", data={})
    client.post(f"/questionnaires/{qid}/versions/1/publish", data={})
    document = json.loads(client.get(f"/questionnaires/{qid}/versions/1/download").data)
    document["title"] = {"en": "Second edition", "fr": "Deuxième édition"}
    broken = dict(document, languages=[])
    response = client.post(f"/questionnaires/{qid}/upload-version", data={
        "file": (io.BytesIO(json.dumps(broken).encode()), "v2.json")}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "languages" in text_of(response)
    assert len(service.version_history(db.session.get(Questionnaire, qid))) == 1
    response = client.post(f"/questionnaires/{qid}/upload-version", data={
        "file": (io.BytesIO(json.dumps(document).encode()), "v2.json")}, content_type="multipart/form-data")
    assert response.status_code == 302
    version = latest(qid)
    assert version.number == 2 and version.is_draft and version.title["en"] == "Second edition"


def test_deleting_a_section_is_offered_on_its_edit_page_and_removes_its_questions(client, login, world):
    login(client, world.owner)
    qid = create_blank(client)
    section = add_section(client, qid, "gone", "Gone")
    add_question(client, qid, section, "yes_no", {"key": "g1", "text-en": "G?"})
    page = text_of(client.get(f"/questionnaires/{qid}/sections/{section.id}/edit"))
    assert "also deletes its 1 question" in page
    response = client.post(f"/questionnaires/{qid}/sections/{section.id}/delete", data={}, follow_redirects=True)
    assert "The section gone is deleted." in text_of(response)
    assert latest(qid).sections == []


class FormReader(HTMLParser):
    """The data a browser would send for the form whose action matches, as (name, value) pairs."""

    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.pairs: list[tuple[str, str]] = []
        self.select: tuple[str, bool] | None = None
        self.select_first: str | None = None
        self.select_chosen = False
        self.option_value: str | None = None
        self.option_selected = False
        self.textarea: str | None = None
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.inside = unescape(a.get("action", "")) == self.action
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.pairs.append((a["name"], a.get("value", "on")))
            elif kind not in ("submit", "file", "button"):
                self.pairs.append((a["name"], a.get("value", "")))
        elif tag == "select":
            self.select = (a["name"], "multiple" in a)
            self.select_first, self.select_chosen = None, False
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if self.select_first is None:
                self.select_first = value
            if "selected" in a:
                self.pairs.append((self.select[0], value))
                self.select_chosen = True
        elif tag == "textarea":
            self.textarea, self.text = a["name"], ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select:
            if not self.select_chosen and not self.select[1] and self.select_first is not None:
                self.pairs.append((self.select[0], self.select_first))
            self.select = None
        elif tag == "textarea" and self.textarea:
            # A browser drops the one newline that follows <textarea>.
            self.pairs.append((self.textarea, self.text[1:] if self.text.startswith("\n") else self.text))
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            self.text += data


def resubmit(client, url: str) -> Any:
    """Open an edit page and send its form back untouched, as a person pressing Save would."""
    page = client.get(url)
    assert page.status_code == 200
    reader = FormReader(url)
    reader.feed(page.get_data(as_text=True))
    data = MultiDict(reader.pairs)
    data["submit"] = "save"
    return client.post(url, data=data)


def test_saving_every_template_question_unchanged_changes_nothing(client, login, world):
    login(client, world.owner)
    name = service.list_templates()[0].name
    response = client.post("/questionnaires/from-template", data={"template": name})
    qid = int(re.search(r"/questionnaires/(\d+)", response.headers["Location"]).group(1))
    before = client.get(f"/questionnaires/{qid}/versions/1/download").data
    version = latest(qid)
    ids = [(q.id, q.key) for q in version.questions()]
    sections = [s.id for s in version.sections]
    for question_id, key in ids:
        response = resubmit(client, f"/questionnaires/{qid}/questions/{question_id}/edit")
        assert response.status_code == 302, (key, text_of(response)[-1500:])
    for section_id in sections:
        response = resubmit(client, f"/questionnaires/{qid}/sections/{section_id}/edit")
        assert response.status_code == 302, text_of(response)[-1500:]
    response = resubmit(client, f"/questionnaires/{qid}/details")
    assert response.status_code == 302, text_of(response)[-1500:]
    after = client.get(f"/questionnaires/{qid}/versions/1/download").data
    assert json.loads(after) == json.loads(before)


def test_changing_the_type_shows_the_new_types_fields_and_keeps_what_was_typed(client, login, world):
    login(client, world.owner)
    qid = create_blank(client)
    section = add_section(client, qid, "s", "S")
    url = f"/questionnaires/{qid}/sections/{section.id}/questions/new?type=text"
    response = client.post(url, data={"type": "single_choice", "shown_type": "text", "key": "supplier.kind",
                                      "text-en": "What kind of supplier are you?", "weight": "1",
                                      "show_if_mode": "none", "change_type": "Change type"})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'name="options-0-value"' in html and 'value="supplier.kind"' in html
    assert "What kind of supplier are you?" in html
    assert not latest(qid).sections[0].questions
    response = add_question(client, qid, section, "single_choice", {
        "key": "supplier.kind", "text-en": "What kind of supplier are you?",
        **choice_rows(("maker", "Manufacturer", ""), ("reseller", "Reseller", ""))})
    assert response.status_code == 302
    question = latest(qid).sections[0].questions[0]
    # Editing it into a yes/no question drops the options.
    response = client.post(f"/questionnaires/{qid}/questions/{question.id}/edit", data={
        "type": "yes_no", "shown_type": "yes_no", "key": "supplier.kind", "text-en": "Do you make hardware?",
        "weight": "1", "show_if_mode": "none", "submit": "save"})
    assert response.status_code == 302, text_of(response)
    question = latest(qid).sections[0].questions[0]
    assert question.type == "yes_no" and question.config == {}


def test_a_question_without_text_in_the_main_language_is_refused_next_to_that_field(client, login, world):
    login(client, world.owner)
    qid = create_blank(client)
    section = add_section(client, qid, "s", "S")
    response = add_question(client, qid, section, "text", {"key": "k", "text-en": "", "text-fr": "Seulement"})
    assert response.status_code == 400
    assert field_error(response, "text-en")
    assert "Please correct the following" in text_of(response)


def test_designer_pages_have_unique_element_ids(client, login, world):
    login(client, world.owner)
    qid, _policy, _practice = build_policy_questionnaire(client)
    version = latest(qid)
    table = version.sections[1].questions[0]
    for url in ("/questionnaires/new", f"/questionnaires/{qid}", f"/questionnaires/{qid}/details",
                f"/questionnaires/{qid}/sections/{version.sections[1].id}/edit",
                f"/questionnaires/{qid}/questions/{table.id}/edit",
                f"/questionnaires/{qid}/questions/{version.sections[0].questions[0].id}/edit",
                f"/questionnaires/{qid}/versions/1/preview?lang=fr"):
        ids = re.findall(r'\sid="([^"]+)"', client.get(url).get_data(as_text=True))
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        assert not duplicates, (url, duplicates)


def test_a_new_question_can_be_placed_at_the_start_or_after_another(client, login, world):
    login(client, world.owner)
    qid = create_blank(client)
    section = add_section(client, qid, "s", "S")
    for key in ("a", "c"):
        assert add_question(client, qid, section, "yes_no", {"key": key, "text-en": key}).status_code == 302
    for key, position in (("b", "1"), ("z", "0")):
        response = add_question(client, qid, section, "yes_no", {"key": key, "text-en": key, "position": position})
        assert response.status_code == 302
    assert [q.key for q in latest(qid).sections[0].questions] == ["z", "a", "b", "c"]


def test_preview_one_section_per_page_with_previous_and_next(client, login, world):
    login(client, world.owner)
    qid, _policy, _practice = build_policy_questionnaire(client)
    first = client.get(f"/questionnaires/{qid}/versions/1/preview?lang=fr&section=policy")
    assert first.status_code == 200
    page = text_of(first)
    assert "Avez-vous une politique des droits humains ?" in page and "Usines" not in page
    assert "Oui, publiée Non" in page
    assert "section=practice" in first.get_data(as_text=True)
    second = text_of(client.get(f"/questionnaires/{qid}/versions/1/preview?lang=fr&section=practice"))
    assert "Usines" in second and "Oui, publiée Non" not in second
    assert client.get(f"/questionnaires/{qid}/versions/1/preview?section=nope").status_code == 404


def test_a_language_change_that_breaks_other_texts_names_them_by_key(client, login, world):
    login(client, world.owner)
    qid = create_blank(client)
    add_section(client, qid, "only-english", "Only English")
    response = client.post(f"/questionnaires/{qid}/details", data={
        "title-en": "Joint dialogue 2027", "title-fr": "Dialogue 2027", "languages": "fr, en"})
    assert response.status_code == 400
    assert "section only-english: title: no text in 'fr', the first language" in text_of(response)
    assert latest(qid).languages == ["en", "fr"]
