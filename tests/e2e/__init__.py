"""Browser tests: Playwright driving Debian's headless Chromium against the live test server."""
