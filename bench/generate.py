"""Benchmark data: one open round with N suppliers answering a questionnaire of Q questions.

The questionnaire repeats the shipped template's sections (with new keys for each repetition) until it
holds Q questions, so its type mix, conditions and section sizes are the template's. Every supplier's
answers respect the conditions (a hidden question has no answer), required questions are always
answered, optional ones mostly; some answers are "not applicable", confidential or quotable. Rows are
written with executemany batches, not one ORM object per answer.

    python -m bench.generate --suppliers 1000 --questions 100 --database sqlite:////tmp/bench.sqlite3
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DATABASE = f"sqlite:///{BENCH_DIR / 'data' / 'bench.sqlite3'}"
PASSWORD = "bench-password-1"  # noqa: S105 - a throw-away account in generated data
TEMPLATE = "ict_supply_chain_hrdd"
COUNTRIES = ["DE", "FR", "NL", "BE", "SE", "DK", "ES", "IT", "CN", "TW", "KR", "JP", "US", "VN", "MY", "MX"]
BATCH = 5000
TABLES = ("organisation", "user_account", "invitation", "response", "answer", "evidence", "submission")

WORDS = [
    "audit", "supplier", "worker", "factory", "policy", "training", "remediation", "grievance", "wages",
    "hours", "contract", "recruitment", "fees", "union", "safety", "minerals", "smelter", "cobalt",
    "assessment", "monitoring", "report", "corrective", "action", "plan", "interview", "committee",
    "management", "board", "risk", "mapping", "tier", "component", "assembly",
]


@dataclass
class Generated:
    """What the scenarios need to find in the generated data."""

    database: str
    round_id: int
    suppliers: int
    submitted: int
    questions: int
    sections: list[tuple[str, int, bool]]  # key, number of questions, whether a condition may hide it
    answers: int
    seconds: float
    secretariat_email: str
    supplier_emails: list[str] = field(default_factory=list)  # suppliers with a draft response, for HTTP

    def to_json(self) -> str:
        """The description as JSON (kept next to the database)."""
        return json.dumps(self.__dict__, indent=1)


def questionnaire_document(template: dict[str, Any], questions: int) -> dict[str, Any]:
    """The template's sections repeated (keys suffixed per repetition) until there are `questions`."""
    sections: list[dict[str, Any]] = []
    total = 0
    repetition = 0
    while total < questions:
        repetition += 1
        renamed: dict[str, str] = {}
        for section in template["sections"]:
            if total >= questions:
                break
            new = copy.deepcopy(section)
            if repetition > 1:
                new["key"] = f"{section['key']}-{repetition}"
                new["title"] = {lang: f"{text} ({repetition})" for lang, text in section["title"].items()}
            kept = []
            for question in new["questions"]:
                if total >= questions:
                    break
                if repetition > 1:
                    renamed[question["key"]] = f"r{repetition}.{question['key']}"
                    question["key"] = renamed[question["key"]]
                kept.append(question)
                total += 1
            new["questions"] = kept
            for node in [new, *kept]:
                if node.get("show_if"):
                    node["show_if"] = _rename_condition(node["show_if"], renamed)
            sections.append(new)
    document = {k: v for k, v in template.items() if k != "sections"}
    document["sections"] = sections
    return document


def _rename_condition(condition: dict[str, Any], renamed: dict[str, str]) -> dict[str, Any]:
    if "all" in condition or "any" in condition:
        op = "all" if "all" in condition else "any"
        return {op: [_rename_condition(c, renamed) for c in condition[op]]}
    result = dict(condition)
    result["question"] = renamed.get(condition["question"], condition["question"])
    return result


# --- values --------------------------------------------------------------------------------------


def _words(rng: random.Random, low: int, high: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high))).capitalize()


def _option_values(options: list[dict[str, Any]]) -> tuple[list[str], list[str]]:
    plain = [o["value"] for o in options if not o.get("exclusive")]
    exclusive = [o["value"] for o in options if o.get("exclusive")]
    return plain, exclusive


def column_value(column: dict[str, Any], rng: random.Random, index: int) -> Any:
    """A table cell."""
    kind = column.get("type", "text")
    if kind == "date":
        return (date(2024, 1, 1) + timedelta(days=rng.randint(0, 700))).isoformat()
    if kind == "single_choice":
        return rng.choice([o["value"] for o in column["options"]])
    if kind in ("number", "percentage"):
        return rng.randint(0, 100)
    if kind == "yes_no":
        return rng.choice(["yes", "no"])
    if kind == "url":
        return f"https://example.org/{index}"
    return _words(rng, 1, 3)


