"""Accounts: passwords, log-in, invitations, activation, password reset, profiles, organisations."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pycountry
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from questionnaire.extensions import db
from questionnaire.models import Organisation, OrganisationKind, User
from questionnaire.models.types import utcnow
from questionnaire.models.user import new_auth_stamp, normalise_email
from questionnaire.services import audit
from questionnaire.services.errors import DomainError
from questionnaire.services.links import external_url
from questionnaire.services.mail import send_mail

ACTIVATION = "activate"
RESET = "reset"


class TokenError(DomainError):
    """A link that is malformed, expired or already used."""


class InvalidCountry(DomainError):
    """The country is not an ISO 3166-1 alpha-2 code."""


class OrganisationNameTaken(DomainError):
    """Another organisation already has this name."""


class EmailTaken(DomainError):
    """Another user already has this e-mail address."""


def _hasher() -> PasswordHasher:
    config = current_app.config
    return PasswordHasher(
        time_cost=config["PASSWORD_HASH_TIME_COST"], memory_cost=config["PASSWORD_HASH_MEMORY_COST"]
    )


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher().hash(password)


# A fixed hash to verify against when the e-mail is unknown, so both cases take the same time.
_DUMMY_HASH: dict[str, str] = {}


def _dummy_hash() -> str:
    key = f"{current_app.config['PASSWORD_HASH_TIME_COST']}:{current_app.config['PASSWORD_HASH_MEMORY_COST']}"
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hash_password("not-a-real-password")
    return _DUMMY_HASH[key]


def check_password(user: User | None, password: str) -> bool:
    """True when the password matches; rehashes transparently when the cost settings changed."""
    hasher = _hasher()
    stored = user.password_hash if user is not None and user.password_hash else None
    try:
        hasher.verify(stored or _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return False
    if stored is None or user is None:
        return False
    if hasher.check_needs_rehash(stored):
        user.password_hash = hasher.hash(password)
    return True


def find_user_by_email(email: str) -> User | None:
    """Look a user up by e-mail, whatever its case."""
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str, *, ip: str | None) -> User | None:
    """Return the user when e-mail and password match an active account; audit both outcomes."""
    user = find_user_by_email(email)
    ok = check_password(user, password) and user is not None and user.active
    if ok and user is not None:
        user.last_login_at = utcnow()
        audit.record("login.success", actor=user, target=f"user:{user.id}", ip=ip)
        return user
    audit.record(
        "login.failure",
        actor=None,
        organisation=user.organisation if user else None,
        target=f"user:{user.id}" if user else None,
        details={"email": normalise_email(email)[:254]},
        ip=ip,
    )
    return None


def set_password(user: User, password: str) -> None:
    """Set a new password and end every other session of the user."""
    user.password_hash = hash_password(password)
    user.auth_stamp = new_auth_stamp()


def change_password(user: User, current: str, new: str, *, ip: str | None) -> None:
    """Change one's own password after confirming the current one."""
    if not check_password(user, current):
        raise DomainError(_("The current password is not correct."))
    set_password(user, new)
    audit.record("password.changed", actor=user, target=f"user:{user.id}", ip=ip)


# --- signed, time-limited, single-use links ---------------------------------------------------


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"account-{purpose}")


def _fingerprint(user: User) -> str:
    # Using a link changes the password hash, so the fingerprint changes and the link dies with it.
    material = f"{user.password_hash or ''}|{user.auth_stamp}|{user.email}"
    return hashlib.sha256(material.encode()).hexdigest()[:20]


def make_token(user: User, purpose: str) -> str:
    """A signed token for an activation or password-reset link."""
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user)})


def user_from_token(token: str, purpose: str) -> User:
    """Return the user a link was made for, or raise TokenError with a readable reason."""
    max_age = current_app.config[
        "ACCOUNT_ACTIVATION_MAX_AGE" if purpose == ACTIVATION else "PASSWORD_RESET_MAX_AGE"
    ]
    try:
        data = _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired as exc:
        raise TokenError(_("This link has expired. Ask for a new one.")) from exc
    except BadSignature as exc:
        raise TokenError(_("This link is not valid. Check that you copied it completely.")) from exc
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise TokenError(_("This link is not valid. Check that you copied it completely."))
    user = db.session.get(User, data["u"])
    if user is None or data.get("f") != _fingerprint(user) or not user.active:
        raise TokenError(_("This link has already been used or is no longer valid."))
    if purpose == ACTIVATION and user.is_activated:
        raise TokenError(_("This account is already active. Log in instead."))
    return user


