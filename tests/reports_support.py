"""A closed round with known submitted answers, for the PDF, cache and publication tests.

Six of seven invited suppliers submitted (k = 3). The figures every audience may see:
- has_policy (yes/no): yes 6, no 0;
- maturity (scale 0-4): 1 x3, 3 x3 -> section "Policy" maturity 25/75, mean 50;
- audit_frequency (single choice, scored): yearly 3, occasionally 3, never 0 -> "Practice" mean 75;
- risk_areas (multiple choice): minerals 6, labour 3, environment 1 (fewer than k for participants);
- remarks (long text): three quotable, one quotable but confidential, two not quotable.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from questionnaire.extensions import db
from questionnaire.interchange import parse_document
from questionnaire.models import (
    Answer,
    DialogueRound,
    Invitation,
    Organisation,
    OrganisationKind,
    Response,
    ResponseStatus,
    RoundOwner,
    RoundStatus,
    Submission,
    User,
    utcnow,
)
from questionnaire.services.questionnaires import import_document

DOCUMENT: dict[str, Any] = {
    "format": "questionnaire/1",
    "title": {"en": "Human rights in ICT supply chains", "fr": "Droits humains dans les chaînes TIC"},
    "languages": ["en", "fr"],
    "sections": [
        {"key": "policy", "title": {"en": "Policy", "fr": "Politique"}, "questions": [
            {"key": "has_policy", "type": "yes_no", "required": True,
             "text": {"en": "Do you have a human-rights policy?",
                      "fr": "Avez-vous une politique des droits humains ?"}},
            {"key": "maturity", "type": "scale", "required": True,
             "text": {"en": "How mature is your due diligence?", "fr": "Quelle est la maturité de votre diligence ?"},
             "scale": {"min": 0, "max": 4, "labels": {"0": {"en": "none", "fr": "aucune"},
                                                      "4": {"en": "verified", "fr": "vérifiée"}}}},
        ]},
        {"key": "practice", "title": {"en": "Practice", "fr": "Pratique"}, "questions": [
            {"key": "audit_frequency", "type": "single_choice", "required": True,
             "text": {"en": "How often do you audit your suppliers?", "fr": "À quelle fréquence auditez-vous ?"},
             "options": [{"value": "yearly", "label": {"en": "Every year", "fr": "Chaque année"}, "score": 2},
                         {"value": "occasionally", "label": {"en": "Occasionally", "fr": "Parfois"}, "score": 1},
                         {"value": "never", "label": {"en": "Never", "fr": "Jamais"}, "score": 0}]},
            {"key": "risk_areas", "type": "multiple_choice",
             "text": {"en": "Which risks have you assessed?", "fr": "Quels risques avez-vous évalués ?"},
             "options": [{"value": "minerals", "label": {"en": "Minerals", "fr": "Minerais"}},
                         {"value": "labour", "label": {"en": "Labour", "fr": "Travail"}},
                         {"value": "environment", "label": {"en": "Environment", "fr": "Environnement"}}]},
            {"key": "remarks", "type": "long_text",
             "text": {"en": "What should buyers know?", "fr": "Que doivent savoir les acheteurs ?"}},
        ]},
    ],
}

# One row per supplier: maturity, audit frequency, risk areas, remark, (quotable, confidential).
ANSWERS: list[tuple[int, str, list[str], str, bool, bool]] = [
    (1, "yearly", ["minerals", "labour"], "Audits alone do not find forced labour.", True, False),
    (1, "yearly", ["minerals", "labour"], "Worker voice tools helped us most.", True, False),
    (1, "yearly", ["minerals", "labour", "environment"], "Smelter lists change every quarter.", True, False),
    (3, "occasionally", ["minerals"], "Our plant in Springfield had a strike.", True, True),
    (3, "occasionally", ["minerals"], "Not for quoting: our supplier list.", False, False),
    (3, "occasionally", ["minerals"], "Also not for quoting.", False, False),
]
SUPPLIER_NAMES = ["Alpha Devices", "Beta Systems", "Gamma Computing", "Delta Hardware", "Epsilon Tech",
                  "Zeta Networks"]


@dataclass
class KnownRound:
    """The round, its people and the responses, in ANSWERS order."""

    round: DialogueRound
    secretariat: User
    buyer: User
    suppliers: list[User]
    responses: list[Response]
    late_supplier: User


def invite(round_: DialogueRound, organisation: Organisation, email: str) -> Invitation:
    """An invitation row as the invitations service leaves it."""
    invitation = Invitation(round=round_, organisation=organisation, contact_email=email,
                            token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest())
    db.session.add(invitation)
    return invitation


def submitted_response(round_: DialogueRound, organisation: Organisation, user: User,
                       answers: dict[str, dict[str, Any]]) -> Response:
    """A submitted response with its answers and the submission snapshot, as submit() leaves them."""
    now = utcnow()
    response = Response(round=round_, organisation=organisation, status=ResponseStatus.SUBMITTED,
                        submitted_at=now, required_answered=3, required_shown=3, version=2)
    db.session.add(response)
    for key, entry in answers.items():
        response.answers.append(Answer(question_key=key, value=entry["value"],
                                       confidential=entry.get("confidential", False),
                                       quotable=entry.get("quotable", False), comment=entry.get("comment", "")))
    db.session.add(Submission(response=response, number=1, response_version=1, submitted_at=now,
                              submitted_by=user, snapshot=answers))
    return response


def build_known_round(make_org: Any, make_user: Any, *, document: dict[str, Any] | None = None,
                      submitted: int = len(ANSWERS), title: str = "ICT hardware dialogue 2026") -> KnownRound:
    """A closed round, co-owned by two buyers, with `submitted` of the ANSWERS submitted and one draft."""
    secretariat = make_user(kind=OrganisationKind.SECRETARIAT, email="sec@secretariat.test", name="Sam Secretary")
    buyer = make_user(org=make_org(kind=OrganisationKind.BUYER, name="City of Lyon"), email="buyer@lyon.test")
    other_buyer = make_org(kind=OrganisationKind.BUYER, name="Region of Flanders")
    questionnaire = import_document(parse_document(document or DOCUMENT), owner=buyer.organisation, actor=buyer)
    version = questionnaire.latest_version
    version.publish(buyer)
    now = utcnow()
    round_ = DialogueRound(title=title, description="Laptops and monitors.", questionnaire_version=version,
                           opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1), k=3,
                           languages=["en", "fr"], status=RoundStatus.CLOSED, created_by=buyer)
    db.session.add(round_)
    for org in (buyer.organisation, other_buyer):
        db.session.add(RoundOwner(round=round_, organisation=org, accepted_at=now - timedelta(days=40)))
    suppliers, responses = [], []
    for index, name in enumerate(SUPPLIER_NAMES):
        org = make_org(kind=OrganisationKind.SUPPLIER, name=name, country="DE" if index % 2 else "FR")
        user = make_user(org=org, email=f"contact{index}@supplier{index}.test", name=f"Contact {index}",
                         language="fr" if index == 1 else "en")
        invite(round_, org, user.email)
        suppliers.append(user)
        if index < submitted:
            maturity, audit, risks, remark, quotable, confidential = ANSWERS[index]
            responses.append(submitted_response(round_, org, user, {
                "has_policy": {"value": "yes"},
                "maturity": {"value": maturity},
                "audit_frequency": {"value": audit},
                "risk_areas": {"value": risks},
                "remarks": {"value": remark, "quotable": quotable, "confidential": confidential},
            }))
    late_org = make_org(kind=OrganisationKind.SUPPLIER, name="Eta Late Ltd", country="BE")
    late = make_user(org=late_org, email="late@eta.test", name="Late")
    invite(round_, late_org, late.email)
    db.session.add(Response(round=round_, organisation=late_org, status=ResponseStatus.DRAFT))
    round_.data_version = submitted
    db.session.commit()
    return KnownRound(round=round_, secretariat=secretariat, buyer=buyer, suppliers=suppliers,
                      responses=responses, late_supplier=late)


def pdf_text(data: bytes) -> str:
    """The text of a PDF, pages joined, whitespace runs made single spaces."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF, whitespace runs made single spaces."""
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]