def value_for(question: Any, rng: random.Random, evidence: list[int]) -> Any:
    """A realistic stored value of a question (see DESIGN.md section 4)."""
    config = question.config or {}
    kind = question.type
    if kind == "yes_no":
        return "yes" if rng.random() < 0.6 else "no"
    if kind == "single_choice":
        # Skewed toward the first options, as real answers are.
        values = [o["value"] for o in config["options"]]
        return values[min(int(rng.expovariate(0.7)), len(values) - 1)]
    if kind == "multiple_choice":
        plain, exclusive = _option_values(config["options"])
        if exclusive and rng.random() < 0.1:
            return [exclusive[0]]
        return [v for v in plain if rng.random() < 0.4] or [plain[0]]
    if kind == "scale":
        scale = config.get("scale") or {"min": config.get("min", 0), "max": config.get("max", 4)}
        return min(scale["max"], max(scale["min"], round(rng.triangular(scale["min"], scale["max"], 2))))
    if kind == "text":
        return _words(rng, 2, 5)
    if kind == "long_text":
        return ". ".join(_words(rng, 6, 14) for _ in range(rng.randint(1, 4))) + "."
    if kind == "number":
        low = config.get("min", 0) or 0
        return rng.randint(int(low), int(low) + 250)
    if kind == "percentage":
        return rng.randint(0, 100)
    if kind == "date":
        return (date(2025, 1, 1) + timedelta(days=rng.randint(0, 300))).isoformat()
    if kind == "url":
        return f"https://supplier.example/{question.key}/{rng.randint(1, 9999)}"
    if kind == "file":
        return list(evidence)
    if kind == "table":
        columns = config["columns"]
        return [{c["key"]: column_value(c, rng, i) for c in columns} for i in range(rng.randint(1, 4))]
    raise ValueError(f"no generator for question type {kind!r}")


# --- writing -------------------------------------------------------------------------------------


def _bulk(connection: Any, table: Any, rows: list[dict[str, Any]]) -> None:
    if connection.dialect.name == "postgresql" and rows:
        # psycopg's executemany sends one statement per row: COPY is several times faster. The values go
        # through the columns' own bind processing (JSON, enums, UTC datetimes) first.
        names = list(rows[0])
        processors = [table.c[name].type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
                      for name in names]
        cursor = connection.connection.dbapi_connection.cursor()
        columns = ", ".join(f'"{name}"' for name in names)
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row([process(row[name]) if process else row[name]
                                for name, process in zip(names, processors, strict=True)])
        return
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), rows[start:start + BATCH])


def generate(database: str, suppliers: int = 1000, questions: int = 100, drafts: int = 64,
             seed: int = 20261122) -> Generated:
    """Drop and recreate the schema of `database`, then fill it; returns where things are."""
    from questionnaire import create_app
    from questionnaire.extensions import db

    started = time.perf_counter()
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "SECRET_KEY": "bench"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        made = populate(suppliers=suppliers, questions=questions, drafts=drafts, seed=seed)
        db.engine.dispose()
    made.database = database
    made.seconds = time.perf_counter() - started
    return made


