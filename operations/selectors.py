"""Reads of operations: what an operation gathers, for one reader, and its timeline.

Every item is read through its own model's ``visible_to``: a reader of the operation sees the
items they may see and nothing of the others (not even how many there are).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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


TIMELINE_KINDS = ("report", "link", "analysis", "product", "requirement", "tasking", "decision")


def timeline(
    user,
    operation: Operation,
    limit: int = TIMELINE_LIMIT,
    *,
    kinds: tuple[str, ...] | list[str] | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    """What happened in the operation, newest first: reports (when they happened), links made
    between its entities, analyses run, products approved, requirements raised, taskings
    raised, decisions taken. Only what the reader may see; only ``kinds`` when given, from
    ``since`` (inclusive) to ``until`` (exclusive); at most ``limit`` items."""
    wanted = set(kinds or TIMELINE_KINDS)

    def between(queryset, field: str):
        if since is not None:
            queryset = queryset.filter(**{f"{field}__gte": since})
        if until is not None:
            queryset = queryset.filter(**{f"{field}__lt": until})
        return queryset.order_by(f"-{field}")[:limit]

    entries: list[dict[str, Any]] = []
    if "report" in wanted:
        reports = items(user, operation, "reports").annotate(
            at=Coalesce("occurred_at", "occurred_from", "created_at")
        )
        for report in between(reports, "at"):
            entries.append(_item(report.at, "report", report.urn, report))
    if "link" in wanted:
        for link in between(links(user, operation), "created_at"):
            title = f"{link.from_entity.name} – {link.get_kind_display()} – {link.to_entity.name}"
            entries.append(_item(link.created_at, "link", title, link))
    if "analysis" in wanted:
        for job in between(items(user, operation, "jobs"), "created_at"):
            entries.append(
                _item(job.created_at, "analysis", job.title or job.get_kind_display(), job)
            )
    if "product" in wanted:
        products = items(user, operation, "products").annotate(
            at=Coalesce("approved_at", "created_at")
        )
        for product in between(products, "at"):
            entries.append(
                _item(product.at, "product", f"{product.reference} {product.title}", product)
            )
    if "requirement" in wanted:
        for requirement in between(items(user, operation, "requirements"), "created_at"):
            entries.append(
                _item(requirement.created_at, "requirement", requirement.question, requirement)
            )
    if "tasking" in wanted:
        for tasking in between(items(user, operation, "taskings"), "created_at"):
            entries.append(_item(tasking.created_at, "tasking", tasking.title, tasking))
    if "decision" in wanted:
        for decision in between(decisions(user, operation), "decided_at"):
            entries.append(_item(decision.decided_at, "decision", str(decision), decision))
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    return entries[:limit]
