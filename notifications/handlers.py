"""What the notifications app does when a service announces something
(``ilp_platform.core.events``): it decides who is told and stores a notification for each,
naming the record by type and id only. Handlers run after the service's transaction commits;
a failure here is logged by the events hook and never reaches the service.
"""

from __future__ import annotations

import logging
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_save

from analysis.models import Product
from ilp_platform.accounts.choices import Role
from ilp_platform.core import context, events
from ilp_platform.core.references import may_see
from intelligence.choices import ReportStatus
from intelligence.models import Report, ReportEntity
from notifications import selectors, services
from notifications.choices import Kind
from notifications.models import Notification, Watch
from tasking.models import RequirementAnswer, Tasking


def _others(user_ids, actor) -> list[Any]:
    """The active people of ``user_ids`` but the actor (no one is told of their own act)."""
    actor_id = getattr(actor, "pk", None)
    ids = {i for i in user_ids if i is not None and i != actor_id}
    return list(get_user_model().objects.filter(pk__in=ids, is_active=True))


def _tell(user_ids, actor, kind: str, record: Any) -> None:
    """Notify each of ``user_ids`` (not the actor) who may see ``record``."""
    for user in _others(user_ids, actor):
        if may_see(user, record):
            services.notify(user, kind, record)


def entity_mentioned(*, mention: ReportEntity, actor: Any = None, **_: Any) -> None:
    """Everyone watching the entity who may see both the report and the entity (that is, the
    mention itself: it is visible only with both)."""
    watchers = Watch.objects.filter(entity_id=mention.entity_id).values_list("user_id", flat=True)
    _tell(watchers, actor, Kind.ENTITY_MENTIONED, mention)


def tasking_assigned(*, tasking: Tasking, actor: Any = None, **_: Any) -> None:
    _tell([tasking.owner_user_id], actor, Kind.TASKING_ASSIGNED, tasking)


def _product(kind: str):
    def handle(*, product: Product, actor: Any = None, **_: Any) -> None:
        _tell([product.author_id], actor, kind, product)

    handle.__name__ = f"product_{kind}"
    return handle


product_returned = _product(Kind.PRODUCT_RETURNED)
product_approved = _product(Kind.PRODUCT_APPROVED)


def requirement_answered(*, answer: RequirementAnswer, actor: Any = None, **_: Any) -> None:
    """The person who raised the requirement, when they may see the answer (the requirement
    and the report)."""
    _tell([answer.requirement.raised_by_id], actor, Kind.REQUIREMENT_ANSWERED, answer)


def _managers_of(unit: Any) -> list[int]:
    """The active managers of ``unit`` (people of the unit holding the manager role)."""
    if unit is None:
        return []
    return list(
        get_user_model()
        .objects.filter(unit=unit.pk, is_active=True, groups__name=Role.MANAGER)
        .values_list("pk", flat=True)
        .distinct()
    )


def _arrival(kind: str):
    """Something arrived in a unit's intake from another unit: its managers are told, each
    only when they may see the record that arrived (the one in their intake, never the
    sender's)."""

    def handle(*, record: Any, unit: Any, actor: Any = None, **_: Any) -> None:
        _tell(_managers_of(unit), actor, kind, record)

    handle.__name__ = f"arrival_{kind}"
    return handle


share_received = _arrival(Kind.SHARE_RECEIVED)
requirement_issued = _arrival(Kind.REQUIREMENT_ISSUED)
priority_issued = _arrival(Kind.PRIORITY_ISSUED)


def _operation_watchers(operation: Any, actor: Any) -> list[Any]:
    """The people watching ``operation`` but the actor, each only while they may see it."""
    watchers = Watch.objects.filter(operation_id=operation.pk).values_list("user_id", flat=True)
    return [user for user in _others(watchers, actor) if may_see(user, operation)]


