"""Buyers never learn a confidential answer from the questions that depend on it (follow-up questions).

A "policy URL" shown only if "Do you have a policy?" is yes says "yes" by being there. Bravo marked
its "yes" confidential and Charlie its "no": buyers must see the same thing for both, in the
per-supplier page, the summary PDF and the exports, while the secretariat sees everything.
"""

from __future__ import annotations

import copy
import csv
import io

import pytest
from factories_reports import DOCUMENT, build_round, confidential, quotable
from reports_support import pdf_text

from reports.aggregation import supplier_answers
from reports.disclosure import conditioned_on, disclose_supplier, results_for
from reports.exports import WITHHELD, export_csv, export_tables_csv

YES = {"question": "has_policy", "equals": "yes"}


def _document():
    document = copy.deepcopy(DOCUMENT)
    policy = document["sections"][0]["questions"]
    policy += [
        {"key": "policy_notes", "type": "long_text", "text": "What does the policy say?", "show_if": YES},
        {"key": "review", "type": "single_choice", "text": "How often is it reviewed?", "show_if": YES,
         "options": [{"value": "never", "label": "Never", "score": 0},
                     {"value": "yearly", "label": "Yearly", "score": 2}]},
        # A chain: shown only if the review (itself shown only with a policy) is yearly.
        {"key": "reviewer", "type": "text", "text": "Who reviews it?",
         "show_if": {"question": "review", "equals": "yearly"}},
    ]
    document["sections"].append({
        "key": "policy_detail", "title": "Policy details", "show_if": YES,
        "questions": [{"key": "policy_owner", "type": "text", "text": "Who owns the policy?"}]})
    return document


def _answers(has_policy, **more):
    base = {"scope": "all", "maturity": 2, "risks": ["forced"], "workers": 10}
    return {"has_policy": has_policy, **base, **more}


POLICY = {"policy_url": "https://x.test/p", "policy_notes": quotable("Our policy covers smelters."),
          "review": "yearly", "reviewer": "The board", "policy_owner": "Legal"}

SUBMITTED = [
    ("Alpha Devices", "BE", _answers("yes", **{**POLICY, "policy_notes": quotable("Alpha's open words.")})),
    ("Bravo Systems", "BE", _answers(confidential("yes"), **{
        **POLICY, "policy_url": "https://bravo.test/secret", "policy_notes": quotable("Bravo's words."),
        "reviewer": "Bravo's board", "policy_owner": "Bravo legal"})),
    ("Charlie Computing", "FR", _answers(confidential("no"))),
    ("Delta Hardware", "FR", _answers("no")),
    ("Echo Networks", "DE", _answers("yes", **POLICY)),
    ("Foxtrot Cloud", "DE", _answers("yes", **{**POLICY, "review": "never", "reviewer": None})),
]
FOLLOW_UPS = ["policy_url", "policy_notes", "review", "reviewer", "policy_owner"]


@pytest.fixture
def setup(make_org, make_user):
    return build_round(make_org, make_user, submitted=SUBMITTED, document=_document())


def _view(setup, name, audience):
    answers = supplier_answers(setup.round, setup.response_id(name))
    shown = disclose_supplier(answers, audience)
    return {a.question.key: a for section in shown.sections.values() for a in section}, shown


# --- the rule --------------------------------------------------------------------------------------


def test_a_follow_up_depends_on_its_condition_its_sections_and_every_chain(setup):
    sections = setup.round.questionnaire_version.sections
    assert conditioned_on(sections, {"has_policy"}) == set(FOLLOW_UPS)
    assert conditioned_on(sections, {"review"}) == {"reviewer"}
    assert conditioned_on(sections, {"maturity"}) == set()
    assert conditioned_on(sections, set()) == set()


# --- the per-supplier page -----------------------------------------------------------------------


