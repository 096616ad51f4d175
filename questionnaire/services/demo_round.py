"""The demo dialogue round for `flask seed-demo`: an open round on the shipped template.

Both demo buyers co-own it; twelve suppliers are invited: eight have submitted and two have drafts,
with varied answers that respect every show_if; two have not started. Nordlicht Computers GmbH
(supplier@demo.test) is one of the drafts, so the demo supplier has something to continue.
"""

from __future__ import annotations

import hashlib
import random
import secrets
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from sqlalchemy import select

from questionnaire.extensions import db
from questionnaire.models import (
    Answer,
    DialogueRound,
    Evidence,
    Invitation,
    Organisation,
    OrganisationKind,
    Question,
    QuestionnaireVersion,
    Response,
    User,
    VersionStatus,
    utcnow,
)
from questionnaire.question_types import condition_holds, type_of
from questionnaire.services import accounts, responses, rounds
from questionnaire.services.invitations import new_token

ROUND_TITLE = "Joint market dialogue on ICT hardware 2026"

# (organisation, country, state); the first five are the demo organisations seeded before.
SUPPLIERS = [
    ("Nordlicht Computers GmbH", "DE", "draft"),
    ("Atlantic Devices Ltd", "IE", "submitted"),
    ("Baltic Screens UAB", "LT", "submitted"),
    ("Iberia Networks SA", "ES", "submitted"),
    ("Polska Hardware sp. z o.o.", "PL", "submitted"),
    ("Alpenblick Server AG", "AT", "submitted"),
    ("Rhône Peripherals SAS", "FR", "submitted"),
    ("Delta Display Systems BV", "NL", "submitted"),
    ("Nordic Print Solutions AB", "SE", "submitted"),
    ("Adriatic Mobile d.o.o.", "HR", "draft"),
    ("Carpathian Components SRL", "RO", "not_started"),
    ("Helvetia Networking SA", "CH", "not_started"),
]

TEXTS = {
    "remedy.grievance_languages": ["English, Mandarin, Vietnamese", "English, Czech, Hungarian",
                                   "Chinese, Malay, Tamil, English"],
    "track.indicators": [
        "Share of final-assembly sites audited in the last two years; average weekly hours in peak season; "
        "recruitment fees repaid to migrant workers.",
        "Corrective actions closed within 90 days; number of grievances received and resolved; "
        "training hours for supplier managers.",
        "Working hours over 60 per week, by site and month; findings closed; workers reached by training.",
    ],
    "communicate.buyer_notification": [
        "We inform affected public buyers within 30 days of a confirmed serious finding at a site making "
        "their products.",
        "Customers are told through their account manager when a finding concerns their supply chain.",
    ],
    "remedy.cases_description": [
        "Migrant workers at a component supplier had paid recruitment fees; the supplier repaid them in full "
        "over six months, verified by an independent auditor.",
        "Student workers were found on night shifts; the placements were ended with pay and the school "
        "agreement was revised.",
    ],
}

FACTORIES = [
    ("Shenzhen Bright Assembly", "CN", "Notebooks"), ("Penang Precision", "MY", "Displays"),
    ("Suzhou Delta Works", "CN", "Servers"), ("Bac Ninh Electronics", "VN", "Tablets"),
    ("Pardubice Systems", "CZ", "Desktops"), ("Guadalajara Tech Park", "MX", "Networking"),
]


def _slug(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())[:20]


def _tiny_pdf(title: str) -> bytes:
    """A minimal valid one-page PDF, as evidence."""
    stream = f"BT /F1 12 Tf 72 720 Td ({title}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _evidence(response: Response, question: Question, user: User) -> int:
    content = _tiny_pdf(f"{response.organisation.name}: {question.key}")
    evidence = Evidence(
        response=response, question_key=question.key, original_name=f"{question.key.replace('.', '-')}.pdf",
        stored_name=secrets.token_hex(16), content_type="application/pdf", size=len(content),
        sha256=hashlib.sha256(content).hexdigest(), uploaded_by=user,
    )
    db.session.add(evidence)
    db.session.flush()
    responses.evidence_path(evidence).write_bytes(content)
    return evidence.id


