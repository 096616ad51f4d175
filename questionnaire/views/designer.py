"""The questionnaire designer: list, create, edit drafts, share, approve, publish, versions, preview.

Edits always go to the latest version. When that version is published, every edit page answers with
the refusal message and a "Start a new version" button instead (409). Pages load a version with
`version_load_options()`, so a 500-question questionnaire costs the same few queries as a small one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy import select
from wtforms import SelectChoice

from forms.answers import build_section_form, comment_field_name, confidential_field_name, quotable_field_name
from forms.designer import (
    NEW_COLUMN_ROWS,
    NEW_OPTION_ROWS,
    BlankQuestionnaireForm,
    ConfirmForm,
    ShareForm,
    TemplateChoiceForm,
    UploadForm,
    attach_problems,
    condition_choices,
    flat_errors,
    language_name,
    metadata_form_class,
    own_language_name,
    parse_languages,
    question_data,
    question_form_class,
    question_form_data,
    section_data,
    section_form_class,
    setup_condition_fields,
    text_form_data,
    type_choices,
)
from questionnaire import interchange, permissions
from questionnaire.extensions import db
from questionnaire.interchange import FormatError
from questionnaire.models import Organisation, OrganisationKind, Question, Questionnaire, QuestionnaireVersion, User
from questionnaire.models.questionnaire import PUBLISHED_VERSION_MESSAGE, Section
from questionnaire.question_types import QUESTION_TYPES, Problem, translate, type_of
from questionnaire.services import questionnaires as service
from questionnaire.services.errors import DomainError
from questionnaire.services.questionnaires import InvalidQuestionnaire
from questionnaire.views.helpers import authorise, client_ip, flash

bp = Blueprint("designer", __name__, url_prefix="/questionnaires")

# How many missing-translation paths to list per language before summarising the rest.
MISSING_SHOWN = 40


def _me() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _ui_language() -> str:
    return str(get_locale() or "en")


@bp.app_context_processor
def _dashboard_helpers() -> dict[str, Any]:
    def designer_questionnaires() -> list[Questionnaire]:
        """The current user's organisation's questionnaires, for the dashboard card."""
        if not current_user.is_authenticated or not permissions.can_create_questionnaire(current_user):
            return []
        return service.list_questionnaires(current_user.organisation)

    return {"designer_questionnaires": designer_questionnaires, "display_title": service.display_title}


# --- loading ------------------------------------------------------------------------------------


def _load(questionnaire_id: int) -> Questionnaire:
    """The questionnaire, or 404 for anyone outside its editing organisations and the secretariat."""
    questionnaire = service.get_questionnaire(questionnaire_id)
    if questionnaire is None:
        abort(404)
    authorise(permissions.can_view_questionnaire(_me(), questionnaire), hide=True)
    return questionnaire


def _load_version(questionnaire: Questionnaire, number: int | None = None) -> QuestionnaireVersion:
    version = service.get_version(questionnaire.id, number)
    if version is None:
        abort(404)
    return version


def _load_for_edit(questionnaire_id: int) -> tuple[Questionnaire, QuestionnaireVersion]:
    """The questionnaire and its latest version, for a user allowed to edit it."""
    questionnaire = _load(questionnaire_id)
    authorise(permissions.can_edit_questionnaire(_me(), questionnaire))
    return questionnaire, _load_version(questionnaire)


def _published(questionnaire: Questionnaire, version: QuestionnaireVersion) -> tuple[str, int]:
    """The refusal to edit a published version, with the way forward.

    `version` is the latest one: published (offer a new version) or a draft opened since the page
    that sent the request was loaded (point to it).
    """
    return render_template("designer/published.html", questionnaire=questionnaire, version=version,
                           message=str(PUBLISHED_VERSION_MESSAGE)), 409


def _section_of(questionnaire: Questionnaire, version: QuestionnaireVersion, section_id: int) -> Section | None:
    """The section of the latest version; None when it belongs to an older (published) version; else 404."""
    for section in version.sections:
        if section.id == section_id:
            return section
    other = db.session.get(Section, section_id)
    if other is None or other.version.questionnaire_id != questionnaire.id:
        abort(404)
    return None


def _question_of(questionnaire: Questionnaire, version: QuestionnaireVersion, question_id: int) -> Question | None:
    """The question of the latest version; None when it belongs to an older version; else 404."""
    for question in version.questions():
        if question.id == question_id:
            return question
    other = db.session.get(Question, question_id)
    if other is None or other.version.questionnaire_id != questionnaire.id:
        abort(404)
    return None


def _designer_url(questionnaire: Questionnaire, anchor: str | None = None) -> str:
    url = url_for("designer.questionnaire", questionnaire_id=questionnaire.id)
    return f"{url}#{anchor}" if anchor else url


# --- list and create ----------------------------------------------------------------------------


@bp.route("/")
@login_required
def index():
    """The questionnaires of the user's organisation (all of them for the secretariat)."""
    me = _me()
    authorise(permissions.can_create_questionnaire(me))
    rows = service.list_questionnaires(me.organisation)
    return render_template("designer/index.html", rows=rows, language=_ui_language())


