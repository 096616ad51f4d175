"""Builders for the answering tests: an open round on a small questionnaire with every kind of question."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from questionnaire.extensions import db
from questionnaire.interchange import parse_document
from questionnaire.models import (
    DialogueRound,
    Invitation,
    Organisation,
    OrganisationKind,
    Response,
    RoundOwner,
    RoundStatus,
    User,
    utcnow,
)
from questionnaire.services.questionnaires import import_document
from questionnaire.services.responses import get_or_create_response

DOCUMENT: dict[str, Any] = {
    "format": "questionnaire/1",
    "title": "Supply-chain due diligence",
    "languages": ["en", "fr"],
    "sections": [
        {"key": "policy", "title": {"en": "Policy", "fr": "Politique"}, "questions": [
            {"key": "has_policy", "type": "yes_no", "text": "Do you have a human-rights policy?", "required": True},
            {"key": "policy_url", "type": "url", "text": "Where is the policy published?", "required": True,
             "show_if": {"question": "has_policy", "equals": "yes"}},
            {"key": "maturity", "type": "scale", "text": "How mature is your due diligence?", "required": True,
             "scale": {"min": 0, "max": 4, "labels": {"0": "none", "4": "verified"}}},
            {"key": "workers", "type": "number", "text": "How many workers are covered?", "min": 0},
        ]},
        {"key": "suppliers", "title": "Suppliers", "questions": [
            {"key": "factories", "type": "table", "text": "List your final assembly factories",
             "columns": [{"key": "name", "label": "Name", "type": "text"},
                         {"key": "country", "label": "Country", "type": "text"},
                         {"key": "workers", "label": "Workers", "type": "number"}]},
            {"key": "audits", "type": "number", "text": "How many audits did you run last year?", "required": True,
             "allow_na": True},
        ]},
        {"key": "evidence", "title": "Evidence", "questions": [
            {"key": "documents", "type": "file", "text": "Attach your latest audit summary"},
            {"key": "summary", "type": "text", "text": "Summarise your main findings", "required": True},
        ]},
    ],
}


@dataclass
class Setup:
    """Everyone and everything an answering test needs."""

    round: DialogueRound
    supplier: User
    colleague: User
    other_supplier: User
    buyer: User
    secretariat: User

    @property
    def url(self) -> str:
        """The overview page of the supplier's response."""
        return f"/rounds/{self.round.id}/answer"

    def section_url(self, key: str) -> str:
        """A section page."""
        return f"/rounds/{self.round.id}/answer/section/{key}"

    def response(self) -> Response:
        """The supplier's response (created on first use)."""
        response = get_or_create_response(self.round, self.supplier.organisation)
        db.session.commit()
        return response


def invite(round_: DialogueRound, organisation: Organisation, email: str) -> Invitation:
    """An invitation row, as the invitations service would leave it."""
    invitation = Invitation(round=round_, organisation=organisation, contact_email=email,
                            token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest())
    db.session.add(invitation)
    return invitation


def build(make_org: Any, make_user: Any, *, closes_in: timedelta = timedelta(days=7),
          document: dict[str, Any] | None = None) -> Setup:
    """An open round owned by one buyer, with two invited suppliers."""
    secretariat = make_user(kind=OrganisationKind.SECRETARIAT)
    buyer = make_user(kind=OrganisationKind.BUYER)
    supplier_org = make_org(kind=OrganisationKind.SUPPLIER, name="Acme Devices")
    supplier = make_user(org=supplier_org, email="alice@acme.test", name="Alice")
    colleague = make_user(org=supplier_org, email="bob@acme.test", name="Bob")
    other_supplier = make_user(kind=OrganisationKind.SUPPLIER, email="eve@rival.test", name="Eve")
    questionnaire = import_document(parse_document(document or DOCUMENT), owner=buyer.organisation, actor=buyer)
    version = questionnaire.latest_version
    version.publish(buyer)
    now = utcnow()
    round_ = DialogueRound(title="ICT supply chains 2026", description="", questionnaire_version=version,
                           opens_at=now - timedelta(days=1), closes_at=now + closes_in, k=3,
                           languages=["en", "fr"], status=RoundStatus.OPEN, created_by=buyer)
    db.session.add(round_)
    db.session.add(RoundOwner(round=round_, organisation=buyer.organisation, accepted_at=now))
    invite(round_, supplier_org, supplier.email)
    invite(round_, other_supplier.organisation, other_supplier.email)
    db.session.commit()
    return Setup(round=round_, supplier=supplier, colleague=colleague, other_supplier=other_supplier,
                 buyer=buyer, secretariat=secretariat)


def page_version(html: str) -> int:
    """The response version a rendered section page was built from."""
    match = re.search(r'name="based_on_version"[^>]*value="(\d+)"', html) or re.search(
        r'value="(\d+)"[^>]*name="based_on_version"', html)
    assert match, "no based_on_version on the page"
    return int(match.group(1))


def close_round(setup: Setup) -> None:
    """Move the deadline into the past (the round stays 'open' until someone closes it)."""
    round_ = db.session.get(DialogueRound, setup.round.id)
    round_.opens_at = utcnow() - timedelta(days=10)
    round_.closes_at = utcnow() - timedelta(minutes=1)
    db.session.commit()


POLICY_ANSWERS = {"q_has_policy": "yes", "q_policy_url": "https://acme.test/policy", "q_maturity": "3",
                  "q_workers": "1200"}


def page_digest(html: str) -> str:
    """The fingerprint of the section's answers a rendered page was built from."""
    match = re.search(r'name="section_digest" type="hidden" value="([0-9a-f]*)"', html)
    assert match, "no section_digest on the page"
    return match.group(1)
