"""Clarifications: equal treatment of suppliers.

An invited supplier asks a question about the questionnaire; an owner (or the secretariat) answers
it; publishing the answer shows it to every invited supplier, without the asker's identity, and
e-mails it to each invited contact in their language.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from questionnaire.extensions import db
from questionnaire.models import Clarification, DialogueRound, Invitation, RoundStatus, User, utcnow
from questionnaire.services import audit
from questionnaire.services.errors import DomainError, NotAllowed
from questionnaire.services.links import external_url
from questionnaire.services.mail import send_mail

MAX_LENGTH = 5000


class InvalidClarification(DomainError):
    """A question or answer that is empty or too long."""


def _text(value: str, empty_message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise InvalidClarification(empty_message)
    if len(value) > MAX_LENGTH:
        raise InvalidClarification(_("Keep it under %(n)d characters.", n=MAX_LENGTH))
    return value


def ask(
    dialogue_round: DialogueRound, question: str, *, actor: User, question_key: str | None = None,
    ip: str | None = None,
) -> Clarification:
    """An invited supplier asks a question about the questionnaire while the round is not closed."""
    invited = db.session.scalar(select(Invitation.id).where(
        Invitation.round_id == dialogue_round.id, Invitation.organisation_id == actor.organisation_id))
    if invited is None:
        raise NotAllowed(_("Only invited suppliers ask questions about this round."))
    if dialogue_round.status not in (RoundStatus.DRAFT, RoundStatus.OPEN):
        raise NotAllowed(_("This round is closed; questions can no longer be asked."))
    clarification = Clarification(
        round=dialogue_round, question=_text(question, _("Write your question first.")),
        question_key=question_key or None,
        asked_by=actor, asked_by_organisation=actor.organisation, asked_at=utcnow(),
    )
    db.session.add(clarification)
    db.session.flush()
    audit.record("clarification.asked", actor=actor, target=f"clarification:{clarification.id}",
                 details={"round": dialogue_round.id}, ip=ip)
    return clarification


def answer(clarification: Clarification, text: str, *, actor: User, ip: str | None = None) -> Clarification:
    """Write or change the answer of a question that is not yet published."""
    if clarification.published_at is not None:
        raise NotAllowed(_("This answer is published and can no longer change."))
    clarification.answer = _text(text, _("Write the answer first."))
    clarification.answered_by = actor
    db.session.flush()
    audit.record("clarification.answered", actor=actor, target=f"clarification:{clarification.id}",
                 details={"round": clarification.round_id}, ip=ip)
    return clarification


def publish(clarification: Clarification, *, actor: User, ip: str | None = None) -> int:
    """Publish an answer to every invited supplier and e-mail each contact; returns how many were e-mailed.

    The e-mail carries the question and answer only, never who asked.
    """
    if clarification.published_at is not None:
        raise NotAllowed(_("This answer is already published."))
    if not clarification.answer:
        raise NotAllowed(_("Write the answer before publishing it."))
    dialogue_round = clarification.round
    clarification.published_at = utcnow()
    invitations = db.session.scalars(
        select(Invitation).where(Invitation.round_id == dialogue_round.id).order_by(Invitation.id)
    ).all()
    link = external_url("rounds.clarifications", round_id=dialogue_round.id)
    for invitation in invitations:
        send_mail(invitation.contact_email, "clarification_published", language=invitation.language,
                  round=dialogue_round, clarification=clarification, link=link)
    db.session.flush()
    audit.record("clarification.published", actor=actor, target=f"clarification:{clarification.id}",
                 details={"round": dialogue_round.id, "emailed": len(invitations)}, ip=ip)
    return len(invitations)


def answer_and_publish(clarification: Clarification, text: str, *, actor: User, ip: str | None = None) -> int:
    """Answer and publish in one step, as the owners' page does."""
    answer(clarification, text, actor=actor, ip=ip)
    return publish(clarification, actor=actor, ip=ip)


def published(dialogue_round: DialogueRound) -> list[Clarification]:
    """Published questions and answers, oldest first: what every invited supplier sees."""
    return list(db.session.scalars(
        select(Clarification)
        .where(Clarification.round_id == dialogue_round.id, Clarification.published_at.is_not(None))
        .order_by(Clarification.published_at, Clarification.id)
    ))


def asked_by(dialogue_round: DialogueRound, organisation_id: int) -> list[Clarification]:
    """One supplier's own questions still waiting for a published answer."""
    return list(db.session.scalars(
        select(Clarification)
        .where(Clarification.round_id == dialogue_round.id, Clarification.published_at.is_(None),
               Clarification.asked_by_organisation_id == organisation_id)
        .order_by(Clarification.asked_at)
    ))


def for_owners(dialogue_round: DialogueRound) -> list[Clarification]:
    """Every question of a round, unanswered first, with who asked (owners and secretariat only)."""
    return list(db.session.scalars(
        select(Clarification)
        .where(Clarification.round_id == dialogue_round.id)
        .options(selectinload(Clarification.asked_by_organisation))
        .order_by(Clarification.published_at.is_not(None), Clarification.asked_at)
    ))
