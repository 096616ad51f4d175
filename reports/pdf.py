"""HTML + print CSS to PDF with WeasyPrint, behind a URL fetcher that only knows our static files.

The fetcher is the security boundary: documents contain text written by buyers and suppliers, and
although every template escapes it, nothing a document names may reach the file system outside
static/ or the network. Templates refer to static files as ``static:css/pdf.css`` (see
`static_url`); every other URL (``file:``, ``http(s):``, ``data:``, relative paths ...) is refused.
Fonts come from fontconfig by family name (DejaVu for Latin, Greek and Cyrillic; Noto CJK where
installed), never by URL.
"""

from __future__ import annotations

import logging
import mimetypes
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import Markup
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_SCHEME = "static"

logger = logging.getLogger(__name__)


class FetchRefused(ValueError):
    """A document asked for something other than one of the platform's static files."""


def static_url(path: str) -> str:
    """The URL a PDF template uses for a file under static/ (e.g. ``css/pdf.css``)."""
    return f"{STATIC_SCHEME}:{path}"


class StaticFilesOnly(URLFetcher):
    """Serve ``static:<path>`` from the static folder; refuse every other URL, and remember all asked."""

    def __init__(self, static_root: str | Path) -> None:
        super().__init__(allowed_protocols=[STATIC_SCHEME], allow_redirects=False)
        self.root = Path(static_root).resolve()
        self.requested: list[str] = []
        self.refused: list[str] = []

    def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
        """Return the static file named by the URL, or raise FetchRefused."""
        self.requested.append(url)
        try:
            path = self._resolve(url)
        except FetchRefused:
            self.refused.append(url)
            logger.warning("PDF fetcher refused %.200s", url)
            raise
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": mime_type})

    def _resolve(self, url: str) -> Path:
        parts = urlsplit(url)
        if parts.scheme != STATIC_SCHEME or parts.netloc or parts.query:
            raise FetchRefused(f"only the platform's static files may be used in a PDF, not {url[:200]!r}")
        relative = unquote(parts.path).lstrip("/")
        path = (self.root / relative).resolve()
        # resolve() follows "..", symlinks included: the result must still lie inside static/.
        if not relative or not path.is_relative_to(self.root) or not path.is_file():
            raise FetchRefused(f"no such static file: {url[:200]!r}")
        return path

    def __call__(self, url: str) -> URLFetcherResponse:
        return self.fetch(url)


def static_fetcher() -> StaticFilesOnly:
    """A fetcher for the running app's static folder."""
    return StaticFilesOnly(current_app.static_folder or "static")


def render_pdf(html: str, *, fetcher: StaticFilesOnly | None = None) -> bytes:
    """Convert an HTML document to PDF bytes; only static files can be fetched."""
    fetcher = fetcher or static_fetcher()
    # No base URL: a relative reference has nothing to resolve against and reaches the fetcher as is.
    document = HTML(string=html, base_url=None, url_fetcher=fetcher)
    # Tagged PDF: headings, lists and tables keep their structure for screen readers.
    return document.write_pdf(pdf_tags=True)


def css_string(text: str) -> Markup:
    """A CSS string literal for any text, safe inside a <style> element.

    Everything but letters, digits and spaces becomes a CSS escape (six hex digits and the space that
    ends it), so no quote, backslash, "<" or "</style>" in a user's text can end the string or the element.
    """
    escaped = "".join(ch if (ch.isascii() and ch.isalnum()) or ch == " " else f"\\{ord(ch):06x} " for ch in text)
    return Markup(f'"{escaped}"')  # noqa: S704 - only letters, digits, spaces and escapes


def page_counter_css() -> Markup:
    """The CSS `content` value reading "Page x of y" in the current language."""
    text = _("Page %(page)s of %(pages)s", page="\x00page\x00", pages="\x00pages\x00")
    tokens = []
    for index, piece in enumerate(text.split("\x00")):
        if index % 2:
            tokens.append(f"counter({'pages' if piece == 'pages' else 'page'})")
        elif piece:
            tokens.append(css_string(piece))
    return Markup(" ".join(tokens))  # noqa: S704 - CSS strings built by css_string


def render_template_pdf(template: str, *, language: str, fetcher: StaticFilesOnly | None = None,
                        **context: Any) -> bytes:
    """Render templates/pdf/<template> in a language and convert it to PDF.

    The template is rendered straight from the Jinja environment, without the page context
    processors: documents are built from the command line too, where there is no request.
    """
    return render_pdf(render_template_html(template, language=language, **context), fetcher=fetcher)


def render_template_html(template: str, *, language: str, **context: Any) -> str:
    """The HTML of a PDF document, rendered in a language."""
    env = current_app.jinja_env
    with force_locale(language):
        return env.get_template(f"pdf/{template}").render(
            language=language, static_url=static_url, css_string=css_string, page_counter=page_counter_css(),
            **context)
