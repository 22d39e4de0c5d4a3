from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from ilp_platform.web.serializers import VisibleRelatedField
from intelligence.models import Entity
from notifications.choices import Kind
from notifications.models import Watch, operation_model


class WatchSerializer(serializers.ModelSerializer):
    entity_name = serializers.CharField(
        source="entity.name", read_only=True, allow_null=True, default=None
    )
    operation_reference = serializers.CharField(
        source="operation.reference", read_only=True, allow_null=True, default=None
    )

    class Meta:
        model = Watch
        fields = [
            "id",
            "entity",
            "entity_name",
            "operation",
            "operation_reference",
            "query",
            "filters",
            "created_at",
        ]
        read_only_fields = fields


class WatchWriteSerializer(serializers.Serializer):
    """Exactly one of ``entity``, ``operation`` and ``query`` (a search, with the report search
    filters in ``filters``)."""

    entity = VisibleRelatedField(
        model=Entity, required=False, help_text="Id of an entity you may see."
    )
    operation = VisibleRelatedField(
        model=operation_model(), required=False, help_text="Id of an operation you may see."
    )

    query = serializers.CharField(
        required=False, help_text="Words to search reports for, as on the search page."
    )
    filters = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        help_text="The search page's filters (status, compartment, crime_type...) by name.",
    )

    def validate(self, attrs):
        named = [name for name in ("entity", "operation", "query") if name in attrs]
        if len(named) != 1:
            raise serializers.ValidationError(
                {"entity": [_("Name one of an entity, an operation or a search (query) to watch.")]}
            )
        if "filters" in attrs and "query" not in attrs:
            raise serializers.ValidationError({"filters": [_("Filters belong to a search.")]})
        return attrs


class NotificationSerializer(serializers.Serializer):
    """A notification as shown: its text and link built from the record as you may see it."""

    id = serializers.IntegerField(source="notification.pk")
    kind = serializers.ChoiceField(choices=Kind.choices, source="notification.kind")
    title = serializers.CharField()
    subject = serializers.CharField()
    url = serializers.CharField()
    object_type = serializers.CharField(source="notification.object_type")
    object_id = serializers.IntegerField(source="notification.object_id")
    created_at = serializers.DateTimeField(source="notification.created_at")
    read_at = serializers.DateTimeField(source="notification.read_at", allow_null=True)


class MarkedSerializer(serializers.Serializer):
    marked = serializers.ListField(child=serializers.IntegerField(), help_text="Ids marked read.")