def _new_page(*, blank: BlankQuestionnaireForm | None = None, template: TemplateChoiceForm | None = None,
              upload: UploadForm | None = None, upload_problems: Sequence[Any] = (),
              upload_warnings: Sequence[Any] = ()) -> str:
    templates = service.list_templates()
    template = template or TemplateChoiceForm(formdata=None)
    language = _ui_language()
    template.template.choices = [SelectChoice(t.name, translate(t.title, language)) for t in templates]
    if template.template.data is None and templates:
        template.template.data = templates[0].name
    return render_template(
        "designer/new.html", blank=blank or BlankQuestionnaireForm(formdata=None), template=template,
        upload=upload or UploadForm(formdata=None), templates=templates, language=language,
        upload_problems=upload_problems, upload_warnings=upload_warnings, flat_errors=flat_errors,
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Start a questionnaire: blank (this form), from a template or from a file (their own actions)."""
    me = _me()
    authorise(permissions.can_create_questionnaire(me))
    form = BlankQuestionnaireForm()
    if form.validate_on_submit():
        languages = parse_languages(form.languages.data)
        try:
            questionnaire = service.create_blank(owner=me.organisation, actor=me, title=form.title.data.strip(),
                                                 languages=languages, ip=client_ip())
        except InvalidQuestionnaire as exc:
            db.session.rollback()
            attach_problems(form, exc.problems)
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The questionnaire is created. Add its first section."), "success")
            return redirect(_designer_url(questionnaire))
    status = 400 if request.method == "POST" else 200
    return _new_page(blank=form), status


@bp.route("/from-template", methods=["POST"])
@login_required
def from_template():
    """Copy a questionnaire of the template library into a new draft."""
    me = _me()
    authorise(permissions.can_create_questionnaire(me))
    form = TemplateChoiceForm()
    form.template.choices = [SelectChoice(t.name) for t in service.list_templates()]
    if form.validate_on_submit():
        try:
            questionnaire = service.create_from_template(form.template.data, owner=me.organisation, actor=me,
                                                         ip=client_ip())
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The questionnaire is created from the template. It is a draft: edit it as you need."),
                  "success")
            return redirect(_designer_url(questionnaire))
    return _new_page(template=form), 400


@bp.route("/upload", methods=["POST"])
@login_required
def upload():
    """Create a questionnaire from a questionnaire/1 file; a broken file is refused whole."""
    me = _me()
    authorise(permissions.can_create_questionnaire(me))
    form = UploadForm()
    if not form.validate_on_submit():
        return _new_page(upload=form), 400
    try:
        parsed = interchange.loads(form.file.data.read())
        questionnaire = service.import_document(parsed, owner=me.organisation, actor=me, ip=client_ip())
    except FormatError as exc:
        db.session.rollback()
        return _new_page(upload=form, upload_problems=exc.problems, upload_warnings=exc.warnings), 400
    except DomainError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return _new_page(upload=form), 400
    db.session.commit()
    if parsed.warnings:
        flash(ngettext("The file is imported. %(num)d text lacks a translation; it is listed below.",
                       "The file is imported. %(num)d texts lack a translation; they are listed below.",
                       len(parsed.warnings)), "warning")
    else:
        flash(_("The file is imported as a draft questionnaire."), "success")
    return redirect(_designer_url(questionnaire))


# --- the questionnaire page -----------------------------------------------------------------------


def _readable_path(path: str, version: QuestionnaireVersion) -> str:
    """`sections[1].questions[2].text` -> `policy.scope: text`, naming sections and questions by key."""
    match = re.match(r"^sections\[(\d+)\](?:\.questions\[(\d+)\])?\.?(.*)$", path)
    if not match:
        return path
    try:
        section = version.sections[int(match.group(1))]
        if match.group(2) is not None:
            name = _("question %(key)s", key=section.questions[int(match.group(2))].key)
        else:
            name = _("section %(key)s", key=section.key)
    except IndexError:
        return path
    return f"{name}: {match.group(3)}" if match.group(3) else name


def _readable(problems: Sequence[Problem], version: QuestionnaireVersion) -> list[Problem]:
    """Problems about other parts of the questionnaire named by section and question key, not index."""
    return [Problem("", f"{_readable_path(p.path, version)}: {p.message}", p.warning, p.language)
            if p.path.startswith("sections[") else p for p in problems]


def describe_condition(condition: Mapping[str, Any] | None, questions: Mapping[str, Question],
                       language: str | None) -> str:
    """A show_if in words: `“Do you have a policy?” is “Yes”`, joined with and / or."""
    if not condition:
        return ""
    if "all" in condition or "any" in condition:
        joiner = _(" and ") if "all" in condition else _(" or ")
        parts = condition.get("all", condition.get("any")) or []
        inner = [describe_condition(part, questions, language) for part in parts]
        return joiner.join(f"({text})" if (" and " in text or " or " in text) else text for text in inner)
    question = questions.get(condition.get("question", ""))
    if question is None:
        return str(condition)
    qtype = type_of(question)
    text = translate(question.text, language)
    values = [condition["equals"]] if "equals" in condition else list(condition.get("in") or [])
    shown = [qtype.display(value, question, language) for value in values]
    if question.type == "multiple_choice":
        if len(shown) == 1:
            return _("“%(question)s” includes “%(value)s”", question=text, value=shown[0])
        return _("“%(question)s” includes any of “%(values)s”", question=text, values="”, “".join(shown))
    if len(shown) == 1:
        return _("“%(question)s” is “%(value)s”", question=text, value=shown[0])
    return _("“%(question)s” is one of “%(values)s”", question=text, values="”, “".join(shown))


def _version_page(questionnaire: Questionnaire, version: QuestionnaireVersion, *,
                  upload_form: UploadForm | None = None, upload_problems: Sequence[Any] = ()) -> str:
    me = _me()
    language = _ui_language()
    is_latest = version.number == questionnaire.latest_version.number
    editable = is_latest and version.is_draft and permissions.can_edit_questionnaire(me, questionnaire)
    questions = {question.key: question for question in version.questions()}
    missing = {
        lang: [_readable_path(path, version) for path in paths]
        for lang, paths in service.missing_translations(version).items()
    }
    share_form = None
    if permissions.can_share_questionnaire(me, questionnaire):
        share_form = ShareForm(formdata=None)
        share_form.organisation.choices = _share_choices(questionnaire)
    return render_template(
        "designer/questionnaire.html",
        questionnaire=questionnaire, version=version, is_latest=is_latest, editable=editable,
        can_edit=permissions.can_edit_questionnaire(me, questionnaire),
        can_approve=permissions.can_approve_version(me, version),
        can_publish=permissions.can_publish_version(me, version),
        can_share=permissions.can_share_questionnaire(me, questionnaire),
        status=service.approval_status(version), history=service.version_history(questionnaire),
        missing=missing, missing_shown=MISSING_SHOWN, language=language, questions=questions,
        describe=lambda condition: describe_condition(condition, questions, language),
        type_labels={name: qtype.label for name, qtype in QUESTION_TYPES.items()}, type_choices=type_choices(),
        share_form=share_form, language_name=language_name,
        upload_form=upload_form or UploadForm(formdata=None), upload_problems=upload_problems,
    )


def _share_choices(questionnaire: Questionnaire) -> list[SelectChoice]:
    editing = {org.id for org in questionnaire.editing_organisations}
    buyers = db.session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.BUYER).order_by(Organisation.name))
    return [SelectChoice(org.id, org.name) for org in buyers if org.id not in editing]


@bp.route("/<int:questionnaire_id>")
@login_required
def questionnaire(questionnaire_id: int):
    """The designer: the latest version's details, sections and questions, approvals and history."""
    questionnaire = _load(questionnaire_id)
    return _version_page(questionnaire, _load_version(questionnaire))


@bp.route("/<int:questionnaire_id>/versions/<int:number>")
@login_required
def version(questionnaire_id: int, number: int):
    """One version, read-only unless it is the latest draft."""
    questionnaire = _load(questionnaire_id)
    return _version_page(questionnaire, _load_version(questionnaire, number))


@bp.route("/<int:questionnaire_id>/versions/<int:number>/download")
@login_required
def download(questionnaire_id: int, number: int):
    """The version as a questionnaire/1 JSON file."""
    questionnaire = _load(questionnaire_id)
    version = _load_version(questionnaire, number)
    body = interchange.dumps(service.export_document(version))
    filename = f"questionnaire-{questionnaire.id}-v{version.number}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- details and sharing ------------------------------------------------------------------------


@bp.route("/<int:questionnaire_id>/details", methods=["GET", "POST"])
@login_required
def details(questionnaire_id: int):
    """Edit the title, description and languages of the draft."""
    questionnaire, version = _load_for_edit(questionnaire_id)
    if version.is_published:
        return _published(questionnaire, version)
    form_class = metadata_form_class(version.languages)
    if request.method == "GET":
        form = form_class(data={"title": text_form_data(version.title),
                                "description": text_form_data(version.description),
                                "languages": ", ".join(version.languages)})
    else:
        form = form_class()
    if form.validate_on_submit():
        languages = parse_languages(form.languages.data)
        title = {lang: form.title.form[lang].data.strip() for lang in version.languages
                 if (form.title.form[lang].data or "").strip()}
        description = {lang: form.description.form[lang].data.strip() for lang in version.languages
                       if (form.description.form[lang].data or "").strip()}
        try:
            service.update_metadata(version, actor=_me(), title=title, languages=languages,
                                    description=description or None, source=version.source, ip=client_ip())
        except InvalidQuestionnaire as exc:
            db.session.rollback()
            attach_problems(form, _readable(exc.problems, version))
        except DomainError as exc:
            db.session.rollback()
            form.form_errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The details are saved."), "success")
            return redirect(_designer_url(questionnaire))
    status = 400 if request.method == "POST" else 200
    return render_template("designer/details.html", questionnaire=questionnaire, version=version, form=form,
                           flat_errors=flat_errors), status


@bp.route("/<int:questionnaire_id>/co-editors", methods=["POST"])
@login_required
def share(questionnaire_id: int):
    """Add a buyer organisation as co-editor (the owner only)."""
    questionnaire = _load(questionnaire_id)
    me = _me()
    authorise(permissions.can_share_questionnaire(me, questionnaire))
    form = ShareForm()
    form.organisation.choices = _share_choices(questionnaire)
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation.data)
        try:
            if organisation is None:
                abort(400)
            service.share(questionnaire, organisation, actor=me, ip=client_ip())
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("%(name)s now co-edits this questionnaire and must approve each version.",
                    name=organisation.name), "success")
    else:
        flash(_("Choose a buyer organisation to share with."), "error")
    return redirect(_designer_url(questionnaire, "co-editors"))


