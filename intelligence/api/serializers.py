"""API representations. Reads hide what the caller may not see (original text, identities);
writes are parsed here and carried out by the services."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from ilp_platform.accounts.choices import Role
from ilp_platform.accounts.models import User
from ilp_platform.web.serializers import (
    NULLABLE_STRING,
    CompartmentField,
    RestrictedModelSerializer,
    VisibleRelatedField,
    VisibleSlugField,
)
from intelligence import selectors
from intelligence.choices import (
    EntityKind,
    GradingScheme,
    IdentifierKind,
    LinkKind,
    LinkStrength,
    ReviewDecision,
    SourceType,
    SubjectCategory,
)
from intelligence.models import (
    CrimeType,
    Entity,
    Identifier,
    Incident,
    Link,
    Report,
    RetentionClass,
    Source,
)
from intelligence.services.evaluation_queue import BULK_LIMIT, DEFER_MAX_DAYS


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


# --- Reports ----------------------------------------------------------------------------------


class MentionInputSerializer(serializers.Serializer):
    """A person, vehicle, place, group or number the author says the report mentions."""

    kind = serializers.ChoiceField(choices=EntityKind.choices)
    name = serializers.CharField(max_length=200)
    details = serializers.CharField(required=False, allow_blank=True, default="")


class MentionSuggestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    name = serializers.CharField()
    details = serializers.CharField()
    status = serializers.CharField()
    linked_entity = serializers.IntegerField(source="linked_entity_id", allow_null=True)


class SuggestionLinkSerializer(serializers.Serializer):
    entity = VisibleRelatedField(model=Entity)
    subject_category = serializers.ChoiceField(
        choices=SubjectCategory.choices, required=False, allow_blank=True, default=""
    )
    is_assessment = serializers.BooleanField(required=False, default=False)


class ReportSerializer(RestrictedModelSerializer):
    compartment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    source = serializers.SlugRelatedField(slug_field="reference", read_only=True)
    crime_types = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    retention_class = serializers.SlugRelatedField(slug_field="code", read_only=True)
    submitted_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    evaluated_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    assigned_to = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        help_text="The evaluator the report is assigned to (the evaluation queue), or null.",
    )
    deferred_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    text = serializers.SerializerMethodField(
        help_text="The original text; null unless you are its author, the source's handler or "
        "an evaluating analyst."
    )
    grade = serializers.CharField(source="grade_in_words", read_only=True)
    handling = serializers.CharField(source="handling_in_words", read_only=True)
    suggested_mentions = serializers.SerializerMethodField(
        help_text="What the author says the report mentions (suggestions of entities for the "
        "evaluator); shown to the author and to analysts who may link entities, else empty."
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "urn",
            "compartment",
            "status",
            "source",
            "grading_scheme",
            "source_evaluation",
            "intelligence_assessment",
            "handling_code",
            "handling_conditions",
            "grade",
            "handling",
            "text",
            "sanitised_text",
            "is_personal_assessment",
            "has_special_category",
            "occurred_at",
            "occurred_from",
            "occurred_to",
            "latitude",
            "longitude",
            "place_name",
            "crime_types",
            "retention_class",
            "review_due",
            "submitted_by",
            "submitted_at",
            "evaluated_by",
            "evaluated_at",
            "assigned_to",
            "assigned_at",
            "deferred_until",
            "deferred_by",
            "erased_at",
            "erasure_reason",
            "suggested_mentions",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "deferred_until": {
                "help_text": "Out of the evaluation queue's default view until this day."
            },
        }

    @extend_schema_field(NULLABLE_STRING)
    def get_text(self, report: Report) -> str | None:
        return report.text if report.original_visible_to(_user(self)) else None

    @extend_schema_field(MentionSuggestionSerializer(many=True))
    def get_suggested_mentions(self, report: Report) -> list[dict]:
        # The same reach as the report page: the author and those who may link entities.
        # Read from the prefetched rows (the report's own compartment governs them).
        user = _user(self)
        if report.is_erased or not (
            report.submitted_by_id == user.pk or user.has_perm("intelligence.change_report")
        ):
            return []
        rows = report.mention_suggestions.all()
        return MentionSuggestionSerializer(rows, many=True).data


class ReportWriteSerializer(serializers.Serializer):
    """A report as submitted. ``submit: true`` sends it for evaluation; otherwise a draft."""

    compartment = CompartmentField()
    source = VisibleSlugField(model=Source, slug_field="reference", required=False, allow_null=True)
    grading_scheme = serializers.ChoiceField(choices=GradingScheme.choices, required=False)
    source_evaluation = serializers.CharField(max_length=2)
    intelligence_assessment = serializers.CharField(max_length=2)
    handling_code = serializers.CharField(max_length=2)
    handling_conditions = serializers.CharField(required=False, allow_blank=True, default="")
    text = serializers.CharField()
    is_personal_assessment = serializers.BooleanField(required=False, default=False)
    has_special_category = serializers.BooleanField(required=False, default=False)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    occurred_from = serializers.DateTimeField(required=False, allow_null=True)
    occurred_to = serializers.DateTimeField(required=False, allow_null=True)
    latitude = serializers.FloatField(required=False, allow_null=True, min_value=-90, max_value=90)
    longitude = serializers.FloatField(
        required=False, allow_null=True, min_value=-180, max_value=180
    )
    place_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    crime_types = serializers.SlugRelatedField(
        slug_field="slug", many=True, required=False, queryset=CrimeType.objects.all()
    )
    mentions = MentionInputSerializer(
        many=True,
        required=False,
        help_text="People, vehicles and places the report mentions: suggestions of entities "
        "for the evaluator. Given on a draft, the list replaces what it held.",
    )
    submit = serializers.BooleanField(required=False, default=False, write_only=True)


class GradingInputSerializer(serializers.Serializer):
    grading_scheme = serializers.ChoiceField(choices=GradingScheme.choices, required=False)
    source_evaluation = serializers.CharField(max_length=2, required=False)
    intelligence_assessment = serializers.CharField(max_length=2, required=False)
    handling_code = serializers.CharField(max_length=2, required=False)
    handling_conditions = serializers.CharField(required=False, allow_blank=True)

    def grading_data(self) -> dict:
        keys = (
            "grading_scheme",
            "source_evaluation",
            "intelligence_assessment",
            "handling_code",
            "handling_conditions",
        )
        return {k: self.validated_data[k] for k in keys if k in self.validated_data}


class EvaluateSerializer(GradingInputSerializer):
    """Evaluation: grading fields left out keep the submitted values."""

    sanitised_text = serializers.CharField()
    compartment = CompartmentField(required=False)
    retention_class = serializers.SlugRelatedField(
        slug_field="code", queryset=RetentionClass.objects.all(), required=False
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class RegradeSerializer(GradingInputSerializer):
    reason = serializers.CharField()


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=ReviewDecision.choices)
    reason = serializers.CharField()
    next_review_due = serializers.DateField(required=False, allow_null=True)


class ReportEntityInputSerializer(serializers.Serializer):
    entity = VisibleRelatedField(model=Entity)
    subject_category = serializers.ChoiceField(
        choices=SubjectCategory.choices, required=False, allow_blank=True, default=""
    )
    is_assessment = serializers.BooleanField(required=False, default=False)


class ReportEntitySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    report = serializers.IntegerField(source="report_id")
    entity = serializers.IntegerField(source="entity_id")
    subject_category = serializers.CharField()
    is_assessment = serializers.BooleanField()


# --- Bulk actions on reports (the evaluation queue, the report list) ---------------------------


class BulkReportsField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(
            child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
            min_length=1,
            max_length=BULK_LIMIT,
            help_text=f"Report ids (1 to {BULK_LIMIT}). One that is missing or outside your "
            "compartments refuses the whole request (400, naming its id).",
            **kwargs,
        )


class BulkExportSerializer(serializers.Serializer):
    reports = BulkReportsField()


class BulkAssignSerializer(serializers.Serializer):
    """Assign reports awaiting evaluation; all or nothing."""

    reports = BulkReportsField()
    assignee = serializers.CharField(
        allow_null=True,
        max_length=150,
        help_text="The username of an active evaluator who holds one of your compartments and "
        "may see every report named (null: assigned to nobody).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)

    def validate_assignee(self, value: str | None) -> User | None:
        if value is None:
            return None
        user = _user(self)
        for evaluator in selectors.assignable_evaluators(user):
            if evaluator.user.username == value:
                return evaluator.user
        raise serializers.ValidationError(
            _("No evaluator by that username holds one of your compartments.")
        )


class BulkDeferSerializer(serializers.Serializer):
    """Evaluate later: the reports leave the queue's default view until ``until``."""

    reports = BulkReportsField()
    until = serializers.DateField(
        allow_null=True,
        help_text="The day the reports come back to the queue: after today, within "
        f"{DEFER_MAX_DAYS} days (null: back now).",
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)


