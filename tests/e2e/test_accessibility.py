"""Every page of the platform, for every role, passes axe's WCAG 2.1 A/AA rules and works by keyboard.

Signed-in pages are found by walking the links of the main navigation, and the links on the pages
it leads to, so pages other features add are checked without changing this file.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from flask import Flask
from playwright.sync_api import Page, Response, expect

from questionnaire.services import accounts, outbox

from .axe import describe, serious_violations

pytestmark = pytest.mark.e2e

# A walk that grows past this many distinct pages is following something it should not.
MAX_PAGES_PER_ROLE = 80
# How far the walk follows links inside pages, counted from the last navigation link.
PAGE_LINK_HOPS = 2

ROLES = {
    "secretariat": {"kind": "secretariat", "is_org_admin": True},
    "buyer": {"kind": "buyer", "is_org_admin": False},
    "supplier": {"kind": "supplier", "is_org_admin": False},
    "organisation admin": {"kind": "supplier", "is_org_admin": True},
}


class Audit:
    """Checks page after page and keeps every finding, so one run reports all of them."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.checked: list[str] = []
        self.walked: set[str] = set()  # URL shapes the walk has been to

    def visit(self, path: str, expected_status: int = 200) -> Response | None:
        """Open a page, note an unexpected status, then check it."""
        response = self.page.goto(path)
        if response is not None and response.status != expected_status:
            self.problems.append(f"{path}: status {response.status}, expected {expected_status}")
        self.check(path)
        return response

    def check(self, label: str) -> None:
        """Run axe and the page-structure checks on the page as it is now."""
        self.checked.append(label)
        self.problems.extend(f"[{label}] {violation}" for violation in serious_violations(self.page))
        headings = self.page.locator("h1").count()
        if headings != 1:
            self.problems.append(f"[{label}] {headings} <h1> elements on {self.page.url}, expected exactly one")

    def submit(self, button_selector: str, label: str) -> None:
        """Press a form's button and check the page that comes back with its errors."""
        with self.page.expect_navigation() as navigation:
            self.page.locator(button_selector).click()
        response = navigation.value
        if response is not None and not 400 <= response.status < 500:
            self.problems.append(f"[{label}] status {response.status}, expected a 4xx answer")
        if not self.page.locator(".field-error").first.is_visible():
            self.problems.append(f"[{label}] no field error is shown on {self.page.url}")
        self.check(label)

    def walk(self, start: str) -> None:
        """Check every page reachable from `start` through the navigation and a few links further."""
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(self.page.url))
        queue: deque[tuple[str, int]] = deque([(start, 0)])  # (path, hops since the navigation)
        seen = self.walked
        while queue:
            path, hops = queue.popleft()
            if url_shape(path) in seen:
                continue
            seen.add(url_shape(path))
            if len(seen) > MAX_PAGES_PER_ROLE:
                self.problems.append(f"the walk found more than {MAX_PAGES_PER_ROLE} pages; is it looping?")
                return
            if not self.is_page(path):
                continue  # downloads (PDF, XLSX, e-mails) are not pages, and would abort page.goto
            response = self.page.goto(path)
            if response is None:
                continue
            landed = urlsplit(self.page.url).path
            seen.add(url_shape(landed))
            if landed.rstrip("/").endswith("/login"):
                self.problems.append(f"{path} sent a signed-in user to the log-in page")
                return
            if response.status >= 400:
                self.problems.append(f"{path}: status {response.status} from a link the user was shown")
            self.check(path)
            queue.extend((link, 0) for link in self.links("nav a[href]", origin))
            if hops < PAGE_LINK_HOPS:
                # Pages such as "invite a colleague" are linked from a page, not from the navigation.
                queue.extend((link, hops + 1) for link in self.links("main a[href]", origin))

    def is_page(self, path: str) -> bool:
        """True when the URL answers with an HTML page rather than a file to download."""
        answer = self.page.request.get(path)  # shares the browser's cookies, so it sees what the user sees
        headers = answer.headers
        answer.dispose()
        return "text/html" in headers.get("content-type", "") and "attachment" not in headers.get(
            "content-disposition", ""
        )

    def links(self, selector: str, origin: str) -> list[str]:
        """Same-site page links (as paths) matching a selector; downloads and static files left out."""
        hrefs = self.page.eval_on_selector_all(
            selector, "els => els.filter(a => !a.hasAttribute('download')).map(a => a.href)"
        )
        paths = []
        for href in hrefs:
            url = urldefrag(href).url
            if not url.startswith(origin + "/"):
                continue
            path = url[len(origin):]
            if not path.startswith("/static/"):
                paths.append(path)
        return paths

    def assert_clean(self) -> None:
        """Fail with every finding, listing what was checked."""
        checked = "\n".join(f"  {label}" for label in self.checked)
        assert not self.problems, "\n\n".join([*self.problems, f"Pages checked:\n{checked}"])


def url_shape(path: str) -> str:
    """A path with ids and tokens generalised, so a walk checks one page of each kind."""
    bare = urlsplit(path).path
    return "/".join("<id>" if re.search(r"\d", part) else part for part in bare.split("/"))


