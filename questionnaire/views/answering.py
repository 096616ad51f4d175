"""Suppliers answering a round: overview, one section per page, review, submit, reopen, evidence.

Nothing a supplier typed is lost: a stale version gets a 409 page with both values side by side; an
expired session keeps the posted answers server-side until the next log-in; an expired CSRF token
re-shows the form with what was posted; a save after the deadline is refused with the input shown.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from flask import Blueprint, abort, current_app, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from limits import parse as parse_limit
from markupsafe import Markup
from werkzeug.datastructures import CombinedMultiDict, FileStorage, MultiDict
from werkzeug.exceptions import HTTPException

from forms.answers import (
    ActionForm,
    ConfirmForm,
    SectionFormBase,
    SectionFormSpec,
    build_section_form,
    form_data,
    inputs_from_form,
    resolve_field_name,
    rows_field_name,
    section_digest,
)
from questionnaire import permissions
from questionnaire.errors import Conflict, DomainError
from questionnaire.extensions import db, limiter, login_manager
from questionnaire.models import (
    DialogueRound,
    Evidence,
    Question,
    Response,
    ResponseStatus,
    Section,
)
from questionnaire.question_types import MAX_TABLE_ROWS, File, Table, condition_keys, type_of, visible_parts
from questionnaire.services import responses
from questionnaire.services.responses import (
    AnswerInput,
    EvidenceRefused,
    EvidenceRow,
    EvidenceTooLarge,
    InvalidAnswers,
)
from questionnaire.views.answer_markup import (
    QuestionTexts,
    questions_html,
    sections_nav,
)
from questionnaire.views.helpers import authorise, client_ip, flash

bp = Blueprint("answering", __name__, url_prefix="/rounds/<int:round_id>/answer")
log = logging.getLogger(__name__)

PENDING_COOKIE = "pending_save"
PENDING_RATE_LIMIT = "30 per hour"


# --- loading and context -----------------------------------------------------------------------


def _round_and_response(round_id: int) -> tuple[DialogueRound, Response]:
    """The round, which must exist for this supplier, and its organisation's response (created on first use)."""
    organisation = current_user.organisation
    round_, invited, response = responses.load_for_answering(round_id, organisation.id)
    if round_ is None:
        abort(404)
    # Not invited (or another supplier's round): the round does not exist for this user.
    authorise(permissions.can_answer_round(current_user, round_, invited=invited), hide=True)
    if response is None:
        response, created = responses.ensure_response(round_, organisation)
        if created:
            # Commit only a new response: a commit expires the loaded questionnaire, which would then be
            # fetched again section by section.
            db.session.commit()
            responses.use_frozen_version(round_)
    authorise(permissions.can_edit_response(current_user, response), hide=True)
    return round_, response


def _language(round_: DialogueRound) -> str | None:
    version = round_.questionnaire_version
    language = str(get_locale() or "")
    return language if language in version.languages else version.first_language


def _section(round_: DialogueRound, section_key: str) -> Section:
    section = responses.find_section(round_.questionnaire_version, section_key)
    if section is None:
        abort(404)
    return section


def _read_only_reason(response: Response) -> str | None:
    round_ = response.round
    if not round_.accepts_answers():
        if round_.closes_at <= responses.utcnow():
            return _("The deadline has passed. Your answers can be read but no longer changed.")
        return _("This round is not open for answers at the moment. Your answers can be read but not changed.")
    if response.status == ResponseStatus.SUBMITTED:
        return _("Your response is submitted. Reopen it to make changes until the deadline.")
    return None


@dataclass
class Page:
    """What every answering page shows around its content."""

    round: DialogueRound
    response: Response
    progress: responses.Progress
    language: str | None
    read_only: str | None

    def section_url(self, section: Section) -> str:
        """The page of a section."""
        return f"{self._section_url_prefix}{section.key}"

    def sections_nav(self, current: Section | None = None) -> Markup:
        """The sections with their progress, `current` marked."""
        return sections_nav(self, current)

    @cached_property
    def _section_url_prefix(self) -> str:
        # Section keys are URL-safe slugs (SLUG_PATTERN), so one url_for serves the whole navigation.
        return url_for("answering.section", round_id=self.round.id, section_key="_")[:-1]


