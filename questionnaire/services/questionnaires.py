"""Questionnaire use cases: import and export, create, edit drafts, share, approve, publish, new versions.

Every function takes explicit arguments, adds and flushes, records an audit event, and never commits.
Refusals raise DomainError subclasses whose message is shown to the user:
- `NotAllowed` when the state forbids the action (a published version, a missing approval, ...);
- `InvalidQuestionnaire` when an edit would break the questionnaire (its `problems` say where);
- `interchange.FormatError` when an imported document breaks the `questionnaire/1` format.

Edits take question and section data in the interchange format's shape (texts as a string in the
first language or a dict of translations), check the whole resulting questionnaire with the same
rules as an imported file, and only then change the rows. So a draft always exports to a valid file.
Every edit of a draft clears its approvals.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from threading import Lock
from typing import Any

from flask import current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from questionnaire import interchange
from questionnaire.extensions import db
from questionnaire.interchange import FORMAT, FormatError, ParsedDocument
from questionnaire.models import (
    Organisation,
    OrganisationKind,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Section,
    User,
    VersionApproval,
    VersionStatus,
    utcnow,
)
from questionnaire.models.questionnaire import questionnaire_co_editor
from questionnaire.question_types import QUESTION_TYPES, Problem, condition_keys, translate, type_of
from questionnaire.services import audit
from questionnaire.services.errors import DomainError, NotAllowed

LIBRARY_DIR = Path(__file__).resolve().parent.parent / "library"
TEMPLATE_NAME = re.compile(r"[a-z0-9_]+")
SECTION_FIELDS = ("key", "title", "description", "show_if")


class InvalidQuestionnaire(DomainError):
    """An edit would make the questionnaire invalid; `problems` lists why.

    Paths inside the edited question or section are relative to it (`options[1].value`, or `` for the
    object itself), so a form can put each message next to its field.
    """

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        lines = [str(problem) for problem in self.problems]
        super().__init__("This change would make the questionnaire invalid: " + "; ".join(lines))


# --- loading -----------------------------------------------------------------------------------


def version_load_options() -> tuple[Any, ...]:
    """Loader options fetching a version's sections, questions and approvals in a fixed few queries."""
    return (
        selectinload(QuestionnaireVersion.sections).selectinload(Section.questions),
        selectinload(QuestionnaireVersion.approvals),
    )


# Published versions never change, and answering pages read the whole version on every request.
# Each process keeps one fully loaded, detached copy per published version (per app, so that test
# apps with their own databases never share one). Bounded: rounds running at once are few.
FROZEN_CACHE_SIZE = 32
_frozen_lock = Lock()


def frozen_version(version_id: int) -> QuestionnaireVersion | None:
    """A published version with its sections and questions, loaded once per process; None for a draft.

    The objects are detached and shared between requests: read them, never change them.
    """
    cache: dict[int, QuestionnaireVersion] = current_app.extensions.setdefault("frozen_versions", {})
    version = cache.get(version_id)
    if version is not None:
        return version
    # Loaded in a session of its own, so the request's session never adopts the shared objects.
    with OrmSession(db.engine) as session:
        version = session.scalar(
            select(QuestionnaireVersion)
            .where(QuestionnaireVersion.id == version_id,
                   QuestionnaireVersion.status == VersionStatus.PUBLISHED)
            .options(selectinload(QuestionnaireVersion.sections).selectinload(Section.questions),
                     selectinload(QuestionnaireVersion.approvals))
        )
        if version is None:
            return None
        for section in version.sections:
            # The back references, set here because a detached object cannot lazy-load them later.
            set_committed_value(section, "version", version)
            for question in section.questions:
                set_committed_value(question, "section", section)
                set_committed_value(question, "version", version)
        session.expunge_all()
    # Its outline is made with it, and kept and dropped with it.
    outlines: dict[int, list[dict[str, Any]]] = current_app.extensions.setdefault("version_outlines", {})
    made = _outline_of(version)
    with _frozen_lock:
        if len(cache) >= FROZEN_CACHE_SIZE:
            outlines.pop(cache.pop(next(iter(cache))).id, None)
        cache[version_id] = version
        outlines[version_id] = made
    return version


