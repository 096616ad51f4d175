"""Dialogue rounds: creation, co-ownership, opening, closing, deadlines, and the owners' status overview.

The state rules live on the DialogueRound model; these functions wrap them with the checks that need
the database (who owns what, which versions exist) and record an audit event for every change.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from questionnaire.extensions import db
from questionnaire.models import (
    DialogueRound,
    Invitation,
    Organisation,
    OrganisationKind,
    Questionnaire,
    QuestionnaireVersion,
    Response,
    ResponseStatus,
    RoundOwner,
    RoundStatus,
    User,
    VersionStatus,
    utcnow,
)
from questionnaire.models.questionnaire import questionnaire_co_editor
from questionnaire.services import audit
from questionnaire.services.errors import DomainError, NotAllowed

DEFAULT_K = 3
MIN_K = 2
MAX_K = 100


class InvalidRound(DomainError):
    """The round's settings break a rule (k, languages, times, owners, version)."""


# --- reading -------------------------------------------------------------------------------------


def get_round(round_id: int) -> DialogueRound | None:
    """A round with its owners and their organisations."""
    return db.session.scalar(
        select(DialogueRound)
        .where(DialogueRound.id == round_id)
        .options(selectinload(DialogueRound.owners).selectinload(RoundOwner.organisation),
                 selectinload(DialogueRound.questionnaire_version))
    )


def rounds_for(user: User) -> list[DialogueRound]:
    """The rounds a user may know about: all for the secretariat, co-owned for buyers, invited for suppliers."""
    query = select(DialogueRound).options(
        selectinload(DialogueRound.owners).selectinload(RoundOwner.organisation)
    )
    kind = user.organisation.kind
    if kind == OrganisationKind.BUYER:
        owned = select(RoundOwner.round_id).where(RoundOwner.organisation_id == user.organisation_id)
        query = query.where(DialogueRound.id.in_(owned))
    elif kind == OrganisationKind.SUPPLIER:
        invited = select(Invitation.round_id).where(Invitation.organisation_id == user.organisation_id)
        query = query.where(DialogueRound.id.in_(invited))
    return list(db.session.scalars(query.order_by(DialogueRound.closes_at.desc(), DialogueRound.id.desc())))


def usable_versions(user: User) -> list[QuestionnaireVersion]:
    """Published (hence approved) versions a user may base a round on.

    The secretariat may use any; a buyer those of questionnaires its organisation owns or co-edits.
    """
    query = (
        select(QuestionnaireVersion)
        .join(Questionnaire, QuestionnaireVersion.questionnaire_id == Questionnaire.id)
        .where(QuestionnaireVersion.status == VersionStatus.PUBLISHED)
    )
    if user.organisation.kind != OrganisationKind.SECRETARIAT:
        co_edited = select(questionnaire_co_editor.c.questionnaire_id).where(
            questionnaire_co_editor.c.organisation_id == user.organisation_id)
        query = query.where(or_(Questionnaire.owner_id == user.organisation_id, Questionnaire.id.in_(co_edited)))
    return list(db.session.scalars(
        query.order_by(QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.number.desc())
    ))


def buyer_organisations() -> list[Organisation]:
    """Every buyer organisation, by name: the candidates for co-ownership."""
    return list(db.session.scalars(
        select(Organisation).where(Organisation.kind == OrganisationKind.BUYER).order_by(Organisation.name)
    ))


# --- creating and owning -------------------------------------------------------------------------


def _check_times(opens_at: datetime, closes_at: datetime) -> None:
    if opens_at.tzinfo is None or closes_at.tzinfo is None:
        raise InvalidRound(_("Opening and closing times need a time zone."))
    if closes_at <= opens_at:
        raise InvalidRound(_("The closing time must come after the opening time."))
    if closes_at <= utcnow():
        raise InvalidRound(_("The closing time must be in the future."))


