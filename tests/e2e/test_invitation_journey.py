"""In a real browser: a buyer invites a supplier, whose contact follows the e-mailed link to the round."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from playwright.sync_api import Page, expect
from rounds_support import make_round

from e2e.test_first_journey import french

pytestmark = pytest.mark.e2e

LINK = re.compile(r"https?://[^\s/]+(/i/[A-Za-z0-9_-]+)")


def test_invited_contact_sets_a_password_and_reaches_the_round(page: Page, make_user, make_org, smtp,
                                                               log_in_through_page: Callable[..., None]) -> None:
    buyer_org = make_org(kind="buyer", name="City of Lyon Digital Procurement", country="FR")
    buyer = make_user(org=buyer_org, name="Bea Buyer")
    dialogue_round = make_round([buyer_org], title="Laptops and monitors 2026")

    log_in_through_page(page, buyer.email)
    page.goto(f"/rounds/{dialogue_round.id}")
    page.get_by_label("Supplier organisation").fill("Nordlicht Computers GmbH")
    page.get_by_label("Country").select_option("DE")
    page.get_by_label("Contact e-mail address").fill("compliance@nordlicht.example")
    page.get_by_label("Contact's language").select_option("fr")
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("compliance@nordlicht.example")
    expect(page.get_by_role("table")).to_contain_text("Nordlicht Computers GmbH")
    page.get_by_role("banner").get_by_role("button", name="Log out").click()  # log out

    [message] = smtp.to("compliance@nordlicht.example")
    match = LINK.search(smtp.body(message))
    assert match, smtp.body(message)
    link = match.group(1)

    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your invitation to a market dialogue")
    page.get_by_label("Your name").fill("Nora Nordlicht")
    page.get_by_label("New password", exact=True).fill("a long enough password")
    page.get_by_label("Repeat the new password").fill("a long enough password")
    page.get_by_role("button", name="Activate my account").click()

    expect(page).to_have_url(re.compile(rf"/rounds/{dialogue_round.id}$"))
    # The new account speaks the contact's language, the one the invitation was written in.
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("heading", level=1)).to_have_text("Laptops and monitors 2026")
    expect(page.get_by_role("main")).to_contain_text(french("Link opened", "response state") or "Link opened")
    start = page.get_by_role("link", name=french("Start answering") or "Start answering")
    expect(start).to_be_visible()
    start.click()
    expect(page).to_have_url(re.compile(rf"/rounds/{dialogue_round.id}/answer"))

    # The link has done its job: used again, it reveals nothing. (The contact reads French.)
    page.get_by_role("banner").get_by_role("button", name="Se déconnecter").click()
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        french("This link does not work") or "This link does not work")
    expect(page.get_by_role("main")).not_to_contain_text("Laptops")