def outline(version: QuestionnaireVersion) -> list[dict[str, Any]]:
    """The version's sections and questions as plain dicts, in order: what visibility and progress read.

    Each section has key, show_if, questions and `section` (the model); each question key, show_if,
    required, `type` (its QuestionType) and `question` (the model). Plain dicts walk several times faster
    than ORM objects in `visible_parts`. The shared copy of a published version has its outline made
    once, by `frozen_version`; any other version's is made on each call.
    """
    if current_app.extensions.get("frozen_versions", {}).get(version.id) is version:
        kept = current_app.extensions.get("version_outlines", {}).get(version.id)
        if kept is not None:
            return kept
    return _outline_of(version)


def _outline_of(version: QuestionnaireVersion) -> list[dict[str, Any]]:
    return [{"key": s.key, "show_if": s.show_if, "section": s,
             "questions": [{"key": q.key, "show_if": q.show_if, "required": q.required, "type": type_of(q),
                            "question": q} for q in s.questions]}
            for s in version.sections]


def get_questionnaire(questionnaire_id: int) -> Questionnaire | None:
    """A questionnaire with its owner, co-editors and versions."""
    return db.session.scalar(
        select(Questionnaire)
        .where(Questionnaire.id == questionnaire_id)
        .options(selectinload(Questionnaire.versions).selectinload(QuestionnaireVersion.approvals),
                 selectinload(Questionnaire.co_editors))
    )


def get_version(questionnaire_id: int, number: int | None = None) -> QuestionnaireVersion | None:
    """A version (the latest when `number` is None) with everything the designer and export need."""
    query = select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
    if number is None:
        query = query.order_by(QuestionnaireVersion.number.desc()).limit(1)
    else:
        query = query.where(QuestionnaireVersion.number == number)
    return db.session.scalar(query.options(*version_load_options()))


def list_questionnaires(organisation: Organisation) -> list[Questionnaire]:
    """The questionnaires an organisation owns or co-edits; the secretariat sees all of them."""
    query = select(Questionnaire).options(selectinload(Questionnaire.versions),
                                          selectinload(Questionnaire.co_editors))
    if organisation.kind != OrganisationKind.SECRETARIAT:
        co_edited = select(questionnaire_co_editor.c.questionnaire_id).where(
            questionnaire_co_editor.c.organisation_id == organisation.id)
        query = query.where(or_(Questionnaire.owner_id == organisation.id, Questionnaire.id.in_(co_edited)))
    return list(db.session.scalars(query.order_by(Questionnaire.id)))


def version_history(questionnaire: Questionnaire) -> list[QuestionnaireVersion]:
    """Every version, oldest first, with its status, author, approvals and publication date."""
    return list(db.session.scalars(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire.id)
        .order_by(QuestionnaireVersion.number)
        .options(selectinload(QuestionnaireVersion.approvals).selectinload(VersionApproval.organisation),
                 selectinload(QuestionnaireVersion.created_by),
                 selectinload(QuestionnaireVersion.published_by))
    ))


# --- documents ---------------------------------------------------------------------------------


def version_document(version: QuestionnaireVersion) -> dict[str, Any]:
    """The version as a normalised `questionnaire/1` document (as `interchange.parse_document` gives)."""
    document: dict[str, Any] = {"format": FORMAT, "title": dict(version.title)}
    if version.description:
        document["description"] = dict(version.description)
    if version.source is not None:
        document["source"] = version.source
    document["languages"] = list(version.languages)
    document["sections"] = [_section_document(section) for section in version.sections]
    return document


def _section_document(section: Section) -> dict[str, Any]:
    result: dict[str, Any] = {"key": section.key, "title": dict(section.title)}
    if section.description:
        result["description"] = dict(section.description)
    if section.show_if:
        result["show_if"] = copy.deepcopy(section.show_if)
    result["questions"] = [question_document(question) for question in section.questions]
    return result


