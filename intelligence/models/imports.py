"""Incident imports: one background job per uploaded file, and the column mappings remembered
per file layout."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from ilp_platform.core.jobs import BackgroundJob
from ilp_platform.core.querysets import RestrictedQuerySet
from intelligence.imports.choices import Encoding, FileFormat, ImportMode


class ImportJobQuerySet(RestrictedQuerySet):
    pass


class ImportJob(BackgroundJob):
    """One uploaded incident file, validated and loaded all-or-nothing by a Celery worker.

    The file itself is kept in the shared storage (``STORAGE_BACKEND``: data directory,
    database or object storage) as ``imports/<stored_name>``, never served, and deleted once
    loaded or when it expires. Visible to the people holding the compartment the incidents
    are imported into.
    """

    compartment = models.ForeignKey(
        "accounts.Compartment",
        on_delete=models.PROTECT,
        related_name="incident_imports",
        verbose_name=_("compartment"),
    )
    mode = models.CharField(
        _("mode"), max_length=10, choices=ImportMode.choices, default=ImportMode.INSERT
    )
    file_name = models.CharField(_("file name"), max_length=255)
    file_size = models.BigIntegerField(_("file size (bytes)"), default=0)
    file_format = models.CharField(_("format"), max_length=8, choices=FileFormat.choices)
    file_sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    encoding = models.CharField(
        _("encoding"), max_length=16, choices=Encoding.choices, default=Encoding.UTF8
    )
    stored_name = models.CharField(max_length=100, blank=True, editable=False)
    file_deleted_at = models.DateTimeField(_("file deleted"), null=True, blank=True)
    delimiter = models.CharField(max_length=1, default=",", editable=False)
    columns = models.JSONField(_("file columns"), default=list, blank=True)
    layout_hash = models.CharField(max_length=64, blank=True, editable=False)
    mapping = models.JSONField(
        _("mapping"), default=dict, blank=True, help_text=_("Incident field -> file column.")
    )
    mapping_source = models.CharField(_("mapping from"), max_length=16, blank=True)
    rows_total = models.BigIntegerField(_("rows read"), default=0)
    rows_inserted = models.BigIntegerField(_("incidents added"), default=0)
    rows_updated = models.BigIntegerField(_("incidents updated"), default=0)
    rows_refused = models.BigIntegerField(_("rows refused"), default=0)
    error_report = models.JSONField(
        _("error report"),
        default=list,
        blank=True,
        help_text=_("Bad rows: line, field, reason, value (the first ones, see error counts)."),
    )
    error_counts = models.JSONField(_("errors by reason"), default=dict, blank=True)
    # Set in the load's own transaction: a second delivery of a loaded job does nothing.
    loaded_at = models.DateTimeField(_("loaded"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("incident import")
        indexes = [
            models.Index(fields=["status", "created_at"], name="intel_import_status"),
            models.Index(fields=["compartment", "-id"], name="intel_import_comp"),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} (#{self.pk})"

    def get_absolute_url(self) -> str:
        return reverse("intelligence:import_detail", args=[self.pk])


class ImportMapping(models.Model):
    """The column mapping last confirmed for one file layout (a hash of its normalised header).

    Holds column names only, no incident data, so it is shared by everyone who imports files
    of that layout.
    """

    layout_hash = models.CharField(max_length=64, unique=True)
    columns = models.JSONField(_("file columns"), default=list)
    mapping = models.JSONField(_("mapping"), default=dict)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)
    times_used = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = _("import column mapping")

    def __str__(self) -> str:
        return ", ".join(f"{field} <- {column}" for field, column in self.mapping.items())
