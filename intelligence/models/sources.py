"""Sources of intelligence, known to everyone but their handler by a reference code."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel
from ilp_platform.accounts.choices import Role
from ilp_platform.core.querysets import RestrictedQuerySet
from intelligence.choices import SourceType


class SourceQuerySet(RestrictedQuerySet):
    pass


class Source(AuditedModel):
    """Where intelligence comes from: a covert human source, an officer, a partner, a feed.

    Identity details are read only by the handler assigned to the source, or by a superuser or
    an administrator holding ``view_source_identity``; everyone else sees ``reference``.
    """

    # Unique within its compartment (case aside): a refusal must not confirm that a source
    # exists in a compartment the person does not hold.
    reference = models.CharField(_("reference code"), max_length=30)
    source_type = models.CharField(_("type"), max_length=20, choices=SourceType.choices)
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="sources"
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_sources",
        verbose_name=_("handler"),
    )
    identity_name = models.CharField(_("identity: name"), max_length=200, blank=True)
    identity_details = models.TextField(_("identity: details"), blank=True)
    notes = models.TextField(_("notes (no identifying detail)"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SourceQuerySet.as_manager()

    audit_restricted_fields = ("identity_name", "identity_details")

    class Meta:
        ordering = ["reference"]
        verbose_name = _("source")
        permissions = [("view_source_identity", "Can see source identities (handlers)")]
        constraints = [
            models.UniqueConstraint(
                "compartment", Lower("reference"), name="intel_source_reference_once"
            )
        ]

    def __str__(self) -> str:
        return self.reference

    def get_absolute_url(self) -> str:
        return reverse("intelligence:source_detail", args=[self.pk])

    def identity_visible_to(self, user) -> bool:
        if user is None or not user.is_authenticated:
            return False
        if self.handler_id is not None and self.handler_id == user.pk:
            return True
        if user.is_superuser:
            return True
        return user.has_role(Role.ADMINISTRATOR) and user.has_perm(
            "intelligence.view_source_identity"
        )
