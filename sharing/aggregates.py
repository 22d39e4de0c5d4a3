"""Aggregate figures across levels: what a regional or national analyst may know of the units
below without reading their records.

This is the one documented exemption from per-record visibility (``docs/levels.md``): the
queries below read incidents and reports of the units below the reader's own unit directly,
without ``visible_to``, but only counts leave them, computed by the database (GROUP BY), and
every count under the suppression threshold (``AGGREGATE_SUPPRESSION_THRESHOLD``, default 5)
is withheld. No totals are given, so a withheld count cannot be worked out from the others.
Every query is audited (a search event naming the units and the period).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time

from django.conf import settings
from django.db.models import Count
from django.db.models.functions import TruncMonth
from django.utils import timezone

from audit import services as audit
from audit.choices import Action
from ilp_platform.accounts.models import Unit
from intelligence.choices import ReportStatus
from intelligence.models import Incident, Report
from sharing.services import unit_of
from tasking.choices import PriorityStatus
from tasking.models import Priority

DEFAULT_THRESHOLD = 5
OBJECT_TYPE = "sharing.aggregate"


def threshold() -> int:
    value = getattr(settings, "AGGREGATE_SUPPRESSION_THRESHOLD", DEFAULT_THRESHOLD)
    return max(1, int(value))


@dataclass
class Figures:
    units: list[Unit]
    since: date
    until: date
    threshold: int
    incidents: list[dict] = field(default_factory=list)
    reports_by_priority: list[dict] = field(default_factory=list)
    suppressed: int = 0


def _start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _cell(count: int, limit: int) -> int | None:
    return count if count >= limit else None


def figures_for(user, *, since: date, until: date) -> Figures:
    """The figures of the units below ``user``'s unit for ``since`` <= day < ``until``;
    one audit event records the query."""
    unit = unit_of(user)
    below = unit.descendant_ids() if unit is not None else []
    units = list(Unit.objects.filter(pk__in=below).order_by("name"))
    limit = threshold()
    result = Figures(units=units, since=since, until=until, threshold=limit)
    start, end = _start(since), _start(until)
    if below:
        rows = (
            Incident.objects.filter(
                compartment__unit__in=below, occurred_from__gte=start, occurred_from__lt=end
            )
            .annotate(month=TruncMonth("occurred_from"))
            .values("crime_type__name", "compartment__unit__name", "month")
            .annotate(count=Count("id"))
            .order_by("month", "compartment__unit__name", "crime_type__name")
        )
        for row in rows:
            count = _cell(row["count"], limit)
            result.suppressed += count is None
            month = row["month"]
            result.incidents.append(
                {
                    "crime_type": row["crime_type__name"],
                    "area": row["compartment__unit__name"],
                    "month": month.strftime("%Y-%m") if month else "",
                    "count": count,
                }
            )
        # The reader's own control strategy: approved priorities about a crime type.
        priorities = list(
            Priority.objects.visible_to(user)
            .filter(status=PriorityStatus.APPROVED, crime_type__isnull=False)
            .values_list("pk", "title", "crime_type_id")
            .order_by("title")
        )
        # Per priority and month, like the incidents: a total over the period would let two
        # periods a month apart be subtracted into one month's count below the threshold.
        months = (
            Report.objects.filter(
                owning_unit__in=below,
                created_at__gte=start,
                created_at__lt=end,
                crime_types__in=[ct for _pk, _title, ct in priorities],
            )
            .exclude(status__in=[ReportStatus.DRAFT, ReportStatus.ERASED])
            .annotate(month=TruncMonth("created_at"))
            .values("crime_types", "month")
            .annotate(count=Count("id", distinct=True))
            .order_by("month")
        )
        by_type: dict[int, list[tuple[str, int]]] = {}
        for row in months:
            month = row["month"].strftime("%Y-%m") if row["month"] else ""
            by_type.setdefault(row["crime_types"], []).append((month, row["count"]))
        for pk, title, crime_type in priorities:
            for month, raw in by_type.get(crime_type, []):
                count = _cell(raw, limit)
                result.suppressed += count is None
                result.reports_by_priority.append(
                    {"priority": pk, "title": title, "month": month, "count": count}
                )
    audit.record(
        Action.SEARCH,
        object_type=OBJECT_TYPE,
        details={
            "query": "aggregate figures of the units below",
            "units": below,
            "since": since,
            "until": until,
            "threshold": limit,
            "cells": len(result.incidents) + len(result.reports_by_priority),
            "suppressed": result.suppressed,
        },
    )
    return result
