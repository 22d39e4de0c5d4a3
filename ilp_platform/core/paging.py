"""Keyset (cursor) pagination for server-rendered lists: constant cost at any depth."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass
class KeysetPage:
    items: list[Any]
    next_cursor: str | None
    has_previous: bool


def _encode(value: object) -> str:
    return base64.urlsafe_b64encode(str(value).encode()).decode().rstrip("=")


def _decode(cursor: str) -> int | None:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def keyset_page(
    queryset: QuerySet[Any], *, cursor: str | None, size: int, field: str = "pk"
) -> KeysetPage:
    """Newest first by a unique, indexed integer field; fetch one extra row to know if more."""
    start = _decode(cursor) if cursor else None
    ordered = queryset.order_by(f"-{field}")
    if start is not None:
        ordered = ordered.filter(**{f"{field}__lt": start})
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = _encode(getattr(rows[-1], field)) if more and rows else None
    return KeysetPage(items=rows, next_cursor=next_cursor, has_previous=start is not None)
