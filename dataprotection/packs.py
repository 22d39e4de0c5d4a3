"""Building a proportionality pack: what was done for one operation or tasking, from the log
and the purpose's own records, named the way the log names records.

This is the data-protection officer's view across compartments, like the oversight console's:
records are read through the models' base managers (not ``visible_to``), and the pack holds
only what the log already names (type, id, reference such as a URN, compartment slug,
usernames, times, statuses, flags): never an entity's name, a report's text or a decision's
wording, which stay in their compartments. Everything is aggregated in the database; lists are
capped (``LIMIT``) with their totals given.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from django.db.models import Count, Max, Min, Q
from django.utils import timezone

from analysis.models import AnalysisJob, Product
from audit.choices import CONSULTATION_ACTIONS
from audit.models import AuditEvent
from audit.services import jsonable, neutral_label
from dataprotection.activities import analysis_key
from dataprotection.purpose_checks import job_box
from intelligence.models import Entity, Report, ReportEntity
from operations.models import Operation
from tasking.models import Decision, Priority, Tasking

FORMAT = "ilp.proportionality-pack/1"
# Rows per list in a pack; a longer list is cut and says how many there were.
LIMIT = 2000


def canonical(content: Any) -> bytes:
    """The pack's canonical JSON: the bytes its SHA-256 is taken over (and the JSON download)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def digest(content: Any) -> str:
    return hashlib.sha256(canonical(content)).hexdigest()


def _capped(rows: list, total: int | None = None) -> dict:
    total = len(rows) if total is None else total
    return {"total": total, "items": rows[:LIMIT], "truncated": total > LIMIT}


def _when(value) -> str | None:
    return value.isoformat() if value else None


def _consultations(purpose_type: str, purpose_id: int) -> dict:
    events = AuditEvent.objects.filter(purpose_type=purpose_type, purpose_id=purpose_id)
    by_person = [
        {
            "actor": row["actor_username"],
            "action": row["action"],
            "events": row["n"],
            "first": _when(row["first"]),
            "last": _when(row["last"]),
        }
        for row in events.values("actor_username", "action")
        .annotate(n=Count("id"), first=Min("occurred_at"), last=Max("occurred_at"))
        .order_by("actor_username", "action")
    ]
    consulted = events.filter(action__in=CONSULTATION_ACTIONS).exclude(object_id="")
    grouped = (
        consulted.values("actor_username", "object_type", "object_id", "object_repr", "compartment")
        .annotate(n=Count("id"), first=Min("occurred_at"), last=Max("occurred_at"))
        .order_by("first", "actor_username", "object_type", "object_id")
    )
    total = grouped.count()
    what = [
        {
            "actor": row["actor_username"],
            "object_type": row["object_type"],
            "object_id": row["object_id"],
            "object": row["object_repr"],
            "compartment": row["compartment"],
            "times": row["n"],
            "first": _when(row["first"]),
            "last": _when(row["last"]),
        }
        for row in grouped[:LIMIT]
    ]
    special = (
        events.filter(details__special_category=True)
        .values("object_type", "object_id", "object_repr", "compartment")
        .annotate(n=Count("id"), people=Count("actor_username", distinct=True))
        .order_by("object_type", "object_id")
    )
    special_rows = [
        {
            "object_type": row["object_type"],
            "object_id": row["object_id"],
            "object": row["object_repr"],
            "compartment": row["compartment"],
            "events": row["n"],
            "people": row["people"],
        }
        for row in special[:LIMIT]
    ]
    return {
        "events": events.count(),
        "people": sorted({row["actor"] for row in by_person if row["actor"]}),
        "by_person": by_person,
        "consulted": _capped(what, total),
        "special_category_events": _capped(special_rows, special.count()),
    }


