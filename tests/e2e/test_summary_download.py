"""The secretariat downloads a round's participant summary from its dashboard, in a real browser."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import Page
from pypdf import PdfReader
from reports_support import build_known_round

pytestmark = pytest.mark.e2e


def _download_participants_summary(page: Page, round_title: str) -> PdfReader:
    """Click the dashboard's participants' edition (English) of a round and open the file as a PDF."""
    block = page.locator("p", has_text=round_title).locator("xpath=following-sibling::ul[1]")
    item = block.locator("li", has_text="Participants' edition")
    with page.expect_download() as info:
        item.get_by_role("link", name="PDF (English)").click()
    download = info.value
    assert download.suggested_filename.endswith("-participants-en.pdf")
    with open(download.path(), "rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF")
    return PdfReader(io.BytesIO(data))


def _pages(reader: PdfReader) -> list[str]:
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def test_secretariat_downloads_the_participant_summary_from_the_dashboard(page: Page, make_org, make_user,
                                                                          log_in_through_page) -> None:
    known = build_known_round(make_org, make_user)
    log_in_through_page(page, known.secretariat.email)

    pages = _pages(_download_participants_summary(page, "ICT hardware dialogue 2026"))
    text = " ".join(pages)
    # The cover, then the contents with page numbers.
    assert "ICT hardware dialogue 2026" in pages[0]
    assert "Participants: anonymised" in pages[0]
    assert "86%" in pages[0]
    assert pages[1].startswith("Contents Key findings 3 Policy 4 Practice")
    # A table with bars per choice question: answer, count, share.
    for row_text in ("Yes 6 100%", "1 3 50%", "Every year 3 50%", "Minerals 6 100%"):
        assert row_text in text, row_text
    assert "Environment fewer than 3" in text
    assert "Alpha Devices" not in text


def test_secretariat_downloads_the_demo_round_summary(page: Page, app, log_in_through_page) -> None:
    from questionnaire.extensions import db
    from questionnaire.services.demo import DEMO_PASSWORD, seed_demo
    from questionnaire.services.demo_round import ROUND_TITLE

    seed_demo()
    db.session.commit()
    log_in_through_page(page, "secretariat@demo.test", DEMO_PASSWORD)

    pages = _pages(_download_participants_summary(page, ROUND_TITLE))
    assert ROUND_TITLE in pages[0]
    assert pages[1].startswith("Contents Key findings")
    assert "Note on method" in pages[-1]
    assert "Nordlicht" not in " ".join(pages)


def test_the_documents_pages_pass_axe_for_the_secretariat_and_a_supplier(page: Page, make_org, make_user,
                                                                         log_in_through_page) -> None:
    from .axe import describe, serious_violations

    known = build_known_round(make_org, make_user)
    log_in_through_page(page, known.secretariat.email)
    for path in ("/dashboard", "/reports/", f"/rounds/{known.round.id}/reports"):
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        violations = serious_violations(page)
        assert not violations, f"{path}: {describe(violations)}"
    # Publish from the page, then the supplier sees the result on its dashboard.
    page.get_by_role("button", name="Publish the participants' summary").click()
    assert "people were told by e-mail" in page.get_by_role("main").inner_text()

    page.context.clear_cookies()
    log_in_through_page(page, known.suppliers[0].email)
    for path in ("/dashboard", f"/rounds/{known.round.id}/reports"):
        page.goto(path)
        violations = serious_violations(page)
        assert not violations, f"{path}: {describe(violations)}"
    page.goto("/dashboard")
    with page.expect_download() as info:
        page.get_by_role("link", name="Your feedback against your anonymised peers (PDF)").click()
    with open(info.value.path(), "rb") as handle:
        assert handle.read(5) == b"%PDF-"
