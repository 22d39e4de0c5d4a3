"""Rendering an audit event's details for the oversight console."""

from __future__ import annotations

import json
import re

from django import template
from django.utils.translation import gettext_lazy

register = template.Library()

# Shown in their own words elsewhere in the row (query and count, the ids listed).
SHOWN_ELSEWHERE = frozenset({"query", "count", "ids"})
# A value longer than this is cut in the table; the CSV export and the API carry it whole.
MAX_VALUE = 300
# A value digest (audit.services.value_digest) is shown by its first 12 hex digits, so the
# names of all a record's fields fit in the table; the API and the export carry it whole.
_DIGEST = re.compile(r"hmac:([0-9a-f]{12})[0-9a-f]{52}")


def _text(value) -> str:
    if isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    text = _DIGEST.sub(r"hmac:\1…", text)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


@register.filter
def detail_items(details) -> list[tuple[str, str]]:
    """``(name, text)`` for each entry of an event's details not already shown in its row."""
    if not isinstance(details, dict):
        return []
    return [(str(k), _text(v)) for k, v in sorted(details.items()) if k not in SHOWN_ELSEWHERE]


@register.filter
def type_words(object_type: str) -> str:
    """A logged object type in words ("Intelligence report")."""
    from oversight.search import type_label

    return type_label(object_type or "")


_PURPOSE_WORDS = {
    "operation": gettext_lazy("Operation"),
    "requirement": gettext_lazy("Requirement"),
    "tasking": gettext_lazy("Tasking"),
}


@register.filter
def purpose_words(purpose_type: str) -> str:
    """A logged purpose type in words ("Operation")."""
    return str(_PURPOSE_WORDS.get(purpose_type, purpose_type))
