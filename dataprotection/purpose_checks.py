"""Purpose checks: anomaly rules on consultations that cite an operation, requirement or
tasking as their purpose (``AuditEvent.purpose_type`` / ``purpose_id``), run by the audit
app's anomaly check (named in this app's ``anomaly_rules``; ``audit.anomalies.added_rules``):

- a consultation citing a purpose that was closed by then (an operation closed that day or
  before; a requirement answered or cancelled, a tasking done, as they stand now);
- a consultation outside what the cited purpose covers: a record of another compartment than
  the purpose's, or an incident or analysis placed outside the purpose's area (the box around
  the areas of the analyses gathered into the operation);
- a person whose consultations of a day are mostly justified by free text alone, naming no
  purpose: above ``ANOMALY_FREE_TEXT_SHARE`` (setting, default 0.5) of at least
  ``FREE_TEXT_MINIMUM`` consultations.

Flags join the others on the anomalies page, each with its reason. The purposes and the
places of records are read across compartments, by id, as the oversight console reads them.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Count, Q
from django.db.models.functions import TruncDate

from audit.anomalies import flag
from audit.models import Anomaly, AuditEvent
from ilp_platform.web import purposes

# Free-text justifications: flag a person whose share of consultations justified by free text
# alone (no operation, requirement or tasking named) is above ANOMALY_FREE_TEXT_SHARE (setting)
# on a day with at least FREE_TEXT_MINIMUM consultations.
FREE_TEXT_SHARE = 0.5
FREE_TEXT_MINIMUM = 20
# The record each kind of purpose names, and the records whose place can be checked against
# the area a purpose covers (the analyses gathered into an operation).
PURPOSE_MODELS = {
    "operation": ("operations", "operation"),
    "requirement": ("tasking", "requirement"),
    "tasking": ("tasking", "tasking"),
}


def free_text_share() -> float:
    """``ANOMALY_FREE_TEXT_SHARE`` (a share between 0 and 1, default 0.5)."""
    value = getattr(settings, "ANOMALY_FREE_TEXT_SHARE", FREE_TEXT_SHARE)
    try:
        share = float(value)
    except (TypeError, ValueError):
        share = -1.0
    if not 0 < share <= 1:
        raise ImproperlyConfigured(
            f"ANOMALY_FREE_TEXT_SHARE={value!r} must be a share above 0 and at most 1 (e.g. 0.5)"
        )
    return share


class Purpose:
    """What a cited purpose covers, read once per check: whether (and since when) it is
    closed, its compartment, and its area (the box around the areas of the analyses gathered
    into an operation; None when it has none)."""

    def __init__(self, purpose_type: str, purpose_id: int):
        self.key = f"{purpose_type}:{purpose_id}"
        self.found = False
        self.closed = False
        self.closed_on = None
        self.compartment = ""
        self.area: list[float] | None = None
        names = PURPOSE_MODELS.get(purpose_type)
        if names is None:
            return
        try:
            model = apps.get_model(*names)
        except LookupError:
            return
        # The log is read across compartments: the purpose's state and place, by id only.
        record = model._base_manager.select_related("compartment").filter(pk=purpose_id).first()
        if record is None:
            return
        self.found = True
        self.compartment = record.compartment.slug
        kind = purposes.kind(purpose_type)
        self.closed = kind is not None and not kind.is_open(purpose_id)
        self.closed_on = getattr(record, "closed_on", None)
        if purpose_type == "operation":
            self.area = _union(
                job_box(params)
                for params in record.jobs.through.objects.filter(operation_id=purpose_id)
                .select_related("analysisjob")
                .values_list("analysisjob__params", flat=True)
            )

    def closed_when(self, day) -> bool:
        """Closed on ``day`` (an operation closed on that day or before; a requirement or
        tasking closed now, its closing day not being kept)."""
        return self.closed and (self.closed_on is None or self.closed_on <= day)


def job_box(params) -> list[float] | None:
    params = params or {}
    if params.get("bbox"):
        return [float(v) for v in params["bbox"]]
    polygon = params.get("polygon")
    if polygon:
        rings = polygon.get("coordinates") if isinstance(polygon, dict) else polygon
        points = [p for ring in rings or [] for p in ring]
        if points:
            return [
                min(float(p[0]) for p in points),
                min(float(p[1]) for p in points),
                max(float(p[0]) for p in points),
                max(float(p[1]) for p in points),
            ]
    return None


def _union(boxes) -> list[float] | None:
    boxes = [b for b in boxes if b]
    if not boxes:
        return None
    return [
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    ]


def _inside(box: list[float], lon: float, lat: float) -> bool:
    return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]


def _overlaps(box: list[float], other: list[float]) -> bool:
    return not (other[2] < box[0] or other[0] > box[2] or other[3] < box[1] or other[1] > box[3])


def _outside_area(purpose: Purpose, events) -> set[int]:
    """Ids of events about an incident, or an analysis, placed outside the purpose's area."""
    if purpose.area is None:
        return set()
    outside: set[int] = set()
    rows = list(
        events.filter(object_type__in=("intelligence.incident", "analysis.analysisjob"))
        .exclude(object_id="")
        .values_list("id", "object_type", "object_id")
    )
    ids = {
        t: {int(o) for _i, kind, o in rows if kind == t and o.isdigit()}
        for t in ("intelligence.incident", "analysis.analysisjob")
    }
    places: dict[tuple[str, int], Any] = {}
    if ids["intelligence.incident"]:
        incident = apps.get_model("intelligence", "incident")
        for pk, lat, lon in incident._base_manager.filter(
            pk__in=ids["intelligence.incident"]
        ).values_list("pk", "latitude", "longitude"):
            places["intelligence.incident", pk] = _inside(purpose.area, lon, lat)
    if ids["analysis.analysisjob"]:
        job = apps.get_model("analysis", "analysisjob")
        for pk, params in job._base_manager.filter(pk__in=ids["analysis.analysisjob"]).values_list(
            "pk", "params"
        ):
            box = job_box(params)
            places["analysis.analysisjob", pk] = box is None or _overlaps(purpose.area, box)
    for event_id, kind, object_id in rows:
        if object_id.isdigit() and places.get((kind, int(object_id))) is False:
            outside.add(event_id)
    return outside