def _options(question: Question) -> list[dict[str, Any]]:
    return list(question.config.get("options") or [])


def _value(question: Question, rng: random.Random, maturity: int, name: str) -> Any:
    """A plausible value of the question's type; `maturity` (0-4) steers scales and choices."""
    kind = question.type
    config = question.config or {}
    if kind == "yes_no":
        return "yes" if rng.random() < 0.35 + 0.15 * maturity else "no"
    if kind == "scale":
        low, high = config["scale"]["min"], config["scale"]["max"]
        return max(low, min(high, maturity + rng.choice((-1, 0, 0, 1))))
    if kind == "single_choice":
        options = [o["value"] for o in _options(question)]
        # Options run from weakest to strongest in the template: lean towards the maturity.
        index = round((len(options) - 1) * maturity / 4) + rng.choice((-1, 0, 0, 1))
        return options[max(0, min(len(options) - 1, index))]
    if kind == "multiple_choice":
        plain = [o["value"] for o in _options(question) if not o.get("exclusive") and o["value"] != "none"]
        exclusive = [o["value"] for o in _options(question) if o.get("exclusive") or o["value"] == "none"]
        if maturity == 0 and exclusive:
            return [exclusive[0]]
        count = max(1, min(len(plain), maturity * 2 + rng.randint(0, 2)))
        return sorted(rng.sample(plain, count), key=plain.index)
    if kind == "date":
        return (date(2026, 6, 30) - timedelta(days=rng.randint(0, 400))).isoformat()
    if kind == "number":
        low = config.get("min", 0)
        return max(low, rng.randint(3, 40) * (maturity + 1))
    if kind == "percentage":
        return max(0, min(100, 20 * maturity + rng.randint(-10, 15)))
    if kind == "url":
        return f"https://www.{_slug(name)}.example/{question.key.split('.')[-1].replace('_', '-')}"
    if kind in ("text", "long_text"):
        return rng.choice(TEXTS.get(question.key, [f"See our {question.key.split('.')[-1].replace('_', ' ')} report."]))
    if kind == "table":
        return _table_rows(question, rng)
    return None


def _table_rows(question: Question, rng: random.Random) -> list[dict[str, Any]]:
    columns = question.config.get("columns") or []
    rows = []
    for factory, country, product in rng.sample(FACTORIES, rng.randint(1, 3)):
        row: dict[str, Any] = {}
        for column in columns:
            key, kind = column["key"], column["type"]
            if kind == "date":
                row[key] = (date(2026, 3, 31) - timedelta(days=rng.randint(30, 500))).isoformat()
            elif kind == "single_choice":
                row[key] = rng.choice([o["value"] for o in column.get("options") or []])
            elif kind in ("number", "percentage"):
                row[key] = rng.randint(1, 99)
            elif key == "country":
                row[key] = country
            elif key == "products":
                row[key] = product
            elif "number" in key:
                row[key] = f"CERT-{rng.randint(10000, 99999)}"
            else:
                row[key] = factory
        rows.append(row)
    return rows


