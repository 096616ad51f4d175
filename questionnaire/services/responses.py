"""A supplier's response: saving sections, progress, submitting, reopening, evidence files.

Concurrency: every save names the response version it was based on; the version is moved on with
one compare-and-set UPDATE, which is also the first write of the transaction, so two saves of the
same response are serialised by the database and the later one gets a Conflict instead of a 500.
Answers are written with the dialect's INSERT ... ON CONFLICT DO UPDATE, so there is never a
duplicate row for one question.
"""

from __future__ import annotations

import hashlib
import secrets
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import IO, Any, TypeAlias

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import CursorResult, Executable, Row, Select, Update, and_, bindparam, delete, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm.attributes import set_committed_value
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from questionnaire.errors import Conflict, DomainError, NotAllowed
from questionnaire.extensions import db
from questionnaire.models import (
    Answer,
    DialogueRound,
    Evidence,
    Invitation,
    Organisation,
    PendingSave,
    Question,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
    Section,
    Submission,
    User,
    utcnow,
)
from questionnaire.question_types import Visibility, type_of, visible_parts
from questionnaire.services import audit, facts
from questionnaire.services.questionnaires import frozen_version, outline

# --- loading -----------------------------------------------------------------------------------


def _insert(model: Any) -> Any:
    """The dialect's INSERT, which knows ON CONFLICT."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


_ANSWER_UPSERTS: dict[str, Any] = {}


def _answer_upsert() -> Any:
    """INSERT ... ON CONFLICT UPDATE of answers, one statement per dialect, executed for many rows.

    Built once: a multi-row VALUES clause would be compiled anew for every save, and building the
    statement itself costs more than running it.
    """
    dialect = db.session.get_bind().dialect.name
    statement = _ANSWER_UPSERTS.get(dialect)
    if statement is None:
        insert = _insert(Answer.__table__)
        statement = _ANSWER_UPSERTS[dialect] = insert.on_conflict_do_update(
            index_elements=["response_id", "question_key"],
            set_={name: insert.excluded[name]
                  for name in ("value", "comment", "confidential", "quotable", "updated_at", "updated_by_id")},
        )
    return statement


def get_response(round_: DialogueRound, organisation: Organisation) -> Response | None:
    """The organisation's response to the round, if it has started one."""
    return db.session.scalar(
        select(Response).where(Response.round_id == round_.id, Response.organisation_id == organisation.id)
    )


def load_for_answering(round_id: int, organisation_id: int) -> tuple[DialogueRound | None, bool, Response | None]:
    """A round with its questionnaire version (shared when published), whether the organisation is invited
    to it, and its response: one query.

    The answering pages need all three on every request; on PostgreSQL each statement is a round trip.
    """
    row = db.session.execute(_answering_query(), {"round_id": round_id, "organisation_id": organisation_id}).first()
    if row is None:
        return None, False, None
    round_, is_invited, response = row
    use_frozen_version(round_)
    return round_, bool(is_invited), response


@cache
def _answering_query() -> Select[Any]:
    """load_for_answering's statement, built once: building it and its cache key cost more than running it."""
    organisation_id = bindparam("organisation_id")
    invited = exists().where(Invitation.round_id == DialogueRound.id, Invitation.organisation_id == organisation_id)
    return (select(DialogueRound, invited.label("invited"), Response)
            .outerjoin(Response, and_(Response.round_id == DialogueRound.id,
                                      Response.organisation_id == organisation_id))
            .where(DialogueRound.id == bindparam("round_id")))


def use_frozen_version(round_: DialogueRound) -> None:
    """Point the round at the process's copy of its published version (again after a commit expired it)."""
    version = frozen_version(round_.questionnaire_version_id)
    if version is None:
        # A draft (never answered in practice): read it from the database as usual.
        return
    # Set without history or cascade: the request's session never takes the shared objects in.
    set_committed_value(round_, "questionnaire_version", version)