def create_round(
    title: str,
    description: str,
    questionnaire_version: QuestionnaireVersion,
    owners: Sequence[Organisation],
    opens_at: datetime,
    closes_at: datetime,
    *,
    k: int = DEFAULT_K,
    languages: Sequence[str],
    actor: User,
    ip: str | None = None,
) -> DialogueRound:
    """Create a draft round; a buyer creator's organisation co-owns it and has accepted already."""
    title = title.strip()
    if not title:
        raise InvalidRound(_("Give the round a title."))
    if actor.organisation.kind not in (OrganisationKind.SECRETARIAT, OrganisationKind.BUYER):
        raise NotAllowed(_("Only the secretariat and buyers create dialogue rounds."))
    if not questionnaire_version.is_published:
        raise InvalidRound(_("Choose an approved and published questionnaire version."))
    if not isinstance(k, int) or k < MIN_K:
        raise InvalidRound(_("The minimum group size must be at least %(min)d.", min=MIN_K))
    if k > MAX_K:
        raise InvalidRound(_("The minimum group size can be at most %(max)d.", max=MAX_K))
    languages = list(dict.fromkeys(languages))
    if not languages:
        raise InvalidRound(_("Offer at least one language."))
    missing = [code for code in languages if code not in questionnaire_version.languages]
    if missing:
        raise InvalidRound(_("The questionnaire is not available in: %(codes)s.", codes=", ".join(missing)))
    _check_times(opens_at, closes_at)

    owner_orgs: dict[int, Organisation] = {}
    if actor.organisation.kind == OrganisationKind.BUYER:
        owner_orgs[actor.organisation_id] = actor.organisation
    for organisation in owners:
        if organisation.kind != OrganisationKind.BUYER:
            raise InvalidRound(_("%(name)s is not a buyer organisation; only buyers co-own rounds.",
                                 name=organisation.name))
        owner_orgs.setdefault(organisation.id, organisation)
    if not owner_orgs:
        raise InvalidRound(_("Choose at least one co-owning buyer organisation."))

    dialogue_round = DialogueRound(
        title=title, description=description.strip(), questionnaire_version=questionnaire_version,
        opens_at=opens_at, closes_at=closes_at, k=k, languages=languages, status=RoundStatus.DRAFT,
        created_by=actor,
    )
    now = utcnow()
    for organisation in owner_orgs.values():
        accepted = organisation.id == actor.organisation_id
        dialogue_round.owners.append(RoundOwner(
            organisation=organisation,
            accepted_at=now if accepted else None,
            accepted_by=actor if accepted else None,
        ))
    db.session.add(dialogue_round)
    db.session.flush()
    audit.record("round.created", actor=actor, target=f"round:{dialogue_round.id}", ip=ip, details={
        "title": title, "questionnaire_version": questionnaire_version.id, "k": k, "languages": languages,
        "owners": sorted(owner_orgs), "opens_at": opens_at.isoformat(), "closes_at": closes_at.isoformat(),
    })
    return dialogue_round


def accept_ownership(dialogue_round: DialogueRound, actor: User, *, ip: str | None = None) -> RoundOwner:
    """A member of a co-owning buyer organisation accepts the round on its behalf."""
    owner = next((o for o in dialogue_round.owners if o.organisation_id == actor.organisation_id), None)
    if owner is None:
        raise NotAllowed(_("Your organisation does not co-own this round."))
    if owner.accepted_at is not None:
        raise NotAllowed(_("Your organisation has already accepted this round."))
    if dialogue_round.status != RoundStatus.DRAFT:
        raise NotAllowed(_("Only a draft round can be accepted."))
    owner.accepted_at = utcnow()
    owner.accepted_by = actor
    db.session.flush()
    audit.record("round.ownership_accepted", actor=actor, target=f"round:{dialogue_round.id}", ip=ip)
    return owner


def pending_owners(dialogue_round: DialogueRound) -> list[Organisation]:
    """Co-owning organisations that have not accepted yet."""
    return [owner.organisation for owner in dialogue_round.owners if owner.accepted_at is None]


# --- state changes -------------------------------------------------------------------------------


def open_round(dialogue_round: DialogueRound, actor: User | None, *, ip: str | None = None) -> DialogueRound:
    """Open a draft round for answers (every co-owner must have accepted)."""
    dialogue_round.open()
    db.session.flush()
    audit.record("round.opened", actor=actor, target=f"round:{dialogue_round.id}", ip=ip)
    return dialogue_round


def close_round(dialogue_round: DialogueRound, actor: User | None, *, ip: str | None = None) -> DialogueRound:
    """Close an open round: from now on nothing can be saved or submitted."""
    dialogue_round.close()
    db.session.flush()
    audit.record("round.closed", actor=actor, target=f"round:{dialogue_round.id}", ip=ip,
                 details={"closes_at": dialogue_round.closes_at.isoformat()})
    return dialogue_round


