"""Use cases of operations: open one, change it, gather records into it, close and reopen it.

Every function is an ``@action`` (role checked first, one transaction, its own audit events).
Gathering a record into an operation is a combination (LED Art. 25): it is logged as a link
event on the operation naming the records added or removed.

Gathering records in, closing and reopening publish domain events (``operation.gathered``,
``operation.closed``, ``operation.reopened``; ``ilp_platform.core.events``), which the
notifications app turns into notifications for the people watching the operation.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from audit import services as audit
from audit.actions import action
from audit.choices import Action
from ilp_platform.accounts.models import Compartment, User
from ilp_platform.core import events
from ilp_platform.core.errors import StateConflict
from ilp_platform.core.references import stored_values
from operations.choices import ItemKind, OperationStatus
from operations.models import Operation

FIELDS = ("name", "reference", "objectives", "lead", "compartment")
LISTS = ("team", "priorities", "requirements")


def _fields(operation: Operation) -> dict[str, Any]:
    snapshot = audit.snapshot(operation, ignore=("updated_at", "created_at"))
    wanted = set(FIELDS) | {f"{name}_id" for name in FIELDS}
    return {key: value for key, value in snapshot.items() if key in wanted}


def _check(data: dict, actor: User, instance: Operation | None = None) -> None:
    errors: dict[str, list[str]] = {}
    name = (data.get("name") or "").strip()
    reference = (data.get("reference") or "").strip()
    if not name:
        errors["name"] = [_("Give the operation a name.")]
    if not reference:
        errors["reference"] = [_("Give the operation a reference.")]
    else:
        taken = Operation.objects.filter(reference__iexact=reference)
        if instance is not None:
            taken = taken.exclude(pk=instance.pk)
        if taken.exists():
            errors["reference"] = [_("Another operation already has this reference.")]
    if data.get("compartment") is None:
        errors["compartment"] = [_("Choose the compartment the operation belongs to.")]
    elif not Compartment.objects.visible_to(actor).filter(pk=data["compartment"].pk).exists():
        errors["compartment"] = [_("You do not hold this compartment.")]
    lead = data.get("lead")
    if lead is None:
        errors["lead"] = [_("Name the operation's lead.")]
    elif not lead.is_active:
        errors["lead"] = [_("The lead's account is not active.")]
    if errors:
        raise ValidationError(errors)


def _set_lists(operation: Operation, data: dict) -> dict[str, list[int]]:
    changed = {}
    for name in LISTS:
        if name in data:
            values = list(data[name] or [])
            getattr(operation, name).set(values)
            changed[name] = sorted(v.pk for v in values)
    return changed


@action("operations.add_operation")
def open_operation(*, actor: User, data: dict) -> Operation:
    data = {**data, "lead": data.get("lead") or actor}
    _check(data, actor)
    operation = Operation(created_by=actor)
    for name in FIELDS:
        value = data.get(name)
        if name == "objectives":
            value = value or ""
        setattr(operation, name, value.strip() if isinstance(value, str) else value)
    operation.save()
    lists = _set_lists(operation, data)
    audit.record(
        Action.CREATE, obj=operation, details={"fields": _fields(operation), "lists": lists}
    )
    return operation


@action("operations.change_operation")
def update_operation(operation: Operation, *, actor: User, data: dict) -> Operation:
    merged = {**stored_values(operation, FIELDS), **data}
    _check(merged, actor, instance=operation)
    before = _fields(operation)
    for name in FIELDS:
        if name in data:
            value = data[name]
            setattr(operation, name, value.strip() if isinstance(value, str) else value)
    operation.save()
    lists = _set_lists(operation, data)
    audit.record(
        Action.UPDATE,
        obj=operation,
        details={"changes": audit.diff(before, _fields(operation)), "lists": lists},
    )
    return operation


@action("operations.change_operation")
def close_operation(operation: Operation, *, actor: User, note: str = "") -> Operation:
    if operation.status == OperationStatus.CLOSED:
        raise StateConflict(_("The operation is already closed."), field="status")
    operation.status = OperationStatus.CLOSED
    operation.closed_on = timezone.localdate()
    operation.save(update_fields=["status", "closed_on", "updated_at"])
    audit.record(
        Action.UPDATE,
        obj=operation,
        details={"changes": {"status": ["open", "closed"]}, "note": note.strip()},
    )
    events.publish("operation.closed", operation=operation, actor=actor)
    return operation


@action("operations.change_operation")
def reopen_operation(operation: Operation, *, actor: User) -> Operation:
    if operation.status == OperationStatus.OPEN:
        raise StateConflict(_("The operation is already open."), field="status")
    operation.status = OperationStatus.OPEN
    operation.closed_on = None
    operation.save(update_fields=["status", "closed_on", "updated_at"])
    audit.record(Action.UPDATE, obj=operation, details={"changes": {"status": ["closed", "open"]}})
    events.publish("operation.reopened", operation=operation, actor=actor)
    return operation


def _item_model(kind: str):
    if kind not in ItemKind.values:
        raise ValidationError({"kind": [_("Unknown kind of record: %(k)s.") % {"k": kind}]})
    return Operation._meta.get_field(kind).related_model


@action("operations.change_operation")
def gather(
    operation: Operation, *, actor: User, kind: str, records: Iterable[Any], remove=False
) -> Operation:
    """Add records of one kind to the operation (or take them out). Only records the person
    sees can be named; a closed operation gathers nothing new."""
    model = _item_model(kind)
    ids = sorted({record.pk for record in records})
    if not ids:
        raise ValidationError({kind: [_("Choose at least one record.")]})
    if not remove and operation.status == OperationStatus.CLOSED:
        raise StateConflict(_("A closed operation gathers nothing new."), field="status")
    visible = set(model.objects.visible_to(actor).filter(pk__in=ids).values_list("pk", flat=True))
    unseen = [pk for pk in ids if pk not in visible]
    if unseen:
        raise ValidationError(
            {
                kind: [
                    _("No record visible to you has the id %(ids)s.")
                    % {"ids": ", ".join(map(str, unseen))}
                ]
            }
        )
    related = getattr(operation, kind)
    # Only the records not gathered before are news to the operation's watchers.
    before = set(related.filter(pk__in=ids).values_list("pk", flat=True))
    if remove:
        related.remove(*ids)
    else:
        related.add(*ids)
    audit.record(
        Action.LINK,
        obj=operation,
        details={"removed" if remove else "added": {kind: ids}},
    )
    added = [pk for pk in ids if pk not in before]
    if not remove and added:
        events.publish("operation.gathered", operation=operation, kind=kind, ids=added, actor=actor)
    return operation
