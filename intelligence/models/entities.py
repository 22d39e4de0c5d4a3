"""Entities (people, groups, vehicles, places, communication identifiers) and their links."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel
from ilp_platform.core.indexes import index_where_set
from ilp_platform.core.querysets import RestrictedQuerySet
from intelligence.choices import (
    EntityKind,
    IdentifierKind,
    LinkKind,
    LinkStrength,
    SubjectCategory,
)


def normalise_name(name: str) -> str:
    """Lower case, no accents or punctuation, single spaces: "O'Neil,  Seán" -> "oneil sean"."""
    text = unicodedata.normalize("NFKD", name or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"[^\w\s]", "", text)
    return " ".join(text.split())


def normalise_identifier(kind: str, value: str) -> str:
    value = (value or "").strip()
    if kind == IdentifierKind.PHONE:
        digits = re.sub(r"\D", "", value)
        # A UK number written internationally (+44 7700...) matches the national form (07700...).
        if digits.startswith("44") and len(digits) == 12:
            digits = "0" + digits[2:]
        return digits
    if kind == IdentifierKind.EMAIL:
        return value.lower()
    if kind == IdentifierKind.VEHICLE_REGISTRATION:
        return re.sub(r"[^A-Z0-9]", "", value.upper())
    if kind == IdentifierKind.HANDLE:
        return value.lower().lstrip("@")
    return value.lower()


class EntityQuerySet(RestrictedQuerySet):
    def current(self) -> EntityQuerySet:
        """Entities not merged into another one."""
        return self.filter(merged_into__isnull=True)


class Entity(AuditedModel):
    """A person, organisation or group, vehicle, location or communication identifier."""

    kind = models.CharField(_("kind"), max_length=20, choices=EntityKind.choices)
    name = models.CharField(_("name"), max_length=200)
    name_key = models.CharField(max_length=200, editable=False, db_index=True)
    # The unit that owns the record: its author's unit at creation (``sharing.owning``).
    owning_unit = models.ForeignKey(
        "accounts.Unit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # indexed where set (Meta)
        related_name="+",
        verbose_name=_("owning unit"),
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="entities"
    )
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        db_index=False,  # indexed where set (Meta)
        related_name="merged_from",
        editable=False,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = EntityQuerySet.as_manager()

    audit_ignored_fields = ("name_key", "updated_at")

    class Meta:
        ordering = ["name"]
        verbose_name = _("entity")
        verbose_name_plural = _("entities")
        permissions = [("merge_entity", "Can merge duplicate entities")]
        indexes = [
            models.Index(fields=["kind", "name_key"], name="intel_entity_kind_key"),
            # Empty for every entity not merged away, and for one received in a pushed package.
            index_where_set("merged_into", "intel_entity_merged_set"),
            index_where_set("owning_unit", "intel_entity_unit_set"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        if self.kind == EntityKind.VEHICLE:
            self.name_key = normalise_identifier(IdentifierKind.VEHICLE_REGISTRATION, self.name)
        else:
            self.name_key = normalise_name(self.name)
        if kwargs.get("update_fields") is not None and "name" in kwargs["update_fields"]:
            kwargs["update_fields"] = {*kwargs["update_fields"], "name_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("intelligence:entity_detail", args=[self.pk])


class IdentifierQuerySet(RestrictedQuerySet):
    pass


class Identifier(AuditedModel):
    """A phone number, email address, handle or registration that identifies an entity."""

    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="identifiers")
    kind = models.CharField(_("kind"), max_length=10, choices=IdentifierKind.choices)
    value = models.CharField(_("value"), max_length=200)
    value_key = models.CharField(max_length=200, editable=False, db_index=True)

    objects = IdentifierQuerySet.as_manager()
    compartment_path = "entity__compartment"
    audit_ignored_fields = ("value_key",)

    class Meta:
        ordering = ["kind", "value"]
        verbose_name = _("identifier")
        indexes = [models.Index(fields=["kind", "value_key"], name="intel_identifier_key")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def save(self, *args, **kwargs):
        self.value_key = normalise_identifier(self.kind, self.value)
        super().save(*args, **kwargs)


class ReportEntityQuerySet(RestrictedQuerySet):
    pass


class ReportEntity(AuditedModel):
    """An entity named in a report, with the data-subject category (LED Art. 6) and whether
    what the report says about it is fact or assessment (Art. 7). Governed by the report's
    compartment.
    """

    # No index of its own: intel_report_entity_once leads with it.
    report = models.ForeignKey(
        "intelligence.Report",
        on_delete=models.CASCADE,
        related_name="entity_links",
        db_index=False,
    )
    entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="report_links")
    subject_category = models.CharField(
        _("data-subject category"), max_length=12, choices=SubjectCategory.choices, blank=True
    )
    is_assessment = models.BooleanField(_("assessment rather than fact"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReportEntityQuerySet.as_manager()
    compartment_path = "report__compartment"

    class Meta:
        ordering = ["id"]
        verbose_name = _("report-entity link")
        constraints = [
            models.UniqueConstraint(fields=["report", "entity"], name="intel_report_entity_once")
        ]

    def __str__(self) -> str:
        return f"{self.report_id} - {self.entity_id}"


class LinkQuerySet(RestrictedQuerySet):
    pass


class Link(AuditedModel):
    """A relationship between two entities, its strength, and the reports it rests on."""

    # No index of its own: intel_link_compartment leads with it.
    compartment = models.ForeignKey(
        "accounts.Compartment", on_delete=models.PROTECT, related_name="links", db_index=False
    )
    from_entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="links_out")
    to_entity = models.ForeignKey(Entity, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(_("kind"), max_length=12, choices=LinkKind.choices)
    strength = models.CharField(
        _("strength"),
        max_length=12,
        choices=LinkStrength.choices,
        default=LinkStrength.UNCONFIRMED,
    )
    reports = models.ManyToManyField(
        "intelligence.Report", blank=True, related_name="entity_relationships"
    )
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = LinkQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("link")
        indexes = [models.Index(fields=["compartment", "-id"], name="intel_link_compartment")]

    def __str__(self) -> str:
        return f"{self.from_entity_id} {self.kind} {self.to_entity_id}"