def _answers(version: QuestionnaireVersion, response: Response, user: User, rng: random.Random,
             maturity: int, *, complete: bool) -> dict[str, Any]:
    """Answer the questionnaire in order, so every condition sees the answers before it."""
    values: dict[str, Any] = {}
    sections = version.sections if complete else version.sections[: max(2, len(version.sections) // 2)]
    for section in sections:
        if section.show_if and not condition_holds(section.show_if, values):
            continue
        for question in section.questions:
            if question.show_if and not condition_holds(question.show_if, values):
                continue
            if not question.required and rng.random() < 0.2:
                continue
            if question.type == "file":
                if question.required or rng.random() < 0.5:
                    values[question.key] = [_evidence(response, question, user)]
                continue
            value = _value(question, rng, maturity, response.organisation.name)
            if value is None or type_of(question).validate(value, question):
                continue  # a generated value the type refuses is simply left unanswered
            values[question.key] = value
    return values


def _store(response: Response, values: Mapping[str, Any], user: User, rng: random.Random) -> None:
    for key, value in values.items():
        free_text = isinstance(value, str) and len(value) > 40
        response.answers.append(Answer(
            question_key=key, value=value, updated_by_id=user.id,
            confidential=rng.random() < 0.1, quotable=free_text and rng.random() < 0.7,
        ))
    result = responses.progress(responses.version_of(response), values)
    response.required_answered = result.required_answered
    response.required_shown = result.required_shown
    response.updated_by = user
    response.updated_at = utcnow()
    db.session.flush()


def _contact(organisation: Organisation, index: int) -> User:
    """The supplier's contact; the demo organisations already have theirs."""
    existing = db.session.scalar(select(User).where(User.organisation_id == organisation.id).order_by(User.id))
    if existing is not None:
        return existing
    return accounts.create_user(f"contact{index}@{_slug(organisation.name)}.test", f"Contact of {organisation.name}",
                                organisation, password=secrets.token_urlsafe(16), is_org_admin=True,
                                language="en")


def seed_demo_round() -> DialogueRound | None:
    """Create the demo round unless it exists (needs the demo buyers and the published template)."""
    if db.session.scalar(select(DialogueRound.id).where(DialogueRound.title == ROUND_TITLE)) is not None:
        return None
    bea = accounts.find_user_by_email("buyer@demo.test")
    bram = accounts.find_user_by_email("buyer2@demo.test")
    if bea is None or bram is None:
        return None
    version = db.session.scalar(
        select(QuestionnaireVersion)
        .join(QuestionnaireVersion.questionnaire)
        .where(QuestionnaireVersion.status == VersionStatus.PUBLISHED)
        .where(QuestionnaireVersion.questionnaire.has(owner_id=bea.organisation_id))
        .order_by(QuestionnaireVersion.id)
    )
    if version is None:
        return None
    now = utcnow()
    dialogue_round = rounds.create_round(
        ROUND_TITLE,
        "One questionnaire for every supplier of notebooks, displays, servers and networking equipment to the "
        "cities and agencies of the working group. The anonymised summary is discussed at the autumn meeting.",
        version, [bram.organisation], now - timedelta(days=14), now + timedelta(days=21),
        k=3, languages=list(version.languages), actor=bea,
    )
    rounds.accept_ownership(dialogue_round, bram)
    rounds.open_round(dialogue_round, bea)

    rng = random.Random(2026)  # noqa: S311 - demo answers, the same every time; nothing secret
    for index, (name, country, state) in enumerate(SUPPLIERS):
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
        if organisation is None:
            organisation = accounts.create_organisation(name, OrganisationKind.SUPPLIER, country, actor=None)
        contact = _contact(organisation, index)
        db.session.add(Invitation(
            round=dialogue_round, organisation=organisation, contact_email=contact.email,
            contact_name=contact.name, language=contact.language or "en", token_hash=new_token()[1],
            invited_by=bea, sent_at=now - timedelta(days=14),
            opened_at=None if state == "not_started" and index % 2 else now - timedelta(days=13 - index % 5),
            used_at=None if state == "not_started" else now - timedelta(days=12),
        ))
        if state == "not_started":
            continue
        response = responses.get_or_create_response(dialogue_round, organisation)
        maturity = [1, 3, 2, 4, 2, 3, 1, 2, 0, 3, 2, 1][index]
        values = _answers(version, response, contact, rng, maturity, complete=state == "submitted")
        _store(response, values, contact, rng)
        if state == "submitted":
            responses.submit(response, response.version, contact)
    db.session.flush()
    return dialogue_round
