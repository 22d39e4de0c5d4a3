"""Operations (cases): one piece of work and everything that belongs to it.

An operation lives in one compartment, like every record: people who hold the compartment see
it (``visible_to``), and its team is the people working it, not a grant of access. What it
gathers (reports, entities, analyses, products, priorities, requirements, taskings) is held by
many-to-many fields; each item stays in its own compartment, so a reader of the operation sees
only the items they may see (the reference rule masks the rest: no name, no count).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel
from ilp_platform.core.querysets import RestrictedQuerySet
from operations.choices import OperationStatus


class OperationQuerySet(RestrictedQuerySet):
    def open(self):
        return self.filter(status=OperationStatus.OPEN)

    def worked_by(self, user):
        """Operations the person leads or is on the team of."""
        return self.filter(models.Q(lead=user) | models.Q(team=user)).distinct()


class Operation(AuditedModel):
    name = models.CharField(_("name"), max_length=120)
    reference = models.CharField(
        _("reference"),
        max_length=40,
        unique=True,
        help_text=_("The operation's reference, for example OP-2026-004 or a code name."),
    )
    objectives = models.TextField(_("objectives"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=OperationStatus.choices, default=OperationStatus.OPEN
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="led_operations",
        verbose_name=_("lead"),
    )
    team = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="operations", verbose_name=_("team")
    )
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="operations"
    )
    priorities = models.ManyToManyField(
        "tasking.Priority", blank=True, related_name="operations", verbose_name=_("priorities")
    )
    requirements = models.ManyToManyField(
        "tasking.Requirement",
        blank=True,
        related_name="operations",
        verbose_name=_("requirements"),
    )
    taskings = models.ManyToManyField(
        "tasking.Tasking", blank=True, related_name="operations", verbose_name=_("taskings")
    )
    reports = models.ManyToManyField(
        "intelligence.Report", blank=True, related_name="operations", verbose_name=_("reports")
    )
    entities = models.ManyToManyField(
        "intelligence.Entity", blank=True, related_name="operations", verbose_name=_("entities")
    )
    jobs = models.ManyToManyField(
        "analysis.AnalysisJob", blank=True, related_name="operations", verbose_name=_("analyses")
    )
    products = models.ManyToManyField(
        "analysis.Product", blank=True, related_name="operations", verbose_name=_("products")
    )
    opened_on = models.DateField(_("opened on"), default=timezone.localdate)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = OperationQuerySet.as_manager()

    audit_ignored_fields = ("updated_at",)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("operation")
        indexes = [models.Index(fields=["status", "-id"], name="operations_status")]

    def __str__(self) -> str:
        return f"{self.reference} {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("operations:detail", args=[self.pk])

    @property
    def is_open(self) -> bool:
        return self.status == OperationStatus.OPEN


class ChartQuerySet(RestrictedQuerySet):
    pass


class Chart(AuditedModel):
    """A saved link chart of an operation: the entities placed on it, each with its position.

    The chart lives inside its operation (``compartment_path``): whoever sees the operation sees
    that the chart exists. What it shows is drawn again for each reader (``operations.charts``):
    the entities the reader may see among those placed, and the visible links between them. An
    entity of another compartment is stored here by id only and never named, nor counted, to a
    reader who does not hold that compartment.
    """

    operation = models.ForeignKey(
        Operation, on_delete=models.CASCADE, related_name="charts", verbose_name=_("operation")
    )
    title = models.CharField(_("title"), max_length=120)
    # [{"id": <entity id>, "x": <number>, "y": <number>}, ...]
    nodes = models.JSONField(_("entities and positions"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ChartQuerySet.as_manager()
    compartment_path = "operation__compartment"
    audit_ignored_fields = ("updated_at",)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("link chart")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("operations:chart", args=[self.pk])
