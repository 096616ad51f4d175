"""Inviting supplier organisations to a round, their personal links, and reminders.

A personal link carries a random token (256 bits from `secrets.token_urlsafe(32)`); only its SHA-256
is stored, so a copy of the database opens nobody's invitation. Every way a link can fail (unknown,
mistyped, expired, already used) gives the same message, which names no round and no organisation.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

import pycountry
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select

from questionnaire.extensions import db
from questionnaire.models import (
    DialogueRound,
    Invitation,
    Organisation,
    OrganisationKind,
    Response,
    ResponseStatus,
    RoundStatus,
    User,
    utcnow,
)
from questionnaire.services import accounts, audit
from questionnaire.services.errors import DomainError, NotAllowed
from questionnaire.services.links import external_url
from questionnaire.services.mail import send_mail

# A CSV upload is meant for a round's supplier list, not a directory dump.
MAX_CSV_ROWS = 500
MAX_CSV_BYTES = 1024 * 1024


class InvalidInvitation(DomainError):
    """An invitation's data breaks a rule (e-mail, country, language, organisation)."""


class InvitationLinkError(DomainError):
    """A personal link that does not work, for whatever reason; the message reveals nothing."""

    def __init__(self) -> None:
        super().__init__(_(
            "This invitation link does not work. It may be mistyped, already used, or no longer valid. "
            "If you already have an account, log in. Otherwise, ask the person who invited you for a new link."
        ))


class InvalidCSV(DomainError):
    """The uploaded file cannot be read as a list of invitations at all."""


