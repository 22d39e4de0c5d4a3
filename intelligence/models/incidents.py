"""Recorded crime incidents: the bulk data that hotspot and temporal analysis read."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel
from ilp_platform.core.querysets import RestrictedQuerySet
from intelligence.choices import IncidentOrigin


class IncidentQuerySet(RestrictedQuerySet):
    pass


class Incident(AuditedModel):
    """One recorded incident with where and when (a window when the exact time is unknown)."""

    # Unique within its compartment: a uniqueness refusal must not confirm that an incident
    # exists in a compartment the person does not hold.
    reference = models.CharField(_("reference"), max_length=50)
    crime_type = models.ForeignKey(
        "intelligence.CrimeType",
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("crime type"),
    )
    occurred_from = models.DateTimeField(_("occurred from"))
    occurred_to = models.DateTimeField(_("occurred to"), null=True, blank=True)
    latitude = models.FloatField(
        _("latitude"), validators=[MinValueValidator(-90), MaxValueValidator(90)]
    )
    longitude = models.FloatField(
        _("longitude"), validators=[MinValueValidator(-180), MaxValueValidator(180)]
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    origin = models.CharField(
        _("origin"),
        max_length=10,
        choices=IncidentOrigin.choices,
        default=IncidentOrigin.UNKNOWN,
        # Also a database default: bulk loads (COPY) that name no origin store "unknown".
        db_default=IncidentOrigin.UNKNOWN,
        help_text=_(
            "How the incident came to notice: reported by the public, or found by police "
            "activity (a stop-and-search find, a proactive detection). The hotspot job checks "
            "whether a hot spot rests on police-found records."
        ),
    )
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="incidents"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = IncidentQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_from", "-id"]
        verbose_name = _("incident")
        indexes = [
            models.Index(fields=["occurred_from"], name="intel_incident_time"),
            models.Index(fields=["crime_type", "occurred_from"], name="intel_incident_type_time"),
            models.Index(fields=["compartment", "occurred_from"], name="intel_incident_comp_time"),
            models.Index(fields=["reference"], name="intel_incident_reference"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["compartment", "reference"], name="intel_incident_reference_once"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("intelligence:incident_detail", args=[self.pk])
