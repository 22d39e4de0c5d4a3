"""The actions that change tasking records: one function per use case.

Each is an ``@action`` (``audit.actions``: the actor's role checked, one transaction, the audit
scope, the result re-checked through ``visible_to``), validates its input (``ValidationError``
with messages by field) and writes its audit event in that transaction. A change the record's
state forbids (a closed meeting, a priority already decided) raises
:class:`ilp_platform.core.errors.StateConflict`, which the API answers with 409.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from analysis.models import Product
from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import Compartment, User
from ilp_platform.core import events
from ilp_platform.core.references import stored, stored_values
from intelligence.models import Report
from intelligence.services.reports import create_report
from tasking import scoring
from tasking.choices import (
    DEFAULT_PRIORITY_REVIEW_DAYS,
    DecisionSubject,
    ExtensionStatus,
    MeetingStatus,
    PriorityStatus,
    RequirementStatus,
    Strand,
    SubjectKind,
    TaskingStatus,
)
from tasking.models import (
    LOCKED_MESSAGE,
    Decision,
    ExtensionRequest,
    Meeting,
    Priority,
    Requirement,
    RequirementAnswer,
    StateConflict,
    Tasking,
)

MEETING_FIELDS = ("kind", "title", "scheduled_for", "location", "chair", "compartment", "notes")
PRIORITY_FIELDS = (
    "title",
    "description",
    "subject_kind",
    "crime_type",
    "subject_entity",
    "subject_label",
    "compartment",
    "intelligence_plan",
    "prevention_plan",
    "enforcement_plan",
    "reassurance_plan",
    "review_due",
)
REQUIREMENT_FIELDS = (
    "question",
    "detail",
    "priority",
    "due_date",
    "assigned_unit",
    "assigned_to",
    "compartment",
    "status",
)
TASKING_FIELDS = (
    "title",
    "detail",
    "priority",
    "requirement",
    "strand",
    "owner_user",
    "owner_unit",
    "due_date",
    "compartment",
    "status",
)


def _add(errors: dict, field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _check_compartment(errors: dict, compartment, actor: User) -> None:
    if compartment is None:
        _add(errors, "compartment", _("Choose the compartment the record belongs to."))
    elif not Compartment.objects.visible_to(actor).filter(pk=compartment.pk).exists():
        _add(errors, "compartment", _("You do not hold this compartment."))


def _check_visible(errors: dict, field: str, model, objs, actor: User) -> list:
    """Every object must be visible to the actor; otherwise it is named as unknown."""
    objs = [o for o in (objs or []) if o is not None]
    if not objs:
        return []
    visible = set(
        model.objects.visible_to(actor)
        .filter(pk__in=[o.pk for o in objs])
        .values_list("pk", flat=True)
    )
    for obj in objs:
        if obj.pk not in visible:
            _add(errors, field, _("Unknown record %(id)s.") % {"id": obj.pk})
    return objs


def _open_meeting(errors: dict, meeting, actor: User, field: str = "meeting") -> None:
    if meeting is None:
        return
    if not Meeting.objects.visible_to(actor).filter(pk=meeting.pk).exists():
        _add(errors, field, _("Unknown meeting."))
    elif meeting.status != MeetingStatus.OPEN:
        raise StateConflict(
            _("The meeting is %(status)s; this can only be done while it is open.")
            % {"status": meeting.get_status_display().lower()},
            field=field,
        )


def _fields(obj, names) -> dict:
    """The named fields of ``obj`` as an event holds them (personal values as digests)."""
    ignored = set(getattr(type(obj), "audit_ignored_fields", ()))
    snapshot = audit.snapshot(obj, ignore=tuple(ignored))
    wanted = set(names) | {f"{name}_id" for name in names}
    return {key: value for key, value in snapshot.items() if key in wanted}


def _set(obj, data: dict, names) -> None:
    for name in names:
        if name in data:
            value = data[name]
            if isinstance(value, str):
                value = value.strip()
            setattr(obj, name, value)


# --- Meetings ---------------------------------------------------------------------------------


def _check_meeting(data: dict, actor: User) -> None:
    errors: dict[str, list[str]] = {}
    if not (data.get("title") or "").strip():
        _add(errors, "title", _("Give the meeting a title."))
    if data.get("kind") not in ("strategic", "tactical"):
        _add(errors, "kind", _("Choose strategic or tactical."))
    if data.get("scheduled_for") is None:
        _add(errors, "scheduled_for", _("Give the date and time of the meeting."))
    if data.get("chair") is None:
        _add(errors, "chair", _("Name the chair."))
    _check_compartment(errors, data.get("compartment"), actor)
    if errors:
        raise ValidationError(errors)


@action("tasking.add_meeting")
def create_meeting(*, actor: User, data: dict, attendees: Iterable = ()) -> Meeting:
    """Plan a tasking meeting (status planned)."""
    _check_meeting(data, actor)
    attendees = list(attendees)
    meeting = Meeting(created_by=actor)
    _set(meeting, data, MEETING_FIELDS)
    meeting.save()
    meeting.attendees.set(attendees)
    audit.record(
        Action.CREATE,
        obj=meeting,
        details={
            "fields": _fields(meeting, MEETING_FIELDS),
            "attendees": [u.pk for u in attendees],
        },
    )
    return meeting


@action("tasking.change_meeting")
def update_meeting(meeting: Meeting, *, actor: User, data: dict, attendees=None) -> Meeting:
    if meeting.is_closed:
        raise StateConflict(_("A closed meeting cannot be changed."))
    merged = stored_values(meeting, MEETING_FIELDS)
    merged.update(data)
    _check_meeting(merged, actor)
    before = _fields(meeting, MEETING_FIELDS)
    _set(meeting, data, MEETING_FIELDS)
    meeting.save()
    details: dict[str, Any] = {"changes": audit.diff(before, _fields(meeting, MEETING_FIELDS))}
    if attendees is not None:
        attendees = list(attendees)
        meeting.attendees.set(attendees)
        details["attendees"] = [u.pk for u in attendees]
    audit.record(Action.UPDATE, obj=meeting, details=details)
    return meeting


@action("tasking.change_meeting")
def open_meeting(meeting: Meeting, *, actor: User) -> Meeting:
    """Open the meeting: its agenda is built from the system's data and stored as a snapshot."""
    from tasking.selectors import build_agenda

    if meeting.status != MeetingStatus.PLANNED:
        raise StateConflict(
            _("Only a planned meeting can be opened; this one is %(status)s.")
            % {"status": meeting.get_status_display().lower()},
            field="status",
        )
    now = timezone.now()
    meeting.agenda = build_agenda(meeting, actor, now=now).as_snapshot()
    meeting.status = MeetingStatus.OPEN
    meeting.opened_at = now
    meeting.opened_by = actor
    meeting.save(update_fields=["agenda", "status", "opened_at", "opened_by", "updated_at"])
    audit.record(
        Action.UPDATE,
        obj=meeting,
        details={
            "operation": "open",
            "changes": {"status": [MeetingStatus.PLANNED, MeetingStatus.OPEN]},
            "agenda_counts": {k: len(v) for k, v in meeting.agenda.get("sections", {}).items()},
        },
    )
    return meeting


