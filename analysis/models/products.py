"""Analytical products (NIM): strategic and tactical assessments, subject and problem profiles,
threat assessments. Each lives in a compartment and carries a handling code."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from analysis.choices import ProductKind, ProductStatus
from audit.mixins import AuditedModel
from ilp_platform.core.querysets import RestrictedQuerySet
from intelligence.choices import GradingScheme


class ProductQuerySet(RestrictedQuerySet):
    def submitted_between(self, start, end):
        return self.filter(submitted_at__gte=start, submitted_at__lt=end)


class Product(AuditedModel):
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    kind = models.CharField(_("kind"), max_length=20, choices=ProductKind.choices)
    title = models.CharField(_("title"), max_length=200)
    terms_of_reference = models.TextField(_("terms of reference"), blank=True)
    # Ordered standard sections of the product's template: [{"key", "title", "body"}].
    sections = models.JSONField(_("sections"), default=list, blank=True)
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="products"
    )
    handling_scheme = models.CharField(
        _("handling scheme"),
        max_length=10,
        choices=GradingScheme.choices,
        default=GradingScheme.UK_3X5X2,
    )
    handling_code = models.CharField(_("handling code"), max_length=4, default="P")
    handling_conditions = models.TextField(_("handling conditions"), blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=ProductStatus.choices, default=ProductStatus.DRAFT
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_products"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="approved_products",
    )
    version = models.PositiveIntegerField(_("current version"), default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    submitted_at = models.DateTimeField(_("submitted for review"), null=True, blank=True)
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    disseminated_at = models.DateTimeField(_("first disseminated"), null=True, blank=True)

    objects = ProductQuerySet.as_manager()

    audit_restricted_fields = ("sections", "terms_of_reference", "handling_conditions")
    audit_ignored_fields = ("updated_at",)

    class Meta:
        ordering = ["-updated_at", "-id"]
        verbose_name = _("analytical product")
        permissions = [("approve_product", "Can approve and disseminate analytical products")]
        indexes = [
            models.Index(fields=["status", "submitted_at"], name="analysis_product_status"),
            models.Index(fields=["compartment", "updated_at"], name="analysis_product_comp"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("analysis:product_detail", args=[self.pk])
