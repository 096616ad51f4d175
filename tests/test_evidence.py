"""Evidence files: size limit, types checked from content and name, safe storage, who may download, removal."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from pathlib import Path

from factories_answering import POLICY_ANSWERS, build, page_version
from sqlalchemy import func, select

from questionnaire.models import Answer, Evidence

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _upload(client, setup, filename, content, **extra):
    html = client.get(setup.section_url("evidence")).get_data(as_text=True)
    # Files already attached stay ticked, as in the browser.
    kept = re.findall(r'name="q_documents-keep" value="(\d+)"[^>]* checked', html)
    return client.post(setup.section_url("evidence"), data={
        "based_on_version": page_version(html), "q_summary": "See the attached audit",
        "q_documents": (io.BytesIO(content), filename), "q_documents-keep": kept, **extra,
    }, content_type="multipart/form-data")


def _evidence(db):
    db.session.expire_all()
    return db.session.scalars(select(Evidence)).all()


def _zip(names):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<xml/>")
    return buffer.getvalue()


def test_a_pdf_is_stored_under_a_random_name_with_its_sha256_and_attached_to_the_answer(
        client, app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    response = _upload(client, setup, "audit 2025.pdf", PDF)
    assert response.status_code == 302
    [evidence] = _evidence(db)
    assert evidence.original_name == "audit_2025.pdf"
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest()
    assert evidence.size == len(PDF) and evidence.content_type == "application/pdf"
    assert len(evidence.stored_name) == 32 and "pdf" not in evidence.stored_name
    stored = Path(app.config["UPLOAD_DIR"]) / evidence.stored_name
    assert stored.read_bytes() == PDF
    assert not str(stored).startswith(str(Path(app.static_folder)))
    answer = db.session.scalar(select(Answer).where(Answer.question_key == "documents"))
    assert answer.value == [evidence.id]
    download = client.get(f"{setup.url}/evidence/{evidence.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    download.close()


def test_a_file_over_the_size_limit_is_refused_next_to_its_field_and_the_answers_are_kept(
        client, app, make_org, make_user, login, db):
    app.config["MAX_UPLOAD_BYTES"] = 1000
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    response = _upload(client, setup, "big.pdf", PDF + b"0" * 2000)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert 'id="q_documents-error"' in html and "larger than the limit" in html
    assert 'value="See the attached audit"' in html
    assert _evidence(db) == []
    assert list(Path(app.config["UPLOAD_DIR"]).iterdir()) == []


def test_files_whose_content_does_not_match_their_name_are_refused(client, app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    disguised = [
        ("setup.pdf", b"MZ\x90\x00\x03\x00\x00\x00 an executable"),
        ("photo.png", b"<html><script>alert(1)</script></html>"),
        ("report.docx", _zip(["[Content_Types].xml", "xl/workbook.xml"])),  # a spreadsheet posing as Word
        ("data.xlsx", b"PK\x03\x04 not really a zip"),
        ("notes.txt", b"binary\x00data"),
        ("latin1.csv", "caf\xe9".encode("latin-1")),
        ("virus.exe", PDF),
        ("noextension", PDF),
    ]
    for name, content in disguised:
        response = _upload(client, setup, name, content)
        assert response.status_code == 400, name
        assert 'id="q_documents-error"' in response.get_data(as_text=True), name
    assert _evidence(db) == []
    assert db.session.scalar(select(func.count()).select_from(Answer)) == 0


def test_genuine_office_csv_and_image_files_are_accepted(client, make_org, make_user, login, db):
    from openpyxl import Workbook

    setup = build(make_org, make_user)
    login(client, setup.supplier)
    workbook = io.BytesIO()
    Workbook().save(workbook)
    accepted = [
        ("smelters.xlsx", workbook.getvalue()),
        ("policy.docx", _zip(["[Content_Types].xml", "word/document.xml"])),
        ("factories.csv", "name,country\nUsine,FR\nFábrica,ES\n".encode()),
        ("logo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 20),
        ("site.jpg", b"\xff\xd8\xff\xe0" + b"\x00" * 20),
    ]
    for name, content in accepted:
        assert _upload(client, setup, name, content).status_code == 302, name
    assert sorted(e.original_name for e in _evidence(db)) == sorted(name for name, _ in accepted)
    answer = db.session.scalar(select(Answer).where(Answer.question_key == "documents"))
    assert len(answer.value) == len(accepted)


def test_a_path_like_file_name_is_only_displayed_never_used_as_a_path(client, app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    assert _upload(client, setup, "../../etc/passwd.pdf", PDF).status_code == 302
    [evidence] = _evidence(db)
    assert evidence.original_name == "etc_passwd.pdf"
    assert "/" not in evidence.stored_name and ".." not in evidence.stored_name
    assert [p.name for p in Path(app.config["UPLOAD_DIR"]).iterdir()] == [evidence.stored_name]


def test_only_those_allowed_to_see_the_answer_can_download_its_evidence(app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    supplier = app.test_client()
    login(supplier, setup.supplier)
    _upload(supplier, setup, "audit.pdf", PDF)
    [evidence] = _evidence(db)
    url = f"{setup.url}/evidence/{evidence.id}"

    def status(user):
        client = app.test_client()
        login(client, user)
        response = client.get(url)
        response.close()
        return response.status_code

    assert status(setup.colleague) == 200
    assert status(setup.other_supplier) == 404
    assert status(setup.buyer) == 200
    assert status(setup.secretariat) == 200
    outsider_buyer = make_user(kind="buyer")
    assert status(outsider_buyer) == 404
    assert app.test_client().get(url).status_code == 302  # to the log-in page

    # Confidential answer: its evidence is for the secretariat (and the supplier) only.
    html = supplier.get(setup.section_url("evidence")).get_data(as_text=True)
    supplier.post(setup.section_url("evidence"), data={
        "based_on_version": page_version(html), "q_summary": "x", "q_documents-keep": str(evidence.id),
        "q_documents-confidential": "y"})
    assert status(setup.buyer) == 404
    assert status(setup.secretariat) == 200
    assert status(setup.colleague) == 200


def test_evidence_is_removable_in_draft_but_not_after_submitting(client, app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    _upload(client, setup, "first.pdf", PDF)
    _upload(client, setup, "second.pdf", PDF)
    first, second = _evidence(db)
    first_file = Path(app.config["UPLOAD_DIR"]) / first.stored_name
    removed = client.post(f"{setup.url}/evidence/{first.id}/remove", data={})
    assert removed.status_code == 302
    assert [e.id for e in _evidence(db)] == [second.id]
    assert not first_file.exists()
    answer = db.session.scalar(select(Answer).where(Answer.question_key == "documents"))
    assert answer.value == [second.id]

    # Unticking an attached file on the page removes it too.
    html = client.get(setup.section_url("evidence")).get_data(as_text=True)
    assert "second.pdf" in html
    client.post(setup.section_url("evidence"), data={"based_on_version": page_version(html), "q_summary": "x"})
    assert _evidence(db) == []

    _upload(client, setup, "kept.pdf", PDF)
    [kept] = _evidence(db)
    for key, data in (("policy", POLICY_ANSWERS), ("suppliers", {"q_audits": "2"})):
        html = client.get(setup.section_url(key)).get_data(as_text=True)
        assert client.post(setup.section_url(key), data={**data, "based_on_version": page_version(html)}
                           ).status_code == 302
    version = page_version(client.get(f"{setup.url}/review").get_data(as_text=True))
    assert client.post(f"{setup.url}/submit", data={"based_on_version": version}).status_code == 302
    refused = client.post(f"{setup.url}/evidence/{kept.id}/remove", data={}, follow_redirects=True)
    assert "Reopen it to make changes" in refused.get_data(as_text=True)
    assert [e.id for e in _evidence(db)] == [kept.id]
    assert (Path(app.config["UPLOAD_DIR"]) / kept.stored_name).exists()


def test_another_supplier_cannot_remove_evidence(app, make_org, make_user, login, db):
    setup = build(make_org, make_user)
    supplier = app.test_client()
    login(supplier, setup.supplier)
    _upload(supplier, setup, "audit.pdf", PDF)
    [evidence] = _evidence(db)
    rival = app.test_client()
    login(rival, setup.other_supplier)
    assert rival.post(f"{setup.url}/evidence/{evidence.id}/remove", data={}).status_code == 404
    assert len(_evidence(db)) == 1


def test_a_request_over_the_platform_limit_shows_the_section_again_with_a_clear_notice(
        client, app, make_org, make_user, login, db):
    app.config["MAX_CONTENT_LENGTH"] = 4000
    setup = build(make_org, make_user)
    login(client, setup.supplier)
    response = _upload(client, setup, "huge.pdf", PDF + b"0" * 10000)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "larger than the platform accepts" in html
    assert 'class="answer-form"' in html
    assert _evidence(db) == []