@action("tasking.change_meeting")
def close_meeting(meeting: Meeting, *, actor: User) -> Meeting:
    """Close the meeting: from now on its decisions are read-only."""
    if meeting.status != MeetingStatus.OPEN:
        raise StateConflict(
            _("Only an open meeting can be closed; this one is %(status)s.")
            % {"status": meeting.get_status_display().lower()},
            field="status",
        )
    meeting.status = MeetingStatus.CLOSED
    meeting.closed_at = timezone.now()
    meeting.closed_by = actor
    meeting.save(update_fields=["status", "closed_at", "closed_by", "updated_at"])
    audit.record(
        Action.UPDATE,
        obj=meeting,
        details={
            "operation": "close",
            "changes": {"status": [MeetingStatus.OPEN, MeetingStatus.CLOSED]},
            "decisions": list(meeting.decisions.values_list("pk", flat=True)),
        },
    )
    return meeting


# --- Priorities -------------------------------------------------------------------------------


def _check_priority(data: dict, actor: User) -> None:
    errors: dict[str, list[str]] = {}
    if not (data.get("title") or "").strip():
        _add(errors, "title", _("Give the priority a title."))
    kind = data.get("subject_kind")
    if kind not in SubjectKind.values:
        _add(errors, "subject_kind", _("Choose a crime type, group, place or theme."))
    elif kind == SubjectKind.CRIME_TYPE and data.get("crime_type") is None:
        _add(errors, "crime_type", _("Choose the crime type this priority is about."))
    elif kind == SubjectKind.GROUP:
        entity = data.get("subject_entity")
        if entity is None and not (data.get("subject_label") or "").strip():
            _add(errors, "subject_entity", _("Choose the group or entity, or name it."))
        if entity is not None:
            _check_visible(errors, "subject_entity", type(entity), [entity], actor)
    elif (
        kind in (SubjectKind.PLACE, SubjectKind.THEME)
        and not (data.get("subject_label") or "").strip()
    ):
        _add(errors, "subject_label", _("Name the place or theme."))
    _check_compartment(errors, data.get("compartment"), actor)
    if errors:
        raise ValidationError(errors)


