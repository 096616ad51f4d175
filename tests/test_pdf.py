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


# --- the dialogue summary ---------------------------------------------------------------------------


@pytest.fixture
def known(app, make_org, make_user):
    """The round of reports_support with six submitted responses."""
    return build_known_round(make_org, make_user)


def _summary(known, audience, language="en"):
    from reports.summary import summary_pdf

    return summary_pdf(known.round, audience, language)


def _page_of(pages, phrase, start=2):
    return next(n for n, page in enumerate(pages, start=1) if n >= start and phrase in page)


def test_the_participants_summary_has_a_cover_contents_and_page_x_of_y(known):
    pages = pdf_pages(_summary(known, "participants"))
    cover, contents = pages[0], pages[1]
    assert "ICT hardware dialogue 2026" in cover
    assert "City of Lyon, Region of Flanders" in cover
    assert "Suppliers invited 7" in cover
    assert "Responses submitted 6" in cover
    assert "86%" in cover
    assert "Participants: anonymised" in cover
    assert "Page" not in cover
    for index, page in enumerate(pages[1:], start=2):
        assert f"Page {index} of {len(pages)}" in page
    # Contents: each entry's page number is the page its chapter starts on.
    for title, marker in (("Key findings", "Weakest sections"), ("Policy", "Policy Maturity in this section"),
                          ("Practice", "Practice Maturity in this section"), ("Note on method", "Minimum group size:")):
        page = _page_of(pages, marker, start=3)
        assert f"{title} {page}" in contents, (title, page, contents)


def test_the_participants_summary_shows_the_expected_figures_and_suppresses_small_groups(known):
    text = pdf_text(_summary(known, "participants"))
    assert "Do you have a human-rights policy? Suppliers who answered: 6" in text
    assert "Yes 6 100% No 0 0%" in text
    assert "Every year 3 50% Occasionally 3 50% Never 0 0%" in text
    assert "1 3 50% 2 0 0% 3 3 50%" in text  # maturity scale points
    assert "Minerals 6 100% Labour 3 50% Environment fewer than 3" in text
    assert "Environment 1" not in text
    # Key findings: weakest and strongest sections by mean maturity.
    assert "Weakest sections Policy (mean 50)" in text
    assert "Strongest sections Practice (mean 75)" in text
    assert "Policy 6 25 50 75 50 Practice 6 50 75 100 75" in text  # n, quartiles, median, mean
    # Quotes only where allowed, never confidential, never named.
    assert "Audits alone do not find forced labour." in text
    assert "Springfield" not in text
    assert "Not for quoting" not in text
    for name in ("Alpha Devices", "Beta Systems", "Delta Hardware", "Eta Late"):
        assert name not in text
    assert "no figure in this summary describes fewer than 3 suppliers" in text


def test_the_participants_summary_draws_bars_in_the_table_of_each_choice_question(known):
    from reports.disclosure import results_for
    from reports.summary import printed_chapters

    disclosed = results_for(known.round, "participants")
    chapters = printed_chapters(disclosed, "en")
    tables = {item.disclosed.key: item.table for chapter in chapters for item in chapter.questions}
    for key in ("has_policy", "maturity", "audit_frequency", "risk_areas"):
        assert tables[key] is not None and 'class="figures bars"' in tables[key]
        assert '<span class="bar" style="width: ' in tables[key]
    assert tables["remarks"] is None
    # A suppressed row reads "fewer than 3" and has no bar.
    row = next(r for r in str(tables["risk_areas"]).split("<tr>") if "fewer than 3" in r)
    assert 'class="bar" style' not in row


def test_the_buyers_summary_names_suppliers_and_leaves_confidential_answers_out(known):
    text = pdf_text(_summary(known, "buyers"))
    assert "Buyers: confidential, suppliers named" in text
    assert "Minerals 6 100% Labour 3 50% Environment 1 17%" in text
    # One supplier x section matrix (columns: policy, practice), not one table per section.
    assert "Supplier 1 2 Alpha Devices 25 100 Beta Systems 25 100 Delta Hardware 75 50" in text
    assert "in column 1 of the table “Maturity per supplier and section”" in text
    assert "Audits alone do not find forced labour. (Alpha Devices)" in text
    assert "Springfield" not in text
    assert "Suppliers who submitted" in text
    assert "Alpha Devices France" in text  # countries by name
    assert "Eta Late" not in text  # a draft is not a submission