def test_buyers_see_the_same_for_a_confidential_yes_and_a_confidential_no(setup):
    bravo, _ = _view(setup, "Bravo Systems", "buyers")
    charlie, _ = _view(setup, "Charlie Computing", "buyers")
    for key in FOLLOW_UPS:
        for answers in (bravo, charlie):
            item = answers[key]
            assert (item.value, item.comment, item.withheld, item.confidential, item.visible) == (
                None, "", True, False, True), key
    assert bravo["has_policy"].withheld and bravo["has_policy"].confidential
    # What does not depend on the confidential answer stays.
    assert bravo["scope"].value == "all" and not bravo["scope"].withheld


def test_a_follow_up_of_an_open_answer_is_shown_to_buyers(setup):
    alpha, _ = _view(setup, "Alpha Devices", "buyers")
    assert alpha["policy_url"].value == "https://x.test/p" and not alpha["policy_url"].withheld
    assert "reviewer" in alpha


def test_the_buyers_section_score_leaves_the_follow_ups_out(setup):
    _, bravo = _view(setup, "Bravo Systems", "buyers")
    _, charlie = _view(setup, "Charlie Computing", "buyers")
    # Same open answers (scope all, maturity 2, risks forced): the scored follow-up "review" is left out.
    assert bravo.scores["policy"] == charlie.scores["policy"]


def test_the_secretariat_sees_every_follow_up(setup):
    bravo, _ = _view(setup, "Bravo Systems", "secretariat")
    assert bravo["policy_url"].value == "https://bravo.test/secret"
    assert "policy_url" not in _view(setup, "Charlie Computing", "secretariat")[0]


