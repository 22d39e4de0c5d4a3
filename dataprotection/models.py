"""Records of processing (LED Art. 24), impact assessments (Art. 27) and proportionality packs.

None of these holds intelligence: a record of processing describes an activity of the platform,
an assessment its risks, a pack names the records consulted for a purpose the way the audit log
names them (type, id, reference), never their names or texts. They are the data-protection
officer's (the ``oversight`` role's) records:

- records and assessments are read by whoever holds their view permission (``visible_to``);
- packs are read only by people granted ``dataprotection.view_proportionalitypack`` by their
  role or by name; a superuser's blanket permissions do not count, because a pack gathers what
  was done across compartments (see :func:`holds_granted`).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Permission
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel
from dataprotection.choices import AssessmentStatus, PackSubject, RiskLevel


def holds_granted(user, permission: str) -> bool:
    """Whether ``user`` was given ``permission`` through a role (group) or by name: not
    through being a superuser."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    app_label, _sep, codename = permission.partition(".")
    return Permission.objects.filter(
        Q(group__user=user.pk) | Q(user=user.pk),
        content_type__app_label=app_label,
        codename=codename,
    ).exists()


class ByPermissionQuerySet(models.QuerySet):
    """Records with no compartment: whoever holds the model's view permission reads them."""

    def visible_to(self, user):
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        opts = self.model._meta
        if not user.has_perm(f"{opts.app_label}.view_{opts.model_name}"):
            return self.none()
        return self.all()


class ProcessingRecord(AuditedModel):
    """The record of one processing activity (LED Art. 24): what the platform does with
    personal data there, why, for whom and for how long.

    ``activity`` is the key of the activity in :mod:`dataprotection.activities`; a baseline
    written in code (:mod:`dataprotection.baseline`) creates the row on a fresh installation,
    the data-protection officer keeps it current (each change an audited event).
    """

    activity = models.CharField(_("activity"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    purpose = models.TextField(_("purpose"))
    legal_basis = models.TextField(_("legal basis"))
    data_categories = models.TextField(_("categories of personal data"))
    subject_categories = models.TextField(_("categories of data subjects"))
    recipients = models.TextField(_("recipients"))
    retention = models.TextField(_("retention"))
    safeguards = models.TextField(_("safeguards"))
    assessment_required = models.BooleanField(
        _("impact assessment required"),
        default=False,
        help_text=_("Art. 27: the processing is likely to result in a high risk."),
    )
    from_baseline = models.BooleanField(_("as written in the baseline"), default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ByPermissionQuerySet.as_manager()

    audit_ignored_fields = ("updated_at",)

    class Meta:
        ordering = ["activity"]
        verbose_name = _("record of processing")
        verbose_name_plural = _("records of processing")

    def __str__(self) -> str:
        return f"{self.activity}: {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("dataprotection:record_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """How the log names the record."""
        return self.activity

    def approved_assessment(self):
        return (
            self.assessments.filter(status=AssessmentStatus.APPROVED)
            .order_by("-approved_at")
            .first()
        )


class ImpactAssessment(AuditedModel):
    """A data-protection impact assessment (LED Art. 27) of one processing activity: its risks,
    the measures against them, the risk left, a review date; approved by someone other than its
    author (a recorded, audited step). Changing an approved assessment returns it to draft."""

    record = models.ForeignKey(
        ProcessingRecord,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("record of processing"),
    )
    title = models.CharField(_("title"), max_length=200)
    scope = models.TextField(_("processing assessed"), blank=True)
    risks = models.TextField(_("risks to the rights and freedoms of data subjects"))
    measures = models.TextField(_("measures addressing the risks"))
    residual_risk = models.CharField(
        _("residual risk"), max_length=10, choices=RiskLevel.choices, default=RiskLevel.MEDIUM
    )
    review_due = models.DateField(_("review due"))
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approval_note = models.TextField(_("approval note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ByPermissionQuerySet.as_manager()

    audit_ignored_fields = ("updated_at",)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("impact assessment")
        permissions = [("approve_impactassessment", "Can approve impact assessments")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("dataprotection:assessment_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"DPIA-{self.pk}"

    @property
    def review_overdue(self) -> bool:
        return self.review_due < timezone.localdate()


class PackQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Only people granted the view permission by role or by name (see the module)."""
        if not holds_granted(user, "dataprotection.view_proportionalitypack"):
            return self.none()
        return self.all()


class ProportionalityPack(AuditedModel):
    """Evidence of what was done for one operation or tasking, frozen when produced: who
    consulted what under that purpose, special-category data touched, the people and areas
    targeted, approvals and decisions, the analyses and their feedback-loop flags.

    ``content`` is the pack; ``sha256`` the digest of its canonical JSON, also recorded in the
    audit event of its production, so the pack can be proven unchanged later."""

    subject_type = models.CharField(_("subject"), max_length=10, choices=PackSubject.choices)
    operation = models.ForeignKey(
        "operations.Operation",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    tasking = models.ForeignKey(
        "tasking.Tasking", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    subject_reference = models.CharField(_("subject reference"), max_length=60)
    content = models.JSONField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    produced_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    produced_at = models.DateTimeField(_("produced"), default=timezone.now)
    audit_event_id = models.BigIntegerField(_("audit event"), null=True, blank=True)

    objects = PackQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("proportionality pack")
        constraints = [
            models.CheckConstraint(
                name="dataprotection_pack_one_subject",
                condition=(
                    Q(subject_type="operation", operation__isnull=False, tasking__isnull=True)
                    | Q(subject_type="tasking", tasking__isnull=False, operation__isnull=True)
                ),
            )
        ]

    def __str__(self) -> str:
        return f"PACK-{self.pk} {self.subject_reference}"

    def get_absolute_url(self) -> str:
        return reverse("dataprotection:pack_detail", args=[self.pk])

    @property
    def reference(self) -> str:
        return f"PACK-{self.pk}"
