"""Index helpers for models."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


def index_where_set(field: str, name: str) -> models.Index:
    """An index of the reference ``field`` over the rows where it is set (a partial index;
    ``db_index=False`` on the field). For references most rows leave empty: a lookup by one
    (``assigned_to=person``, the rows deleting that person would meet) reads it as it would a
    whole index, while storing a row that leaves the field empty, the common case, touches it
    not at all. A filter for the empty ones (``field__isnull=True``) does not use it, nor
    would it an index of a column nearly all empty."""
    return models.Index(fields=[field], name=name, condition=Q(**{f"{field}__isnull": False}))
