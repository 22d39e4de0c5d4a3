"""The control strategy flowing down: a higher level's approved priority issued to the units
below.

A manager of the unit whose control strategy holds the priority (a priority's unit is its
compartment's) issues it to chosen units below. Each receiving unit gets its own priority in its
intake compartment (``issued_from`` names the original, masked for readers who cannot see it), a
candidate with the original's title, description, subject and plans. A manager of the receiving
unit adopts it at one of the unit's open meetings (approved, and a decision in the log) or
declines it, saying why (rejected). Once adopted it is a priority of the unit's control strategy
like any other: the unit tasks against it. The issuing level sees, per unit, whether its copy was
adopted, declined or is waiting, and how many taskings it has (counts only: nothing of the
records below). The checks shared with requirements issued down are ``sharing.levels``'.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Case, Count, F, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import Unit
from ilp_platform.core.errors import StateConflict
from ilp_platform.core.references import stored
from sharing import levels
from tasking.choices import DEFAULT_PRIORITY_REVIEW_DAYS, DecisionSubject, PriorityStatus
from tasking.models import Meeting, Priority
from tasking.services import _create_decision, _open_meeting

# The issuing level's words for the state of each unit's copy.
ADOPTED, DECLINED, WAITING = "adopted", "declined", "waiting"
STATES = {
    PriorityStatus.APPROVED: ADOPTED,
    PriorityStatus.REJECTED: DECLINED,
    PriorityStatus.CANDIDATE: WAITING,
}
STATE_LABELS = {
    ADOPTED: gettext_lazy("Adopted"),
    DECLINED: gettext_lazy("Declined"),
    WAITING: gettext_lazy("Waiting"),
}
# What travels down with an issued priority (the subject is chosen separately: an entity the
# receiving unit cannot see stays behind).
COPIED_FIELDS = (
    "title",
    "description",
    "subject_kind",
    "crime_type",
    "intelligence_plan",
    "prevention_plan",
    "enforcement_plan",
    "reassurance_plan",
)


def priority_unit(priority: Priority) -> Unit | None:
    """The unit whose control strategy holds ``priority``: its compartment's unit."""
    return Unit.objects.filter(compartments=priority.compartment_id).first()


def issuing_unit(priority: Priority) -> Unit | None:
    """For a priority issued from above: the unit that issued it (a unit's name is not secret;
    the issuing level's priority itself is read here only to find its unit)."""
    original = stored(priority, "issued_from")
    return priority_unit(original) if original is not None else None


def units_below(priority: Priority) -> list[Unit]:
    """The units ``priority`` may be issued to: every unit below its unit."""
    return levels.below(priority_unit(priority))


def may_issue(priority: Priority, user: Any) -> bool:
    """Whether ``user`` is offered to issue ``priority`` down: a manager of its unit, the
    priority approved, units below it. (The service checks again.)"""
    if priority.status != PriorityStatus.APPROVED or not user.has_perm("tasking.approve_priority"):
        return False
    unit = priority_unit(priority)
    return bool(
        unit is not None and unit.pk == getattr(user, "unit_id", None) and levels.below(unit)
    )


def _visible(priority: Priority, actor: Any) -> None:
    if not Priority.objects.visible_to(actor).filter(pk=priority.pk).exists():
        raise ValidationError({"priority": [_("Unknown priority.")]})


def _subject(priority: Priority, unit: Unit) -> dict[str, Any]:
    """The subject of the copy for ``unit``: the entity travels only when it is of the
    receiving unit's own compartments; otherwise its label alone (or the priority's title)."""
    entity = stored(priority, "subject_entity")
    if entity is not None and entity.compartment.unit_id == unit.pk:
        return {"subject_entity": entity, "subject_label": priority.subject_label}
    label = priority.subject_label
    if entity is not None and not label.strip():
        label = priority.title
    return {"subject_entity": None, "subject_label": label}


@action("tasking.approve_priority")
def issue_priority_down(priority: Priority, *, actor, units: Iterable[Unit]) -> Priority:
    """Disclosure of an approved priority to ``units`` below; a candidate copy in each unit's
    intake, which its managers adopt or decline."""
    units = list(units)
    _visible(priority, actor)
    errors: dict[str, list[str]] = {}
    if priority.status != PriorityStatus.APPROVED:
        errors.setdefault("status", []).append(
            _("Only an approved priority (one of the control strategy) is issued down.")
        )
    unit = priority_unit(priority)
    if unit is None:
        errors.setdefault("priority", []).append(
            _("The priority's compartment belongs to no unit, so it has no units below.")
        )
    elif unit.pk != getattr(actor, "unit_id", None):
        errors.setdefault("priority", []).append(
            _("Only a manager of %(unit)s issues its priorities down.") % {"unit": unit.name}
        )
    intakes = levels.receiving_intakes(
        errors,
        units,
        below_ids={u.pk for u in levels.below(unit)},
        already_ids=set(
            Priority.objects.filter(issued_from=priority).values_list(
                "compartment__unit_id", flat=True
            )
        ),
        already=_("%(unit)s has this priority already."),
        no_intake=_("%(unit)s has no compartment to receive priorities in."),
    )
    if errors:
        raise ValidationError(errors)
    copies = []
    for receiving in units:
        copy = Priority(
            **{name: getattr(priority, name) for name in COPIED_FIELDS},
            **_subject(priority, receiving),
            compartment=intakes[receiving.pk],
            status=PriorityStatus.CANDIDATE,
            proposed_by=actor,
            issued_from=priority,
        )
        copy.save()
        levels.record_copy(
            copy, priority, receiving, actor, "priority", subject_entity=copy.subject_entity_id
        )
        copies.append(copy)
    levels.record_issued(priority, copies, units, actor, "priority")
    return priority


