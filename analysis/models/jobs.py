"""Analysis jobs: one row per requested run, executed by a Celery worker."""

from __future__ import annotations

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from analysis.kinds import registry
from ilp_platform.accounts.models import Compartment
from ilp_platform.core.jobs import BackgroundJob
from ilp_platform.core.querysets import RestrictedQuerySet


class AnalysisJobQuerySet(RestrictedQuerySet):
    def visible_to(self, user) -> AnalysisJobQuerySet:
        """A job's result is built from the compartments it read: a user sees the job only
        when holding every one of them (a job that read nothing is its requester's alone)."""
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        granted = Compartment.objects.visible_to(user).values("pk")
        lacking = AnalysisJob.compartments.through.objects.filter(
            analysisjob=models.OuterRef("pk")
        ).exclude(compartment__in=granted)
        return (
            self.filter(~models.Exists(lacking))
            .filter(models.Q(compartments__isnull=False) | models.Q(requested_by=user.pk))
            .distinct()
            .read_by(user)
        )


class AnalysisJob(BackgroundJob):
    """One requested analysis run (hotspot, temporal, trend, near repeat, network).

    The row is the job: parameters, status, progress, message, timings and, once succeeded,
    the result (summary, tables, SVG charts, GeoJSON or network). The worker receives only the
    row's id. ``compartments`` records whose data the run read, which decides who may see it.
    """

    # The kinds are the modules of ``analysis.kinds``: a new one needs no migration.
    kind = models.CharField(_("kind"), max_length=20, choices=registry.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    compartments = models.ManyToManyField(
        "accounts.Compartment",
        related_name="analysis_jobs",
        blank=True,
        help_text=_("The compartments whose data the job read; fixed when it is requested."),
    )

    objects = AnalysisJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("analysis job")
        indexes = [
            models.Index(fields=["status", "created_at"], name="analysis_job_status"),
            models.Index(fields=["requested_by", "created_at"], name="analysis_job_requester"),
        ]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("analysis:job_detail", args=[self.pk])