def _page(round_: DialogueRound, response: Response, values: dict[str, Any] | None = None) -> Page:
    # A commit or rollback since loading expired the round: point it at the shared version again, so
    # the page's sections are the very objects the view already holds.
    responses.use_frozen_version(round_)
    if values is None:
        values = responses.answer_values(responses.load_answers(response))
    return Page(round=round_, response=response, progress=responses.progress(round_.questionnaire_version, values),
                language=_language(round_), read_only=_read_only_reason(response))


def _neighbours(progress: responses.Progress, section: Section) -> tuple[Section | None, Section | None]:
    shown = [s.section for s in progress.sections if s.shown]
    if section not in shown:
        return None, None
    index = shown.index(section)
    return (shown[index - 1] if index > 0 else None, shown[index + 1] if index + 1 < len(shown) else None)


def _anchor(question: Question) -> str:
    """The id of a question's first field, for `#...` links from the review page."""
    if question.type == "table":
        columns = Table.columns(question)
        return Table.cell_field_name(question, 0, columns[0]["key"]) if columns else f"question-{question.key}"
    return f"q_{question.key}"


# --- the section form --------------------------------------------------------------------------


def _requested_rows(section: Section) -> dict[str, int]:
    rows = {}
    for question in section.questions:
        if question.type == "table":
            value = request.args.get(f"rows-{question.key}", type=int)
            if value is not None:
                rows[question.key] = value
    return rows


def _section_evidence(response: Response, section: Section) -> dict[str, list[EvidenceRow]]:
    """The evidence files of the section's file questions (no query when it has none)."""
    keys = [q.key for q in section.questions if q.type == "file"]
    return responses.evidence_for(response, keys) if keys else {}


def _spec(language: str | None, section: Section, values: dict[str, Any], rows: dict[str, int],
          evidence: dict[str, list[EvidenceRow]], resolve: bool = False) -> SectionFormSpec:
    return build_section_form(section, language=language, values=values, rows=rows, evidence=evidence,
                              resolve=resolve)


def _render_section(page: Page, section: Section, form: SectionFormBase, spec: SectionFormSpec, *,
                    values: dict[str, Any], stored: dict[str, Any], evidence: dict[str, list[EvidenceRow]],
                    status: int = 200, notice: str | None = None) -> tuple[str, int]:
    """The section page; `values` are the answers shown (maybe as posted), `stored` the saved ones."""
    visibility = page.progress.visibility  # the page's progress was computed from `values`
    previous, following = _neighbours(page.progress, section)
    # Answers from other sections that this section's conditions read, for the live script.
    on_page = {q.key for q in section.questions}
    external = {key: values[key] for q in section.questions for key in condition_keys(q.show_if)
                if key not in on_page and key in values and visibility.shows(key)}
    return render_template(
        "answering/section.html", page=page, section=section, form=form, spec=spec, visibility=visibility,
        previous=previous, following=following, external_answers=external, evidence=_listed(evidence, stored),
        values=values,
        notice=notice, type_of=type_of, translate=_translate, anchor=_anchor, answers=values,
        Table=Table, File=File, rows_field_name=rows_field_name, questions_html=questions_html,
        texts=QuestionTexts.current(),
    ), status


def _listed(evidence: dict[str, list[EvidenceRow]], stored: dict[str, Any]) -> dict[str, list[EvidenceRow]]:
    """Evidence listed in the stored answers (a file kept only for an earlier submission is not)."""
    return {key: [e for e in files if isinstance(stored.get(key), list) and e.id in stored[key]]
            for key, files in evidence.items()}


def _attached(response: Response, stored: dict[str, Any]) -> dict[str, list[EvidenceRow]]:
    """Every evidence file listed in the stored answers."""
    return _listed(responses.evidence_for(response), stored)


def _translate(text: Any, language: str | None) -> str:
    from questionnaire.question_types import translate

    return translate(text, language)


@bp.route("", strict_slashes=False)
@login_required
def overview(round_id: int):
    """The response at a glance: sections with their progress, the deadline, submissions."""
    round_, response = _round_and_response(round_id)
    page = _page(round_, response)
    return render_template("answering/overview.html", page=page, translate=_translate,
                           reopen_form=ActionForm(), submissions=list(reversed(response.submissions)))


