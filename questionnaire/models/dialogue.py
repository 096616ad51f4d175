"""Dialogue rounds: co-owners, invited suppliers and clarifications (equal treatment)."""

from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, Enum, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaire.errors import NotAllowed
from questionnaire.extensions import db
from questionnaire.models.organisation import Organisation
from questionnaire.models.questionnaire import QuestionnaireVersion
from questionnaire.models.types import UTCDateTime, utcnow
from questionnaire.models.user import User


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class RoundStatus(enum.StrEnum):
    """draft -> open -> closed -> published; the secretariat may reopen a closed round."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    PUBLISHED = "published"


class DialogueRound(db.Model):
    """One joint dialogue: a questionnaire version answered by invited suppliers by a deadline."""

    __tablename__ = "dialogue_round"
    __table_args__ = (CheckConstraint("k >= 2", name="k_at_least_two"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    questionnaire_version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id"), index=True)
    # Stored in UTC, shown in the viewer's time zone.
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    k: Mapped[int] = mapped_column(default=3)
    languages: Mapped[list[str]] = mapped_column(JSON)
    status: Mapped[RoundStatus] = mapped_column(_enum(RoundStatus), default=RoundStatus.DRAFT, index=True)
    # Bumped by every submission or reopening: the key for cached summaries.
    data_version: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    questionnaire_version: Mapped[QuestionnaireVersion] = relationship()
    created_by: Mapped[User | None] = relationship()
    owners: Mapped[list[RoundOwner]] = relationship(back_populates="round", cascade="all, delete-orphan")
    invitations: Mapped[list[Invitation]] = relationship(back_populates="round", cascade="all, delete-orphan")

    # --- state, enforced here so no view or service can skip a rule ---

    def accepts_answers(self, now: datetime | None = None) -> bool:
        """Suppliers may save and submit only while the round is open and before its deadline."""
        now = now or utcnow()
        return self.status == RoundStatus.OPEN and self.opens_at <= now < self.closes_at

    def is_owned_by(self, organisation_id: int | None) -> bool:
        """Whether the organisation co-owns the round (accepted or not)."""
        return any(owner.organisation_id == organisation_id for owner in self.owners)

    def open(self) -> None:
        """Open a draft round once every co-owner has accepted."""
        if self.status != RoundStatus.DRAFT:
            raise NotAllowed(_l("Only a draft round can be opened."))
        if any(owner.accepted_at is None for owner in self.owners):
            raise NotAllowed(_l("Every co-owning organisation must accept the round before it opens."))
        if not self.questionnaire_version.is_published:
            raise NotAllowed(_l("The round's questionnaire version must be approved and published."))
        if self.closes_at <= utcnow():
            raise NotAllowed(_l("The closing time has passed; choose a later one first."))
        self.status = RoundStatus.OPEN

    def close(self) -> None:
        """Close an open round: no more saves or submissions."""
        if self.status != RoundStatus.OPEN:
            raise NotAllowed(_l("Only an open round can be closed."))
        self.status = RoundStatus.CLOSED
        if self.closes_at > utcnow():
            self.closes_at = utcnow()

    def extend_deadline(self, closes_at: datetime, *, by_secretariat: bool) -> None:
        """Move the deadline later; reopening a closed round this way is the secretariat's call."""
        if closes_at <= utcnow():
            raise NotAllowed(_l("The new closing time must be in the future."))
        if closes_at <= self.opens_at:
            raise NotAllowed(_l("The closing time must come after the opening time."))
        if self.status == RoundStatus.PUBLISHED:
            raise NotAllowed(_l("The summary of this round is published; its deadline cannot change."))
        if self.status == RoundStatus.CLOSED:
            if not by_secretariat:
                raise NotAllowed(_l("Only the secretariat can reopen a closed round."))
            self.status = RoundStatus.OPEN
        self.closes_at = closes_at

    def publish(self) -> None:
        """Mark the participants' summary as published; only after the round has closed."""
        if self.status != RoundStatus.CLOSED:
            raise NotAllowed(_l("Close the round before publishing its summary."))
        self.status = RoundStatus.PUBLISHED
        self.published_at = utcnow()

    def __repr__(self) -> str:
        return f"<DialogueRound {self.id} {self.status} {self.title!r}>"


class RoundOwner(db.Model):
    """A buyer organisation co-owning a round; it accepts before the round opens."""

    __tablename__ = "round_owner"

    round_id: Mapped[int] = mapped_column(ForeignKey("dialogue_round.id", ondelete="CASCADE"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True, index=True)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    round: Mapped[DialogueRound] = relationship(back_populates="owners")
    organisation: Mapped[Organisation] = relationship()
    accepted_by: Mapped[User | None] = relationship()


class Invitation(db.Model):
    """A supplier organisation invited to a round, reached through its contact's personal link."""

    __tablename__ = "invitation"
    __table_args__ = (UniqueConstraint("round_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("dialogue_round.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    contact_email: Mapped[str] = mapped_column(String(254))
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(8), default="en")
    # SHA-256 of the personal token; the token itself is only ever in the e-mail.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The link of the e-mail before the latest reminder: it keeps working, so a reminder that never
    # arrives takes no working link away. Only the latest two links work; either works once.
    previous_token_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the contact chose a password through the link: the link cannot do that twice.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reminder_count: Mapped[int] = mapped_column(default=0)

    round: Mapped[DialogueRound] = relationship(back_populates="invitations")
    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship()


class Clarification(db.Model):
    """A supplier's question about the questionnaire; the published answer goes to every invitee."""

    __tablename__ = "clarification"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("dialogue_round.id", ondelete="CASCADE"), index=True)
    # Who asked is kept for the owners only; it is never shown to other suppliers.
    asked_by_organisation_id: Mapped[int | None] = mapped_column(
        ForeignKey("organisation.id", ondelete="SET NULL")
    )
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    question_key: Mapped[str | None] = mapped_column(String(200))
    question: Mapped[str] = mapped_column(Text)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    round: Mapped[DialogueRound] = relationship()
    asked_by_organisation: Mapped[Organisation | None] = relationship()
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])
    answered_by: Mapped[User | None] = relationship(foreign_keys=[answered_by_id])
