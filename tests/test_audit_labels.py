"""The audit log speaks in words: every recorded action has a label, targets are named."""

from __future__ import annotations

import re
from pathlib import Path

from questionnaire.services import audit

ROOT = Path(__file__).resolve().parent.parent


def _recorded_actions() -> set[str]:
    found = set()
    for path in [*ROOT.glob("questionnaire/**/*.py"), *ROOT.glob("reports/*.py")]:
        text = path.read_text(encoding="utf-8")
        found |= set(re.findall(r'record(?:_now)?\(\s*"([a-z_]+(?:\.[a-z_]+)?)"', text))
        found |= set(re.findall(r'_changed\(\w+,\s*"([a-z_]+\.[a-z_]+)"', text))
    return found


def test_every_recorded_action_has_a_label():
    recorded = _recorded_actions()
    assert {"login.success", "response.submitted", "questionnaire.section_added"} <= recorded  # the scan works
    assert sorted(recorded - set(audit.ACTION_LABELS)) == []


def test_the_secretariat_reads_what_happened_and_to_whom(client, login, make_org, make_user, db):
    secretariat = make_user(kind="secretariat", name="Sam Secretariat")
    supplier = make_user(org=make_org(kind="supplier", name="Nordlicht Computers"), name="Sofia Supplier")
    login(client, supplier)
    client.post("/logout", data={})
    login(client, secretariat)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Logged in" in page and "login.success" not in page
    assert "Sofia Supplier" in page and f"user:{supplier.id}" not in page

    log = client.get("/audit/").get_data(as_text=True)
    assert "Logged in" in log and "login.success" in log  # the code stays, for searching
    assert "Logged out" in log


def test_the_audit_log_in_french(client, login, make_user, db):
    secretariat = make_user(kind="secretariat", name="Sam Secretariat")
    secretariat.language = "fr"
    db.session.commit()
    login(client, secretariat)
    assert "Connexion" in client.get("/audit/").get_data(as_text=True)


def test_an_unknown_action_or_a_vanished_target_keeps_its_code(app, db):
    assert audit.action_label("something.new") == "something.new"
    event = audit.record("login.success", actor=None, target="user:999999")
    with app.test_request_context():
        assert audit.describe_targets([event]) == {}


def test_targets_of_every_kind_are_named(app, db, make_org, make_user):
    from factories_answering import build
    from sqlalchemy import select as _select

    from questionnaire.models import Invitation
    from questionnaire.services.responses import get_or_create_response

    setup = build(make_org, make_user)
    response = get_or_create_response(setup.round, setup.supplier.organisation)
    db.session.commit()
    invitation = db.session.scalar(_select(Invitation).where(Invitation.round_id == setup.round.id))
    version = setup.round.questionnaire_version
    events = [audit.record("x", actor=None, target=target) for target in (
        f"user:{setup.supplier.id}", f"organisation:{setup.supplier.organisation_id}", f"round:{setup.round.id}",
        f"questionnaire:{version.questionnaire_id}", f"questionnaire_version:{version.id}",
        f"response:{response.id}", f"invitation:{invitation.id}")]
    with app.test_request_context():
        names = audit.describe_targets(events)
    assert names[f"user:{setup.supplier.id}"] == "Alice"
    assert names[f"round:{setup.round.id}"] == "ICT supply chains 2026"
    assert names[f"questionnaire:{version.questionnaire_id}"] == "Supply-chain due diligence"
    assert names[f"questionnaire_version:{version.id}"] == "Supply-chain due diligence, version 1"
    assert names[f"response:{response.id}"] == "Response of Acme Devices to ICT supply chains 2026"
    assert names[f"invitation:{invitation.id}"].startswith("Invitation of ")
