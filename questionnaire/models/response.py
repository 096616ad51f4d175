"""A supplier's response to a round: answers, evidence files and immutable submissions."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Enum, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaire.extensions import db
from questionnaire.models.dialogue import DialogueRound
from questionnaire.models.organisation import Organisation
from questionnaire.models.types import UTCDateTime, utcnow
from questionnaire.models.user import User


class ResponseStatus(enum.StrEnum):
    """A response is a draft until submitted; reopening makes it a draft again."""

    DRAFT = "draft"
    SUBMITTED = "submitted"


class Response(db.Model):
    """One per round and supplier organisation, shared by its colleagues."""

    __tablename__ = "response"
    __table_args__ = (UniqueConstraint("round_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("dialogue_round.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    status: Mapped[ResponseStatus] = mapped_column(
        Enum(ResponseStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=ResponseStatus.DRAFT, index=True,
    )
    # Optimistic locking: every save names the version it was based on and increments it.
    version: Mapped[int] = mapped_column(default=1)
    # Progress kept up to date on save, so status tables need no answer loading.
    required_answered: Mapped[int] = mapped_column(default=0)
    required_shown: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The response version whose aggregation facts (AnswerFact, SectionScore) are stored; None when none are.
    facts_version: Mapped[int | None] = mapped_column()

    round: Mapped[DialogueRound] = relationship()
    organisation: Mapped[Organisation] = relationship()
    updated_by: Mapped[User | None] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")
    evidence: Mapped[list[Evidence]] = relationship(back_populates="response", cascade="all, delete-orphan")
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="response", order_by="Submission.number", cascade="all, delete-orphan"
    )

    @property
    def percent_complete(self) -> int:
        """Required questions answered out of those shown, as a whole percentage."""
        if self.required_shown == 0:
            return 100 if self.required_answered == 0 and self.status == ResponseStatus.SUBMITTED else 0
        return round(100 * self.required_answered / self.required_shown)


class Answer(db.Model):
    """One answer per response and question key (keys are stable across questionnaire versions)."""

    __tablename__ = "answer"
    __table_args__ = (UniqueConstraint("response_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(String(200), index=True)
    # The stored value of the question type (DESIGN.md section 4), or the not-applicable marker.
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    # Only the secretariat sees a confidential answer; it still counts in suppressed aggregates.
    confidential: Mapped[bool] = mapped_column(default=False)
    # Free text may be quoted anonymously in shared summaries only with this consent.
    quotable: Mapped[bool] = mapped_column(default=False)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    response: Mapped[Response] = relationship(back_populates="answers")


class Evidence(db.Model):
    """An uploaded evidence file; the bytes live under UPLOAD_DIR with a random name."""

    __tablename__ = "evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(String(200))
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    response: Mapped[Response] = relationship(back_populates="evidence")
    uploaded_by: Mapped[User | None] = relationship()


class Submission(db.Model):
    """An immutable snapshot of a response at the moment it was submitted."""

    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("response_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    # The response version submitted: a replayed Submit of the same version submits once.
    response_version: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    # {question_key: {"value": ..., "confidential": ..., "quotable": ..., "comment": ...}}
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)

    response: Mapped[Response] = relationship(back_populates="submissions")
    submitted_by: Mapped[User | None] = relationship()


class AnswerFact(db.Model):
    """What aggregation reads of one submitted answer, as plain columns (see questionnaire/services/facts.py).

    Written when a response is submitted (same transaction), removed when it is reopened: a submission
    is an immutable snapshot, so the JSON values are read and the conditions decided once, not at every
    aggregation. Only answers to questions the supplier was shown have rows. `kind`: "a" one row per
    answer (a multiple choice's ticked options as the bits of `number`), "o" one per ticked option of
    a multiple choice with too many options for that, "c" the filled cells of a table answer per
    column (`part`) and value, "q" one per quotable, non-confidential free text.
    """

    __tablename__ = "answer_fact"
    __table_args__ = (
        # Covers the aggregation's one GROUP BY: an index-ordered scan, no table lookups, no sort.
        Index("ix_answer_fact_summary", "round_id", "kind", "question_key", "part", "state", "confidential",
              "text", "number", "score", "weight", "withheld"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("dialogue_round.id", ondelete="CASCADE"))
    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(1))
    question_key: Mapped[str] = mapped_column(String(200))
    part: Mapped[str] = mapped_column(String(100), default="")
    # "answered", "na" (not applicable) or "blank" (an empty value kept only for its score).
    state: Mapped[str] = mapped_column(String(10))
    confidential: Mapped[bool] = mapped_column(default=False)
    # An option value, a date, a table cell's choice or date; None for free text.
    text: Mapped[str | None] = mapped_column(Text)
    # A number or percentage, a scale point, a table's row count, a numeric cell.
    number: Mapped[float | None] = mapped_column(Float)
    # The normalised score (0..1) of a scored question.
    score: Mapped[float | None] = mapped_column(Float)
    # kind "q": the text that may be quoted.
    quote: Mapped[str | None] = mapped_column(Text)
    # How many times the row counts (kind "c": the cells of one column with one value, in one answer).
    weight: Mapped[int] = mapped_column(default=1)
    # Left out of the buyers' figures: the answer is confidential, or its question is shown only because
    # of a confidential answer of the same supplier (a follow-up would tell what that answer was).
    withheld: Mapped[bool] = mapped_column(default=False)


class SectionScore(db.Model):
    """A submitted response's maturity in one section (0-100), stored at submit time with its AnswerFacts."""

    __tablename__ = "section_score"
    __table_args__ = (
        Index("ix_section_score_round", "round_id", "section_key", "response_id", "score", "public_score"),
    )

    response_id: Mapped[int] = mapped_column(ForeignKey("response.id", ondelete="CASCADE"), primary_key=True)
    section_key: Mapped[str] = mapped_column(String(100), primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("dialogue_round.id", ondelete="CASCADE"))
    # With every answer, and leaving answers marked confidential out (the buyers' figures).
    score: Mapped[float | None] = mapped_column(Float)
    public_score: Mapped[float | None] = mapped_column(Float)


class PendingSave(db.Model):
    """Answers posted from a session that had expired, kept until their author logs in again.

    The random token travels in the log-in link and in a cookie of the posting browser; both must
    match before the answers are saved, so nobody can plant answers in someone else's response.
    """

    __tablename__ = "pending_save"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("dialogue_round.id", ondelete="CASCADE"), index=True)
    section_key: Mapped[str] = mapped_column(String(100))
    # The posted form fields (name -> list of values), without the CSRF token.
    form_data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
