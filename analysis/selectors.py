"""Reads for analysis jobs: restricted, filtered and aggregated in SQL before numpy sees them.

Every read starts from ``Model.objects.visible_to(user)`` and the job's compartments. Where
the database can aggregate (grid cells, day x hour of exact times, periods per crime type,
co-occurrence pairs) it does, so only a few thousand rows cross the wire; where rows are
needed (polygon areas, time windows, near-repeat events) only the columns the algorithm
uses are streamed in chunks into numpy arrays.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

import numpy as np
from django.db.models import Count, F, FloatField, Func, Max, Min, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, TruncMonth, TruncWeek
from django.utils import timezone

from intelligence.choices import IncidentOrigin, LinkStrength, ReportStatus
from intelligence.models import Entity, Incident, Link, Report, ReportEntity

# Rows fetched per round trip when streaming; three float columns of 50,000 rows is ~1 MB.
CHUNK = 50_000
# An explicit link counts as this many co-occurrences, by its strength.
LINK_WEIGHTS = {
    LinkStrength.CONFIRMED: 3.0,
    LinkStrength.TENTATIVE: 2.0,
    LinkStrength.UNCONFIRMED: 1.0,
}

Progress = Callable[[float], None]


class EpochSeconds(Func):
    """Seconds since 1970-01-01 UTC of a datetime column, as a float, computed by the database."""

    output_field = FloatField()

    def as_sql(self, compiler, connection, **extra):
        return self.as_postgresql(compiler, connection, **extra)

    def as_postgresql(self, compiler, connection, **extra):
        return super().as_sql(
            compiler,
            connection,
            template="CAST(EXTRACT(EPOCH FROM %(expressions)s) AS double precision)",
            **extra,
        )

    def as_sqlite(self, compiler, connection, **extra):
        # SQLite keeps datetimes as ISO text in UTC; julianday() parses it.
        return super().as_sql(
            compiler,
            connection,
            template="((julianday(%(expressions)s) - 2440587.5) * 86400.0)",
            **extra,
        )


# --- incidents ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IncidentFilter:
    """The selection a job reads: compartments, crime types, dates and a bounding box."""

    compartment_ids: tuple[int, ...]
    crime_type_ids: tuple[int, ...] = ()
    start: dt.datetime | None = None  # inclusive
    end: dt.datetime | None = None  # exclusive
    bbox: tuple[float, float, float, float] | None = None  # min_lon, min_lat, max_lon, max_lat


def incidents(user, selection: IncidentFilter) -> QuerySet:
    """The incidents a job may read: visible to its requester and inside its selection."""
    qs = Incident.objects.visible_to(user).filter(compartment__in=selection.compartment_ids)
    if selection.crime_type_ids:
        qs = qs.filter(crime_type__in=selection.crime_type_ids)
    if selection.start is not None:
        qs = qs.filter(occurred_from__gte=selection.start)
    if selection.end is not None:
        qs = qs.filter(occurred_from__lt=selection.end)
    if selection.bbox is not None:
        min_lon, min_lat, max_lon, max_lat = selection.bbox
        qs = qs.filter(
            longitude__gte=min_lon,
            longitude__lte=max_lon,
            latitude__gte=min_lat,
            latitude__lte=max_lat,
        )
    return qs.order_by()


def extent(qs: QuerySet) -> tuple[float, float, float, float] | None:
    """[min_lon, min_lat, max_lon, max_lat] of the selection, or None when it is empty."""
    box = qs.aggregate(
        min_lon=Min("longitude"),
        min_lat=Min("latitude"),
        max_lon=Max("longitude"),
        max_lat=Max("latitude"),
    )
    if box["min_lon"] is None:
        return None
    return box["min_lon"], box["min_lat"], box["max_lon"], box["max_lat"]


def found_by_police(qs: QuerySet) -> QuerySet:
    """The incidents of a selection that police activity found (a stop-and-search find, a
    proactive detection). Read apart from the rest: a fraction of the rows, so streaming them
    costs less than a third column on every row."""
    return qs.filter(origin=IncidentOrigin.POLICE)


def stream(qs: QuerySet, *columns, total: int | None = None, progress: Progress | None = None):
    """The given expressions of every row as float arrays, fetched ``CHUNK`` rows at a time.

    ``columns`` are field names or expressions; NULL becomes NaN. ``progress`` receives the
    share of ``total`` rows read so far.
    """
    names = [f"c{k}" for k in range(len(columns))]
    annotated = qs.annotate(
        **{
            name: (col if not isinstance(col, str) else F(col))
            for name, col in zip(names, columns, strict=True)
        }
    ).values_list(*names)
    rows = annotated.iterator(chunk_size=CHUNK)
    blocks = []
    read = 0
    while True:
        chunk = list(islice(rows, CHUNK))
        if not chunk:
            break
        blocks.append(np.array(chunk, dtype=float).reshape(len(chunk), len(columns)))
        read += len(chunk)
        if progress is not None and total:
            progress(min(1.0, read / total))
    if not blocks:
        return [np.empty(0) for _ in columns]
    data = np.vstack(blocks)
    return [data[:, k] for k in range(len(columns))]


def exact_time_counts(qs: QuerySet) -> np.ndarray:
    """A 7 x 24 matrix (Monday first) of events known to the minute, counted by the database."""
    matrix = np.zeros((7, 24))
    rows = (
        qs.filter(Q(occurred_to__isnull=True) | Q(occurred_to__lte=F("occurred_from")))
        .annotate(dow=ExtractIsoWeekDay("occurred_from"), hour=ExtractHour("occurred_from"))
        .values_list("dow", "hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for dow, hour, n in rows:
        matrix[int(dow) - 1, int(hour)] += n
    return matrix


def windowed(qs: QuerySet) -> QuerySet:
    """Events known only within a window (an end after the start)."""
    return qs.filter(occurred_to__gt=F("occurred_from"))


def period_counts(qs: QuerySet, period: str) -> list[tuple[dt.date, str, int]]:
    """(period start, crime type code, count) rows, grouped by the database."""
    trunc = TruncMonth if period == "month" else TruncWeek
    rows = (
        qs.annotate(period=trunc("occurred_from", tzinfo=timezone.get_current_timezone()))
        .values_list("period", "crime_type__slug")
        .annotate(n=Count("pk"))
        .order_by()
    )
    out = []
    for start, slug, n in rows:
        if isinstance(start, dt.datetime):
            start = timezone.localtime(start).date() if timezone.is_aware(start) else start.date()
        out.append((start, slug, n))
    return out


def crime_type_names(qs: QuerySet) -> dict[str, str]:
    return dict(qs.values_list("crime_type__slug", "crime_type__name").distinct().order_by())


# --- entity network ----------------------------------------------------------------------------


@dataclass(frozen=True)
class NetworkFilter:
    compartment_ids: tuple[int, ...]
    crime_type_ids: tuple[int, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    cooccurrence: bool = True


def network_entities(user, selection: NetworkFilter) -> QuerySet:
    return (
        Entity.objects.visible_to(user)
        .current()
        .filter(compartment__in=selection.compartment_ids)
        .order_by()
    )


def network_reports(user, selection: NetworkFilter) -> QuerySet:
    reports = (
        Report.objects.visible_to(user)
        .filter(compartment__in=selection.compartment_ids)
        .exclude(status=ReportStatus.ERASED)
    )
    if selection.crime_type_ids:
        reports = reports.filter(crime_types__in=selection.crime_type_ids)
    if selection.start is not None:
        reports = reports.filter(
            Q(occurred_at__gte=selection.start)
            | Q(occurred_at__isnull=True, created_at__gte=selection.start)
        )
    if selection.end is not None:
        reports = reports.filter(
            Q(occurred_at__lt=selection.end)
            | Q(occurred_at__isnull=True, created_at__lt=selection.end)
        )
    return reports.order_by()


def network_links(user, selection: NetworkFilter) -> list[tuple[int, int, float]]:
    """Explicit links between visible current entities, weighted by strength."""
    entities = network_entities(user, selection).values("pk")
    rows = (
        Link.objects.visible_to(user)
        .filter(
            compartment__in=selection.compartment_ids,
            from_entity__in=entities,
            to_entity__in=entities,
        )
        .values_list("from_entity", "to_entity", "strength")
        .order_by()
    )
    # Read whole, not through a server-side cursor: PostgreSQL plans a cursor for its first
    # rows (cursor_tuple_fraction), a plan two to three times slower for this join.
    return [(a, b, LINK_WEIGHTS.get(strength, 1.0)) for a, b, strength in rows]


def network_mentions(user, selection: NetworkFilter) -> tuple[np.ndarray, np.ndarray]:
    """(report ids, entity ids): which visible current entities each visible report of the
    selection names, one row per mention. The pairs are counted from these by
    :func:`analysis.algorithms.network.cooccurrences`: reading the mentions once and pairing
    them in memory is several times faster than a self-join counted by the database."""
    if not selection.cooccurrence:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    entities = network_entities(user, selection).values("pk")
    reports = network_reports(user, selection).values("pk")
    rows = (
        ReportEntity.objects.filter(report__in=reports, entity__in=entities)
        .values_list("report_id", "entity_id")
        .order_by()
    )
    # Read whole, not through a server-side cursor (PostgreSQL plans a cursor for its first
    # rows, a slower plan for this join).
    found = np.array(list(rows), dtype=np.int64).reshape(-1, 2)
    return found[:, 0], found[:, 1]


def entity_labels(user, selection: NetworkFilter, ids) -> dict[int, tuple[str, str]]:
    """{id: (name, kind)} for the given entities, in batches (an IN list stays small)."""
    out: dict[int, tuple[str, str]] = {}
    ids = list(ids)
    qs = network_entities(user, selection)
    for k in range(0, len(ids), 5_000):
        batch = ids[k : k + 5_000]
        out.update(
            {
                pk: (name, kind)
                for pk, name, kind in qs.filter(pk__in=batch).values_list("pk", "name", "kind")
            }
        )
    return out
