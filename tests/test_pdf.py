"""PDF documents: blank questionnaire, supplier's copy, feedback, dialogue summary; the fetcher boundary."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from reports_support import DOCUMENT, build_known_round, pdf_pages, pdf_text
from weasyprint.urls import URLFetchingError

from reports import documents
from reports.pdf import FetchRefused, StaticFilesOnly, render_pdf, render_template_html

STATIC = Path(__file__).resolve().parent.parent / "static"


# --- the fetcher: only our static files ----------------------------------------------------------


@pytest.mark.parametrize("url", [
    "file:///etc/passwd",
    "http://example.org/logo.png",
    "https://example.org/logo.png",
    "data:image/svg+xml;base64,PHN2Zy8+",
    "ftp://example.org/x",
    "static:../pyproject.toml",
    "static:css/../../pyproject.toml",
    "static://evil.example/css/pdf.css",
    "static:css/missing.css",
    "css/pdf.css",
    "/etc/passwd",
])
def test_the_pdf_fetcher_refuses_anything_but_static_files(url):
    fetcher = StaticFilesOnly(STATIC)
    with pytest.raises(FetchRefused):
        fetcher.fetch(url)
    assert fetcher.refused == [url]


def test_the_pdf_fetcher_serves_the_print_stylesheet():
    fetcher = StaticFilesOnly(STATIC)
    response = fetcher.fetch("static:css/pdf.css")
    assert b"@page" in response.read()
    assert response.content_type == "text/css"


def test_a_refused_url_in_a_document_is_not_fetched_and_the_pdf_still_renders(app):
    fetcher = StaticFilesOnly(STATIC)
    html = '<html><body><p>Hello</p><img src="file:///etc/passwd"><img src="http://example.org/x.png"></body></html>'
    data = render_pdf(html, fetcher=fetcher)
    assert data.startswith(b"%PDF")
    assert fetcher.refused == ["file:///etc/passwd", "http://example.org/x.png"]


def test_the_fetcher_refusal_is_the_one_weasyprint_reports(app):
    """WeasyPrint wraps our refusal in its own fetching error (a warning), it never falls back."""
    from weasyprint.urls import fetch

    fetcher = StaticFilesOnly(STATIC)
    with pytest.raises(URLFetchingError), fetch(fetcher, "file:///etc/passwd"):
        pass


# --- user text is text -----------------------------------------------------------------------------


HOSTILE = '<img src="file:///etc/passwd"> and <img src="http://attacker.example/pixel.png">'


def test_markup_in_questionnaire_texts_prints_as_text_and_nothing_is_fetched(app, make_org, make_user):
    document = copy.deepcopy(DOCUMENT)
    document["sections"][0]["title"] = {"en": "Policy </style><style>@page{size:1mm}</style>", "fr": "Politique"}
    document["sections"][0]["questions"][0]["text"] = {"en": f"Policy? {HOSTILE}", "fr": "Politique ?"}
    document["sections"][1]["questions"][0]["options"][0]["label"] = {"en": HOSTILE, "fr": "x"}
    known = build_known_round(make_org, make_user, document=document)
    version = known.round.questionnaire_version

    html = render_template_html("blank.html", language="en", document_title="t", audience_label="a",
                                version=version, sections=documents.printed_sections(version, "en"), facts=[],
                                description="", dialogue_round=None, scale_points=documents.scale_points,
                                table_columns=documents.table_columns, translate=lambda t, lang: "")
    assert "<img" not in html
    assert "&lt;img src=&#34;file:///etc/passwd&#34;&gt;" in html

    fetcher = StaticFilesOnly(STATIC)
    data = documents.blank_questionnaire_pdf(version, "en", fetcher=fetcher)
    assert fetcher.requested == ["static:css/pdf.css"]
    text = pdf_text(data)
    # (A long line may wrap inside the URL: compare without spaces there.)
    assert 'Policy? <img src="file:///etc/passwd"> and <img src="http://attacker.example/pixel.png">' in text.replace(
        "example/ pixel", "example/pixel")
    # The running header shows the hostile section title as text too, on A4 pages.
    assert "Policy </style><style>@page{size:1mm}</style>" in text

    fetcher = StaticFilesOnly(STATIC)
    copy_pdf = documents.response_copy_pdf(known.responses[0], "en", fetcher=fetcher)
    assert fetcher.requested == ["static:css/pdf.css"]
    assert '<img src="file:///etc/passwd">' in pdf_text(copy_pdf)


def test_hostile_text_in_answers_prints_as_text(app, make_org, make_user, db):
    known = build_known_round(make_org, make_user)
    submission = known.responses[0].submissions[-1]
    submission.snapshot = {**submission.snapshot, "remarks": {"value": HOSTILE, "quotable": True}}
    db.session.commit()
    fetcher = StaticFilesOnly(STATIC)
    text = pdf_text(documents.response_copy_pdf(known.responses[0], "en", fetcher=fetcher))
    assert fetcher.requested == ["static:css/pdf.css"]
    assert HOSTILE in text


# --- the blank questionnaire -----------------------------------------------------------------------


@pytest.mark.parametrize(("language", "expected"), [
    ("en", ["Human rights in ICT supply chains", "Do you have a human-rights policy?", "Every year",
            "Contents", "Policy", "Practice", "Choose all that apply.", "Page 2 of 4"]),
    ("fr", ["Droits humains dans les chaînes TIC", "Avez-vous une politique des droits humains ?", "Chaque année",
            "Politique", "Pratique"]),
])
def test_the_blank_questionnaire_prints_every_question_in_the_chosen_language(app, make_org, make_user,
                                                                              language, expected):
    known = build_known_round(make_org, make_user)
    data = documents.blank_questionnaire_pdf(known.round.questionnaire_version, language)
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    for phrase in expected:
        assert phrase in text, phrase


def test_the_blank_questionnaire_lists_its_sections_with_page_numbers(app, make_org, make_user):
    known = build_known_round(make_org, make_user)
    pages = pdf_pages(documents.blank_questionnaire_pdf(known.round.questionnaire_version, "en"))
    contents = pages[1]
    assert "Contents" in contents
    policy_page = next(n for n, page in enumerate(pages, start=1) if page.count("Do you have a human-rights policy?"))
    practice_page = next(n for n, page in enumerate(pages, start=1) if "How often do you audit" in page)
    assert f"Policy {policy_page}" in contents
    assert f"Practice {practice_page}" in contents
    assert f"Page 2 of {len(pages)}" in contents


def test_the_blank_questionnaire_falls_back_to_the_first_language(app, make_org, make_user):
    known = build_known_round(make_org, make_user)
    text = pdf_text(documents.blank_questionnaire_pdf(known.round.questionnaire_version, "de"))
    assert "Do you have a human-rights policy?" in text


def test_greek_cyrillic_and_diacritics_print(app, make_org, make_user):
    document = copy.deepcopy(DOCUMENT)
    document["sections"][0]["questions"][0]["text"] = {"en": "Ελληνικά, Кириллица, Łódź, Ærøskøbing", "fr": "x"}
    known = build_known_round(make_org, make_user, document=document)
    text = pdf_text(documents.blank_questionnaire_pdf(known.round.questionnaire_version, "en"))
    assert "Ελληνικά, Кириллица, Łódź, Ærøskøbing" in text


# --- the supplier's copy ---------------------------------------------------------------------------


def test_the_supplier_copy_shows_its_own_answers_and_flags(app, make_org, make_user):
    known = build_known_round(make_org, make_user)
    text = pdf_text(documents.response_copy_pdf(known.responses[3], "en"))
    assert "Delta Hardware" in text
    assert "Occasionally" in text
    assert "Our plant in Springfield had a strike." in text
    assert "Confidential: secretariat only" in text
    assert "Submitted on" in text
    # Nobody else's answers.
    assert "Alpha Devices" not in text
    assert "Audits alone do not find forced labour." not in text


def test_the_supplier_copy_is_in_french_on_request(app, make_org, make_user):
    known = build_known_round(make_org, make_user)
    text = pdf_text(documents.response_copy_pdf(known.responses[0], "fr"))
    assert "Chaque année" in text
    assert "Minerais; Travail" in text
