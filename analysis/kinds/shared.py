"""What the kinds share: reading the incidents a job selected, guarding its size, and shaping
bounded, JSON-safe tables.

Incident kinds aggregate in SQL, so they hold the design scale (5,000,000 incidents) with room;
kinds that compare pairs or rank every node set their own, lower limits with a message saying
how to narrow the selection.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis import selectors
from analysis.algorithms.geo import ring_bbox
from analysis.kinds.params import INTEGER, Param
from ilp_platform.core.jobs import JobError
from intelligence.models import CrimeType

MAX_INCIDENTS = 10_000_000
# What the stored result keeps: features for the map and downloads, rows of the ranked tables
# shown on the page.
MAX_FEATURES = 50_000
TABLE_ROWS = 100

Progress = Callable[..., None]

SEED = Param(
    "seed",
    label=gettext_lazy("Random seed"),
    type=INTEGER,
    default=1,
    minimum=0,
    maximum=2**31 - 1,
    help=gettext_lazy("The same seed and data give the same result."),
)


def local_day_start(day: str | None, *, after: bool = False) -> dt.datetime | None:
    """Local midnight starting ``day`` (``after``: the day after), aware; ``None`` for none."""
    if not day:
        return None
    value = dt.date.fromisoformat(day) + dt.timedelta(days=1 if after else 0)
    return timezone.make_aware(dt.datetime.combine(value, dt.time()))


def crime_type_ids(params: dict) -> tuple[int, ...]:
    return tuple(
        CrimeType.objects.filter(slug__in=params.get("crime_types") or []).values_list(
            "pk", flat=True
        )
    )


def incident_filter(params: dict, compartment_ids) -> selectors.IncidentFilter:
    """The incidents a job's common parameters and area select, in its compartments."""
    area = params.get("bbox")
    if not area and params.get("polygon"):
        area = ring_bbox(params["polygon"])
    return selectors.IncidentFilter(
        compartment_ids=compartment_ids,
        crime_type_ids=crime_type_ids(params),
        start=local_day_start(params.get("date_from")),
        end=local_day_start(params.get("date_to"), after=True),
        bbox=tuple(area) if area else None,
    )


def guarded_count(qs, limit: int) -> int:
    """How many incidents ``qs`` holds; a job error saying what to widen or narrow when that
    is none, or more than ``limit``."""
    count = qs.count()
    if count == 0:
        raise JobError(
            _(
                "No incident you may read matches these parameters. Widen the area, the dates "
                "or the crime types, or check the compartments."
            )
        )
    if count > limit:
        raise JobError(
            _(
                "The selection holds %(count)s incidents, more than the %(limit)s this analysis "
                "handles. Narrow the area, the dates or the crime types."
            )
            % {"count": f"{count:,}", "limit": f"{limit:,}"}
        )
    return count


def table(title: str, columns: list[str], rows: list[list]) -> dict:
    return {"title": title, "columns": columns, "rows": rows}


def rounded(value, digits=3):
    """A JSON-safe rounded float (NaN and infinities become None)."""
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return round(value, digits)


def wall_seconds(epoch) -> np.ndarray:
    """Local wall-clock seconds since Monday 1969-12-29 00:00 for UTC epoch seconds."""
    epoch = np.asarray(epoch, dtype=float)
    out = np.full(epoch.shape, np.nan)
    ok = np.isfinite(epoch)
    if ok.any():
        stamps = pd.to_datetime(np.round(epoch[ok] * 1e6).astype("int64"), unit="us", utc=True)
        local = stamps.tz_convert(timezone.get_current_timezone()).tz_localize(None)
        micros = local.to_numpy().astype("datetime64[us]").astype(np.int64)
        out[ok] = micros / 1e6 + 3 * 86400
    return out
