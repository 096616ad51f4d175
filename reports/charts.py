"""SVG charts as strings, shared by the online results pages and the PDF documents.

Every chart is an inline ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that states the
numbers, so a screen reader gets them; pages and PDFs also print the same numbers in a table
(`bar_table`, `distribution_table`). All text is escaped with markupsafe: labels come from
questionnaires that users wrote.

Suppressed cells (disclosure control) arrive as ``count=None``: they are drawn without a bar, with
the words "fewer than k" where the bar would be, and no share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from markupsafe import Markup, escape

from reports.aggregation import Distribution

# Colours chosen for contrast on white and in greyscale print (WCAG AA for text).
BAR_COLOUR = "#0b4f8a"
BOX_COLOUR = "#9cc3e6"
LINE_COLOUR = "#1b1b1b"
GRID_COLOUR = "#d5dbe1"
MARKER_COLOUR = "#a4111c"
MUTED_COLOUR = "#4a4a4a"
FONT = "DejaVu Sans, Noto Sans CJK SC, Noto Sans CJK JP, sans-serif"

WIDTH = 640
LABEL_WIDTH = 230
VALUE_WIDTH = 120
ROW_HEIGHT = 26
BAR_HEIGHT = 16
DASH = "\u2013"  # shown for a figure that does not exist
CHAR_WIDTH = 6.4  # average advance of an 11px DejaVu Sans character, for wrapping labels


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: a label and its count; `count=None` means suppressed (fewer than k)."""

    label: str
    count: int | None
    share: float | None = None
    # What stands in for a count that is not shown (default: "fewer than k").
    note: str | None = None


@dataclass(frozen=True)
class BoxRow:
    """One row of a box plot: a label, its distribution (None: not shown) and an optional marker."""

    label: str
    distribution: Distribution | None
    marker: float | None = None
    note: str = ""


def number(value: float | None, digits: int = 1) -> str:
    """A figure as printed in charts and tables: whole numbers without decimals."""
    if value is None:
        return DASH
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.{digits}f}"


def percent(share: float | None) -> str:
    """A share 0..1 as a whole percentage."""
    return DASH if share is None else f"{round(share * 100)}%"


def fewer_than(k: int) -> str:
    """The words standing in for a suppressed count."""
    return _("fewer than %(k)d", k=k)


def _wrap(text: str, width: float, max_lines: int = 2) -> list[str]:
    """Split a label into at most `max_lines` lines that fit `width` pixels, ending in … if cut."""
    limit = max(8, int(width / CHAR_WIDTH))
    words = text.split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}".strip()
        if len(candidate) <= limit:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word if len(word) <= limit else word[: limit - 1] + "…"
        if len(lines) == max_lines:
            break
    if current and len(lines) < max_lines:
        lines.append(current)
    if len(lines) == max_lines and " ".join(lines) != " ".join(words):
        last = lines[-1]
        lines[-1] = (last[: limit - 1] if len(last) >= limit else last) + "…"
    return lines or [""]


def _text(x: float, y: float, content: str, *, anchor: str = "start", size: int = 11,
          fill: str = LINE_COLOUR, weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-weight="{weight}">{escape(content)}</text>')


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> Markup:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{FONT}">',
        f"<title>{escape(title)}</title>",
        f"<desc>{escape(desc)}</desc>",
        *body,
        "</svg>",
    ]
    return Markup("".join(parts))  # noqa: S704 - every text in it went through escape()


def _table(caption: str, head: str, rows: list[str], css_class: str = "figures") -> Markup:
    html = (f'<table class="{css_class}"><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead>'
            f'<tbody>{"".join(rows)}</tbody></table>')
    return Markup(html)  # noqa: S704 - head and rows are built from escaped texts


