"""Typeahead: records whose label contains what a person typed, for pickers in place of ids.

Every kind but people is drawn through ``visible_to(user)``, so a picker never offers (nor
confirms the existence of) a record outside the person's reach. People (active accounts) are
offered only to those who may already choose among them: administrators (``view_user``, the
users API) and managers assigning taskings (``tasking.add_tasking``, whose forms list every
active account).

The module sits in the intelligence app: it reads intelligence and account models directly,
and the tasking app's priorities through the app registry (the layers point one way:
``tests/core/test_layers.py``). Operations join when they exist (issue 16).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.formats import date_format

from ilp_platform.accounts.models import User
from intelligence.choices import EntityKind, ReportStatus, SourceType
from intelligence.models import Entity, Report, Source
from intelligence.models.entities import normalise_name

MIN_QUERY = 2
MAX_QUERY = 100
MAX_RESULTS = 20

# Kind -> permissions, any one of which lets a person look records of that kind up.
PERMISSIONS: dict[str, tuple[str, ...]] = {
    "entity": ("intelligence.view_entity",),
    "report": ("intelligence.view_report",),
    "source": ("intelligence.view_source",),
    "priority": ("tasking.view_priority",),
    "operation": ("operations.view_operation",),
    "user": ("accounts.view_user", "tasking.add_tasking", "operations.change_operation"),
}
KINDS = tuple(PERMISSIONS)


@dataclass
class Matches:
    object_type: str
    items: list[dict[str, Any]]


def may_look_up(user: User | AnonymousUser, kind: str) -> bool:
    if not user.is_authenticated:
        return False
    return any(user.has_perm(perm) for perm in PERMISSIONS.get(kind, ()))


def may_look_anything_up(user: User | AnonymousUser) -> bool:
    return any(may_look_up(user, kind) for kind in KINDS)


def _prefix_first(queryset: QuerySet[Any], prefix: Q) -> QuerySet[Any]:
    return queryset.annotate(
        _lookup_rank=Case(
            When(prefix, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    )


def _entities(user: User, q: str) -> list[dict[str, Any]]:
    key = normalise_name(q)
    contains = Q(name__icontains=q)
    prefix = Q(name__istartswith=q)
    if key:
        contains |= Q(name_key__contains=key)
        prefix |= Q(name_key__startswith=key)
    rows = (
        _prefix_first(Entity.objects.visible_to(user).current().filter(contains), prefix)
        .order_by("_lookup_rank", "name", "id")
        .values("id", "name", "kind")[:MAX_RESULTS]
    )
    return [
        {"id": r["id"], "label": r["name"], "detail": str(EntityKind(r["kind"]).label)}
        for r in rows
    ]


def _reports(user: User, q: str) -> list[dict[str, Any]]:
    rows = (
        _prefix_first(
            Report.objects.visible_to(user).filter(urn__icontains=q), Q(urn__istartswith=q)
        )
        .order_by("_lookup_rank", "-id")
        .values(*_REPORT_FIELDS)[:MAX_RESULTS]
    )
    return [_report_item(r) for r in rows]


_REPORT_FIELDS = ("id", "urn", "status", "occurred_at", "occurred_from", "created_at")


def _report_item(r: dict[str, Any]) -> dict[str, Any]:
    when = r["occurred_at"] or r["occurred_from"] or r["created_at"]
    detail = str(ReportStatus(r["status"]).label)
    if when is not None:
        detail += ", " + date_format(when, "SHORT_DATE_FORMAT")
    return {"id": r["id"], "label": r["urn"], "detail": detail}


def _sources(user: User, q: str) -> list[dict[str, Any]]:
    # The reference only: identity fields are never searched or shown here.
    rows = (
        _prefix_first(
            Source.objects.visible_to(user).filter(reference__icontains=q),
            Q(reference__istartswith=q),
        )
        .order_by("_lookup_rank", "reference", "id")
        .values("id", "reference", "source_type")[:MAX_RESULTS]
    )
    return [
        {
            "id": r["id"],
            "label": r["reference"],
            "detail": str(SourceType(r["source_type"]).label),
        }
        for r in rows
    ]


def _priorities(user: User, q: str) -> list[dict[str, Any]]:
    priority = apps.get_model("tasking", "Priority")
    queryset = priority.objects.visible_to(user).filter(title__icontains=q)
    rows = (
        _prefix_first(queryset, Q(title__istartswith=q))
        .order_by("_lookup_rank", "title", "id")
        .values("id", "title", "status")[:MAX_RESULTS]
    )
    status_labels = dict(priority._meta.get_field("status").choices or [])
    return [
        {
            "id": r["id"],
            "label": r["title"],
            "detail": str(status_labels.get(r["status"], r["status"])),
        }
        for r in rows
    ]


def _operations(user: User, q: str) -> list[dict[str, Any]]:
    # Through the app registry: operations sit above this app (docs/architecture.md).
    operation = apps.get_model("operations", "Operation")
    contains = Q(reference__icontains=q) | Q(name__icontains=q)
    prefix = Q(reference__istartswith=q) | Q(name__istartswith=q)
    rows = (
        _prefix_first(operation.objects.visible_to(user).filter(contains), prefix)
        .order_by("_lookup_rank", "-id")
        .values("id", "reference", "name", "status")[:MAX_RESULTS]
    )
    status_labels = dict(operation._meta.get_field("status").choices or [])
    return [
        {
            "id": r["id"],
            "label": f"{r['reference']} {r['name']}",
            "detail": str(status_labels.get(r["status"], r["status"])),
        }
        for r in rows
    ]


def _users(user: User, q: str) -> list[dict[str, Any]]:
    contains = Q(username__icontains=q) | Q(first_name__icontains=q) | Q(last_name__icontains=q)
    prefix = Q(username__istartswith=q) | Q(first_name__istartswith=q) | Q(last_name__istartswith=q)
    people = (
        _prefix_first(User.objects.filter(is_active=True).filter(contains), prefix)
        .order_by("_lookup_rank", "username", "id")
        .only("id", "username", "first_name", "last_name")[:MAX_RESULTS]
    )
    return [{"id": p.pk, "label": str(p), "detail": p.username} for p in people]


_FINDERS = {
    "entity": ("intelligence.entity", _entities),
    "report": ("intelligence.report", _reports),
    "source": ("intelligence.source", _sources),
    "priority": ("tasking.priority", _priorities),
    "operation": ("operations.operation", _operations),
    "user": ("accounts.user", _users),
}


def lookup(user: User, kind: str, q: str) -> Matches:
    """Up to ``MAX_RESULTS`` records of ``kind`` whose label contains ``q`` (any case), those
    starting with it first. The caller checks ``may_look_up`` and the length of ``q``."""
    object_type, finder = _FINDERS[kind]
    items = [{**item, "kind": kind} for item in finder(user, q)]
    return Matches(object_type=object_type, items=items)


# --- Labels of chosen values ------------------------------------------------------------------

# How a picker stores what was chosen: an entity by its id, a report by its URN (the forms take
# URNs), the other kinds by id.
VALUE_FIELD: dict[str, str] = {"report": "label"}


def describe(user: User | AnonymousUser, kind: str, values: list[str]) -> dict[str, dict[str, Any]]:
    """Labels of the values a picker holds (ids, or URNs for reports), keyed by the value as
    given: only records ``user`` may look up and see, so a form shown again after an error
    names nothing the person may not read. A value naming nothing visible is left out."""
    if not values or kind not in ("entity", "report") or not may_look_up(user, kind):
        return {}
    person = cast(User, user)
    if kind == "entity":
        ids = {v: int(v) for v in values if v.isascii() and v.isdigit() and 0 < int(v) < 2**63}
        rows = (
            Entity.objects.visible_to(person)
            .current()
            .filter(pk__in=set(ids.values()))
            .values("id", "name", "kind")
        )
        found = {
            r["id"]: {"label": r["name"], "detail": str(EntityKind(r["kind"]).label)} for r in rows
        }
        return {v: found[pk] for v, pk in ids.items() if pk in found}
    urns = {v: v.strip().upper() for v in values}
    reports = Report.objects.visible_to(person).filter(urn__in=set(urns.values()))
    by_urn = {r["urn"]: _report_item(r) for r in reports.values(*_REPORT_FIELDS)}
    return {v: by_urn[urn] for v, urn in urns.items() if urn in by_urn}