def _people(entity_ids, report_ids) -> dict:
    """The people (and other entities) targeted: by the log's label, with the Art. 6
    categories the reports record for them."""
    entities = Entity._base_manager.filter(pk__in=entity_ids).select_related("compartment")
    categories: dict[int, set[str]] = {}
    for entity_id, category in (
        ReportEntity._base_manager.filter(entity_id__in=entity_ids, report_id__in=report_ids)
        .values_list("entity_id", "subject_category")
        .distinct()
    ):
        if category:
            categories.setdefault(entity_id, set()).add(category)
    people: list[dict] = []
    others: dict[str, int] = {}
    for entity in entities.order_by("id")[: LIMIT + 1]:
        if entity.kind == "person":
            people.append(
                {
                    "id": entity.pk,
                    "label": neutral_label(entity),
                    "compartment": entity.compartment.slug,
                    "subject_categories": sorted(categories.get(entity.pk, ())),
                }
            )
        else:
            others[entity.kind] = others.get(entity.kind, 0) + 1
    return {"people": _capped(people), "other_entities_by_kind": others}


def _analyses(jobs) -> tuple[list, list]:
    analyses, areas = [], []
    for job in jobs.select_related("requested_by").prefetch_related("compartments"):
        summary = (job.result or {}).get("summary") or {}
        flagged = summary.get("cells_significant_only_with_police_found_records")
        analyses.append(
            {
                "id": job.pk,
                "kind": job.kind,
                "status": job.status,
                "requested_by": job.requested_by.username,
                "requested_at": _when(job.created_at),
                "finished_at": _when(job.finished_at),
                "compartments": sorted(c.slug for c in job.compartments.all()),
                "processing_record": analysis_key(job.kind),
                "feedback_loop": {
                    "checked": flagged is not None,
                    "cells_significant_only_with_police_found_records": flagged,
                    "incidents_found_by_police_activity": summary.get(
                        "incidents_found_by_police_activity"
                    ),
                    "flagged": bool(flagged),
                },
            }
        )
        area = job_box(job.params)
        if area:
            areas.append({"source": f"analysis job {job.pk}", "bbox": area})
    return analyses, areas


def _decisions(condition: Q) -> list:
    rows = (
        Decision._base_manager.filter(condition)
        .select_related("decided_by", "compartment")
        .order_by("decided_at", "id")
    )
    return [
        {
            "type": "decision",
            "id": d.pk,
            "subject": d.subject_kind,
            "meeting": d.meeting_id,
            "by": d.decided_by.username,
            "at": _when(d.decided_at),
            "compartment": d.compartment.slug,
            "amends": d.amends_id,
        }
        for d in rows[:LIMIT]
    ]


def _priority_approvals(priorities) -> list:
    return [
        {
            "type": "priority",
            "id": p.pk,
            "status": p.status,
            "by": p.decided_by.username if p.decided_by else None,
            "at": _when(p.decided_at),
            "meeting": p.decided_at_meeting_id,
            "compartment": p.compartment.slug,
        }
        for p in priorities.select_related("decided_by", "compartment").order_by("id")
    ]


def _product_approvals(products) -> list:
    return [
        {
            "type": "product",
            "id": p.pk,
            "reference": neutral_label(p),
            "status": p.status,
            "by": p.approved_by.username if p.approved_by else None,
            "at": _when(p.approved_at),
            "compartment": p.compartment.slug,
        }
        for p in products.select_related("approved_by", "compartment").order_by("id")
    ]


def _special_reports(report_ids) -> dict:
    rows = list(
        Report._base_manager.filter(pk__in=report_ids, has_special_category=True)
        .order_by("id")
        .values_list("pk", "urn", "compartment__slug")[: LIMIT + 1]
    )
    return _capped([{"id": pk, "urn": urn, "compartment": c} for pk, urn, c in rows])


