"""The first journey in a real browser: log in, switch to French, log out."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext, pgettext
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.e2e


def french(english: str, context: str | None = None) -> str | None:
    """The French catalogue's text for a message (in a pgettext context if given), or None while untranslated."""
    with force_locale("fr"):
        translated = pgettext(context, english) if context else gettext(english)
    return translated if translated != english else None


def test_buyer_logs_in_switches_to_french_and_logs_out(page: Page, make_user, make_org) -> None:
    buyer = make_user(org=make_org(kind="buyer", name="City of Lyon Digital Procurement", country="FR"),
                      name="Bea Buyer", email="bea@lyon.test", password="a long demo password")

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))
    page.get_by_label("E-mail address", exact=True).fill(buyer.email)
    page.get_by_label("Password", exact=True).fill("a long demo password")
    page.get_by_role("button", name="Log in", exact=True).click()

    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Buyer dashboard")
    expect(page.get_by_role("main")).to_contain_text("Bea Buyer")

    # The header switcher is a form with one button per language, each named in its own language.
    page.locator("form.language-switcher").get_by_role("button", name="Français").click()

    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.locator("form.language-switcher button[aria-current='true']")).to_have_attribute("lang", "fr")
    heading = french("Buyer dashboard")
    if heading:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)

    # Log-out sits in the page header, beside the account, in French too.
    page.get_by_role("banner").get_by_role("button", name=french("Log out") or "Log out", exact=True).click()

    expect(page).to_have_url(re.compile(r"/login$"))
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    expect(page.get_by_role("navigation")).to_have_count(0)
    login_heading = french("Log in")
    if login_heading:
        expect(page.get_by_role("heading", level=1)).to_have_text(login_heading)
    logged_out = french("You are logged out.")
    if logged_out:
        expect(page.get_by_role("status")).to_contain_text(logged_out)

    # Logged out for real: the dashboard now sends the visitor back to the log-in page.
    page.goto("/dashboard")
    expect(page).to_have_url(re.compile(r"/login\?next="))
