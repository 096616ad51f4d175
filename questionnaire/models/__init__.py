"""Domain model: one module per aggregate, re-exported here so Alembic sees every table."""

from questionnaire.models.audit import AuditEvent
from questionnaire.models.organisation import Organisation, OrganisationKind
from questionnaire.models.questionnaire import (
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Section,
    VersionApproval,
    VersionStatus,
)
from questionnaire.models.types import UTCDateTime, utcnow
from questionnaire.models.user import User

__all__ = [
    "AuditEvent",
    "Organisation",
    "OrganisationKind",
    "Question",
    "Questionnaire",
    "QuestionnaireVersion",
    "Section",
    "UTCDateTime",
    "User",
    "VersionApproval",
    "VersionStatus",
    "utcnow",
]