def test_the_secretariat_summary_has_every_figure(known):
    text = pdf_text(_summary(known, "secretariat"))
    assert "Secretariat: confidential, suppliers named" in text
    assert "Environment 1 17%" in text
    assert "What should buyers know? Suppliers who answered: 6" in text
    assert "Policy 6 25 25 50 75 75 50" in text  # with min and max
    assert "Springfield" not in text  # confidential text is never quoted


def test_the_summary_is_printed_in_french(known):
    text = pdf_text(_summary(known, "participants", "fr"))
    assert "Chaque année" in text
    assert "Avez-vous une politique des droits humains ?" in text


def test_a_question_with_fewer_than_k_respondents_shows_no_breakdown(app, make_org, make_user):
    known = build_known_round(make_org, make_user, submitted=2)
    text = pdf_text(_summary(known, "participants"))
    assert "Suppliers who answered: fewer than 3" in text
    assert "no breakdown is shown" in text
    assert "Every year 2" not in text


# --- the supplier's feedback ------------------------------------------------------------------------


def test_feedback_compares_the_supplier_with_at_least_k_peers(known):
    from reports.summary import feedback_pdf

    text = pdf_text(feedback_pdf(known.responses[0], "en"))
    assert "Alpha Devices" in text
    # Five peers: policy 25, 25, 75, 75, 75 -> quartiles 25-75, median 75; own score 25.
    assert "Your score" in text
    assert "Policy 5 25 75 75 55 25" in text
    assert "Policy: within the middle half of your peers." in text
    assert "Beta Systems" not in text


def test_feedback_shows_no_distribution_with_fewer_than_k_peers(app, make_org, make_user):
    from reports.summary import feedback_pdf

    known = build_known_round(make_org, make_user, submitted=3)
    text = pdf_text(feedback_pdf(known.responses[0], "en"))
    assert "Fewer than 3 peers submitted scored answers" in text
    assert "fewer than 3 peers: not shown" in text


def _has_cjk_font() -> bool:
    import shutil
    import subprocess

    if shutil.which("fc-list") is None:
        return False
    return bool(subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True).stdout.strip())


@pytest.mark.skipif(not _has_cjk_font(), reason="no CJK font installed (Debian: fonts-noto-cjk)")
def test_chinese_and_japanese_text_prints_where_a_cjk_font_is_installed(app, make_org, make_user):
    document = copy.deepcopy(DOCUMENT)
    document["sections"][0]["questions"][0]["text"] = {"en": "人权政策 と 日本語のテキスト", "fr": "x"}
    known = build_known_round(make_org, make_user, document=document)
    text = pdf_text(documents.blank_questionnaire_pdf(known.round.questionnaire_version, "en"))
    assert "人权政策 と 日本語のテキスト" in text


def test_markup_in_option_labels_and_quotes_prints_as_text_in_the_summary(app, make_org, make_user, db):
    from reports.summary import summary_pdf

    document = copy.deepcopy(DOCUMENT)
    document["sections"][1]["questions"][0]["options"][0]["label"] = {"en": HOSTILE, "fr": "x"}
    known = build_known_round(make_org, make_user, document=document)
    answer = next(a for a in known.responses[0].answers if a.question_key == "remarks")
    answer.value = HOSTILE
    db.session.commit()
    fetcher = StaticFilesOnly(STATIC)
    text = pdf_text(summary_pdf(known.round, "participants", "en", fetcher=fetcher)).replace(
        "example/ pixel", "example/pixel")
    assert fetcher.requested == ["static:css/pdf.css"]
    assert f"{HOSTILE} 3 50%" in text  # the table with bars prints the label whole
    assert HOSTILE in text.split("In their own words")[1]  # the quote


def test_a_round_without_submissions_still_gets_a_summary(app, make_org, make_user):
    from reports.summary import summary_pdf

    known = build_known_round(make_org, make_user, submitted=0)
    text = pdf_text(summary_pdf(known.round, "participants", "en"))
    assert "0 of 7 invited suppliers submitted a response." in text
    assert "No section has enough scored answers to show." in text
    assert "Note on method" in text


def test_documents_are_tagged_pdfs_with_a_title_and_a_language(known):
    import io

    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(_summary(known, "participants", "fr")))
    root = reader.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "fr"
    assert "ICT hardware dialogue 2026" in reader.metadata.title