def _apply_score(priority: Priority, actor: User, matrix: str, inputs: dict) -> scoring.ScoreResult:
    try:
        result = scoring.score(matrix, inputs)
    except ValidationError as exc:
        # Name each factor as the field at fault; the page and API show them beside the inputs.
        raise ValidationError(
            {f"score_inputs.{k}" if k != "matrix" else k: v for k, v in exc.message_dict.items()}
        ) from None
    priority.matrix = result.matrix
    priority.score_inputs = result.inputs
    priority.score_breakdown = result.breakdown()
    priority.score = result.score
    priority.score_band = result.band
    priority.confidence = result.confidence
    priority.scored_by = actor
    priority.scored_at = timezone.now()
    return result


@action("tasking.add_priority")
def propose_priority(
    *,
    actor: User,
    data: dict,
    evidence_products: Iterable[Product] = (),
    matrix: str | None = None,
    inputs: dict | None = None,
) -> Priority:
    """A candidate priority, optionally scored at once."""
    _check_priority(data, actor)
    errors: dict[str, list[str]] = {}
    products = _check_visible(errors, "evidence_products", Product, list(evidence_products), actor)
    if errors:
        raise ValidationError(errors)
    priority = Priority(proposed_by=actor)
    _set(priority, data, PRIORITY_FIELDS)
    if inputs is not None:
        _apply_score(priority, actor, matrix or scoring.default_matrix_key(), inputs)
    priority.save()
    priority.evidence_products.set(products)
    audit.record(
        Action.CREATE,
        obj=priority,
        details={
            "fields": _fields(priority, PRIORITY_FIELDS),
            "evidence_products": [p.pk for p in products],
        },
    )
    return priority


@action("tasking.change_priority")
def update_priority(
    priority: Priority,
    *,
    actor: User,
    data: dict,
    evidence_products: Iterable[Product] | None = None,
) -> Priority:
    """Edit a priority's description, subject, plans, review date or evidence."""
    if "status" in data:
        raise ValidationError({"status": [_("Approve or reject at a meeting instead.")]})
    merged = stored_values(priority, PRIORITY_FIELDS)
    merged.update(data)
    _check_priority(merged, actor)
    errors: dict[str, list[str]] = {}
    products = None
    if evidence_products is not None:
        products = _check_visible(
            errors, "evidence_products", Product, list(evidence_products), actor
        )
    if errors:
        raise ValidationError(errors)
    before = _fields(priority, PRIORITY_FIELDS)
    _set(priority, data, PRIORITY_FIELDS)
    priority.save()
    details: dict[str, Any] = {"changes": audit.diff(before, _fields(priority, PRIORITY_FIELDS))}
    if products is not None:
        # Only the products the actor can see are replaced; others stay as they were.
        hidden = list(
            priority.evidence_products.exclude(
                pk__in=Product.objects.visible_to(actor).values("pk")
            )
        )
        priority.evidence_products.set([*products, *hidden])
        details["evidence_products"] = [p.pk for p in products]
    audit.record(Action.UPDATE, obj=priority, details=details)
    return priority


@action("tasking.change_priority")
def score_priority(priority: Priority, *, actor: User, matrix: str, inputs: dict) -> Priority:
    """Score (or re-score) a priority; the inputs and the working are kept with it."""
    if priority.status == PriorityStatus.REJECTED:
        raise StateConflict(_("A rejected priority is not scored again."), field="status")
    before = {
        "matrix": priority.matrix,
        "inputs": priority.score_inputs,
        "score": priority.score,
    }
    result = _apply_score(priority, actor, matrix, inputs)
    priority.save()
    audit.record(
        Action.UPDATE,
        obj=priority,
        details={
            "operation": "score",
            "before": before,
            "matrix": result.matrix,
            "inputs": result.inputs,
            "score": result.score,
            "band": result.band,
            "confidence": result.confidence,
        },
    )
    return priority