def extend_deadline(
    dialogue_round: DialogueRound, closes_at: datetime, actor: User, *, ip: str | None = None
) -> DialogueRound:
    """Move the deadline later; a closed round reopens only when the secretariat does it."""
    if closes_at.tzinfo is None:
        raise InvalidRound(_("Opening and closing times need a time zone."))
    before = dialogue_round.closes_at
    if closes_at <= before:
        raise NotAllowed(_("The new closing time must be later than the current one."))
    status_before = dialogue_round.status
    dialogue_round.extend_deadline(
        closes_at, by_secretariat=actor.organisation.kind == OrganisationKind.SECRETARIAT
    )
    db.session.flush()
    audit.record("round.deadline_changed", actor=actor, target=f"round:{dialogue_round.id}", ip=ip, details={
        "before": before.isoformat(), "after": closes_at.isoformat(),
        "reopened": status_before != dialogue_round.status,
    })
    return dialogue_round


def publish_round(dialogue_round: DialogueRound, actor: User | None, *, ip: str | None = None) -> DialogueRound:
    """Mark the anonymised summary of a closed round as published."""
    dialogue_round.publish()
    db.session.flush()
    audit.record("round.published", actor=actor, target=f"round:{dialogue_round.id}", ip=ip)
    return dialogue_round


# --- status overview -----------------------------------------------------------------------------


class SupplierState(enum.StrEnum):
    """Where an invited supplier stands, as the owners see it."""

    INVITED = "invited"
    OPENED = "opened"
    IN_PROGRESS = "in_progress"
    SUBMITTED = "submitted"


@dataclass(frozen=True)
class SupplierStatus:
    """One row of the owners' status table."""

    invitation_id: int
    organisation_id: int
    organisation_name: str
    country: str
    contact_email: str
    language: str
    sent_at: datetime
    opened_at: datetime | None
    last_reminded_at: datetime | None
    state: SupplierState
    percent: int
    updated_at: datetime | None
    submitted_at: datetime | None


@dataclass(frozen=True)
class RoundOverview:
    """The status of every invited supplier and the response rate of a round."""

    rows: list[SupplierStatus]

    @property
    def invited(self) -> int:
        """How many suppliers are invited."""
        return len(self.rows)

    @property
    def submitted(self) -> int:
        """How many have submitted."""
        return sum(1 for row in self.rows if row.state == SupplierState.SUBMITTED)

    @property
    def response_rate(self) -> int:
        """Submitted out of invited, as a whole percentage."""
        return round(100 * self.submitted / self.invited) if self.rows else 0

    def count(self, state: SupplierState) -> int:
        """How many suppliers are in a state."""
        return sum(1 for row in self.rows if row.state == state)


def _state(opened_at: datetime | None, status: ResponseStatus | None) -> SupplierState:
    if status == ResponseStatus.SUBMITTED:
        return SupplierState.SUBMITTED
    if status is not None:
        return SupplierState.IN_PROGRESS
    return SupplierState.OPENED if opened_at is not None else SupplierState.INVITED


def _percent(answered: int | None, shown: int | None, status: ResponseStatus | None) -> int:
    if status is None:
        return 0
    if status == ResponseStatus.SUBMITTED:
        return 100
    if not shown:
        return 0
    return min(100, round(100 * (answered or 0) / shown))


def round_overview(dialogue_round: DialogueRound) -> RoundOverview:
    """Every invited supplier's state and progress, read in a single query."""
    rows = db.session.execute(
        select(
            Invitation.id, Invitation.organisation_id, Organisation.name, Organisation.country,
            Invitation.contact_email, Invitation.language, Invitation.sent_at, Invitation.opened_at,
            Invitation.last_reminded_at, Response.status, Response.required_answered, Response.required_shown,
            Response.updated_at, Response.submitted_at,
        )
        .join(Organisation, Organisation.id == Invitation.organisation_id)
        .outerjoin(Response, and_(Response.round_id == Invitation.round_id,
                                  Response.organisation_id == Invitation.organisation_id))
        .where(Invitation.round_id == dialogue_round.id)
        .order_by(func.lower(Organisation.name))
    ).all()
    return RoundOverview(rows=[
        SupplierStatus(
            invitation_id=row[0], organisation_id=row[1], organisation_name=row[2], country=row[3],
            contact_email=row[4], language=row[5], sent_at=row[6], opened_at=row[7], last_reminded_at=row[8],
            state=_state(row[7], row[9]), percent=_percent(row[10], row[11], row[9]),
            updated_at=row[12] if row[9] is not None else None,
            submitted_at=row[13] if row[9] == ResponseStatus.SUBMITTED else None,
        )
        for row in rows
    ])