def bar_chart(bars: Sequence[Bar], *, title: str, k: int, show_shares: bool = True) -> Markup:
    """Horizontal bars of counts; suppressed rows get no bar and read "fewer than k"."""
    label_lines = [_wrap(bar.label, LABEL_WIDTH - 10) for bar in bars]
    heights = [max(ROW_HEIGHT, 14 * len(lines) + 10) for lines in label_lines]
    height = sum(heights) + 10
    plot_left = LABEL_WIDTH
    plot_width = WIDTH - LABEL_WIDTH - VALUE_WIDTH
    largest = max([bar.count for bar in bars if bar.count is not None] or [0]) or 1
    body: list[str] = [f'<line x1="{plot_left}" y1="4" x2="{plot_left}" y2="{height - 6}" '
                       f'stroke="{LINE_COLOUR}" stroke-width="1"/>']
    described = []
    y = 5.0
    for bar, lines, row_height in zip(bars, label_lines, heights, strict=True):
        middle = y + row_height / 2
        first = middle - (len(lines) - 1) * 7 + 4
        for index, line in enumerate(lines):
            body.append(_text(plot_left - 8, first + 14 * index, line, anchor="end"))
        if bar.count is None:
            value = bar.note or fewer_than(k)
            body.append(_text(plot_left + 8, middle + 4, value, fill=MUTED_COLOUR, weight="bold"))
            described.append(f"{bar.label}: {value}")
        else:
            length = plot_width * bar.count / largest
            if bar.count:
                body.append(f'<rect x="{plot_left}" y="{middle - BAR_HEIGHT / 2:.1f}" width="{length:.1f}" '
                            f'height="{BAR_HEIGHT}" fill="{BAR_COLOUR}"/>')
            value = str(bar.count)
            if show_shares and bar.share is not None:
                value = f"{bar.count} ({percent(bar.share)})"
            body.append(_text(plot_left + length + 6, middle + 4, value))
            described.append(f"{bar.label}: {value}")
        y += row_height
    return _svg(WIDTH, int(height), title, "; ".join(described), body)


def _bar_length(bar: Bar, largest: int) -> float:
    """A bar's length in percent of its column: its share where known, else its count against the largest."""
    if bar.count is None:
        return 0.0
    if bar.share is not None:
        return 100 * min(max(bar.share, 0.0), 1.0)
    return 100 * bar.count / largest


def bar_table(bars: Sequence[Bar], *, caption: str, k: int, label_heading: str | None = None,
              show_shares: bool = True, with_bars: bool = False) -> Markup:
    """The numbers of a bar chart as an HTML table; `with_bars` adds a column drawing each count as a bar.

    The PDF summary prints this table with bars instead of an SVG chart beside a table: the same
    figures once, text that a screen reader and a copy-paste get, and far cheaper to lay out.
    """
    heading = label_heading or _("Answer")
    largest = max([bar.count for bar in bars if bar.count is not None] or [0]) or 1
    rows = []
    for bar in bars:
        if bar.count is None:
            count, share = bar.note or fewer_than(k), ""
        else:
            count, share = str(bar.count), percent(bar.share) if bar.share is not None else ""
        cells = f'<th scope="row">{escape(bar.label)}</th>'
        if with_bars:
            length = _bar_length(bar, largest)
            drawn = f'<span class="bar" style="width: {length:.1f}%"></span>' if length > 0 else ""
            cells += f'<td class="bar">{drawn}</td>'
        cells += f'<td class="num">{escape(count)}</td>'
        if show_shares:
            cells += f'<td class="num">{escape(share)}</td>'
        rows.append(f"<tr>{cells}</tr>")
    head = f'<th scope="col">{escape(heading)}</th>'
    if with_bars:
        head += '<td class="bar"></td>'
    head += f'<th scope="col" class="num">{escape(_("Suppliers"))}</th>'
    if show_shares:
        head += f'<th scope="col" class="num">{escape(_("Share"))}</th>'
    return _table(caption, head, rows, css_class="figures bars" if with_bars else "figures")


