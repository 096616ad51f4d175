"""People who log in, each acting for one organisation."""

from __future__ import annotations

import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from questionnaire.extensions import db
from questionnaire.models.organisation import Organisation, OrganisationKind
from questionnaire.models.types import UTCDateTime, utcnow


def new_auth_stamp() -> str:
    """Return a fresh random stamp; changing it ends every session of the user."""
    return secrets.token_hex(8)


def normalise_email(email: str) -> str:
    """E-mail addresses are unique regardless of case, so they are stored lower-cased."""
    return email.strip().lower()


class User(UserMixin, db.Model):
    """A person with a log-in, belonging to exactly one organisation."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    # None until the person activates the account and chooses a password
    password_hash: Mapped[str | None] = mapped_column(String(255))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    is_org_admin: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str | None] = mapped_column(String(8))
    # IANA time zone for dates shown to this user; None means the platform's default.
    timezone: Mapped[str | None] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(default=True)
    auth_stamp: Mapped[str] = mapped_column(String(32), default=new_auth_stamp)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    organisation: Mapped[Organisation] = relationship(back_populates="users", lazy="joined")

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        return normalise_email(value)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses log-in for inactive users
        return self.active

    @property
    def is_activated(self) -> bool:
        """True once the person has chosen a password."""
        return self.password_hash is not None

    @property
    def kind(self) -> OrganisationKind:
        """The role of the user: the kind of their organisation."""
        return self.organisation.kind

    def get_id(self) -> str:
        # The stamp in the session id lets a password change end the other sessions.
        return f"{self.id}.{self.auth_stamp}"

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"