@bp.route("/<int:questionnaire_id>/co-editors/<int:organisation_id>/remove", methods=["POST"])
@login_required
def unshare(questionnaire_id: int, organisation_id: int):
    """Stop sharing with a co-editor (the owner only)."""
    questionnaire = _load(questionnaire_id)
    me = _me()
    authorise(permissions.can_share_questionnaire(me, questionnaire))
    organisation = next((org for org in questionnaire.co_editors if org.id == organisation_id), None)
    if organisation is None:
        abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            service.unshare(questionnaire, organisation, actor=me, ip=client_ip())
        except DomainError as exc:
            db.session.rollback()
            flash(str(exc), "error")
        else:
            db.session.commit()
            flash(_("%(name)s no longer co-edits this questionnaire.", name=organisation.name), "success")
    return redirect(_designer_url(questionnaire, "co-editors"))


# --- sections -----------------------------------------------------------------------------------


def _rows_posted(prefix: str) -> int:
    """How many rows of a repeated sub-form (`options-3-value`, ...) the browser sent."""
    pattern = re.compile(rf"^{re.escape(prefix)}-(\d+)-")
    indexes = {int(m.group(1)) for name in request.form if (m := pattern.match(name))}
    return max(indexes) + 1 if indexes else 0


def _section_form(version: QuestionnaireVersion, earlier: Sequence[Question], section: Section | None) -> Any:
    rows = max(1, _rows_posted("show_if_rows")) if request.method == "POST" else 1
    form_class = section_form_class(version.languages, rows)
    if request.method == "POST":
        form = form_class()
    elif section is not None:
        form = form_class(data={"key": section.key, "title": text_form_data(section.title),
                                "description": text_form_data(section.description)})
    else:
        form = form_class()
    if request.method == "POST" and "add_condition" in request.form:
        form.show_if_rows.append_entry()
    setup_condition_fields(form, _condition_choices(earlier), section.show_if if section else None,
                           fill=request.method == "GET")
    return form


