from __future__ import annotations

from django.db import models


class AuditedModel(models.Model):
    """Base for models whose every change must reach the audit trail.

    Services record their own events; the safety net in ``audit.signals`` records any save or
    delete that happens outside a service (admin, shell, scripts). Subclasses may set:
    ``audit_restricted_fields``: text whose values never enter the log (names only);
    ``audit_ignored_fields``: derived columns not worth logging (search vectors, timestamps).
    """

    audit_restricted_fields: tuple[str, ...] = ()
    audit_ignored_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True
