"""Questionnaire drafts, sharing, sign-off, publication and versions (the services the designer calls)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from questionnaire import interchange, permissions
from questionnaire.models import AuditEvent, OrganisationKind, Questionnaire
from questionnaire.models.questionnaire import PUBLISHED_VERSION_MESSAGE
from questionnaire.services import questionnaires as qs
from questionnaire.services.errors import NotAllowed

FROZEN = "This version is published and can no longer be changed; start a new version to edit it."

DOCUMENT = {
    "format": "questionnaire/1",
    "title": {"en": "Supply-chain due diligence", "fr": "Diligence raisonnable"},
    "languages": ["en", "fr"],
    "sections": [
        {"key": "policy", "title": {"en": "Policy", "fr": "Politique"}, "questions": [
            {"key": "policy.exists", "type": "yes_no", "text": {"en": "Do you have a policy?", "fr": "Politique ?"}},
            {"key": "policy.maturity", "type": "scale", "text": "How mature is it?",
             "scale": {"min": 0, "max": 4, "labels": {"0": "None", "4": "Verified"}},
             "show_if": {"question": "policy.exists", "equals": "yes"}},
        ]},
        {"key": "labels", "title": "Labels", "questions": [
            {"key": "labels.held", "type": "multiple_choice", "text": "Labels held",
             "options": [{"value": "tco", "label": "TCO Certified"}, {"value": "none", "label": "None",
                                                                       "exclusive": True}]},
        ]},
    ],
}


@pytest.fixture
def people(make_org, make_user) -> dict[str, Any]:
    owner = make_org(kind=OrganisationKind.BUYER, name="City of Lyon")
    partner = make_org(kind=OrganisationKind.BUYER, name="Dutch ICT Purchasing")
    other = make_org(kind=OrganisationKind.BUYER, name="Region Elsewhere")
    secretariat = make_org(kind=OrganisationKind.SECRETARIAT, name="Secretariat")
    supplier = make_org(kind=OrganisationKind.SUPPLIER, name="Supplier Inc")
    return {
        "owner_org": owner, "partner_org": partner, "other_org": other, "supplier_org": supplier,
        "owner": make_user(org=owner), "owner2": make_user(org=owner), "partner": make_user(org=partner),
        "other": make_user(org=other), "secretariat": make_user(org=secretariat),
        "supplier": make_user(org=supplier),
    }


@pytest.fixture
def shared(db, people) -> Questionnaire:
    """A draft questionnaire owned by one buyer and shared with another."""
    questionnaire = qs.import_document(DOCUMENT, owner=people["owner_org"], actor=people["owner"])
    qs.share(questionnaire, people["partner_org"], actor=people["owner"])
    db.session.commit()
    return questionnaire


def approve_all(questionnaire: Questionnaire, people: dict[str, Any]) -> None:
    version = questionnaire.latest_version
    qs.approve(version, people["owner_org"], people["owner"])
    qs.approve(version, people["partner_org"], people["partner"])


def keys(version: Any) -> list[str]:
    return [question.key for question in version.questions()]


# --- sign-off and publication ------------------------------------------------------------------


def test_publishing_needs_the_approval_of_every_editing_organisation(db, shared, people):
    version = shared.latest_version
    qs.approve(version, people["owner_org"], people["owner"])
    with pytest.raises(NotAllowed, match=re.escape("Version 1 still needs the approval of: Dutch ICT Purchasing.")):
        qs.publish(version, actor=people["owner"])
    status = qs.approval_status(version)
    assert [org.name for org in status.pending] == ["Dutch ICT Purchasing"]
    assert not status.complete

    qs.approve(version, people["partner_org"], people["partner"])
    assert qs.approval_status(version).complete
    qs.publish(version, actor=people["partner"])
    db.session.commit()
    assert version.is_published and version.published_at is not None
    assert version.published_by == people["partner"]


def test_any_change_to_the_draft_clears_the_approvals(db, shared, people):
    version = shared.latest_version
    approve_all(shared, people)
    qs.update_question(version.sections[0].questions[0], {"required": True}, actor=people["partner"])
    assert version.approvals == []
    with pytest.raises(NotAllowed, match=re.escape("still needs the approval of: City of Lyon, Dutch ICT Purchasing")):
        qs.publish(version, actor=people["owner"])


def test_approval_is_given_once_per_organisation_by_one_of_its_members(db, shared, people):
    version = shared.latest_version
    qs.approve(version, people["owner_org"], people["owner"])
    with pytest.raises(NotAllowed, match=re.escape("City of Lyon has already approved version 1.")):
        qs.approve(version, people["owner_org"], people["owner2"])
    with pytest.raises(NotAllowed, match=re.escape("Only the owner and the co-editing organisations approve")):
        qs.approve(version, people["other_org"], people["other"])
    with pytest.raises(NotAllowed, match=re.escape("Only a member of an organisation can approve on its behalf.")):
        qs.approve(version, people["partner_org"], people["owner"])


def test_an_empty_questionnaire_cannot_be_published(db, people):
    questionnaire = qs.create_blank(owner=people["owner_org"], actor=people["owner"], title="Empty",
                                    languages=["en"])
    qs.approve(questionnaire.latest_version, people["owner_org"], people["owner"])
    with pytest.raises(NotAllowed, match=re.escape("Add at least one question before publishing.")):
        qs.publish(questionnaire.latest_version, actor=people["owner"])


def test_published_version_refuses_every_edit_with_a_clear_message(db, shared, people):
    version = shared.latest_version
    approve_all(shared, people)
    qs.publish(version, actor=people["owner"])
    db.session.commit()
    section = version.sections[0]
    question = section.questions[0]
    attempts = [
        lambda: qs.update_metadata(version, actor=people["owner"], title="New", languages=["en", "fr"]),
        lambda: qs.add_section(version, {"key": "more", "title": "More"}, actor=people["owner"]),
        lambda: qs.update_section(section, {"title": "Renamed"}, actor=people["owner"]),
        lambda: qs.delete_section(version.sections[1], actor=people["owner"]),
        lambda: qs.move_section(section, 1, actor=people["owner"]),
        lambda: qs.add_question(section, {"key": "x", "type": "text", "text": "X"}, actor=people["owner"]),
        lambda: qs.update_question(question, {"required": True}, actor=people["owner"]),
        lambda: qs.delete_question(version.sections[1].questions[0], actor=people["owner"]),
        lambda: qs.move_question(question, 1, actor=people["owner"]),
        lambda: qs.publish(version, actor=people["owner"]),
    ]
    for attempt in attempts:
        with pytest.raises(NotAllowed) as refused:
            attempt()
        assert str(refused.value) == FROZEN == PUBLISHED_VERSION_MESSAGE
    with pytest.raises(NotAllowed, match=re.escape("This version is already published.")):
        qs.approve(version, people["owner_org"], people["owner2"])
    db.session.rollback()
    assert qs.export_document(qs.get_version(shared.id)) == interchange.to_document(
        interchange.parse_document(DOCUMENT).document)


def test_new_version_copies_the_published_one_with_the_same_keys(db, shared, people):
    first = shared.latest_version
    with pytest.raises(NotAllowed, match=re.escape("Version 1 is still a draft: edit it rather than start another.")):
        qs.new_version(shared, actor=people["owner"])
    approve_all(shared, people)
    qs.publish(first, actor=people["owner"])
    second = qs.new_version(shared, actor=people["partner"])
    db.session.commit()
    assert (second.number, second.is_draft, second.approvals) == (2, True, [])
    assert keys(second) == keys(first)
    assert qs.version_document(second) == qs.version_document(first)
    assert {q.id for q in second.questions()}.isdisjoint({q.id for q in first.questions()})

    qs.update_question(second.sections[0].questions[0], {"text": "Is there a policy?"}, actor=people["owner"])
    db.session.commit()
    assert first.sections[0].questions[0].text == {"en": "Do you have a policy?", "fr": "Politique ?"}
    assert second.sections[0].questions[0].text == {"en": "Is there a policy?"}
    history = qs.version_history(shared)
    assert [(v.number, str(v.status)) for v in history] == [(1, "published"), (2, "draft")]
    assert [a.organisation.name for a in history[0].approvals] == ["City of Lyon", "Dutch ICT Purchasing"]
    assert shared.latest_published_version is first


def test_a_file_can_become_the_next_version(db, shared, people):
    approve_all(shared, people)
    qs.publish(shared.latest_version, actor=people["owner"])
    document = {**DOCUMENT, "title": "Second edition"}
    version = qs.import_as_new_version(shared, document, actor=people["owner"])
    db.session.commit()
    assert version.number == 2 and version.title == {"en": "Second edition"}
    with pytest.raises(NotAllowed, match=re.escape("Version 2 is still a draft")):
        qs.import_as_new_version(shared, document, actor=people["owner"])


# --- sharing -----------------------------------------------------------------------------------


def test_only_buyers_other_than_the_editors_can_be_added_as_co_editors(db, shared, people):
    with pytest.raises(NotAllowed, match=re.escape("Only buyer organisations can co-edit a questionnaire.")):
        qs.share(shared, people["supplier_org"], actor=people["owner"])
    with pytest.raises(NotAllowed, match=re.escape("Dutch ICT Purchasing already edits this questionnaire.")):
        qs.share(shared, people["partner_org"], actor=people["owner"])
    with pytest.raises(NotAllowed, match=re.escape("City of Lyon already edits this questionnaire.")):
        qs.share(shared, people["owner_org"], actor=people["owner"])


def test_unsharing_withdraws_the_co_editors_approval(db, shared, people):
    version = shared.latest_version
    approve_all(shared, people)
    qs.unshare(shared, people["partner_org"], actor=people["owner"])
    assert [a.organisation_id for a in version.approvals] == [people["owner_org"].id]
    assert qs.approval_status(version).complete
    assert not permissions.can_edit_questionnaire(people["partner"], shared)


def test_who_may_see_edit_share_approve_and_publish(db, shared, people):
    version = shared.latest_version
    matrix = {
        "owner": (True, True, True, True, True),
        "partner": (True, True, False, True, True),
        "other": (False, False, False, False, False),
        "secretariat": (True, False, False, False, False),
        "supplier": (False, False, False, False, False),
    }
    for who, expected in matrix.items():
        user = people[who]
        assert (
            permissions.can_view_questionnaire(user, shared),
            permissions.can_edit_questionnaire(user, shared),
            permissions.can_share_questionnaire(user, shared),
            permissions.can_approve_version(user, version),
            permissions.can_publish_version(user, version),
        ) == expected, who
    qs.approve(version, people["partner_org"], people["partner"])
    assert not permissions.can_approve_version(people["partner"], version)
    assert permissions.can_create_questionnaire(people["owner"])
    assert not permissions.can_create_questionnaire(people["supplier"])


def test_questionnaire_lists_show_what_an_organisation_owns_or_co_edits(db, shared, people):
    mine = qs.create_blank(owner=people["other_org"], actor=people["other"], title="Mine", languages=["en"])
    assert [q.id for q in qs.list_questionnaires(people["owner_org"])] == [shared.id]
    assert [q.id for q in qs.list_questionnaires(people["partner_org"])] == [shared.id]
    assert [q.id for q in qs.list_questionnaires(people["other_org"])] == [mine.id]
    assert [q.id for q in qs.list_questionnaires(people["secretariat"].organisation)] == [shared.id, mine.id]


# --- editing a draft ---------------------------------------------------------------------------


def test_building_a_questionnaire_from_blank(db, people):
    questionnaire = qs.create_blank(owner=people["owner_org"], actor=people["owner"],
                                    title={"en": "Blank", "fr": "Vide"}, languages=["en", "fr"])
    version = questionnaire.latest_version
    intro = qs.add_section(version, {"key": "intro", "title": "Introduction"}, actor=people["owner"])
    qs.add_question(intro, {"key": "intro.choice", "type": "single_choice", "text": "Pick",
                            "options": [{"value": "a", "label": "A", "score": 1}, {"value": "b", "label": "B"}]},
                    actor=people["owner"])
    qs.add_question(intro, {"key": "intro.why", "type": "text", "text": "Why?",
                            "show_if": {"question": "intro.choice", "equals": "b"}}, actor=people["owner"])
    first = qs.add_question(intro, {"key": "intro.first", "type": "yes_no", "text": "First?"},
                            actor=people["owner"], position=0)
    db.session.commit()
    assert keys(version) == ["intro.first", "intro.choice", "intro.why"]
    assert [q.position for q in intro.questions] == [0, 1, 2]
    assert first.version is version
    document = qs.export_document(qs.get_version(questionnaire.id))
    assert interchange.parse_document(document).document == qs.version_document(version)
    assert qs.missing_translations(version)["fr"] == [
        "sections[0].title", "sections[0].questions[0].text", "sections[0].questions[1].text",
        "sections[0].questions[1].options[0].label", "sections[0].questions[1].options[1].label",
        "sections[0].questions[2].text"]


def test_an_invalid_question_is_refused_with_problems_relative_to_it(db, shared, people):
    section = shared.latest_version.sections[1]
    with pytest.raises(qs.InvalidQuestionnaire) as refused:
        qs.add_question(section, {"key": "labels.main", "type": "single_choice", "text": "",
                                  "options": [{"value": "x", "label": "X"}]}, actor=people["owner"])
    assert [str(p) for p in refused.value.problems] == ["text: must not be empty",
                                                        "options: at least two options"]
    with pytest.raises(qs.InvalidQuestionnaire) as refused:
        qs.add_question(section, {"key": "policy.exists", "type": "text", "text": "Again"}, actor=people["owner"])
    assert [str(p) for p in refused.value.problems] == [
        "key: duplicate question key 'policy.exists' (also sections[0].questions[0])"]
    with pytest.raises(qs.InvalidQuestionnaire) as refused:
        qs.add_question(shared.latest_version.sections[0],
                        {"key": "early", "type": "text", "text": "Early",
                         "show_if": {"question": "labels.held", "equals": "tco"}},
                        actor=people["owner"], position=0)
    assert [str(p) for p in refused.value.problems] == ["show_if: refers to a later question 'labels.held'"]
    db.session.rollback()
    assert len(qs.get_version(shared.id).sections[1].questions) == 1


def test_changing_the_type_drops_the_old_config(db, shared, people):
    question = shared.latest_version.sections[1].questions[0]
    qs.update_question(question, {"type": "long_text"}, actor=people["owner"])
    assert question.type == "long_text" and question.config == {}
    qs.update_question(question, {"type": "number", "min": 0, "unit": {"en": "sites", "fr": "sites"}},
                       actor=people["owner"])
    assert question.config == {"unit": {"en": "sites", "fr": "sites"}, "min": 0}
    qs.update_question(question, {"min": None, "help": "Count them"}, actor=people["owner"])
    assert question.config == {"unit": {"en": "sites", "fr": "sites"}}
    assert question.help == {"en": "Count them"}


def test_a_question_named_in_a_condition_cannot_be_deleted_or_renamed(db, shared, people):
    question = shared.latest_version.sections[0].questions[0]
    message = "Question 'policy.exists' is used in the conditions of 'policy.maturity'; change those conditions first."
    with pytest.raises(NotAllowed) as refused:
        qs.delete_question(question, actor=people["owner"])
    assert str(refused.value) == message
    with pytest.raises(NotAllowed):
        qs.update_question(question, {"key": "policy.has"}, actor=people["owner"])
    with pytest.raises(qs.InvalidQuestionnaire) as invalid:
        qs.update_question(question, {"type": "number"}, actor=people["owner"])
    assert [str(p) for p in invalid.value.problems] == [
        "sections[0].questions[1].show_if.equals: a condition on 'policy.exists' needs a number"]
    qs.add_section(shared.latest_version, {"key": "extra", "title": "Extra",
                                           "show_if": {"question": "policy.maturity", "in": [4]}},
                   actor=people["owner"])
    with pytest.raises(NotAllowed, match=re.escape("A question of section 'policy' is used in the conditions of "
                                         "section 'extra'; change those conditions first.")):
        qs.delete_section(shared.latest_version.sections[0], actor=people["owner"])
    qs.update_question(shared.latest_version.sections[0].questions[1], {"show_if": None}, actor=people["owner"])
    qs.delete_question(question, actor=people["owner"])
    db.session.commit()
    assert keys(shared.latest_version) == ["policy.maturity", "labels.held"]
    assert [s.key for s in shared.latest_version.sections] == ["policy", "labels", "extra"]


def test_moving_questions_and_sections_keeps_conditions_after_their_questions(db, shared, people):
    version = shared.latest_version
    maturity = version.sections[0].questions[1]
    with pytest.raises(qs.InvalidQuestionnaire, match=re.escape("refers to a later question 'policy.exists'")):
        qs.move_question(maturity, -1, actor=people["owner"])
    qs.move_question(maturity, 1, actor=people["owner"])
    assert keys(version) == ["policy.exists", "policy.maturity", "labels.held"]
    assert maturity.section.key == "labels" and maturity.position == 0
    qs.move_question(version.sections[1].questions[1], 1, actor=people["owner"])  # last one: nothing happens
    with pytest.raises(qs.InvalidQuestionnaire):
        qs.move_section(version.sections[1], -1, actor=people["owner"])
    qs.move_question(version.sections[0].questions[0], 1, actor=people["owner"])
    assert [s.key for s in version.sections] == ["policy", "labels"]
    qs.move_section(version.sections[1], -1, actor=people["owner"])
    db.session.commit()
    version = qs.get_version(shared.id)
    assert [s.key for s in version.sections] == ["labels", "policy"]
    assert keys(version) == ["policy.exists", "policy.maturity", "labels.held"]
    assert [[q.position for q in s.questions] for s in version.sections] == [[0, 1, 2], []]


def test_languages_can_be_added_removed_and_reordered(db, shared, people):
    version = shared.latest_version
    qs.update_metadata(version, actor=people["owner"], title={"en": "Due diligence", "fr": "Diligence"},
                       languages=["en", "fr", "de"], description="About the supply chain")
    assert version.languages == ["en", "fr", "de"]
    assert "title" in qs.missing_translations(version)["de"]
    with pytest.raises(qs.InvalidQuestionnaire) as refused:
        qs.update_metadata(version, actor=people["owner"], title={"en": "Due diligence", "fr": "Diligence"},
                           languages=["fr", "en"])
    assert "sections[0].questions[1].text: no text in 'fr', the first language" in str(refused.value)
    qs.update_metadata(version, actor=people["owner"], title="Due diligence", languages=["en"],
                       description={"en": "About the supply chain", "de": "Lieferkette"})
    db.session.commit()
    document = qs.version_document(qs.get_version(shared.id))
    assert document["title"] == {"en": "Due diligence"}
    assert document["description"] == {"en": "About the supply chain"}
    assert document["sections"][0]["questions"][0]["text"] == {"en": "Do you have a policy?"}
    assert qs.missing_translations(version) == {}


def test_sections_can_be_renamed_and_conditioned(db, shared, people):
    section = shared.latest_version.sections[1]
    qs.update_section(section, {"title": {"en": "Labels", "fr": "Labels"},
                                "show_if": {"question": "policy.exists", "equals": "yes"}}, actor=people["owner"])
    assert section.show_if == {"question": "policy.exists", "equals": "yes"}
    with pytest.raises(qs.InvalidQuestionnaire) as refused:
        qs.update_section(section, {"key": "policy"}, actor=people["owner"])
    assert [str(p) for p in refused.value.problems] == ["key: duplicate section key 'policy' (also sections[0])"]


def test_invalid_blank_questionnaire_is_refused(db, people):
    with pytest.raises(qs.InvalidQuestionnaire, match=re.escape("languages: must name at least one language")):
        qs.create_blank(owner=people["owner_org"], actor=people["owner"], title="X", languages=[])
    with pytest.raises(NotAllowed, match=re.escape("A supplier organisation cannot own a questionnaire.")):
        qs.create_blank(owner=people["supplier_org"], actor=people["supplier"], title="X", languages=["en"])


def test_the_designer_finds_templates_and_a_bad_name_is_refused(db, people):
    with pytest.raises(NotAllowed, match=re.escape("There is no template called '../etc'.")):
        qs.load_template("../etc")
    questionnaire = qs.create_from_template("ict_supply_chain_hrdd", owner=people["owner_org"],
                                            actor=people["owner"])
    assert questionnaire.latest_version.source


def test_each_action_leaves_an_audit_event(db, shared, people):
    version = shared.latest_version
    qs.add_section(version, {"key": "more", "title": "More"}, actor=people["owner"])
    approve_all(shared, people)
    qs.publish(version, actor=people["owner"])
    qs.new_version(shared, actor=people["owner"])
    db.session.commit()
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["questionnaire.imported", "questionnaire.shared", "questionnaire.section_added",
                       "questionnaire.approved", "questionnaire.approved", "questionnaire.published",
                       "questionnaire.version_created"]
