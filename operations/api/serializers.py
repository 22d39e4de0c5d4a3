"""API representations of operations. Items are listed only where the caller may see them."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from analysis.models import AnalysisJob, Product
from ilp_platform.accounts.models import User
from ilp_platform.web.serializers import (
    CompartmentField,
    RestrictedModelSerializer,
    VisibleRelatedField,
)
from intelligence.models import Entity, Report
from operations.choices import OperationStatus
from operations.models import Operation
from tasking.models import Priority, Requirement, Tasking

ITEM_FIELDS = (
    "reports",
    "entities",
    "jobs",
    "products",
    "priorities",
    "requirements",
    "taskings",
)


class OperationSerializer(RestrictedModelSerializer):
    status = serializers.ChoiceField(choices=OperationStatus.choices, read_only=True)
    compartment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    lead = serializers.SlugRelatedField(slug_field="username", read_only=True)
    team = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)
    created_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Operation
        fields = [
            "id",
            "name",
            "reference",
            "objectives",
            "status",
            "lead",
            "team",
            "compartment",
            *ITEM_FIELDS,
            "opened_on",
            "closed_on",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields


def _workers():
    return User.objects.filter(is_active=True)


class OperationWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    reference = serializers.CharField(max_length=40)
    objectives = serializers.CharField(required=False, allow_blank=True)
    lead = serializers.SlugRelatedField(slug_field="username", queryset=_workers(), required=False)
    team = serializers.SlugRelatedField(
        slug_field="username", queryset=_workers(), many=True, required=False
    )
    compartment = CompartmentField()
    priorities = VisibleRelatedField(model=Priority, many=True, required=False)
    requirements = VisibleRelatedField(model=Requirement, many=True, required=False)


class GatherSerializer(serializers.Serializer):
    """Records to add to (or take out of) an operation, by id; only records you can see."""

    reports = VisibleRelatedField(model=Report, many=True, required=False)
    entities = VisibleRelatedField(model=Entity, many=True, required=False)
    jobs = VisibleRelatedField(model=AnalysisJob, many=True, required=False)
    products = VisibleRelatedField(model=Product, many=True, required=False)
    priorities = VisibleRelatedField(model=Priority, many=True, required=False)
    requirements = VisibleRelatedField(model=Requirement, many=True, required=False)
    taskings = VisibleRelatedField(model=Tasking, many=True, required=False)
    remove = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs):
        if not any(attrs.get(name) for name in ITEM_FIELDS):
            raise serializers.ValidationError(
                {"reports": [_("Name at least one record (reports, entities, jobs, ...).")]}
            )
        return attrs


class CloseSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class OperationTimelineItemSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    title = serializers.CharField()
    object_type = serializers.CharField()
    object_id = serializers.IntegerField()


class OperationTimelineSerializer(serializers.Serializer):
    results = OperationTimelineItemSerializer(many=True)


# --- Saved link charts ------------------------------------------------------------------------


class ChartEntitySerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, help_text="The entity's id.")
    name = serializers.CharField(read_only=True)
    kind = serializers.CharField(read_only=True, help_text="The entity's kind.")
    compartment = serializers.CharField(read_only=True, help_text="The entity's compartment.")


class ChartNodeSerializer(ChartEntitySerializer):
    x = serializers.FloatField(help_text="Position on the chart (canvas units).")
    y = serializers.FloatField(help_text="Position on the chart (canvas units).")


class ChartEdgeSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="The link's id.")
    # A field named like a Field attribute: DRF takes declared fields off the class.
    source = serializers.IntegerField(help_text="The entity the link is from.")  # type: ignore[assignment]
    target = serializers.IntegerField(help_text="The entity the link is to.")
    kind = serializers.CharField(help_text="The link's kind.")
    strength = serializers.CharField(help_text="One of: confirmed, tentative, unconfirmed.")
    compartment = serializers.CharField(help_text="The link's compartment.")
    recorded = serializers.DateField(
        help_text="The day the link was recorded (the platform's time zone): the date the "
        "chart's date filter reads."
    )


class ChartSummarySerializer(serializers.Serializer):
    """A chart in a list: what it is, not what it shows."""

    id = serializers.IntegerField(read_only=True)
    operation = serializers.IntegerField(source="operation_id", read_only=True)
    title = serializers.CharField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    created_at = serializers.DateTimeField(read_only=True)
    updated_at = serializers.DateTimeField(read_only=True)


class ChartSerializer(ChartSummarySerializer):
    """A chart as the caller may see it: the entities they may see among those placed, and the
    links they may see between them (nothing else is named or counted)."""

    nodes = ChartNodeSerializer(many=True, read_only=True)
    edges = ChartEdgeSerializer(many=True, read_only=True)


class ChartEntitiesSerializer(serializers.Serializer):
    """Entities to place on a chart (a search, the operation's entities, or entities by id) and
    the links you may see between them and the entities named in ``with``."""

    nodes = ChartEntitySerializer(many=True, read_only=True)
    edges = ChartEdgeSerializer(many=True, read_only=True)
    truncated = serializers.BooleanField(
        read_only=True, help_text="The operation gathers more entities than a chart holds."
    )


class ChartPositionSerializer(serializers.Serializer):
    id = serializers.IntegerField(min_value=1, max_value=2**63 - 1, help_text="An entity's id.")
    x = serializers.FloatField(min_value=-1_000_000, max_value=1_000_000)
    y = serializers.FloatField(min_value=-1_000_000, max_value=1_000_000)


class ChartCreateSerializer(serializers.Serializer):
    operation = VisibleRelatedField(model=Operation)
    title = serializers.CharField(max_length=120)
    nodes = ChartPositionSerializer(many=True, required=False, max_length=500)


class ChartUpdateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=120, required=False)
    nodes = ChartPositionSerializer(
        many=True,
        required=False,
        max_length=500,
        help_text="Every entity on the chart with its position (replaces the list; entries "
        "you cannot see stay as they were).",
    )
