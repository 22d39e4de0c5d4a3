"""API serializer parts that keep to the reference rule (``ilp_platform.core.references``)."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.fields import get_attribute
from rest_framework.relations import ManyRelatedField, PKOnlyObject

from ilp_platform.core import references
from ilp_platform.core.querysets import compartment_model

# A text that may be withheld (a source's identity, a report's original text): ``null`` then.
NULLABLE_STRING = {"type": "string", "nullable": True}


class ReferenceField(serializers.PrimaryKeyRelatedField):
    """A related record's id, read through the reference rule: ``null`` when the caller may
    not see the record (DRF's own field reads the raw column and would show it)."""

    def use_pk_only_optimization(self):
        return False

    def get_attribute(self, instance):
        parent = get_attribute(instance, self.source_attrs[:-1])
        if parent is None:
            return None
        value = references.visible_id(parent, self.source_attrs[-1])
        return None if value is None else PKOnlyObject(pk=value)

    def to_representation(self, value):
        return value.pk


def may_read_as_null(model, source_attrs) -> bool:
    """Whether a field reading ``source_attrs`` from a ``model`` record can answer ``null``:
    a step through a nullable column, or through a masked reference (``None`` to a reader who
    may not see its target). Sources that are not model fields (properties, methods) answer
    ``False``: their serializer field says so itself."""
    for name in source_attrs:
        if model is None:
            return False
        try:
            field = model._meta.get_field(name)
        except FieldDoesNotExist:
            return False
        if field.many_to_many or field.one_to_many:
            return False
        if getattr(field, "null", False):
            return True
        if field.is_relation and _is_masked(model, field):
            return True
        model = field.related_model if field.is_relation else None
    return False


def _is_masked(model, field) -> bool:
    return any(
        ref.name == field.name and kind == references.MASKED
        for ref, kind in references.references(model)
    )


# Comments rather than a docstring: drf-spectacular would show a docstring as the description
# of every serializer that has none of its own.
class RestrictedModelSerializer(serializers.ModelSerializer):
    # The base of every model serializer: foreign keys it builds itself use ``ReferenceField``,
    # so a masked reference answers ``null``; many-to-many lists read the related manager, which
    # answers only what the caller may see.
    #
    # Every field, built or declared, that reads through a nullable column or a masked
    # reference is marked ``allow_null``: it reads ``null`` (rather than going missing) and the
    # OpenAPI schema says it may (``nullable: true``), so a new field is right by default.

    serializer_related_field = ReferenceField

    def get_fields(self):
        fields = super().get_fields()
        model = self.Meta.model
        for name, field in fields.items():
            source = field.source or name  # bound (and given its source) only after this
            if field.write_only or source == "*" or not isinstance(source, str):
                continue
            if isinstance(field, ManyRelatedField | serializers.ListSerializer):
                continue
            if isinstance(field, serializers.SerializerMethodField):
                continue
            if not field.allow_null and may_read_as_null(model, source.split(".")):
                field.allow_null = True
        return fields


# --- Writes: records chosen by the caller -----------------------------------------------------


def _caller(field):
    request = field.root.context.get("request") if field.root is not None else None
    return getattr(request, "user", None)


class _LoggedRefusalMixin:
    """A choice the caller may not make answers as for a missing record ("does not exist"),
    and when the record does exist the refusal is logged as a ``denied`` event (oversight sees
    who tried to write into or point at what they may not see; the caller learns nothing)."""

    field_name: str | None  # from the serializer field this mixin goes with

    def log_refusal(self, model, lookup: dict, shown) -> None:
        from audit import services as audit

        if model._base_manager.filter(**lookup).exists():
            audit.record_denied(
                object_type=model._meta.label_lower,
                object_id=shown,
                reason=f"API field {self.field_name!r}: a record outside the caller's reach",
            )


@extend_schema_field(OpenApiTypes.STR)
class CompartmentField(_LoggedRefusalMixin, serializers.SlugRelatedField):
    """A compartment by slug, among those the caller holds."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "slug")
        super().__init__(**kwargs)

    def get_queryset(self):
        Compartment = compartment_model()

        # An unbound field is its own root (the stubs type root as a serializer).
        unbound = self.root is self  # type: ignore[comparison-overlap]
        user = None if unbound else _caller(self)
        return Compartment.objects.visible_to(user) if user else Compartment.objects.none()

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            Compartment = compartment_model()

            if isinstance(data, str):
                self.log_refusal(Compartment, {"slug": data}, data)
            raise


@extend_schema_field(OpenApiTypes.INT)
class VisibleRelatedField(_LoggedRefusalMixin, serializers.PrimaryKeyRelatedField):
    """A related record by id, among those visible to the caller (others: "does not exist")."""

    def __init__(self, model=None, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        queryset = self.model.objects.visible_to(_caller(self))
        return queryset.current() if hasattr(queryset, "current") else queryset

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            if isinstance(data, int) or (isinstance(data, str) and data.isdigit()):
                self.log_refusal(self.model, {"pk": int(data)}, data)
            raise


@extend_schema_field(OpenApiTypes.STR)
class VisibleSlugField(_LoggedRefusalMixin, serializers.SlugRelatedField):
    """A related record by a unique text (a URN, a reference), among those visible to the
    caller."""

    def __init__(self, model=None, **kwargs):
        self.model = model
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.model.objects.visible_to(_caller(self))

    def to_internal_value(self, data):
        try:
            return super().to_internal_value(data)
        except serializers.ValidationError:
            if isinstance(data, str):
                self.log_refusal(self.model, {self.slug_field: data}, data)
            raise
