"""Tasking and co-ordination: meetings, priorities and their scores, intelligence requirements,
taskings and the decision log.

Every record here lives in a compartment: what the force is focusing on, and why, is itself
intelligence. Reads go through ``objects.visible_to(user)``; changes through
``tasking.services``, which write their audit events. Evidence (reports, products) is linked by
foreign key and shown only where the viewer may see it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel
from ilp_platform.core.errors import StateConflict
from ilp_platform.core.querysets import RestrictedQuerySet
from ilp_platform.core.references import UNSET, reader_of
from tasking.choices import (
    ACTIVE_TASKING_STATUSES,
    DecisionSubject,
    ExtensionStatus,
    MeetingKind,
    MeetingStatus,
    PriorityStatus,
    RequirementStatus,
    Strand,
    SubjectKind,
    TaskingStatus,
)

SEES_ALL_TASKINGS = "tasking.view_priority"


# --- Meetings ---------------------------------------------------------------------------------


class MeetingQuerySet(RestrictedQuerySet):
    def previous_of_kind(self, meeting: Meeting):
        """Meetings of the same kind held before ``meeting``, latest first."""
        return (
            self.filter(kind=meeting.kind, scheduled_for__lt=meeting.scheduled_for)
            .exclude(pk=meeting.pk)
            .order_by("-scheduled_for", "-pk")
        )


class Meeting(AuditedModel):
    """A strategic or tactical tasking and co-ordination meeting.

    Planned, then opened (the agenda is built and stored as ``agenda``), then closed (its
    decisions become read-only). The agenda stores record ids and labels only; every page
    re-checks each item against what the viewer may see.
    """

    kind = models.CharField(_("kind"), max_length=10, choices=MeetingKind.choices)
    title = models.CharField(_("title"), max_length=200)
    scheduled_for = models.DateTimeField(_("date and time"))
    location = models.CharField(_("location"), max_length=200, blank=True)
    chair = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="chaired_meetings",
        verbose_name=_("chair"),
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="tasking_meetings",
        verbose_name=_("attendees"),
    )
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="meetings"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=MeetingStatus.choices, default=MeetingStatus.PLANNED
    )
    agenda = models.JSONField(_("agenda snapshot"), default=dict, blank=True, editable=False)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = MeetingQuerySet.as_manager()

    audit_ignored_fields = ("updated_at", "agenda")

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        verbose_name = _("tasking meeting")
        indexes = [
            models.Index(fields=["kind", "scheduled_for"], name="tasking_meeting_kind_date"),
            models.Index(fields=["compartment", "status"], name="tasking_meeting_comp"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({date_format(self.scheduled_for, 'SHORT_DATE_FORMAT')})"

    def get_absolute_url(self) -> str:
        return reverse("tasking:meeting_detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == MeetingStatus.OPEN

    @property
    def is_closed(self) -> bool:
        return self.status == MeetingStatus.CLOSED


# --- Priorities -------------------------------------------------------------------------------


class PriorityQuerySet(RestrictedQuerySet):
    def ranked(self):
        """Highest score first; unscored candidates last."""
        return self.order_by(models.F("score").desc(nulls_last=True), "-id")

    def due_for_review(self, on_or_before):
        return self.filter(status=PriorityStatus.APPROVED, review_due__lte=on_or_before)


class Priority(AuditedModel):
    """A candidate or approved priority: a crime type, a group, a place or a theme.

    Scored on a configurable matrix (``tasking.scoring``): ``score_inputs`` keeps the factor
    values and ``score_breakdown`` the working, so the page shows how the score was reached.
    Approved or rejected at an open meeting by a manager who did not propose it; the decision
    is also a row in the decision log. Approved priorities form the control strategy, with a
    plan under each strand and the products that evidence them.
    """

    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    subject_kind = models.CharField(_("subject"), max_length=12, choices=SubjectKind.choices)
    crime_type = models.ForeignKey(
        "intelligence.CrimeType",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="priorities",
        verbose_name=_("crime type"),
    )
    subject_entity = models.ForeignKey(
        "intelligence.Entity",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="priorities",
        verbose_name=_("group or entity"),
    )
    subject_label = models.CharField(_("place, theme or group name"), max_length=200, blank=True)
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="priorities"
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=PriorityStatus.choices,
        default=PriorityStatus.CANDIDATE,
    )
    intelligence_plan = models.TextField(_("intelligence"), blank=True)
    prevention_plan = models.TextField(_("prevention"), blank=True)
    enforcement_plan = models.TextField(_("enforcement"), blank=True)
    reassurance_plan = models.TextField(_("reassurance"), blank=True)
    evidence_products = models.ManyToManyField(
        "analysis.Product",
        blank=True,
        related_name="supported_priorities",
        verbose_name=_("evidence (products)"),
    )
    matrix = models.CharField(_("scoring matrix"), max_length=40, blank=True)
    score_inputs = models.JSONField(_("score inputs"), default=dict, blank=True)
    score_breakdown = models.JSONField(_("how the score was reached"), default=dict, blank=True)
    score = models.DecimalField(_("score"), max_digits=8, decimal_places=2, null=True, blank=True)
    score_band = models.CharField(_("band"), max_length=40, blank=True)
    confidence = models.PositiveSmallIntegerField(_("confidence"), null=True, blank=True)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    scored_at = models.DateTimeField(_("scored"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="proposed_priorities",
        verbose_name=_("proposed by"),
    )
    proposed_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decided_priorities",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_at_meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="decided_priorities"
    )
    decision_rationale = models.TextField(_("rationale"), blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    # A priority of a higher level's control strategy issued down to this unit: the issuing
    # level's priority (``sharing.strategy``). The receiving unit's manager adopts it (approved)
    # or declines it (rejected); ``decided_by`` and ``decided_at`` say who and when.
    issued_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_copies",
        verbose_name=_("issued from"),
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = PriorityQuerySet.as_manager()

    audit_ignored_fields = ("updated_at", "score_breakdown")

    class Meta:
        ordering = ["-id"]
        verbose_name = _("priority")
        verbose_name_plural = _("priorities")
        permissions = [("approve_priority", "Can approve or reject candidate priorities")]
        indexes = [
            models.Index(fields=["status", "score"], name="tasking_priority_rank"),
            models.Index(fields=["status", "review_due"], name="tasking_priority_review"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tasking:priority_detail", args=[self.pk])

    @property
    def subject_display(self) -> str:
        if self.subject_kind == SubjectKind.CRIME_TYPE and self.crime_type_id:
            return str(self.crime_type)
        # The entity may live in another compartment: it is named only to a reader who may see
        # it (the reference is masked for others, ``ilp_platform.core.references``), and never
        # when the priority was not fetched for a reader at all.
        if self.subject_kind == SubjectKind.GROUP and self.subject_entity_id:
            flag = getattr(self, "subject_entity_visible", None)
            entity = self.subject_entity
            if entity is not None and (flag or (flag is None and reader_of(self) is not UNSET)):
                return entity.name
        return self.subject_label

    def plan(self, strand: str) -> str:
        return getattr(self, f"{strand}_plan", "")

    def plans(self) -> list[tuple[str, str]]:
        return [(label, self.plan(value)) for value, label in Strand.choices if self.plan(value)]


# --- Intelligence requirements ----------------------------------------------------------------


class RequirementQuerySet(RestrictedQuerySet):
    def with_coverage(self):
        return self.annotate(answer_count=models.Count("answers", distinct=True))


class Requirement(AuditedModel):
    """An intelligence requirement: what we need to know, for which priority, by when, and who
    is to find out. Reports that answer it are linked through :class:`RequirementAnswer`."""

    question = models.CharField(_("what we need to know"), max_length=300)
    detail = models.TextField(_("detail"), blank=True)
    priority = models.ForeignKey(
        Priority,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requirements",
        verbose_name=_("priority"),
    )
    due_date = models.DateField(_("due by"))
    assigned_unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="requirements",
        verbose_name=_("assigned unit"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assigned_requirements",
        verbose_name=_("assigned person"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=RequirementStatus.choices,
        default=RequirementStatus.OPEN,
    )
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="requirements"
    )
    raised_at_meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="requirements"
    )
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The unit that owns the record: its author's unit at creation (``sharing.owning``).
    owning_unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owning unit"),
    )
    # A requirement issued down from a higher level: the issuing level's requirement, and when
    # the receiving unit's manager accepted it (``sharing.levels``).
    issued_from = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="issued_copies",
        verbose_name=_("issued from"),
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    reports = models.ManyToManyField(
        "intelligence.Report", through="RequirementAnswer", related_name="answered_requirements"
    )

    objects = RequirementQuerySet.as_manager()

    audit_ignored_fields = ("updated_at",)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("intelligence requirement")
        permissions = [
            ("answer_requirement", "Can mark intelligence reports as answering a requirement")
        ]
        indexes = [models.Index(fields=["status", "due_date"], name="tasking_req_status_due")]

    def __str__(self) -> str:
        return self.question

    def get_absolute_url(self) -> str:
        return reverse("tasking:requirement_detail", args=[self.pk])

    def is_overdue(self, today=None) -> bool:
        today = today or timezone.localdate()
        return self.status == RequirementStatus.OPEN and self.due_date < today


class RequirementAnswer(models.Model):
    """A report marked as answering (part of) a requirement; created and removed by services."""

    requirement = models.ForeignKey(Requirement, on_delete=models.CASCADE, related_name="answers")
    report = models.ForeignKey(
        "intelligence.Report", on_delete=models.PROTECT, related_name="requirement_answers"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    linked_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    # Governed by its requirement; it pairs a report with it, so it shows only to people who
    # may see both.
    compartment_path = "requirement__compartment"

    class Meta:
        ordering = ["-linked_at", "-id"]
        verbose_name = _("answering report")
        constraints = [
            models.UniqueConstraint(fields=["requirement", "report"], name="tasking_answer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} answers {self.requirement_id}"


# --- Taskings ---------------------------------------------------------------------------------


class TaskingQuerySet(RestrictedQuerySet):
    def visible_to(self, user) -> TaskingQuerySet:
        """Compartment first; people who do not read priorities (officers) see only taskings
        owned by them or by their unit."""
        qs = super().visible_to(user)
        if user is None or not getattr(user, "is_authenticated", False):
            return qs
        if not user.has_perm(SEES_ALL_TASKINGS):
            qs = qs.owned_by(user)
        return qs

    def owned_by(self, user):
        mine = Q(owner_user=user.pk)
        if getattr(user, "unit_id", None):
            mine |= Q(owner_unit=user.unit_id)
        return self.filter(mine)

    def active(self):
        return self.filter(status__in=ACTIVE_TASKING_STATUSES)

    def overdue(self, today=None):
        return self.active().filter(due_date__lt=today or timezone.localdate())


class Tasking(AuditedModel):
    """An action tied to a priority: an owner (a person, a unit or both), a deadline, a status
    and a result that can cite reports and products."""

    title = models.CharField(_("action"), max_length=300)
    detail = models.TextField(_("detail"), blank=True)
    priority = models.ForeignKey(
        Priority, on_delete=models.PROTECT, related_name="taskings", verbose_name=_("priority")
    )
    requirement = models.ForeignKey(
        Requirement,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="taskings",
        verbose_name=_("intelligence requirement"),
    )
    strand = models.CharField(
        _("strand"), max_length=12, choices=Strand.choices, default=Strand.ENFORCEMENT
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="owned_taskings",
        verbose_name=_("owner (person)"),
    )
    owner_unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="taskings",
        verbose_name=_("owner (unit)"),
    )
    due_date = models.DateField(_("due by"))
    status = models.CharField(
        _("status"), max_length=12, choices=TaskingStatus.choices, default=TaskingStatus.OPEN
    )
    result = models.TextField(_("result"), blank=True)
    cited_reports = models.ManyToManyField(
        "intelligence.Report", blank=True, related_name="+", verbose_name=_("reports cited")
    )
    cited_products = models.ManyToManyField(
        "analysis.Product", blank=True, related_name="+", verbose_name=_("products cited")
    )
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="taskings"
    )
    raised_at_meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="taskings"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # The unit that owns the record: its author's unit at creation (``sharing.owning``).
    owning_unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owning unit"),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    objects = TaskingQuerySet.as_manager()

    # A tasking may serve a priority of another compartment: its owner sees the tasking and,
    # without that compartment, no priority (``ilp_platform.core.references``).
    masked_references = ("priority",)

    audit_ignored_fields = ("updated_at",)

    class Meta:
        ordering = ["due_date", "-id"]
        verbose_name = _("tasking")
        constraints = [
            models.CheckConstraint(
                name="tasking_tasking_has_owner",
                condition=Q(owner_user__isnull=False) | Q(owner_unit__isnull=False),
            )
        ]
        indexes = [
            models.Index(fields=["status", "due_date"], name="tasking_tasking_status_due"),
            models.Index(fields=["owner_user", "status"], name="tasking_tasking_owner"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("tasking:tasking_detail", args=[self.pk])

    @property
    def owner_display(self) -> str:
        parts = [str(p) for p in (self.owner_user, self.owner_unit) if p is not None]
        return " / ".join(parts)

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_TASKING_STATUSES

    def is_overdue(self, today=None) -> bool:
        return self.is_active and self.due_date < (today or timezone.localdate())

    @property
    def overdue(self) -> bool:
        return self.is_overdue()

    def is_owned_by(self, user) -> bool:
        return self.owner_user_id == user.pk or (
            self.owner_unit_id is not None and self.owner_unit_id == getattr(user, "unit_id", None)
        )


class ExtensionRequestQuerySet(RestrictedQuerySet):
    def pending(self):
        return self.filter(status=ExtensionStatus.PENDING)


class ExtensionRequest(AuditedModel):
    """The tasking's owner asks for more time: a new deadline and why. A manager who can see
    the tasking grants it (the deadline moves) or refuses it, saying why.

    Governed by its tasking (``compartment_path``): whoever sees the tasking sees its requests.
    """

    tasking = models.ForeignKey(
        Tasking, on_delete=models.CASCADE, related_name="extension_requests"
    )
    previous_due_date = models.DateField(_("deadline when asked"))
    requested_due_date = models.DateField(_("new deadline asked for"))
    reason = models.TextField(_("reason"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("asked"), auto_now_add=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ExtensionStatus.choices,
        default=ExtensionStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    objects = ExtensionRequestQuerySet.as_manager()
    compartment_path = "tasking__compartment"

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("extension request")
        constraints = [
            # One request awaiting a decision per tasking at a time.
            models.UniqueConstraint(
                fields=["tasking"],
                condition=Q(status="pending"),
                name="tasking_one_pending_extension",
            )
        ]

    def __str__(self) -> str:
        return f"{self.tasking_id}: {self.requested_due_date.isoformat()} ({self.status})"

    def get_absolute_url(self) -> str:
        return reverse("tasking:tasking_detail", args=[self.tasking_id]) + f"#extension-{self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status == ExtensionStatus.PENDING


# --- Decisions --------------------------------------------------------------------------------


class DecisionQuerySet(RestrictedQuerySet):
    def matching(self, text: str):
        text = (text or "").strip()
        if not text:
            return self
        return self.filter(Q(decision__icontains=text) | Q(rationale__icontains=text))


_SUBJECT_FIELDS = {
    DecisionSubject.PRIORITY: "priority",
    DecisionSubject.TASKING: "tasking",
    DecisionSubject.PRODUCT: "product",
    DecisionSubject.REQUIREMENT: "requirement",
}


def _subject_condition() -> Q:
    """Exactly the foreign key the subject kind names is set (none for general)."""
    condition = Q()
    for kind in DecisionSubject.values:
        clause = Q(subject_kind=kind)
        for other_kind, fk in _SUBJECT_FIELDS.items():
            clause &= Q(**{f"{fk}__isnull": other_kind != kind})
        condition |= clause
    return condition


class Decision(AuditedModel):
    """One entry in the decision log: what was decided at a meeting, about what, why, by whom,
    and the evidence considered.

    Recorded while the meeting is open; once the meeting closes the decision is read-only (the
    service refuses, and :meth:`save` and :meth:`delete` refuse too, so the admin or a script
    cannot change the minutes). A later decision can amend it by pointing at it (``amends``).
    """

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="decisions", verbose_name=_("meeting")
    )
    subject_kind = models.CharField(
        _("subject"),
        max_length=12,
        choices=DecisionSubject.choices,
        default=DecisionSubject.GENERAL,
    )
    priority = models.ForeignKey(
        Priority, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    tasking = models.ForeignKey(
        Tasking, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    product = models.ForeignKey(
        "analysis.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tasking_decisions",
    )
    requirement = models.ForeignKey(
        Requirement, null=True, blank=True, on_delete=models.PROTECT, related_name="decisions"
    )
    decision = models.TextField(_("decision"))
    rationale = models.TextField(_("rationale"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="tasking_decisions",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided"), default=timezone.now)
    evidence_products = models.ManyToManyField(
        "analysis.Product", blank=True, related_name="+", verbose_name=_("products considered")
    )
    evidence_reports = models.ManyToManyField(
        "intelligence.Report", blank=True, related_name="+", verbose_name=_("reports considered")
    )
    amends = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="amendments",
        verbose_name=_("amends"),
    )
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="tasking_decisions"
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = DecisionQuerySet.as_manager()

    # A decision is kept in its subject's compartment and may be taken at a meeting of
    # another: without that one, the meeting reads as none.
    masked_references = ("meeting",)

    audit_ignored_fields = ("updated_at",)

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("decision")
        constraints = [
            models.CheckConstraint(name="tasking_decision_subject", condition=_subject_condition())
        ]
        indexes = [models.Index(fields=["meeting", "decided_at"], name="tasking_decision_meeting")]

    def __str__(self) -> str:
        return f"{self.get_subject_kind_display()}: {self.decision[:80]}"

    def get_absolute_url(self) -> str:
        return reverse("tasking:decision_detail", args=[self.pk])

    @property
    def subject(self):
        fk = _SUBJECT_FIELDS.get(self.subject_kind)
        return getattr(self, fk) if fk else None

    def is_locked(self) -> bool:
        return Meeting.objects.filter(pk=self.meeting_id, status=MeetingStatus.CLOSED).exists()

    def save(self, *args, **kwargs):
        if self.pk is not None and not kwargs.get("force_insert"):
            stored = Decision.objects.filter(pk=self.pk).values_list("meeting_id", flat=True)
            meeting_id = next(iter(stored), None)
            if (
                meeting_id is not None
                and Meeting.objects.filter(pk=meeting_id, status=MeetingStatus.CLOSED).exists()
            ):
                raise StateConflict(LOCKED_MESSAGE)
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.is_locked():
            raise StateConflict(LOCKED_MESSAGE)
        return super().delete(*args, **kwargs)


LOCKED_MESSAGE = (
    "The meeting is closed, so its decisions are read-only. Record a new decision at an open "
    "meeting that amends this one."
)