def get_or_create_response(round_: DialogueRound, organisation: Organisation) -> Response:
    """The organisation's response, created on first use; two colleagues arriving at once get the same one."""
    return ensure_response(round_, organisation)[0]


def ensure_response(round_: DialogueRound, organisation: Organisation) -> tuple[Response, bool]:
    """The organisation's response and whether this call created it (so the caller knows to commit)."""
    response = get_response(round_, organisation)
    if response is not None:
        return response, False
    # ON CONFLICT DO NOTHING: the unique (round, organisation) constraint settles a race without an error.
    now = utcnow()
    db.session.execute(
        _insert(Response)
        .values(round_id=round_.id, organisation_id=organisation.id, status=ResponseStatus.DRAFT.value,
                version=1, required_answered=0, required_shown=0, created_at=now, updated_at=now)
        .on_conflict_do_nothing(index_elements=["round_id", "organisation_id"])
    )
    response = get_response(round_, organisation)
    assert response is not None
    _refresh_progress(response, load_answers(response))
    return response, True


# What readers of a response's answers use: plain rows, much cheaper than ORM objects on every page.
ANSWER_COLUMNS = (Answer.question_key, Answer.value, Answer.comment, Answer.confidential, Answer.quotable,
                  Answer.updated_by_id)


# A stored answer as read by load_answers: question_key, value, comment, confidential, quotable, ...
AnswerRow: TypeAlias = Row[Any]
# An evidence file as evidence_for lists it: id, question_key, original_name, size.
EvidenceRow: TypeAlias = Row[Any]


def _on_connection(statement: Executable, params: Mapping[str, Any]) -> CursorResult[Any]:
    """Run a Core statement on the session's connection, after flushing what the session holds.

    Plain column rows and plain UPDATEs need none of the ORM's result or bulk handling, which cost more
    than the statements on the answering pages; the flush is what the ORM's autoflush would do first,
    so a change made earlier in the request is seen.
    """
    db.session.flush()
    return db.session.connection().execute(statement, params)


def load_answers(response: Response) -> dict[str, AnswerRow]:
    """The stored answers of a response by question key, fresh from the database, as read-only rows."""
    rows = _on_connection(_answers_query(), {"response_id": response.id}).all()
    return {row.question_key: row for row in rows}


@cache
def _answers_query() -> Select[Any]:
    """load_answers' statement, built once (pages read the answers on every request)."""
    return select(*ANSWER_COLUMNS).where(Answer.response_id == bindparam("response_id"))


def answer_values(answers: Mapping[str, AnswerRow]) -> dict[str, Any]:
    """Stored values by question key, the shape show_if conditions read."""
    return {key: answer.value for key, answer in answers.items() if answer.value is not None}


def version_of(response: Response) -> QuestionnaireVersion:
    """The questionnaire version the response answers."""
    return response.round.questionnaire_version


def find_section(version: QuestionnaireVersion, key: str) -> Section | None:
    """A section of the version by key."""
    return next((s for s in version.sections if s.key == key), None)


def find_question(version: QuestionnaireVersion, key: str) -> Question | None:
    """A question of the version by key."""
    return next((q for q in version.questions() if q.key == key), None)


# --- progress ----------------------------------------------------------------------------------


