"""Data-subject requests (LED Arts. 14-17) and what the subject search found for them.

A request is not intelligence: it belongs to no compartment and only the data-protection
officer (the oversight role) reads it (``SubjectRequestQuerySet.visible_to``). Its hits are
the one place where that officer sees intelligence content, and only inside the request: each
hit keeps a snapshot of what was found (the data a letter may disclose), taken by the subject
search (``subjectrequests.selectors``), a documented exemption from ``visible_to`` used only by
``subjectrequests.services``. The records themselves stay out of the officer's reach
everywhere else (their pages answer 404).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel
from subjectrequests.choices import (
    Decision,
    Ground,
    HitKind,
    Outcome,
    RequestKind,
    RequestStatus,
)

DPO_PERMISSION = "subjectrequests.view_subjectrequest"
# A restriction's review falls due this many days before its date: it is flagged from then on.
REVIEW_NOTICE_DAYS = 14


def handles_requests(user) -> bool:
    """The data-protection officer: the oversight role, with the permission. A superuser's
    blanket permissions are not enough: the subject search crosses every compartment."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    from ilp_platform.accounts.choices import Role

    has_role = getattr(user, "has_role", None)
    return bool(has_role and has_role(Role.OVERSIGHT) and user.has_perm(DPO_PERMISSION))


class SubjectRequestQuerySet(models.QuerySet):
    def visible_to(self, user) -> SubjectRequestQuerySet:
        """Every request for the data-protection officer; none for anyone else."""
        return self if handles_requests(user) else self.none()

    def open(self) -> SubjectRequestQuerySet:
        return self.filter(status=RequestStatus.OPEN)

    def overdue(self, today=None) -> SubjectRequestQuerySet:
        return self.open().filter(deadline__lt=today or timezone.localdate())


class SubjectRequest(AuditedModel):
    """A person's request to the controller about the data held on them."""

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=16, choices=RequestKind.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    subject_name = models.CharField(_("name"), max_length=200)
    other_names = models.TextField(
        _("other names"), blank=True, help_text=_("Aliases or former names, one per line.")
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    identifiers = models.TextField(
        _("other identifiers"),
        blank=True,
        help_text=_("Phone numbers, email addresses, handles, registrations: one per line."),
    )
    details = models.TextField(
        _("what is asked"),
        blank=True,
        help_text=_("The request in the person's words: what to correct or erase, for example."),
    )
    authority_reference = models.CharField(
        _("supervisory authority's reference"), max_length=100, blank=True
    )
    received_on = models.DateField(_("received on"))
    deadline = models.DateField(_("deadline"))
    identity_method = models.CharField(_("identity checked how"), max_length=300)
    identity_checked_by = models.CharField(_("identity checked by"), max_length=150)
    identity_checked_on = models.DateField(_("identity checked on"))
    searched_at = models.DateTimeField(_("last searched"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubjectRequestQuerySet.as_manager()

    # Set by the latest search in this process when it found more than it keeps.
    search_capped = False

    audit_restricted_fields = ("subject_name", "other_names", "identifiers", "details")
    audit_ignored_fields = ("updated_at",)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("data-subject request")
        indexes = [
            models.Index(fields=["status", "deadline"], name="subjreq_status_deadline"),
            models.Index(fields=["received_on", "id"], name="subjreq_received"),
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("subjectrequests:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == RequestStatus.OPEN

    def is_overdue(self, today=None) -> bool:
        return self.is_open and self.deadline < (today or timezone.localdate())

    @property
    def purpose(self) -> str:
        """The purpose every event written for this request carries."""
        return f"subject_request:{self.pk}"


class SubjectHit(AuditedModel):
    """One record the subject search found for a request, and the officer's decision on it.

    ``snapshot`` holds what was found, as the search read it: for an entity its kind, name,
    date of birth, description and identifiers; for a report its URN, dates and sanitised text
    (never the original text, which may identify a source). It is shown only on the request's
    page and in its letter.
    """

    request = models.ForeignKey(SubjectRequest, on_delete=models.CASCADE, related_name="hits")
    kind = models.CharField(_("kind"), max_length=10, choices=HitKind.choices)
    entity = models.ForeignKey(
        "intelligence.Entity", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    report = models.ForeignKey(
        "intelligence.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    compartment_slug = models.CharField(_("compartment"), max_length=60, blank=True)
    label = models.CharField(_("record"), max_length=200)
    snapshot = models.JSONField(_("what was found"), default=dict)
    reasons = models.JSONField(_("why it matched"), default=list)
    found_at = models.DateTimeField(_("found at"), default=timezone.now)
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices, blank=True)
    ground = models.CharField(
        _("Art. 15(1) ground"), max_length=20, choices=Ground.choices, blank=True
    )
    neutral = models.BooleanField(
        _("neutral reply"),
        default=False,
        help_text=_(
            "Telling the person of the restriction would itself harm: "
            "the letter says nothing of it."
        ),
    )
    review_on = models.DateField(_("review restriction by"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    outcome = models.CharField(
        _("action taken"), max_length=10, choices=Outcome.choices, blank=True, default=""
    )
    outcome_at = models.DateTimeField(_("action taken at"), null=True, blank=True)

    audit_restricted_fields = ("label", "snapshot", "note")

    class Meta:
        ordering = ["kind", "id"]
        verbose_name = _("subject search hit")
        constraints = [
            models.UniqueConstraint(
                fields=["request", "entity"],
                condition=models.Q(entity__isnull=False),
                name="subjreq_hit_entity_once",
            ),
            models.UniqueConstraint(
                fields=["request", "report"],
                condition=models.Q(report__isnull=False),
                name="subjreq_hit_report_once",
            ),
        ]
        indexes = [models.Index(fields=["decision", "review_on"], name="subjreq_hit_review")]

    def __str__(self) -> str:
        return f"{self.request_id}: {self.kind} {self.entity_id or self.report_id}"

    def review_due(self, today=None) -> bool:
        if self.decision != Decision.RESTRICT or self.review_on is None:
            return False
        from datetime import timedelta

        horizon = (today or timezone.localdate()) + timedelta(days=REVIEW_NOTICE_DAYS)
        return self.review_on <= horizon
