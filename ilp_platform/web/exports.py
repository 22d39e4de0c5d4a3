"""CSV exports of lists: streamed, safe to open in a spreadsheet, and recorded as consultations.

A view builds the restricted, filtered queryset exactly as its page does and hands it here with
the columns to write. The export event (the filters used and how many rows leave) is stored
before the first byte is sent, so an export that cannot be logged is not served.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from django.http import StreamingHttpResponse
from django.utils import timezone

from audit import services as audit
from audit.choices import Action
from ilp_platform.core import training

# Rows fetched from the database per round trip while streaming: large enough to keep the
# number of fetches low, small enough that a worker holds only a few megabytes at a time.
EXPORT_BATCH = 2000
# A leading character a spreadsheet reads as the start of a formula (or a hidden one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Column:
    """One CSV column: its header, the ``values_list`` lookup it reads, an optional formatter."""

    header: str
    lookup: str
    format: Callable[[object], object] | None = None


def neutralise_cell(value) -> str:
    """Stop spreadsheet formula injection: a cell starting with = + - @ tab or CR gets a '."""
    text = "" if value is None else str(value)
    if text[:1] in FORMULA_PREFIXES:
        return "'" + text
    return text


def filename(stem: str, now=None) -> str:
    """``<stem>-YYYY-MM-DD-HHMMSS.csv`` in UTC: sorts by date and never overwrites the last."""
    now = now or timezone.now()
    return f"{stem}-{now:%Y-%m-%d-%H%M%S}.csv"


class _Echo:
    """A file-like object whose ``write`` returns the line, so csv.writer can feed a stream."""

    def write(self, value: str) -> str:
        return value


def csv_lines(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The header line, then one neutralised line per row, produced lazily; on a training
    installation the first column is ``TRAINING`` (``core.training.csv_rows``)."""
    headers, rows = training.csv_rows(headers, rows)
    writer = csv.writer(_Echo())
    yield writer.writerow(list(headers))
    for row in rows:
        yield writer.writerow([neutralise_cell(value) for value in row])


def _formatted(rows: Iterable[Sequence], columns: Sequence[Column]) -> Iterator[Sequence]:
    formats = [column.format for column in columns]
    if not any(formats):
        yield from rows
        return
    for row in rows:
        yield [fmt(value) if fmt else value for fmt, value in zip(formats, row, strict=True)]


def csv_response(
    rows: Iterable[Sequence], *, headers: Sequence[str], stem: str
) -> StreamingHttpResponse:
    """A streamed CSV download; the caller has already recorded the export."""
    response = StreamingHttpResponse(
        csv_lines(headers, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename(stem)}"'
    # Exports carry intelligence or log content: never keep them in a shared or browser cache.
    response["Cache-Control"] = "no-store"
    return response


def export_queryset(
    queryset,
    *,
    columns: Sequence[Column],
    stem: str,
    object_type: str,
    filters: dict | None = None,
    ordering: Sequence[str] = ("-pk",),
) -> StreamingHttpResponse:
    """Stream ``queryset`` (already ``visible_to`` the user and filtered) as CSV.

    Records an EXPORT event naming the object type, the filters and the row count first; the
    rows are then read with ``values_list(...).iterator()`` in batches of EXPORT_BATCH, so
    memory stays flat whatever the size of the list.
    """
    queryset = queryset.order_by(*ordering)
    count = queryset.count()
    audit.record(
        Action.EXPORT,
        object_type=object_type,
        details={"filters": dict(filters or {}), "format": "csv", "count": count},
    )
    rows = queryset.values_list(*(column.lookup for column in columns)).iterator(
        chunk_size=EXPORT_BATCH
    )
    return csv_response(
        _formatted(rows, columns), headers=[column.header for column in columns], stem=stem
    )