@action("tasking.approve_priority")
def decide_priority(
    priority: Priority,
    *,
    actor: User,
    meeting: Meeting,
    approve: bool,
    rationale: str,
    review_due=None,
    evidence_reports: Iterable[Report] = (),
) -> Decision:
    """Approve or reject a candidate at an open meeting; the decision enters the log.

    The manager deciding is never the person who proposed the candidate.
    """
    errors: dict[str, list[str]] = {}
    _open_meeting(errors, meeting, actor)
    if priority.status != PriorityStatus.CANDIDATE:
        raise StateConflict(
            _("This priority was already %(status)s.")
            % {"status": priority.get_status_display().lower()},
            field="status",
        )
    if priority.proposed_by_id == actor.pk:
        _add(
            errors,
            "non_field_errors",
            _(
                "You proposed this candidate, so you cannot decide on it: another manager "
                "approves or rejects it."
            ),
        )
    if not (rationale or "").strip():
        _add(errors, "rationale", _("Give the rationale for the decision."))
    if approve and priority.score is None:
        _add(errors, "score", _("Score the candidate before approving it."))
    reports = _check_visible(errors, "evidence_reports", Report, list(evidence_reports), actor)
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    old = priority.status
    priority.status = PriorityStatus.APPROVED if approve else PriorityStatus.REJECTED
    priority.decided_by = actor
    priority.decided_at = now
    priority.decided_at_meeting = meeting
    priority.decision_rationale = rationale.strip()
    if approve:
        priority.review_due = (
            review_due
            or priority.review_due
            or (now.date() + timedelta(days=DEFAULT_PRIORITY_REVIEW_DAYS))
        )
    priority.save()
    audit.record(
        Action.UPDATE,
        obj=priority,
        details={
            "operation": "approve" if approve else "reject",
            "meeting": meeting.pk,
            "changes": {"status": [old, priority.status]},
            "rationale": priority.decision_rationale,
        },
    )
    products = list(
        priority.evidence_products.filter(pk__in=Product.objects.visible_to(actor).values("pk"))
    )
    text = (_("Priority approved: %(title)s") if approve else _("Priority rejected: %(title)s")) % {
        "title": priority.title
    }
    decision = _create_decision(
        meeting=meeting,
        actor=actor,
        subject_kind=DecisionSubject.PRIORITY,
        subject=priority,
        decision=text,
        rationale=priority.decision_rationale,
        compartment=priority.compartment,
        evidence_products=products,
        evidence_reports=reports,
    )
    return decision


# --- Intelligence requirements ----------------------------------------------------------------


def _check_due_date(errors: dict, due, previous=None) -> None:
    """A deadline set or changed must not lie in the past (one kept unchanged may, once the
    work is overdue)."""
    if due is not None and due != previous and due < timezone.localdate():
        _add(
            errors,
            "due_date",
            _("The deadline %(date)s has already passed: give today or a later date.")
            % {"date": date_format(due, "SHORT_DATE_FORMAT")},
        )


def _check_requirement(data: dict, actor: User, *, previous_due=None) -> None:
    errors: dict[str, list[str]] = {}
    if not (data.get("question") or "").strip():
        _add(errors, "question", _("Say what we need to know."))
    if data.get("due_date") is None:
        _add(errors, "due_date", _("Give the date the answer is needed by."))
    _check_due_date(errors, data.get("due_date"), previous_due)
    if data.get("assigned_unit") is None and data.get("assigned_to") is None:
        _add(errors, "assigned_to", _("Assign the requirement to a person, a unit or both."))
    if data.get("priority") is not None:
        _check_visible(errors, "priority", Priority, [data["priority"]], actor)
    if data.get("status", RequirementStatus.OPEN) not in RequirementStatus.values:
        _add(errors, "status", _("Choose open, satisfied or cancelled."))
    _check_compartment(errors, data.get("compartment"), actor)
    if errors:
        raise ValidationError(errors)


