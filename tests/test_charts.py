"""SVG charts shared by the results pages and the PDFs: accessible, escaped, suppression drawn as words."""

from __future__ import annotations

import re
from xml.etree import ElementTree

from reports import charts
from reports.aggregation import Distribution

SVG = "{http://www.w3.org/2000/svg}"


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(str(svg))  # noqa: S314 - our own chart markup, not untrusted input


def test_a_bar_chart_is_an_image_with_a_title_and_its_numbers_in_words(app):
    svg = charts.bar_chart([charts.Bar("Yes", 4, 0.8), charts.Bar("No", 1, 0.2)], title="Policy?", k=2)
    root = _parse(svg)
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Policy?"
    assert root.find(f"{SVG}desc").text == "Yes: 4 (80%); No: 1 (20%)"
    assert len(root.findall(f"{SVG}rect")) == 2


def test_a_suppressed_count_has_no_bar_and_reads_fewer_than_k(app):
    svg = charts.bar_chart([charts.Bar("Often", 5, 0.5), charts.Bar("Rarely", None), charts.Bar("Never", None,
                                                                                                 note="not shown")],
                           title="How often?", k=3)
    root = _parse(svg)
    assert len(root.findall(f"{SVG}rect")) == 1
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "fewer than 3" in texts
    assert "not shown" in texts
    table = str(charts.bar_table([charts.Bar("Rarely", None)], caption="c", k=3))
    assert "fewer than 3" in table


def test_labels_are_escaped(app):
    label = '<img src="file:///etc/passwd"> & </svg>'
    svg = str(charts.bar_chart([charts.Bar(label, 3, 1.0)], title=label, k=3))
    assert "<img" not in svg
    assert "&lt;img" in svg
    _parse(svg)  # still well-formed
    table = str(charts.bar_table([charts.Bar(label, 3, 1.0)], caption=label, k=3))
    assert "<img" not in table


def test_a_box_plot_without_minimum_and_maximum_draws_no_whiskers(app):
    anonymous = Distribution(n=5, q1=25, median=50, q3=75, mean=50)
    named = Distribution.of([10, 25, 50, 75, 90])
    bare = _parse(charts.box_plot([charts.BoxRow("Policy", anonymous)], title="t"))
    full = _parse(charts.box_plot([charts.BoxRow("Policy", named, marker=60)], title="t", marker_label="you"))
    assert len(bare.findall(f"{SVG}line")) < len(full.findall(f"{SVG}line"))
    assert "range" not in bare.find(f"{SVG}desc").text
    assert "range 10\u201390" in full.find(f"{SVG}desc").text
    assert "you: 60" in full.find(f"{SVG}desc").text
    table = str(charts.distribution_table([charts.BoxRow("Policy", anonymous)], caption="c"))
    assert "Minimum" not in table and "Maximum" not in table


def test_long_labels_wrap_on_two_lines_at_most(app):
    label = "A very long option label that goes on and on about supply chains and due diligence steps"
    root = _parse(charts.bar_chart([charts.Bar(label, 1, 1.0)], title="t", k=1))
    lines = [t.text for t in root.iter(f"{SVG}text") if t.get("text-anchor") == "end"]
    assert len(lines) == 2
    assert lines[1].endswith("\u2026")
    assert re.sub(r"\s+", " ", root.find(f"{SVG}desc").text).startswith(label)