def box_plot(rows: Sequence[BoxRow], *, title: str, low: float = 0, high: float = 100,
             marker_label: str | None = None) -> Markup:
    """Box plots (min, quartiles, median, max) on one axis, one row each; a marker shows one value."""
    label_lines = [_wrap(row.label, LABEL_WIDTH - 10) for row in rows]
    heights = [max(34, 14 * len(lines) + 12) for lines in label_lines]
    axis_height = 28
    height = sum(heights) + axis_height + 8
    plot_left = LABEL_WIDTH
    plot_width = WIDTH - LABEL_WIDTH - 40
    span = (high - low) or 1

    def x_of(value: float) -> float:
        return plot_left + plot_width * (min(max(value, low), high) - low) / span

    body: list[str] = []
    ticks = [low + span * step / 4 for step in range(5)]
    plot_bottom = sum(heights) + 6
    for tick in ticks:
        x = x_of(tick)
        body.append(f'<line x1="{x:.1f}" y1="4" x2="{x:.1f}" y2="{plot_bottom}" stroke="{GRID_COLOUR}" '
                    f'stroke-width="1"/>')
        body.append(_text(x, plot_bottom + 16, number(tick), anchor="middle", size=10, fill=MUTED_COLOUR))
    described = []
    y = 6.0
    for row, lines, row_height in zip(rows, label_lines, heights, strict=True):
        middle = y + row_height / 2
        first = middle - (len(lines) - 1) * 7 + 4
        for index, line in enumerate(lines):
            body.append(_text(plot_left - 8, first + 14 * index, line, anchor="end"))
        d = row.distribution
        if d is None:
            note = row.note or _("not shown")
            body.append(_text(plot_left + 8, middle + 4, note, fill=MUTED_COLOUR, weight="bold"))
            described.append(f"{row.label}: {note}")
        else:
            top, bottom = middle - 9, middle + 9
            # Participants never get min and max (single suppliers' scores): no whiskers then.
            if d.min is not None and d.max is not None:
                body.append(f'<line x1="{x_of(d.min):.1f}" y1="{middle:.1f}" x2="{x_of(d.max):.1f}" '
                            f'y2="{middle:.1f}" stroke="{LINE_COLOUR}" stroke-width="1.2"/>')
                for whisker in (d.min, d.max):
                    body.append(f'<line x1="{x_of(whisker):.1f}" y1="{middle - 5:.1f}" x2="{x_of(whisker):.1f}" '
                                f'y2="{middle + 5:.1f}" stroke="{LINE_COLOUR}" stroke-width="1.2"/>')
            if d.q1 is not None and d.q3 is not None:
                box_width = max(x_of(d.q3) - x_of(d.q1), 1.5)
                body.append(f'<rect x="{x_of(d.q1):.1f}" y="{top:.1f}" width="{box_width:.1f}" height="18" '
                            f'fill="{BOX_COLOUR}" stroke="{LINE_COLOUR}" stroke-width="1.2"/>')
            if d.median is not None:
                body.append(f'<line x1="{x_of(d.median):.1f}" y1="{top:.1f}" x2="{x_of(d.median):.1f}" '
                            f'y2="{bottom:.1f}" stroke="{LINE_COLOUR}" stroke-width="2.5"/>')
            text = ngettext("median %(median)s, quartiles %(q1)s\u2013%(q3)s, %(n)d supplier",
                            "median %(median)s, quartiles %(q1)s\u2013%(q3)s, %(n)d suppliers", d.n,
                            median=number(d.median), q1=number(d.q1), q3=number(d.q3), n=d.n)
            if d.min is not None and d.max is not None:
                text += "; " + _("range %(min)s\u2013%(max)s", min=number(d.min), max=number(d.max))
            described.append(f"{row.label}: {text}")
        if row.marker is not None:
            mx = x_of(row.marker)
            body.append(f'<path d="M {mx:.1f} {middle - 13:.1f} l 6 -8 h -12 z" fill="{MARKER_COLOUR}"/>'
                        f'<line x1="{mx:.1f}" y1="{middle - 12:.1f}" x2="{mx:.1f}" y2="{middle + 12:.1f}" '
                        f'stroke="{MARKER_COLOUR}" stroke-width="2.5"/>')
            described.append(f"{marker_label or _('marked value')}: {number(row.marker)}")
        y += row_height
    return _svg(WIDTH, int(height), title, "; ".join(described), body)


def distribution_table(rows: Sequence[BoxRow], *, caption: str, label_heading: str | None = None,
                       marker_heading: str | None = None) -> Markup:
    """The numbers of a box plot as an HTML table (min and max columns only where known)."""
    with_range = any(r.distribution is not None and r.distribution.min is not None for r in rows)
    headings = [label_heading or _("Section"), _("Suppliers")]
    headings += [_("Minimum")] if with_range else []
    headings += [_("Lower quartile"), _("Median"), _("Upper quartile")]
    headings += [_("Maximum")] if with_range else []
    headings += [_("Mean")]
    if marker_heading:
        headings.append(marker_heading)
    numeric = ' class="num"'
    head = "".join(f'<th scope="col"{numeric if i else ""}>{escape(h)}</th>' for i, h in enumerate(headings))
    body = []
    for row in rows:
        d = row.distribution
        if d is None:
            span = len(headings) - 1 - bool(marker_heading)
            cells = f'<td colspan="{span}">{escape(row.note or _("not shown"))}</td>'
        else:
            values = [str(d.n)]
            values += [number(d.min)] if with_range else []
            values += [number(d.q1), number(d.median), number(d.q3)]
            values += [number(d.max)] if with_range else []
            values += [number(d.mean)]
            cells = "".join(f'<td class="num">{escape(v)}</td>' for v in values)
        if marker_heading:
            cells += f'<td class="num">{escape(number(row.marker))}</td>'
        body.append(f'<tr><th scope="row">{escape(row.label)}</th>{cells}</tr>')
    return _table(caption, head, body)
