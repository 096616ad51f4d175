"""Questionnaires: a family of numbered versions, each with sections of questions (DESIGN.md section 3).

A draft version is edited by the owning organisation and its co-editors; each of them approves it;
publishing freezes it. Editing a published questionnaire starts the next draft version, which keeps
the question keys, so results can be compared across versions.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Column, Enum, Float, ForeignKey, String, Table, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaire.errors import NotAllowed
from questionnaire.extensions import db
from questionnaire.models.organisation import Organisation
from questionnaire.models.types import UTCDateTime, utcnow
from questionnaire.models.user import User

# Shown whenever something tries to change a published version.
PUBLISHED_VERSION_MESSAGE = _l(
    "This version is published and can no longer be changed; start a new version to edit it."
)

questionnaire_co_editor = Table(
    "questionnaire_co_editor",
    db.metadata,
    Column("questionnaire_id", ForeignKey("questionnaire.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class VersionStatus(enum.StrEnum):
    """A version is a draft until it is published; then it is frozen."""

    DRAFT = "draft"
    PUBLISHED = "published"


class Questionnaire(db.Model):
    """A questionnaire: its owner, its co-editors and its versions 1..n."""

    __tablename__ = "questionnaire"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    owner: Mapped[Organisation] = relationship()
    created_by: Mapped[User | None] = relationship()
    co_editors: Mapped[list[Organisation]] = relationship(
        secondary=questionnaire_co_editor, order_by=Organisation.name
    )
    versions: Mapped[list[QuestionnaireVersion]] = relationship(
        back_populates="questionnaire",
        order_by="QuestionnaireVersion.number",
        cascade="all, delete-orphan",
    )

    @property
    def latest_version(self) -> QuestionnaireVersion:
        """The highest-numbered version (a questionnaire always has at least one)."""
        return self.versions[-1]

    @property
    def latest_published_version(self) -> QuestionnaireVersion | None:
        """The newest published version, the one rounds can use."""
        published = [v for v in self.versions if v.is_published]
        return published[-1] if published else None

    @property
    def editing_organisations(self) -> list[Organisation]:
        """The owner first, then the co-editors: every organisation that must approve a version."""
        return [self.owner, *self.co_editors]

    def is_editing_organisation(self, organisation_id: int | None) -> bool:
        """Whether the organisation owns or co-edits this questionnaire."""
        return organisation_id == self.owner_id or any(o.id == organisation_id for o in self.co_editors)

    def __repr__(self) -> str:
        return f"<Questionnaire {self.id} owner={self.owner_id}>"


class QuestionnaireVersion(db.Model):
    """One numbered version of a questionnaire: texts, languages, sections; draft or published."""

    __tablename__ = "questionnaire_version"
    __table_args__ = (UniqueConstraint("questionnaire_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    questionnaire_id: Mapped[int] = mapped_column(ForeignKey("questionnaire.id", ondelete="CASCADE"),
                                                  index=True)
    number: Mapped[int]
    status: Mapped[VersionStatus] = mapped_column(
        Enum(VersionStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=VersionStatus.DRAFT,
    )
    # Texts are translation dicts {"en": "...", "fr": "..."} in the order of `languages`.
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON)
    languages: Mapped[list[str]] = mapped_column(JSON)
    # Where the questionnaire comes from (a template name, an organisation, a file).
    source: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    questionnaire: Mapped[Questionnaire] = relationship(back_populates="versions")
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    published_by: Mapped[User | None] = relationship(foreign_keys=[published_by_id])
    sections: Mapped[list[Section]] = relationship(
        back_populates="version", order_by="Section.position", cascade="all, delete-orphan"
    )
    approvals: Mapped[list[VersionApproval]] = relationship(
        back_populates="version", order_by="VersionApproval.approved_at", cascade="all, delete-orphan"
    )

    @property
    def is_published(self) -> bool:
        """Published versions are frozen."""
        return self.status == VersionStatus.PUBLISHED

    @property
    def is_draft(self) -> bool:
        """Drafts can be edited by the editing organisations."""
        return self.status == VersionStatus.DRAFT

    @property
    def first_language(self) -> str:
        """The language whose text stands in for a missing translation."""
        return self.languages[0]

    def questions(self) -> Iterator[Question]:
        """Every question, in questionnaire order."""
        for section in self.sections:
            yield from section.questions

    def ensure_editable(self) -> None:
        """Refuse any change to a published version."""
        if self.is_published:
            raise NotAllowed(PUBLISHED_VERSION_MESSAGE)

    def publish(self, user: User | None) -> None:
        """Freeze the version; it can then be used in rounds."""
        self.ensure_editable()
        self.status = VersionStatus.PUBLISHED
        self.published_at = utcnow()
        self.published_by = user

    def __repr__(self) -> str:
        return f"<QuestionnaireVersion {self.questionnaire_id}/{self.number} {self.status}>"


class VersionApproval(db.Model):
    """An editing organisation's sign-off of a draft version, given by one of its users."""

    __tablename__ = "version_approval"
    __table_args__ = (UniqueConstraint("version_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id", ondelete="CASCADE"),
                                            index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id", ondelete="CASCADE"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    version: Mapped[QuestionnaireVersion] = relationship(back_populates="approvals")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship()


class Section(db.Model):
    """A titled group of questions, optionally shown only when a condition holds."""

    __tablename__ = "questionnaire_section"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(100))
    title: Mapped[dict[str, str]] = mapped_column(JSON)
    description: Mapped[dict[str, str] | None] = mapped_column(JSON)
    show_if: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    version: Mapped[QuestionnaireVersion] = relationship(back_populates="sections")
    questions: Mapped[list[Question]] = relationship(
        back_populates="section", order_by="Question.position", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Section {self.id} {self.key!r}>"


class Question(db.Model):
    """One question: its type, texts per language, config, weight, condition and tags.

    The key is unique within a version and stays the same across versions.
    """

    __tablename__ = "question"
    __table_args__ = (UniqueConstraint("version_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Denormalised from the section so that the database itself keeps keys unique per version.
    version_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_version.id", ondelete="CASCADE"))
    section_id: Mapped[int] = mapped_column(ForeignKey("questionnaire_section.id", ondelete="CASCADE"),
                                            index=True)
    position: Mapped[int]
    key: Mapped[str] = mapped_column(String(100))
    type: Mapped[str] = mapped_column(String(32))
    text: Mapped[dict[str, str]] = mapped_column(JSON)
    help: Mapped[dict[str, str] | None] = mapped_column(JSON)
    required: Mapped[bool] = mapped_column(default=False)
    # options / scale / columns / unit / min / max, shaped as in the interchange format
    config: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    allow_na: Mapped[bool] = mapped_column(default=False)
    show_if: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)

    section: Mapped[Section] = relationship(back_populates="questions")
    version: Mapped[QuestionnaireVersion] = relationship()

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.key!r} {self.type}>"