@bp.route("/section/<section_key>", methods=["GET", "POST"])
def section(round_id: int, section_key: str):
    """One section per page: GET shows it, POST saves it (Save draft, Save and next, Previous)."""
    if not current_user.is_authenticated:
        if request.method == "POST":
            return _keep_for_after_login(round_id, section_key, request.form)
        return login_manager.unauthorized()
    round_, response = _round_and_response(round_id)
    section = _section(round_, section_key)
    if request.method == "POST":
        return _save(round_, response, section, request.form, request.files)
    answers = responses.load_answers(response)
    values = responses.answer_values(answers)
    page = _page(round_, response, values)
    evidence = _section_evidence(response, section)
    spec = _spec(page.language, section, values, _requested_rows(section), evidence)
    form = spec.form(formdata=None, data=form_data(section, answers, response.version))
    notice = None
    if section.key not in page.progress.visibility.sections:
        notice = _("This section does not apply given your answers so far; nothing here needs answering.")
    return _render_section(page, section, form, spec, values=values, stored=values, evidence=evidence,
                           notice=notice)


def _posted_rows(section: Section, formdata: MultiDict) -> tuple[dict[str, int], str | None, tuple[str, int] | None]:
    """Rows offered per table, and which add-row / remove-row button was pressed."""
    rows = {}
    for question in section.questions:
        if question.type == "table":
            raw = formdata.get(rows_field_name(question), "")
            rows[question.key] = int(raw) if raw.isdigit() else None
    add = formdata.get("add_row") or None
    remove = None
    raw_remove = formdata.get("remove_row") or ""
    key, _sep, row = raw_remove.rpartition(":")
    if key and row.isdigit():
        remove = (key, int(row))
    return {k: v for k, v in rows.items() if v is not None}, add, remove


def _without_row(section: Section, formdata: MultiDict, key: str, row: int) -> MultiDict:
    """The posted data with one table row taken out and the rows below moved up (its remove button)."""
    question = next((q for q in section.questions if q.key == key and q.type == "table"), None)
    if question is None:
        return formdata
    columns = [c["key"] for c in Table.columns(question)]
    cells = {Table.cell_field_name(question, r, c): (r, c) for r in range(MAX_TABLE_ROWS) for c in columns}
    result = MultiDict()
    for name, value in formdata.items(multi=True):
        if name in cells:
            r, c = cells[name]
            if r == row:
                continue
            if r > row:
                name = Table.cell_field_name(question, r - 1, c)
        result.add(name, value)
    return result


