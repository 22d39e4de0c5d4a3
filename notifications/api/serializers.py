from __future__ import annotations

from rest_framework import serializers

from ilp_platform.web.serializers import VisibleRelatedField
from intelligence.models import Entity
from notifications.choices import Kind
from notifications.models import Watch


class WatchSerializer(serializers.ModelSerializer):
    entity_name = serializers.CharField(source="entity.name", read_only=True)

    class Meta:
        model = Watch
        fields = ["id", "entity", "entity_name", "created_at"]
        read_only_fields = fields


class WatchWriteSerializer(serializers.Serializer):
    entity = VisibleRelatedField(model=Entity, help_text="Id of an entity you may see.")


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
