"""Builders shared by the round, invitation and clarification tests (plain functions, not fixtures)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from questionnaire.extensions import db
from questionnaire.models import (
    DialogueRound,
    Organisation,
    OrganisationKind,
    Question,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
    RoundOwner,
    RoundStatus,
    Section,
    User,
    VersionStatus,
    utcnow,
)

LINK = re.compile(r"http://localhost/i/([A-Za-z0-9_-]+)")


def published_version(owner: Organisation, *, languages: tuple[str, ...] = ("en", "fr")) -> QuestionnaireVersion:
    """A small published questionnaire version: one section, two required questions."""
    questionnaire = Questionnaire(owner=owner)
    version = QuestionnaireVersion(
        questionnaire=questionnaire, number=1, status=VersionStatus.PUBLISHED, published_at=utcnow(),
        title={"en": "Due diligence", "fr": "Diligence raisonnable"}, description=None,
        languages=list(languages),
    )
    section = Section(version=version, position=0, key="policy", title={"en": "Policy", "fr": "Politique"})
    for position, key in enumerate(("has_policy", "policy_url")):
        section.questions.append(Question(
            version=version, position=position, key=key, type="yes_no" if position == 0 else "url",
            text={"en": key, "fr": key}, required=True, config={},
        ))
    db.session.add(questionnaire)
    db.session.commit()
    return version


def make_round(
    owners: list[Organisation],
    *,
    status: RoundStatus = RoundStatus.OPEN,
    accepted: bool = True,
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
    languages: tuple[str, ...] = ("en", "fr"),
    title: str = "ICT hardware 2026",
    version: QuestionnaireVersion | None = None,
) -> DialogueRound:
    """A round in a given state, its owners accepted unless told otherwise."""
    version = version or published_version(owners[0])
    now = utcnow()
    dialogue_round = DialogueRound(
        title=title, description="Joint dialogue on laptops and monitors.", questionnaire_version=version,
        opens_at=opens_at or now - timedelta(days=1), closes_at=closes_at or now + timedelta(days=20),
        k=3, languages=list(languages), status=status,
    )
    for org in owners:
        dialogue_round.owners.append(RoundOwner(organisation=org, accepted_at=now if accepted else None))
    db.session.add(dialogue_round)
    db.session.commit()
    return dialogue_round


def make_response(dialogue_round: DialogueRound, organisation: Organisation, *, submitted: bool = False,
                  answered: int = 1, shown: int = 2) -> Response:
    """A supplier's response row with a progress cache."""
    response = Response(
        round=dialogue_round, organisation=organisation, required_answered=answered, required_shown=shown,
        status=ResponseStatus.SUBMITTED if submitted else ResponseStatus.DRAFT,
        submitted_at=utcnow() if submitted else None,
    )
    db.session.add(response)
    db.session.commit()
    return response


def supplier_org(name: str) -> Organisation:
    """A supplier organisation."""
    org = Organisation(name=name, kind=OrganisationKind.SUPPLIER, country="DE")
    db.session.add(org)
    db.session.commit()
    return org


def link_token(body: str) -> str:
    """The personal token in an invitation e-mail."""
    match = LINK.search(body)
    assert match, body
    return match.group(1)


def fresh(obj: Any) -> Any:
    """Reload an object from the database (the request committed in another session scope)."""
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def user_by_email(email: str) -> User | None:
    """A user by e-mail."""
    from sqlalchemy import select

    return db.session.scalar(select(User).where(User.email == email))