def _save(round_: DialogueRound, response: Response, section: Section, posted: MultiDict,
          files: MultiDict | None, *, from_pending: bool = False):
    """Validate and save a posted section; every way it can fail keeps the user's input on screen."""
    rows, add_row, remove_row = _posted_rows(section, posted)
    if remove_row:
        posted = _without_row(section, posted, *remove_row)
    formdata = CombinedMultiDict([files, posted]) if files else posted
    round_id = round_.id
    stored = responses.load_answers(response)
    stored_values = responses.answer_values(stored)
    evidence = _section_evidence(response, section)
    # No progress yet: the save works it out for the answers as saved, and only a refusal shows a page.
    # The conflict page's choices come back with what it posts.
    resolving = any(name.endswith("-resolve") for name in posted)
    spec = _spec(_language(round_), section, stored_values, rows, evidence, resolving)
    meta = {"csrf": False} if from_pending else {}
    form = spec.form(formdata=formdata, meta=meta)
    valid = form.validate()
    inputs = inputs_from_form(section, form)
    merged = responses.with_inputs(stored_values, inputs)
    # Which questions the posted answers show; worked out here only when errors or uploads need it
    # (the save works it out again, after the conflict page's choices and new files).
    visibility = (visible_parts(round_.questionnaire_version.sections, merged)
                  if not valid or _has_uploads(section, files) else None)
    if visibility is not None and not valid:
        # Errors on questions that the answers hide do not count: their values are not saved.
        for question in section.questions:
            if not visibility.shows(question.key):
                for name in spec.fields_by_question[question.key]:
                    form[name].errors = []
        valid = not any(field.errors for field in form if field.name != "csrf_token") and not form.form_errors
        if "csrf_token" in form and form.csrf_token.errors:
            valid = False
    if add_row in rows:
        rows[add_row] += 1
    elif remove_row and remove_row[0] in rows:
        rows[remove_row[0]] = max(1, rows[remove_row[0]] - 1)

    def again(status: int, notice: str | None = None):
        # Re-show what the user posted, with the table rows they asked for.
        page_now = _page(round_, response, merged)
        evidence_now = _section_evidence(response, section)  # new uploads may have been kept
        spec_now = _spec(page_now.language, section, merged, rows, evidence_now, resolving)
        form_now = spec_now.form(formdata=formdata)  # with a fresh CSRF token for the next click
        for field in form:
            if field.errors and field.name in form_now:
                form_now[field.name].errors = list(field.errors)
        return _render_section(page_now, section, form_now, spec_now, values=merged,
                               stored=responses.answer_values(responses.load_answers(response)),
                               evidence=evidence_now, status=status, notice=notice)

    if not valid:
        message = _("Some answers need correcting. Nothing was saved yet.")
        if files and any(isinstance(f, FileStorage) and f.filename for f in files.values()):
            message += " " + _("Files you chose must be chosen again.")
        return again(400, message)

    # New files first: kept even when the save itself meets a conflict, so nothing is uploaded twice.
    new_evidence: dict[str, list[int]] = {}
    stored_paths = []
    try:
        for question in section.questions:
            if question.type != "file" or visibility is None or not visibility.shows(question.key):
                continue
            for upload in form[f"q_{question.key}"].data or []:
                if not isinstance(upload, FileStorage) or not upload.filename:
                    continue
                try:
                    evidence = responses.store_evidence(response, question.key, upload, current_user,
                                                        ip=client_ip())
                except EvidenceRefused as exc:
                    form[f"q_{question.key}"].errors = [f"{upload.filename}: {exc}"]
                    raise
                stored_paths.append(responses.evidence_path(evidence))
                new_evidence.setdefault(question.key, []).append(evidence.id)
    except DomainError as exc:
        db.session.rollback()
        for path in stored_paths:
            path.unlink(missing_ok=True)
        status = 413 if isinstance(exc, EvidenceTooLarge) else 409 if not isinstance(exc, EvidenceRefused) else 400
        return again(status, str(exc))
    for key, ids in new_evidence.items():
        item = inputs[key]
        item.value = list(dict.fromkeys([*(item.value or []), *ids]))
    _apply_resolutions(section, form, inputs, stored)

    try:
        try:
            saved = responses.save_section(response, section, inputs, form.based_on_version.data, current_user,
                                           ip=client_ip(), stored=stored)
        except Conflict:
            # A stale version is no conflict when nobody else changed this section's answers.
            stored = responses.load_answers(response)
            if not form.section_digest.data or form.section_digest.data != section_digest(section, stored):
                raise
            saved = responses.save_section(response, section, inputs, response.version, current_user,
                                           ip=client_ip(), stored=stored)
    except Conflict as exc:
        db.session.commit()  # keeps newly uploaded evidence
        return _conflict(round_, response, section, posted, inputs, new_evidence, str(exc))
    except InvalidAnswers as exc:
        db.session.rollback()
        for key, messages in exc.problems.items():
            name = spec.value_fields.get(key, [f"q_{key}"])[0]
            if name in form:
                form[name].errors = list(messages)
        return again(400, str(exc))
    except DomainError as exc:
        db.session.rollback()
        return again(409, str(exc))
    db.session.commit()
    flash(_("Your answers are saved.") if not from_pending else
          _("You were logged out while answering. The answers you had sent are now saved."), "success")
    return redirect(_after_save(round_id, saved.progress, section, posted, rows, add_row, remove_row))


def _has_uploads(section: Section, files: MultiDict | None) -> bool:
    """Whether files were chosen for one of the section's file questions."""
    return bool(files) and any(question.type == "file" and any(
        isinstance(upload, FileStorage) and upload.filename for upload in files.getlist(f"q_{question.key}"))
        for question in section.questions)


def _apply_resolutions(section: Section, form: SectionFormBase, inputs: dict[str, AnswerInput],
                       stored: dict[str, responses.AnswerRow]) -> None:
    """On the conflict page the user chose, per question, to keep the stored answer."""
    for question in section.questions:
        name = resolve_field_name(question)
        if name in form and form[name].data == "stored":
            answer = stored.get(question.key)
            inputs[question.key] = (AnswerInput(answer.value, answer.comment, answer.confidential, answer.quotable)
                                    if answer is not None else AnswerInput(None))


