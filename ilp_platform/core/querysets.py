from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, cast

from django.apps import apps
from django.db import models
from django.db.models import Q
from django.db.models.query import ModelIterable

from ilp_platform.core import references
from ilp_platform.core.references import UNSET

if TYPE_CHECKING:
    from ilp_platform.core.people import Reader


def compartment_model() -> Any:
    """The compartment model (in the accounts app), through the app registry: the kernel and
    the web layer import no app."""
    return apps.get_model("accounts", "Compartment")


def compartment_grants(user: Reader, path: str = "compartment") -> Q:
    """A Q on ``path`` for the compartments granted to ``user`` (the compartment model, in the
    accounts app, keeps the grant tables; it is found through the app registry, so the kernel
    imports no app)."""
    return compartment_model().grant_filter(user, path)


class _Remembered(dict):
    """A reader's restricted querysets, kept on the reader object; never copied or pickled
    with it (pickling a queryset would run it)."""

    def __reduce__(self) -> tuple:
        return (_Remembered, ())

    def __copy__(self) -> _Remembered:
        return _Remembered()

    def __deepcopy__(self, memo: dict) -> _Remembered:
        return _Remembered()


_REMEMBERED = "_ilp_restricted_querysets"


def _reader_state(user: Any) -> tuple | None:
    """Everything a restriction may read from the reader object itself: the values of its
    fields (id, activity, superuser flag, unit...) and its permission cache; ``None`` for a
    reader that is not a model instance (nothing is kept for it)."""
    meta = getattr(user, "_meta", None)
    if meta is None:
        return None
    values = tuple(getattr(user, field.attname) for field in meta.concrete_fields)
    return values, user.__dict__.get("_perm_cache")


def _remembered(method: Callable) -> Callable:
    """Wrap a ``visible_to``: the restriction of a queryset straight from a manager (or ``all()``
    of one) for one reader object is built once and cloned after.

    Building it (the references' restrictions, the grant condition, the narrower rules) is
    most of what ``visible_to`` costs in Python, and a request, a job or a page asks for the
    same one many times (the list, each reference's visibility, each related manager). It is
    kept on the reader object, which lives as long as the request or job that loaded it.
    Nothing it depends on can change unseen: the grants are read by the database when the
    query runs (the SQL names only the reader's id); whatever the rules read from the reader
    object (its fields, and the permissions Django caches on it in ``_perm_cache``) is kept
    beside the restriction and compared on every use, and a difference builds it again.
    """

    @functools.wraps(method)
    def visible_to(self: RestrictedQuerySet, user: Reader) -> RestrictedQuerySet:
        if not self._pristine or not getattr(user, "is_authenticated", False):
            return method(self, user)
        state = _reader_state(user)
        if state is None:
            return method(self, user)
        kept = user.__dict__.get(_REMEMBERED)
        if kept is None:
            kept = user.__dict__[_REMEMBERED] = _Remembered()
        key = (method, self.model, self.db)
        entry = kept.get(key)
        if entry is None or entry[0][0] != state[0] or entry[0][1] is not state[1]:
            built = method(self, user)
            entry = kept[key] = (_reader_state(user), built)
        return entry[1]._chain()

    visible_to._remembers = True  # type: ignore[attr-defined]
    return visible_to


class ReaderIterable(ModelIterable):
    """Model instances marked with the person they were fetched for (see ``references``)."""

    queryset: RestrictedQuerySet

    def __iter__(self) -> Iterator[models.Model]:
        reader = self.queryset._reader
        batch = references.Batch(reader)
        for obj in super().__iter__():
            if len(batch.members) >= references.BATCH_SIZE:
                batch = references.Batch(reader)
            batch.add(obj)
            yield obj


