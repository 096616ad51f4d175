"""Recording audit events, and describing them to people."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cache
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Insert, insert, select

from questionnaire.extensions import db
from questionnaire.models import (
    AuditEvent,
    Clarification,
    DialogueRound,
    Evidence,
    Invitation,
    Organisation,
    QuestionnaireVersion,
    Response,
    User,
    utcnow,
)
from questionnaire.question_types import translate

# What each recorded action means, for the audit log and the secretariat's dashboard. Every action
# recorded in the code has one (tests/test_audit_labels.py reads the code to check).
ACTION_LABELS: dict[str, Any] = {
    "login.success": _l("Logged in"),
    "login.failure": _l("Failed log-in"),
    "logout": _l("Logged out"),
    "password.changed": _l("Password changed"),
    "password.reset": _l("Password reset"),
    "password.reset_requested": _l("Password reset requested"),
    "user.created": _l("User created"),
    "user.updated": _l("User changed"),
    "user.activated": _l("Account activated"),
    "user.invitation_sent": _l("Colleague invited"),
    "user.profile_updated": _l("Profile changed"),
    "organisation.created": _l("Organisation created"),
    "organisation.updated": _l("Organisation changed"),
    "questionnaire.created": _l("Questionnaire created"),
    "questionnaire.imported": _l("Questionnaire imported"),
    "questionnaire.version_created": _l("Questionnaire version created"),
    "questionnaire.version_imported": _l("Questionnaire version imported"),
    "questionnaire.metadata_updated": _l("Questionnaire details changed"),
    "questionnaire.section_added": _l("Section added"),
    "questionnaire.section_updated": _l("Section changed"),
    "questionnaire.section_moved": _l("Section moved"),
    "questionnaire.section_deleted": _l("Section deleted"),
    "questionnaire.question_added": _l("Question added"),
    "questionnaire.question_updated": _l("Question changed"),
    "questionnaire.question_moved": _l("Question moved"),
    "questionnaire.question_deleted": _l("Question deleted"),
    "questionnaire.approved": _l("Questionnaire version approved"),
    "questionnaire.published": _l("Questionnaire version published"),
    "questionnaire.shared": _l("Questionnaire shared with a co-editor"),
    "questionnaire.unshared": _l("Co-editor removed from a questionnaire"),
    "round.created": _l("Round set up"),
    "round.ownership_accepted": _l("Round co-ownership accepted"),
    "round.opened": _l("Round opened"),
    "round.deadline_changed": _l("Round deadline changed"),
    "round.closed": _l("Round closed"),
    "round.summary_published": _l("Summary published"),
    "round.published": _l("Round results published"),
    "round.reminders_sent": _l("Reminders sent"),
    "round.reminders_undelivered": _l("Reminders not delivered"),
    "invitation.sent": _l("Supplier invited"),
    "invitation.csv_imported": _l("Suppliers invited from a CSV file"),
    "invitation.opened": _l("Invitation link opened"),
    "invitation.accepted": _l("Invitation accepted"),
    "response.saved": _l("Answers saved"),
    "response.submitted": _l("Response submitted"),
    "response.reopened": _l("Response reopened"),
    "evidence.uploaded": _l("Evidence uploaded"),
    "evidence.removed": _l("Evidence removed"),
    "clarification.asked": _l("Clarification asked"),
    "clarification.answered": _l("Clarification answered"),
    "clarification.published": _l("Clarification published"),
}


def action_label(action: str) -> str:
    """The action in words (the code itself for an action this version does not know)."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def record(
    action: str,
    *,
    actor: User | None,
    organisation: Organisation | None = None,
    target: str | None = None,
    details: dict[str, Any] | None = None,
    ip: str | None = None,
) -> AuditEvent:
    """Add one audit event; the caller's transaction commits it with the change it describes."""
    if organisation is None and actor is not None:
        organisation = actor.organisation
    event = AuditEvent(
        action=action,
        actor=actor,
        organisation=organisation,
        target=target,
        details=details or {},
        ip=ip,
    )
    db.session.add(event)
    return event


