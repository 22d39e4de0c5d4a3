"""Training installations: the flag and the "TRAINING" watermark every export carries.

A training installation is one loaded with the fictional scenario of ``manage.py
seed_training``. The flag is a database row (the ``training`` app's ``Installation``, found
through the app registry, as the kernel imports no app), so it travels with the data and is not
lost by starting the platform without an environment variable. It is read through the cache
(one key; saving or deleting the row forgets it) so a page pays no query for it.

Every export asks :func:`is_training` and, on a training installation, marks its file with one
of the helpers here, so training data can never pass for real intelligence:

- CSV: a first column headed ``TRAINING`` whose every cell says ``TRAINING``
  (:func:`csv_rows`), so a row copied out of the file still carries the mark;
- PDF: ``TRAINING`` before the protective marking at the head and foot of every page, and a
  large diagonal ``TRAINING`` behind the text of every page (:func:`pdf_marking`,
  :func:`watermark_html`);
- HTML: a banner at the top and the diagonal ``TRAINING`` (:func:`watermark_html`);
- SVG and GraphML: a visible text line, a graph attribute (:func:`watermark_svg`,
  :func:`watermark_graphml`);
- JSON (GeoJSON, partner exchange packages): ``"training": true`` at the top level.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from html import escape
from typing import Any

from django.apps import apps
from django.core.cache import cache

MARK = "TRAINING"
NOTICE = "TRAINING - fictional data, not intelligence"
CACHE_KEY = "ilp:training-installation"
# A change made in another process (a seed run while the platform runs) shows within this.
CACHE_SECONDS = 60


def _model() -> Any:
    try:
        return apps.get_model("training", "Installation")
    except LookupError:
        return None


def is_training() -> bool:
    """Whether this installation holds the training scenario (fictional data only)."""
    cached = cache.get(CACHE_KEY)
    if cached is not None:
        return bool(cached)
    model = _model()
    flag = bool(model is not None and model.objects.filter(is_training=True).exists())
    cache.set(CACHE_KEY, flag, CACHE_SECONDS)
    return flag


def forget() -> None:
    """Drop the cached flag (after the row changes)."""
    cache.delete(CACHE_KEY)


# --- CSV ------------------------------------------------------------------------------------


def csv_headers(headers: Sequence[str], training: bool | None = None) -> list[str]:
    training = is_training() if training is None else training
    return [MARK, *headers] if training else list(headers)


def csv_rows(
    headers: Sequence[str], rows: Iterable[Sequence], training: bool | None = None
) -> tuple[list[str], Iterator[Sequence]]:
    """The headers and rows of a CSV file, with the ``TRAINING`` first column on a training
    installation (asked once, here, not per row)."""
    training = is_training() if training is None else training
    if not training:
        return list(headers), iter(rows)
    return csv_headers(headers, True), ([MARK, *row] for row in rows)


# --- PDF and HTML ---------------------------------------------------------------------------


def pdf_marking(marking: str, training: bool | None = None) -> str:
    """The protective marking printed at the head and foot of each PDF page."""
    training = is_training() if training is None else training
    return f"{NOTICE} | {marking}" if training else marking


WATERMARK_STYLE = (
    "position:fixed;top:38%;left:0;right:0;text-align:center;transform:rotate(-30deg);"
    "font:bold 96pt sans-serif;color:rgba(200,0,0,0.14);z-index:1000;pointer-events:none;"
)
BANNER_STYLE = (
    "background:#b00020;color:#fff;font:bold 12pt sans-serif;text-align:center;"
    "padding:4px 8px;margin:0 0 8px 0;"
)


def watermark_html(html: str, training: bool | None = None) -> str:
    """The document with a ``TRAINING`` banner at its top and a diagonal ``TRAINING`` fixed on
    every page (a fixed element repeats on each printed or PDF page)."""
    training = is_training() if training is None else training
    if not training:
        return html
    mark = (
        f'<div class="ilp-training-banner" style="{BANNER_STYLE}">{escape(NOTICE)}</div>'
        f'<div class="ilp-training-watermark" aria-hidden="true" style="{WATERMARK_STYLE}">'
        f"{MARK}</div>"
    )
    lower = html.lower()
    start = lower.find("<body")
    if start == -1:
        return mark + html
    end = html.find(">", start)
    return html[: end + 1] + mark + html[end + 1 :]


# --- drawings -------------------------------------------------------------------------------


def watermark_svg(svg: str, training: bool | None = None) -> str:
    """A red ``TRAINING`` line at the top left of the drawing, drawn over everything."""
    training = is_training() if training is None else training
    end = svg.rfind("</svg>")
    if not training or end == -1:
        return svg
    text = (
        '<text x="8" y="22" font-family="sans-serif" font-size="18" font-weight="bold" '
        f'fill="#b00020" class="ilp-training-mark">{escape(NOTICE)}</text>'
    )
    return svg[:end] + text + svg[end:]


def watermark_graphml(graphml: str, training: bool | None = None) -> str:
    """A comment after the XML declaration naming the file as training data."""
    training = is_training() if training is None else training
    if not training:
        return graphml
    comment = f"<!-- {NOTICE} -->"
    if graphml.startswith("<?xml"):
        end = graphml.find("?>") + 2
        return graphml[:end] + "\n" + comment + graphml[end:]
    return comment + "\n" + graphml
