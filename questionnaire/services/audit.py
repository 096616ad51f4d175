"""Recording audit events."""

from __future__ import annotations

from typing import Any

from questionnaire.extensions import db
from questionnaire.models import AuditEvent, Organisation, User


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
