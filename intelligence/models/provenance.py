"""Where a received report came from: another unit of this platform or a partner agency."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel
from ilp_platform.core.indexes import index_where_set
from ilp_platform.core.querysets import RestrictedQuerySet

# The sender's condition that forbids onward sharing until the originator consents.
ORIGINATOR_CONSENT = "originator_consent"


class ProvenanceChannel(models.TextChoices):
    UNIT_SHARE = "unit_share", _("Shared by another unit")
    PARTNER_EXCHANGE = "partner_exchange", _("Received from a partner agency")


class ProvenanceQuerySet(RestrictedQuerySet):
    pass


class Provenance(AuditedModel):
    """The origin of a report received from elsewhere, as the sender gave it.

    Governed by its report's compartment (``compartment_path``). ``conditions`` are codes of
    the handling conditions the sender imposed; :data:`ORIGINATOR_CONSENT` refuses any onward
    sharing until consent is recorded (``intelligence.provenance``).
    """

    report = models.OneToOneField(
        "intelligence.Report", on_delete=models.CASCADE, related_name="provenance"
    )
    channel = models.CharField(_("channel"), max_length=20, choices=ProvenanceChannel.choices)
    originator = models.CharField(_("originator"), max_length=200)
    originating_unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # indexed where set (Meta)
        related_name="+",
        verbose_name=_("originating unit"),
    )
    original_reference = models.CharField(_("original reference"), max_length=100)
    grading_as_given = models.CharField(_("grading as given"), max_length=50)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    data_quality = models.JSONField(_("data quality"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"))
    consent_recorded_at = models.DateTimeField(_("consent recorded at"), null=True, blank=True)
    consent_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # indexed where set (Meta)
        related_name="+",
        verbose_name=_("consent recorded by"),
    )
    consent_note = models.TextField(_("consent note"), blank=True)

    objects = ProvenanceQuerySet.as_manager()
    compartment_path = "report__compartment"

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("provenance")
        verbose_name_plural = _("provenances")
        # Empty for everything received from a partner, and until consent is recorded.
        indexes = [
            index_where_set("originating_unit", "intel_provenance_unit_set"),
            index_where_set("consent_recorded_by", "intel_provenance_consent_set"),
        ]

    def __str__(self) -> str:
        return f"{self.report_id}: {self.originator}"

    @property
    def needs_consent(self) -> bool:
        return ORIGINATOR_CONSENT in (self.conditions or [])

    @property
    def consent_missing(self) -> bool:
        return self.needs_consent and self.consent_recorded_at is None
