"""Domain model: one module per aggregate, re-exported here so Alembic sees every table."""

from questionnaire.models.audit import AuditEvent
from questionnaire.models.dialogue import Clarification, DialogueRound, Invitation, RoundOwner, RoundStatus
from questionnaire.models.organisation import Organisation, OrganisationKind
from questionnaire.models.questionnaire import (
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Section,
    VersionApproval,
    VersionStatus,
)
from questionnaire.models.response import (
    Answer,
    AnswerFact,
    Evidence,
    PendingSave,
    Response,
    ResponseStatus,
    SectionScore,
    Submission,
)
from questionnaire.models.types import UTCDateTime, utcnow
from questionnaire.models.user import User

__all__ = [
    "Answer",
    "AnswerFact",
    "AuditEvent",
    "Clarification",
    "DialogueRound",
    "Evidence",
    "Invitation",
    "Organisation",
    "OrganisationKind",
    "PendingSave",
    "Question",
    "Questionnaire",
    "QuestionnaireVersion",
    "Response",
    "ResponseStatus",
    "RoundOwner",
    "RoundStatus",
    "Section",
    "SectionScore",
    "Submission",
    "UTCDateTime",
    "User",
    "VersionApproval",
    "VersionStatus",
    "utcnow",
]