class RestrictedQuerySet(models.QuerySet):
    """A queryset that can narrow itself to the records a user may see.

    A model sets ``compartment_path`` (default ``"compartment"``) to the lookup of the
    compartment foreign key that governs it. Subclasses add narrower rules (handling codes,
    special-category data) by overriding :meth:`visible_to` and calling ``super()``.

    The reference rule (``ilp_platform.core.references``) is applied here too: a record that
    pairs others (a report's mention of an entity, a link, a citation) is visible only with
    every record it pairs, and the records returned remember their reader, so what they refer
    to in passing shows only when that reader may see it.
    """

    _reader = UNSET
    restricts_records = True
    # A manager's queryset as it comes, or ``all()`` of one (not copied by other clones): its
    # restriction for a reader is built once per reader object (see ``_remembered``).
    _pristine = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("visible_to")
        if own is not None and not getattr(own, "_remembers", False):
            cls.visible_to = _remembered(own)  # type: ignore[method-assign]

    def _clone(self) -> RestrictedQuerySet:
        clone = super()._clone()  # type: ignore[misc]  # private QuerySet API, not in the stubs
        clone._reader = self._reader
        return clone

    def all(self) -> RestrictedQuerySet:
        clone = super().all()
        clone._pristine = self._pristine
        return clone

    @_remembered
    def visible_to(self, user: Reader) -> RestrictedQuerySet:
        if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        path = getattr(self.model, "compartment_path", "compartment")
        qs = self
        governed_by = None
        # mypy takes a class for unhashable (its own limitation): type[Any] against @cache.
        for field, kind in references.references(self.model):  # type: ignore[arg-type]
            if kind == references.MASKED:
                continue
            if kind == references.GOVERNING:
                governed_by = field.name
            related = cast("type[models.Model]", field.related_model)
            target = cast(RestrictedQuerySet, related._default_manager.get_queryset())
            target = target.visible_to(user)
            condition = Q(**{f"{field.name}__in": target.values("pk")})
            if field.null:
                condition |= Q(**{f"{field.name}__isnull": True})
            qs = qs.filter(condition)
        if governed_by is None or not path.startswith(f"{governed_by}__"):
            qs = qs.filter(compartment_grants(user, path))
        return qs.read_by(user)

    def refers_to(self, field_name: str, value: object) -> RestrictedQuerySet:
        """Records whose reference ``field_name`` is ``value``, when this queryset's reader may
        see that record; none otherwise, so a filter answers the same for a record the reader
        may not see as for one that does not exist."""
        field = self.model._meta.get_field(field_name)
        target = field.related_model
        if self._reader is UNSET or not references.is_restricted(target):
            return self.filter(**{field_name: value})
        visible = target._default_manager.get_queryset().visible_to(self._reader)
        return self.filter(**{field_name: value, f"{field_name}__in": visible.values("pk")})

    def read_by(self, user: Reader) -> RestrictedQuerySet:
        """Records of this queryset remember ``user`` as their reader (no filtering here)."""
        clone = self._chain()  # type: ignore[attr-defined]  # private QuerySet API, not in the stubs
        clone._reader = user
        if clone._iterable_class is ModelIterable:
            clone._iterable_class = ReaderIterable
        return clone


class RestrictedManager(models.Manager):
    """The manager of restricted models. As a related manager (``report.entity_links``,
    ``link.reports``) of a record fetched for a reader, it answers only what that reader may
    see."""

    def get_queryset(self) -> RestrictedQuerySet:
        queryset = cast(RestrictedQuerySet, super().get_queryset())
        instance = getattr(self, "instance", None)
        if instance is not None:
            reader = references.reader_of(instance)
            if reader is not UNSET:
                return queryset.visible_to(reader)
            return queryset
        queryset._pristine = True
        return queryset


def _as_manager(cls: type[RestrictedQuerySet]) -> RestrictedManager:
    manager = RestrictedManager.from_queryset(cls)()
    # Django's own as_manager sets this private flag (read by Manager.deconstruct).
    manager._built_with_as_manager = True  # type: ignore[attr-defined]
    return manager


# Both on purpose: as_manager is not a queryset method to copy onto managers, and every
# restricted queryset's as_manager builds a RestrictedManager instead of a plain Manager.
_as_manager.queryset_only = True  # type: ignore[attr-defined]
RestrictedQuerySet.as_manager = classmethod(_as_manager)  # type: ignore[method-assign, assignment]
