"""PDF rendering with WeasyPrint for products, minutes and other printable pages.

Every page carries the protective marking (handling code, compartment) in its header and
footer through CSS paged-media margin boxes, so a printed page is never unmarked. Only local
files are fetched while rendering: static files through the staticfiles finders and inline
``data:`` URIs; anything else (a remote image in pasted text) is refused, so rendering works on a
closed network and cannot be used to reach other hosts.

Text is set in fonts the platform carries (``static/vendor/dejavu``: DejaVu Sans and Sans Mono,
Latin with the accents of the six languages, Greek and Cyrillic), declared here by
``@font-face`` as "ILP Sans" and "ILP Mono": a Russian PDF shows Cyrillic on any machine,
whatever fonts it has installed. The page numbers are in the reader's language.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from ilp_platform.core import training


class LocalOnlyFetchError(ValueError):
    pass


def _css_string(text: str) -> str:
    cleaned = " ".join(str(text).split())
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


# The vendored fonts (static/vendor/dejavu), by family, weight and style.
FONTS = {
    ("ILP Sans", "normal", "normal"): "DejaVuSans.ttf",
    ("ILP Sans", "bold", "normal"): "DejaVuSans-Bold.ttf",
    ("ILP Sans", "normal", "italic"): "DejaVuSans-Oblique.ttf",
    ("ILP Sans", "bold", "italic"): "DejaVuSans-BoldOblique.ttf",
    ("ILP Mono", "normal", "normal"): "DejaVuSansMono.ttf",
    ("ILP Mono", "bold", "normal"): "DejaVuSansMono-Bold.ttf",
}
FONT_FOLDER = "vendor/dejavu/"


def _static_prefix() -> str:
    return settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"


def font_css() -> str:
    """``@font-face`` rules for the vendored fonts, fetched through the local-only fetcher."""
    return " ".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; font-style: {style};'
        f' src: url("http://localhost{_static_prefix()}{FONT_FOLDER}{name}"); }}'
        for (family, weight, style), name in FONTS.items()
    )


def _page_numbers() -> str:
    """The CSS ``content`` of "Page 3 of 7" in the active language."""
    text = " ".join(_("Page %(page)s of %(pages)s").split())
    marked = text.replace("%(pages)s", "\0pages\0").replace("%(page)s", "\0page\0")
    parts = []
    for piece in marked.split("\0"):
        if piece in ("page", "pages"):
            parts.append(f"counter({piece})")
        elif piece:  # spaces kept: they separate the words from the numbers
            parts.append('"' + piece.replace("\\", "\\\\").replace('"', '\\"') + '"')
    return " ".join(parts)


def marking_css(top: str, bottom: str | None = None) -> str:
    """CSS that prints ``top`` at the head and ``bottom`` (default ``top``) at the foot of every
    page, with page numbers, in the vendored fonts."""
    bottom = top if bottom is None else bottom
    face = '"ILP Sans", sans-serif'
    return (
        font_css() + " html { font-family: " + face + "; }"
        " @page { size: A4; margin: 22mm 16mm 22mm 16mm;"
        f" @top-center {{ content: {_css_string(top)}; font: bold 9pt {face}; }}"
        f" @bottom-left {{ content: {_css_string(bottom)}; font: bold 9pt {face}; }}"
        f" @bottom-right {{ content: {_page_numbers()}; font: 9pt {face}; }} }}"
    )


def _local_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalOnlyFetcher(URLFetcher):
        """Serves ``/static/...`` from the staticfiles finders and ``data:`` URIs; refuses the
        rest."""

        def fetch(self, url, headers=None):
            parsed = urlparse(url)
            if parsed.scheme == "data":
                return super().fetch(url, headers)
            path = unquote(parsed.path)
            prefix = _static_prefix()
            local = parsed.scheme in ("http", "https") and parsed.netloc == "localhost"
            found = finders.find(path[len(prefix) :]) if local and path.startswith(prefix) else None
            if found:
                with open(found, "rb") as handle:
                    body = handle.read()
                mime = mimetypes.guess_type(found)[0] or "application/octet-stream"
                return URLFetcherResponse(url, body, {"Content-Type": mime})
            raise LocalOnlyFetchError(f"refused to fetch {url!r} while rendering a PDF")

    return LocalOnlyFetcher


def render_pdf(template_name: str, context: dict, *, marking: str, footer: str | None = None):
    """Render a template to PDF bytes with ``marking`` on every page; on a training
    installation every page says TRAINING too (``core.training``)."""
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    is_training = training.is_training()
    html = training.watermark_html(render_to_string(template_name, context), is_training)
    marking = training.pdf_marking(marking, is_training)
    if footer is not None:
        footer = training.pdf_marking(footer, is_training)
    fetcher = _local_fetcher_class()(allowed_protocols=("http", "https", "data"))
    document = HTML(string=html, base_url="http://localhost/", url_fetcher=fetcher)
    fonts = FontConfiguration()
    stylesheet = CSS(
        string=marking_css(marking, footer),
        base_url="http://localhost/",
        url_fetcher=fetcher,
        font_config=fonts,
    )
    return document.write_pdf(stylesheets=[stylesheet], font_config=fonts)