def _condition_choices(earlier: Sequence[Question]) -> list[Any]:
    # The builder's labels are in the interface language, the designer's own.
    return condition_choices(earlier, _ui_language())


def _save_from_form(questionnaire: Questionnaire, version: QuestionnaireVersion, form: Any,
                    read: Callable[[], dict[str, Any]], save: Callable[[dict[str, Any]], Section | Question],
                    saved_message: Callable[[str], str], anchor: str):
    """Save a validated section or question form: commit, flash and redirect, or put the refusal on the form."""
    try:
        data = read()
    except ValueError as exc:
        form.show_if_mode.errors = [str(exc)]
        return None
    try:
        saved = save(data)
    except InvalidQuestionnaire as exc:
        db.session.rollback()
        attach_problems(form, _readable(exc.problems, version))
        return None
    except DomainError as exc:
        db.session.rollback()
        form.form_errors.append(str(exc))
        return None
    db.session.commit()
    flash(saved_message(saved.key), "success")
    return redirect(_designer_url(questionnaire, f"{anchor}-{saved.id}"))


def _save_section(questionnaire: Questionnaire, version: QuestionnaireVersion, section: Section | None,
                  earlier: Sequence[Question]):
    form = _section_form(version, earlier, section)
    adding_row = request.method == "POST" and "add_condition" in request.form
    if not adding_row and form.validate_on_submit():
        def save(data: dict[str, Any]) -> Section:
            if section is None:
                return service.add_section(version, {k: v for k, v in data.items() if v is not None},
                                           actor=_me(), ip=client_ip())
            return service.update_section(section, data, actor=_me(), ip=client_ip())

        saved_page = _save_from_form(questionnaire, version, form, lambda: section_data(form, version.languages),
                                     save, lambda key: _("The section %(key)s is saved.", key=key), "section")
        if saved_page is not None:
            return saved_page
    status = 400 if request.method == "POST" and not adding_row else 200
    return render_template("designer/section_form.html", questionnaire=questionnaire, version=version,
                           section=section, form=form, flat_errors=flat_errors), status


