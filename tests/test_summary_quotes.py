"""The summary PDF prints a bounded, fair selection of quotes per question and says how many are left out."""

from __future__ import annotations

import random

import pytest
from reports_support import build_known_round, pdf_text

from reports.aggregation import Quote
from reports.summary import printed_chapters, select_quotes, shorten

QUOTED = ["Audits alone do not find forced labour.", "Worker voice tools helped us most.",
          "Smelter lists change every quarter."]


@pytest.fixture
def known(app, make_org, make_user):
    """The round of reports_support: three quotable remarks (and a confidential one, never quoted)."""
    return build_known_round(make_org, make_user)


def _remarks(known, audience, limit):
    from reports.disclosure import results_for

    chapters = printed_chapters(results_for(known.round, audience), "en", quote_limit=limit)
    return next(item for chapter in chapters for item in chapter.questions if item.disclosed.key == "remarks")


def test_the_selection_is_bounded_and_the_rest_is_counted_in_words(known, app):
    item = _remarks(known, "participants", 2)
    assert len(item.quotes) == 2
    assert {q.text for q in item.quotes} < set(QUOTED)
    assert item.more_quotes == "1 more quotable answer is not printed in this summary."
    named = _remarks(known, "buyers", 1)
    assert named.more_quotes == "2 more quotable answers are in the online results and the export."


def test_every_quote_is_printed_when_there_are_no_more_than_the_limit(known):
    item = _remarks(known, "participants", 3)
    assert sorted(q.text for q in item.quotes) == sorted(QUOTED)
    assert item.more_quotes == ""


def test_the_same_quotes_are_chosen_for_every_audience(known):
    anonymous = [q.text for q in _remarks(known, "participants", 2).quotes]
    assert [q.text for q in _remarks(known, "buyers", 2).quotes] == anonymous
    assert [q.text for q in _remarks(known, "secretariat", 2).quotes] == anonymous


def test_the_choice_depends_on_the_texts_only_not_on_order_names_or_ids():
    quotes = [Quote(text=f"Answer number {n}", response_id=n, supplier=f"Supplier {n}") for n in range(40)]
    chosen = [q.text for q in select_quotes(quotes, 7, "remarks", 5)]
    shuffled = random.Random(1).sample(quotes, len(quotes))
    renamed = [Quote(text=q.text, response_id=0, supplier="") for q in shuffled]
    assert [q.text for q in select_quotes(shuffled, 7, "remarks", 5)] == chosen
    assert [q.text for q in select_quotes(renamed, 7, "remarks", 5)] == chosen
    # Not simply the first suppliers, nor the alphabetical first texts.
    assert chosen != [q.text for q in quotes[:5]]
    assert chosen != sorted(q.text for q in quotes)[:5]


def test_no_supplier_is_favoured_across_questions():
    """Over many questions each supplier is quoted about as often as any other."""
    quotes = [Quote(text=f"Supplier {n} says something about topic", response_id=n, supplier="") for n in range(20)]
    times: dict[str, int] = {}
    for index in range(400):
        varied = [Quote(text=f"{q.text} {index}", response_id=q.response_id, supplier="") for q in quotes]
        for quote in select_quotes(varied, 1, f"q{index}", 5):
            times[quote.text.rsplit(" ", 1)[0]] = times.get(quote.text.rsplit(" ", 1)[0], 0) + 1
    # 400 questions x 5 of 20: 100 each on average; a fair choice stays well within 60-140.
    assert len(times) == 20
    assert min(times.values()) > 60 and max(times.values()) < 140


def test_a_long_quote_is_shortened_at_a_word_and_marked():
    text = "word " * 400
    short = shorten(text, 100)
    assert len(short) <= 104 and short.endswith(" […]")
    assert shorten("short", 100) == "short"


def test_the_printed_summary_states_how_many_quotes_are_left_out_and_why(known, app):
    from reports.summary import summary_pdf

    app.config["SUMMARY_QUOTES_PER_QUESTION"] = 1
    text = pdf_text(summary_pdf(known.round, "participants", "en"))
    assert sum(quote in text for quote in QUOTED) == 1
    assert "2 more quotable answers are not printed in this summary." in text
    assert "prints at most 1 per question" in text


def test_a_cached_summary_is_rebuilt_when_the_quote_limit_changes(known, app):
    from reports.summary import cached_summary_pdf

    app.config["SUMMARY_QUOTES_PER_QUESTION"] = 3
    cached_summary_pdf(known.round, "participants", "en")
    _data, hit = cached_summary_pdf(known.round, "participants", "en")
    assert hit
    app.config["SUMMARY_QUOTES_PER_QUESTION"] = 1
    data, hit = cached_summary_pdf(known.round, "participants", "en")
    assert not hit
    assert "2 more quotable answers" in pdf_text(data)
