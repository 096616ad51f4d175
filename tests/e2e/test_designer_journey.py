"""The designer in a real browser: build, preview in two languages, co-sign, publish, refuse edits, new version."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect

from .axe import describe, serious_violations

pytestmark = pytest.mark.e2e


class Checks:
    """Runs axe on each designer page visited and keeps every finding for one report at the end."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []

    def axe(self, label: str) -> None:
        """Check the page as it is now."""
        violations = serious_violations(self.page)
        if violations:
            self.problems.append(f"[{label}] {describe(violations)}")
        if self.page.locator("h1").count() != 1:
            self.problems.append(f"[{label}] {self.page.locator('h1').count()} h1 elements")


def add_section(page: Page, key: str, english: str, french: str) -> None:
    page.get_by_role("link", name="Add a section").click()
    page.get_by_label("Key").fill(key)
    page.get_by_label("Title (English)").fill(english)
    page.get_by_label("Title (French)").fill(french)
    page.get_by_role("button", name="Save section").click()
    expect(page.get_by_role("status")).to_contain_text(f"The section {key} is saved.")


def start_question(page: Page, section: str, type_label: str) -> None:
    page.get_by_label(f"Add a question to {section} of type").select_option(label=type_label)
    page.get_by_role("button", name=f"Add question to {section}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Add a question to {section}")


def texts(page: Page, key: str, english: str, french: str) -> None:
    page.get_by_label("Key", exact=True).fill(key)
    page.get_by_label("Question (English)").fill(english)
    page.get_by_label("Question (French)").fill(french)


def save_question(page: Page, key: str) -> None:
    page.get_by_role("button", name="Save question").click()
    expect(page.get_by_role("status")).to_contain_text(f"The question {key} is saved.")


