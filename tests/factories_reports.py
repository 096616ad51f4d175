"""Builders for the results tests: a round with KNOWN submitted answers of every question type."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from questionnaire.extensions import db
from questionnaire.interchange import parse_document
from questionnaire.models import (
    Answer,
    DialogueRound,
    Invitation,
    OrganisationKind,
    Response,
    ResponseStatus,
    RoundOwner,
    RoundStatus,
    User,
    utcnow,
)
from questionnaire.services.questionnaires import import_document

DOCUMENT: dict[str, Any] = {
    "format": "questionnaire/1",
    "title": "Due diligence results test",
    "languages": ["en", "fr"],
    "sections": [
        {"key": "policy", "title": {"en": "Policy", "fr": "Politique"}, "questions": [
            {"key": "has_policy", "type": "yes_no", "text": "Do you have a human-rights policy?"},
            {"key": "scope", "type": "single_choice", "text": "Which suppliers does it cover?", "allow_na": True,
             "weight": 2,
             "options": [{"value": "none", "label": "None", "score": 0},
                         {"value": "some", "label": "Some", "score": 1},
                         {"value": "all", "label": "All", "score": 2}]},
            {"key": "maturity", "type": "scale", "text": "How mature is your due diligence?",
             "scale": {"min": 0, "max": 4}},
            {"key": "risks", "type": "multiple_choice", "text": "Which risks do you assess?",
             "options": [{"value": "forced", "label": "Forced labour", "score": 1},
                         {"value": "child", "label": "Child labour", "score": 1},
                         {"value": "wages", "label": "Living wages", "score": 2},
                         {"value": "none", "label": "None of these", "exclusive": True, "score": 0}]},
            {"key": "policy_url", "type": "url", "text": "Where is it published?",
             "show_if": {"question": "has_policy", "equals": "yes"}},
        ]},
        {"key": "data", "title": "Data", "questions": [
            {"key": "workers", "type": "number", "text": "How many workers?"},
            {"key": "audited", "type": "percentage", "text": "Share of factories audited", "allow_na": True},
            {"key": "last_audit", "type": "date", "text": "Date of the last audit"},
            {"key": "findings", "type": "long_text", "text": "Main findings"},
            {"key": "contact", "type": "text", "text": "Contact"},
            {"key": "evidence", "type": "file", "text": "Audit summary"},
            {"key": "factories", "type": "table", "text": "Final assembly factories",
             "columns": [{"key": "name", "label": "Name", "type": "text"},
                         {"key": "workers", "label": "Workers", "type": "number"},
                         {"key": "certified", "label": "Certified", "type": "yes_no"}]},
        ]},
    ],
}

NA = {"na": True, "justification": "We have no suppliers"}


def confidential(value: Any, *, quotable: bool = False) -> dict[str, Any]:
    """An answer marked confidential."""
    return {"value": value, "confidential": True, "quotable": quotable}


def quotable(value: Any) -> dict[str, Any]:
    """An answer the supplier allows to be quoted."""
    return {"value": value, "quotable": True}


# Six submitted suppliers with known answers. Expected figures are spelled out in the tests.
SUBMITTED: list[tuple[str, str, dict[str, Any]]] = [
    ("Alpha Devices", "BE", {
        "has_policy": "yes", "scope": "all", "maturity": 4, "risks": ["forced", "child", "wages"],
        "policy_url": "https://alpha.test/policy", "workers": 100, "audited": 50, "last_audit": "2025-01-10",
        "findings": quotable("Overtime above the legal limit."), "contact": "=HYPERLINK(\"http://x\")",
        "evidence": [1], "factories": [{"name": "Plant A", "workers": 10, "certified": "yes"},
                      {"name": "Plant B", "workers": 30, "certified": "no"}],
    }),
    ("Bravo Systems", "BE", {
        "has_policy": "yes", "scope": "some", "maturity": 3, "risks": ["forced"],
        "workers": 200, "audited": 100, "last_audit": "2025-06-01",
        "findings": confidential("Child labour at a mica supplier.", quotable=True), "contact": "bravo",
        "evidence": [2, 3], "factories": [{"name": "Plant C", "workers": 20, "certified": "yes"}],
    }),
    ("Charlie Computing", "FR", {
        "has_policy": "no", "scope": "none", "maturity": 1, "risks": ["none"],
        "workers": 50, "audited": 0, "last_audit": "2024-11-30",
        "findings": "Nothing to report.", "contact": "charlie",
    }),
    ("Delta Hardware", "FR", {
        "has_policy": "yes", "scope": "all", "maturity": 2, "risks": ["forced", "wages"],
        "policy_url": "https://delta.test/p", "workers": 70, "audited": NA,
        "findings": quotable("Recruitment fees were repaid."),
    }),
    ("Echo Networks", "DE", {
        "has_policy": "yes", "scope": NA, "maturity": 0, "risks": ["child"],
        "workers": 30, "audited": 20,
    }),
    ("Foxtrot Cloud", "DE", {
        # A URL left from when the policy was "yes": hidden by the condition, so ignored everywhere.
        "has_policy": "no", "scope": "some", "maturity": 4, "risks": ["wages"],
        "policy_url": "https://foxtrot.test/old", "workers": 1000,
    }),
]

# A draft response that must count nowhere.
DRAFT: tuple[str, str, dict[str, Any]] = ("Golf Draft", "BE", {
    "has_policy": "no", "scope": "none", "maturity": 0, "risks": ["none"], "workers": 999999,
    "findings": quotable("Draft text, never shown."),
})

# Invited but never started.
SILENT: tuple[str, str] = ("Hotel Silent", "BE")


@dataclass
class ReportSetup:
    """A round with known answers, and the people who look at it."""

    round: DialogueRound
    secretariat: User
    buyer: User
    other_buyer: User
    supplier: User
    responses: dict[str, Response] = field(default_factory=dict)

    def response_id(self, name: str) -> int:
        """The response id of a supplier by organisation name."""
        return self.responses[name].id


def _invite(round_: DialogueRound, organisation: Any) -> None:
    db.session.add(Invitation(round=round_, organisation=organisation, contact_email=f"{organisation.id}@s.test",
                              token_hash=hashlib.sha256(secrets.token_bytes(32)).hexdigest()))


def add_response(round_: DialogueRound, organisation: Any, answers: dict[str, Any], *,
                 submitted: bool = True) -> Response:
    """A response with Answer rows; a value may be a dict {value, confidential, quotable}."""
    now = utcnow()
    response = Response(round=round_, organisation=organisation,
                        status=ResponseStatus.SUBMITTED if submitted else ResponseStatus.DRAFT,
                        submitted_at=now if submitted else None)
    db.session.add(response)
    for key, spec in answers.items():
        if isinstance(spec, dict) and "value" in spec:
            db.session.add(Answer(response=response, question_key=key, value=spec["value"],
                                  confidential=spec.get("confidential", False),
                                  quotable=spec.get("quotable", False)))
        else:
            db.session.add(Answer(response=response, question_key=key, value=spec))
    return response


def build_round(make_org: Any, make_user: Any, *, k: int = 3,
                submitted: list[tuple[str, str, dict[str, Any]]] | None = None,
                document: dict[str, Any] | None = None, suffix: str = "") -> ReportSetup:
    """A closed round owned by one buyer: six submitted suppliers, one draft, one silent invitee."""
    secretariat = make_user(kind=OrganisationKind.SECRETARIAT)
    buyer = make_user(kind=OrganisationKind.BUYER)
    other_buyer = make_user(kind=OrganisationKind.BUYER)
    questionnaire = import_document(parse_document(document or DOCUMENT), owner=buyer.organisation, actor=buyer)
    version = questionnaire.latest_version
    version.publish(buyer)
    now = utcnow()
    round_ = DialogueRound(title="ICT results 2026", description="", questionnaire_version=version,
                           opens_at=now - timedelta(days=30), closes_at=now - timedelta(days=1), k=k,
                           languages=["en", "fr"], status=RoundStatus.CLOSED, created_by=buyer)
    db.session.add(round_)
    db.session.add(RoundOwner(round=round_, organisation=buyer.organisation, accepted_at=now))
    setup = ReportSetup(round=round_, secretariat=secretariat, buyer=buyer, other_buyer=other_buyer,
                        supplier=None)  # type: ignore[arg-type]
    for name, country, answers in (SUBMITTED if submitted is None else submitted):
        organisation = make_org(kind=OrganisationKind.SUPPLIER, name=f"{name}{suffix}", country=country)
        _invite(round_, organisation)
        setup.responses[f"{name}{suffix}"] = add_response(round_, organisation, answers)
    name, country, answers = DRAFT
    draft_org = make_org(kind=OrganisationKind.SUPPLIER, name=f"{name}{suffix}", country=country)
    _invite(round_, draft_org)
    setup.responses[f"{name}{suffix}"] = add_response(round_, draft_org, answers, submitted=False)
    silent_org = make_org(kind=OrganisationKind.SUPPLIER, name=f"{SILENT[0]}{suffix}", country=SILENT[1])
    _invite(round_, silent_org)
    db.session.commit()
    first = next(iter(setup.responses.values()))
    setup.supplier = make_user(org=first.organisation)
    return setup