def record_now(action: str, *, actor: User, organisation: Organisation, target: str | None = None,
               details: dict[str, Any] | None = None, ip: str | None = None) -> None:
    """Add one audit event at once, with an INSERT built once; for actors and organisations already stored.

    For the hot paths (every Save): an event added to the session makes the commit run the unit of
    work, which costs several times this INSERT.
    """
    db.session.execute(_event_insert(), {"action": action, "actor_id": actor.id, "organisation_id": organisation.id,
                                         "target": target, "details": details or {}, "ip": ip,
                                         "created_at": utcnow()})


@cache
def _event_insert() -> Insert:
    """record_now's statement."""
    return insert(AuditEvent.__table__)


def describe_targets(events: Iterable[AuditEvent]) -> dict[str, str]:
    """Words for the events' targets ("user:4" -> the user's name), one query per kind of target.

    A target that no longer exists keeps its code.
    """
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        kind, _sep, ident = (event.target or "").partition(":")
        if ident.isdigit():
            wanted[kind].add(int(ident))
    names: dict[str, str] = {}

    def add(kind: str, rows: Iterable[tuple[int, str]]) -> None:
        names.update({f"{kind}:{ident}": text for ident, text in rows})

    if wanted.get("user"):
        add("user", db.session.execute(select(User.id, User.name).where(User.id.in_(wanted["user"]))).all())
    if wanted.get("organisation"):
        add("organisation", db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(wanted["organisation"]))).all())
    if wanted.get("round"):
        add("round", db.session.execute(
            select(DialogueRound.id, DialogueRound.title).where(DialogueRound.id.in_(wanted["round"]))).all())
    if wanted.get("questionnaire") or wanted.get("questionnaire_version"):
        # A questionnaire is named by the title of its latest version, in the reader's language.
        language = str(get_locale() or "")
        latest: dict[int, tuple[int, str]] = {}
        for ident, questionnaire_id, number, title in db.session.execute(
                select(QuestionnaireVersion.id, QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.number,
                       QuestionnaireVersion.title)
                .where(QuestionnaireVersion.questionnaire_id.in_(wanted["questionnaire"])
                       | QuestionnaireVersion.id.in_(wanted["questionnaire_version"]))):
            text = translate(title, language)
            if ident in wanted["questionnaire_version"]:
                names[f"questionnaire_version:{ident}"] = _("%(title)s, version %(number)d", title=text,
                                                            number=number)
            if number > latest.get(questionnaire_id, (0, ""))[0]:
                latest[questionnaire_id] = (number, text)
        add("questionnaire", ((ident, text) for ident, (_number, text) in latest.items()
                              if ident in wanted["questionnaire"]))
    if wanted.get("response"):
        add("response", ((ident, _("Response of %(organisation)s to %(round)s", organisation=organisation,
                                   round=title))
                         for ident, organisation, title in _organisation_and_round(Response, wanted["response"])))
    if wanted.get("invitation"):
        add("invitation", ((ident, _("Invitation of %(organisation)s to %(round)s", organisation=organisation,
                                     round=title))
                           for ident, organisation, title in _organisation_and_round(Invitation, wanted["invitation"])))
    if wanted.get("evidence"):
        add("evidence", db.session.execute(
            select(Evidence.id, Evidence.original_name).where(Evidence.id.in_(wanted["evidence"]))).all())
    if wanted.get("clarification"):
        add("clarification", (
            (ident, _("Clarification in %(round)s", round=title))
            for ident, title in db.session.execute(
                select(Clarification.id, DialogueRound.title)
                .join(DialogueRound, DialogueRound.id == Clarification.round_id)
                .where(Clarification.id.in_(wanted["clarification"])))))
    return names


def _organisation_and_round(model: type[Response] | type[Invitation], ids: set[int]) -> Iterable[Any]:
    """(id, organisation name, round title) of responses or invitations."""
    return db.session.execute(
        select(model.id, Organisation.name, DialogueRound.title)
        .join(Organisation, Organisation.id == model.organisation_id)
        .join(DialogueRound, DialogueRound.id == model.round_id)
        .where(model.id.in_(ids)))