def _differences(section: Section, inputs: dict[str, AnswerInput], stored: dict[str, responses.AnswerRow],
                 visibility: Any) -> list[Question]:
    result = []
    for question in section.questions:
        if question.key not in inputs or not visibility.shows(question.key):
            continue
        mine = inputs[question.key]
        theirs = stored.get(question.key)
        theirs_input = (AnswerInput(theirs.value, theirs.comment or "", theirs.confidential, theirs.quotable)
                        if theirs is not None else AnswerInput(None))
        if (mine.value, (mine.comment or "").strip(), mine.confidential, mine.quotable) != (
                theirs_input.value, theirs_input.comment, theirs_input.confidential, theirs_input.quotable):
            result.append(question)
    return result


def _after_save(round_id: int, progress: responses.Progress, section: Section, posted: MultiDict,
                rows: dict[str, int], add_row: str | None, remove_row: tuple[str, int] | None) -> str:
    """Where a save goes next, from the progress the save computed (nothing is read again)."""
    previous, following = _neighbours(progress, section)
    action = posted.get("action", "save")
    if add_row or remove_row:
        args = {f"rows-{key}": count for key, count in rows.items()}
        anchor = f"question-{add_row or remove_row[0]}"  # type: ignore[index]
        return url_for("answering.section", round_id=round_id, section_key=section.key, _anchor=anchor, **args)

    def section_url(target: Section) -> str:
        return url_for("answering.section", round_id=round_id, section_key=target.key)

    if action == "next":
        return section_url(following) if following else url_for("answering.review", round_id=round_id)
    if action == "previous":
        return section_url(previous) if previous else url_for("answering.overview", round_id=round_id)
    return url_for("answering.section", round_id=round_id, section_key=section.key)


def _conflict(round_: DialogueRound, response: Response, section: Section, posted: MultiDict,
              inputs: dict[str, AnswerInput], new_evidence: dict[str, list[int]], message: str):
    """409: per question, the user's value next to the stored one, with a choice; all input kept."""
    stored = responses.load_answers(response)
    values = responses.answer_values(stored)
    page = _page(round_, response, values)
    visibility = visible_parts(round_.questionnaire_version.sections, {**values, **{
        k: v.value for k, v in inputs.items() if v.value is not None}})
    differing = _differences(section, inputs, stored, visibility)
    spec = _spec(page.language, section, values, {}, _section_evidence(response, section), resolve=True)
    form = spec.form(formdata=None, data={
        "based_on_version": response.version, "section_digest": section_digest(section, stored), **{
        resolve_field_name(q): "mine" for q in section.questions}})
    # Everything the user posted goes back as hidden fields, so choosing loses nothing.
    hidden = [(k, v) for k, v in posted.items(multi=True)
              if k not in ("csrf_token", "based_on_version", "section_digest", "action", "add_row", "remove_row")
              and not k.endswith("-resolve")]
    for key, ids in new_evidence.items():
        question = next(q for q in section.questions if q.key == key)
        hidden += [(File.keep_field_name(question), str(i)) for i in ids]
    rows = []
    for question in differing:
        mine = inputs[question.key]
        theirs = stored.get(question.key)
        rows.append({
            "question": question,
            "field": form[resolve_field_name(question)],
            "mine": type_of(question).display(mine.value, question, page.language) if mine.value is not None else "",
            "mine_comment": mine.comment,
            "stored": (type_of(question).display(theirs.value, question, page.language)
                       if theirs is not None and theirs.value is not None else ""),
            "stored_comment": theirs.comment if theirs is not None else "",
            "stored_by": theirs.updated_by_id if theirs is not None else None,
        })
    return render_template("answering/conflict.html", page=page, section=section, form=form, rows=rows,
                           hidden=hidden, message=message, translate=_translate), 409


# --- kept answers across an expired session ----------------------------------------------------


