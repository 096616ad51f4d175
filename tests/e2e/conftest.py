"""Playwright fixtures: Debian's Chromium, headless and offline, pointed at the live test server.

Tests take pytest-playwright's `page` fixture; relative URLs (`page.goto("/login")`) go to
`live_server`, which serves the test's own app and database.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

# Debian's browser; Playwright's own downloads are neither used nor allowed.
DEFAULT_CHROMIUM = "/usr/bin/chromium"

# Headless, and quiet: without the background-networking switches Chromium keeps trying to reach
# Google's update, sync and component services, which a closed network turns into slow retries.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    """The browser executable: $CHROMIUM_PATH, else Debian's /usr/bin/chromium."""
    return os.environ.get("CHROMIUM_PATH") or DEFAULT_CHROMIUM


def running_in_ci() -> bool:
    """True when the CI variable is set (to anything but an explicit no)."""
    return os.environ.get("CI", "").strip().lower() not in {"", "0", "false", "no"}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Launch Debian's Chromium; skip browser tests on a workstation without it, fail in CI."""
    executable = chromium_path()
    if not Path(executable).is_file() or not os.access(executable, os.X_OK):
        message = (
            f"Chromium not found at {executable}: install Debian's `chromium` package "
            "(`make install-test` does it as root) or set CHROMIUM_PATH"
        )
        if running_in_ci():
            pytest.fail(f"{message} (CI is set, so browser tests may not be skipped)", pytrace=False)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": executable, "args": CHROMIUM_ARGS}


@pytest.fixture
def base_url(live_server: str) -> str:
    """The application under test: this test's live server."""
    # Also keeps pytest-playwright's own session-scoped fallback `base_url` from being set up: it is
    # an instance-method fixture, which pytest 9 deprecates with a warning (an error here).
    return live_server


@pytest.fixture
def browser_context_args(base_url: str) -> dict[str, Any]:
    """Every page starts in English at the live test server."""
    # Replaces pytest-playwright's session-scoped arguments rather than extending them: those
    # depend on its fallback `base_url` (see above); --tracing and --screenshot still work.
    # Chromium's Accept-Language follows the machine's locale; pin it so pages start in English.
    return {"base_url": base_url, "locale": "en-GB"}


@pytest.fixture
def log_in_through_page() -> Callable[..., None]:
    """Log in by filling the real log-in form, as a person would; works in any language."""

    def log_in(page: Page, email: str, password: str = "pw") -> None:
        page.goto("/login")
        page.locator("#email").fill(email)
        page.locator("#password").fill(password)
        page.locator("#submit").click()
        expect(page).to_have_url(re.compile(r"/dashboard$"))

    return log_in