def hash_token(token: str) -> str:
    """The SHA-256 hex digest under which a personal token is stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> tuple[str, str]:
    """A fresh personal token and its hash."""
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def _country_code(value: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInvitation(_("Give the organisation's country."))
    try:
        country = pycountry.countries.lookup(value)
    except LookupError:
        raise InvalidInvitation(_("'%(code)s' is not an ISO 3166 country code.", code=value)) from None
    return country.alpha_2


def _email(value: str) -> str:
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise InvalidInvitation(_("'%(email)s' is not a valid e-mail address.", email=value.strip())) from None


def _check_round_takes_invitations(dialogue_round: DialogueRound) -> None:
    if dialogue_round.status not in (RoundStatus.DRAFT, RoundStatus.OPEN):
        raise NotAllowed(_("This round is closed; no more suppliers can be invited."))


def _supplier_organisation(name: str, country: str, *, actor: User | None, ip: str | None) -> Organisation:
    name = " ".join(name.split())
    if not name:
        raise InvalidInvitation(_("Give the supplier organisation's name."))
    if len(name) > 200:
        raise InvalidInvitation(_("The organisation name is too long (200 characters at most)."))
    organisation = db.session.scalar(select(Organisation).where(func.lower(Organisation.name) == name.lower()))
    if organisation is None:
        return accounts.create_organisation(name, OrganisationKind.SUPPLIER, country, actor=actor, ip=ip)
    if organisation.kind != OrganisationKind.SUPPLIER:
        raise InvalidInvitation(_("%(name)s is not a supplier organisation.", name=organisation.name))
    return organisation


def _personal_link(token: str) -> str:
    return external_url("rounds.invitation_landing", token=token)


def invite_supplier(
    dialogue_round: DialogueRound,
    organisation_name: str,
    country: str,
    contact_email: str,
    language: str,
    *,
    actor: User | None,
    contact_name: str = "",
    ip: str | None = None,
) -> Invitation:
    """Invite a supplier organisation (created when new) and e-mail its contact a personal link."""
    _check_round_takes_invitations(dialogue_round)
    country_code = _country_code(country)
    email = _email(contact_email)
    language = (language or "").strip().lower()
    if language not in dialogue_round.languages:
        raise InvalidInvitation(_("'%(language)s' is not one of this round's languages (%(languages)s).",
                                  language=language, languages=", ".join(dialogue_round.languages)))
    organisation = _supplier_organisation(organisation_name, country_code, actor=actor, ip=ip)
    existing_user = accounts.find_user_by_email(email)
    if existing_user is not None and existing_user.organisation_id != organisation.id:
        raise InvalidInvitation(_("%(email)s belongs to a user of another organisation.", email=email))
    if db.session.scalar(select(Invitation.id).where(
            Invitation.round_id == dialogue_round.id, Invitation.organisation_id == organisation.id)):
        raise InvalidInvitation(_("%(name)s is already invited to this round.", name=organisation.name))
    if db.session.scalar(select(Invitation.id).where(
            Invitation.round_id == dialogue_round.id, Invitation.contact_email == email)):
        # One person acts for one organisation: their account can only join one of them.
        raise InvalidInvitation(_("%(email)s is already the contact of another invited supplier.", email=email))
    token, token_hash = new_token()
    invitation = Invitation(
        round=dialogue_round, organisation=organisation, contact_email=email,
        contact_name=contact_name.strip()[:200], language=language, token_hash=token_hash, invited_by=actor,
        sent_at=utcnow(),
    )
    db.session.add(invitation)
    db.session.flush()
    send_mail(email, "round_invitation", language=language, invitation=invitation, round=dialogue_round,
              organisation=organisation, inviter=actor, link=_personal_link(token),
              has_account=existing_user is not None and existing_user.is_activated)
    audit.record("invitation.sent", actor=actor, organisation=organisation, target=f"invitation:{invitation.id}",
                 details={"round": dialogue_round.id, "email": email, "language": language}, ip=ip)
    return invitation


# --- CSV upload ----------------------------------------------------------------------------------

# Accepted spellings of each column heading, compared lower-cased without spaces, dashes or underscores.
_HEADINGS = {
    "organisation": {"organisationname", "organizationname", "organisation", "organization", "name", "supplier",
                     "company"},
    "country": {"country", "countrycode"},
    "email": {"contactemail", "email", "contact", "emailaddress", "contactemailaddress"},
    "language": {"language", "lang", "languagecode"},
}


def _heading_key(text: str) -> str | None:
    simplified = "".join(ch for ch in text.strip().lower() if ch.isalnum())
    return next((key for key, names in _HEADINGS.items() if simplified in names), None)


def _decode(data: bytes) -> str:
    if b"\x00" in data:
        raise InvalidCSV(_("This file is not a CSV file. Save the list as CSV (comma-separated values)."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Spreadsheets on Windows still save CSV in this code page.
    text = data.decode("cp1252", errors="replace")
    if "\ufffd" in text:
        raise InvalidCSV(_("The file's text encoding is not recognised. Save it as CSV UTF-8."))
    return text


def import_csv(
    dialogue_round: DialogueRound, data: bytes, *, actor: User | None, ip: str | None = None
) -> tuple[list[Invitation], list[tuple[int, str]]]:
    """Invite every good row of a CSV file; return the invitations and (line number, message) per bad row.

    Columns: organisation name, country, contact e-mail, language, named in a header row.
    """
    _check_round_takes_invitations(dialogue_round)
    if len(data) > MAX_CSV_BYTES:
        raise InvalidCSV(_("The file is too large: at most %(n)d rows of invitations at a time.", n=MAX_CSV_ROWS))
    text = _decode(data)
    if not text.strip():
        raise InvalidCSV(_("The file is empty."))
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except csv.Error as exc:
        raise InvalidCSV(_("This file is not a readable CSV file (%(error)s).", error=str(exc))) from None
    columns = {key: index for index, cell in enumerate(header) if (key := _heading_key(cell))}
    missing = [name for key, name in (("organisation", "organisation name"), ("country", "country"),
                                      ("email", "contact e-mail"), ("language", "language"))
               if key not in columns]
    if missing:
        raise InvalidCSV(_("The first row must name the columns: organisation name, country, contact e-mail, "
                           "language. Missing: %(missing)s.", missing=", ".join(missing)))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            rows.append((reader.line_num, row))
            if len(rows) > MAX_CSV_ROWS:
                raise InvalidCSV(_("Too many rows: at most %(n)d invitations at a time.", n=MAX_CSV_ROWS))
    except csv.Error as exc:
        raise InvalidCSV(_("Line %(line)d cannot be read as CSV (%(error)s).", line=reader.line_num,
                           error=str(exc))) from None

    invited: list[Invitation] = []
    problems: list[tuple[int, str]] = []
    for line, row in rows:
        def cell(key: str, row: list[str] = row) -> str:
            index = columns[key]
            return row[index].strip() if index < len(row) else ""

        savepoint = db.session.begin_nested()
        try:
            invitation = invite_supplier(dialogue_round, cell("organisation"), cell("country"), cell("email"),
                                         cell("language"), actor=actor, ip=ip)
        except DomainError as exc:
            savepoint.rollback()
            problems.append((line, str(exc)))
            continue
        savepoint.commit()
        invited.append(invitation)
    audit.record("invitation.csv_imported", actor=actor, target=f"round:{dialogue_round.id}", ip=ip,
                 details={"invited": len(invited), "refused_lines": [line for line, _m in problems]})
    return invited, problems


# --- the personal link ---------------------------------------------------------------------------


def find_invitation(token: str, now: datetime | None = None) -> Invitation:
    """The invitation a still-valid token belongs to, or InvitationLinkError (one message for every failure)."""
    if not token or len(token) > 200:
        raise InvitationLinkError()
    digest = hash_token(token)
    invitation = db.session.scalar(select(Invitation).where(
        or_(Invitation.token_hash == digest, Invitation.previous_token_hash == digest)))
    if invitation is None:
        raise InvitationLinkError()
    dialogue_round = invitation.round
    now = now or utcnow()
    if dialogue_round.status in (RoundStatus.CLOSED, RoundStatus.PUBLISHED) or now >= dialogue_round.closes_at:
        raise InvitationLinkError()
    return invitation


@dataclass(frozen=True)
class InvitationVisit:
    """What a valid personal link leads to: the invitation and the contact's account, if any."""

    invitation: Invitation
    user: User | None

    @property
    def needs_password(self) -> bool:
        """The contact has no usable account yet and chooses a password here."""
        return self.user is None or not self.user.is_activated