@bp.route("/<int:questionnaire_id>/sections/new", methods=["GET", "POST"])
@login_required
def section_new(questionnaire_id: int):
    """Add a section at the end of the draft."""
    questionnaire, version = _load_for_edit(questionnaire_id)
    if version.is_published:
        return _published(questionnaire, version)
    return _save_section(questionnaire, version, None, list(version.questions()))


@bp.route("/<int:questionnaire_id>/sections/<int:section_id>/edit", methods=["GET", "POST"])
@login_required
def section_edit(questionnaire_id: int, section_id: int):
    """Edit a section's key, title, description and condition."""
    questionnaire, version = _load_for_edit(questionnaire_id)
    section = _section_of(questionnaire, version, section_id)
    if section is None or version.is_published:
        return _published(questionnaire, version)
    index = version.sections.index(section)
    earlier = [q for s in version.sections[:index] for q in s.questions]
    return _save_section(questionnaire, version, section, earlier)


def _refuse_or_do(questionnaire: Questionnaire, action: Any, success: str, anchor: str | None = None):
    """Run a service call for a POST button: commit and flash, or flash the refusal."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action()
    except InvalidQuestionnaire as exc:
        db.session.rollback()
        # The problems' paths index the questionnaire as it would have been after the move, so only
        # their messages (which name the questions by key) are shown.
        flash(_("Refused: this would make the questionnaire invalid.") + " "
              + "; ".join(dict.fromkeys(p.message for p in exc.problems)), "error")
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
    else:
        db.session.commit()
        if success:
            flash(success, "success")
    return redirect(_designer_url(questionnaire, anchor))


def _direction() -> int:
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400)
    return -1 if direction == "up" else 1


@bp.route("/<int:questionnaire_id>/sections/<int:section_id>/delete", methods=["POST"])
@login_required
def section_delete(questionnaire_id: int, section_id: int):
    """Delete a section and its questions."""
    questionnaire, version = _load_for_edit(questionnaire_id)
    section = _section_of(questionnaire, version, section_id)
    if section is None or version.is_published:
        return _published(questionnaire, version)
    key = section.key
    return _refuse_or_do(questionnaire, lambda: service.delete_section(section, actor=_me(), ip=client_ip()),
                         _("The section %(key)s is deleted.", key=key), "sections")


@bp.route("/<int:questionnaire_id>/sections/<int:section_id>/move", methods=["POST"])
@login_required
def section_move(questionnaire_id: int, section_id: int):
    """Move a section up or down."""
    questionnaire, version = _load_for_edit(questionnaire_id)
    section = _section_of(questionnaire, version, section_id)
    if section is None or version.is_published:
        return _published(questionnaire, version)
    offset = _direction()
    moved = _("Section %(key)s moved up.", key=section.key) if offset < 0 else _(
        "Section %(key)s moved down.", key=section.key)
    return _refuse_or_do(questionnaire, lambda: service.move_section(section, offset, actor=_me(), ip=client_ip()),
                         moved, f"section-{section.id}")


# --- questions ----------------------------------------------------------------------------------


def _positions(section: Section) -> list[SelectChoice]:
    """Where a new question may go: the end (first, the default), the start, or after a question."""
    return [SelectChoice("end", _("At the end of the section")), SelectChoice("0", _("At the start of the section")),
            *(SelectChoice(str(i + 1), _("After %(key)s", key=q.key)) for i, q in enumerate(section.questions))]


def _question_form(version: QuestionnaireVersion, type_name: str, document: Mapping[str, Any] | None,
                   earlier: Sequence[Question], show_if: Mapping[str, Any] | None,
                   positions: Sequence[SelectChoice] | None = None):
    """The question form for a type: filled from `document` on GET, from the post otherwise."""
    posted = request.method == "POST"
    if posted:
        option_rows = max(1, _rows_posted("options"))
        column_rows = max(1, _rows_posted("columns"))
        condition_rows = max(1, _rows_posted("show_if_rows"))
    else:
        option_rows = len(document.get("options", [])) + 1 if document else NEW_OPTION_ROWS
        column_rows = len(document.get("columns", [])) if document else NEW_COLUMN_ROWS
        condition_rows = 1
    form_class = question_form_class(version.languages, type_name, option_rows=max(option_rows, NEW_OPTION_ROWS),
                                     column_rows=max(column_rows, 1), condition_row_count=condition_rows,
                                     positions=positions)
    if posted:
        form = form_class()
    elif document is not None:
        form = form_class(data=question_form_data(document, version.languages))
    else:
        form = form_class()
    form.type.data = type_name
    setup_condition_fields(form, _condition_choices(earlier), show_if, fill=not posted)
    return form


def _save_question(questionnaire: Questionnaire, version: QuestionnaireVersion, section: Section,
                   question: Question | None, earlier: Sequence[Question]):
    if question is not None:
        current_type = question.type
        document = service.question_document(question)
    else:
        current_type = request.args.get("type", "single_choice")
        document = None
    posted_type = request.form.get("type") if request.method == "POST" else None
    shown_type = request.form.get("shown_type") if request.method == "POST" else None
    type_name = posted_type or current_type
    if type_name not in QUESTION_TYPES:
        abort(400)
    # The config fields on the page belong to `shown_type`; a new type first shows its own fields.
    retype = request.method == "POST" and (
        "change_type" in request.form or (shown_type is not None and shown_type != type_name))
    form = _question_form(version, type_name, document, earlier, question.show_if if question else None,
                          _positions(section) if question is None else None)
    rerender = retype
    if request.method == "POST":
        for button, field_list in (("add_option", "options"), ("add_column", "columns"),
                                   ("add_condition", "show_if_rows")):
            if button in request.form and field_list in form:
                form[field_list].append_entry()
                rerender = True
        if "add_condition" in request.form:
            setup_condition_fields(form, _condition_choices(earlier), None, fill=False)
    if request.method == "POST" and not rerender and form.validate_on_submit():
        def save(data: dict[str, Any]) -> Question:
            if question is None:
                position = form.position.data
                return service.add_question(section, {k: v for k, v in data.items() if v is not None},
                                            actor=_me(), ip=client_ip(),
                                            position=int(position) if position.isdigit() else None)
            return service.update_question(question, data, actor=_me(), ip=client_ip())

        saved_page = _save_from_form(questionnaire, version, form,
                                     lambda: question_data(form, version.languages, type_name),
                                     save, lambda key: _("The question %(key)s is saved.", key=key), "question")
        if saved_page is not None:
            return saved_page
    status = 400 if request.method == "POST" and not rerender else 200
    return render_template(
        "designer/question_form.html", questionnaire=questionnaire, version=version, section=section,
        question=question, form=form, type_name=type_name, type_label=QUESTION_TYPES[type_name].label,
        flat_errors=flat_errors, language_name=language_name,
    ), status


@bp.route("/<int:questionnaire_id>/sections/<int:section_id>/questions/new", methods=["GET", "POST"])
@login_required
def question_new(questionnaire_id: int, section_id: int):
    """Add a question of a chosen type at the end of a section."""
    questionnaire, version = _load_for_edit(questionnaire_id)
    section = _section_of(questionnaire, version, section_id)
    if section is None or version.is_published:
        return _published(questionnaire, version)
    index = version.sections.index(section)
    earlier = [q for s in version.sections[: index + 1] for q in s.questions]
    return _save_question(questionnaire, version, section, None, earlier)


@bp.route("/<int:questionnaire_id>/questions/<int:question_id>/edit", methods=["GET", "POST"])
@login_required
def question_edit(questionnaire_id: int, question_id: int):
    """Edit a question: texts, type and its config, condition, weight, tags."""
    questionnaire, version = _load_for_edit(questionnaire_id)
    question = _question_of(questionnaire, version, question_id)
    if question is None or version.is_published:
        return _published(questionnaire, version)
    ordered = list(version.questions())
    earlier = ordered[: ordered.index(question)]
    return _save_question(questionnaire, version, question.section, question, earlier)


@bp.route("/<int:questionnaire_id>/questions/<int:question_id>/delete", methods=["POST"])
@login_required
def question_delete(questionnaire_id: int, question_id: int):
    """Delete a question (refused while a condition names it)."""
    questionnaire, version = _load_for_edit(questionnaire_id)
    question = _question_of(questionnaire, version, question_id)
    if question is None or version.is_published:
        return _published(questionnaire, version)
    key = question.key
    return _refuse_or_do(questionnaire, lambda: service.delete_question(question, actor=_me(), ip=client_ip()),
                         _("The question %(key)s is deleted.", key=key), f"section-{question.section_id}")


@bp.route("/<int:questionnaire_id>/questions/<int:question_id>/move", methods=["POST"])
@login_required
def question_move(questionnaire_id: int, question_id: int):
    """Move a question up or down (into the neighbouring section past the edge)."""
    questionnaire, version = _load_for_edit(questionnaire_id)
    question = _question_of(questionnaire, version, question_id)
    if question is None or version.is_published:
        return _published(questionnaire, version)
    offset = _direction()
    moved = _("Question %(key)s moved up.", key=question.key) if offset < 0 else _(
        "Question %(key)s moved down.", key=question.key)
    return _refuse_or_do(questionnaire,
                         lambda: service.move_question(question, offset, actor=_me(), ip=client_ip()),
                         moved, f"question-{question.id}")


# --- approval, publication, versions ------------------------------------------------------------


@bp.route("/<int:questionnaire_id>/upload-version", methods=["POST"])
@login_required
def upload_version(questionnaire_id: int):
    """Make an uploaded questionnaire/1 file the next draft of a questionnaire whose latest version is published."""
    questionnaire = _load(questionnaire_id)
    me = _me()
    authorise(permissions.can_edit_questionnaire(me, questionnaire))
    form = UploadForm()
    problems: list[Any] = []
    if form.validate_on_submit():
        try:
            parsed = interchange.loads(form.file.data.read())
            version = service.import_as_new_version(questionnaire, parsed, actor=me, ip=client_ip())
        except FormatError as exc:
            db.session.rollback()
            problems = [*exc.problems]
        except DomainError as exc:
            db.session.rollback()
            form.file.errors.append(str(exc))
        else:
            db.session.commit()
            flash(_("The file is imported as version %(number)d, a draft.", number=version.number), "success")
            return redirect(_designer_url(questionnaire))
    return _version_page(questionnaire, _load_version(questionnaire), upload_form=form,
                         upload_problems=problems), 400


@bp.route("/<int:questionnaire_id>/versions/<int:number>/approve", methods=["POST"])
@login_required
def approve(questionnaire_id: int, number: int):
    """Approve a draft version on behalf of the user's organisation."""
    questionnaire = _load(questionnaire_id)
    me = _me()
    authorise(permissions.can_edit_questionnaire(me, questionnaire))
    version = _load_version(questionnaire, number)
    return _refuse_or_do(
        questionnaire, lambda: service.approve(version, me.organisation, me, ip=client_ip()),
        _("%(name)s approves version %(number)d.", name=me.organisation.name, number=version.number), "approval")


