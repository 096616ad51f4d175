"""Browser checks of the round pages: owners' status page, forms with errors, invitation landing, suppliers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Page
from rounds_support import make_response, make_round, supplier_org

from e2e.test_accessibility import Audit
from questionnaire.extensions import db
from questionnaire.models import Clarification, Invitation
from questionnaire.services.invitations import new_token

pytestmark = pytest.mark.e2e


def _round_with_suppliers(buyer_org):
    dialogue_round = make_round([buyer_org], title="Laptops and monitors 2026")
    orgs = [supplier_org(name) for name in ("Atlantic Devices Ltd", "Nordlicht Computers GmbH", "Sun Panels SA")]
    tokens = []
    for i, org in enumerate(orgs):
        token, token_hash = new_token()
        tokens.append(token)
        db.session.add(Invitation(round=dialogue_round, organisation=org, contact_email=f"c{i}@supplier.example",
                                  language="en", token_hash=token_hash))
    db.session.add(Clarification(round=dialogue_round, question="Do subcontracted plants count?",
                                 asked_by_organisation=orgs[0]))
    db.session.commit()
    make_response(dialogue_round, orgs[1], answered=3, shown=10)
    make_response(dialogue_round, orgs[2], submitted=True)
    return dialogue_round, orgs, tokens


def test_owner_pages_pass_axe(app: Flask, page: Page, make_user, make_org,
                              log_in_through_page: Callable[..., None]) -> None:
    buyer_org = make_org(kind="buyer", name="City of Lyon Digital Procurement", country="FR")
    buyer = make_user(org=buyer_org, name="Pat Buyer")
    dialogue_round, _orgs, _tokens = _round_with_suppliers(buyer_org)
    audit = Audit(page)
    log_in_through_page(page, buyer.email)
    audit.walk(f"/rounds/{dialogue_round.id}")
    audit.visit(f"/rounds/{dialogue_round.id}")
    audit.submit("#invite-submit", "invite form sent empty")
    audit.visit("/rounds/new")
    audit.visit(f"/rounds/{dialogue_round.id}/clarifications")
    audit.assert_clean()


def test_invitation_and_supplier_pages_pass_axe(app: Flask, page: Page, make_user, make_org,
                                                log_in_through_page: Callable[..., None]) -> None:
    buyer_org = make_org(kind="buyer", name="City of Lyon Digital Procurement", country="FR")
    dialogue_round, orgs, tokens = _round_with_suppliers(buyer_org)
    audit = Audit(page)
    audit.visit(f"/i/{tokens[0]}")
    audit.submit("#submit", "invitation landing sent empty")
    audit.visit("/i/not-a-real-token", expected_status=404)
    supplier = make_user(org=orgs[1], name="Sofia Supplier")
    log_in_through_page(page, supplier.email)
    audit.walk(f"/rounds/{dialogue_round.id}")
    audit.visit(f"/rounds/{dialogue_round.id}/clarifications")
    audit.submit("#ask-submit", "clarification question sent empty")
    audit.assert_clean()