def _operation_pack(operation: Operation) -> dict:
    columns = {
        "reports": "report_id",
        "entities": "entity_id",
        "jobs": "analysisjob_id",
        "products": "product_id",
        "priorities": "priority_id",
        "requirements": "requirement_id",
        "taskings": "tasking_id",
    }
    ids = {
        name: list(
            getattr(Operation, name)
            .through.objects.filter(operation_id=operation.pk)
            .values_list(column, flat=True)
        )
        for name, column in columns.items()
    }
    analyses, areas = _analyses(AnalysisJob._base_manager.filter(pk__in=ids["jobs"]))
    decisions = _decisions(
        Q(tasking_id__in=ids["taskings"])
        | Q(priority_id__in=ids["priorities"])
        | Q(requirement_id__in=ids["requirements"])
        | Q(product_id__in=ids["products"])
    )
    return {
        "subject": {
            "type": "operation",
            "id": operation.pk,
            "reference": operation.reference,
            "status": operation.status,
            "compartment": operation.compartment.slug,
            "lead": operation.lead.username,
            "team": sorted(operation.team.values_list("username", flat=True)),
            "opened_on": _when(operation.opened_on),
            "closed_on": _when(operation.closed_on),
        },
        "gathered": {name: len(values) for name, values in ids.items()},
        "special_category_reports": _special_reports(ids["reports"]),
        "targeted": {**_people(ids["entities"], ids["reports"]), "areas": areas},
        "approvals_and_decisions": (
            _priority_approvals(Priority._base_manager.filter(pk__in=ids["priorities"]))
            + _product_approvals(Product._base_manager.filter(pk__in=ids["products"]))
            + decisions
        ),
        "analyses": analyses,
        "purpose": f"operation:{operation.pk}",
    }


def _tasking_pack(tasking: Tasking) -> dict:
    report_ids = list(
        Tasking.cited_reports.through.objects.filter(tasking_id=tasking.pk).values_list(
            "report_id", flat=True
        )
    )
    entity_ids = ReportEntity._base_manager.filter(report_id__in=report_ids).values_list(
        "entity_id", flat=True
    )
    product_ids = Tasking.cited_products.through.objects.filter(tasking_id=tasking.pk).values_list(
        "product_id", flat=True
    )
    operation_ids = Operation.taskings.through.objects.filter(tasking_id=tasking.pk).values_list(
        "operation_id", flat=True
    )
    job_ids = Operation.jobs.through.objects.filter(operation_id__in=operation_ids).values_list(
        "analysisjob_id", flat=True
    )
    analyses, areas = _analyses(AnalysisJob._base_manager.filter(pk__in=job_ids))
    priorities = Priority._base_manager.filter(pk=tasking.priority_id)
    return {
        "subject": {
            "type": "tasking",
            "id": tasking.pk,
            "reference": f"tasking {tasking.pk}",
            "status": tasking.status,
            "compartment": tasking.compartment.slug,
            "owner": tasking.owner_user.username if tasking.owner_user else None,
            "due_date": _when(tasking.due_date),
        },
        "gathered": {"cited_reports": len(report_ids), "cited_products": len(product_ids)},
        "special_category_reports": _special_reports(report_ids),
        "targeted": {**_people(list(entity_ids), report_ids), "areas": areas},
        "approvals_and_decisions": (
            _priority_approvals(priorities)
            + _product_approvals(Product._base_manager.filter(pk__in=product_ids))
            + _decisions(Q(tasking_id=tasking.pk))
        ),
        "analyses": analyses,
        "purpose": f"tasking:{tasking.pk}",
    }


def build(subject, *, produced_by: str, now=None) -> dict:
    """The pack of ``subject`` (an operation or a tasking) as JSON-ready data."""
    if isinstance(subject, Operation):
        body = _operation_pack(subject)
        kind = "operation"
    else:
        body = _tasking_pack(subject)
        kind = "tasking"
    body["consultations"] = _consultations(kind, subject.pk)
    body["format"] = FORMAT
    body["produced_at"] = (now or timezone.now()).isoformat()
    body["produced_by"] = produced_by
    return jsonable(body)