@bp.route("/<int:questionnaire_id>/versions/<int:number>/publish", methods=["POST"])
@login_required
def publish(questionnaire_id: int, number: int):
    """Publish a draft every editing organisation approved."""
    questionnaire = _load(questionnaire_id)
    me = _me()
    authorise(permissions.can_edit_questionnaire(me, questionnaire))
    version = _load_version(questionnaire, number)
    return _refuse_or_do(
        questionnaire, lambda: service.publish(version, actor=me, ip=client_ip()),
        _("Version %(number)d is published: dialogue rounds can now use it.", number=version.number), "approval")


@bp.route("/<int:questionnaire_id>/new-version", methods=["POST"])
@login_required
def new_version(questionnaire_id: int):
    """Copy the published latest version into a new draft."""
    questionnaire = _load(questionnaire_id)
    me = _me()
    authorise(permissions.can_edit_questionnaire(me, questionnaire))
    return _refuse_or_do(questionnaire, lambda: service.new_version(questionnaire, actor=me, ip=client_ip()),
                         _("A new draft version is open. Its approvals start afresh."))


# --- preview ------------------------------------------------------------------------------------


def preview_forms(version: QuestionnaireVersion, language: str,
                  sections: Sequence[Section]) -> tuple[dict[str, Any], dict[str, int]]:
    """Each section's answer form, built as the supplier's answer pages build it, unanswered, and the
    number of rows each table offers."""
    forms: dict[str, Any] = {}
    rows: dict[str, int] = {}
    for section in sections:
        spec = build_section_form(section, language=language, values={})
        forms[section.key] = spec.form(formdata=None, meta={"csrf": False})
        rows.update(spec.rows)
    return forms, rows


