"""API serializer parts that keep to the reference rule (``ilp_platform.core.references``)."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.fields import get_attribute
from rest_framework.relations import PKOnlyObject

from ilp_platform.core import references


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


class RestrictedModelSerializer(serializers.ModelSerializer):
    """The base of every model serializer: foreign keys it builds itself use
    :class:`ReferenceField`, so a masked reference answers ``null``; many-to-many lists read
    the related manager, which answers only what the caller may see."""

    serializer_related_field = ReferenceField