@dataclass
class SectionProgress:
    """Required questions answered out of those shown in one section."""

    section: Section
    shown: bool
    required_answered: int = 0
    required_shown: int = 0
    unanswered: list[Question] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every required question shown is answered."""
        return self.required_answered == self.required_shown


@dataclass
class Progress:
    """Progress of a whole response, section by section."""

    visibility: Visibility
    sections: list[SectionProgress]

    @property
    def required_answered(self) -> int:
        """Required questions answered, over all shown sections."""
        return sum(s.required_answered for s in self.sections if s.shown)

    @property
    def required_shown(self) -> int:
        """Required questions shown, over all shown sections."""
        return sum(s.required_shown for s in self.sections if s.shown)

    @property
    def unanswered(self) -> list[Question]:
        """Required questions shown and not answered, in questionnaire order."""
        return [q for s in self.sections if s.shown for q in s.unanswered]


def progress(version: QuestionnaireVersion, values: Mapping[str, Any],
             visibility: Visibility | None = None) -> Progress:
    """Which sections and questions are shown and which required ones are still unanswered.

    `visibility` may pass what `visible_parts` already gave for these very values.
    """
    sections = outline(version)
    if visibility is None:
        visibility = visible_parts(sections, values)
    shown = visibility.questions
    result = []
    for section in sections:
        item = SectionProgress(section=section["section"], shown=section["key"] in visibility.sections)
        if item.shown:
            for question in section["questions"]:
                if question["required"] and question["key"] in shown:
                    item.required_shown += 1
                    if question["type"].is_answered(values.get(question["key"])):
                        item.required_answered += 1
                    else:
                        item.unanswered.append(question["question"])
        result.append(item)
    return Progress(visibility=visibility, sections=result)


def _refresh_progress(response: Response, answers: Mapping[str, AnswerRow]) -> Progress:
    result = progress(version_of(response), answer_values(answers))
    response.required_answered = result.required_answered
    response.required_shown = result.required_shown
    return result


# --- state checks ------------------------------------------------------------------------------


def ensure_editable(response: Response, now: datetime | None = None) -> None:
    """Refuse changes after the deadline, outside an open round, or to a submitted response."""
    round_ = response.round
    if not round_.accepts_answers(now):
        if round_.closes_at <= (now or utcnow()):
            raise NotAllowed(_("The deadline has passed: this response can no longer be changed. "
                               "What you entered was not saved."))
        raise NotAllowed(_("This round is not open for answers. What you entered was not saved."))
    if response.status == ResponseStatus.SUBMITTED:
        raise NotAllowed(_("This response has been submitted. Reopen it to make changes."))


def _advance_version(response: Response, based_on_version: int, **changes: Any) -> None:
    """Compare-and-set the version, writing `changes` (columns) in the same UPDATE.

    The one UPDATE that serialises concurrent saves.
    """
    names = tuple(sorted(changes))
    # Not through the ORM: its bulk-update handling (the session is not synchronised anyway) was most
    # of this statement's cost.
    result = _on_connection(
        _version_update(names),
        {"response_id": response.id, "based_on": based_on_version, **{f"new_{name}": changes[name] for name in names}})
    if result.rowcount != 1:
        db.session.expire(response)
        raise Conflict(_("Someone else saved this response after you opened the page."))
    # The UPDATE matched the version we hold, so the row now has exactly the next one: no need to read it.
    set_committed_value(response, "version", based_on_version + 1)
    for name, value in changes.items():
        set_committed_value(response, name, value)


@cache
def _version_update(names: tuple[str, ...]) -> Update:
    """_advance_version's UPDATE for these columns, built once (every Save runs one)."""
    return (update(Response)
            .where(Response.id == bindparam("response_id"), Response.version == bindparam("based_on"))
            .values(version=Response.version + 1, **{name: bindparam(f"new_{name}") for name in names}))


# --- saving ------------------------------------------------------------------------------------


@dataclass
class AnswerInput:
    """What the form gives for one question: the value and the per-answer flags."""

    value: Any
    comment: str = ""
    confidential: bool = False
    quotable: bool = False


def with_inputs(values: Mapping[str, Any], inputs: Mapping[str, AnswerInput]) -> dict[str, Any]:
    """The answer values as they are once these inputs are saved (a blank input clears its answer)."""
    result = dict(values)
    for key, item in inputs.items():
        if item.value is None:
            result.pop(key, None)
        else:
            result[key] = item.value
    return result


class InvalidAnswers(DomainError):
    """Some values do not fit their question; `problems` maps question keys to messages."""

    def __init__(self, problems: dict[str, list[str]]) -> None:
        super().__init__(_("Some answers need correcting."))
        self.problems = problems


@dataclass
class SaveResult:
    """What a save changed: the new version and the questions now shown."""

    version: int
    progress: Progress
    saved_keys: list[str]


