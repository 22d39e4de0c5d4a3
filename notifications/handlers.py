"""What the notifications app does when a service announces something
(``ilp_platform.core.events``): it decides who is told and stores a notification for each,
naming the record by type and id only. Handlers run after the service's transaction commits;
a failure here is logged by the events hook and never reaches the service.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from analysis.models import Product
from ilp_platform.accounts.choices import Role
from ilp_platform.core import events
from ilp_platform.core.references import may_see
from intelligence.models import ReportEntity
from notifications import services
from notifications.choices import Kind
from notifications.models import Watch
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


SUBSCRIPTIONS = {
    "entity.mentioned": entity_mentioned,
    "tasking.assigned": tasking_assigned,
    "product.returned": product_returned,
    "product.approved": product_approved,
    "requirement.answered": requirement_answered,
    "share.received": share_received,
    "requirement.issued": requirement_issued,
    "priority.issued": priority_issued,
}


def connect() -> None:
    for name, handler in SUBSCRIPTIONS.items():
        events.subscribe(name, handler)