@action("tasking.add_requirement")
def raise_requirement(*, actor: User, data: dict, meeting: Meeting | None = None) -> Requirement:
    """A new intelligence requirement, raised at an open meeting or between meetings."""
    errors: dict[str, list[str]] = {}
    _open_meeting(errors, meeting, actor)
    if errors:
        raise ValidationError(errors)
    _check_requirement(data, actor)
    requirement = Requirement(raised_by=actor, raised_at_meeting=meeting)
    _set(requirement, data, REQUIREMENT_FIELDS)
    requirement.save()
    audit.record(
        Action.CREATE,
        obj=requirement,
        details={"fields": _fields(requirement, REQUIREMENT_FIELDS)},
    )
    return requirement


@action("tasking.change_requirement")
def update_requirement(requirement: Requirement, *, actor: User, data: dict) -> Requirement:
    merged = stored_values(requirement, REQUIREMENT_FIELDS)
    merged.update(data)
    _check_requirement(merged, actor, previous_due=requirement.due_date)
    before = _fields(requirement, REQUIREMENT_FIELDS)
    _set(requirement, data, REQUIREMENT_FIELDS)
    requirement.save()
    audit.record(
        Action.UPDATE,
        obj=requirement,
        details={"changes": audit.diff(before, _fields(requirement, REQUIREMENT_FIELDS))},
    )
    return requirement


@action("tasking.answer_requirement")
def answer_requirement(
    requirement: Requirement, *, actor: User, report: Report | None, note: str = ""
) -> RequirementAnswer:
    """Mark a report as answering the requirement (combination)."""
    errors: dict[str, list[str]] = {}
    if report is None:
        _add(errors, "report", _("Choose the report that answers the requirement."))
    else:
        _check_visible(errors, "report", Report, [report], actor)
    if requirement.status == RequirementStatus.CANCELLED:
        _add(errors, "status", _("The requirement was cancelled."))
    if (
        report is not None
        and RequirementAnswer.objects.filter(requirement=requirement, report=report).exists()
    ):
        _add(errors, "report", _("This report is already marked as answering the requirement."))
    if errors:
        raise ValidationError(errors)
    assert report is not None  # refused above when missing
    answer = RequirementAnswer.objects.create(
        requirement=requirement, report=report, note=(note or "").strip(), linked_by=actor
    )
    audit.record(
        Action.LINK,
        obj=requirement,
        details={"report": report.pk, "report_urn": report.urn, "note": answer.note},
    )
    events.publish("requirement.answered", answer=answer, actor=actor)
    return answer


# --- Taskings ---------------------------------------------------------------------------------


def _check_tasking(data: dict, actor: User, *, previous_due=None) -> None:
    errors: dict[str, list[str]] = {}
    if not (data.get("title") or "").strip():
        _add(errors, "title", _("Say what is to be done."))
    if data.get("priority") is None:
        _add(errors, "priority", _("Choose the priority this tasking serves."))
    else:
        _check_visible(errors, "priority", Priority, [data["priority"]], actor)
        if data["priority"].status == PriorityStatus.REJECTED:
            _add(errors, "priority", _("This priority was rejected."))
    if data.get("requirement") is not None:
        _check_visible(errors, "requirement", Requirement, [data["requirement"]], actor)
    if data.get("owner_user") is None and data.get("owner_unit") is None:
        _add(errors, "owner_user", _("Give the tasking an owner: a person, a unit or both."))
    if data.get("due_date") is None:
        _add(errors, "due_date", _("Give the deadline."))
    _check_due_date(errors, data.get("due_date"), previous_due)
    if data.get("strand", Strand.ENFORCEMENT) not in Strand.values:
        _add(errors, "strand", _("Choose intelligence, prevention, enforcement or reassurance."))
    if data.get("status", TaskingStatus.OPEN) not in TaskingStatus.values:
        _add(errors, "status", _("Choose a status from the list."))
    _check_compartment(errors, data.get("compartment"), actor)
    if errors:
        raise ValidationError(errors)


@action("tasking.add_tasking")
def create_tasking(*, actor: User, data: dict, meeting: Meeting | None = None) -> Tasking:
    """Task a person or a unit, at an open meeting or between meetings."""
    errors: dict[str, list[str]] = {}
    _open_meeting(errors, meeting, actor)
    if errors:
        raise ValidationError(errors)
    _check_tasking(data, actor)
    tasking = Tasking(created_by=actor, raised_at_meeting=meeting)
    _set(tasking, data, TASKING_FIELDS)
    tasking.save()
    audit.record(Action.CREATE, obj=tasking, details={"fields": _fields(tasking, TASKING_FIELDS)})
    events.publish("tasking.assigned", tasking=tasking, actor=actor)
    return tasking


