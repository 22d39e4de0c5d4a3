"""Reads of operations: what an operation gathers, for one reader, and its timeline.

Every item is read through its own model's ``visible_to``: a reader of the operation sees the
items they may see and nothing of the others (not even how many there are).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.db.models.functions import Coalesce

from analysis.models import AnalysisJob, Product
from intelligence.models import Entity, Link, Report
from operations.models import Operation
from tasking.models import Decision, Priority, Requirement, Tasking

# Items of each kind shown on the operation page (the counts are of all visible ones).
PAGE_ITEMS = 50
TIMELINE_LIMIT = 300

# kind -> (model, permission to read it)
KINDS: dict[str, tuple[Any, str]] = {
    "reports": (Report, "intelligence.view_report"),
    "entities": (Entity, "intelligence.view_entity"),
    "jobs": (AnalysisJob, "analysis.view_analysisjob"),
    "products": (Product, "analysis.view_product"),
    "priorities": (Priority, "tasking.view_priority"),
    "requirements": (Requirement, "tasking.view_requirement"),
    "taskings": (Tasking, "tasking.view_tasking"),
}


def items(user, operation: Operation, kind: str):
    """The operation's visible items of one kind (an empty queryset without the role)."""
    model, perm = KINDS[kind]
    if not user.has_perm(perm):
        return model.objects.none()
    return model.objects.visible_to(user).filter(operations=operation)


def links(user, operation: Operation):
    """Links between the operation's visible entities (both ends visible: the link's rule)."""
    if not user.has_perm("intelligence.view_link"):
        return Link.objects.none()
    entities = items(user, operation, "entities").values("pk")
    return (
        Link.objects.visible_to(user)
        .filter(from_entity__in=entities, to_entity__in=entities)
        .select_related("from_entity", "to_entity")
    )


def decisions(user, operation: Operation):
    """Decisions about the operation's priorities, taskings, products and requirements."""
    if not user.has_perm("tasking.view_decision"):
        return Decision.objects.none()
    return Decision.objects.visible_to(user).filter(
        Q(priority__in=operation.priorities.values("pk"))
        | Q(tasking__in=operation.taskings.values("pk"))
        | Q(product__in=operation.products.values("pk"))
        | Q(requirement__in=operation.requirements.values("pk"))
    )


@dataclass
class Contents:
    counts: dict[str, int] = field(default_factory=dict)
    lists: dict[str, list] = field(default_factory=dict)
    ids: dict[str, list[int]] = field(default_factory=dict)


_RELATED = {
    "reports": ("source",),
    "taskings": ("owner_user", "owner_unit"),
    "requirements": ("assigned_to",),
}
_ORDER = {
    "reports": ("-created_at", "-id"),
    "taskings": ("due_date", "id"),
    "requirements": ("due_date", "id"),
}


def contents(user, operation: Operation, per_kind: int = PAGE_ITEMS) -> Contents:
    """Counts and the first ``per_kind`` items of each kind, links and decisions included."""
    result = Contents()
    for kind in KINDS:
        queryset = items(user, operation, kind)
        result.counts[kind] = queryset.count()
        rows = list(
            queryset.select_related(*_RELATED.get(kind, ())).order_by(*_ORDER.get(kind, ("-id",)))[
                :per_kind
            ]
        )
        result.lists[kind] = rows
        result.ids[kind] = [row.pk for row in rows]
    for kind, queryset in (
        ("links", links(user, operation)),
        ("decisions", decisions(user, operation)),
    ):
        result.counts[kind] = queryset.count()
        rows = list(queryset.order_by("-id")[:per_kind])
        result.lists[kind] = rows
        result.ids[kind] = [row.pk for row in rows]
    return result


def _item(at, kind: str, title: str, obj) -> dict[str, Any]:
    return {
        "at": at,
        "kind": kind,
        "title": title,
        "object_type": obj._meta.label_lower,
        "object_id": obj.pk,
        "url": obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else "",
    }


def timeline(user, operation: Operation, limit: int = TIMELINE_LIMIT) -> list[dict[str, Any]]:
    """What happened in the operation, newest first: reports (when they happened), links made
    between its entities, analyses run, products approved, requirements raised, taskings
    raised and due, decisions taken. Only what the reader may see; at most ``limit``."""
    entries: list[dict[str, Any]] = []
    reports = items(user, operation, "reports").annotate(
        at=Coalesce("occurred_at", "occurred_from", "created_at")
    )
    for report in reports.order_by("-at")[:limit]:
        entries.append(_item(report.at, "report", report.urn, report))
    for link in links(user, operation).order_by("-created_at")[:limit]:
        title = f"{link.from_entity.name} – {link.get_kind_display()} – {link.to_entity.name}"
        entries.append(_item(link.created_at, "link", title, link))
    for job in items(user, operation, "jobs").order_by("-created_at")[:limit]:
        entries.append(_item(job.created_at, "analysis", job.title or job.get_kind_display(), job))
    for product in items(user, operation, "products").order_by("-created_at")[:limit]:
        at = product.approved_at or product.created_at
        entries.append(_item(at, "product", f"{product.reference} {product.title}", product))
    for requirement in items(user, operation, "requirements").order_by("-created_at")[:limit]:
        entries.append(
            _item(requirement.created_at, "requirement", requirement.question, requirement)
        )
    for tasking in items(user, operation, "taskings").order_by("-created_at")[:limit]:
        entries.append(_item(tasking.created_at, "tasking", tasking.title, tasking))
    for decision in decisions(user, operation).order_by("-decided_at")[:limit]:
        entries.append(_item(decision.decided_at, "decision", str(decision), decision))
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries[:limit]
