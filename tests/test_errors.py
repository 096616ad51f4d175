"""Readable error pages, in the user's language."""

from __future__ import annotations

import re

from sqlalchemy import select

from questionnaire.extensions import db as _db
from questionnaire.models import Organisation, OrganisationKind

FRENCH = {"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"}


def html_lang(html: str) -> str:
    match = re.search(r'<html lang="([^"]+)"', html)
    return match.group(1) if match else ""


def assert_readable(response, status: int, language: str = "en") -> None:
    """A full page with one heading naming the status, in the expected language."""
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert html_lang(response.text) == language
    assert len(re.findall(r"<h1[ >]", response.text)) == 1
    assert f'<span class="status-code">({status})</span>' in response.text
    assert 'href="/"' in response.text  # a way back


def test_404_page_follows_the_browser_language(client):
    assert_readable(client.get("/no/such/page"), 404)
    assert_readable(client.get("/no/such/page", headers=FRENCH), 404, "fr")


def test_403_page_in_french_for_a_french_browser(client, make_user, login):
    supplier = make_user(kind="supplier")
    login(client, supplier)
    response = client.get("/organisations/", headers=FRENCH)
    assert_readable(response, 403, "fr")


def test_403_page_uses_the_saved_preference_over_the_browser(client, make_user, login):
    login(client, make_user(kind="supplier", language="fr"))
    assert_readable(client.get("/audit/", headers={"Accept-Language": "en"}), 403, "fr")


def test_405_for_a_get_on_a_post_only_address(client):
    assert_readable(client.get("/logout"), 405)


def test_oversized_form_field_gets_413(app_factory):
    # Small limits keep the test's bodies in memory (werkzeug spools large test bodies to unclosed files).
    client = app_factory(MAX_FORM_MEMORY_SIZE=1000).test_client()
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 2000},
                           content_type="multipart/form-data", headers=FRENCH)
    assert_readable(response, 413, "fr")


def test_too_many_form_parts_get_413(app_factory):
    client = app_factory(MAX_FORM_PARTS=20).test_client()
    data = {f"field{n}": "x" for n in range(30)}
    response = client.post("/login", data=data, content_type="multipart/form-data")
    assert_readable(response, 413)


def test_oversized_body_gets_413(app_factory):
    client = app_factory(MAX_CONTENT_LENGTH=10_000).test_client()
    response = client.post("/login", data={"email": "a@example.org", "password": "x" * 20_000})
    assert_readable(response, 413)
    assert "larger than the platform accepts" in response.text


def test_unexpected_error_gives_500_page_and_keeps_nothing_half_written(app_factory):
    app = app_factory(PROPAGATE_EXCEPTIONS=False)

    def half_done():
        _db.session.add(Organisation(name="Half written", kind=OrganisationKind.BUYER, country="BE"))
        _db.session.flush()
        raise RuntimeError("boom")

    app.add_url_rule("/test-only/boom", "test_only_boom", half_done)
    response = app.test_client().get("/test-only/boom", headers=FRENCH)
    assert_readable(response, 500, "fr")
    assert "RuntimeError" not in response.text  # no internals shown
    with app.app_context():
        assert _db.session.scalar(select(Organisation).where(Organisation.name == "Half written")) is None


def test_too_many_reset_requests_get_429_page(client):
    for _ in range(10):
        assert client.post("/password/forgot", data={"email": "x@example.org"}).status_code == 302
    response = client.post("/password/forgot", data={"email": "x@example.org"}, headers=FRENCH)
    assert_readable(response, 429, "fr")