@action("tasking.change_tasking")
def update_tasking(tasking: Tasking, *, actor: User, data: dict) -> Tasking:
    merged = stored_values(tasking, TASKING_FIELDS)
    merged.update(data)
    _check_tasking(merged, actor, previous_due=tasking.due_date)
    before = _fields(tasking, TASKING_FIELDS)
    owner_before = tasking.owner_user_id
    _set(tasking, data, TASKING_FIELDS)
    tasking.save()
    audit.record(
        Action.UPDATE,
        obj=tasking,
        details={"changes": audit.diff(before, _fields(tasking, TASKING_FIELDS))},
    )
    if tasking.owner_user_id is not None and tasking.owner_user_id != owner_before:
        events.publish("tasking.assigned", tasking=tasking, actor=actor)
    return tasking


@action()
def complete_tasking(
    tasking: Tasking,
    *,
    actor: User,
    result: str,
    cited_reports: Iterable[Report] = (),
    cited_products: Iterable[Product] = (),
) -> Tasking:
    """Report the result of a tasking (its owner, or a manager), citing reports and products."""
    if not (tasking.is_owned_by(actor) or actor.has_perm("tasking.change_tasking")):
        raise PermissionDenied(_("Only the tasking's owner or a manager reports its result."))
    if not tasking.is_active:
        raise StateConflict(
            _("This tasking is already %(status)s.")
            % {"status": tasking.get_status_display().lower()},
            field="status",
        )
    errors: dict[str, list[str]] = {}
    if not (result or "").strip():
        _add(errors, "result", _("Describe the result."))
    reports = _check_visible(errors, "cited_reports", Report, list(cited_reports), actor)
    products = _check_visible(errors, "cited_products", Product, list(cited_products), actor)
    if errors:
        raise ValidationError(errors)
    old = tasking.status
    tasking.status = TaskingStatus.COMPLETED
    tasking.result = result.strip()
    tasking.completed_at = timezone.now()
    tasking.completed_by = actor
    tasking.save()
    tasking.cited_reports.add(*reports)
    tasking.cited_products.add(*products)
    audit.record(
        Action.UPDATE,
        obj=tasking,
        details={
            "operation": "complete",
            "changes": {"status": [old, TaskingStatus.COMPLETED]},
            "cited_reports": [r.pk for r in reports],
            "cited_products": [p.pk for p in products],
        },
    )
    return tasking


def _still_active(tasking: Tasking) -> None:
    if not tasking.is_active:
        raise StateConflict(
            _("This tasking is already %(status)s.")
            % {"status": tasking.get_status_display().lower()},
            field="status",
        )


@action("tasking.view_tasking")
def request_extension(tasking: Tasking, *, actor: User, due_date, reason: str) -> ExtensionRequest:
    """The tasking's owner asks for more time: a new deadline (not past, later than the one in
    force) and why. One request awaits a decision at a time."""
    if not tasking.is_owned_by(actor):
        raise PermissionDenied(_("Only the tasking's owner asks for more time."))
    _still_active(tasking)
    if ExtensionRequest.objects.filter(tasking=tasking).pending().exists():
        raise StateConflict(
            _("A request for more time is already awaiting a manager's decision."),
            field="due_date",
        )
    errors: dict[str, list[str]] = {}
    if due_date is None:
        _add(errors, "due_date", _("Give the new deadline you ask for."))
    elif due_date < timezone.localdate():
        _check_due_date(errors, due_date)
    elif due_date <= tasking.due_date:
        _add(
            errors,
            "due_date",
            _("Ask for a date after the current deadline, %(date)s.")
            % {"date": date_format(tasking.due_date, "SHORT_DATE_FORMAT")},
        )
    if not (reason or "").strip():
        _add(errors, "reason", _("Say why more time is needed."))
    if errors:
        raise ValidationError(errors)
    request = ExtensionRequest.objects.create(
        tasking=tasking,
        previous_due_date=tasking.due_date,
        requested_due_date=due_date,
        reason=reason.strip(),
        requested_by=actor,
    )
    audit.record(
        Action.CREATE,
        obj=request,
        details={
            "operation": "extension requested",
            "tasking": tasking.pk,
            "previous_due_date": request.previous_due_date,
            "requested_due_date": request.requested_due_date,
        },
    )
    events.publish("tasking.extension_requested", request=request, actor=actor)
    return request


