"""Analysis jobs: request one (validate, record, enqueue) and run one (read, compute, shape).

- :func:`request_job` is the one way a job comes into being, from the browser or the API:
  it validates the parameters (every error named by its field), fixes the compartments the
  job may read, stores the row, writes the CREATE audit event and enqueues the Celery task
  after commit.
- :func:`run_job` is the work the task runs through ``ilp_platform.core.jobs.execute``: it
  reads only through ``visible_to`` of the requester, reports real progress per stage and
  returns the result in the contract the products rely on::

      {"summary": {...}, "tables": [{"title", "columns", "rows"}], "charts": [{"title", "svg"}],
       "geojson": FeatureCollection | None, "network": {"nodes", "edges"} | None,
       "params": effective parameters}

Results stay bounded (top rows in the tables shown; the features and nodes a download needs
are capped by the limits below with the cap stated in the summary).
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from analysis import charts, selectors
from analysis.algorithms import hotspot, near_repeat, network, temporal, trend
from analysis.algorithms.geo import LocalPlane, points_in_polygon, ring_bbox
from analysis.choices import JobKind
from analysis.models import AnalysisJob
from audit import services as audit
from audit.choices import Action, Outcome
from ilp_platform.accounts.models import Compartment
from ilp_platform.core import context, jobs
from ilp_platform.core.jobs import JobError
from intelligence.models import CrimeType

RUN_PERMISSION = "analysis.add_analysisjob"

# Limits. Incident kinds aggregate in SQL, so they hold the design scale (5,000,000 incidents)
# with room; near repeat compares pairs of events and the network ranks every node, so they
# stop earlier with a message saying how to narrow the selection.
MAX_INCIDENTS = 10_000_000
MAX_NEAR_REPEAT_EVENTS = 100_000
MAX_NEAR_REPEAT_PAIRS = 20_000_000
MAX_NETWORK_EDGES = 1_000_000
MAX_NETWORK_NODES = 50_000
MAX_GRID_CELLS = 250_000
# What the stored result keeps: features and nodes for the map, chart and downloads; rows of
# the ranked tables shown on the page.
MAX_FEATURES = 50_000
MAX_RESULT_NODES = 5_000
MAX_RESULT_EDGES = 20_000
MAX_CHART_NODES = 300
TABLE_ROWS = 100

# Column order of the downloads (JSON objects lose their key order in PostgreSQL's jsonb).
FEATURE_COLUMNS = [
    "cell",
    "count",
    "gi_z",
    "p_value",
    "class",
    "confidence",
    "density_km2",
    "centre_lat",
    "centre_lon",
    "near_repeat",
]
NODE_COLUMNS = [
    "rank",
    "id",
    "label",
    "kind",
    "degree",
    "weighted_degree",
    "betweenness",
    "closeness",
    "eigenvector",
    "core",
    "community",
    "in_chart",
    "on_path",
    "seed",
]

DEFAULTS: dict[str, Any] = {
    "cell_size_m": 250,
    "bandwidth_m": 500,
    "kernel": hotspot.QUARTIC,
    "period": "week",
    "top_n": 5,
    "distance_bands": [100, 200, 300, 400],
    "time_bands": [7, 14, 21, 28],
    "iterations": 99,
    "seed": 1,
    "hops": 2,
    "cooccurrence": True,
}
COMMON = ("compartments", "crime_types", "date_from", "date_to")
AREA = ("bbox", "polygon")
KIND_PARAMS: dict[str, tuple[str, ...]] = {
    JobKind.HOTSPOT: (*COMMON, *AREA, "cell_size_m", "bandwidth_m", "kernel"),
    JobKind.TEMPORAL: (*COMMON, *AREA),
    JobKind.TREND: (*COMMON, *AREA, "period", "top_n"),
    JobKind.NEAR_REPEAT: (
        *COMMON,
        *AREA,
        "distance_bands",
        "time_bands",
        "iterations",
        "seed",
    ),
    JobKind.NETWORK: (*COMMON, "entities", "hops", "path_from", "path_to", "cooccurrence", "seed"),
}
DAYS = tuple(gettext_noop(d) for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"))

Progress = Callable[..., None]


# --- parameters --------------------------------------------------------------------------------


class _Errors(dict):
    def add(self, field: str, message: str) -> None:
        self.setdefault(field, []).append(message)


def _number(errors, params, name, low, high, *, integer=False):
    raw = params.get(name, DEFAULTS.get(name))
    if raw in (None, ""):
        raw = DEFAULTS.get(name)
    try:
        value = float(raw)
        if not math.isfinite(value):
            raise ValueError
    except (TypeError, ValueError):
        errors.add(name, _("Enter a number."))
        return None
    if integer and not value.is_integer():
        errors.add(name, _("Enter a whole number."))
        return None
    if not low <= value <= high:
        errors.add(name, _("Enter a value from %(low)s to %(high)s.") % {"low": low, "high": high})
        return None
    return int(value) if integer or value.is_integer() else value


def _list(raw) -> list | None:
    """A list from a JSON list or a comma-separated string (as forms send it)."""
    if raw is None or raw == "":
        return []
    if isinstance(raw, list | tuple):
        return list(raw)
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("["):
            try:
                value = json.loads(text)
            except ValueError:
                return None
            return value if isinstance(value, list) else None
        return [part.strip() for part in text.split(",") if part.strip()]
    return None


def _bands(errors, params, name, high, unit):
    raw = params.get(name)
    values = DEFAULTS[name] if raw in (None, "", []) else _list(raw)
    try:
        numbers = [float(v) for v in values]
    except (TypeError, ValueError):
        numbers = None
    if not numbers or not all(math.isfinite(v) for v in numbers):
        errors.add(
            name, _("Give a list of band limits in %(unit)s, e.g. 100, 200, 300.") % {"unit": unit}
        )
        return None
    if len(numbers) > 10:
        errors.add(name, _("Give at most 10 bands."))
        return None
    if any(b <= a for a, b in zip(numbers, numbers[1:], strict=False)) or numbers[0] <= 0:
        errors.add(name, _("Band limits must be positive and increasing."))
        return None
    if numbers[-1] > high:
        errors.add(
            name,
            _("The last band may reach at most %(high)s %(unit)s.")
            % {
                "high": high,
                "unit": unit,
            },
        )
        return None
    return [int(v) if v.is_integer() else v for v in numbers]


def _date(errors, params, name):
    raw = params.get(name)
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    try:
        value = parse_date(raw) if isinstance(raw, str) else None
    except ValueError:
        value = None
    if value is None:
        errors.add(name, _("Enter a date as YYYY-MM-DD."))
    return value


def _bbox(errors, raw):
    values = _list(raw)
    try:
        box = [float(v) for v in values] if values is not None else []
    except (TypeError, ValueError):
        box = []
    if len(box) != 4 or not all(math.isfinite(v) for v in box):
        errors.add("bbox", _("Give four numbers: min_lon, min_lat, max_lon, max_lat."))
        return None
    min_lon, min_lat, max_lon, max_lat = box
    if not (-180 <= min_lon < max_lon <= 180):
        errors.add("bbox", _("Longitudes must lie in -180..180 with min_lon below max_lon."))
        return None
    if not (-90 <= min_lat < max_lat <= 90):
        errors.add("bbox", _("Latitudes must lie in -90..90 with min_lat below max_lat."))
        return None
    return box


def _polygon(errors, raw):
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            errors.add("polygon", _("Give GeoJSON polygon coordinates (JSON)."))
            return None
    if isinstance(raw, dict):
        if raw.get("type") == "Feature":
            raw = raw.get("geometry") or {}
        if raw.get("type") != "Polygon":
            errors.add("polygon", _("Only a GeoJSON Polygon is accepted."))
            return None
        raw = raw.get("coordinates")
    rings = []
    try:
        for ring in raw:
            points = [[float(p[0]), float(p[1])] for p in ring]
            if len(points) < 3:
                raise ValueError
            if points[0] != points[-1]:
                points.append(points[0])
            if len(points) < 4:
                raise ValueError
            rings.append(points)
    except (TypeError, ValueError, IndexError):
        rings = []
    if not rings:
        errors.add("polygon", _("Give the polygon as rings of [lon, lat] positions, at least 3."))
        return None
    flat = np.asarray([p for ring in rings for p in ring])
    if not (np.abs(flat[:, 0]) <= 180).all() or not (np.abs(flat[:, 1]) <= 90).all():
        errors.add("polygon", _("Positions must be [lon, lat] within -180..180 and -90..90."))
        return None
    if len(rings[0]) > 1000 or len(rings) > 20:
        errors.add("polygon", _("The polygon has too many positions (1,000 at most)."))
        return None
    return rings


def _bool(raw, default: bool) -> bool:
    if raw in (None, ""):
        return default
    if isinstance(raw, str):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    return bool(raw)


def _entity_ids(errors, user, name, raw, compartments, *, single=False):
    """Entity ids that exist, are current and visible in the chosen compartments; else an error
    that does not tell an invisible entity from a missing one."""
    from intelligence.models import Entity

    values = [raw] if single else _list(raw)
    if single and raw in (None, ""):
        return None
    try:
        ids = [int(v) for v in values]
    except (TypeError, ValueError):
        errors.add(name, _("Give entity ids (whole numbers)."))
        return None
    if len(ids) > 50:
        errors.add(name, _("Give at most 50 entities."))
        return None
    found = set(
        Entity.objects.visible_to(user)
        .current()
        .filter(pk__in=ids, compartment__in=compartments)
        .values_list("pk", flat=True)
    )
    missing = [i for i in ids if i not in found]
    if missing:
        errors.add(
            name,
            _("No entity %(ids)s among those you may read in the chosen compartments.")
            % {"ids": ", ".join(str(i) for i in missing)},
        )
        return None
    return ids[0] if single else ids


def clean_params(user, kind: str, params) -> tuple[dict, list[Compartment]]:
    """Validated, effective parameters and the compartments the job may read.

    Raises ``ValidationError`` with one entry per bad field (``kind``, a parameter name, or
    ``params`` when the whole value is wrong). Unknown parameters are refused by name, so a
    typo does not silently run a different analysis.
    """
    errors = _Errors()
    if kind not in JobKind.values:
        errors.add("kind", _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(JobKind.values)})
        raise ValidationError(errors)
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ValidationError({"params": [_("Give the parameters as an object.")]})
    allowed = KIND_PARAMS[kind]
    for name in params:
        if name not in allowed:
            errors.add(
                str(name),
                _("Not a parameter of a %(kind)s job; allowed: %(allowed)s.")
                % {"kind": kind, "allowed": ", ".join(allowed)},
            )
    out: dict[str, Any] = {}

    # Compartments: slugs the user holds; by default all of them.
    held = list(Compartment.objects.visible_to(user).order_by("slug"))
    by_slug = {c.slug: c for c in held}
    wanted = _list(params.get("compartments"))
    if wanted is None:
        errors.add("compartments", _("Give a list of compartment codes."))
        chosen = []
    elif wanted:
        unknown = [str(s) for s in wanted if str(s) not in by_slug]
        if unknown:
            errors.add(
                "compartments",
                _("Unknown compartment (or not one you hold): %(slugs)s.")
                % {"slugs": ", ".join(unknown)},
            )
        chosen = [by_slug[str(s)] for s in dict.fromkeys(wanted) if str(s) in by_slug]
    else:
        chosen = held
    if not held:
        errors.add("compartments", _("You hold no compartment, so there is nothing to analyse."))
    out["compartments"] = [c.slug for c in chosen]

    # Crime types: codes (slugs) or ids.
    wanted_types = _list(params.get("crime_types"))
    if wanted_types is None:
        errors.add("crime_types", _("Give a list of crime type codes."))
        wanted_types = []
    types = {ct.slug: ct for ct in CrimeType.objects.all()}
    by_id = {str(ct.pk): ct for ct in types.values()}
    crime_types, unknown = [], []
    for value in wanted_types:
        ct = types.get(str(value)) or by_id.get(str(value))
        if ct is None:
            unknown.append(str(value))
        elif ct.slug not in crime_types:
            crime_types.append(ct.slug)
    if unknown:
        errors.add(
            "crime_types",
            _("Unknown crime type: %(codes)s. Known codes: %(known)s.")
            % {"codes": ", ".join(unknown), "known": ", ".join(sorted(types))},
        )
    out["crime_types"] = crime_types

    date_from = _date(errors, params, "date_from")
    date_to = _date(errors, params, "date_to")
    if date_from and date_to and date_to < date_from:
        errors.add("date_to", _("The end date is before the start date."))
    out["date_from"] = date_from.isoformat() if date_from else None
    out["date_to"] = date_to.isoformat() if date_to else None

    if "bbox" in allowed:
        has_bbox = params.get("bbox") not in (None, "", [])
        has_polygon = params.get("polygon") not in (None, "", [], {})
        if has_bbox and has_polygon:
            errors.add("polygon", _("Give either a bounding box or a polygon, not both."))
        out["bbox"] = _bbox(errors, params["bbox"]) if has_bbox else None
        out["polygon"] = _polygon(errors, params["polygon"]) if has_polygon else None

    if kind == JobKind.HOTSPOT:
        out["cell_size_m"] = _number(errors, params, "cell_size_m", 25, 10_000)
        out["bandwidth_m"] = _number(errors, params, "bandwidth_m", 25, 20_000)
        kernel = params.get("kernel") or DEFAULTS["kernel"]
        if kernel not in (hotspot.QUARTIC, hotspot.GAUSSIAN):
            errors.add("kernel", _("Choose quartic or gaussian."))
        out["kernel"] = kernel
        area = out.get("bbox") or (ring_bbox(out["polygon"]) if out.get("polygon") else None)
        if area and out["cell_size_m"]:
            cells = _grid_for(area, out["cell_size_m"])[1].size
            if cells > MAX_GRID_CELLS:
                errors.add("cell_size_m", _too_many_cells(cells, area, out["cell_size_m"]))
    elif kind == JobKind.TREND:
        period = params.get("period") or DEFAULTS["period"]
        if period not in ("week", "month"):
            errors.add("period", _("Choose week or month."))
        out["period"] = period
        out["top_n"] = _number(errors, params, "top_n", 1, 50, integer=True)
    elif kind == JobKind.NEAR_REPEAT:
        out["distance_bands"] = _bands(errors, params, "distance_bands", 5_000, "m")
        out["time_bands"] = _bands(errors, params, "time_bands", 365, _("days"))
        out["iterations"] = _number(errors, params, "iterations", 9, 999, integer=True)
        out["seed"] = _number(errors, params, "seed", 0, 2**31 - 1, integer=True)
    elif kind == JobKind.NETWORK:
        out["entities"] = _entity_ids(errors, user, "entities", params.get("entities"), chosen)
        out["hops"] = _number(errors, params, "hops", 1, 4, integer=True)
        out["path_from"] = _entity_ids(
            errors, user, "path_from", params.get("path_from"), chosen, single=True
        )
        out["path_to"] = _entity_ids(
            errors, user, "path_to", params.get("path_to"), chosen, single=True
        )
        if (out["path_from"] is None) != (out["path_to"] is None) and not (
            "path_from" in errors or "path_to" in errors
        ):
            missing = "path_to" if out["path_to"] is None else "path_from"
            errors.add(missing, _("Give both ends of the path, or neither."))
        out["cooccurrence"] = _bool(params.get("cooccurrence"), DEFAULTS["cooccurrence"])
        out["seed"] = _number(errors, params, "seed", 0, 2**31 - 1, integer=True)
    if errors:
        raise ValidationError(dict(errors))
    return out, chosen


def _grid_for(area, cell: float) -> tuple[LocalPlane, hotspot.Grid]:
    min_lon, min_lat, max_lon, max_lat = area
    plane = LocalPlane(lat0=(min_lat + max_lat) / 2, lon0=(min_lon + max_lon) / 2)
    x0, y0 = plane.to_xy(min_lat, min_lon)
    x1, y1 = plane.to_xy(max_lat, max_lon)
    return plane, hotspot.Grid.covering(float(x0), float(y0), float(x1), float(y1), cell)


def _too_many_cells(cells: int, area, cell: float) -> str:
    # Cells scale with the inverse square of the cell size.
    needed = math.ceil(cell * math.sqrt(cells / MAX_GRID_CELLS) / 5) * 5
    return _(
        "The area needs %(cells)s cells of %(cell)s m, more than the %(max)s allowed; choose a "
        "cell size of at least %(needed)s m or a smaller area."
    ) % {"cells": f"{cells:,}", "cell": f"{cell:g}", "max": f"{MAX_GRID_CELLS:,}", "needed": needed}


# --- requesting --------------------------------------------------------------------------------


def request_job(user, kind: str, params, title: str = "") -> AnalysisJob:
    """Validate, store, audit and enqueue a job; the Celery task runs it after commit."""
    if not user.has_perm(RUN_PERMISSION):
        raise PermissionDenied(_("Your role does not allow running analysis jobs."))
    effective, compartments = clean_params(user, kind, params)
    title = (title or "").strip()
    if len(title) > 200:
        raise ValidationError({"title": [_("Keep the title to 200 characters.")]})
    with transaction.atomic(), audit.service_scope():
        job = AnalysisJob.objects.create(
            kind=kind,
            title=title,
            params=effective,
            requested_by=user,
            justification=context.current().justification[:500],
        )
        job.compartments.set(compartments)
        audit.record(
            Action.CREATE,
            obj=job,
            compartment=_compartment_label(effective["compartments"]),
            details={"kind": kind, "params": effective},
        )
        jobs.enqueue(job)
    return job


def _compartment_label(slugs: list[str]) -> str:
    return ",".join(slugs)[:60]


# --- running -----------------------------------------------------------------------------------


def run_job(job: AnalysisJob, progress: Progress) -> dict:
    """The work of one job: read what the requester may see, compute, shape the result."""
    user = job.requested_by
    if not user.is_active or not user.has_perm(RUN_PERMISSION):
        raise JobError(
            _("%(user)s may no longer run analysis jobs; ask a colleague to run it again.")
            % {"user": user.get_username()}
        )
    params = dict(job.params or {})
    compartment_ids = tuple(job.compartments.values_list("pk", flat=True))
    if not compartment_ids:
        raise JobError(_("The job names no compartment to read; request it again."))
    runner = RUNNERS[job.kind]
    body = runner(user, params, compartment_ids, progress)
    return {
        "summary": body.get("summary", {}),
        "tables": body.get("tables", []),
        "charts": body.get("charts", []),
        "geojson": body.get("geojson"),
        "network": body.get("network"),
        "params": params,
    }


def job_succeeded(job: AnalysisJob, result: dict) -> None:
    """Audit: the run and its headline figures (in the transaction that stores the result)."""
    audit.record(
        Action.JOB_RUN,
        obj=job,
        compartment=_compartment_label(job.params.get("compartments", [])),
        details={"kind": job.kind, "summary": result.get("summary", {})},
    )


def job_failed(job: AnalysisJob, message: str) -> None:
    audit.record(
        Action.JOB_RUN,
        obj=job,
        outcome=Outcome.FAILURE,
        compartment=_compartment_label(job.params.get("compartments", [])),
        details={"kind": job.kind, "message": message},
    )


def execute_job(job_id: int) -> str:
    """Claim and run one job row; what the Celery task calls (idempotent, finishes once)."""
    return jobs.execute(
        AnalysisJob, job_id, run_job, on_success=job_succeeded, on_failure=job_failed
    )


def run_job_now(job: AnalysisJob) -> AnalysisJob:
    """Run a job in this process, without the broker (demo seeding, tests, the shell)."""
    execute_job(job.pk)
    job.refresh_from_db()
    return job


# --- shared pieces of the incident kinds -------------------------------------------------------


def _local_day_start(day: str | None, *, after: bool = False) -> dt.datetime | None:
    if not day:
        return None
    value = dt.date.fromisoformat(day) + dt.timedelta(days=1 if after else 0)
    return timezone.make_aware(dt.datetime.combine(value, dt.time()))


def _selection(params, compartment_ids) -> selectors.IncidentFilter:
    type_ids = tuple(
        CrimeType.objects.filter(slug__in=params.get("crime_types") or []).values_list(
            "pk", flat=True
        )
    )
    area = params.get("bbox")
    if not area and params.get("polygon"):
        area = ring_bbox(params["polygon"])
    return selectors.IncidentFilter(
        compartment_ids=compartment_ids,
        crime_type_ids=type_ids,
        start=_local_day_start(params.get("date_from")),
        end=_local_day_start(params.get("date_to"), after=True),
        bbox=tuple(area) if area else None,
    )


def _guarded_count(qs, limit: int) -> int:
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


def _table(title: str, columns: list[str], rows: list[list]) -> dict:
    return {"title": title, "columns": columns, "rows": rows}


def _r(value, digits=3):
    """A JSON-safe rounded float (NaN and infinities become None)."""
    if value is None:
        return None
    value = float(value)
    if not math.isfinite(value):
        return None
    return round(value, digits)


def _wall_seconds(epoch) -> np.ndarray:
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


# --- hotspot -----------------------------------------------------------------------------------


CONFIDENCE = {3: "99.9%", 2: "99%", 1: "95%", 0: "", -1: "95%", -2: "99%", -3: "99.9%"}


def _hotspot(user, params, compartment_ids, progress) -> dict:
    selection = _selection(params, compartment_ids)
    qs = selectors.incidents(user, selection)
    progress(2, _("Counting the incidents"))
    count = _guarded_count(qs, MAX_INCIDENTS)
    cell = float(params["cell_size_m"])
    area = selection.bbox or selectors.extent(qs)
    plane, grid = _grid_for(area, cell)
    if grid.size > MAX_GRID_CELLS:
        raise JobError(_too_many_cells(grid.size, area, cell))
    polygon = params.get("polygon")
    progress(10, _("Counting incidents per cell"))
    if polygon:
        lon, lat = selectors.stream(
            qs,
            "longitude",
            "latitude",
            total=count,
            progress=lambda f: progress(10 + 40 * f),
        )
        inside = points_in_polygon(lon, lat, polygon)
        x, y = plane.to_xy(lat[inside], lon[inside])
        counts = hotspot.grid_counts(grid, x, y)
        xmin, ymin, _x1, _y1 = grid.corners(*np.meshgrid(np.arange(grid.nx), np.arange(grid.ny)))
        c_lat, c_lon = plane.to_latlon(xmin + cell / 2, ymin + cell / 2)
        mask = points_in_polygon(c_lon, c_lat, polygon)
    else:
        min_lon, min_lat = area[0], area[1]
        kx = plane.to_xy(plane.lat0, plane.lon0 + 1.0)[0]
        ky = plane.to_xy(plane.lat0 + 1.0, plane.lon0)[1]
        ix, iy, n = selectors.grid_cell_counts(
            qs, lon0=min_lon, lat0=min_lat, kx=float(kx), ky=float(ky), cell=cell
        )
        # The SQL cells start at (min_lon, min_lat), which is the grid origin by construction.
        flat = np.clip(iy, 0, grid.ny - 1) * grid.nx + np.clip(ix, 0, grid.nx - 1)
        counts = np.bincount(flat, weights=n, minlength=grid.size).reshape(grid.ny, grid.nx)
        mask = None
    progress(55, _("Computing Getis-Ord Gi*"))
    z, p = hotspot.gi_star(counts, mask)
    classes = hotspot.significance(z)
    progress(70, _("Computing the kernel density surface"))
    density = hotspot.kernel_density(counts, cell, float(params["bandwidth_m"]), params["kernel"])
    if mask is not None:
        density = np.where(mask, density, 0.0)
    progress(85, _("Building the map and tables"))
    return _hotspot_result(params, count, plane, grid, counts, z, p, classes, density, mask)


def _hotspot_result(params, count, plane, grid, counts, z, p, classes, density, mask) -> dict:
    studied = np.ones(counts.shape, dtype=bool) if mask is None else mask
    in_map = studied & ((counts > 0) | (classes != 0))
    rows, cols = np.nonzero(in_map)
    order = np.lexsort((-counts[rows, cols], -z[rows, cols]))
    truncated = len(order) > MAX_FEATURES
    order = order[:MAX_FEATURES]
    rows, cols = rows[order], cols[order]
    xmin, ymin, xmax, ymax = grid.corners(cols, rows)
    lat0, lon0 = plane.to_latlon(xmin, ymin)
    lat1, lon1 = plane.to_latlon(xmax, ymax)
    features = []
    table_rows = []
    for k in range(len(rows)):
        r, c = int(rows[k]), int(cols[k])
        a, b, e, f = (round(float(v), 6) for v in (lon0[k], lat0[k], lon1[k], lat1[k]))
        props = {
            "cell": f"{c}-{r}",
            "count": int(counts[r, c]),
            "gi_z": _r(z[r, c]),
            "p_value": _r(p[r, c], 5),
            "class": int(classes[r, c]),
            "confidence": CONFIDENCE[int(classes[r, c])],
            "density_km2": _r(density[r, c], 2),
            "centre_lat": round((b + f) / 2, 6),
            "centre_lon": round((a + e) / 2, 6),
        }
        features.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [[[a, b], [e, b], [e, f], [a, f], [a, b]]],
                },
                "properties": props,
            }
        )
        if k < TABLE_ROWS:
            table_rows.append(
                [
                    props["cell"],
                    props["centre_lat"],
                    props["centre_lon"],
                    props["count"],
                    props["gi_z"],
                    props["p_value"],
                    _("hot %(c)s") % {"c": props["confidence"]}
                    if props["class"] > 0
                    else (
                        _("cold %(c)s") % {"c": props["confidence"]} if props["class"] < 0 else ""
                    ),
                    props["density_km2"],
                ]
            )
    busiest = sorted(features, key=lambda ft: -ft["properties"]["count"])[:20]
    studied_cells = int(studied.sum())
    summary = {
        "incidents": count,
        "cells": studied_cells,
        "cells_with_incidents": int(((counts > 0) & studied).sum()),
        "hot_spots_95": int((classes >= 1).sum()),
        "hot_spots_99": int((classes >= 2).sum()),
        "hot_spots_99_9": int((classes >= 3).sum()),
        "cold_spots_95": int((classes <= -1).sum()),
        "max_cell_count": int(counts.max()) if counts.size else 0,
        "cell_size_m": params["cell_size_m"],
        "bandwidth_m": params["bandwidth_m"],
        "peak_density_km2": _r(density.max() if density.size else 0, 2),
        "map_cells": len(features),
        "map_truncated": truncated,
    }
    return {
        "summary": summary,
        "tables": [
            _table(
                _("Cells ranked by Gi* z-score"),
                [
                    _("Cell"),
                    _("Centre latitude"),
                    _("Centre longitude"),
                    _("Incidents"),
                    _("Gi* z"),
                    _("p-value"),
                    _("Significance"),
                    _("Density per km²"),
                ],
                table_rows,
            )
        ],
        "charts": [
            {
                "title": _("Incidents in the 20 busiest cells"),
                "svg": charts.bar_chart(
                    _("Incidents in the 20 busiest cells"),
                    [ft["properties"]["cell"] for ft in busiest],
                    [ft["properties"]["count"] for ft in busiest],
                    value_label=_("incidents"),
                ),
            }
        ],
        "geojson": {"type": "FeatureCollection", "features": features},
    }


# --- temporal ----------------------------------------------------------------------------------


def _temporal(user, params, compartment_ids, progress) -> dict:
    selection = _selection(params, compartment_ids)
    qs = selectors.incidents(user, selection)
    progress(2, _("Counting the incidents"))
    count = _guarded_count(qs, MAX_INCIDENTS)
    polygon = params.get("polygon")
    if polygon:
        start, end, lon, lat = selectors.stream(
            qs,
            selectors.EpochSeconds("occurred_from"),
            selectors.EpochSeconds("occurred_to"),
            "longitude",
            "latitude",
            total=count,
            progress=lambda f: progress(5 + 60 * f, _("Reading incidents")),
        )
        inside = points_in_polygon(lon, lat, polygon)
        start, end = start[inside], end[inside]
        exact_n = int((~(np.isfinite(end) & (end > start))).sum())
        progress(70, _("Spreading time windows over the week"))
        matrix = temporal.aoristic_week(_wall_seconds(start), _wall_seconds(end))
        count = int(inside.sum())
    else:
        progress(5, _("Counting events with exact times"))
        matrix = selectors.exact_time_counts(qs)
        exact_n = int(matrix.sum())
        windows = selectors.windowed(qs)
        start, end = selectors.stream(
            windows,
            selectors.EpochSeconds("occurred_from"),
            selectors.EpochSeconds("occurred_to"),
            total=max(count - exact_n, 1),
            progress=lambda f: progress(20 + 50 * f, _("Reading time windows")),
        )
        progress(75, _("Spreading time windows over the week"))
        matrix = matrix + temporal.aoristic_week(_wall_seconds(start), _wall_seconds(end))
    if count == 0:
        raise JobError(_("No incident you may read lies inside the polygon; widen the area."))
    progress(90, _("Building the charts"))
    day_labels = [_(d) for d in DAYS]
    hours = [f"{h:02d}" for h in range(24)]
    peak = np.unravel_index(int(np.argmax(matrix)), matrix.shape)
    by_hour = matrix.sum(axis=0)
    by_day = matrix.sum(axis=1)
    return {
        "summary": {
            "incidents": count,
            "exact_times": exact_n,
            "time_windows": count - exact_n,
            "peak_day": day_labels[peak[0]],
            "peak_hour": f"{peak[1]:02d}:00",
            "peak_weight": _r(matrix[peak], 2),
            "busiest_day": day_labels[int(np.argmax(by_day))],
            "busiest_hour": f"{int(np.argmax(by_hour)):02d}:00",
        },
        "tables": [
            _table(
                _("Aoristic weight by day of week and hour"),
                [_("Day"), *hours],
                [[day_labels[d], *[_r(v, 2) for v in matrix[d]]] for d in range(7)],
            ),
            _table(
                _("Aoristic weight by day of week"),
                [_("Day"), _("Weight"), _("Share %")],
                [
                    [day_labels[d], _r(by_day[d], 2), _r(100 * by_day[d] / max(count, 1), 1)]
                    for d in range(7)
                ],
            ),
        ],
        "charts": [
            {
                "title": _("Day of week by hour (aoristic)"),
                "svg": charts.heat_map(
                    _("Day of week by hour (aoristic)"), day_labels, hours, matrix.tolist()
                ),
            },
            {
                "title": _("By hour of day"),
                "svg": charts.bar_chart(
                    _("By hour of day"), hours, [float(v) for v in by_hour], value_label=_("weight")
                ),
            },
        ],
    }


# --- trend -------------------------------------------------------------------------------------


def _period_starts(first: dt.date, last: dt.date, period: str) -> list[dt.date]:
    out = []
    if period == "month":
        current = first.replace(day=1)
        while current <= last:
            out.append(current)
            current = (current.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    else:
        current = first - dt.timedelta(days=first.weekday())
        while current <= last:
            out.append(current)
            current += dt.timedelta(days=7)
    return out


def _period_end(start: dt.date, period: str) -> dt.date:
    """The last day of the period starting on ``start``."""
    if period == "month":
        return (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return start + dt.timedelta(days=6)


def _trend(user, params, compartment_ids, progress) -> dict:
    selection = _selection(params, compartment_ids)
    qs = selectors.incidents(user, selection)
    progress(2, _("Counting the incidents"))
    count = _guarded_count(qs, MAX_INCIDENTS)
    period = params["period"]
    names = selectors.crime_type_names(qs)
    polygon = params.get("polygon")
    progress(10, _("Counting per period and crime type"))
    if polygon:
        start, type_id, lon, lat = selectors.stream(
            qs,
            selectors.EpochSeconds("occurred_from"),
            "crime_type_id",
            "longitude",
            "latitude",
            total=count,
            progress=lambda f: progress(10 + 50 * f),
        )
        inside = points_in_polygon(lon, lat, polygon)
        slugs = dict(CrimeType.objects.values_list("pk", "slug"))
        local = pd.to_datetime(np.round(_wall_seconds(start[inside]) - 3 * 86400), unit="s")
        frame = pd.DataFrame(
            {"day": local.normalize(), "slug": [slugs[int(t)] for t in type_id[inside]]}
        )
        if period == "month":
            frame["period"] = frame["day"].dt.to_period("M").dt.start_time.dt.date
        else:
            frame["period"] = (frame["day"] - pd.to_timedelta(frame["day"].dt.weekday, "D")).dt.date
        grouped = frame.groupby(["period", "slug"]).size()
        rows = [(p, s, int(n)) for (p, s), n in grouped.items()]
        count = int(inside.sum())
        if count == 0:
            raise JobError(_("No incident you may read lies inside the polygon; widen the area."))
    else:
        rows = selectors.period_counts(qs, period)
    progress(70, _("Comparing periods"))
    seen = [r[0] for r in rows]
    first = dt.date.fromisoformat(params["date_from"]) if params.get("date_from") else min(seen)
    last = dt.date.fromisoformat(params["date_to"]) if params.get("date_to") else max(seen)
    periods = _period_starts(min(first, min(seen)), max(last, max(seen)), period)
    result = trend.trend(
        [r[0] for r in rows], [names.get(r[1], r[1]) for r in rows], [r[2] for r in rows], periods
    )
    table = result.table
    risers, fallers = trend.risers_and_fallers(result.changes, params["top_n"])
    progress(85, _("Building the charts"))
    label = (lambda d: d.strftime("%Y-%m")) if period == "month" else (lambda d: d.isoformat())
    period_labels = [label(d) for d in table.index]
    totals = table.sum(axis=1)
    top_types = list(table.sum(axis=0).sort_values(ascending=False).index[:6])
    columns = list(table.columns)

    def change_rows(frame):
        return [
            [name, int(r.previous), int(r.latest), int(r.change), _r(r.change_pct, 1)]
            for name, r in frame.iterrows()
        ]

    change_columns = [
        _("Crime type"),
        _("Previous period"),
        _("Latest period"),
        _("Change"),
        _("Change %"),
    ]
    return {
        "summary": {
            "incidents": count,
            "period": period,
            "periods": len(table),
            "latest_period": period_labels[-1] if period_labels else None,
            "latest_period_partial": bool(len(table))
            and _period_end(table.index[-1], period) > timezone.localdate(),
            "latest_total": int(totals.iloc[-1]) if len(totals) else 0,
            "previous_total": int(totals.iloc[-2]) if len(totals) > 1 else 0,
            "biggest_riser": risers.index[0] if len(risers) else None,
            "biggest_faller": fallers.index[0] if len(fallers) else None,
        },
        "tables": [
            _table(_("Biggest risers"), change_columns, change_rows(risers)),
            _table(_("Biggest fallers"), change_columns, change_rows(fallers)),
            _table(
                _("Incidents per period and crime type"),
                [_("Period starting"), *columns, _("Total")],
                [
                    [period_labels[k], *[int(v) for v in table.iloc[k]], int(totals.iloc[k])]
                    for k in range(len(table))
                ],
            ),
            _table(_("Change on the previous period"), change_columns, change_rows(result.changes)),
        ],
        "charts": [
            {
                "title": _("Incidents per period"),
                "svg": charts.line_chart(
                    _("Incidents per period"),
                    period_labels,
                    [(_("All selected"), [int(v) for v in totals])]
                    + [(name, [int(v) for v in table[name]]) for name in top_types],
                ),
            },
            {
                "title": _("Change on the previous period by crime type"),
                "svg": charts.bar_chart(
                    _("Latest period by crime type"),
                    list(result.changes.index),
                    [int(v) for v in result.changes["latest"]],
                    value_label=_("incidents"),
                ),
            },
        ],
    }


# --- near repeat -------------------------------------------------------------------------------


def _near_repeat(user, params, compartment_ids, progress) -> dict:
    selection = _selection(params, compartment_ids)
    qs = selectors.incidents(user, selection)
    progress(2, _("Counting the incidents"))
    count = _guarded_count(qs, MAX_NEAR_REPEAT_EVENTS)
    lon, lat, epoch = selectors.stream(
        qs,
        "longitude",
        "latitude",
        selectors.EpochSeconds("occurred_from"),
        total=count,
        progress=lambda f: progress(5 + 15 * f, _("Reading incidents")),
    )
    if params.get("polygon"):
        inside = points_in_polygon(lon, lat, params["polygon"])
        lon, lat, epoch = lon[inside], lat[inside], epoch[inside]
    if len(lon) < 2:
        raise JobError(_("Fewer than two incidents match; widen the area, dates or crime types."))
    plane = LocalPlane(lat0=float(np.mean(lat)), lon0=float(np.mean(lon)))
    x, y = plane.to_xy(lat, lon)
    days = epoch / 86400.0
    d_edges, t_edges = params["distance_bands"], params["time_bands"]
    progress(22, _("Running the Monte Carlo simulations"))
    try:
        result = near_repeat.knox(
            x,
            y,
            days,
            d_edges,
            t_edges,
            iterations=params["iterations"],
            seed=params["seed"],
            max_pairs=MAX_NEAR_REPEAT_PAIRS,
            progress=lambda f: progress(22 + 68 * f, _("Running the Monte Carlo simulations")),
        )
    except near_repeat.TooManyPairs as exc:
        raise JobError(
            _(
                "%(pairs)s pairs of incidents lie within %(d)s m of each other, too many to "
                "simulate. Narrow the area or dates, or use smaller distance bands."
            )
            % {"pairs": f"{exc.args[0]:,}", "d": d_edges[-1]}
        ) from None
    progress(92, _("Building the tables"))

    def band_labels(edges, unit):
        labels, low = [], 0
        for e in edges:
            labels.append(f"{low:g}-{e:g} {unit}")
            low = e
        labels.append(f"> {edges[-1]:g} {unit}")
        return labels

    rows = band_labels(d_edges, "m")
    cols = band_labels(t_edges, _("days"))
    ratio = result.ratio
    ratio_list = [[_r(v, 2) for v in row] for row in ratio]
    p_list = [[_r(v, 4) for v in row] for row in result.p_values]
    significant = [
        [rows[i], cols[j]]
        for i in range(len(rows) - 1)
        for j in range(len(cols) - 1)
        if ratio_list[i][j] is not None and ratio_list[i][j] > 1 and p_list[i][j] < 0.05
    ]

    def grid_table(title, values, digits):
        return _table(
            title,
            [_("Distance"), *cols],
            [[rows[i], *[_r(v, digits) for v in values[i]]] for i in range(len(rows))],
        )

    # Map: the events, those with a near repeat in the closest bands marked.
    tree_pairs = _close_pairs(x, y, days, d_edges[0], t_edges[0])
    flagged = np.zeros(len(x), dtype=bool)
    flagged[tree_pairs] = True
    shown = np.arange(len(x))[:MAX_FEATURES]
    features = [
        {
            "type": "Feature",
            "geometry": {
                "type": "Point",
                "coordinates": [round(float(lon[k]), 6), round(float(lat[k]), 6)],
            },
            "properties": {"near_repeat": bool(flagged[k])},
        }
        for k in shown
    ]
    return {
        "summary": {
            "incidents": int(len(x)),
            "pairs": result.pairs,
            "iterations": result.iterations,
            "closest_cell_ratio": ratio_list[0][0],
            "closest_cell_p": p_list[0][0],
            "significant_cells": len(significant),
            "events_with_near_repeat": int(flagged.sum()),
        },
        "tables": [
            grid_table(_("Knox ratio (observed / expected pairs)"), ratio, 2),
            grid_table(_("Monte Carlo p-value"), result.p_values, 4),
            grid_table(_("Observed pairs"), result.observed, 0),
            grid_table(_("Expected pairs (mean of simulations)"), result.expected, 1),
        ],
        "charts": [
            {
                "title": _("Knox ratios; * significant at p < 0.05"),
                "svg": charts.knox_table_chart(
                    _("Knox ratios; * significant at p < 0.05"), rows, cols, ratio_list, p_list
                ),
            }
        ],
        "geojson": {"type": "FeatureCollection", "features": features},
    }


def _close_pairs(x, y, days, distance, time_days) -> np.ndarray:
    from scipy.spatial import cKDTree

    pairs = cKDTree(np.column_stack([x, y])).query_pairs(r=float(distance), output_type="ndarray")
    if len(pairs) == 0:
        return np.empty(0, dtype=np.int64)
    near = np.abs(days[pairs[:, 0]] - days[pairs[:, 1]]) <= time_days
    return np.unique(pairs[near].ravel())


# --- network -----------------------------------------------------------------------------------


def _network(user, params, compartment_ids, progress) -> dict:
    type_ids = tuple(
        CrimeType.objects.filter(slug__in=params.get("crime_types") or []).values_list(
            "pk", flat=True
        )
    )
    selection = selectors.NetworkFilter(
        compartment_ids=compartment_ids,
        crime_type_ids=type_ids,
        start=_local_day_start(params.get("date_from")),
        end=_local_day_start(params.get("date_to"), after=True),
        cooccurrence=params.get("cooccurrence", True),
    )
    progress(5, _("Reading links"))
    links = selectors.network_links(user, selection)
    progress(15, _("Counting co-occurrence in reports"))
    together = selectors.network_cooccurrences(user, selection)
    if len(links) + len(together) > MAX_NETWORK_EDGES:
        raise JobError(
            _(
                "The selection holds %(n)s ties, more than the %(max)s this analysis handles. "
                "Start from chosen entities, or narrow the dates or crime types."
            )
            % {"n": f"{len(links) + len(together):,}", "max": f"{MAX_NETWORK_EDGES:,}"}
        )
    seeds = params.get("entities") or []
    ends = [e for e in (params.get("path_from"), params.get("path_to")) if e]
    node_ids = {a for a, _b, _w in links} | {b for _a, b, _w in links}
    node_ids |= {a for a, _b, _n in together} | {b for _a, b, _n in together}
    node_ids |= set(seeds) | set(ends)
    graph = network.build_graph(((n, {}) for n in node_ids), links, together)
    if seeds:
        graph = network.neighbourhood(graph, seeds, params["hops"])
        for end in ends:
            if end not in graph:
                graph.add_node(end)
    if len(graph) == 0:
        raise JobError(
            _("No entity you may read has a link or shares a report; widen the selection.")
        )
    if len(graph) > MAX_NETWORK_NODES:
        raise JobError(
            _(
                "The network has %(n)s entities, more than the %(max)s this analysis handles. "
                "Start from chosen entities with fewer hops."
            )
            % {"n": f"{len(graph):,}", "max": f"{MAX_NETWORK_NODES:,}"}
        )
    progress(25, _("Computing centralities"))
    measures = network.metrics(
        graph,
        seed=params.get("seed") or 0,
        progress=lambda f: progress(25 + 60 * f, _("Computing centralities")),
    )
    progress(88, _("Building the chart and tables"))
    ranked = sorted(
        graph.nodes,
        key=lambda n: (-measures.betweenness[n], -measures.weighted_degree[n], n),
    )
    path = None
    if len(ends) == 2:
        path = network.shortest_path(graph, ends[0], ends[1])
    kept = ranked[:MAX_RESULT_NODES]
    kept_set = set(kept) | set(path or []) | set(ends)
    kept = [n for n in ranked if n in kept_set]
    chart_nodes = set(ranked[:MAX_CHART_NODES]) | set(path or []) | set(seeds) | set(ends)
    labels = selectors.entity_labels(user, selection, kept)
    nodes = []
    for rank, n in enumerate(kept, start=1):
        name, kind = labels.get(n, (str(n), ""))
        nodes.append(
            {
                "id": n,
                "label": name,
                "kind": kind,
                "rank": rank,
                "degree": _r(measures.degree.get(n, 0), 4),
                "weighted_degree": _r(measures.weighted_degree.get(n, 0), 2),
                "betweenness": _r(measures.betweenness.get(n, 0), 5),
                "closeness": _r(measures.closeness.get(n, 0), 5),
                "eigenvector": _r(measures.eigenvector.get(n, 0), 5),
                "core": int(measures.core.get(n, 0)),
                "community": int(measures.community.get(n, 0)),
                "in_chart": n in chart_nodes,
                "on_path": bool(path and n in path),
                "seed": n in seeds,
            }
        )
    edges = []
    for a, b, data in graph.edges(data=True):
        if a in kept_set and b in kept_set:
            edges.append(
                {
                    "from": a,
                    "to": b,
                    "weight": _r(data["weight"], 2),
                    "links": data["links"],
                    "reports": data["reports"],
                }
            )
    edges.sort(key=lambda e: -e["weight"])
    edges = edges[:MAX_RESULT_EDGES]
    by_id = {node["id"]: node for node in nodes}
    columns = [
        _("Rank"),
        _("Entity id"),
        _("Name"),
        _("Kind"),
        _("Degree"),
        _("Weighted degree"),
        _("Betweenness"),
        _("Closeness"),
        _("Eigenvector"),
        _("k-core"),
        _("Community"),
    ]
    keys = (
        "rank",
        "id",
        "label",
        "kind",
        "degree",
        "weighted_degree",
        "betweenness",
        "closeness",
        "eigenvector",
        "core",
        "community",
    )
    tables = [
        _table(
            _("Entities ranked by betweenness"),
            columns,
            [[node[k] for k in keys] for node in nodes[:TABLE_ROWS]],
        ),
        _table(
            _("Communities"),
            [_("Community"), _("Entities"), _("Most central members")],
            [
                [
                    k + 1,
                    len(group),
                    ", ".join(
                        by_id[n]["label"]
                        for n in sorted(
                            (m for m in group if m in by_id), key=lambda m: by_id[m]["rank"]
                        )[:5]
                    ),
                ]
                for k, group in enumerate(measures.communities[:TABLE_ROWS])
            ],
        ),
    ]
    summary: dict[str, Any] = {
        "entities": graph.number_of_nodes(),
        "ties": graph.number_of_edges(),
        "explicit_links": len(links),
        "co_occurrence_pairs": len(together),
        "communities": len(measures.communities),
        "max_core": max(measures.core.values(), default=0),
        "most_central": by_id[ranked[0]]["label"] if ranked and ranked[0] in by_id else None,
        "betweenness_sampled": measures.betweenness_sampled,
        "community_method": measures.community_method,
    }
    if len(ends) == 2:
        summary["path_found"] = path is not None
        summary["path_length"] = len(path) - 1 if path else None
        summary["path"] = path or []
        tables.insert(
            0,
            _table(
                _("Shortest path"),
                [_("Step"), _("Entity id"), _("Name"), _("Kind")],
                [[k, n, by_id[n]["label"], by_id[n]["kind"]] for k, n in enumerate(path or [])],
            ),
        )
    top = nodes[:15]
    return {
        "summary": summary,
        "tables": tables,
        "charts": [
            {
                "title": _("Betweenness of the 15 most central entities"),
                "svg": charts.bar_chart(
                    _("Betweenness of the 15 most central entities"),
                    [node["label"] for node in top],
                    [node["betweenness"] or 0 for node in top],
                ),
            }
        ],
        "network": {"nodes": nodes, "edges": edges},
    }


RUNNERS: dict[str, Callable[..., dict]] = {
    JobKind.HOTSPOT: _hotspot,
    JobKind.TEMPORAL: _temporal,
    JobKind.TREND: _trend,
    JobKind.NEAR_REPEAT: _near_repeat,
    JobKind.NETWORK: _network,
}
