"""The all-or-nothing load of validated rows into ``intelligence_incident``.

PostgreSQL: the rows stream through ``COPY ... FROM STDIN`` (psycopg 3) straight into the real
table inside the caller's transaction; in update mode they go through a temporary table and
``INSERT ... SELECT ... ON CONFLICT (reference) DO UPDATE``. Rows are formatted column-wide
(numpy) in chunks, and a writer thread sends one chunk while the next is formatted, so the
server ingests while Python prepares.

Elsewhere (the embedded SQLite default): batched ``bulk_create`` in the same transaction.

Either way a failure part-way raises, the caller's transaction rolls back, and the table is as
it was. No model signals fire: the import writes one audit event for the whole load.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection
from django.utils import timezone

from intelligence.imports.choices import ImportMode
from intelligence.models import Incident

# Rows per COPY chunk: about 5 MB of text, small enough to overlap formatting and ingest.
COPY_CHUNK = 50_000
# Rows per INSERT on SQLite: bounded memory, few statements (about 20 MB of objects).
INSERT_BATCH = 2_000
COLUMNS = (
    "reference",
    "crime_type_id",
    "occurred_from",
    "occurred_to",
    "latitude",
    "longitude",
    "address",
    "compartment_id",
    "created_at",
)
UPDATED_COLUMNS = COLUMNS[1:7]
# Loaded (and, in update mode, overwritten) only when the file gives it: a file without an
# origin column leaves new incidents "unknown" (the column's default) and existing ones as
# they were.
ORIGIN = "origin"


def _columns(frame: pd.DataFrame) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The columns written and those an update overwrites, for this frame."""
    if ORIGIN in frame:
        return COLUMNS + (ORIGIN,), UPDATED_COLUMNS + (ORIGIN,)
    return COLUMNS, UPDATED_COLUMNS


_STAGE = "incident_import_stage"


@dataclass
class LoadResult:
    inserted: int
    updated: int
    method: str


Report = Callable[[float], None]


def load(
    frame: pd.DataFrame,
    *,
    compartment_id: int,
    mode: str,
    existing: int,
    report: Report | None = None,
) -> LoadResult:
    """Load every row or raise; call inside ``transaction.atomic()``."""
    report = report or (lambda fraction: None)
    if connection.vendor == "postgresql":
        return _load_postgresql(frame, compartment_id, mode, report)
    return _load_batched(frame, compartment_id, mode, existing, report)


# --- PostgreSQL -------------------------------------------------------------------------------


def _escaped(values: pd.Series) -> pd.Series:
    """Text for COPY's text format: backslash, tab and line breaks escaped."""
    if not values.str.contains(r"[\\\t\n\r]", regex=True).any():
        return values
    return (
        values.str.replace("\\", "\\\\", regex=False)
        .str.replace("\t", "\\t", regex=False)
        .str.replace("\n", "\\n", regex=False)
        .str.replace("\r", "\\r", regex=False)
    )


def _timestamps(values: pd.Series) -> np.ndarray:
    naive = values.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy("datetime64[us]")
    text = np.datetime_as_string(naive, unit="us").astype(object)
    text[np.isnat(naive)] = "\\N"
    return text


def copy_chunks(frame: pd.DataFrame, compartment_id: int, created: str):
    """Yield (rows, text) chunks in COPY text format, formatted column-wide."""
    reference = _escaped(frame["reference"]).to_numpy(dtype=object)
    address = _escaped(frame["address"]).to_numpy(dtype=object)
    crime = frame["crime_type_id"].to_numpy().astype(str).astype(object)
    start = _timestamps(frame["occurred_from"])
    end = _timestamps(frame["occurred_to"])
    latitude = frame["latitude"].to_numpy()
    longitude = frame["longitude"].to_numpy()
    compartment = str(compartment_id)
    origin = frame[ORIGIN].to_numpy(dtype=object) if ORIGIN in frame else None
    for first in range(0, len(frame), COPY_CHUNK):
        part = slice(first, first + COPY_CHUNK)
        rows = len(reference[part])
        columns = (
            reference[part],
            crime[part],
            start[part],
            end[part],
            latitude[part].astype(str),
            longitude[part].astype(str),
            address[part],
            [compartment] * rows,
            [created] * rows,
        )
        if origin is not None:
            columns = (*columns, origin[part])
        yield rows, "\n".join(map("\t".join, zip(*columns, strict=True))) + "\n"


