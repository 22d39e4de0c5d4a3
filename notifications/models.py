"""Watches (an entity or an operation a person follows) and in-app notifications.

A notification names its record by type and id only: no name, title or text of it is
stored. What it says and where it links are built when it is shown, from the record fetched
through ``visible_to(recipient)``; a notification whose record the recipient can no longer
see is neither shown nor counted (``notifications.selectors``).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel
from ilp_platform.core.querysets import RestrictedManager, RestrictedQuerySet
from notifications.choices import Kind


class WatchQuerySet(RestrictedQuerySet):
    def visible_to(self, user):
        """A person's own watches, of entities and operations they may still see (each
        reference is checked through its own ``visible_to``: the entity governs, the operation
        is a required reference)."""
        qs = super().visible_to(user)
        if not getattr(user, "is_authenticated", False):
            return qs
        return qs.filter(user=user.pk)


class Watch(AuditedModel):
    """A person follows an entity, an operation or a search (exactly one of the three).

    An entity: a new report naming it notifies them (when they may see both). An operation: a
    record gathered into it by someone else, and its closing or reopening, notify them (when
    they may see the operation, and the record). A search (its words and the search page's
    filters): a report becoming submitted or evaluated that the same search would find among
    the reports they may see notifies them. A watch of a record out of reach is gone from
    every list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    entity = models.ForeignKey(
        "intelligence.Entity",
        on_delete=models.CASCADE,
        related_name="watches",
        null=True,
        blank=True,
    )
    operation = models.ForeignKey(
        "operations.Operation",
        on_delete=models.CASCADE,
        related_name="watches",
        null=True,
        blank=True,
    )
    # A search: the words as typed on the search page and its filters (only the search page's
    # own filter names, validated by its filter set when stored).
    query = models.CharField(_("search"), max_length=200, blank=True)
    filters = models.JSONField(_("filters"), default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager.from_queryset(WatchQuerySet)()
    compartment_path = "entity__compartment"
    # A watch of an operation is visible only with its operation (the entity governs the
    # others; a null reference stands aside).
    required_references = ("operation",)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("watch")
        constraints = [
            models.UniqueConstraint(fields=["user", "entity"], name="notifications_watch_unique"),
            models.UniqueConstraint(
                fields=["user", "operation"], name="notifications_watch_operation_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(entity__isnull=False, operation__isnull=True, query="")
                | models.Q(entity__isnull=True, operation__isnull=False, query="")
                | (models.Q(entity__isnull=True, operation__isnull=True) & ~models.Q(query="")),
                name="notifications_watch_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"watch {self.pk}"

    @property
    def is_search(self) -> bool:
        return self.entity_id is None and self.operation_id is None


def operation_model() -> Any:
    """The operation model, through the watch's reference to it: the notifications app reads
    operations without importing the app (``docs/architecture.md``, layers)."""
    return Watch._meta.get_field("operation").related_model


class Notification(models.Model):
    """Something happened to a record the recipient cares about. The record is named by
    ``object_type`` (``app.model``) and ``object_id`` only; a record gathered into an operation
    names that operation by ``gathered_into`` (its id)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    # The operation a record was gathered into (by id, like the record): the notification
    # shows only while its recipient may see this operation too.
    gathered_into = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("notification")
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notifications_unread"),
            models.Index(fields=["recipient", "-id"], name="notifications_recipient"),
        ]

    def __str__(self) -> str:
        return f"notification {self.pk}"