@bp.route("/<int:questionnaire_id>/versions/<int:number>/preview")
@login_required
def preview(questionnaire_id: int, number: int):
    """The version as a supplier will see it, read-only, in one of its languages."""
    questionnaire = _load(questionnaire_id)
    version = _load_version(questionnaire, number)
    language = request.args.get("lang") or (_ui_language() if _ui_language() in version.languages
                                            else version.first_language)
    if language not in version.languages:
        language = version.first_language
    questions = {question.key: question for question in version.questions()}
    # One section per page, as the supplier's answer pages show it; or all of them one after another.
    section_key = request.args.get("section")
    keys = [section.key for section in version.sections]
    if section_key is not None and section_key not in keys:
        abort(404)
    shown = [s for s in version.sections if s.key == section_key] if section_key else list(version.sections)
    index = keys.index(section_key) if section_key else None
    with force_locale(language):
        forms, table_rows = preview_forms(version, language, shown)
        body = render_template(
            "designer/_preview_body.html", version=version, sections=shown, forms=forms, language=language,
            comment_field_name=comment_field_name, confidential_field_name=confidential_field_name,
            quotable_field_name=quotable_field_name,
            describe=lambda condition: describe_condition(condition, questions, language),
            table_rows=table_rows, paged=section_key is not None,
            previous=keys[index - 1] if index else None,
            following=keys[index + 1] if index is not None and index + 1 < len(keys) else None,
            page_url=lambda key: url_for("designer.preview", questionnaire_id=questionnaire.id,
                                         number=version.number, lang=language, section=key),
        )
    return render_template("designer/preview.html", questionnaire=questionnaire, version=version,
                           language=language, body=Markup(body),  # noqa: S704 - our own autoescaped template
                           own_language_name=own_language_name, section_key=section_key,
                           first_section=keys[0] if keys else None)
