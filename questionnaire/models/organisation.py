"""Member organisations: the secretariat, buyers and suppliers."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Enum, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from questionnaire.extensions import db
from questionnaire.models.types import UTCDateTime, utcnow

if TYPE_CHECKING:
    from questionnaire.models.user import User


class OrganisationKind(enum.StrEnum):
    """The three kinds of organisation that take part in a dialogue."""

    SECRETARIAT = "secretariat"
    BUYER = "buyer"
    SUPPLIER = "supplier"


class Organisation(db.Model):
    """A member organisation; its users act on its behalf."""

    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[OrganisationKind] = mapped_column(
        Enum(OrganisationKind, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    # ISO 3166-1 alpha-2, upper case
    country: Mapped[str] = mapped_column(String(2))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    users: Mapped[list[User]] = relationship(back_populates="organisation", order_by="User.name")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.kind} {self.name!r}>"
