"""Use cases of watches and notifications.

Audit: creating and removing a watch are a ``create`` and an ``erase`` event (the log's
action for a deleted row, as the safety net records one). Marking
notifications read is an ``update`` event of its own (one per request: the ids marked), not
folded into a consultation, so the log says when a person acknowledged what. Storing a
notification is the platform's own act after another service committed (its event is that
service's); a notification holds no intelligence (a kind, a record's type and id), so its
creation writes no event of its own.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from intelligence.models import Entity
from notifications import selectors
from notifications.models import Notification, Watch

logger = logging.getLogger(__name__)


def notify(recipient: Any, kind: str, record: models.Model) -> Notification:
    """Store a notification for ``recipient`` about ``record`` (type and id only); with
    ``NOTIFY_BY_EMAIL`` on, send them an e-mail saying only that there is one."""
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        object_type=record._meta.label_lower,
        object_id=record.pk,
    )
    if getattr(settings, "NOTIFY_BY_EMAIL", False) and recipient.email:
        try:
            send_mail(
                _("You have a new notification"),
                _(
                    "You have a new notification on the intelligence platform. "
                    "Sign in and open %(path)s to read it."
                )
                % {"path": reverse("notifications:list")},
                None,
                [recipient.email],
            )
        except Exception:  # the notification stands without its e-mail
            logger.exception("notification %s: the e-mail could not be sent", notification.pk)
    return notification


@action()
def watch_entity(*, actor: Any, entity: Entity | None) -> Watch:
    """Follow an entity the person may see (one the person may not see is refused exactly
    as a missing one)."""
    if entity is None or not Entity.objects.visible_to(actor).filter(pk=entity.pk).exists():
        raise ValidationError({"entity": [_("No such entity.")]})
    if Watch.objects.filter(user=actor, entity=entity).exists():
        raise ValidationError({"entity": [_("You already watch this entity.")]})
    watch = Watch.objects.create(user=actor, entity=entity)
    audit.record(
        Action.CREATE,
        obj=watch,
        compartment=entity.compartment.slug,
        details={"entity": entity.pk},
    )
    return watch


@action(recheck=False)
def unwatch(watch: Watch, *, actor: Any) -> None:
    """Stop following: one's own watch only."""
    if watch.user_id != actor.pk:
        raise PermissionDenied(_("This is not your watch."))
    audit.record(
        Action.ERASE,
        obj=watch,
        compartment=watch.entity.compartment.slug,
        details={"operation": "unwatch", "entity": watch.entity_id, "deleted": True},
    )
    watch.delete()


def _mark(actor: Any, queryset: Any) -> list[int]:
    ids = list(queryset.filter(read_at__isnull=True).values_list("pk", flat=True))
    if ids:
        Notification.objects.filter(pk__in=ids).update(read_at=timezone.now())
        audit.record(
            Action.UPDATE,
            object_type=Notification._meta.label_lower,
            object_id=ids[0] if len(ids) == 1 else "",
            details={"operation": "mark_read", "ids": ids},
        )
    return ids


@action()
def mark_read(notification: Notification, *, actor: Any) -> list[int]:
    """Mark one of one's own (visible) notifications read; already read: nothing changes."""
    visible = selectors.notifications_for(actor).filter(pk=notification.pk)
    if not visible.exists():
        raise PermissionDenied(_("This is not your notification."))
    return _mark(actor, visible)


@action()
def mark_all_read(*, actor: Any) -> list[int]:
    """Mark every unread notification the person is shown as read."""
    return _mark(actor, selectors.notifications_for(actor))