def question_document(question: Question) -> dict[str, Any]:
    """One question in the normalised document shape (what the designer's forms start from)."""
    result: dict[str, Any] = {"key": question.key, "type": question.type, "text": dict(question.text)}
    if question.help:
        result["help"] = dict(question.help)
    result["required"] = question.required
    result.update(copy.deepcopy(question.config or {}))
    result["weight"] = question.weight
    result["allow_na"] = question.allow_na
    if question.show_if:
        result["show_if"] = copy.deepcopy(question.show_if)
    result["tags"] = list(question.tags or [])
    return result


def export_document(version: QuestionnaireVersion) -> dict[str, Any]:
    """The version as a `questionnaire/1` document, ready for `interchange.dumps`."""
    return interchange.to_document(version_document(version))


def missing_translations(version: QuestionnaireVersion) -> dict[str, list[str]]:
    """For each language, the paths of the texts not yet translated into it."""
    _errors, warnings = interchange.check_document(version_document(version))
    return interchange.missing_translations(warnings)


def _parsed(document: Mapping[str, Any] | ParsedDocument) -> dict[str, Any]:
    if isinstance(document, ParsedDocument):
        return document.document
    return interchange.parse_document(document).document


def _section_from_document(data: Mapping[str, Any], position: int) -> Section:
    return Section(position=position, key=data["key"], title=data["title"], description=data.get("description"),
                   show_if=data.get("show_if"))


def _question_values(data: Mapping[str, Any]) -> dict[str, Any]:
    """Column values of a question from its normalised document form."""
    return {
        "key": data["key"],
        "type": data["type"],
        "text": data["text"],
        "help": data.get("help"),
        "required": data["required"],
        "config": interchange.question_config(data),
        "weight": float(data["weight"]),
        "allow_na": data["allow_na"],
        "show_if": data.get("show_if"),
        "tags": list(data["tags"]),
    }


def _build_version(questionnaire: Questionnaire, number: int, document: Mapping[str, Any],
                   actor: User | None) -> QuestionnaireVersion:
    # Everything is built in memory and written by one flush: SQLAlchemy batches the inserts.
    version = QuestionnaireVersion(
        number=number, status=VersionStatus.DRAFT, title=document["title"],
        description=document.get("description"), languages=list(document["languages"]),
        source=document.get("source"), created_by=actor,
    )
    for i, section_data in enumerate(document["sections"]):
        section = _section_from_document(section_data, i)
        for j, question_data in enumerate(section_data["questions"]):
            section.questions.append(Question(position=j, version=version, **_question_values(question_data)))
        version.sections.append(section)
    questionnaire.versions.append(version)
    return version


# --- import and creation -----------------------------------------------------------------------


def _check_owner(owner: Organisation) -> None:
    if owner.kind == OrganisationKind.SUPPLIER:
        raise NotAllowed("A supplier organisation cannot own a questionnaire.")


def import_document(document: Mapping[str, Any] | ParsedDocument, *, owner: Organisation,
                    actor: User | None, ip: str | None = None) -> Questionnaire:
    """Create a questionnaire whose version 1 is a draft made from a document (FormatError if broken)."""
    _check_owner(owner)
    parsed = _parsed(document)
    questionnaire = Questionnaire(owner=owner, created_by=actor)
    version = _build_version(questionnaire, 1, parsed, actor)
    db.session.add(questionnaire)
    db.session.flush()
    audit.record("questionnaire.imported", actor=actor, organisation=owner,
                 target=f"questionnaire:{questionnaire.id}",
                 details={"version": version.number, "questions": sum(len(s["questions"])
                                                                      for s in parsed["sections"])}, ip=ip)
    return questionnaire


