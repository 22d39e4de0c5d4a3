"""Reads of the tasking app: agendas, coverage, the control strategy and the decision log.

Everything starts from ``visible_to(user)``; linked evidence is filtered the same way, so a
product or report the viewer may not see is neither listed nor counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from django.db.models import Count, Exists, OuterRef, Prefetch, Q
from django.utils import timezone

from analysis.models import AnalysisJob, Citation, CitationKind, Product
from intelligence.models import Entity, Report
from tasking.choices import (
    AGENDA_SECTION_LIMIT,
    MeetingStatus,
    PriorityStatus,
    RequirementStatus,
    Strand,
)
from tasking.models import Decision, Meeting, Priority, Requirement, Tasking

if TYPE_CHECKING:
    from ilp_platform.accounts.models import User

# Agenda sections and the model each item belongs to (for the visibility re-check).
AGENDA_SECTIONS = {
    "products": Product,
    "candidates": Priority,
    "reviews": Priority,
    "taskings": Tasking,
    "requirements": Requirement,
}


def visible_pks(user: User, model, pks) -> set:
    """Which of ``pks`` the user may see (one query)."""
    pks = [pk for pk in pks if pk is not None]
    if not pks:
        return set()
    return set(model.objects.visible_to(user).filter(pk__in=pks).values_list("pk", flat=True))


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def _user_label(user: User | None) -> str:
    return str(user) if user is not None else ""


def visible_flag(user: User, model, field: str) -> Exists:
    """Whether the record a row names in ``field`` (of another compartment, perhaps) is one
    ``user`` may see: an annotation, so a list shows that record's label only then."""
    return Exists(model.objects.visible_to(user).filter(pk=OuterRef(field)))


def with_visible_subject(user: User, queryset):
    """Priorities marked with whether ``user`` may see the entity each is about
    (``Priority.subject_display`` names it only then)."""
    return queryset.annotate(subject_entity_visible=visible_flag(user, Entity, "subject_entity_id"))


def requirements_with_coverage(user: User, queryset=None):
    """Requirements annotated with the number of answering reports the user may see, and
    whether the user may see the priority they serve (``priority_visible``)."""
    queryset = queryset if queryset is not None else Requirement.objects.visible_to(user)
    visible_reports = Report.objects.visible_to(user).values("pk")
    return queryset.annotate(
        answer_count=Count("answers", filter=Q(answers__report__in=visible_reports), distinct=True),
        priority_visible=visible_flag(user, Priority, "priority_id"),
    )


def coverage_of(rows) -> dict:
    """Share of requirements with at least one answering report, and reports linked."""
    total = len(rows)
    answered = sum(1 for r in rows if r["answers"] > 0)
    return {
        "total": total,
        "answered": answered,
        "share": round(100 * answered / total) if total else None,
        "reports": sum(r["answers"] for r in rows),
    }


@dataclass
class Agenda:
    built_at: datetime | None  # None: a stored agenda that did not say when it was built
    since: datetime | None
    previous_meeting: int | None
    sections: dict[str, list[dict]] = field(default_factory=dict)
    live: bool = True

    def as_snapshot(self) -> dict:
        return {
            "built_at": _iso(self.built_at),
            "since": _iso(self.since),
            "previous_meeting": self.previous_meeting,
            "sections": self.sections,
        }

    @property
    def coverage(self) -> dict:
        return coverage_of(self.sections.get("requirements", []))

    @property
    def overdue_count(self) -> int:
        return sum(1 for t in self.sections.get("taskings", []) if t.get("overdue"))