def open_invitation(token: str, *, ip: str | None = None) -> InvitationVisit:
    """Follow a personal link: record the first visit; refuse links already used to sign in."""
    invitation = find_invitation(token)
    user = accounts.find_user_by_email(invitation.contact_email)
    if user is not None and user.organisation_id != invitation.organisation_id:
        raise InvitationLinkError()
    if invitation.used_at is not None:
        # A link works once: after it has signed its contact in, the log-in page is the way back.
        raise InvitationLinkError()
    visit = InvitationVisit(invitation, user)
    if invitation.opened_at is None:
        invitation.opened_at = utcnow()
        audit.record("invitation.opened", actor=None, organisation=invitation.organisation,
                     target=f"invitation:{invitation.id}", details={"round": invitation.round_id}, ip=ip)
    return visit


def accept_with_password(token: str, name: str, password: str, *, ip: str | None = None) -> User:
    """A contact without an account chooses a password through the link and joins their organisation.

    The organisation's first user becomes its administrator, so they can add colleagues.
    """
    visit = open_invitation(token, ip=ip)
    if not visit.needs_password:
        raise InvitationLinkError()
    invitation = visit.invitation
    organisation = invitation.organisation
    user = visit.user
    if user is None:
        first = not db.session.scalar(select(func.count(User.id)).where(User.organisation_id == organisation.id))
        user = accounts.create_user(invitation.contact_email, name or invitation.contact_name or
                                    invitation.contact_email, organisation, is_org_admin=first,
                                    language=invitation.language, actor=None, ip=ip)
    elif name.strip():
        user.name = name.strip()
    accounts.set_password(user, password)
    invitation.used_at = utcnow()
    audit.record("invitation.accepted", actor=user, organisation=organisation,
                 target=f"invitation:{invitation.id}", details={"round": invitation.round_id}, ip=ip)
    return user