class QueueStateSerializer(serializers.ModelSerializer):
    """A report's place in the evaluation queue after a bulk action."""

    assigned_to = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    deferred_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Report
        fields = ["id", "urn", "assigned_to", "assigned_at", "deferred_until", "deferred_by"]
        read_only_fields = fields


class BulkResultSerializer(serializers.Serializer):
    reports = QueueStateSerializer(many=True)


# --- Sources ----------------------------------------------------------------------------------


class SourceSerializer(RestrictedModelSerializer):
    """A source; ``handler`` and identity fields are null unless you may see the identity."""

    compartment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    handler = serializers.SerializerMethodField()
    identity_name = serializers.SerializerMethodField()
    identity_details = serializers.SerializerMethodField()

    class Meta:
        model = Source
        fields = [
            "id",
            "reference",
            "source_type",
            "compartment",
            "handler",
            "identity_name",
            "identity_details",
            "notes",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields

    def _identity(self, source: Source) -> bool:
        return source.identity_visible_to(_user(self))

    @extend_schema_field(NULLABLE_STRING)
    def get_handler(self, source: Source) -> str | None:
        return source.handler.username if source.handler and self._identity(source) else None

    @extend_schema_field(NULLABLE_STRING)
    def get_identity_name(self, source: Source) -> str | None:
        return source.identity_name if self._identity(source) else None

    @extend_schema_field(NULLABLE_STRING)
    def get_identity_details(self, source: Source) -> str | None:
        return source.identity_details if self._identity(source) else None


class ReliabilitySerializer(serializers.Serializer):
    scheme = serializers.CharField()
    code = serializers.CharField()
    meaning = serializers.CharField()
    reports = serializers.IntegerField()
    last_graded = serializers.DateTimeField(allow_null=True)


class SourceDetailSerializer(SourceSerializer):
    reliability = serializers.SerializerMethodField()

    class Meta(SourceSerializer.Meta):
        fields = [*SourceSerializer.Meta.fields, "reliability"]
        read_only_fields = fields

    @extend_schema_field(ReliabilitySerializer(many=True))
    def get_reliability(self, source: Source) -> list[dict]:
        from intelligence.selectors import source_reliability

        return source_reliability(source, _user(self))


class SourceWriteSerializer(serializers.Serializer):
    reference = serializers.CharField(max_length=30)
    source_type = serializers.ChoiceField(choices=SourceType.choices)
    compartment = CompartmentField()
    handler = serializers.SlugRelatedField(
        slug_field="username",
        queryset=User.objects.filter(groups__name=Role.SOURCE_HANDLER, is_active=True),
        required=False,
        allow_null=True,
    )
    identity_name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    identity_details = serializers.CharField(required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)


# --- Entities and links -----------------------------------------------------------------------


class IdentifierSerializer(RestrictedModelSerializer):
    kind = serializers.ChoiceField(choices=IdentifierKind.choices)

    class Meta:
        model = Identifier
        fields = ["kind", "value"]


class EntitySerializer(RestrictedModelSerializer):
    compartment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    identifiers = IdentifierSerializer(many=True, read_only=True)

    class Meta:
        model = Entity
        fields = [
            "id",
            "kind",
            "name",
            "date_of_birth",
            "description",
            "compartment",
            "identifiers",
            "merged_into",
            "created_at",
        ]
        read_only_fields = fields


# Documented as the request form of "Entity" (EntityRequest), so its enums share one name.
@extend_schema_serializer(component_name="Entity")
class EntityWriteSerializer(serializers.Serializer):
    """A new entity. Probable duplicates answer 409 with ``duplicates`` unless
    ``allow_duplicate`` is true."""

    kind = serializers.ChoiceField(choices=EntityKind.choices)
    name = serializers.CharField(max_length=200)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    compartment = CompartmentField()
    identifiers = IdentifierSerializer(many=True, required=False)
    allow_duplicate = serializers.BooleanField(required=False, default=False)


class DuplicateResponseSerializer(serializers.Serializer):
    detail = serializers.CharField()
    duplicates = EntitySerializer(many=True)


class MergeSerializer(serializers.Serializer):
    other = VisibleRelatedField(
        model=Entity, help_text="The duplicate, folded into the entity in the URL."
    )
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class LinkSerializer(RestrictedModelSerializer):
    compartment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    reports = serializers.SlugRelatedField(slug_field="urn", many=True, read_only=True)

    class Meta:
        model = Link
        fields = [
            "id",
            "compartment",
            "from_entity",
            "to_entity",
            "kind",
            "strength",
            "reports",
            "note",
            "created_at",
        ]
        read_only_fields = fields


@extend_schema_serializer(component_name="Link")
class LinkWriteSerializer(serializers.Serializer):
    from_entity = VisibleRelatedField(model=Entity)
    to_entity = VisibleRelatedField(model=Entity)
    kind = serializers.ChoiceField(choices=LinkKind.choices)
    strength = serializers.ChoiceField(choices=LinkStrength.choices)
    reports = VisibleSlugField(model=Report, slug_field="urn", many=True, required=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")
    compartment = CompartmentField(required=False)


# --- Incidents --------------------------------------------------------------------------------


class IncidentSerializer(RestrictedModelSerializer):
    compartment = CompartmentField()
    crime_type = serializers.SlugRelatedField(slug_field="slug", queryset=CrimeType.objects.all())
    latitude = serializers.FloatField(min_value=-90, max_value=90)
    longitude = serializers.FloatField(min_value=-180, max_value=180)

    class Meta:
        model = Incident
        fields = [
            "id",
            "reference",
            "crime_type",
            "occurred_from",
            "occurred_to",
            "latitude",
            "longitude",
            "address",
            "origin",
            "compartment",
        ]
        # Uniqueness (a reference once per compartment) is checked by the service, which
        # names the field.
        extra_kwargs = {"reference": {"validators": []}}
        validators: list = []
