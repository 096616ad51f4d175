"""What answering pages share between requests (the published version, section form classes) never
carries one supplier's data to another, and a draft is never shared."""

from __future__ import annotations

import io
import re

import pytest
from factories_answering import DOCUMENT, build, page_version
from sqlalchemy import text

from questionnaire.services.questionnaires import frozen_version

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def test_a_published_version_is_loaded_once_and_shared_by_requests(client, app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    assert client.get(setup.section_url("policy")).status_code == 200
    shared = app.extensions["frozen_versions"][setup.round.questionnaire_version_id]
    assert client.get(setup.section_url("suppliers")).status_code == 200
    assert app.extensions["frozen_versions"][setup.round.questionnaire_version_id] is shared
    # Shared objects are detached: the request's session never adopts them.
    assert shared not in db.session


def test_a_draft_version_is_never_shared(app, make_org, make_user, db):
    setup = build(make_org, make_user)
    version_id = setup.round.questionnaire_version_id
    db.session.execute(text("UPDATE questionnaire_version SET status = 'draft' WHERE id = :id"), {"id": version_id})
    db.session.commit()
    assert frozen_version(version_id) is None
    assert version_id not in app.extensions.get("frozen_versions", {})


def test_one_suppliers_attached_files_never_appear_on_anothers_page(client, app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    html = client.get(setup.section_url("evidence")).get_data(as_text=True)
    saved = client.post(setup.section_url("evidence"), data={
        "based_on_version": page_version(html), "q_summary": "See the audit",
        "q_documents": (io.BytesIO(PDF), "acme-secret-audit.pdf"),
    }, content_type="multipart/form-data")
    assert saved.status_code == 302
    assert "acme-secret-audit.pdf" in client.get(setup.section_url("evidence")).get_data(as_text=True)

    other = app.test_client()
    login(other, setup.other_supplier)
    page = other.get(setup.section_url("evidence")).get_data(as_text=True)
    assert "acme-secret-audit.pdf" not in page
    assert not re.search(r'name="q_documents-keep" value="\d+"', page)


def test_sqlite_connections_write_ahead(app, db):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("a SQLite setting")
    with db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() in ("wal", "memory")
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1  # NORMAL


def test_pooled_connections_are_tested_only_where_a_server_can_drop_them(app, db):
    """PostgreSQL connections are pinged when taken from the pool; a SQLite file has nothing to ping."""
    assert db.engine.pool._pre_ping is (db.engine.dialect.name != "sqlite")


def test_reused_section_forms_speak_each_users_language(client, app, make_org, make_user, login, db):
    """Form classes are reused, with labels translated when built: per interface language, never mixed.

    The questionnaire is in English only, so both users answer in English with their own interface.
    """
    document = {**DOCUMENT, "languages": ["en"],
                "sections": [{**s, "title": s["title"]["en"] if isinstance(s["title"], dict) else s["title"]}
                             for s in DOCUMENT["sections"]]}
    setup = build(make_org, make_user, document=document)
    setup.other_supplier.language = "fr"
    db.session.commit()
    login(client, setup.supplier)
    english = client.get(setup.section_url("policy")).get_data(as_text=True)
    french_client = app.test_client()
    login(french_client, setup.other_supplier)
    french = french_client.get(setup.section_url("policy")).get_data(as_text=True)
    english_again = client.get(setup.section_url("policy")).get_data(as_text=True)

    assert "Comment (optional)" in english and "Commentaire (facultatif)" not in english
    assert "Commentaire (facultatif)" in french and "Comment (optional)" not in french
    assert "Peut être cité de façon anonyme" in french and ">Oui</label>" in french
    assert english_again.count("Comment (optional)") == english.count("Comment (optional)")
    assert "Commentaire (facultatif)" not in english_again
