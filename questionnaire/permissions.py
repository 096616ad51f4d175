"""Who may see or do what: pure predicates, the one place where access is decided.

Views call these for every object they load; a False answer becomes 404 when the user may not even
learn that the object exists, 403 otherwise.
"""

from __future__ import annotations

from questionnaire.models import Organisation, OrganisationKind, User


def is_secretariat(user: User) -> bool:
    """The secretariat runs the working group and sees everything."""
    return user.is_authenticated and user.organisation.kind == OrganisationKind.SECRETARIAT


def is_buyer(user: User) -> bool:
    """A member of a public buyer organisation."""
    return user.is_authenticated and user.organisation.kind == OrganisationKind.BUYER


def is_supplier(user: User) -> bool:
    """A member of a supplier organisation."""
    return user.is_authenticated and user.organisation.kind == OrganisationKind.SUPPLIER


def can_manage_organisations(user: User) -> bool:
    """Creating organisations and listing them all is the secretariat's job."""
    return is_secretariat(user)


def can_view_organisation(user: User, organisation: Organisation) -> bool:
    """Members see their own organisation; the secretariat sees all."""
    return is_secretariat(user) or (user.is_authenticated and user.organisation_id == organisation.id)


def can_edit_organisation(user: User, organisation: Organisation) -> bool:
    """Only the secretariat renames organisations or changes their kind or country."""
    return is_secretariat(user)


def can_invite_user(user: User, organisation: Organisation) -> bool:
    """The secretariat invites anyone's first users; an organisation admin invites colleagues only."""
    if is_secretariat(user):
        return True
    return user.is_authenticated and user.is_org_admin and user.organisation_id == organisation.id


def can_manage_user(user: User, target: User) -> bool:
    """Change another user's admin flag or deactivate them: secretariat, or their organisation's admin."""
    if is_secretariat(user):
        return True
    return (
        user.is_authenticated
        and user.is_org_admin
        and user.organisation_id == target.organisation_id
        and user.id != target.id
    )


def can_view_outbox(user: User) -> bool:
    """The outbox holds every e-mail the platform wrote, so only the secretariat reads it."""
    return is_secretariat(user)


def can_view_audit_log(user: User) -> bool:
    """The full audit trail is for the secretariat."""
    return is_secretariat(user)