def populate(*, suppliers: int, questions: int, drafts: int = 0, seed: int = 20261122, label: str = "bench",
             password_hash: str | None = None) -> Generated:
    """Add one open round to the app's database (inside an app context); `label` keeps names unique."""
    started = time.perf_counter()
    from questionnaire.extensions import db
    from questionnaire.models import (
        Answer,
        AnswerFact,
        DialogueRound,
        Evidence,
        Invitation,
        Organisation,
        OrganisationKind,
        Response,
        ResponseStatus,
        RoundOwner,
        RoundStatus,
        SectionScore,
        Submission,
        User,
        utcnow,
    )
    from questionnaire.question_types import condition_holds
    from questionnaire.services import facts
    from questionnaire.services.accounts import hash_password
    from questionnaire.services.questionnaires import import_document

    rng = random.Random(seed)
    now = utcnow()
    secretariat = Organisation(name=f"{label.title()} secretariat", kind=OrganisationKind.SECRETARIAT, country="BE")
    buyer = Organisation(name=f"{label.title()} city buyer", kind=OrganisationKind.BUYER, country="NL")
    db.session.add_all([secretariat, buyer])
    db.session.flush()
    password_hash = password_hash or hash_password(PASSWORD)
    db.session.add_all([
        User(email=f"secretariat@{label}.example", name="Secretariat", password_hash=password_hash,
             organisation=secretariat, is_org_admin=True),
        User(email=f"buyer@{label}.example", name="Buyer", password_hash=password_hash,
             organisation=buyer, is_org_admin=True),
    ])
    template = _template_json()
    questionnaire = import_document(questionnaire_document(template, questions), owner=buyer, actor=None)
    version = questionnaire.latest_version
    version.publish(None)
    round_ = DialogueRound(title=f"Bench round: {suppliers} suppliers, {questions} questions",
                           questionnaire_version=version, opens_at=now - timedelta(days=30),
                           closes_at=now + timedelta(days=60), k=3, languages=list(version.languages),
                           status=RoundStatus.OPEN)
    round_.owners.append(RoundOwner(organisation=buyer, accepted_at=now))
    db.session.add(round_)
    db.session.flush()
    round_id = round_.id
    sections = list(version.sections)
    all_questions = [q for s in sections for q in s.questions]
    # The aggregation facts of each submitted response, by the code submit() stores them with.
    version_facts = facts.VersionFacts(version)
    db.session.commit()

    connection = db.session.connection()
    # Explicit ids (answers must name their response): continue after whatever the tables hold.
    first = {table: db.session.scalar(text(f"SELECT max(id) FROM {table}")) or 0
             for table in TABLES}
    first_org, first_user = first["organisation"] + 1, first["user_account"] + 1
    orgs, users, invitations, responses, answers, evidence, submissions = [], [], [], [], [], [], []
    answer_facts: list[dict[str, Any]] = []
    section_scores: list[dict[str, Any]] = []
    emails: list[str] = []
    answer_id, evidence_id, submitted = first["answer"], first["evidence"], first["submission"]
    submissions_before = submitted
    for i in range(suppliers):
        org_id, user_id, response_id = first_org + i, first_user + i, first["response"] + i + 1
        email = f"supplier{i + 1:05d}@{label}.example"
        orgs.append({"id": org_id, "name": f"{label.title()} supplier {i + 1:05d} {rng.choice(WORDS).title()} Ltd",
                     "kind": OrganisationKind.SUPPLIER, "country": rng.choice(COUNTRIES), "created_at": now})
        users.append({"id": user_id, "email": email, "name": f"Contact {i + 1}", "password_hash": password_hash,
                      "organisation_id": org_id, "is_org_admin": True, "language": "en", "active": True,
                      "auth_stamp": hashlib.sha256(email.encode()).hexdigest()[:32], "created_at": now})
        invitations.append({"id": first["invitation"] + i + 1, "round_id": round_id, "organisation_id": org_id,
                            "contact_email": email,
                            "contact_name": f"Contact {i + 1}", "language": "en",
                            "token_hash": hashlib.sha256(email.encode()).hexdigest(), "sent_at": now,
                            "opened_at": now, "used_at": now, "reminder_count": 0})
        # The first `drafts` suppliers are still answering: the HTTP scenarios log in as them.
        is_draft = i < drafts
        if is_draft:
            emails.append(email)
        effective: dict[str, Any] = {}
        snapshot: dict[str, Any] = {}
        required_shown = required_answered = 0
        for section in sections:
            if section.show_if and not condition_holds(section.show_if, effective):
                continue
            for question in section.questions:
                if question.show_if and not condition_holds(question.show_if, effective):
                    continue
                required_shown += question.required
                if not question.required and rng.random() < 0.25:
                    continue
                ids: list[int] = []
                if question.type == "file":
                    for n in range(rng.randint(1, 2)):
                        evidence_id += 1
                        ids.append(evidence_id)
                        evidence.append({"id": evidence_id, "response_id": response_id,
                                         "question_key": question.key, "original_name": f"evidence-{n}.pdf",
                                         "stored_name": f"bench{evidence_id:08d}", "content_type":
                                         "application/pdf", "size": 20000, "sha256": "0" * 64,
                                         "uploaded_at": now, "uploaded_by_id": user_id})
                if question.allow_na and rng.random() < 0.1:
                    value: Any = {"na": True, "justification": _words(rng, 3, 8)}
                else:
                    value = value_for(question, rng, ids)
                effective[question.key] = value
                required_answered += question.required
                answer_id += 1
                row = {"id": answer_id, "response_id": response_id, "question_key": question.key,
                       "value": value, "confidential": rng.random() < 0.05,
                       "quotable": question.type in ("text", "long_text") and rng.random() < 0.5,
                       "comment": "", "updated_at": now, "updated_by_id": user_id}
                answers.append(row)
                snapshot[question.key] = {k: row[k] for k in ("value", "confidential", "quotable", "comment")}
        responses.append({"id": response_id, "round_id": round_id, "organisation_id": org_id,
                          "status": ResponseStatus.DRAFT if is_draft else ResponseStatus.SUBMITTED,
                          "version": 2, "required_answered": required_answered,
                          "required_shown": required_shown, "created_at": now, "updated_at": now,
                          "updated_by_id": user_id, "submitted_at": None if is_draft else now,
                          "facts_version": None if is_draft else 2})
        if not is_draft:
            fact_rows, score_rows = facts.table_rows(round_id, response_id, version_facts.facts(
                {key: facts.StoredAnswer(item["value"], item["confidential"], item["quotable"])
                 for key, item in snapshot.items()}))
            answer_facts.extend(fact_rows)
            section_scores.extend(score_rows)
            submitted += 1
            submissions.append({"id": submitted, "response_id": response_id, "number": 1,
                                "response_version": 2, "submitted_at": now, "submitted_by_id": user_id,
                                "snapshot": snapshot})
    for model, rows in ((Organisation, orgs), (User, users), (Invitation, invitations),
                        (Response, responses), (Answer, answers), (Evidence, evidence),
                        (Submission, submissions), (AnswerFact, answer_facts), (SectionScore, section_scores)):
        _bulk(connection, model.__table__, rows)
    if connection.dialect.name == "postgresql":
        # Explicit ids leave the sequences behind; later inserts (a Save, a log-in event) need them moved.
        for table in TABLES:
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"))
    db.session.execute(
        DialogueRound.__table__.update().where(DialogueRound.__table__.c.id == round_id).values(data_version=1))
    db.session.commit()
    # Planner statistics for the new rows, as a database in use has them (autovacuum would, later).
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    section_keys = [(s.key, len(s.questions), bool(s.show_if)) for s in sections]
    return Generated(database=str(db.engine.url), round_id=round_id, suppliers=suppliers,
                     submitted=submitted - submissions_before, questions=len(all_questions), sections=section_keys,
                     answers=len(answers), seconds=time.perf_counter() - started,
                     secretariat_email=f"secretariat@{label}.example", supplier_emails=emails)