def test_the_buyers_supplier_page_says_why_an_answer_is_withheld(setup, client, login):
    login(client, setup.buyer)
    page = client.get(f"/rounds/{setup.round.id}/results/suppliers/{setup.response_id('Bravo Systems')}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "bravo.test" not in html and "Bravo legal" not in html and "Bravo&#39;s board" not in html
    assert html.count("Withheld: this question depends on an answer marked confidential") == len(FOLLOW_UPS)
    other = client.get(f"/rounds/{setup.round.id}/results/suppliers/{setup.response_id('Charlie Computing')}")
    assert other.get_data(as_text=True).count(
        "Withheld: this question depends on an answer marked confidential") == len(FOLLOW_UPS)


def test_the_buyers_results_page_scores_a_confidential_yes_and_no_alike(setup, client, login):
    login(client, setup.buyer)
    html = client.get(f"/rounds/{setup.round.id}/results").get_data(as_text=True)
    scores = html.split('id="scores-policy"')[1].split("</table>")[0]
    cells = [scores.split(f"{name}</a></th>")[1].split("</tr>")[0].split('class="num">')[1].split("<")[0]
             for name in ("Bravo Systems", "Charlie Computing")]
    # Same open answers, and the scored follow-up "review" counts for neither.
    assert cells[0] == cells[1]
    assert "Bravo&#39;s words." not in html


# --- summaries -----------------------------------------------------------------------------------


def test_buyers_get_no_named_quote_from_a_follow_up_of_a_confidential_answer(setup):
    disclosed = results_for(setup.round, "buyers")
    notes = next(q for s in disclosed.sections for q in s.questions if q.key == "policy_notes")
    assert {q.text for q in notes.quotes} == {"Alpha's open words.", "Our policy covers smelters."}
    secretariat = results_for(setup.round, "secretariat")
    notes = next(q for s in secretariat.sections for q in s.questions if q.key == "policy_notes")
    assert "Bravo's words." in {q.text for q in notes.quotes}


def test_the_buyers_summary_scores_match_the_supplier_page(setup):
    """The score a buyer reads in the summary is the one it could work out from the answers it sees."""
    disclosed = results_for(setup.round, "buyers")
    policy = next(s for s in disclosed.sections if s.key == "policy")
    scores = {supplier.name: score for supplier, score in policy.supplier_scores}
    for name in ("Alpha Devices", "Bravo Systems", "Charlie Computing"):
        assert scores[name] == _view(setup, name, "buyers")[1].scores["policy"], name
    assert scores["Bravo Systems"] == scores["Charlie Computing"]


def test_the_buyers_summary_pdf_does_not_quote_the_follow_up_and_says_why(setup):
    from reports.summary import summary_pdf

    text = pdf_text(summary_pdf(setup.round, "buyers", "en"))
    assert "Bravo's words." not in text
    assert "Alpha's open words." in text
    assert "Bravo's board" not in text and "bravo.test" not in text
    assert "its answers are left out of this edition's figures, quotes and scores too" in text


# --- exports -------------------------------------------------------------------------------------


def _rows(data: bytes) -> dict[str, dict[str, str]]:
    reader = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    keys = reader[0]
    return {row[0]: dict(zip(keys, row, strict=True)) for row in reader[2:]}


def test_the_buyers_export_withholds_every_follow_up_alike(setup):
    rows = _rows(export_csv(setup.round, "buyers"))
    for name in ("Bravo Systems", "Charlie Computing"):
        for key in ("policy_url", "policy_notes", "review", "reviewer", "policy_owner"):
            assert rows[name][key] == WITHHELD, (name, key)
        assert rows[name]["has_policy"] == "[confidential]"
    assert rows["Alpha Devices"]["policy_url"] == "https://x.test/p"
    assert rows["Delta Hardware"]["policy_url"] == ""  # not shown: "no" is open, so this tells nothing new
    secretariat = _rows(export_csv(setup.round, "secretariat"))
    assert secretariat["Bravo Systems"]["policy_url"] == "https://bravo.test/secret"


def test_the_buyers_table_export_withholds_a_follow_up_table(make_org, make_user):
    document = _document()
    document["sections"][0]["questions"].append(
        {"key": "sites", "type": "table", "text": "Sites covered", "show_if": YES,
         "columns": [{"key": "name", "label": "Name", "type": "text"}]})
    submitted = [(name, country, {**answers, "sites": [{"name": f"{name} site"}]}
                  if "policy_url" in answers else answers) for name, country, answers in SUBMITTED]
    setup = build_round(make_org, make_user, submitted=submitted, document=document)
    data = export_tables_csv(setup.round, "buyers").decode("utf-8-sig")
    assert "Bravo Systems site" not in data
    assert f"Bravo Systems,BE,sites,1,name,{WITHHELD}" in data
    assert f"Charlie Computing,FR,sites,1,name,{WITHHELD}" in data
    assert "Alpha Devices site" in data


# --- evidence files --------------------------------------------------------------------------------


def test_buyers_cannot_download_evidence_of_a_follow_up_of_a_confidential_answer(make_org, make_user, db):
    from questionnaire.models import Evidence
    from questionnaire.permissions import can_download_evidence

    document = _document()
    document["sections"][0]["questions"].append(
        {"key": "policy_file", "type": "file", "text": "The policy", "show_if": YES})
    setup = build_round(make_org, make_user, submitted=SUBMITTED, document=document)
    files = {}
    for name in ("Alpha Devices", "Bravo Systems"):
        files[name] = Evidence(response=setup.responses[name], question_key="policy_file", original_name="p.pdf",
                               stored_name=f"stored-{name[:5]}", content_type="application/pdf", size=1,
                               sha256="0" * 64)
        db.session.add(files[name])
    db.session.commit()
    assert can_download_evidence(setup.buyer, files["Alpha Devices"])
    assert not can_download_evidence(setup.buyer, files["Bravo Systems"])
    assert can_download_evidence(setup.secretariat, files["Bravo Systems"])


# --- the buyers' aggregates --------------------------------------------------------------


def test_buyers_counts_leave_out_the_follow_ups_of_a_confidential_answer(setup):
    disclosed = results_for(setup.round, "buyers")
    url = next(q for s in disclosed.sections for q in s.questions if q.key == "policy_url")
    # Alpha, Echo and Foxtrot: open "yes"; Bravo's URL follows a confidential "yes".
    assert url.respondents == 3

