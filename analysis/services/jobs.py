"""Analysis jobs: request one (validate, record, enqueue) and run one (read, compute, shape).

The kinds of analysis (hotspot, temporal, trend, near_repeat, network) are modules of
``analysis.kinds``, found through ``analysis.kinds.registry``: each declares its own parameters
and its run function. What every kind shares is here:

- the common parameters (compartments, crime types, dates and, for kinds that take one, an
  area) and :func:`clean_params`, which validates a request's parameters against its kind's
  declarations, naming every bad field;
- :func:`request_job`, the one way a job comes into being, from the browser or the API: it
  validates, fixes the compartments the job may read, stores the row, writes the CREATE audit
  event and enqueues the Celery task after commit;
- :func:`run_job`, the work the task runs through ``ilp_platform.core.jobs.execute``: the kind
  reads only through ``visible_to`` of the requester, reports real progress per stage, and the
  result comes back in the contract the products rely on::

      {"summary": {...}, "tables": [{"title", "columns", "rows"}], "charts": [{"title", "svg"}],
       "geojson": FeatureCollection | None, "network": {"nodes", "edges"} | None,
       "method": [{"heading", "text"}] (the kind's method note: method, parameters,
       correction, limits), "params": effective parameters}

Results stay bounded (top rows in the tables shown; the features and nodes a download needs
are capped by each kind's limits, the cap stated in the summary).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis.kinds import registry
from analysis.kinds.params import (
    BBOX,
    COMPARTMENTS,
    CRIME_TYPES,
    DATE,
    POLYGON,
    Context,
    Errors,
    Param,
    text_list,
)
from analysis.models import AnalysisJob
from audit import services as audit
from audit.actions import action
from audit.choices import Action, Outcome
from ilp_platform.accounts.models import Compartment
from ilp_platform.core import jobs
from ilp_platform.core.jobs import JobError
from intelligence.models import CrimeType

RUN_PERMISSION = "analysis.add_analysisjob"

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

# --- parameters every kind takes ---------------------------------------------------------------

COMMON: tuple[Param, ...] = (
    Param(
        "compartments",
        label=gettext_lazy("Compartments to read"),
        type=COMPARTMENTS,
        help=gettext_lazy(
            "None ticked: every compartment you hold. The result is shown only to people who "
            "hold every compartment it read, so leave out what colleagues need not see."
        ),
    ),
    Param(
        "crime_types",
        label=gettext_lazy("Crime types"),
        type=CRIME_TYPES,
        help=gettext_lazy("None chosen: all crime types. Hold Ctrl (or Cmd) to choose several."),
    ),
    Param(
        "date_from",
        label=gettext_lazy("From"),
        type=DATE,
        help=gettext_lazy("First day included (when the incident or report occurred)."),
    ),
    Param("date_to", label=gettext_lazy("To"), type=DATE, help=gettext_lazy("Last day included.")),
)
# ... and those of the kinds that select incidents by area (``Kind.area``).
AREA: tuple[Param, ...] = (
    Param(
        "bbox",
        label=gettext_lazy("Area: bounding box"),
        type=BBOX,
        example="-2.65, 51.42, -2.53, 51.49",
        help=gettext_lazy(
            "min_lon, min_lat, max_lon, max_lat in degrees, separated by commas or spaces; type "
            "it or draw it on the map. "
            "Empty: wherever the selected incidents are."
        ),
    ),
    Param(
        "polygon",
        label=gettext_lazy("Area: polygon (GeoJSON)"),
        type=POLYGON,
        help=gettext_lazy(
            "Instead of a box, a GeoJSON Polygon or its coordinates, e.g. "
            "[[[-2.6, 51.44], [-2.57, 51.44], [-2.58, 51.47], [-2.6, 51.44]]]."
        ),
    ),
)


def params_of(kind: registry.Kind) -> tuple[Param, ...]:
    """Every parameter a job of ``kind`` takes, in order: the common ones (with the kind's own
    note on one where it has one), the area, then the kind's own."""
    common = tuple(
        dataclasses.replace(p, help=kind.notes[p.name]) if p.name in kind.notes else p
        for p in COMMON
    )
    return (*common, *(AREA if kind.area else ()), *kind.params)


def _compartments(errors: Errors, user, raw) -> list[Compartment]:
    """Codes of compartments the user holds; by default all of them."""
    held = list(Compartment.objects.visible_to(user).order_by("slug"))
    by_slug = {c.slug: c for c in held}
    wanted = text_list(raw)
    if wanted is None or not all(isinstance(s, str) for s in wanted):
        errors.add("compartments", _("Give a list of compartment codes."))
        chosen = []
    elif wanted:
        unknown = [s for s in wanted if s not in by_slug]
        if unknown:
            errors.add(
                "compartments",
                _("Unknown compartment (or not one you hold): %(slugs)s.")
                % {"slugs": ", ".join(unknown)},
            )
        chosen = [by_slug[s] for s in dict.fromkeys(wanted) if s in by_slug]
    else:
        chosen = held
    if not held:
        errors.add("compartments", _("You hold no compartment, so there is nothing to analyse."))
    return chosen


