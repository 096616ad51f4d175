"""Online results: figures per audience, per-supplier views, the country filter, downloads and access."""

from __future__ import annotations

import re

import pytest
from factories_reports import SUBMITTED, build_round
from sqlalchemy import event

from questionnaire.extensions import db


@pytest.fixture
def setup(make_org, make_user):
    return build_round(make_org, make_user)


def _url(setup, suffix: str = "") -> str:
    return f"/rounds/{setup.round.id}/results{suffix}"


def _page(client, login, user, url):
    login(client, user)
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _row(label: str, value: str) -> str:
    return f'<th scope="row">{label}</th><td class="num">{value}</td>'


def test_access_only_for_owners_and_the_secretariat(setup, client, login, make_user):
    assert client.get(_url(setup)).status_code == 302  # to the log-in page
    login(client, setup.supplier)
    assert client.get(_url(setup)).status_code == 404
    client.get("/logout")
    other = client.application.test_client()
    login(other, setup.other_buyer)
    assert other.get(_url(setup)).status_code == 404
    owner = client.application.test_client()
    login(owner, setup.buyer)
    assert owner.get(_url(setup)).status_code == 200
    assert owner.get(_url(setup) + "?audience=secretariat").status_code == 403
    assert owner.get(_url(setup) + "?audience=everyone").status_code == 400
    secretariat = client.application.test_client()
    login(secretariat, setup.secretariat)
    assert secretariat.get(_url(setup)).status_code == 200
    assert secretariat.get("/rounds/987654/results").status_code == 404


def test_secretariat_sees_every_count_and_the_suppliers(setup, client, login):
    html = _page(client, login, setup.secretariat, _url(setup))
    assert html.count("<h1>") == 1
    assert _row("Yes", ["4", "(67%)"][0]) in html or _row("Yes", "4") in html
    assert _row("No", "2") in html
    assert "Alpha Devices" in html and "Foxtrot Cloud" in html
    assert "75%" in html  # 6 of 8 invited submitted
    # Maturity: median 56.25 across six suppliers, Alpha scores 100.
    assert "56.2" in html or "56.3" in html
    assert "Overtime above the legal limit." in html
    assert "Child labour at a mica supplier." not in html  # confidential: never quoted


def test_participants_view_suppresses_small_groups_and_names_nobody(setup, client, login):
    html = _page(client, login, setup.secretariat, _url(setup, "?audience=participants"))
    assert _row("No", "fewer than 3") in html
    assert _row("Yes", "not shown") in html
    for name, _country, _answers in SUBMITTED:
        assert name not in html
    assert "Recruitment fees were repaid." in html
    assert "Lowest" not in html and "Highest" not in html
    assert "Download CSV" not in html
    # policy_url had two respondents: no breakdown.
    assert re.search(r'id="q-policy_url".*?fewer than 3.*?No breakdown', html, re.S)


def test_buyers_view_hides_confidential_answers_in_the_supplier_page(setup, client, login):
    login(client, setup.buyer)
    html = client.get(_url(setup)).get_data(as_text=True)
    assert "Alpha Devices" in html and "Download CSV" in html
    page = client.get(_url(setup, f"/suppliers/{setup.response_id('Bravo Systems')}"))
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Confidential: only the secretariat sees this answer." in text
    assert "Child labour at a mica supplier." not in text
    assert client.get(_url(setup, f"/suppliers/{setup.response_id('Bravo Systems')}?audience=participants")
                      ).status_code == 403
    assert client.get(_url(setup, f"/suppliers/{setup.response_id('Golf Draft')}")).status_code == 404


def test_secretariat_supplier_page_shows_confidential_answers(setup, client, login):
    html = _page(client, login, setup.secretariat, _url(setup, f"/suppliers/{setup.response_id('Bravo Systems')}"))
    assert "Child labour at a mica supplier." in html
    assert "confidential" in html


def test_country_filter(setup, client, login):
    html = _page(client, login, setup.secretariat, _url(setup, "?country=FR"))
    assert "Charlie Computing" in html and "Alpha Devices" not in html
    assert _row("Yes", "1") in html and _row("No", "1") in html
    participants = client.get(_url(setup, "?audience=participants&country=FR")).get_data(as_text=True)
    assert "does not apply to the participants" in participants
    assert client.get(_url(setup, "?country=France")).status_code == 400


def test_downloads_for_named_audiences_only(setup, client, login):
    login(client, setup.buyer)
    response = client.get(_url(setup, "/export.csv?audience=buyers"))
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert "[confidential]" in response.get_data(as_text=True)
    assert client.get(_url(setup, "/export.xlsx")).status_code == 200
    assert client.get(_url(setup, "/export.tables.csv")).status_code == 200
    scores = client.get(_url(setup, "/export.scores.csv?audience=buyers"))
    assert scores.status_code == 200 and scores.get_data(as_text=True).lstrip("\ufeff").startswith("supplier,country,")
    assert 'export.scores.csv' in client.get(_url(setup)).get_data(as_text=True)
    assert client.get(_url(setup, "/export.scores.csv?audience=participants")).status_code == 403
    assert client.get(_url(setup, "/export.csv?audience=participants")).status_code == 403
    supplier = client.application.test_client()
    login(supplier, setup.supplier)
    assert supplier.get(_url(setup, "/export.csv")).status_code == 404


def _queries(client, url: str) -> int:
    count = {"n": 0}

    def listener(*_args, **_kwargs):
        count["n"] += 1

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return count["n"]


def test_the_results_page_query_count_does_not_grow_with_suppliers(make_org, make_user, client, login):
    few = build_round(make_org, make_user, submitted=SUBMITTED[-3:])
    many = build_round(make_org, make_user, suffix=" (many)",
                       submitted=[(f"{n} {i}", c, a) for i in range(4) for n, c, a in SUBMITTED])
    login(client, few.secretariat)
    client.get(f"/rounds/{few.round.id}/results")
    few_count = _queries(client, f"/rounds/{few.round.id}/results")
    many_count = _queries(client, f"/rounds/{many.round.id}/results")
    assert many_count == few_count


def test_the_round_page_links_to_the_results_for_owners_only(setup, client, login):
    login(client, setup.buyer)
    assert f'href="/rounds/{setup.round.id}/results"' in client.get(f"/rounds/{setup.round.id}").get_data(as_text=True)
    supplier = client.application.test_client()
    login(supplier, setup.supplier)
    page = supplier.get(f"/rounds/{setup.round.id}")
    assert f"/rounds/{setup.round.id}/results" not in page.get_data(as_text=True)


def test_the_results_page_lists_its_sections_with_links(setup, client, login):
    html = _page(client, login, setup.secretariat, _url(setup))
    contents = html.split('id="contents-heading"')[1].split("</nav>")[0]
    targets = re.findall(r'href="#(section-[^"]+)"', contents)
    assert len(targets) > 1
    for target in targets:
        assert f'<h2 id="{target}">' in html