def build_agenda(meeting: Meeting, user: User, *, now=None) -> Agenda:
    """What the meeting should consider, as ``user`` may see it, at ``now``."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    previous = Meeting.objects.visible_to(user).previous_of_kind(meeting).first()
    since = previous.scheduled_for if previous else None

    products = Product.objects.visible_to(user).filter(
        submitted_at__isnull=False, submitted_at__lte=now
    )
    if since is not None:
        products = products.filter(submitted_at__gt=since)
    products = products.select_related("compartment", "author").order_by("-submitted_at", "-pk")

    priorities = Priority.objects.visible_to(user).select_related("proposed_by", "compartment")
    candidates = priorities.filter(status=PriorityStatus.CANDIDATE).ranked()
    reviews = priorities.due_for_review(timezone.localdate(meeting.scheduled_for)).ranked()

    taskings = (
        Tasking.objects.visible_to(user)
        .active()
        .select_related("owner_user", "owner_unit", "priority")
        .annotate(priority_visible=visible_flag(user, Priority, "priority_id"))
        .order_by("due_date", "pk")
    )
    requirements = (
        requirements_with_coverage(
            user, Requirement.objects.visible_to(user).filter(status=RequirementStatus.OPEN)
        )
        .select_related("priority", "assigned_unit", "assigned_to")
        .order_by("due_date", "pk")
    )
    limit = AGENDA_SECTION_LIMIT
    sections = {
        "products": [
            {
                "id": p.pk,
                "reference": p.reference,
                "title": p.title,
                "kind": p.get_kind_display(),
                "status": p.get_status_display(),
                "submitted_at": _iso(p.submitted_at),
                "author": _user_label(p.author),
            }
            for p in products[:limit]
        ],
        "candidates": [_priority_row(p) for p in candidates[:limit]],
        "reviews": [_priority_row(p) for p in reviews[:limit]],
        "taskings": [
            {
                "id": t.pk,
                "title": t.title,
                "owner": t.owner_display,
                "due_date": _iso(t.due_date),
                "status": t.get_status_display(),
                "overdue": t.due_date < today,
                "priority": t.priority.title if t.priority_visible else "",
                "priority_id": t.priority_id,
            }
            for t in taskings[:limit]
        ],
        "requirements": [
            {
                "id": r.pk,
                "question": r.question,
                "due_date": _iso(r.due_date),
                "overdue": r.due_date < today,
                "assigned": " / ".join(
                    str(x) for x in (r.assigned_to, r.assigned_unit) if x is not None
                ),
                "answers": r.answer_count,
                "priority": r.priority.title if r.priority_id and r.priority_visible else "",
                "priority_id": r.priority_id,
            }
            for r in requirements[:limit]
        ],
    }
    return Agenda(
        built_at=now,
        since=since,
        previous_meeting=previous.pk if previous else None,
        sections=sections,
    )


def _priority_row(p: Priority) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "subject": p.get_subject_kind_display(),
        "score": str(p.score) if p.score is not None else None,
        "band": p.score_band,
        "confidence": (p.score_breakdown or {}).get("confidence_label", ""),
        "proposed_by": _user_label(p.proposed_by),
        "proposed_by_id": p.proposed_by_id,
        "review_due": _iso(p.review_due),
    }


def agenda_for(meeting: Meeting, user: User) -> Agenda:
    """A planned meeting's agenda is built live; an opened one shows its stored snapshot,
    re-checked item by item against what ``user`` may see."""
    if meeting.status == MeetingStatus.PLANNED or not meeting.agenda:
        return build_agenda(meeting, user)
    stored = meeting.agenda
    sections = {}
    for name, model in AGENDA_SECTIONS.items():
        rows = stored.get("sections", {}).get(name, [])
        allowed = visible_pks(user, model, [row.get("id") for row in rows])
        sections[name] = [row for row in rows if row.get("id") in allowed]
    # A tasking or requirement may serve a priority of another compartment: its title was
    # stored as the opener saw it, and is shown only to those who may see that priority.
    serving = [*sections["taskings"], *sections["requirements"]]
    priorities = visible_pks(user, Priority, [row.get("priority_id") for row in serving])
    for name in ("taskings", "requirements"):
        sections[name] = [
            row if row.get("priority_id") in priorities else {**row, "priority": ""}
            for row in sections[name]
        ]
    return Agenda(
        built_at=datetime.fromisoformat(stored["built_at"]) if stored.get("built_at") else None,
        since=datetime.fromisoformat(stored["since"]) if stored.get("since") else None,
        previous_meeting=stored.get("previous_meeting"),
        sections=sections,
        live=False,
    )


def visible_decisions(user: User, meeting: Meeting | None = None):
    """Decisions the user may see; ``meeting_visible`` says whether the meeting may be named
    too (a decision is kept in its subject's compartment, not always the meeting's)."""
    queryset = (
        Decision.objects.visible_to(user)
        .select_related(
            "meeting", "decided_by", "priority", "tasking", "product", "requirement", "amends"
        )
        .annotate(meeting_visible=visible_flag(user, Meeting, "meeting_id"))
    )
    if meeting is not None:
        queryset = queryset.filter(meeting=meeting)
    return queryset


def decisions_with_evidence(user: User, queryset):
    """Decisions with only the evidence the user may see prefetched."""
    return queryset.prefetch_related(
        Prefetch(
            "evidence_products",
            queryset=Product.objects.visible_to(user).only("pk", "reference", "title"),
            to_attr="visible_products",
        ),
        Prefetch(
            "evidence_reports",
            queryset=Report.objects.visible_to(user).only("pk", "urn"),
            to_attr="visible_reports",
        ),
    )


def control_strategy(user: User) -> dict:
    """Approved priorities by strand, each with the products (visible to ``user``) behind it
    and its active taskings in that strand."""
    priorities = list(
        Priority.objects.visible_to(user)
        .filter(status=PriorityStatus.APPROVED)
        .select_related("crime_type", "subject_entity", "decided_at_meeting")
        .prefetch_related(
            Prefetch(
                "evidence_products",
                queryset=Product.objects.visible_to(user).only(
                    "pk", "reference", "title", "status", "kind"
                ),
                to_attr="visible_products",
            ),
            Prefetch(
                "taskings",
                queryset=Tasking.objects.visible_to(user)
                .active()
                .select_related("owner_user", "owner_unit"),
                to_attr="active_taskings",
            ),
        )
        .ranked()
    )
    strands = []
    for value, label in Strand.choices:
        rows = []
        for priority in priorities:
            taskings = [t for t in priority.active_taskings if t.strand == value]
            plan = priority.plan(value)
            if plan or taskings:
                rows.append({"priority": priority, "plan": plan, "taskings": taskings})
        strands.append({"value": value, "label": label, "rows": rows})
    return {"priorities": priorities, "strands": strands}


FLAGGED_CELLS = "cells_significant_only_with_police_found_records"


def feedback_loop_flags(user: User, products: list) -> list[dict]:
    """The analyses these products cite (those ``user`` may see) whose hot spots rest on
    incidents found by police activity: the feedback-loop check's flag, carried to whatever
    decision cites the product. One query on the citations, reading one key of each result."""
    if not products:
        return []
    rows = (
        Citation.objects.filter(
            product__in=[p.pk for p in products],
            kind=CitationKind.JOB,
            job__in=AnalysisJob.objects.visible_to(user).values("pk"),
        )
        .values_list("product_id", "job_id", f"job__result__summary__{FLAGGED_CELLS}")
        .order_by("product_id", "job_id")
        .distinct()
    )
    by_pk = {p.pk: p for p in products}
    return [
        {"product": by_pk[product_id], "job_id": job_id, "cells": int(cells)}
        for product_id, job_id, cells in rows
        if isinstance(cells, int | float) and cells > 0
    ]


def visible_evidence(user: User, obj, products_attr: str, reports_attr: str | None = None) -> dict:
    """Products and reports linked to ``obj`` that ``user`` may see, with the feedback-loop
    flags of the analyses those products cite."""
    result: dict = {
        "products": list(
            getattr(obj, products_attr).filter(pk__in=Product.objects.visible_to(user).values("pk"))
        )
    }
    result["feedback_loop"] = feedback_loop_flags(user, result["products"])
    if reports_attr:
        result["reports"] = list(
            getattr(obj, reports_attr).filter(pk__in=Report.objects.visible_to(user).values("pk"))
        )
    return result
