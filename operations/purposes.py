"""The purposes a justification may name, registered with the web layer: the open operations,
intelligence requirements and taskings a person works on."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ilp_platform.web import purposes
from operations.choices import OperationStatus
from operations.models import Operation
from tasking.choices import ACTIVE_TASKING_STATUSES, RequirementStatus
from tasking.models import Requirement, Tasking

# How many of each kind the justification page offers (the person's own first).
OFFERED = 30


def _offered_operations(user) -> list[tuple[int, str]]:
    if not user.has_perm("operations.view_operation"):
        return []
    rows = (
        Operation.objects.visible_to(user)
        .open()
        .filter(Q(lead=user) | Q(team=user))
        .distinct()
        .order_by("-id")
        .values_list("pk", "reference", "name")[:OFFERED]
    )
    return [(pk, f"{reference} {name}") for pk, reference, name in rows]


def _offered_requirements(user) -> list[tuple[int, str]]:
    if not user.has_perm("tasking.view_requirement"):
        return []
    mine = Q(assigned_to=user) | Q(raised_by=user)
    if getattr(user, "unit_id", None):
        mine |= Q(assigned_unit=user.unit_id)
    rows = (
        Requirement.objects.visible_to(user)
        .filter(mine, status=RequirementStatus.OPEN)
        .order_by("due_date")
        .values_list("pk", "question")[:OFFERED]
    )
    return [(pk, _("Requirement %(n)s: %(q)s") % {"n": pk, "q": q}) for pk, q in rows]


def _offered_taskings(user) -> list[tuple[int, str]]:
    if not user.has_perm("tasking.view_tasking"):
        return []
    rows = (
        Tasking.objects.visible_to(user)
        .owned_by(user)
        .filter(status__in=ACTIVE_TASKING_STATUSES)
        .order_by("due_date")
        .values_list("pk", "title")[:OFFERED]
    )
    return [(pk, _("Tasking %(n)s: %(t)s") % {"n": pk, "t": t}) for pk, t in rows]


def _named(model, perm, label):
    def named(user, pk: int) -> str | None:
        if not user.has_perm(perm):
            return None
        obj = model.objects.visible_to(user).filter(pk=pk).first()
        return None if obj is None else label(obj)

    return named


def register() -> None:
    purposes.register(
        purposes.PurposeKind(
            key="operation",
            label=_("Operations"),
            offered=_offered_operations,
            named=_named(Operation, "operations.view_operation", str),
            is_open=lambda pk: Operation.objects.filter(
                pk=pk, status=OperationStatus.OPEN
            ).exists(),
        )
    )
    purposes.register(
        purposes.PurposeKind(
            key="requirement",
            label=_("Intelligence requirements"),
            offered=_offered_requirements,
            named=_named(
                Requirement,
                "tasking.view_requirement",
                lambda r: _("Requirement %(n)s: %(q)s") % {"n": r.pk, "q": r.question},
            ),
            is_open=lambda pk: Requirement.objects.filter(
                pk=pk, status=RequirementStatus.OPEN
            ).exists(),
        )
    )
    purposes.register(
        purposes.PurposeKind(
            key="tasking",
            label=_("Taskings"),
            offered=_offered_taskings,
            named=_named(
                Tasking,
                "tasking.view_tasking",
                lambda t: _("Tasking %(n)s: %(t)s") % {"n": t.pk, "t": t.title},
            ),
            is_open=lambda pk: Tasking.objects.filter(
                pk=pk, status__in=ACTIVE_TASKING_STATUSES
            ).exists(),
        )
    )