def put_a_message_in_the_outbox(app: Flask) -> None:
    """Switch the app to the outbox mail backend with one e-mail in it, so its pages show content."""
    app.config["MAIL_BACKEND"] = outbox.BACKEND_PATH
    message = EmailMessage()
    message["From"] = "Joint market dialogue <no-reply@localhost>"
    message["To"] = "Ines Invited <ines@nordlicht.test>"
    message["Subject"] = "You are invited to the joint market dialogue"
    message["Date"] = "Sun, 22 Nov 2026 10:00:00 +0000"
    message.set_content("Choose your password to activate your account:\nhttp://localhost/activate/x\n")
    folder = Path(app.config["OUTBOX_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "20261122T100000000000-0a1b2c3d.eml").write_bytes(message.as_bytes())


def test_public_pages_pass_axe(page: Page, make_user, make_org) -> None:
    organisation = make_org(kind="supplier", name="Nordlicht Computers GmbH", country="DE")
    member = make_user(org=organisation, name="Sofia Supplier")
    invited = make_user(org=organisation, name="Ines Invited", password=None)
    reset_link = f"/password/reset/{accounts.make_token(member, accounts.RESET)}"
    activation_link = f"/activate/{accounts.make_token(invited, accounts.ACTIVATION)}"
    audit = Audit(page)

    audit.visit("/login")
    audit.submit("#submit", "log-in form sent empty")
    page.locator("#email").fill(member.email)
    page.locator("#password").fill("not the password")
    audit.submit("#submit", "log-in with a wrong password")

    audit.visit("/password/forgot")
    audit.submit("#submit", "forgot-password form sent empty")

    audit.visit(reset_link)
    page.locator("#password").fill("short")
    page.locator("#confirm").fill("different")
    audit.submit("#submit", "reset-password form with errors")

    audit.visit(activation_link)
    page.locator("#name").fill("")
    audit.submit("#submit", "activation form sent empty")

    audit.visit("/password/reset/not-a-real-token", expected_status=400)
    audit.visit("/no-such-page", expected_status=404)
    audit.assert_clean()


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_each_role_passes_axe(
    role: str, app: Flask, page: Page, make_user, make_org, log_in_through_page: Callable[..., None]
) -> None:
    # A few organisations, an invited colleague and an e-mail, so lists and tables have rows to show.
    put_a_message_in_the_outbox(app)
    make_org(kind="secretariat", name="Procurement Rights Secretariat", country="BE")
    make_org(kind="buyer", name="City of Lyon Digital Procurement", country="FR")
    make_org(kind="supplier", name="Atlantic Devices Ltd", country="IE")
    kind = ROLES[role]["kind"]
    organisation = make_org(kind=kind, name=f"The {role}'s organisation", country="NL")
    user = make_user(org=organisation, name=f"Pat {role.title()}", is_org_admin=ROLES[role]["is_org_admin"])
    make_user(org=organisation, name="Ines Invited", password=None)
    audit = Audit(page)

    log_in_through_page(page, user.email)
    audit.walk("/dashboard")

    audit.visit("/account/")
    page.locator("#profile-name").fill("")
    audit.submit("#profile-submit", "profile saved with an empty name")
    audit.visit("/account/")
    audit.submit("#password-submit", "password change sent empty")
    audit.visit("/no-such-page", expected_status=404)

    page.get_by_role("banner").get_by_role("button", name="Log out").click()  # log out
    expect(page).to_have_url(re.compile(r"/login$"))
    audit.check("log-in page after logging out")
    audit.assert_clean()


@pytest.mark.parametrize("signed_in", [False, True], ids=["log-in page", "dashboard"])
def test_tab_from_the_top_reaches_the_skip_link_which_moves_focus_to_main(
    signed_in: bool, page: Page, make_user, log_in_through_page: Callable[..., None]
) -> None:
    if signed_in:
        log_in_through_page(page, make_user(kind="buyer").email)
    page.goto("/dashboard" if signed_in else "/login")

    page.keyboard.press("Tab")
    skip_link = page.locator(":focus")
    expect(skip_link).to_have_attribute("href", "#main")
    expect(skip_link).to_have_class(re.compile(r"\bskip-link\b"))
    expect(skip_link).to_be_in_viewport()  # hidden off-screen until focused, then visible

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    expect(page).to_have_url(re.compile(r"#main$"))


def test_focus_is_visible_on_everything_reached_by_tab(
    page: Page, make_user, log_in_through_page: Callable[..., None]
) -> None:
    log_in_through_page(page, make_user(kind="secretariat", is_org_admin=True).email)
    page.goto("/account/")
    unmarked: list[str] = []
    for _ in range(60):  # more than the page has; the loop ends when focus wraps around
        page.keyboard.press("Tab")
        focused = page.evaluate(
            """() => {
                const el = document.activeElement;
                if (!el || el === document.body) return null;
                const style = getComputedStyle(el);
                return {
                    name: el.outerHTML.slice(0, 100),
                    marked: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
                        || style.boxShadow !== "none",
                };
            }"""
        )
        if focused is None:
            break
        if not focused["marked"]:
            unmarked.append(focused["name"])
    assert not unmarked, "no visible focus indicator on:\n" + "\n".join(unmarked)


def test_axe_check_reports_a_page_with_known_faults(page: Page) -> None:
    # Guards the checks above against passing because axe silently did not run.
    page.set_content('<p style="color:#aaa">faint</p><img src="chart.png"><input name="q">')
    found = {violation.rule for violation in serious_violations(page)}
    assert {"color-contrast", "image-alt", "label", "html-has-lang", "document-title"} <= found
    assert "image-alt (critical)" in describe(serious_violations(page))
