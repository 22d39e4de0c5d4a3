"""Analytical products (NIM): strategic and tactical assessments, subject and problem profiles,
threat assessments. Each lives in a compartment and carries a handling code."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from analysis.choices import ProductKind, ProductStatus
from audit.disclosure import DisclosureRules
from audit.mixins import AuditedModel
from ilp_platform.core.querysets import RestrictedQuerySet
from intelligence.choices import GradingScheme


class ProductQuerySet(RestrictedQuerySet):
    def awaiting_approval_by(self, user):
        """Products in review that ``user`` may approve: someone else's, in a compartment held."""
        return self.visible_to(user).filter(status=ProductStatus.IN_REVIEW).exclude(author=user.pk)

    def submitted_between(self, start, end):
        return self.filter(submitted_at__gte=start, submitted_at__lt=end)


class Product(AuditedModel):
    """An analytical product written against terms of reference, reviewed and approved.

    It lives in one compartment and may cite only material of that compartment; its handling
    code is at least as restrictive as the most restrictive material it cites. Each approval
    freezes a :class:`ProductVersion`; editing an approved product starts the next version.
    """

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
    # The unit that owns the record: its author's unit at creation (``sharing.owning``).
    owning_unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owning unit"),
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
    # The reviewer's comment when the product was last returned to its author.
    review_comment = models.TextField(_("review comment"), blank=True)
    returned_at = models.DateTimeField(_("returned for changes"), null=True, blank=True)

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

    @property
    def is_editable(self) -> bool:
        return self.status == ProductStatus.DRAFT

    @property
    def handling_in_words(self) -> str:
        from intelligence import grading

        return grading.meaning(self.handling_scheme, grading.HANDLING, self.handling_code)

    def disclosure_rules(self) -> DisclosureRules:
        """The same rules as a report graded with this product's handling scheme and code."""
        from types import SimpleNamespace

        from intelligence.models import Report

        graded = SimpleNamespace(
            handling_code=self.handling_code,
            grading_scheme=self.handling_scheme,
            handling_conditions=self.handling_conditions or "",
        )
        return Report.disclosure_rules(graded)


class CitationKind(models.TextChoices):
    REPORT = "report", _("Intelligence report")
    ENTITY = "entity", _("Entity")
    JOB = "job", _("Analysis result")


class Citation(models.Model):
    """Material a product cites, with a snapshot of it as it was when cited.

    The snapshot holds what the product shows (a report's grade and sanitised text, an
    entity's label, a job's chart, table and parameters), so a later change to the source does
    not silently change an approved product.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="citations")
    kind = models.CharField(_("kind"), max_length=10, choices=CitationKind.choices)
    report = models.ForeignKey(
        "intelligence.Report", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    entity = models.ForeignKey(
        "intelligence.Entity", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    job = models.ForeignKey(
        "analysis.AnalysisJob",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="citations",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    snapshot = models.JSONField(_("snapshot"), default=dict)
    cited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    cited_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    # Governed by its product; a citation quotes its target, so it shows only to people who
    # may see both (``ilp_platform.core.references``).
    compartment_path = "product__compartment"
    required_references = ("report", "entity", "job")

    class Meta:
        ordering = ["cited_at", "id"]
        verbose_name = _("citation")
        constraints = [
            models.UniqueConstraint(fields=["product", "report"], name="analysis_cite_report_once"),
            models.UniqueConstraint(fields=["product", "entity"], name="analysis_cite_entity_once"),
            models.UniqueConstraint(fields=["product", "job"], name="analysis_cite_job_once"),
            models.CheckConstraint(
                name="analysis_citation_one_target",
                condition=(
                    models.Q(
                        kind="report", report__isnull=False, entity__isnull=True, job__isnull=True
                    )
                    | models.Q(
                        kind="entity", entity__isnull=False, report__isnull=True, job__isnull=True
                    )
                    | models.Q(
                        kind="job", job__isnull=False, report__isnull=True, entity__isnull=True
                    )
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} cited in {self.product_id}"


class ProductVersion(models.Model):
    """A frozen copy of a product made at each approval; never changed afterwards."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    # Everything the product showed when approved: title, sections, terms of reference,
    # handling, citations with their snapshots.
    content = models.JSONField(_("content"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved"))
    content_hash = models.CharField(max_length=64)

    objects = RestrictedQuerySet.as_manager()

    compartment_path = "product__compartment"

    class Meta:
        ordering = ["product", "-number"]
        verbose_name = _("product version")
        constraints = [
            models.UniqueConstraint(fields=["product", "number"], name="analysis_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.product.reference} v{self.number}"


class Dissemination(models.Model):
    """A product version sent to a recipient; each is also a disclosure in the audit trail."""

    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="disseminations")
    version = models.ForeignKey(ProductVersion, on_delete=models.PROTECT, related_name="+")
    recipient = models.CharField(_("recipient"), max_length=200)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    conditions_acknowledged = models.BooleanField(
        _("handling conditions acknowledged"), default=False
    )
    provider_permission = models.CharField(
        _("provider's permission reference"), max_length=200, blank=True
    )
    disseminated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    disseminated_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedQuerySet.as_manager()

    compartment_path = "product__compartment"

    class Meta:
        ordering = ["-disseminated_at", "-id"]
        verbose_name = _("dissemination")

    def __str__(self) -> str:
        return f"{self.product_id} v{self.version_id} to {self.recipient}"