@dataclass(frozen=True)
class RoundCounts:
    """A round with its invited and submitted counts, for lists and the command line."""

    round: DialogueRound
    invited: int
    submitted: int


def rounds_with_counts(rounds: Sequence[DialogueRound] | None = None) -> list[RoundCounts]:
    """Invited and submitted counts for the given rounds (all rounds by default), in one query."""
    submitted = func.count(case((Response.status == ResponseStatus.SUBMITTED, Response.id)))
    query = (
        select(Invitation.round_id, func.count(Invitation.id), submitted)
        .outerjoin(Response, and_(Response.round_id == Invitation.round_id,
                                  Response.organisation_id == Invitation.organisation_id))
        .group_by(Invitation.round_id)
    )
    if rounds is None:
        rounds = list(db.session.scalars(select(DialogueRound).order_by(DialogueRound.id)))
    else:
        query = query.where(Invitation.round_id.in_([r.id for r in rounds]))
    counts = {round_id: (invited, done) for round_id, invited, done in db.session.execute(query)}
    return [RoundCounts(r, *counts.get(r.id, (0, 0))) for r in rounds]


def invitation_for(dialogue_round: DialogueRound, organisation_id: int) -> Invitation | None:
    """The invitation of one supplier organisation to a round."""
    return db.session.scalar(select(Invitation).where(
        Invitation.round_id == dialogue_round.id, Invitation.organisation_id == organisation_id))


def supplier_status(dialogue_round: DialogueRound, organisation_id: int) -> SupplierStatus | None:
    """One supplier's own status in a round (suppliers never see the others')."""
    row = db.session.execute(
        select(Invitation.id, Invitation.opened_at, Response.status, Response.required_answered,
               Response.required_shown, Response.updated_at, Response.submitted_at, Invitation.sent_at,
               Invitation.contact_email, Invitation.language, Organisation.name, Organisation.country)
        .join(Organisation, Organisation.id == Invitation.organisation_id)
        .outerjoin(Response, and_(Response.round_id == Invitation.round_id,
                                  Response.organisation_id == Invitation.organisation_id))
        .where(Invitation.round_id == dialogue_round.id, Invitation.organisation_id == organisation_id)
    ).first()
    if row is None:
        return None
    return SupplierStatus(
        invitation_id=row[0], organisation_id=organisation_id, organisation_name=row[10], country=row[11],
        contact_email=row[8], language=row[9], sent_at=row[7], opened_at=row[1], last_reminded_at=None,
        state=_state(row[1], row[2]), percent=_percent(row[3], row[4], row[2]),
        updated_at=row[5], submitted_at=row[6] if row[2] == ResponseStatus.SUBMITTED else None,
    )


@dataclass(frozen=True)
class SupplierInvitation:
    """A round a supplier organisation is invited to, with its own state, for the supplier's dashboard."""

    round: DialogueRound
    state: SupplierState
    percent: int


def invitations_of(organisation: Organisation) -> list[SupplierInvitation]:
    """The rounds a supplier organisation is invited to, with its own progress, in one query."""
    rows = db.session.execute(
        select(DialogueRound, Invitation.opened_at, Response.status, Response.required_answered,
               Response.required_shown)
        .join(Invitation, Invitation.round_id == DialogueRound.id)
        .outerjoin(Response, and_(Response.round_id == Invitation.round_id,
                                  Response.organisation_id == Invitation.organisation_id))
        .where(Invitation.organisation_id == organisation.id)
        .order_by(DialogueRound.closes_at.desc())
    ).all()
    return [SupplierInvitation(r, _state(opened, status), _percent(answered, shown, status))
            for r, opened, status, answered, shown in rows]