def save_section(response: Response, section: Section, inputs: Mapping[str, AnswerInput],
                 based_on_version: int, user: User, *, ip: str | None = None,
                 stored: Mapping[str, AnswerRow] | None = None) -> SaveResult:
    """Save the answers of one section page, refusing a stale version (Conflict) or a closed round.

    `stored` may pass the answers the caller already loaded: the version check makes them the ones
    this save is based on, since any save in between moves the version on.
    """
    ensure_editable(response)
    if based_on_version != response.version:
        raise Conflict(_("Someone else saved this response after you opened the page."))
    questions = {q.key: q for q in section.questions}
    unknown = set(inputs) - set(questions)
    if unknown:
        raise DomainError(_("These answers belong to no question of this section: %(keys)s",
                            keys=", ".join(sorted(unknown))))
    if stored is None:
        stored = load_answers(response)
    merged = with_inputs(answer_values(stored), inputs)
    # Evaluated with the answers as they are after this save: hidden questions keep what they had.
    visibility = visible_parts(outline(version_of(response)), merged)
    shown = {key: item for key, item in inputs.items() if visibility.shows(key)}
    problems: dict[str, list[str]] = {}
    for key, item in shown.items():
        messages = type_of(questions[key]).validate(item.value, questions[key])
        if messages:
            problems[key] = messages
    _check_evidence_ids(response, questions, shown, problems)
    if problems:
        raise InvalidAnswers(problems)

    # The answers as they are after this save, without reading them back: hidden questions keep
    # what they had. With every input shown they are `merged`, whose visibility is known.
    if len(shown) == len(inputs):
        result = progress(version_of(response), merged, visibility)
    else:
        result = progress(version_of(response), with_inputs(answer_values(stored), shown))
    now = utcnow()
    _advance_version(response, based_on_version, updated_at=now, updated_by_id=user.id,
                     required_answered=result.required_answered, required_shown=result.required_shown)
    set_committed_value(response, "updated_by", user)
    rows = [
        {"response_id": response.id, "question_key": key, "value": item.value,
         "comment": (item.comment or "").strip(), "confidential": bool(item.confidential),
         "quotable": bool(item.quotable), "updated_at": now, "updated_by_id": user.id}
        for key, item in shown.items()
    ]
    if rows:
        db.session.execute(_answer_upsert(), rows)
    _forget_removed_evidence(response, questions, stored, inputs, visibility)
    db.session.flush()
    audit.record_now("response.saved", actor=user, organisation=response.organisation,
                     target=f"response:{response.id}", ip=ip,
                     details={"round": response.round_id, "section": section.key, "version": response.version,
                              "questions": [row["question_key"] for row in rows]})
    return SaveResult(version=response.version, progress=result, saved_keys=[row["question_key"] for row in rows])


def _check_evidence_ids(response: Response, questions: Mapping[str, Question],
                        inputs: Mapping[str, AnswerInput], problems: dict[str, list[str]]) -> None:
    """A file answer may only list evidence uploaded to this response for this question."""
    for key, item in inputs.items():
        if questions[key].type != "file" or not isinstance(item.value, list):
            continue
        known = set(db.session.scalars(
            select(Evidence.id).where(Evidence.response_id == response.id, Evidence.question_key == key)))
        if any(ident not in known for ident in item.value):
            problems.setdefault(key, []).append(_("This file is not attached to this response."))


def _forget_removed_evidence(response: Response, questions: Mapping[str, Question], stored: Mapping[str, AnswerRow],
                             inputs: Mapping[str, AnswerInput], visibility: Visibility) -> None:
    """Files unticked on a visible file question are removed (unless a past submission lists them)."""
    for key, item in inputs.items():
        if questions[key].type != "file" or not visibility.shows(key):
            continue
        kept = set(item.value or [])
        for evidence in db.session.scalars(
                select(Evidence).where(Evidence.response_id == response.id, Evidence.question_key == key)):
            if evidence.id not in kept:
                _delete_evidence(response, evidence)