def operation_gathered(
    *, operation: Any, kind: str, ids: list[int], actor: Any = None, **_: Any
) -> None:
    """Records of one kind gathered into a watched operation: each watcher is told of the
    records among them they may see (one query per watcher); the rest are not named at all.
    What is shown is checked again when it is shown (``selectors``)."""
    model = type(operation)._meta.get_field(kind).related_model
    for user in _operation_watchers(operation, actor):
        seen = sorted(
            model._default_manager.visible_to(user)  # type: ignore[attr-defined]
            .filter(pk__in=ids)
            .values_list("pk", flat=True)
        )
        if seen:
            services.notify_gathered(user, model, seen, operation.pk)  # type: ignore[arg-type]


def _operation_status(kind: str):
    def handle(*, operation: Any, actor: Any = None, **_: Any) -> None:
        for user in _operation_watchers(operation, actor):
            services.notify(user, kind, operation)

    handle.__name__ = f"operation_{kind}"
    return handle


operation_closed = _operation_status(Kind.OPERATION_CLOSED)
operation_reopened = _operation_status(Kind.OPERATION_REOPENED)


logger = logging.getLogger(__name__)

# A report is news to a search watch once it is submitted or evaluated (a draft is its
# author's alone; an erased one is gone).
SEARCHABLE = (ReportStatus.SUBMITTED, ReportStatus.EVALUATED)


def report_matched(report_id: int, actor: Any = None) -> None:
    """A report became (or stayed) submitted or evaluated: every search watch of another
    person whose search finds it among the reports they may see is told once of it. Run after
    the report's transaction commits, when its search document is in place.

    Cost: one query for the watches, then one look-up by key per search watch of a person not
    yet told of this report (``selectors.search_watches_matching``). At demo scale (tens of
    watches) that is nothing; with thousands of search watches it would be thousands of
    indexed look-ups per report saved, and belongs in a Celery task batching the reports of a
    minute against each distinct search."""
    report = Report.objects.filter(pk=report_id, status__in=SEARCHABLE).first()
    if report is None:
        return
    told = Notification.objects.filter(
        kind=Kind.SEARCH_MATCHED, object_type=Report._meta.label_lower, object_id=report.pk
    ).values("recipient_id")
    actor_id = getattr(actor, "pk", None)
    watches = list(
        Watch.objects.filter(entity=None, operation=None, user__is_active=True)
        .exclude(user_id=actor_id)
        .exclude(user_id__in=told)
        .select_related("user")
        .order_by("user_id", "id")
    )
    notified: set[int] = set()
    for watch in selectors.search_watches_matching(report, watches):
        if watch.user_id not in notified:
            notified.add(watch.user_id)
            services.notify(watch.user, Kind.SEARCH_MATCHED, report)


def _report_saved(sender: Any, instance: Report, **kwargs: Any) -> None:
    """Django's ``post_save`` of a report: match the search watches once the change commits
    (never when it rolls back); a failure is logged and never reaches the saving service."""
    if instance.status not in SEARCHABLE:
        return
    report_id, actor = instance.pk, context.current().user

    def run() -> None:
        try:
            report_matched(report_id, actor)
        except Exception:  # a notification never breaks the saving of a report
            logger.exception("report %s: search watches could not be matched", report_id)

    transaction.on_commit(run)


SUBSCRIPTIONS = {
    "entity.mentioned": entity_mentioned,
    "tasking.assigned": tasking_assigned,
    "product.returned": product_returned,
    "product.approved": product_approved,
    "requirement.answered": requirement_answered,
    "share.received": share_received,
    "requirement.issued": requirement_issued,
    "priority.issued": priority_issued,
    "operation.gathered": operation_gathered,
    "operation.closed": operation_closed,
    "operation.reopened": operation_reopened,
}


def connect() -> None:
    for name, handler in SUBSCRIPTIONS.items():
        events.subscribe(name, handler)
    post_save.connect(_report_saved, sender=Report, dispatch_uid="notifications.report_saved")
