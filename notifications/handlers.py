"""What the notifications app does when a service announces something
(``ilp_platform.core.events``): it decides who is told and stores a notification for each,
naming the record by type and id only. Handlers run after the service's transaction commits;
a failure here is logged by the events hook and never reaches the service.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model

from analysis.models import Product
from ilp_platform.core import events
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


def entity_mentioned(*, mention: ReportEntity, actor: Any = None, **_: Any) -> None:
    """Everyone watching the entity who may see both the report and the entity (that is, the
    mention itself: it is visible only with both)."""
    watchers = Watch.objects.filter(entity_id=mention.entity_id).values_list("user_id", flat=True)
    for user in _others(watchers, actor):
        if ReportEntity.objects.visible_to(user).filter(pk=mention.pk).exists():
            services.notify(user, Kind.ENTITY_MENTIONED, mention)


def tasking_assigned(*, tasking: Tasking, actor: Any = None, **_: Any) -> None:
    for user in _others([tasking.owner_user_id], actor):
        if Tasking.objects.visible_to(user).filter(pk=tasking.pk).exists():
            services.notify(user, Kind.TASKING_ASSIGNED, tasking)


def _product(kind: str):
    def handle(*, product: Product, actor: Any = None, **_: Any) -> None:
        for user in _others([product.author_id], actor):
            if Product.objects.visible_to(user).filter(pk=product.pk).exists():
                services.notify(user, kind, product)

    handle.__name__ = f"product_{kind}"
    return handle


product_returned = _product(Kind.PRODUCT_RETURNED)
product_approved = _product(Kind.PRODUCT_APPROVED)


def requirement_answered(*, answer: RequirementAnswer, actor: Any = None, **_: Any) -> None:
    """The person who raised the requirement, when they may see the answer (the requirement
    and the report)."""
    for user in _others([answer.requirement.raised_by_id], actor):
        if RequirementAnswer.objects.visible_to(user).filter(pk=answer.pk).exists():
            services.notify(user, Kind.REQUIREMENT_ANSWERED, answer)


SUBSCRIPTIONS = {
    "entity.mentioned": entity_mentioned,
    "tasking.assigned": tasking_assigned,
    "product.returned": product_returned,
    "product.approved": product_approved,
    "requirement.answered": requirement_answered,
}


def connect() -> None:
    for name, handler in SUBSCRIPTIONS.items():
        events.subscribe(name, handler)