def import_as_new_version(questionnaire: Questionnaire, document: Mapping[str, Any] | ParsedDocument, *,
                          actor: User | None, ip: str | None = None) -> QuestionnaireVersion:
    """Make a document the next draft version of a questionnaire whose latest version is published."""
    _ensure_no_draft(questionnaire)
    parsed = _parsed(document)
    version = _build_version(questionnaire, questionnaire.latest_version.number + 1, parsed, actor)
    db.session.flush()
    audit.record("questionnaire.version_imported", actor=actor, organisation=questionnaire.owner,
                 target=f"questionnaire:{questionnaire.id}", details={"version": version.number}, ip=ip)
    return version


def create_blank(*, owner: Organisation, actor: User | None, title: str | Mapping[str, str],
                 languages: Sequence[str], description: str | Mapping[str, str] | None = None,
                 ip: str | None = None) -> Questionnaire:
    """Create a questionnaire with an empty draft version 1."""
    _check_owner(owner)
    document: dict[str, Any] = {"format": FORMAT, "title": title, "languages": list(languages), "sections": []}
    if description:
        document["description"] = description
    try:
        parsed = interchange.parse_document(document)
    except FormatError as exc:
        raise InvalidQuestionnaire(exc.problems) from None
    questionnaire = Questionnaire(owner=owner, created_by=actor)
    _build_version(questionnaire, 1, parsed.document, actor)
    db.session.add(questionnaire)
    db.session.flush()
    audit.record("questionnaire.created", actor=actor, organisation=owner,
                 target=f"questionnaire:{questionnaire.id}", details={"from": "blank"}, ip=ip)
    return questionnaire


@dataclass(frozen=True)
class TemplateInfo:
    """A questionnaire in the template library."""

    name: str
    title: dict[str, str]
    description: dict[str, str] | None
    languages: list[str]
    sections: int
    questions: int


def load_template(name: str) -> ParsedDocument:
    """A template of the library by name (the file name without `.json`), checked."""
    path = LIBRARY_DIR / f"{name}.json"
    if not TEMPLATE_NAME.fullmatch(name) or not path.is_file():
        raise NotAllowed(f"There is no template called '{name}'.")
    return interchange.loads(path.read_bytes())


def list_templates() -> list[TemplateInfo]:
    """The questionnaires of the template library, by name."""
    templates = []
    for path in sorted(LIBRARY_DIR.glob("*.json")):
        document = load_template(path.stem).document
        templates.append(TemplateInfo(
            name=path.stem, title=document["title"], description=document.get("description"),
            languages=document["languages"], sections=len(document["sections"]),
            questions=sum(len(section["questions"]) for section in document["sections"]),
        ))
    return templates


def create_from_template(name: str, *, owner: Organisation, actor: User | None,
                         ip: str | None = None) -> Questionnaire:
    """Create a questionnaire whose draft version 1 copies a template of the library."""
    document = load_template(name).document
    document.setdefault("source", f"Template library: {name}")
    questionnaire = import_document(ParsedDocument(document), owner=owner, actor=actor, ip=ip)
    audit.record("questionnaire.created", actor=actor, organisation=owner,
                 target=f"questionnaire:{questionnaire.id}", details={"from": f"template:{name}"}, ip=ip)
    return questionnaire


# --- editing a draft ---------------------------------------------------------------------------


def _changed(version: QuestionnaireVersion, action: str, *, actor: User | None, ip: str | None,
             details: dict[str, Any] | None = None) -> None:
    """After any edit: approvals no longer hold, and the trail says who changed what."""
    version.approvals.clear()
    version.updated_at = utcnow()
    db.session.flush()
    audit.record(action, actor=actor, organisation=actor.organisation if actor else None,
                 target=f"questionnaire_version:{version.id}",
                 details={"questionnaire": version.questionnaire_id, "version": version.number,
                          **(details or {})}, ip=ip)


