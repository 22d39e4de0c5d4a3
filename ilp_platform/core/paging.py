"""Keyset (cursor) pagination for server-rendered lists: constant cost at any depth."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime


@dataclass
class KeysetPage:
    items: list[Any]
    next_cursor: str | None
    has_previous: bool


def _to_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _from_cursor(cursor: str) -> str | None:
    """The text a cursor carries; None when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return base64.urlsafe_b64decode(padded.encode()).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


def _encode(value: object) -> str:
    return _to_cursor(str(value))


def _decode(cursor: str) -> int | None:
    text = _from_cursor(cursor)
    try:
        return int(text) if text is not None else None
    except ValueError:
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


def _encode_position(value: object, pk: int) -> str:
    if isinstance(value, datetime):
        key: list[Any] = ["dt", value.isoformat()]
    elif isinstance(value, int) and not isinstance(value, bool):
        key = ["int", value]
    else:
        raise TypeError(f"cannot page by a {type(value).__name__}")
    return _to_cursor(json.dumps([*key, pk], separators=(",", ":")))


def _decode_position(cursor: str) -> tuple[object, int] | None:
    text = _from_cursor(cursor)
    try:
        kind, value, pk = json.loads(text) if text is not None else (None, None, None)
    except (ValueError, TypeError):
        return None
    if not isinstance(pk, int) or isinstance(pk, bool):
        return None
    if kind == "dt" and isinstance(value, str):
        when = parse_datetime(value)
        return (when, pk) if when is not None else None
    if kind == "int" and isinstance(value, int) and not isinstance(value, bool):
        return value, pk
    return None


def keyset_page_by(
    queryset: QuerySet[Any], *, cursor: str | None, size: int, key: str, descending: bool
) -> KeysetPage:
    """Ordered by ``key`` (a non-null field or annotation: a date-time or an integer), then by
    id, ascending or descending; the cursor holds both, so equal keys never skip a row."""
    start = _decode_position(cursor) if cursor else None
    sign = "-" if descending else ""
    ordered = queryset.order_by(f"{sign}{key}", f"{sign}pk")
    if start is not None:
        value, pk = start
        beyond = "lt" if descending else "gt"
        ordered = ordered.filter(
            Q(**{f"{key}__{beyond}": value}) | Q(**{key: value, f"pk__{beyond}": pk})
        )
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = _encode_position(getattr(rows[-1], key), rows[-1].pk) if more and rows else None
    return KeysetPage(items=rows, next_cursor=next_cursor, has_previous=start is not None)
