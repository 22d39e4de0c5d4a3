"""The minutes of a tasking meeting, as one person may see them: the attendees, the decisions
and the actions raised at the meeting (requirements and taskings), each numbered once.

The meeting page, the HTML export and the PDF all read :func:`build`, so a decision or an
action carries the same number everywhere ("D1", "A1", in the order recorded).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Q

from tasking import selectors
from tasking.models import Meeting, Requirement, Tasking


@dataclass
class Action:
    """A requirement or a tasking raised at (or decided for) the meeting."""

    number: str
    kind: str  # "requirement" or "tasking"
    record: Any
    title: str
    owner: str
    due_date: date
    status: str
    url: str


@dataclass
class Minutes:
    meeting: Meeting
    attendees: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    def ids(self) -> dict[str, list[int]]:
        """What the minutes name, for the audit event of their consultation or export."""
        return {
            "decision_ids": [d.pk for d in self.decisions],
            "requirement_ids": [a.record.pk for a in self.actions if a.kind == "requirement"],
            "tasking_ids": [a.record.pk for a in self.actions if a.kind == "tasking"],
        }


def _requirement_owner(requirement: Requirement) -> str:
    parts = [str(p) for p in (requirement.assigned_to, requirement.assigned_unit) if p is not None]
    return " / ".join(parts)


def actions(meeting: Meeting, user) -> list[Action]:
    """Requirements and taskings raised at the meeting, or the subject of one of its decisions,
    that ``user`` may see; requirements first, each kind in the order raised."""
    decided = selectors.visible_decisions(user, meeting)
    requirements = (
        Requirement.objects.visible_to(user)
        .filter(
            Q(raised_at_meeting=meeting)
            | Q(pk__in=decided.filter(requirement__isnull=False).values("requirement_id"))
        )
        .select_related("assigned_to", "assigned_unit")
        .order_by("created_at", "id")
    )
    taskings = (
        Tasking.objects.visible_to(user)
        .filter(
            Q(raised_at_meeting=meeting)
            | Q(pk__in=decided.filter(tasking__isnull=False).values("tasking_id"))
        )
        .select_related("owner_user", "owner_unit")
        .order_by("created_at", "id")
    )
    found: list[Action] = []
    for r in requirements:
        found.append(
            Action(
                number="",
                kind="requirement",
                record=r,
                title=r.question,
                owner=_requirement_owner(r),
                due_date=r.due_date,
                status=r.get_status_display(),
                url=r.get_absolute_url(),
            )
        )
    for t in taskings:
        found.append(
            Action(
                number="",
                kind="tasking",
                record=t,
                title=t.title,
                owner=t.owner_display,
                due_date=t.due_date,
                status=t.get_status_display(),
                url=t.get_absolute_url(),
            )
        )
    for index, action in enumerate(found, start=1):
        action.number = f"A{index}"
    return found


def build(meeting: Meeting, user) -> Minutes:
    decisions = list(
        selectors.decisions_with_evidence(user, selectors.visible_decisions(user, meeting))
    )
    for index, decision in enumerate(decisions, start=1):
        decision.number = f"D{index}"
    return Minutes(
        meeting=meeting,
        attendees=list(meeting.attendees.order_by("last_name", "first_name", "username")),
        decisions=decisions,
        actions=actions(meeting, user),
    )