def test_buyers_build_preview_approve_publish_and_reopen_a_questionnaire(page: Page, make_org, make_user,
                                                                         log_in_through_page) -> None:
    lyon = make_org(kind="buyer", name="City of Lyon Digital Procurement", country="FR")
    dutch = make_org(kind="buyer", name="Dutch Government ICT Purchasing", country="NL")
    make_user(org=lyon, email="bea@lyon.test", name="Bea Buyer")
    make_user(org=dutch, email="bram@nl.test", name="Bram Buyer")
    checks = Checks(page)

    log_in_through_page(page, "bea@lyon.test", "pw")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Questionnaires").click()
    checks.axe("questionnaire list")
    page.get_by_role("link", name="New questionnaire").click()
    checks.axe("new questionnaire")
    page.get_by_label("Title").fill("Supply-chain due diligence 2027")
    page.get_by_label("Languages").fill("en, fr")
    page.get_by_role("button", name="Create a blank questionnaire").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Supply-chain due diligence 2027")

    add_section(page, "policy", "Policy", "Politique")
    add_section(page, "practice", "Practice", "Pratique")
    checks.axe("designer with sections")

    # A single choice; its second option row is added with the no-JavaScript "Add an option" button.
    start_question(page, "policy", "Single choice")
    texts(page, "policy.exists", "Do you have a human-rights policy?", "Avez-vous une politique des droits humains ?")
    page.locator("#options-0-value").fill("yes")
    page.locator("#options-0-label-en").fill("Yes, published")
    page.locator("#options-0-label-fr").fill("Oui, publiée")
    page.locator("#options-1-value").fill("draft")
    page.locator("#options-1-label-en").fill("In preparation")
    page.get_by_role("button", name="Add an option").click()
    page.locator("#options-2-value").fill("no")
    page.locator("#options-2-label-en").fill("No")
    page.locator("#options-2-label-fr").fill("Non")
    checks.axe("single choice form")
    save_question(page, "policy.exists")

    start_question(page, "policy", "Scale")
    texts(page, "policy.maturity", "How mature is your due diligence?", "Quelle est la maturité de votre vigilance ?")
    page.get_by_label("Lowest point").fill("0")
    page.get_by_label("Highest point").fill("4")
    page.get_by_label("Point labels").fill("0 | None | Aucune\n4 | Verified and reported | Vérifiée et publiée")
    save_question(page, "policy.maturity")

    start_question(page, "practice", "Table")
    texts(page, "factories", "Final assembly factories", "Usines d'assemblage final")
    page.locator("#columns-0-key").fill("name")
    page.locator("#columns-0-label-en").fill("Factory name")
    page.locator("#columns-0-label-fr").fill("Nom de l'usine")
    page.locator("#columns-1-key").fill("country")
    page.locator("#columns-1-label-en").fill("Country")
    page.locator("#columns-1-label-fr").fill("Pays")
    page.locator("#columns-1-type").select_option("single_choice")
    page.locator("#columns-1-options").fill("cn | China | Chine\nvn | Viet Nam | Viêt Nam")
    checks.axe("table form")
    save_question(page, "factories")

    # Shown only when the policy exists: the condition builder offers the earlier questions' answers.
    start_question(page, "practice", "Web address")
    texts(page, "policy.link", "Where is the policy published?", "Où la politique est-elle publiée ?")
    page.get_by_label("Shown only if all of these hold").check()
    page.locator("#show_if_rows-0-pick").select_option(json.dumps(["policy.exists", "yes"]))
    save_question(page, "policy.link")
    expect(page.locator("main")).to_contain_text(
        "Shown only if “Do you have a human-rights policy?” is “Yes, published”")
    checks.axe("designer with questions")

    # Preview in both languages.
    page.get_by_role("link", name="Preview in English").click()
    expect(page.locator(".preview")).to_contain_text("Do you have a human-rights policy?")
    expect(page.locator(".preview")).to_contain_text("Factory name")
    expect(page.locator(".preview")).to_contain_text("Shown only if")
    expect(page.get_by_label("Yes, published")).to_be_disabled()
    checks.axe("preview en")
    page.get_by_role("navigation", name="Preview language").get_by_role("link", name="Français").click()
    expect(page.locator(".preview")).to_contain_text("Avez-vous une politique des droits humains ?")
    expect(page.locator(".preview")).to_contain_text("Usines d'assemblage final")
    # A missing French label falls back to English.
    expect(page.locator(".preview")).to_contain_text("In preparation")
    checks.axe("preview fr")
    page.get_by_role("link", name="Show one section per page, as suppliers answer it").click()
    expect(page.locator(".preview")).not_to_contain_text("Usines d'assemblage final")
    page.locator(".preview").get_by_role("link", name="Suivant").or_(
        page.locator(".preview").get_by_role("link", name="Next")).click()
    expect(page.locator(".preview")).to_contain_text("Usines d'assemblage final")
    checks.axe("preview fr, one section per page")
    page.get_by_role("link", name="Back to the designer").click()

    # The Dutch buyers co-edit; Lyon approves first.
    page.get_by_label("Buyer organisation").select_option(label="Dutch Government ICT Purchasing")
    page.get_by_role("button", name="Add co-editor").click()
    page.get_by_role("button", name="Approve this version").click()
    expect(page.get_by_role("status")).to_contain_text("City of Lyon Digital Procurement approves version 1.")
    expect(page.locator("#approval tr", has_text="Dutch Government ICT Purchasing")).to_contain_text(
        "not yet approved")
    questionnaire_url = page.url.split("#")[0]
    page.get_by_role("button", name="Log out").click()

    log_in_through_page(page, "bram@nl.test", "pw")
    page.goto(questionnaire_url)
    page.get_by_role("button", name="Approve this version").click()
    expect(page.get_by_role("status")).to_contain_text("Dutch Government ICT Purchasing approves version 1.")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("status")).to_contain_text("Version 1 is published")
    checks.axe("published version")

    # Editing the published version is refused, with the way forward.
    section_edit = page.locator("main a[href*='/sections/']").first
    if section_edit.count():
        section_edit.click()
    else:
        questionnaire_id = re.search(r"/questionnaires/(\d+)", questionnaire_url).group(1)
        page.goto(f"/questionnaires/{questionnaire_id}/sections/new")
    expect(page.get_by_role("heading", level=1)).to_have_text("This version is published")
    expect(page.get_by_role("alert")).to_contain_text("published and can no longer be changed")
    checks.axe("refusal")
    page.get_by_role("button", name="Start a new version").click()
    expect(page.get_by_role("status")).to_contain_text("A new draft version is open")
    expect(page.locator(".version-line")).to_contain_text("Version 2")
    expect(page.locator(".version-line")).to_contain_text("draft")
    expect(page.get_by_role("link", name="Edit section policy")).to_be_visible()
    expect(page.locator("#history")).to_contain_text("published")

    assert not checks.problems, "\n".join(checks.problems)
