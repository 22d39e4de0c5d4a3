"""Use cases of watches (of an entity, an operation or a search) and notifications.

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
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from intelligence.filters import ReportFilter
from intelligence.models import Entity, Report
from notifications import selectors
from notifications.choices import Kind
from notifications.models import Notification, Watch, operation_model

logger = logging.getLogger(__name__)


def notify(
    recipient: Any, kind: str, record: models.Model, *, gathered_into: int | None = None
) -> Notification:
    """Store a notification for ``recipient`` about ``record`` (type and id only; for a record
    gathered into an operation, that operation's id); with ``NOTIFY_BY_EMAIL`` on, send them an
    e-mail saying only that there is one."""
    notification = Notification.objects.create(
        recipient=recipient,
        kind=kind,
        object_type=record._meta.label_lower,
        object_id=record.pk,
        gathered_into=gathered_into,
    )
    _email(recipient, notification)
    return notification


def notify_gathered(
    recipient: Any, model: type[models.Model], ids: list[int], operation_id: int
) -> list[Notification]:
    """One notification per record of ``model`` gathered into an operation (one INSERT for
    all of them, and one e-mail at most)."""
    notifications = Notification.objects.bulk_create(
        [
            Notification(
                recipient=recipient,
                kind=Kind.OPERATION_GATHERED,
                object_type=model._meta.label_lower,
                object_id=pk,
                gathered_into=operation_id,
            )
            for pk in ids
        ]
    )
    if notifications:
        _email(recipient, notifications[0])
    return notifications


def _email(recipient: Any, notification: Notification) -> None:
    """The e-mail saying there is a notification, in the recipient's own language."""
    if getattr(settings, "NOTIFY_BY_EMAIL", False) and recipient.email:
        try:
            with translation.override(recipient.language_code):
                _send_notice(recipient)
        except Exception:  # the notification stands without its e-mail
            logger.exception("notification %s: the e-mail could not be sent", notification.pk)


def _send_notice(recipient: Any) -> None:
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


@action()
def watch_operation(*, actor: Any, operation: Any) -> Watch:
    """Follow an operation the person may see (one the person may not see is refused exactly
    as a missing one)."""
    if (
        operation is None
        or not operation_model().objects.visible_to(actor).filter(pk=operation.pk).exists()
    ):
        raise ValidationError({"operation": [_("No such operation.")]})
    if Watch.objects.filter(user=actor, operation=operation).exists():
        raise ValidationError({"operation": [_("You already watch this operation.")]})
    watch = Watch.objects.create(user=actor, operation=operation)
    audit.record(
        Action.CREATE,
        obj=watch,
        compartment=operation.compartment.slug,
        details={"watched_operation": operation.pk},
    )
    return watch


# The longest search text a watch keeps (the search box takes anything; a watch is stored).
SEARCH_WATCH_MAX = 200


def search_filters(actor: Any, params: dict[str, Any]) -> dict[str, str]:
    """The search page's filters out of ``params`` (its own filter names, non-empty values),
    checked by its filter set as the page checks them; a bad value is a ``ValidationError``
    naming the field."""
    names = set(ReportFilter.base_filters)
    # Sorted, so the same filters given in another order are the same watch.
    filters = {
        key: str(params[key]).strip()
        for key in sorted(params)
        if key in names and str(params[key]).strip()
    }
    filterset = ReportFilter(filters, queryset=Report.objects.visible_to(actor))
    if not filterset.is_valid():
        raise ValidationError(
            {field: [str(m) for m in messages] for field, messages in filterset.errors.items()}
        )
    return filters


@action()
def watch_search(*, actor: Any, query: str, filters: dict[str, Any] | None = None) -> Watch:
    """Follow a search of the report search page: its words and its filters."""
    query = " ".join((query or "").split())
    if not query:
        raise ValidationError({"query": [_("Give the words to search for.")]})
    if len(query) > SEARCH_WATCH_MAX:
        raise ValidationError({"query": [_("At most %(n)s characters.") % {"n": SEARCH_WATCH_MAX}]})
    filters = search_filters(actor, filters or {})
    if Watch.objects.filter(
        user=actor, entity=None, operation=None, query=query, filters=filters
    ).exists():
        raise ValidationError({"query": [_("You already watch this search.")]})
    watch = Watch.objects.create(user=actor, query=query, filters=filters)
    audit.record(
        Action.CREATE,
        obj=watch,
        compartment="",
        details={"watched_search": query, "filters": filters},
    )
    return watch


@action(recheck=False)
def unwatch(watch: Watch, *, actor: Any) -> None:
    """Stop following: one's own watch only."""
    if watch.user_id != actor.pk:
        raise PermissionDenied(_("This is not your watch."))
    target: dict[str, Any]
    if watch.operation is not None:
        # "operation" names the kind of change in these events, so the id has its own key.
        compartment = watch.operation.compartment.slug
        target = {"watched_operation": watch.operation_id}
    elif watch.entity is not None:
        compartment, target = watch.entity.compartment.slug, {"entity": watch.entity_id}
    else:
        compartment, target = "", {"watched_search": watch.query, "filters": watch.filters}
    audit.record(
        Action.ERASE,
        obj=watch,
        compartment=compartment,
        details={"operation": "unwatch", **target, "deleted": True},
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