def _template_json() -> dict[str, Any]:
    from questionnaire.services.questionnaires import LIBRARY_DIR

    return json.loads((LIBRARY_DIR / f"{TEMPLATE}.json").read_text(encoding="utf-8"))


def database_url(value: str | None) -> str:
    """A URL as given, or a SQLite URL for a file path; the default file under bench/data/."""
    if not value:
        return DEFAULT_DATABASE
    if "://" in value:
        from questionnaire.config import database_url as normalise

        return normalise(value)
    path = Path(value).resolve()
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def main(argv: list[str] | None = None) -> int:
    """Command line: generate the data and print what was made."""
    import os

    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.splitlines()[0])
    parser.add_argument("--suppliers", type=int, default=1000)
    parser.add_argument("--questions", type=int, default=100)
    parser.add_argument("--drafts", type=int, default=64, help="suppliers still answering (used by HTTP scenarios)")
    parser.add_argument("--database", default=os.environ.get("DATABASE_URL"),
                        help="database URL or SQLite file (default: $DATABASE_URL, else bench/data/bench.sqlite3)")
    args = parser.parse_args(argv)
    url = database_url(args.database)
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    made = generate(url, suppliers=args.suppliers, questions=args.questions, drafts=min(args.drafts, args.suppliers))
    print(f"{made.suppliers} suppliers ({made.submitted} submitted), {made.questions} questions, "
          f"{made.answers} answers in {made.seconds:.1f} s -> {url}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