def check(consultations) -> int:
    """Flags on consultations that cite a purpose (closed, or outside what it covers) and on
    people who mostly justify by free text alone."""
    raised = 0
    cited = consultations.filter(purpose_id__isnull=False).exclude(purpose_type="")
    rows = list(
        cited.annotate(day=TruncDate("occurred_at"))
        .values("actor_id", "actor_username", "day", "purpose_type", "purpose_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    known: dict[tuple[str, int], Purpose] = {}
    closed: dict[tuple, list] = {}
    outside: dict[tuple, list] = {}
    for row in rows:
        key = (row["purpose_type"], row["purpose_id"])
        if key not in known:
            known[key] = Purpose(*key)
        purpose = known[key]
        person = (row["actor_id"], row["actor_username"], row["day"])
        if purpose.found and purpose.closed_when(row["day"]):
            closed.setdefault(person, []).append((purpose.key, row["n"]))
    # Outside the purpose: another compartment than the purpose's, or another area.
    for (purpose_type, purpose_id), purpose in known.items():
        if not purpose.found:
            continue
        events = cited.filter(purpose_type=purpose_type, purpose_id=purpose_id)
        elsewhere = events.exclude(compartment="").exclude(compartment=purpose.compartment)
        for row in (
            elsewhere.annotate(day=TruncDate("occurred_at"))
            .values("actor_id", "actor_username", "day")
            .annotate(n=Count("id"))
            .order_by()
        ):
            person = (row["actor_id"], row["actor_username"], row["day"])
            outside.setdefault(person, []).append(
                (purpose.key, row["n"], "another compartment than the purpose's")
            )
        far = _outside_area(purpose, events)
        if far:
            for row in (
                AuditEvent.objects.filter(pk__in=far)
                .annotate(day=TruncDate("occurred_at"))
                .values("actor_id", "actor_username", "day")
                .annotate(n=Count("id"))
                .order_by()
            ):
                person = (row["actor_id"], row["actor_username"], row["day"])
                outside.setdefault(person, []).append(
                    (purpose.key, row["n"], "outside the purpose's area")
                )
    for (actor_id, username, day), items in closed.items():
        count = sum(n for _key, n in items)
        named = ", ".join(f"{key} ({n})" for key, n in items)
        raised += flag(
            Anomaly.Kind.CLOSED_PURPOSE,
            actor_id,
            username,
            day,
            count,
            f"{count} consultations cited a closed purpose: {named}",
            count,
        )
    for (actor_id, username, day), items in outside.items():
        count = sum(n for _key, n, _why in items)
        named = "; ".join(f"{n} {why} ({key})" for key, n, why in items)
        raised += flag(
            Anomaly.Kind.OUTSIDE_PURPOSE,
            actor_id,
            username,
            day,
            count,
            f"{count} consultations outside what the cited purpose covers: {named}",
            count,
        )
    # Free text alone: justified, but naming no purpose.
    share = free_text_share()
    daily = (
        consultations.exclude(justification="")
        .annotate(day=TruncDate("occurred_at"))
        .values("actor_id", "actor_username", "day")
        .annotate(n=Count("id"), free=Count("id", filter=Q(purpose_type="")))
        .order_by()
    )
    for row in daily:
        n, free = row["n"], row["free"]
        if n >= FREE_TEXT_MINIMUM and free / n > share:
            raised += flag(
                Anomaly.Kind.FREE_TEXT,
                row["actor_id"],
                row["actor_username"],
                row["day"],
                free / n,
                f"{free} of {n} consultations justified by free text alone "
                f"({free / n:.0%}, above the set share of {share:.0%})",
                free,
            )
    return raised
