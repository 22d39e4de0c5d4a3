"""Rendering an audit event's details for the oversight console."""

from __future__ import annotations

import json

from django import template

register = template.Library()

# Shown in their own words elsewhere in the row (query and count, the ids listed).
SHOWN_ELSEWHERE = frozenset({"query", "count", "ids"})
# A value longer than this is cut in the table; the CSV export and the API carry it whole.
MAX_VALUE = 300


def _text(value) -> str:
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


@register.filter
def detail_items(details) -> list[tuple[str, str]]:
    """``(name, text)`` for each entry of an event's details not already shown in its row."""
    if not isinstance(details, dict):
        return []
    return [(str(k), _text(v)) for k, v in sorted(details.items()) if k not in SHOWN_ELSEWHERE]
