"""Publishing a round's participants' summary to every invited supplier (issue 5, item 8)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from questionnaire.extensions import db
from questionnaire.models import DialogueRound, User
from questionnaire.services import audit


@dataclass(frozen=True)
class Recipient:
    """Someone told about a publication, in their language."""

    email: str
    name: str
    language: str | None


def publish_summary(dialogue_round: DialogueRound, *, actor: User | None, ip: str | None = None) -> DialogueRound:
    """Publish the participants' summary of a closed round (the model refuses any other state)."""
    dialogue_round.publish()
    db.session.flush()
    audit.record("round.summary_published", actor=actor, organisation=actor.organisation if actor else None,
                 target=f"round:{dialogue_round.id}", ip=ip, details={"data_version": dialogue_round.data_version})
    return dialogue_round


def recipients(dialogue_round: DialogueRound) -> list[Recipient]:
    """Every invited supplier's contact and active users, once each."""
    organisation_ids = [invitation.organisation_id for invitation in dialogue_round.invitations]
    found: dict[str, Recipient] = {}
    users = db.session.scalars(
        select(User).where(User.organisation_id.in_(organisation_ids), User.active.is_(True),
                           User.password_hash.is_not(None)).order_by(User.id)
    ) if organisation_ids else []
    for user in users:
        found.setdefault(user.email.lower(), Recipient(user.email, user.name, user.language))
    for invitation in dialogue_round.invitations:
        found.setdefault(invitation.contact_email.lower(),
                         Recipient(invitation.contact_email, invitation.contact_name, invitation.language))
    return list(found.values())


def send_publication_mail(dialogue_round: DialogueRound) -> int:
    """E-mail every recipient that the summary is on their dashboard (call after the commit)."""
    from questionnaire.services.links import external_url
    from questionnaire.services.mail import batch, send_mail

    link = external_url("main.dashboard")
    sent = 0
    # At once and through one connection: the publication is committed already; MailNotSent names who was missed.
    with batch():
        for recipient in recipients(dialogue_round):
            send_mail(recipient.email, "summary_published", language=recipient.language, round=dialogue_round,
                      name=recipient.name, link=link)
            sent += 1
    return sent
