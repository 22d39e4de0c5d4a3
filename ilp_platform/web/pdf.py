"""PDF rendering with WeasyPrint for products, minutes and other printable pages.

Every page carries the protective marking (handling code, compartment) in its header and
footer through CSS paged-media margin boxes, so a printed page is never unmarked. Only local
files are fetched while rendering: static files through the staticfiles finders and inline
``data:`` URIs; anything else (a remote image in pasted text) is refused, so rendering works on a
closed network and cannot be used to reach other hosts.
"""

from __future__ import annotations

import mimetypes
from urllib.parse import unquote, urlparse

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string

from ilp_platform.core import training


class LocalOnlyFetchError(ValueError):
    pass


def _css_string(text: str) -> str:
    cleaned = " ".join(str(text).split())
    return '"' + cleaned.replace("\\", "\\\\").replace('"', '\\"') + '"'


def marking_css(top: str, bottom: str | None = None) -> str:
    """CSS that prints ``top`` at the head and ``bottom`` (default ``top``) at the foot of every
    page, with page numbers."""
    bottom = top if bottom is None else bottom
    return (
        "@page { size: A4; margin: 22mm 16mm 22mm 16mm;"
        f" @top-center {{ content: {_css_string(top)}; font: bold 9pt sans-serif; }}"
        f" @bottom-left {{ content: {_css_string(bottom)}; font: bold 9pt sans-serif; }}"
        ' @bottom-right { content: "Page " counter(page) " of " counter(pages);'
        " font: 9pt sans-serif; } }"
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
            prefix = settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
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

    is_training = training.is_training()
    html = training.watermark_html(render_to_string(template_name, context), is_training)
    marking = training.pdf_marking(marking, is_training)
    if footer is not None:
        footer = training.pdf_marking(footer, is_training)
    fetcher = _local_fetcher_class()(allowed_protocols=("http", "https", "data"))
    document = HTML(string=html, base_url="http://localhost/", url_fetcher=fetcher)
    return document.write_pdf(stylesheets=[CSS(string=marking_css(marking, footer))])