def _check_edit(version: QuestionnaireVersion, edit: Callable[[dict[str, Any]], None],
                focus: str | None = None) -> dict[str, Any]:
    """Apply `edit` to the version's document, check the result whole; return it normalised.

    Problems under `focus` (the path of the edited question or section) get paths relative to it.
    """
    document = version_document(version)
    edit(document)
    try:
        return interchange.parse_document(document).document
    except FormatError as exc:
        raise InvalidQuestionnaire([_relative(problem, focus) for problem in exc.problems]) from None


def _relative(problem: Problem, focus: str | None) -> Problem:
    if focus is None:
        return problem
    if problem.path == focus:
        return Problem("", problem.message)
    if problem.path.startswith(focus + "."):
        return Problem(problem.path[len(focus) + 1:], problem.message)
    return problem


def _indexes(question: Question) -> tuple[int, int]:
    section = question.section
    return section.version.sections.index(section), section.questions.index(question)


def _renumber(items: Sequence[Section] | Sequence[Question]) -> None:
    for position, item in enumerate(items):
        item.position = position


def _users_of(version: QuestionnaireVersion, keys: set[str]) -> list[str]:
    """Keys of the questions and sections whose conditions name any of `keys`."""
    users = []
    for section in version.sections:
        if condition_keys(section.show_if) & keys:
            users.append(f"section '{section.key}'")
        users += [f"'{q.key}'" for q in section.questions
                  if q.key not in keys and condition_keys(q.show_if) & keys]
    return users


def _refuse_if_used(version: QuestionnaireVersion, keys: set[str], what: str) -> None:
    users = _users_of(version, keys)
    if users:
        raise NotAllowed(f"{what} is used in the conditions of {', '.join(users)}; change those conditions first.")


def update_metadata(version: QuestionnaireVersion, *, actor: User | None, title: str | Mapping[str, str],
                    languages: Sequence[str], description: str | Mapping[str, str] | None = None,
                    source: str | None = None, ip: str | None = None) -> QuestionnaireVersion:
    """Change the title, description, source and languages of a draft.

    A language taken off the list loses its translations; the new first language must have a text
    everywhere (it stands in for missing translations).
    """
    version.ensure_editable()
    new_languages = list(languages)

    def edit(document: dict[str, Any]) -> None:
        document["title"] = title
        document.pop("description", None)
        if description:
            document["description"] = description
        document.pop("source", None)
        if source:
            document["source"] = source
        if new_languages != document["languages"]:
            _keep_languages(document, set(new_languages))
            document["languages"] = new_languages

    document = _check_edit(version, edit)
    before = {"languages": list(version.languages)}
    version.title = document["title"]
    version.description = document.get("description")
    version.source = document.get("source")
    if document["languages"] != version.languages:
        version.languages = document["languages"]
        _rewrite_rows(version, document)
    _changed(version, "questionnaire.metadata_updated", actor=actor, ip=ip,
             details={"before": before, "languages": version.languages})
    return version


def _keep_languages(node: Any, keep: set[str]) -> None:
    """Drop the translations in languages not kept, anywhere in a normalised document."""
    if isinstance(node, list):
        for item in node:
            _keep_languages(item, keep)
    elif isinstance(node, dict):
        for name, value in node.items():
            if name in ("title", "description", "text", "help", "label", "unit") and isinstance(value, dict):
                for lang in [lang for lang in value if lang not in keep]:
                    del value[lang]
            elif name == "labels" and isinstance(value, dict):
                for text in value.values():
                    for lang in [lang for lang in text if lang not in keep]:
                        del text[lang]
            elif name != "show_if":
                _keep_languages(value, keep)


def _rewrite_rows(version: QuestionnaireVersion, document: Mapping[str, Any]) -> None:
    """Write every section's and question's texts from a normalised document of the same shape."""
    for section, section_data in zip(version.sections, document["sections"], strict=True):
        section.title = section_data["title"]
        section.description = section_data.get("description")
        for question, question_data in zip(section.questions, section_data["questions"], strict=True):
            for name, value in _question_values(question_data).items():
                setattr(question, name, value)


