"""Read a page's form back into the fields a browser would post (what the HTTP scenarios send)."""

from __future__ import annotations

from html.parser import HTMLParser


class FormFields(HTMLParser):
    """The successful controls of the first form whose class or action matches, as (name, value) pairs.

    Checked checkboxes and radios, selected options, text inputs, hidden inputs and textareas; file
    inputs and buttons are left out (the caller adds the button it "presses").
    """

    def __init__(self, match: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.match = match
        self.fields: list[tuple[str, str]] = []
        self._in_form = False
        self._done = False
        self._select: str | None = None
        self._select_first: str | None = None
        self._select_chosen = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Collect controls inside the form."""
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and not self._done and not self._in_form:
            self._in_form = self.match in a.get("class", "") or self.match in a.get("action", "")
            return
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("file", "submit", "button", "image", "reset"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self._select, self._select_first, self._select_chosen = name, None, False
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in a and not self._select_chosen:
                self.fields.append((self._select, value))
                self._select_chosen = True
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag: str) -> None:
        """Close selects, textareas and the form."""
        if tag == "select" and self._select is not None:
            if not self._select_chosen and self._select_first is not None:
                self.fields.append((self._select, self._select_first))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True

    def handle_data(self, data: str) -> None:
        """Textarea content."""
        if self._textarea is not None:
            self._text.append(data)


def form_fields(html: str, match: str = "") -> list[tuple[str, str]]:
    """The (name, value) pairs the matching form would post."""
    parser = FormFields(match)
    parser.feed(html)
    return parser.fields


def field(fields: list[tuple[str, str]], name: str) -> str | None:
    """The first value of a field."""
    return next((v for k, v in fields if k == name), None)