# --- submitting --------------------------------------------------------------------------------


@dataclass
class SubmitResult:
    """The submission, and whether this call made it (False for a replayed submit)."""

    submission: Submission
    created: bool


def submit(response: Response, based_on_version: int, user: User, *, ip: str | None = None) -> SubmitResult:
    """Submit the response as it is at `based_on_version`; a replay of the same submit submits once."""
    last = response.submissions[-1] if response.submissions else None
    if (response.status == ResponseStatus.SUBMITTED and last is not None
            and last.response_version == based_on_version):
        return SubmitResult(last, created=False)
    ensure_editable(response)
    if based_on_version != response.version:
        raise Conflict(_("Someone saved this response after you opened the review page. "
                         "Look at the answers again before submitting."))
    answers = load_answers(response)
    values = answer_values(answers)
    result = progress(version_of(response), values)
    if result.unanswered:
        raise NotAllowed(ngettext("%(num)d required question is still unanswered.",
                                   "%(num)d required questions are still unanswered.", len(result.unanswered)))
    now = utcnow()
    # The compare-and-set makes a double click (two requests at once) submit once: the second finds
    # the status already changed and gets the first one's submission back.
    changed = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.version == based_on_version,
               Response.status == ResponseStatus.DRAFT.value)
        .values(status=ResponseStatus.SUBMITTED.value, submitted_at=now, updated_at=now, updated_by_id=user.id,
                facts_version=based_on_version)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(response)
    if changed != 1:
        last = response.submissions[-1] if response.submissions else None
        if last is not None and last.response_version == based_on_version:
            return SubmitResult(last, created=False)
        raise Conflict(_("Someone changed this response in the meantime. Look at it again before submitting."))
    snapshot = {
        key: {"value": answer.value, "confidential": answer.confidential, "quotable": answer.quotable,
              "comment": answer.comment}
        for key, answer in answers.items()
        if result.visibility.shows(key) and answer.value is not None
    }
    number = len(response.submissions) + 1
    submission = Submission(response=response, number=number, response_version=based_on_version,
                            submitted_at=now, submitted_by=user, snapshot=snapshot)
    db.session.add(submission)
    # What aggregation reads of this snapshot, stored now (same transaction) as plain indexed rows.
    facts.store(response.round_id, response.id, version_of(response),
                {key: facts.StoredAnswer(answer.value, answer.confidential, answer.quotable)
                 for key, answer in answers.items()})
    response.required_answered = result.required_answered
    response.required_shown = result.required_shown
    _bump_data_version(response.round_id)
    db.session.flush()
    audit.record("response.submitted", actor=user, organisation=response.organisation,
                 target=f"response:{response.id}", ip=ip,
                 details={"round": response.round_id, "submission": number, "version": based_on_version})
    return SubmitResult(submission, created=True)


def _bump_data_version(round_id: int) -> None:
    # In SQL, so that two suppliers submitting at once both count.
    db.session.execute(
        update(DialogueRound).where(DialogueRound.id == round_id)
        .values(data_version=DialogueRound.data_version + 1)
        .execution_options(synchronize_session=False)
    )
    round_ = db.session.get(DialogueRound, round_id)
    if round_ is not None:
        db.session.expire(round_, ["data_version"])


def send_receipt(submission: Submission, user: User) -> None:
    """E-mail the submitting user a receipt (call after the commit: mail cannot be taken back)."""
    from questionnaire.services.links import external_url
    from questionnaire.services.mail import batch, send_mail

    response = submission.response
    # Layers above (reports) add the supplier's copy as PDF through app.extensions["receipt_attachments"].
    attachments = [item for hook in current_app.extensions.get("receipt_attachments", [])
                   for item in hook(submission, user)]
    with batch():  # at once: the submission is committed already, and the caller reports a failure
        send_mail(user.email, "submission_receipt", language=user.language, user=user, submission=submission,
                  response=response, round=response.round,
                  link=external_url("answering.overview", round_id=response.round_id), attachments=attachments)