def _check_receiving(priority: Priority, actor, errors: dict[str, list[str]]) -> Unit | None:
    """Checks common to adopting and declining: a priority issued from above, decided by a
    manager of the unit it was issued to (else a refusal at once), still waiting (else a
    conflict). Returns the issuing unit."""
    _visible(priority, actor)
    if stored(priority, "issued_from") is None:
        errors.setdefault("priority", []).append(
            _("Only a priority issued from a higher level is adopted or declined here.")
        )
        raise ValidationError(errors)
    if priority.compartment.unit_id is None or priority.compartment.unit_id != getattr(
        actor, "unit_id", None
    ):
        errors.setdefault("priority", []).append(
            _("Only a manager of the unit it was issued to adopts or declines it.")
        )
        raise ValidationError(errors)
    if priority.status != PriorityStatus.CANDIDATE:
        raise StateConflict(
            _("Your unit has adopted or declined this priority already."), field="status"
        )
    return issuing_unit(priority)


@action("tasking.approve_priority")
def adopt_priority(priority: Priority, *, actor, meeting: Meeting | None) -> Priority:
    """A manager of the receiving unit adopts the priority into the unit's control strategy at
    one of the unit's open meetings: it is approved, and the decision enters the log."""
    errors: dict[str, list[str]] = {}
    issuer = _check_receiving(priority, actor, errors)
    if meeting is None:
        errors.setdefault("meeting", []).append(
            _("Choose the open meeting at which your unit adopts it.")
        )
    else:
        _open_meeting(errors, meeting, actor)
        if "meeting" not in errors and meeting.compartment.unit_id != getattr(
            actor, "unit_id", None
        ):
            errors.setdefault("meeting", []).append(_("Adopt it at a meeting of your own unit."))
    if errors:
        raise ValidationError(errors)
    assert meeting is not None
    now = timezone.now()
    old = priority.status
    priority.status = PriorityStatus.APPROVED
    priority.decided_by = actor
    priority.decided_at = now
    priority.decided_at_meeting = meeting
    priority.decision_rationale = _("Adopted from %(unit)s's control strategy") % {
        "unit": issuer.name if issuer is not None else _("a higher level")
    }
    priority.review_due = priority.review_due or (
        now.date() + timedelta(days=DEFAULT_PRIORITY_REVIEW_DAYS)
    )
    priority.save()
    audit.record(
        Action.UPDATE,
        obj=priority,
        actor=actor,
        details={
            "operation": "adopt",
            "meeting": meeting.pk,
            "changes": {"status": [old, priority.status]},
            "rationale": priority.decision_rationale,
            "issued_from": priority.issued_from_id,
        },
    )
    _create_decision(
        meeting=meeting,
        actor=actor,
        subject_kind=DecisionSubject.PRIORITY,
        subject=priority,
        decision=_("Priority adopted from a higher level: %(title)s") % {"title": priority.title},
        rationale=priority.decision_rationale,
        compartment=priority.compartment,
    )
    return priority


@action("tasking.approve_priority")
def decline_priority(priority: Priority, *, actor, reason: str) -> Priority:
    """A manager of the receiving unit declines the priority, saying why: it is rejected and
    stays out of the unit's control strategy."""
    errors: dict[str, list[str]] = {}
    _check_receiving(priority, actor, errors)
    if not (reason or "").strip():
        errors.setdefault("reason", []).append(_("Say why your unit declines it."))
    if errors:
        raise ValidationError(errors)
    old = priority.status
    priority.status = PriorityStatus.REJECTED
    priority.decided_by = actor
    priority.decided_at = timezone.now()
    priority.decision_rationale = reason.strip()
    priority.save()
    audit.record(
        Action.UPDATE,
        obj=priority,
        actor=actor,
        details={
            "operation": "decline",
            "changes": {"status": [old, priority.status]},
            "rationale": priority.decision_rationale,
            "issued_from": priority.issued_from_id,
        },
    )
    return priority


def progress_below(priority: Priority) -> list[dict[str, Any]]:
    """Per unit the priority was issued to: adopted, declined or waiting, when it was decided,
    and how many taskings the unit made against its copy. Counts only, read by the platform
    for the issuing level: no record of the unit below is shown."""
    copies = (
        Priority.objects.filter(issued_from=priority)
        .annotate(taskings_below=Count("taskings", distinct=True))
        .values(
            "compartment__unit_id",
            "compartment__unit__name",
            "compartment__unit__level",
            "status",
            "decided_at",
            "taskings_below",
        )
        .order_by("compartment__unit__name", "pk")
    )
    return [
        {
            "unit": row["compartment__unit_id"],
            "unit_name": row["compartment__unit__name"],
            "level": row["compartment__unit__level"],
            "state": STATES[row["status"]],
            "state_label": STATE_LABELS[STATES[row["status"]]],
            "decided_at": row["decided_at"],
            "taskings": row["taskings_below"],
        }
        for row in copies
    ]


def from_above(user: Any):
    """The priorities issued to ``user``'s compartments from above, waiting ones first, each
    with the name of the unit that issued it."""
    return (
        Priority.objects.visible_to(user)
        .filter(issued_from__isnull=False)
        .annotate(
            issuing_unit_name=F("issued_from__compartment__unit__name"),
            waiting=Case(
                When(status=PriorityStatus.CANDIDATE, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .select_related("compartment__unit")
        .order_by("waiting", "-pk")
    )
