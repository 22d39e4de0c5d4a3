"""API representations of units, shares and aggregate figures."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from analysis.models import Product
from ilp_platform.accounts.models import Unit, UnitLevel
from ilp_platform.web.serializers import RestrictedModelSerializer, VisibleRelatedField
from intelligence.models import Report
from intelligence.provenance import CONDITIONS
from sharing import periods, strategy
from sharing.models import Share
from tasking.api.serializers import PrioritySerializer
from tasking.models import Meeting, Requirement


class UnitInHierarchySerializer(serializers.ModelSerializer):
    # A unit, its level and the unit above it.

    level = serializers.ChoiceField(choices=UnitLevel.choices, read_only=True)
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Unit
        fields = ["id", "name", "code", "level", "parent"]
        read_only_fields = fields


class ShareSerializer(RestrictedModelSerializer):
    kind = serializers.CharField(read_only=True, help_text="report or product")
    reference = serializers.CharField(read_only=True)
    from_unit = serializers.PrimaryKeyRelatedField(read_only=True)
    to_unit = serializers.PrimaryKeyRelatedField(read_only=True)
    shared_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    risk_to_source = serializers.SerializerMethodField()
    risk_to_operation = serializers.SerializerMethodField()
    risk_to_person = serializers.SerializerMethodField()
    risk_assessment = serializers.SerializerMethodField()

    class Meta:
        model = Share
        fields = [
            "id",
            "reference",
            "kind",
            "report",
            "product",
            "received_report",
            "answers_requirement",
            "from_unit",
            "to_unit",
            "original_reference",
            "grading_as_given",
            "original_sent",
            "conditions",
            "conditions_note",
            "legal_basis",
            "risk_to_source",
            "risk_to_operation",
            "risk_to_person",
            "risk_assessment",
            "shared_by",
            "shared_at",
        ]
        read_only_fields = fields

    # The sender's risk assessment is read on the sender's side only (who sees the original).
    def _sender_side(self, share) -> bool:
        return share.report is not None or share.product is not None

    def get_risk_to_source(self, share) -> str | None:
        return share.risk_to_source if self._sender_side(share) else None

    def get_risk_to_operation(self, share) -> str | None:
        return share.risk_to_operation if self._sender_side(share) else None

    def get_risk_to_person(self, share) -> str | None:
        return share.risk_to_person if self._sender_side(share) else None

    def get_risk_assessment(self, share) -> str | None:
        return share.risk_assessment if self._sender_side(share) else None


class ShareWriteSerializer(serializers.Serializer):
    report = VisibleRelatedField(model=Report, required=False, allow_null=True, default=None)
    product = VisibleRelatedField(model=Product, required=False, allow_null=True, default=None)
    to_unit = serializers.PrimaryKeyRelatedField(queryset=Unit.objects.all())
    risk_to_source = serializers.CharField(help_text="none, low, medium or high")
    risk_to_operation = serializers.CharField(help_text="none, low, medium or high")
    risk_to_person = serializers.CharField(help_text="none, low, medium or high")
    risk_assessment = serializers.CharField(required=False, allow_blank=True, default="")
    conditions = serializers.ListField(
        child=serializers.ChoiceField(choices=list(CONDITIONS)), required=False, default=list
    )
    conditions_note = serializers.CharField(required=False, allow_blank=True, default="")
    legal_basis = serializers.CharField(max_length=300)
    conditions_acknowledged = serializers.BooleanField(required=False, default=False)
    provider_permission = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=200
    )
    send_original = serializers.BooleanField(required=False, default=False)
    answers_requirement = VisibleRelatedField(
        model=Requirement, required=False, allow_null=True, default=None
    )

    def validate(self, attrs):
        if (attrs.get("report") is None) == (attrs.get("product") is None):
            raise serializers.ValidationError(
                {"report": [_("Name the report or the product to share (one of them).")]}
            )
        if attrs.get("product") is not None and (
            attrs.get("send_original") or attrs.get("answers_requirement") is not None
        ):
            raise serializers.ValidationError(
                {"product": [_("A product travels as approved; it answers no requirement.")]}
            )
        return attrs


class AggregateQuerySerializer(serializers.Serializer):
    """The period: whole months only (``sharing.periods``), ``until`` not included."""

    since = serializers.DateField(
        required=False,
        help_text="The first day of a month; by default twelve months before the current one.",
    )
    until = serializers.DateField(
        required=False,
        help_text="The first day of a month, not included; by default the next month.",
    )

    def validate_since(self, value):
        return self._month_start(value)

    def validate_until(self, value):
        return self._month_start(value)

    @staticmethod
    def _month_start(value):
        if not periods.is_month_start(value):
            raise serializers.ValidationError(str(periods.NOT_A_MONTH_START))
        return value

    def validate(self, attrs):
        since, until = attrs.get("since"), attrs.get("until")
        if since and until and until <= since:
            raise serializers.ValidationError({"until": [_("The end comes after the start.")]})
        return attrs


class IncidentFigureSerializer(serializers.Serializer):
    crime_type = serializers.CharField()
    area = serializers.CharField()
    month = serializers.CharField()
    count = serializers.IntegerField(allow_null=True)


class PriorityFigureSerializer(serializers.Serializer):
    priority = serializers.IntegerField()
    title = serializers.CharField()
    month = serializers.CharField(help_text="YYYY-MM")
    count = serializers.IntegerField(
        allow_null=True, help_text="null: fewer than the suppression threshold"
    )


@extend_schema_serializer(many=False)  # one object, though served on a list route
class AggregateSerializer(serializers.Serializer):
    units = UnitInHierarchySerializer(many=True)
    since = serializers.DateField()
    until = serializers.DateField()
    threshold = serializers.IntegerField()
    suppressed = serializers.IntegerField()
    incidents = IncidentFigureSerializer(many=True)
    reports_by_priority = PriorityFigureSerializer(many=True)


# --- The control strategy flowing down (``sharing.strategy``) ---------------------------------


class IssuedPrioritySerializer(PrioritySerializer):
    # A priority as the tasking API shows it, with where it came from: the issuing level's
    # priority (``null`` to a reader who may not see it) and the issuing unit's name.
    issuing_unit = serializers.SerializerMethodField(
        help_text="The unit whose control strategy issued it; null when not issued from above."
    )

    class Meta(PrioritySerializer.Meta):
        fields = [*PrioritySerializer.Meta.fields, "issued_from", "issuing_unit"]
        read_only_fields = fields

    def get_issuing_unit(self, priority) -> str | None:
        if priority.issued_from_id is None:
            return None
        annotated = getattr(priority, "issuing_unit_name", None)
        if annotated is not None:
            return annotated
        unit = strategy.issuing_unit(priority)
        return unit.name if unit is not None else None


class PriorityIssueSerializer(serializers.Serializer):
    units = serializers.PrimaryKeyRelatedField(
        queryset=Unit.objects.all(),
        many=True,
        help_text="Ids of units below the priority's unit (GET /api/v1/units/).",
    )


class PriorityAdoptSerializer(serializers.Serializer):
    meeting = VisibleRelatedField(
        model=Meeting, help_text="An open meeting of your unit, where the adoption is minuted."
    )


class PriorityDeclineSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=2000, help_text="Why your unit declines it.")


class PriorityBelowSerializer(serializers.Serializer):
    """One unit a priority was issued to, as the issuing level sees it: counts only."""

    unit = serializers.IntegerField()
    unit_name = serializers.CharField()
    level = serializers.ChoiceField(choices=UnitLevel.choices)
    state = serializers.CharField(help_text="adopted, declined or waiting")
    decided_at = serializers.DateTimeField(
        allow_null=True, help_text="When the unit adopted or declined it."
    )
    taskings = serializers.IntegerField(help_text="How many taskings the unit made against it.")


class PriorityProgressSerializer(serializers.Serializer):
    """A priority issued down and the units it went to."""

    priority = serializers.IntegerField(help_text="The issuing level's priority.")
    units = PriorityBelowSerializer(many=True)