def reopen(response: Response, user: User, *, ip: str | None = None) -> Response:
    """Make a submitted response a draft again, until the deadline; its submissions stay on record."""
    if response.status != ResponseStatus.SUBMITTED:
        raise NotAllowed(_("Only a submitted response can be reopened."))
    if not response.round.accepts_answers():
        raise NotAllowed(_("The deadline has passed: this response can no longer be reopened."))
    changed = db.session.execute(
        update(Response)
        .where(Response.id == response.id, Response.status == ResponseStatus.SUBMITTED.value)
        .values(status=ResponseStatus.DRAFT.value, version=Response.version + 1, updated_at=utcnow(),
                updated_by_id=user.id, facts_version=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.expire(response)
    if changed != 1:
        return response
    facts.clear(response.id)
    _bump_data_version(response.round_id)
    audit.record("response.reopened", actor=user, organisation=response.organisation,
                 target=f"response:{response.id}", ip=ip, details={"round": response.round_id})
    return response


# --- evidence ----------------------------------------------------------------------------------

# Extension -> (content type, what the bytes must look like).
ALLOWED_TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("application/pdf", "pdf"),
    "png": ("image/png", "png"),
    "jpg": ("image/jpeg", "jpeg"),
    "jpeg": ("image/jpeg", "jpeg"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "csv": ("text/csv", "text"),
    "txt": ("text/plain", "text"),
}
CHUNK = 64 * 1024


class EvidenceRefused(DomainError):
    """An uploaded file was refused; the message says why."""


class EvidenceTooLarge(EvidenceRefused):
    """An uploaded file is larger than MAX_UPLOAD_BYTES."""


def _looks_like(kind: str, head: bytes, path: Path) -> bool:
    """Whether the file's content is of the kind its extension claims."""
    if kind == "pdf":
        return head.startswith(b"%PDF-")
    if kind == "png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpeg":
        return head.startswith(b"\xff\xd8\xff")
    if kind in ("xlsx", "docx"):
        if not head.startswith(b"PK\x03\x04"):
            return False
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError, ValueError):
            return False
        folder = "xl/" if kind == "xlsx" else "word/"
        return "[Content_Types].xml" in names and any(name.startswith(folder) for name in names)
    if kind == "text":
        data = path.read_bytes()
        if b"\x00" in data:
            return False
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    return False


def upload_dir() -> Path:
    """Where evidence bytes live: outside static/, never served directly."""
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def evidence_path(evidence: Evidence) -> Path:
    """The file holding an evidence's bytes."""
    return upload_dir() / evidence.stored_name


def store_evidence(response: Response, question_key: str, upload: FileStorage, user: User, *,
                   ip: str | None = None) -> Evidence:
    """Check and keep an uploaded evidence file for a file question; its name is only ever displayed."""
    ensure_editable(response)
    question = find_question(version_of(response), question_key)
    if question is None or question.type != "file":
        raise EvidenceRefused(_("This question does not take files."))
    display_name = secure_filename(upload.filename or "")
    extension = display_name.rsplit(".", 1)[-1].lower() if "." in display_name else ""
    if extension not in ALLOWED_TYPES:
        raise EvidenceRefused(_("Files of this type are not accepted. Attach a PDF, PNG, JPEG, XLSX, DOCX, "
                                "CSV or TXT file."))
    content_type, kind = ALLOWED_TYPES[extension]
    limit = int(current_app.config.get("MAX_UPLOAD_BYTES", 20 * 1024 * 1024))
    stored_name = secrets.token_hex(16)
    path = upload_dir() / stored_name
    digest = hashlib.sha256()
    size = 0
    stream: IO[bytes] = upload.stream
    try:
        with path.open("xb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise EvidenceTooLarge(_("This file is larger than the limit of %(mb)s MB.",
                                             mb=round(limit / 1024 / 1024, 1)))
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise EvidenceRefused(_("This file is empty."))
        with path.open("rb") as handle:
            head = handle.read(16)
        if not _looks_like(kind, head, path):
            raise EvidenceRefused(_("The content of this file does not match its type (.%(ext)s).", ext=extension))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    evidence = Evidence(response=response, question_key=question_key, original_name=display_name[:255],
                        stored_name=stored_name, content_type=content_type, size=size,
                        sha256=digest.hexdigest(), uploaded_by=user)
    db.session.add(evidence)
    db.session.flush()
    audit.record("evidence.uploaded", actor=user, organisation=response.organisation,
                 target=f"evidence:{evidence.id}", ip=ip,
                 details={"response": response.id, "question": question_key, "sha256": evidence.sha256,
                          "size": size})
    return evidence


