"""Watches (an entity a person follows) and in-app notifications.

A notification names its record by type and id only: no name, title or text of it is
stored. What it says and where it links are built when it is shown, from the record fetched
through ``visible_to(recipient)``; a notification whose record the recipient can no longer
see is neither shown nor counted (``notifications.selectors``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.mixins import AuditedModel
from ilp_platform.core.querysets import RestrictedManager, RestrictedQuerySet
from notifications.choices import Kind


class WatchQuerySet(RestrictedQuerySet):
    def visible_to(self, user):
        """A person's own watches, of entities they may still see."""
        qs = super().visible_to(user)
        if not getattr(user, "is_authenticated", False):
            return qs
        return qs.filter(user=user.pk)


class Watch(AuditedModel):
    """A person follows an entity: a new report naming it notifies them (when they may see
    both). Governed by the entity's compartment: a watch of an entity out of reach is gone
    from every list."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watches"
    )
    entity = models.ForeignKey(
        "intelligence.Entity", on_delete=models.CASCADE, related_name="watches"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestrictedManager.from_queryset(WatchQuerySet)()
    compartment_path = "entity__compartment"

    class Meta:
        ordering = ["-id"]
        verbose_name = _("watch")
        constraints = [
            models.UniqueConstraint(fields=["user", "entity"], name="notifications_watch_unique")
        ]

    def __str__(self) -> str:
        return f"watch {self.pk}"


class Notification(models.Model):
    """Something happened to a record the recipient cares about. The record is named by
    ``object_type`` (``app.model``) and ``object_id`` only."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    object_type = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
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