def add_section(version: QuestionnaireVersion, data: Mapping[str, Any], *, actor: User | None,
                position: int | None = None, ip: str | None = None) -> Section:
    """Add a section (key, title, description?, show_if?) at a position (default: at the end)."""
    version.ensure_editable()
    index = len(version.sections) if position is None else max(0, min(position, len(version.sections)))
    section_data = {name: data[name] for name in data if name != "questions"}

    def edit(document: dict[str, Any]) -> None:
        document["sections"].insert(index, {**section_data, "questions": []})

    document = _check_edit(version, edit, f"sections[{index}]")
    section = _section_from_document(document["sections"][index], index)
    version.sections.insert(index, section)
    _renumber(version.sections)
    _changed(version, "questionnaire.section_added", actor=actor, ip=ip, details={"section": section.key})
    return section


def update_section(section: Section, changes: Mapping[str, Any], *, actor: User | None,
                   ip: str | None = None) -> Section:
    """Change a section's key, title, description or show_if (None removes the optional ones)."""
    version = section.version
    version.ensure_editable()
    index = version.sections.index(section)

    def edit(document: dict[str, Any]) -> None:
        target = document["sections"][index]
        for name, value in changes.items():
            if value is None:
                target.pop(name, None)
            else:
                target[name] = value

    document = _check_edit(version, edit, f"sections[{index}]")
    data = document["sections"][index]
    section.key = data["key"]
    section.title = data["title"]
    section.description = data.get("description")
    section.show_if = data.get("show_if")
    _changed(version, "questionnaire.section_updated", actor=actor, ip=ip, details={"section": section.key})
    return section


def delete_section(section: Section, *, actor: User | None, ip: str | None = None) -> None:
    """Delete a section and its questions, unless later conditions name one of them."""
    version = section.version
    version.ensure_editable()
    keys = {question.key for question in section.questions}
    _refuse_if_used(version, keys, f"A question of section '{section.key}'")
    version.sections.remove(section)
    _renumber(version.sections)
    _changed(version, "questionnaire.section_deleted", actor=actor, ip=ip, details={"section": section.key})


def move_section(section: Section, offset: int, *, actor: User | None, ip: str | None = None) -> Section:
    """Move a section up (offset -1) or down (+1); refused when a condition would name a later question."""
    version = section.version
    version.ensure_editable()
    index = version.sections.index(section)
    target = index + offset
    if offset == 0 or not 0 <= target < len(version.sections):
        return section

    def edit(document: dict[str, Any]) -> None:
        moved = document["sections"].pop(index)
        document["sections"].insert(target, moved)

    _check_edit(version, edit)
    version.sections.remove(section)
    version.sections.insert(target, section)
    _renumber(version.sections)
    _changed(version, "questionnaire.section_moved", actor=actor, ip=ip,
             details={"section": section.key, "position": target})
    return section


def add_question(section: Section, data: Mapping[str, Any], *, actor: User | None,
                 position: int | None = None, ip: str | None = None) -> Question:
    """Add a question (document shape: key, type, text, options, ...) to a section (default: at the end)."""
    version = section.version
    version.ensure_editable()
    section_index = version.sections.index(section)
    index = len(section.questions) if position is None else max(0, min(position, len(section.questions)))

    def edit(document: dict[str, Any]) -> None:
        document["sections"][section_index]["questions"].insert(index, dict(data))

    document = _check_edit(version, edit, f"sections[{section_index}].questions[{index}]")
    values = _question_values(document["sections"][section_index]["questions"][index])
    question = Question(position=index, version=version, **values)
    section.questions.insert(index, question)
    _renumber(section.questions)
    _changed(version, "questionnaire.question_added", actor=actor, ip=ip, details={"question": question.key})
    return question