def _in_submissions(response: Response, evidence_id: int) -> bool:
    for submission in response.submissions:
        for item in submission.snapshot.values():
            if isinstance(item.get("value"), list) and evidence_id in item["value"]:
                return True
    return False


def _delete_evidence(response: Response, evidence: Evidence) -> None:
    if _in_submissions(response, evidence.id):
        return  # a past submission refers to it: the history keeps it
    path = evidence_path(evidence)
    db.session.delete(evidence)
    db.session.flush()
    path.unlink(missing_ok=True)


def remove_evidence(evidence: Evidence, user: User, *, ip: str | None = None) -> None:
    """Remove an evidence file from a draft response (before the deadline)."""
    response = evidence.response
    ensure_editable(response)
    answer = db.session.scalar(select(Answer).where(Answer.response_id == response.id,
                                                    Answer.question_key == evidence.question_key))
    if answer is not None and isinstance(answer.value, list) and evidence.id in answer.value:
        remaining = [v for v in answer.value if v != evidence.id]
        answer.value = remaining or None
        answer.updated_at = utcnow()
        answer.updated_by_id = user.id
    response.version += 1  # an open page listing the file is now out of date
    audit.record("evidence.removed", actor=user, organisation=response.organisation,
                 target=f"evidence:{evidence.id}", ip=ip,
                 details={"response": response.id, "question": evidence.question_key})
    _delete_evidence(response, evidence)
    _refresh_progress(response, load_answers(response))


def evidence_for(response: Response, keys: Iterable[str] | None = None) -> dict[str, list[EvidenceRow]]:
    """Evidence files of a response by question key, as read-only rows (id, question_key, original_name, size)."""
    result: dict[str, list[EvidenceRow]] = {}
    for evidence in _on_connection(_evidence_query(), {"response_id": response.id}).all():
        if keys is None or evidence.question_key in keys:
            result.setdefault(evidence.question_key, []).append(evidence)
    return result


@cache
def _evidence_query() -> Select[Any]:
    """evidence_for's statement, built once (a section page with a file question reads it)."""
    return (select(Evidence.id, Evidence.question_key, Evidence.original_name, Evidence.size)
            .where(Evidence.response_id == bindparam("response_id")).order_by(Evidence.id))


# --- answers kept across an expired session ----------------------------------------------------

PENDING_MAX_AGE = timedelta(days=2)


def keep_pending(round_: DialogueRound, section_key: str, form_data: Mapping[str, list[str]]) -> PendingSave:
    """Keep posted answers until their author logs in again; returns the row with its secret token."""
    db.session.execute(delete(PendingSave).where(PendingSave.created_at < utcnow() - PENDING_MAX_AGE))
    pending = PendingSave(token=secrets.token_urlsafe(32), round_id=round_.id, section_key=section_key,
                          form_data={k: list(v) for k, v in form_data.items() if k != "csrf_token"})
    db.session.add(pending)
    db.session.flush()
    return pending


def take_pending(token: str) -> PendingSave | None:
    """The kept answers for a token, removed from storage (they are used once)."""
    pending = db.session.scalar(select(PendingSave).where(PendingSave.token == token))
    if pending is None or pending.created_at < utcnow() - PENDING_MAX_AGE:
        return None
    db.session.delete(pending)
    return pending

