"""What the officer says a report mentions: people, vehicles, places, as suggestions of
entities for the evaluator."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel
from ilp_platform.core.querysets import RestrictedQuerySet
from intelligence.choices import EntityKind, SuggestionStatus


class MentionSuggestionQuerySet(RestrictedQuerySet):
    pass


class MentionSuggestion(AuditedModel):
    """A person, vehicle, place, group or number the report's author says it mentions, typed
    on the report form. The evaluator creates (or finds) the entity and links it to the report,
    which marks the suggestion linked, or dismisses it. Governed by the report's compartment;
    who reads it follows who reads the report (the views fetch it through the report).
    """

    report = models.ForeignKey(
        "intelligence.Report", on_delete=models.CASCADE, related_name="mention_suggestions"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EntityKind.choices)
    name = models.CharField(_("name"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=SuggestionStatus.choices, default=SuggestionStatus.OPEN
    )
    linked_entity = models.ForeignKey(
        "intelligence.Entity",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("linked entity"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    objects = MentionSuggestionQuerySet.as_manager()
    compartment_path = "report__compartment"
    audit_restricted_fields = ("name", "details")

    class Meta:
        ordering = ["id"]
        verbose_name = _("suggested mention")

    def __str__(self) -> str:
        return f"{self.report_id}: {self.get_kind_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == SuggestionStatus.OPEN