def _keep_for_after_login(round_id: int, section_key: str, posted: MultiDict):
    """Store the posted answers server-side and send the user to log in; they are saved afterwards."""
    from questionnaire.views.errors import render_error

    # Also called from the CSRF error handler, which must return a page rather than raise.
    round_ = db.session.get(DialogueRound, round_id)
    if round_ is None or responses.find_section(round_.questionnaire_version, section_key) is None:
        return render_error(404)
    # Anyone can post without a session: cap how many kept copies one address may leave behind.
    if current_app.config.get("RATELIMIT_ENABLED", True) and not limiter.limiter.hit(
            parse_limit(PENDING_RATE_LIMIT), "answering-pending-save", client_ip() or "-"):
        return render_error(429)
    pending = responses.keep_pending(round_, section_key, posted.to_dict(flat=False))
    db.session.commit()
    flash(_("Your session had expired, so you need to log in again. The answers you sent are kept and "
            "will be saved once you have logged in. Files you attached must be attached again."), "warning")
    target = url_for("answering.resume", round_id=round_id, token=pending.token)
    result = redirect(url_for("auth.login", next=target))
    result.set_cookie(PENDING_COOKIE, pending.token, max_age=int(responses.PENDING_MAX_AGE.total_seconds()),
                      httponly=True, samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"],
                      path=url_for("answering.overview", round_id=round_id))
    return result


@bp.route("/resume/<token>")
@login_required
def resume(round_id: int, token: str):
    """After logging in again: save the answers posted from the expired session."""
    cookie = request.cookies.get(PENDING_COOKIE, "")
    # The cookie proves that this browser posted the answers: nobody can plant answers through a link.
    if not cookie or not secrets.compare_digest(cookie, token):
        abort(404)
    pending = responses.take_pending(token)
    if pending is None or pending.round_id != round_id:
        abort(404)
    round_, response = _round_and_response(round_id)
    section = _section(round_, pending.section_key)
    posted = MultiDict([(k, v) for k, values in pending.form_data.items() for v in values])
    db.session.commit()  # the kept copy is used once, whatever the save below meets
    out = current_app.make_response(_save(round_, response, section, posted, None, from_pending=True))
    out.delete_cookie(PENDING_COOKIE, path=url_for("answering.overview", round_id=round_id))
    return out


@bp.errorhandler(CSRFError)
def csrf_failed(error: CSRFError):
    """An expired token or session on an answering form: keep what was posted instead of a bare 400."""
    args = request.view_args or {}
    round_id = args.get("round_id")
    section_key = args.get("section_key")
    if request.endpoint == "answering.section" and round_id is not None and section_key:
        if not current_user.is_authenticated:
            return _keep_for_after_login(round_id, section_key, request.form)
        try:
            round_, response = _round_and_response(round_id)
            section = _section(round_, section_key)
        except HTTPException as exc:  # an error handler must not raise
            from questionnaire.views.errors import render_error

            return render_error(exc.code or 404)
        stored = responses.load_answers(response)
        values = responses.answer_values(stored)
        page = _page(round_, response, values)
        rows, _add, _remove = _posted_rows(section, request.form)
        evidence = _section_evidence(response, section)
        spec = _spec(page.language, section, values, rows, evidence)
        form = spec.form(formdata=request.form)
        return _render_section(page, section, form, spec, values=values, stored=values, evidence=evidence,
                               status=400, notice=_(
            "This page was open so long that its security token expired, so your answers were NOT saved yet. "
            "They are shown below as you entered them: press Save again to keep them. "
            "Files you attached must be attached again."))
    from questionnaire.views.errors import render_error

    if not current_user.is_authenticated or round_id is None:
        return render_error(400, _("The form's security token has expired. Reload the page and try again."))
    flash(_("The page's security token had expired, so nothing was done. Please try again."), "warning")
    return redirect(url_for("answering.overview", round_id=round_id))


@bp.errorhandler(413)
def too_large(error: HTTPException):
    """A request over the platform's size limit: show the section again with a clear notice."""
    from questionnaire.views.errors import render_error

    args = request.view_args or {}
    if request.endpoint != "answering.section" or not current_user.is_authenticated:
        return render_error(413)
    try:
        round_, response = _round_and_response(args["round_id"])
        section = _section(round_, args["section_key"])
    except HTTPException as exc:  # an error handler must not raise
        return render_error(exc.code or 404)
    # The body was refused unread, so only what was saved before can be shown.
    answers = responses.load_answers(response)
    values = responses.answer_values(answers)
    page = _page(round_, response, values)
    evidence = _section_evidence(response, section)
    spec = _spec(page.language, section, values, {}, evidence)
    form = spec.form(formdata=None, data=form_data(section, answers, response.version))
    limit = round(current_app.config.get("MAX_UPLOAD_BYTES", 20 * 1024 * 1024) / 1024 / 1024, 1)
    return _render_section(page, section, form, spec, values=values, stored=values, evidence=evidence,
                           status=413, notice=_(
        "What you sent was larger than the platform accepts, so nothing was saved. Files may be at most "
        "%(mb)s MB each: attach a smaller file, and enter your other answers again if you changed any.", mb=limit))