@action("tasking.change_tasking")
def decide_extension(
    request: ExtensionRequest, *, actor: User, grant: bool, note: str = ""
) -> ExtensionRequest:
    """A manager who can see the tasking grants the request (its deadline becomes the one asked
    for) or refuses it, saying why. Nobody decides their own request."""
    if request.requested_by_id == actor.pk:
        raise PermissionDenied(_("Another manager decides your own request for more time."))
    if not request.is_pending:
        raise StateConflict(
            _("This request was already decided: %(status)s.")
            % {"status": request.get_status_display().lower()},
            field="status",
        )
    tasking = stored(request, "tasking")
    errors: dict[str, list[str]] = {}
    note = (note or "").strip()
    if grant:
        _still_active(tasking)
        if request.requested_due_date < timezone.localdate():
            _add(
                errors,
                "decision_note",
                _(
                    "The date asked for, %(date)s, has passed: refuse this request and let the "
                    "owner ask again."
                )
                % {"date": date_format(request.requested_due_date, "SHORT_DATE_FORMAT")},
            )
    elif not note:
        _add(errors, "decision_note", _("Say why the request is refused."))
    if errors:
        raise ValidationError(errors)
    request.status = ExtensionStatus.GRANTED if grant else ExtensionStatus.REFUSED
    request.decided_by = actor
    request.decided_at = timezone.now()
    request.decision_note = note
    request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    audit.record(
        Action.UPDATE,
        obj=request,
        details={
            "operation": "extension granted" if grant else "extension refused",
            "tasking": tasking.pk,
            "changes": {"status": [ExtensionStatus.PENDING, request.status]},
        },
    )
    if grant:
        old_due = tasking.due_date
        tasking.due_date = request.requested_due_date
        tasking.save(update_fields=["due_date", "updated_at"])
        audit.record(
            Action.UPDATE,
            obj=tasking,
            details={
                "operation": "extension granted",
                "extension_request": request.pk,
                "changes": {"due_date": [old_due, tasking.due_date]},
            },
        )
    events.publish("tasking.extension_decided", request=request, actor=actor)
    return request


@action("intelligence.add_report")
def submit_intelligence_for_tasking(
    tasking: Tasking, *, actor: User, data: dict, submit: bool = True
) -> Report:
    """A report written for a tasking: saved (submitted, or as a draft) and linked to the
    tasking among its reports, with no reference typed. Its owner or a manager."""
    if not (tasking.is_owned_by(actor) or actor.has_perm("tasking.change_tasking")):
        raise PermissionDenied(_("Only the tasking's owner or a manager reports for it."))
    _still_active(tasking)
    report = create_report(actor=actor, data=data, submit=submit)
    tasking.cited_reports.add(report)
    audit.record(
        Action.LINK,
        obj=tasking,
        details={
            "operation": "intelligence submitted for the tasking",
            "report": report.pk,
            "report_urn": report.urn,
        },
    )
    return report


# --- Decisions --------------------------------------------------------------------------------

_SUBJECT_MODELS = {
    DecisionSubject.PRIORITY: Priority,
    DecisionSubject.TASKING: Tasking,
    DecisionSubject.PRODUCT: Product,
    DecisionSubject.REQUIREMENT: Requirement,
}


def _create_decision(
    *,
    meeting,
    actor: User,
    subject_kind,
    subject,
    decision,
    rationale,
    compartment,
    evidence_products=(),
    evidence_reports=(),
    amends=None,
) -> Decision:
    row = Decision(
        meeting=meeting,
        subject_kind=subject_kind,
        decision=decision.strip(),
        rationale=rationale.strip(),
        decided_by=actor,
        compartment=compartment,
        amends=amends,
    )
    if subject_kind in _SUBJECT_MODELS:
        setattr(row, subject_kind, subject)
    row.save()
    row.evidence_products.set(evidence_products)
    row.evidence_reports.set(evidence_reports)
    audit.record(
        Action.CREATE,
        obj=row,
        details={
            "meeting": meeting.pk,
            "subject_kind": subject_kind,
            "subject": getattr(subject, "pk", None),
            "amends": getattr(amends, "pk", None),
            "evidence_products": [p.pk for p in evidence_products],
            "evidence_reports": [r.pk for r in evidence_reports],
        },
    )
    return row


