"""In a real browser: a supplier answers over two sittings, attaches a PDF, reviews, submits, gets a receipt."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from factories_answering import build
from playwright.sync_api import Page, expect

from e2e.test_accessibility import Audit

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _log_out(page: Page) -> None:
    page.get_by_role("banner").get_by_role("button", name="Log out").click()


def test_a_supplier_answers_over_two_sittings_attaches_evidence_and_submits(
        page: Page, make_user, make_org, smtp, log_in_through_page: Callable[..., None]) -> None:
    setup = build(make_org, make_user)
    log_in_through_page(page, setup.supplier.email)
    page.goto(setup.url)
    expect(page.get_by_role("heading", level=1)).to_have_text("ICT supply chains 2026")
    page.get_by_role("link", name="Continue answering").click()
    expect(page).to_have_url(re.compile(r"/section/policy$"))

    # The conditional question appears live when its condition starts to hold.
    url_field = page.get_by_label("Where is the policy published?")
    expect(url_field).to_be_hidden()
    page.get_by_label("Yes", exact=True).check()
    expect(url_field).to_be_visible()
    url_field.fill("https://acme.example/human-rights-policy")
    page.get_by_label("3", exact=True).check()
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("status").first).to_contain_text("Your answers are saved.")

    # A second sitting: everything is still there.
    _log_out(page)
    log_in_through_page(page, setup.supplier.email)
    page.goto(setup.section_url("policy"))
    expect(page.get_by_label("Yes", exact=True)).to_be_checked()
    expect(page.get_by_label("Where is the policy published?")).to_have_value(
        "https://acme.example/human-rights-policy")
    page.get_by_label("No", exact=True).check()
    expect(page.get_by_label("Where is the policy published?")).to_be_hidden()
    page.get_by_label("Yes", exact=True).check()
    page.get_by_role("button", name="Save and next").click()

    expect(page).to_have_url(re.compile(r"/section/suppliers$"))
    page.get_by_label("Name, row 1").fill("Shenzhen Assembly 1")
    page.get_by_label("Workers, row 1").fill("1200")
    page.get_by_label("How many audits did you run last year?").fill("4")
    page.get_by_role("button", name="Save and next").click()

    expect(page).to_have_url(re.compile(r"/section/evidence$"))
    page.get_by_label("Attach your latest audit summary").set_input_files(
        {"name": "audit-summary.pdf", "mimeType": "application/pdf", "buffer": PDF})
    page.get_by_label("Summarise your main findings").fill("Excessive overtime at one site; remediated.")
    page.get_by_role("button", name="Save draft").click()
    expect(page.get_by_role("main")).to_contain_text("audit-summary.pdf")
    page.get_by_role("button", name="Save and next").click()

    expect(page).to_have_url(re.compile(r"/answer/review$"))
    expect(page.get_by_role("main")).to_contain_text("Every required question is answered.")
    page.get_by_role("button", name="Submit my response").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Response submitted")

    [receipt] = smtp.to(setup.supplier.email)
    assert "ICT supply chains 2026" in receipt["Subject"]


def test_the_answering_pages_pass_axe(page: Page, make_user, make_org,
                                      log_in_through_page: Callable[..., None]) -> None:
    setup = build(make_org, make_user)
    log_in_through_page(page, setup.supplier.email)
    audit = Audit(page)
    audit.visit(setup.url)
    for key in ("policy", "suppliers", "evidence"):
        audit.visit(setup.section_url(key))
    page.goto(setup.section_url("policy"))
    page.get_by_label("How many workers are covered?").fill("-3")
    audit.submit("button[value=save]:not(.visually-hidden)", "answer form with an error")
    audit.visit(f"{setup.url}/review")
    audit.assert_clean()