def request_password_reset(email: str, *, ip: str | None) -> None:
    """E-mail a reset link when the address belongs to an active account; say nothing otherwise."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    link = external_url("auth.reset_password", token=make_token(user, RESET))
    minutes = current_app.config["PASSWORD_RESET_MAX_AGE"] // 60
    send_mail(user.email, "password_reset", language=user.language, user=user, link=link, minutes=minutes)
    audit.record("password.reset_requested", actor=None, organisation=user.organisation,
                 target=f"user:{user.id}", ip=ip)


def reset_password(token: str, password: str, *, ip: str | None) -> User:
    """Set a new password through a reset link; the link cannot be used again."""
    user = user_from_token(token, RESET)
    set_password(user, password)
    audit.record("password.reset", actor=user, target=f"user:{user.id}", ip=ip)
    return user


def activate_account(token: str, name: str, password: str, *, ip: str | None) -> User:
    """Let an invited person choose their password; the link cannot be used again."""
    user = user_from_token(token, ACTIVATION)
    user.name = name.strip() or user.name
    set_password(user, password)
    audit.record("user.activated", actor=user, target=f"user:{user.id}", ip=ip)
    return user


# --- organisations and users --------------------------------------------------------------------


def valid_country(code: str) -> bool:
    """True for an ISO 3166-1 alpha-2 code."""
    return pycountry.countries.get(alpha_2=code.upper()) is not None


def create_organisation(
    name: str, kind: OrganisationKind, country: str, *, actor: User | None, ip: str | None = None
) -> Organisation:
    """Add a member organisation."""
    name = name.strip()
    if not valid_country(country):
        raise InvalidCountry(_("'%(code)s' is not an ISO 3166 country code.", code=country))
    existing = db.session.scalar(select(Organisation).where(func.lower(Organisation.name) == name.lower()))
    if existing is not None:
        raise OrganisationNameTaken(_("An organisation named '%(name)s' already exists.", name=name))
    organisation = Organisation(name=name, kind=OrganisationKind(kind), country=country.upper())
    db.session.add(organisation)
    db.session.flush()
    audit.record("organisation.created", actor=actor, organisation=organisation,
                 target=f"organisation:{organisation.id}", details={"name": name, "kind": str(kind)}, ip=ip)
    return organisation


def update_organisation(
    organisation: Organisation, *, name: str, country: str, actor: User, ip: str | None = None
) -> Organisation:
    """Rename an organisation or change its country."""
    name = name.strip()
    if not valid_country(country):
        raise InvalidCountry(_("'%(code)s' is not an ISO 3166 country code.", code=country))
    clash = db.session.scalar(
        select(Organisation).where(func.lower(Organisation.name) == name.lower(), Organisation.id != organisation.id)
    )
    if clash is not None:
        raise OrganisationNameTaken(_("An organisation named '%(name)s' already exists.", name=name))
    before = {"name": organisation.name, "country": organisation.country}
    organisation.name, organisation.country = name, country.upper()
    audit.record("organisation.updated", actor=actor, organisation=organisation,
                 target=f"organisation:{organisation.id}",
                 details={"before": before, "after": {"name": name, "country": organisation.country}}, ip=ip)
    return organisation


def create_user(
    email: str,
    name: str,
    organisation: Organisation,
    *,
    password: str | None = None,
    is_org_admin: bool = False,
    language: str | None = None,
    actor: User | None = None,
    ip: str | None = None,
) -> User:
    """Add a user; without a password the account waits for activation."""
    if find_user_by_email(email) is not None:
        raise EmailTaken(_("A user with the e-mail address %(email)s already exists.",
                           email=normalise_email(email)))
    user = User(
        email=email,
        name=name.strip(),
        organisation=organisation,
        is_org_admin=is_org_admin,
        language=language,
        password_hash=hash_password(password) if password else None,
    )
    db.session.add(user)
    db.session.flush()
    audit.record("user.created", actor=actor, organisation=organisation, target=f"user:{user.id}",
                 details={"email": user.email, "is_org_admin": is_org_admin}, ip=ip)
    return user


def invite_user(
    email: str,
    name: str,
    organisation: Organisation,
    *,
    is_org_admin: bool,
    language: str | None,
    actor: User,
    ip: str | None = None,
) -> User:
    """Create an account and e-mail its activation link in the invitee's language."""
    user = create_user(email, name, organisation, is_org_admin=is_org_admin, language=language,
                       actor=actor, ip=ip)
    send_invitation(user, actor=actor, ip=ip)
    return user


def send_invitation(user: User, *, actor: User, ip: str | None = None) -> None:
    """(Re)send the activation link of a user who has not chosen a password yet."""
    if user.is_activated:
        raise DomainError(_("This account is already active."))
    if not user.active:
        raise DomainError(_("This account is deactivated. Reactivate it before sending an invitation."))
    link = external_url("auth.activate", token=make_token(user, ACTIVATION))
    days = int(timedelta(seconds=current_app.config["ACCOUNT_ACTIVATION_MAX_AGE"]).days)
    send_mail(user.email, "invitation", language=user.language, user=user, inviter=actor, link=link, days=days)
    audit.record("user.invitation_sent", actor=actor, organisation=user.organisation, target=f"user:{user.id}",
                 details={"email": user.email}, ip=ip)


def update_profile(
    user: User, *, name: str, language: str | None, timezone: str | None = None, ip: str | None = None
) -> User:
    """A user changes their own name, preferred language and time zone."""
    user.name = name.strip()
    user.language = language or None
    if timezone is not None:
        user.timezone = timezone or None
    audit.record("user.profile_updated", actor=user, target=f"user:{user.id}",
                 details={"language": user.language, "timezone": user.timezone}, ip=ip)
    return user


def update_membership(
    target: User, *, is_org_admin: bool, active: bool, actor: User, ip: str | None = None
) -> User:
    """Change a user's admin flag or deactivate them; a deactivated user is logged out everywhere."""
    if target.id == actor.id and (not active or (target.is_org_admin and not is_org_admin)):
        raise DomainError(_("You cannot remove your own administrator rights or deactivate yourself."))
    before = {"is_org_admin": target.is_org_admin, "active": target.active}
    target.is_org_admin = is_org_admin
    if target.active and not active:
        target.auth_stamp = new_auth_stamp()
    target.active = active
    audit.record("user.updated", actor=actor, organisation=target.organisation, target=f"user:{target.id}",
                 details={"before": before, "after": {"is_org_admin": is_org_admin, "active": active}}, ip=ip)
    return target