def update_question(question: Question, changes: Mapping[str, Any], *, actor: User | None,
                    ip: str | None = None) -> Question:
    """Change some of a question's fields (document shape; None removes an optional field).

    When the type changes, config fields the new type does not take are dropped.
    """
    version = question.section.version
    version.ensure_editable()
    section_index, index = _indexes(question)
    if "key" in changes and changes["key"] != question.key:
        _refuse_if_used(version, {question.key}, f"Question '{question.key}'")

    def edit(document: dict[str, Any]) -> None:
        target = document["sections"][section_index]["questions"][index]
        new_type = changes.get("type", target["type"])
        if new_type != target["type"] and new_type in QUESTION_TYPES:
            for name in interchange.CONFIG_FIELDS:
                if name not in QUESTION_TYPES[new_type].config_fields and name not in changes:
                    target.pop(name, None)
        for name, value in changes.items():
            if value is None:
                target.pop(name, None)
            else:
                target[name] = value

    document = _check_edit(version, edit, f"sections[{section_index}].questions[{index}]")
    for name, value in _question_values(document["sections"][section_index]["questions"][index]).items():
        setattr(question, name, value)
    _changed(version, "questionnaire.question_updated", actor=actor, ip=ip, details={"question": question.key})
    return question


def delete_question(question: Question, *, actor: User | None, ip: str | None = None) -> None:
    """Delete a question, unless a condition names it."""
    section = question.section
    version = section.version
    version.ensure_editable()
    _refuse_if_used(version, {question.key}, f"Question '{question.key}'")
    section.questions.remove(question)
    _renumber(section.questions)
    _changed(version, "questionnaire.question_deleted", actor=actor, ip=ip, details={"question": question.key})


def move_question(question: Question, offset: int, *, actor: User | None, ip: str | None = None) -> Question:
    """Move a question up (-1) or down (+1); past the edge of its section it goes to the next one.

    Refused when a condition would then name a later question.
    """
    version = question.section.version
    version.ensure_editable()
    section_index, index = _indexes(question)
    sections = version.sections
    target_section, target_index = section_index, index + offset
    if offset < 0 and target_index < 0:
        target_section = section_index - 1
        target_index = len(sections[target_section].questions) if target_section >= 0 else 0
    elif offset > 0 and target_index >= len(sections[section_index].questions):
        target_section, target_index = section_index + 1, 0
    if offset == 0 or not 0 <= target_section < len(sections):
        return question

    def edit(document: dict[str, Any]) -> None:
        moved = document["sections"][section_index]["questions"].pop(index)
        document["sections"][target_section]["questions"].insert(target_index, moved)

    _check_edit(version, edit)
    old_section = question.section
    old_section.questions.remove(question)
    new_section = sections[target_section]
    new_section.questions.insert(target_index, question)
    _renumber(old_section.questions)
    _renumber(new_section.questions)
    _changed(version, "questionnaire.question_moved", actor=actor, ip=ip,
             details={"question": question.key, "section": new_section.key, "position": target_index})
    return question


# --- sharing, approval, publication, versions --------------------------------------------------


def share(questionnaire: Questionnaire, organisation: Organisation, *, actor: User | None,
          ip: str | None = None) -> None:
    """Make a buyer organisation a co-editor: it may edit drafts and must approve them."""
    if organisation.kind != OrganisationKind.BUYER:
        raise NotAllowed("Only buyer organisations can co-edit a questionnaire.")
    if questionnaire.is_editing_organisation(organisation.id):
        raise NotAllowed(f"{organisation.name} already edits this questionnaire.")
    questionnaire.co_editors.append(organisation)
    db.session.flush()
    audit.record("questionnaire.shared", actor=actor, organisation=questionnaire.owner,
                 target=f"questionnaire:{questionnaire.id}",
                 details={"co_editor": organisation.id, "name": organisation.name}, ip=ip)