def _check_decision(data: dict, actor: User, meeting, errors) -> None:
    if not (data.get("decision") or "").strip():
        _add(errors, "decision", _("Write down what was decided."))
    if not (data.get("rationale") or "").strip():
        _add(errors, "rationale", _("Give the rationale for the decision."))
    kind = data.get("subject_kind") or DecisionSubject.GENERAL
    if kind not in DecisionSubject.values:
        _add(errors, "subject_kind", _("Choose what the decision is about."))
    elif kind in _SUBJECT_MODELS:
        subject = data.get(kind)
        if subject is None:
            _add(errors, kind, _("Choose the %(kind)s the decision is about.") % {"kind": kind})
        else:
            _check_visible(errors, kind, _SUBJECT_MODELS[kind], [subject], actor)
    for other in _SUBJECT_MODELS:
        if other != kind and data.get(other) is not None:
            _add(
                errors,
                other,
                _("The decision is about a %(kind)s; leave %(other)s empty.")
                % {"kind": kind, "other": other},
            )
    amends = data.get("amends")
    if amends is not None:
        _check_visible(errors, "amends", Decision, [amends], actor)
        if amends.meeting_id == getattr(meeting, "pk", None):
            _add(errors, "amends", _("A decision of this open meeting is corrected, not amended."))
    _check_compartment(errors, data.get("compartment"), actor)


@action("tasking.add_decision")
def record_decision(
    meeting: Meeting,
    *,
    actor: User,
    data: dict,
    evidence_products: Iterable[Product] = (),
    evidence_reports: Iterable[Report] = (),
) -> Decision:
    """Minute a decision at an open meeting: subject, decision, rationale, evidence."""
    errors: dict[str, list[str]] = {}
    _open_meeting(errors, meeting, actor)
    data = {**data}
    kind = data.get("subject_kind") or DecisionSubject.GENERAL
    subject = data.get(kind) if kind in _SUBJECT_MODELS else None
    home = subject.compartment if subject is not None else meeting.compartment
    if data.get("compartment") is None:
        data["compartment"] = home
    elif subject is not None and data["compartment"].pk != home.pk:
        _add(
            errors,
            "compartment",
            _("A decision about a record is kept in that record's compartment (%(name)s).")
            % {"name": home.name},
        )
    _check_decision(data, actor, meeting, errors)
    products = _check_visible(errors, "evidence_products", Product, list(evidence_products), actor)
    reports = _check_visible(errors, "evidence_reports", Report, list(evidence_reports), actor)
    if errors:
        raise ValidationError(errors)
    return _create_decision(
        meeting=meeting,
        actor=actor,
        subject_kind=kind,
        subject=data.get(kind),
        decision=data["decision"],
        rationale=data["rationale"],
        compartment=data["compartment"],
        evidence_products=products,
        evidence_reports=reports,
        amends=data.get("amends"),
    )


@action("tasking.change_decision")
def update_decision(decision: Decision, *, actor: User, data: dict) -> Decision:
    """Correct a decision while its meeting is still open; afterwards only an amendment."""
    meeting = stored(decision, "meeting")
    if meeting.status == MeetingStatus.CLOSED:
        raise StateConflict(_(LOCKED_MESSAGE))
    allowed = {"decision", "rationale"}
    unknown = set(data) - allowed
    if unknown:
        raise ValidationError(
            {name: [_("Only the decision and its rationale can be corrected.")] for name in unknown}
        )
    errors: dict[str, list[str]] = {}
    for name in allowed:
        if name in data and not (data[name] or "").strip():
            _add(errors, name, _("This cannot be empty."))
    if errors:
        raise ValidationError(errors)
    before = {"decision": decision.decision, "rationale": decision.rationale}
    for name in allowed:
        if name in data:
            setattr(decision, name, data[name].strip())
    decision.save()
    audit.record(
        Action.UPDATE,
        obj=decision,
        details={
            "changes": audit.diff(
                before, {"decision": decision.decision, "rationale": decision.rationale}
            )
        },
    )
    return decision
