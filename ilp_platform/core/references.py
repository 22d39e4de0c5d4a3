"""The reference rule: what a record shows of the records it refers to.

Record A refers to record B through a foreign key, a many-to-many field or the reverse of
either. A person who cannot see B learns nothing of B through A: not its name, reference, URN
or existence. The model graph decides how each reference is treated, so a new field is covered
the day it is added:

- **governing**: the first step of A's ``compartment_path`` (an identifier's entity, a
  grading's report, a citation's product). A lives inside B; A is visible only with B.
- **required**: A is a pairing that means nothing without B (a report naming an entity, a link
  joining two entities, a citation quoting a report, an answer to a requirement). A is visible
  only to people who see B, so a pairing across compartments is seen only by those who hold
  both. Every non-null foreign key to a restricted model is required unless the model lists
  it in ``masked_references``; a model adds nullable ones in ``required_references``.
- **masked**: A stands on its own and names B in passing (a report's source, a tasking's
  priority, an entity merged into another). A stays visible, and to people who cannot see B the
  reference reads as empty: ``None`` for a foreign key, no item in a many-to-many list.

How it is enforced, once for every view, API endpoint, export and job:

- ``RestrictedQuerySet.visible_to(user)`` filters on the governing and required references
  (through each target's own ``visible_to``), and remembers the reader on the records it
  returns (and on records loaded beside them with ``select_related``).
- A masked foreign key of such a record answers ``None`` when the reader cannot see its target;
  the visibility of all the targets of one fetch is checked in one query, on first use.
- Related managers (``report.entity_links``, ``link.reports``, ``meeting.decisions``...) of such
  a record answer only what the reader may see, through the target's ``visible_to``.
- Filters, form fields and serializer fields draw their choices through ``visible_to``
  (``ilp_platform.web.filters``, ``CompartmentChoiceField``, the API's related fields).

Services that must see the whole record (integrity checks, erasure) read through the model's
manager (``Citation.objects.filter(product=...)``), never through a reader's related manager.
Denormalised text (a report's search document, a meeting's stored agenda, a product's frozen
versions) holds only what every reader of A may read, or is filtered again for each reader.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any

from django.apps import apps
from django.db import models
from django.db.models.fields.related_descriptors import ForwardManyToOneDescriptor

if TYPE_CHECKING:
    from ilp_platform.core.people import Reader

# A record not fetched through ``visible_to`` has no reader: it shows everything (services,
# jobs, the shell). ``None`` cannot serve as the marker: it is a possible (anonymous) reader.
UNSET = object()

# How many records of one fetch share one visibility check; ``iterator()`` over a big table
# starts a fresh batch every this many rows, so memory stays bounded.
BATCH_SIZE = 2000

GOVERNING = "governing"
REQUIRED = "required"
MASKED = "masked"


def is_restricted(model: object) -> bool:
    """Whether ``model`` holds records under the access rule (its queryset is a
    ``RestrictedQuerySet``, which says so with ``restricts_records``)."""
    manager = getattr(model, "_default_manager", None)
    queryset_class = getattr(manager, "_queryset_class", None)
    return getattr(queryset_class, "restricts_records", False) is True


@cache
def references(model: Any) -> tuple[tuple[models.Field, str], ...]:
    """``(field, kind)`` for every foreign key and many-to-many field of ``model`` that points
    at a restricted model; ``kind`` is governing, required or masked."""
    model = model._meta.concrete_model
    path = getattr(model, "compartment_path", "compartment")
    governing = path.split("__", 1)[0] if "__" in path else None
    masked = set(getattr(model, "masked_references", ()))
    required = set(getattr(model, "required_references", ()))
    found = []
    for field in model._meta.get_fields():
        if not (field.is_relation and field.concrete) or field.auto_created:
            continue
        if not (field.many_to_one or field.one_to_one or field.many_to_many):
            continue
        if not is_restricted(field.related_model):
            continue
        if field.many_to_many:
            kind = MASKED
        elif field.name == governing:
            kind = GOVERNING
        elif field.name in required or (not field.null and field.name not in masked):
            kind = REQUIRED
        else:
            kind = MASKED
        found.append((field, kind))
    return tuple(found)


def reference_pairs() -> list[tuple[type[models.Model], models.Field, str]]:
    """Every reference between restricted records in the installed apps, for the tests."""
    pairs = []
    for model in apps.get_models():
        for field, kind in references(model):
            pairs.append((model, field, kind))
    return pairs


def reader_of(obj: object) -> Any:
    """Who the record was fetched for (``UNSET`` when not fetched through ``visible_to``)."""
    state = getattr(obj, "_state", None)
    return getattr(state, "reader", UNSET)


def read_as(obj: models.Model, reader: Reader) -> None:
    """Mark one record (fetched some other way, e.g. just created) as read by ``reader``."""
    Batch(reader).add(obj)


class Batch:
    """The records of one fetch for one reader: masked references are checked for all of them
    at once, on first use, one query per field."""

    __slots__ = ("reader", "members", "checked", "visible", "children")

    def __init__(self, reader: object) -> None:
        self.reader = reader
        self.members: list = []
        self.checked: dict[str, set] = {}
        self.visible: dict[str, set] = {}
        self.children: dict = {}

    def add(self, obj: Any) -> None:
        state = obj._state
        state.reader = self.reader
        state.reference_batch = self
        self.members.append(obj)
        # Records loaded beside this one (``select_related``) are read by the same person.
        # (``fields_cache`` is created on first read: absent, nothing was loaded beside it.)
        loaded = state.__dict__.get("fields_cache")
        if not loaded:
            return
        for cached in list(loaded.values()):
            if cached is None or not isinstance(cached, models.Model):
                continue
            if not is_restricted(type(cached)) or reader_of(cached) is not UNSET:
                continue
            child = self.children.get(type(cached))
            if child is None:
                child = self.children[type(cached)] = Batch(self.reader)
            child.add(cached)

    def may_follow(self, obj: models.Model, field: Any) -> bool:
        value = getattr(obj, field.attname)
        checked = self.checked.setdefault(field.name, set())
        seen = self.visible.setdefault(field.name, set())
        if value not in checked:
            # First use for this fetch (or a record whose reference changed since): check the
            # targets of every record of the batch not checked yet, in one query.
            ids = {getattr(m, field.attname) for m in self.members} | {value}
            ids -= checked
            ids.discard(None)
            target = field.related_model._default_manager
            seen.update(
                target.get_queryset()
                .visible_to(self.reader)
                .filter(pk__in=ids)
                .values_list("pk", flat=True)
            )
            checked.update(ids)
        return value in seen


class MaskedReferenceDescriptor(ForwardManyToOneDescriptor):
    """A masked foreign key: ``None`` to a reader who cannot see the record it names.

    The raw ``<field>_id`` attribute keeps its value, so saving the record never loses the
    reference; nothing shown to people may read it (serializers and templates use the field).
    """

    def __get__(self, instance: models.Model | None, cls: type | None = None) -> Any:
        if instance is None:
            return self
        value = super().__get__(instance, cls)
        if value is None:
            return None
        return value if may_follow(instance, self.field) else None


def may_follow(instance: models.Model, field: Any) -> bool:
    """Whether the reader ``instance`` was fetched for may see what ``field`` names on it."""
    reader = reader_of(instance)
    if reader is UNSET:
        return True
    batch = getattr(instance._state, "reference_batch", None)
    if batch is None:
        batch = Batch(reader)
        batch.add(instance)
    return batch.may_follow(instance, field)


def visible_id(instance: Any, name: str) -> Any:
    """The id a foreign key ``name`` holds, or ``None`` when it is masked for the reader;
    without loading the record it names (lists show ids in one query per field)."""
    field = instance._meta.get_field(name)
    value = getattr(instance, field.attname)
    if value is None:
        return None
    descriptor = type(instance).__dict__.get(name)
    if isinstance(descriptor, MaskedReferenceDescriptor) and not may_follow(instance, field):
        return None
    return value


def may_see(user: Reader, obj: Any) -> bool:
    """Whether ``user`` may see ``obj`` (one query); for a reference shown beside a record."""
    if obj is None:
        return False
    model = type(obj)
    if not is_restricted(model):
        return True
    return model._default_manager.get_queryset().visible_to(user).filter(pk=obj.pk).exists()


def install() -> None:
    """Put the masking descriptor on every masked foreign key (called once at start-up)."""
    for model in apps.get_models():
        for field, kind in references(model):
            if kind == MASKED and not field.many_to_many:
                setattr(model, field.name, MaskedReferenceDescriptor(field))


def stored(obj: models.Model, name: str) -> Any:
    """What field ``name`` of ``obj`` holds, masked or not: for a service's own checks (an
    edit re-checks every record the changed one names), never for showing to anyone."""
    descriptor = type(obj).__dict__.get(name)
    if isinstance(descriptor, MaskedReferenceDescriptor):
        return ForwardManyToOneDescriptor.__get__(descriptor, obj, type(obj))
    return getattr(obj, name)


def stored_values(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    return {name: stored(obj, name) for name in names}


def pairing_notice(*records: object) -> str:
    """What to tell the person pairing records of different compartments (a report naming an
    entity of another, a link across two): only people holding all of them will see the pair.
    Empty when the records share one compartment."""
    from django.utils.translation import gettext as _

    names = []
    for record in records:
        compartment = getattr(record, "compartment", None)
        if compartment is not None and compartment.name not in names:
            names.append(compartment.name)
    if len(names) < 2:
        return ""
    return _(
        "These records are in different compartments (%(names)s): only people who hold all of "
        "them will see this link; to everyone else it does not exist."
    ) % {"names": ", ".join(names)}