def claim_for_user(invitation: Invitation, user: User, *, ip: str | None = None) -> None:
    """An existing member of the invited organisation followed the link while logged in."""
    if user.organisation_id != invitation.organisation_id:
        raise InvitationLinkError()
    if invitation.used_at is None and user.email == invitation.contact_email:
        invitation.used_at = utcnow()
        audit.record("invitation.accepted", actor=user, organisation=invitation.organisation,
                     target=f"invitation:{invitation.id}", details={"round": invitation.round_id}, ip=ip)


# --- reminders -----------------------------------------------------------------------------------


@dataclass
class ReminderResult:
    """How many contacts were reminded, and why the others were not."""

    sent: int = 0
    already_submitted: int = 0
    reminded_today: int = 0
    emails: list[str] = field(default_factory=list)
    # Invitation id -> when it was last reminded before this run, to undo for e-mails that never left.
    before: dict[int, datetime | None] = field(default_factory=dict)


def remind(
    dialogue_round: DialogueRound,
    *,
    force: bool = False,
    actor: User | None = None,
    now: datetime | None = None,
    ip: str | None = None,
) -> ReminderResult:
    """E-mail every invited supplier that has not submitted; at most once a (UTC) day each unless forced."""
    now = now or utcnow()
    if not dialogue_round.accepts_answers(now):
        raise NotAllowed(_("Reminders go out only while the round is open."))
    rows = db.session.execute(
        select(Invitation, Response.status)
        .outerjoin(Response, and_(Response.round_id == Invitation.round_id,
                                  Response.organisation_id == Invitation.organisation_id))
        .where(Invitation.round_id == dialogue_round.id)
        .order_by(Invitation.id)
    ).all()
    result = ReminderResult()
    for invitation, status in rows:
        if status == ResponseStatus.SUBMITTED:
            result.already_submitted += 1
            continue
        # Calendar days, not 24 hours: a daily cron job a few seconds early still sends.
        if not force and invitation.last_reminded_at is not None and \
                invitation.last_reminded_at.date() == now.date():
            result.reminded_today += 1
            continue
        contact = accounts.find_user_by_email(invitation.contact_email)
        link = None
        if invitation.used_at is None and (contact is None or not contact.is_activated):
            # The first e-mail may be lost: a reminder carries a fresh personal link. The one before keeps
            # working (in case this reminder is lost); older ones stop.
            invitation.previous_token_hash = invitation.token_hash
            token, invitation.token_hash = new_token()
            link = _personal_link(token)
        send_mail(invitation.contact_email, "round_reminder", language=invitation.language,
                  invitation=invitation, round=dialogue_round, link=link,
                  login_link=external_url("rounds.detail", round_id=dialogue_round.id),
                  in_progress=status is not None)
        result.before[invitation.id] = invitation.last_reminded_at
        invitation.last_reminded_at = now
        invitation.reminder_count += 1
        result.sent += 1
        result.emails.append(invitation.contact_email)
    db.session.flush()
    audit.record("round.reminders_sent", actor=actor, target=f"round:{dialogue_round.id}", ip=ip,
                 details={"sent": result.sent, "forced": force, "already_submitted": result.already_submitted,
                          "reminded_today": result.reminded_today})
    return result


def reminders_undelivered(dialogue_round: DialogueRound, result: ReminderResult, addresses: Iterable[str], *,
                          actor: User | None = None, ip: str | None = None) -> int:
    """Count the reminders whose e-mail could not be sent (after the commit) as never sent.

    The next run, the same day and without force, sends them again. Returns how many were undone.
    """
    failed = {address.casefold() for address in addresses}
    undone = 0
    if failed and result.before:
        for invitation in db.session.scalars(select(Invitation).where(Invitation.id.in_(list(result.before)))):
            if invitation.contact_email.casefold() in failed:
                invitation.last_reminded_at = result.before[invitation.id]
                invitation.reminder_count = max(0, invitation.reminder_count - 1)
                undone += 1
    if undone:
        audit.record("round.reminders_undelivered", actor=actor, target=f"round:{dialogue_round.id}", ip=ip,
                     details={"undelivered": undone})
    return undone
