"""Sharing between units of one platform: a report or product disseminated to another unit.

A :class:`Share` is the dissemination step at the sender (its risk assessment, the conditions
imposed and the legal basis) and names the new report the receiving unit found in its intake
(``received_report``, with an ``intelligence.Provenance`` row). Requirements flowing down and
aggregate figures flowing across are in ``sharing.levels`` and ``sharing.aggregates``.
"""

from __future__ import annotations

from typing import cast

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel
from ilp_platform.core.querysets import RestrictedQuerySet, compartment_grants
from sharing.choices import Risk, ShareKind


class ShareQuerySet(RestrictedQuerySet):
    def visible_to(self, user) -> ShareQuerySet:
        """Two sides see a share:

        - the sender's side: people holding the share's compartment (the original's) who may
          see the original report or product;
        - the receiver's side: people who may see the report received in the intake.

        Each side reads the other side's record as empty (the references are masked): the
        receiver learns the original only as its provenance gives it (originator, URN, grading).
        """
        from analysis.models import Product
        from intelligence.models import Report

        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        reports = Report.objects.visible_to(user).values("pk")
        products = Product.objects.visible_to(user).values("pk")
        sender_side = compartment_grants(user, "compartment") & (
            Q(report__in=reports) | Q(product__in=products)
        )
        receiver_side = Q(received_report__in=reports)
        return cast(ShareQuerySet, self.filter(sender_side | receiver_side).read_by(user))

    def sent_by_side(self, user) -> ShareQuerySet:
        """Shares the person sees as sender (the original is within their reach)."""
        from analysis.models import Product
        from intelligence.models import Report

        return self.filter(
            Q(report__in=Report.objects.visible_to(user).values("pk"))
            | Q(product__in=Product.objects.visible_to(user).values("pk"))
        )

    def received_by_side(self, user) -> ShareQuerySet:
        from intelligence.models import Report

        return self.filter(received_report__in=Report.objects.visible_to(user).values("pk"))


class Share(AuditedModel):
    """One dissemination of a report or product from one unit to another.

    The sender records the risks (to the source, to an operation, to a person), the conditions
    imposed on the receiver (codes, ``intelligence.provenance.CONDITIONS``, and words), and the
    legal basis. The text that travelled is the sanitised text unless the handling code let the
    original go and the sender chose to send it (``original_sent``).
    """

    kind = models.CharField(_("kind"), max_length=10, choices=ShareKind.choices)
    report = models.ForeignKey(
        "intelligence.Report",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shares",
        verbose_name=_("report shared"),
    )
    product = models.ForeignKey(
        "analysis.Product",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shares",
        verbose_name=_("product shared"),
    )
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="shares_sent"
    )
    from_unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        related_name="shares_sent",
        verbose_name=_("from unit"),
    )
    to_unit = models.ForeignKey(
        "accounts.Unit",
        on_delete=models.PROTECT,
        related_name="shares_received",
        verbose_name=_("to unit"),
    )
    received_report = models.ForeignKey(
        "intelligence.Report",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="received_through",
        verbose_name=_("report received"),
    )
    answers_requirement = models.ForeignKey(
        "tasking.Requirement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="shares",
        verbose_name=_("answers the requirement"),
    )
    risk_to_source = models.CharField(_("risk to the source"), max_length=8, choices=Risk.choices)
    risk_to_operation = models.CharField(
        _("risk to an operation"), max_length=8, choices=Risk.choices
    )
    risk_to_person = models.CharField(_("risk to a person"), max_length=8, choices=Risk.choices)
    risk_assessment = models.TextField(_("risk assessment"), blank=True)
    conditions = models.JSONField(_("conditions imposed"), default=list, blank=True)
    conditions_note = models.TextField(_("conditions in words"), blank=True)
    legal_basis = models.CharField(_("legal basis"), max_length=300)
    original_sent = models.BooleanField(_("original text sent"), default=False)
    grading_as_given = models.CharField(_("grading as given"), max_length=50, blank=True)
    original_reference = models.CharField(_("original reference"), max_length=100, blank=True)
    shared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    shared_at = models.DateTimeField(_("shared"), auto_now_add=True)

    objects = ShareQuerySet.as_manager()  # type: ignore[django-manager-missing]  # see pyproject

    # The sender's own reasoning about the source and the operation stays out of the log.
    audit_restricted_fields = ("risk_assessment", "conditions_note")

    class Meta:
        ordering = ["-shared_at", "-id"]
        verbose_name = _("share with another unit")
        verbose_name_plural = _("shares with other units")
        permissions = [
            ("view_aggregates", "Can read aggregate figures of the units below"),
        ]
        constraints = [
            models.CheckConstraint(
                name="sharing_share_one_record",
                condition=(
                    Q(kind="report", report__isnull=False, product__isnull=True)
                    | Q(kind="product", product__isnull=False, report__isnull=True)
                ),
            )
        ]
        indexes = [
            models.Index(fields=["from_unit", "-shared_at"], name="sharing_share_from"),
            models.Index(fields=["to_unit", "-shared_at"], name="sharing_share_to"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.original_reference} → {self.to_unit_id}"

    def get_absolute_url(self) -> str:
        return reverse("sharing:detail", args=[self.pk])

    @property
    def reference(self) -> str:
        """How events and lists name a share: its own number (never the shared record's)."""
        return f"SHR-{self.pk}"