def unshare(questionnaire: Questionnaire, organisation: Organisation, *, actor: User | None,
            ip: str | None = None) -> None:
    """Stop sharing with a co-editor; its approvals of drafts are withdrawn."""
    if organisation not in questionnaire.co_editors:
        raise NotAllowed(f"{organisation.name} does not co-edit this questionnaire.")
    questionnaire.co_editors.remove(organisation)
    for version in questionnaire.versions:
        if version.is_draft:
            for approval in [a for a in version.approvals if a.organisation_id == organisation.id]:
                version.approvals.remove(approval)
    db.session.flush()
    audit.record("questionnaire.unshared", actor=actor, organisation=questionnaire.owner,
                 target=f"questionnaire:{questionnaire.id}",
                 details={"co_editor": organisation.id, "name": organisation.name}, ip=ip)


@dataclass(frozen=True)
class ApprovalStatus:
    """Who has approved a version and who still has to."""

    approved: list[VersionApproval]
    pending: list[Organisation]

    @property
    def complete(self) -> bool:
        """Every editing organisation has approved."""
        return not self.pending


def approval_status(version: QuestionnaireVersion) -> ApprovalStatus:
    """The approvals of a version and the editing organisations still missing."""
    approved_ids = {approval.organisation_id for approval in version.approvals}
    pending = [org for org in version.questionnaire.editing_organisations if org.id not in approved_ids]
    return ApprovalStatus(approved=list(version.approvals), pending=pending)


def approve(version: QuestionnaireVersion, organisation: Organisation, user: User, *,
            ip: str | None = None) -> VersionApproval:
    """Record an editing organisation's approval of a draft, given by one of its users."""
    if version.is_published:
        raise NotAllowed("This version is already published.")
    if not version.questionnaire.is_editing_organisation(organisation.id):
        raise NotAllowed("Only the owner and the co-editing organisations approve this questionnaire.")
    if user.organisation_id != organisation.id:
        raise NotAllowed("Only a member of an organisation can approve on its behalf.")
    if any(approval.organisation_id == organisation.id for approval in version.approvals):
        raise NotAllowed(f"{organisation.name} has already approved version {version.number}.")
    approval = VersionApproval(organisation=organisation, user=user)
    version.approvals.append(approval)
    db.session.flush()
    audit.record("questionnaire.approved", actor=user, organisation=organisation,
                 target=f"questionnaire_version:{version.id}",
                 details={"questionnaire": version.questionnaire_id, "version": version.number}, ip=ip)
    return approval


def publish(version: QuestionnaireVersion, *, actor: User | None, ip: str | None = None) -> QuestionnaireVersion:
    """Freeze a draft that every editing organisation has approved; rounds can then use it."""
    version.ensure_editable()
    if not any(True for _ in version.questions()):
        raise NotAllowed("Add at least one question before publishing.")
    status = approval_status(version)
    if not status.complete:
        names = ", ".join(org.name for org in status.pending)
        raise NotAllowed(f"Version {version.number} still needs the approval of: {names}.")
    version.publish(actor)
    db.session.flush()
    audit.record("questionnaire.published", actor=actor, organisation=version.questionnaire.owner,
                 target=f"questionnaire_version:{version.id}",
                 details={"questionnaire": version.questionnaire_id, "version": version.number}, ip=ip)
    return version


def _ensure_no_draft(questionnaire: Questionnaire) -> None:
    latest = questionnaire.latest_version
    if latest.is_draft:
        raise NotAllowed(f"Version {latest.number} is still a draft: edit it rather than start another.")


def new_version(questionnaire: Questionnaire, *, actor: User | None, ip: str | None = None) -> QuestionnaireVersion:
    """Copy the latest (published) version into the next draft, with the same question keys."""
    _ensure_no_draft(questionnaire)
    latest = questionnaire.latest_version
    version = _build_version(questionnaire, latest.number + 1, version_document(latest), actor)
    db.session.flush()
    audit.record("questionnaire.version_created", actor=actor, organisation=questionnaire.owner,
                 target=f"questionnaire:{questionnaire.id}",
                 details={"version": version.number, "from_version": latest.number}, ip=ip)
    return version


def display_title(version: QuestionnaireVersion, language: str | None) -> str:
    """The version's title in a language, the first language standing in."""
    return translate(version.title, language)