# --- review, submit, reopen --------------------------------------------------------------------


@bp.route("/review")
@login_required
def review(round_id: int):
    """Unanswered required questions with links to them, and the Submit button."""
    round_, response = _round_and_response(round_id)
    db.session.commit()
    answers = responses.answer_values(responses.load_answers(response))
    page = _page(round_, response, answers)
    form = ConfirmForm(formdata=None, data={"based_on_version": response.version})
    return render_template("answering/review.html", page=page, form=form, translate=_translate, anchor=_anchor,
                           answers=answers, evidence=_attached(response, answers), type_of=type_of)


@bp.route("/submit", methods=["POST"])
@login_required
def submit(round_id: int):
    """Submit the response (a double click or a replay submits once)."""
    response = _round_and_response(round_id)[1]
    form = ConfirmForm()
    if not form.validate():
        abort(400)
    try:
        result = responses.submit(response, form.based_on_version.data, current_user, ip=client_ip())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("answering.review", round_id=round_id))
    db.session.commit()
    if result.created:
        try:
            responses.send_receipt(result.submission, current_user)
        except Exception:  # the submission stands; only the receipt e-mail failed
            log.exception("could not send the submission receipt")
            flash(_("Your response is submitted, but the receipt e-mail could not be sent."), "warning")
    return redirect(url_for("answering.submitted", round_id=round_id, number=result.submission.number))


@bp.route("/submitted/<int:number>")
@login_required
def submitted(round_id: int, number: int):
    """The confirmation of a submission."""
    round_, response = _round_and_response(round_id)
    submission = next((s for s in response.submissions if s.number == number), None)
    if submission is None:
        abort(404)
    page = _page(round_, response)
    return render_template("answering/submitted.html", page=page, submission=submission, translate=_translate,
                           reopen_form=ActionForm())


@bp.route("/reopen", methods=["POST"])
@login_required
def reopen(round_id: int):
    """Make a submitted response a draft again, until the deadline."""
    response = _round_and_response(round_id)[1]
    form = ActionForm()
    if not form.validate():
        abort(400)
    try:
        responses.reopen(response, current_user, ip=client_ip())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("answering.overview", round_id=round_id))
    db.session.commit()
    flash(_("Your response is open for changes again. Submit it again before the deadline."), "success")
    return redirect(url_for("answering.overview", round_id=round_id))


# --- evidence ----------------------------------------------------------------------------------


def _evidence(round_id: int, evidence_id: int) -> Evidence:
    evidence = db.session.get(Evidence, evidence_id)
    if (evidence is None or evidence.response.round_id != round_id
            or not permissions.can_download_evidence(current_user, evidence)):
        abort(404)
    return evidence


@bp.route("/evidence/<int:evidence_id>")
@login_required
def evidence_download(round_id: int, evidence_id: int):
    """Download an evidence file (as an attachment, never rendered inline)."""
    evidence = _evidence(round_id, evidence_id)
    path = responses.evidence_path(evidence)
    if not path.is_file():
        abort(404)
    return send_file(path, mimetype=evidence.content_type, as_attachment=True,
                     download_name=evidence.original_name, max_age=0)


@bp.route("/evidence/<int:evidence_id>/remove", methods=["POST"])
@login_required
def evidence_remove(round_id: int, evidence_id: int):
    """Remove an evidence file while the response is a draft."""
    evidence = _evidence(round_id, evidence_id)
    authorise(permissions.can_edit_response(current_user, evidence.response))
    form = ActionForm()
    if not form.validate():
        abort(400)
    question_key = evidence.question_key
    section = next((q.section for q in evidence.response.round.questionnaire_version.questions()
                    if q.key == question_key), None)
    try:
        responses.remove_evidence(evidence, current_user, ip=client_ip())
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("answering.overview", round_id=round_id))
    db.session.commit()
    flash(_("The file is removed."), "success")
    if section is None:
        return redirect(url_for("answering.overview", round_id=round_id))
    return redirect(url_for("answering.section", round_id=round_id, section_key=section.key,
                            _anchor=f"question-{question_key}"))


