"""Demo content for `flask seed-demo`: organisations and users to try every role."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from questionnaire.extensions import db
from questionnaire.models import Organisation, OrganisationKind, User
from questionnaire.services import accounts

DEMO_PASSWORD = "demo"  # noqa: S105 - documented demo log-in, created only by seed-demo

ORGANISATIONS = [
    ("Procurement Rights Secretariat", OrganisationKind.SECRETARIAT, "BE"),
    ("City of Lyon Digital Procurement", OrganisationKind.BUYER, "FR"),
    ("Dutch Government ICT Purchasing", OrganisationKind.BUYER, "NL"),
    ("Nordlicht Computers GmbH", OrganisationKind.SUPPLIER, "DE"),
    ("Atlantic Devices Ltd", OrganisationKind.SUPPLIER, "IE"),
    ("Baltic Screens UAB", OrganisationKind.SUPPLIER, "LT"),
    ("Iberia Networks SA", OrganisationKind.SUPPLIER, "ES"),
    ("Polska Hardware sp. z o.o.", OrganisationKind.SUPPLIER, "PL"),
]

USERS = [
    ("secretariat@demo.test", "Sam Secretariat", "Procurement Rights Secretariat", True, "en"),
    ("buyer@demo.test", "Bea Buyer", "City of Lyon Digital Procurement", True, "fr"),
    ("buyer2@demo.test", "Bram Buyer", "Dutch Government ICT Purchasing", True, "en"),
    ("supplier@demo.test", "Sofia Supplier", "Nordlicht Computers GmbH", True, "en"),
    ("supplier2@demo.test", "Sean Supplier", "Atlantic Devices Ltd", True, "en"),
]


@dataclass
class SeedResult:
    """What seed_demo created."""

    created: bool
    users: list[tuple[str, str]]


def seed_demo() -> SeedResult:
    """Create the demo organisations and users unless they exist already."""
    logins = [(email, DEMO_PASSWORD) for email, *_ in USERS]
    if db.session.scalar(select(User).where(User.email == USERS[0][0])) is not None:
        return SeedResult(created=False, users=logins)
    by_name: dict[str, Organisation] = {}
    for name, kind, country in ORGANISATIONS:
        existing = db.session.scalar(select(Organisation).where(Organisation.name == name))
        by_name[name] = existing or accounts.create_organisation(name, kind, country, actor=None)
    for email, name, org_name, admin, language in USERS:
        if accounts.find_user_by_email(email) is None:
            accounts.create_user(email, name, by_name[org_name], password=DEMO_PASSWORD,
                                 is_org_admin=admin, language=language)
    db.session.flush()
    seed_demo_questionnaires()
    from questionnaire.services.demo_round import seed_demo_round

    seed_demo_round()
    return SeedResult(created=True, users=logins)


def seed_demo_questionnaires() -> None:
    """The shipped template, published and approved, and a draft shared by the two demo buyers."""
    from questionnaire.services import questionnaires

    bea = accounts.find_user_by_email("buyer@demo.test")
    bram = accounts.find_user_by_email("buyer2@demo.test")
    if bea is None or bram is None:
        return
    template = questionnaires.list_templates()[0].name
    published = questionnaires.create_from_template(template, owner=bea.organisation, actor=bea)
    version = published.latest_version
    questionnaires.approve(version, bea.organisation, bea)
    questionnaires.publish(version, actor=bea)
    draft = questionnaires.create_from_template(template, owner=bea.organisation, actor=bea)
    questionnaires.update_metadata(
        draft.latest_version, actor=bea, languages=draft.latest_version.languages,
        title={"en": "Joint market dialogue 2027 (draft)", "fr": "Dialogue de marché commun 2027 (projet)"},
        description=draft.latest_version.description, source=draft.latest_version.source)
    questionnaires.share(draft, bram.organisation, actor=bea)
