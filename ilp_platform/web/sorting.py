"""Sorting lists by their columns: ``?sort=<column>`` ascending, ``-<column>`` descending.
Long lists (the audit log, the report lists) are paged by key then id (the cursor holds both,
so equal keys never skip a row); short ones (anomalies, verifications) are ordered whole.
Sort only on columns that are never null. ``templates/core/_sort_th.html`` draws a header."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from ilp_platform.core.paging import KeysetPage


@dataclass(frozen=True)
class Sort:
    column: str  # as in the URL
    field: str  # the model field
    descending: bool

    @property
    def param(self) -> str:
        return ("-" if self.descending else "") + self.column

    def order_by(self) -> tuple[str, str]:
        sign = "-" if self.descending else ""
        return (f"{sign}{self.field}", f"{sign}pk")

    def link(self, column: str) -> str:
        """The ``sort`` value of a column's header: this column again flips its direction;
        another starts in its natural direction (descending for times and numbers)."""
        if column == self.column:
            return column if self.descending else f"-{column}"
        return column


def parse(value: str | None, columns: dict[str, str], default: str) -> Sort:
    """``columns``: URL name -> field; an unknown or missing value gives ``default``."""
    value = (value or "").strip()
    descending = value.startswith("-")
    column = value.lstrip("-")
    if column not in columns:
        descending = default.startswith("-")
        column = default.lstrip("-")
    return Sort(column=column, field=columns[column], descending=descending)


def _encode(value: Any, pk: int) -> str:
    raw = json.dumps([value, pk], separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[Any, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value, pk = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        return None
    if not isinstance(pk, int) or isinstance(value, list | dict):
        return None
    return value, pk


def page(queryset: QuerySet[Any], sort: Sort, *, cursor: str | None, size: int) -> KeysetPage:
    """One page of ``queryset`` in ``sort`` order, after the row the cursor names."""
    start = _decode(cursor) if cursor else None
    ordered = queryset.order_by(*sort.order_by())
    if start is not None:
        value, pk = start
        beyond = "lt" if sort.descending else "gt"
        if sort.field in ("pk", "id"):
            ordered = ordered.filter(**{f"pk__{beyond}": pk})
        else:
            ordered = ordered.filter(
                Q(**{f"{sort.field}__{beyond}": value})
                | Q(**{sort.field: value, f"pk__{beyond}": pk})
            )
    rows = list(ordered[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        value = last
        for part in sort.field.split("__"):  # a related field ("compartment__name")
            value = getattr(value, part)
        next_cursor = _encode(value, last.pk)
    return KeysetPage(items=rows, next_cursor=next_cursor, has_previous=start is not None)


def context(request, sort: Sort, columns: dict[str, str]) -> dict:
    """What a table's headers need: each column's link and the order in force."""
    params = request.GET.copy()
    for name in ("cursor", "sort", "requested"):
        params.pop(name, None)
    base = params.urlencode()
    return {
        "sort": sort,
        "sort_links": {
            column: (base + "&" if base else "") + "sort=" + sort.link(column) for column in columns
        },
        "export_querystring": (base + "&" if base else "") + "sort=" + sort.param,
    }