def _copy(cursor, table: str, frame: pd.DataFrame, compartment_id: int, report: Report) -> None:
    from psycopg.copy import QueuedLibpqWriter

    created = timezone.now().strftime("%Y-%m-%d %H:%M:%S.%f")
    total = max(1, len(frame))
    done = 0
    raw = cursor.cursor  # the psycopg cursor under Django's wrapper
    statement = f"COPY {table} ({', '.join(_columns(frame)[0])}) FROM STDIN"
    with raw.copy(statement, writer=QueuedLibpqWriter(raw)) as copy:
        for rows, text in copy_chunks(frame, compartment_id, created):
            copy.write(text)
            done += rows
            report(done / total)


def _load_postgresql(
    frame: pd.DataFrame, compartment_id: int, mode: str, report: Report
) -> LoadResult:
    with connection.cursor() as cursor:
        # Timestamps are sent as UTC text.
        cursor.execute("SET LOCAL TIME ZONE 'UTC'")
        if mode == ImportMode.INSERT:
            _copy(cursor, Incident._meta.db_table, frame, compartment_id, report)
            return LoadResult(inserted=len(frame), updated=0, method="copy")
        # A second update in the same transaction (the stage drops only at commit).
        cursor.execute(f"DROP TABLE IF EXISTS pg_temp.{_STAGE}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {_STAGE} (reference varchar(50), crime_type_id bigint, "
            "occurred_from timestamptz, occurred_to timestamptz, latitude double precision, "
            "longitude double precision, address varchar(300), compartment_id bigint, "
            "created_at timestamptz, origin varchar(10)) ON COMMIT DROP"
        )
        _copy(cursor, _STAGE, frame, compartment_id, report)
        written, updated_columns = _columns(frame)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in updated_columns)
        table = Incident._meta.db_table
        # References are unique within a compartment: only the import's own compartment
        # (one the importer holds) is ever matched, so no other is read or changed.
        cursor.execute(
            f"WITH written AS (INSERT INTO {table} ({', '.join(written)}) "  # noqa: S608
            f"SELECT {', '.join(written)} FROM {_STAGE} "
            f"ON CONFLICT (compartment_id, reference) DO UPDATE SET {updates} "
            "RETURNING (xmax = 0) AS inserted) "
            "SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) "
            "FROM written"
        )
        inserted, updated = cursor.fetchone()
    if inserted + updated != len(frame):
        raise ReferencesChanged()
    return LoadResult(inserted=inserted, updated=updated, method="copy+upsert")


class ReferencesChanged(Exception):
    """Incidents changed between validation and load; the load is rolled back."""


# --- Batched inserts (SQLite and other backends) ----------------------------------------------


def _python_times(values: pd.Series) -> list:
    objects = values.astype(object)
    return [None if pd.isna(v) else v.to_pydatetime() for v in objects]


def _load_batched(
    frame: pd.DataFrame, compartment_id: int, mode: str, existing: int, report: Report
) -> LoadResult:
    total = len(frame)
    created = timezone.now()
    options = {}
    if mode == ImportMode.UPDATE:
        options = {
            "update_conflicts": True,
            "unique_fields": ["compartment", "reference"],
            "update_fields": [c.removesuffix("_id") for c in _columns(frame)[1]],
        }
    origins = frame[ORIGIN] if ORIGIN in frame else pd.Series([None] * total, index=frame.index)
    for first in range(0, total, INSERT_BATCH):
        part = frame.iloc[first : first + INSERT_BATCH]
        incidents = [
            Incident(
                reference=reference,
                crime_type_id=int(crime),
                occurred_from=start,
                occurred_to=end,
                latitude=float(lat),
                longitude=float(lon),
                address=address,
                compartment_id=compartment_id,
                created_at=created,
                **({"origin": origin} if origin is not None else {}),
            )
            for reference, crime, start, end, lat, lon, address, origin in zip(
                part["reference"],
                part["crime_type_id"],
                _python_times(part["occurred_from"]),
                _python_times(part["occurred_to"]),
                part["latitude"],
                part["longitude"],
                part["address"],
                origins.iloc[first : first + INSERT_BATCH],
                strict=True,
            )
        ]
        Incident.objects.bulk_create(incidents, batch_size=INSERT_BATCH, **options)
        report(min(total, first + INSERT_BATCH) / max(1, total))
    if mode == ImportMode.UPDATE:
        return LoadResult(inserted=total - existing, updated=existing, method="bulk_upsert")
    return LoadResult(inserted=total, updated=0, method="bulk_insert")