def _crime_types(errors: Errors, raw) -> list[str]:
    """Crime type codes, given as codes or ids."""
    wanted = text_list(raw)
    if wanted is None:
        errors.add("crime_types", _("Give a list of crime type codes."))
        wanted = []
    types = {ct.slug: ct for ct in CrimeType.objects.all()}
    by_id = {str(ct.pk): ct for ct in types.values()}
    codes, unknown = [], []
    for value in wanted:
        ct = types.get(str(value)) or by_id.get(str(value))
        if ct is None:
            unknown.append(str(value))
        elif ct.slug not in codes:
            codes.append(ct.slug)
    if unknown:
        errors.add(
            "crime_types",
            _("Unknown crime type: %(codes)s. Known codes: %(known)s.")
            % {"codes": ", ".join(unknown), "known": ", ".join(sorted(types))},
        )
    return codes


def _dates(params: dict, context: Context) -> dict:
    by_name = {p.name: p for p in COMMON}
    date_from = by_name["date_from"].clean(params.get("date_from"), context)
    date_to = by_name["date_to"].clean(params.get("date_to"), context)
    if date_from and date_to and date_to < date_from:
        context.errors.add("date_to", _("The end date is before the start date."))
    return {
        "date_from": date_from.isoformat() if date_from else None,
        "date_to": date_to.isoformat() if date_to else None,
    }


def _area(params: dict, context: Context) -> dict:
    bbox, polygon = AREA
    has_bbox = params.get("bbox") not in (None, "", [])
    has_polygon = params.get("polygon") not in (None, "", [], {})
    if has_bbox and has_polygon:
        context.errors.add("polygon", _("Give either a bounding box or a polygon, not both."))
    return {
        "bbox": bbox.clean(params.get("bbox"), context),
        "polygon": polygon.clean(params.get("polygon"), context),
    }


def _refuse_unknown(errors: Errors, kind: registry.Kind, params: dict) -> None:
    allowed = [p.name for p in params_of(kind)]
    for name in params:
        if name not in allowed:
            errors.add(
                str(name),
                _("Not a parameter of a %(kind)s job; allowed: %(allowed)s.")
                % {"kind": kind.name, "allowed": ", ".join(allowed)},
            )


def clean_params(user, kind: str, params) -> tuple[dict, list[Compartment]]:
    """Validated, effective parameters and the compartments the job may read.

    Raises ``ValidationError`` with one entry per bad field (``kind``, a parameter name, or
    ``params`` when the whole value is wrong). Unknown parameters are refused by name, so a
    typo does not silently run a different analysis.
    """
    errors = Errors()
    spec = registry.get(kind)
    if spec is None:
        errors.add("kind", _("Choose one of: %(kinds)s.") % {"kinds": ", ".join(registry.names())})
        raise ValidationError(errors)
    if params is None:
        params = {}
    if not isinstance(params, dict):
        raise ValidationError({"params": [_("Give the parameters as an object.")]})
    _refuse_unknown(errors, spec, params)
    chosen = _compartments(errors, user, params.get("compartments"))
    out: dict[str, Any] = {
        "compartments": [c.slug for c in chosen],
        "crime_types": _crime_types(errors, params.get("crime_types")),
    }
    checking = Context(user=user, compartments=chosen, errors=errors)
    out.update(_dates(params, checking))
    if spec.area:
        out.update(_area(params, checking))
    for param in spec.params:
        out[param.name] = param.clean(params.get(param.name), checking)
    if spec.check is not None:
        spec.check(out, checking)
    if errors:
        raise ValidationError(dict(errors))
    return out, chosen


# --- requesting --------------------------------------------------------------------------------


@action(RUN_PERMISSION)
def request_job(*, actor, kind: str, params: dict | None = None, title: str = "") -> AnalysisJob:
    """Validate, store, audit and enqueue a job; the Celery task runs it after commit."""
    effective, compartments = clean_params(actor, kind, params)
    title = (title or "").strip()
    if len(title) > 200:
        raise ValidationError({"title": [_("Keep the title to 200 characters.")]})
    job = AnalysisJob.objects.create(
        kind=kind,
        title=title,
        params=effective,
        requested_by=actor,
        **jobs.requested_under(),
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


def run_job(job: AnalysisJob, progress) -> dict:
    """The work of one job: its kind reads what the requester may see and computes; the result
    comes back in the contract."""
    user = job.requested_by
    if not user.is_active or not user.has_perm(RUN_PERMISSION):
        raise JobError(
            _("%(user)s may no longer run analysis jobs; ask a colleague to run it again.")
            % {"user": user.get_username()}
        )
    kind = registry.get(job.kind)
    if kind is None:
        raise JobError(
            _("This platform no longer runs %(kind)s analyses.") % {"kind": job.kind},
        )
    params = dict(job.params or {})
    compartment_ids = tuple(job.compartments.values_list("pk", flat=True))
    if not compartment_ids:
        raise JobError(_("The job names no compartment to read; request it again."))
    body = kind.run(user, params, compartment_ids, progress)
    return {
        "summary": body.get("summary", {}),
        "tables": body.get("tables", []),
        "charts": body.get("charts", []),
        "geojson": body.get("geojson"),
        "network": body.get("network"),
        "method": body.get("method", []),
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
