"""API representations of tasking records. Linked evidence (products, reports) is listed only
where the caller may see it; writes are parsed here and carried out by ``tasking.services``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from analysis.models import Product
from ilp_platform.accounts.models import Unit, User
from ilp_platform.core.references import stored
from ilp_platform.web.serializers import (
    CompartmentField,
    RestrictedModelSerializer,
    VisibleRelatedField,
)
from intelligence.models import CrimeType, Entity, Report
from tasking import scoring
from tasking.choices import (
    DecisionSubject,
    ExtensionStatus,
    MeetingKind,
    MeetingStatus,
    PriorityStatus,
    RequirementStatus,
    Strand,
    SubjectKind,
    TaskingStatus,
)
from tasking.models import Decision, ExtensionRequest, Meeting, Priority, Requirement, Tasking
from tasking.selectors import visible_pks


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def choice_text(choices) -> serializers.CharField:
    """A read-only choice documented in words: the platform has several choice sets called
    ``status`` or ``kind``, and one enum component per name keeps the schema unambiguous (the
    write serializers carry the enums)."""
    values = ", ".join(str(value) for value, _label in choices)
    return serializers.CharField(read_only=True, help_text=f"One of: {values}.")


def _active_users():
    return User.objects.filter(is_active=True)


class VisibleIdsField(serializers.Field):
    """Ids of linked records of ``model`` that the caller may see (read only)."""

    def __init__(self, model, **kwargs):
        self.model = model
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def get_attribute(self, instance):
        return instance

    def to_representation(self, instance):
        prefetched = getattr(instance, f"visible_{self.field_name}", None)
        if prefetched is not None:  # the viewset prefetched only what the caller may see
            return sorted(obj.pk for obj in prefetched)
        manager = getattr(instance, self.field_name)
        ids = [obj.pk for obj in manager.all()]
        allowed = visible_pks(_user(self.root), self.model, ids)
        return sorted(pk for pk in ids if pk in allowed)


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class ProductIdsField(VisibleIdsField):
    def __init__(self, **kwargs):
        super().__init__(Product, **kwargs)


@extend_schema_field({"type": "array", "items": {"type": "integer"}})
class ReportIdsField(VisibleIdsField):
    def __init__(self, **kwargs):
        super().__init__(Report, **kwargs)


# --- Meetings ---------------------------------------------------------------------------------


class MeetingSerializer(RestrictedModelSerializer):
    kind = choice_text(MeetingKind.choices)
    status = choice_text(MeetingStatus.choices)
    compartment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    chair = serializers.SlugRelatedField(slug_field="username", read_only=True)
    attendees = serializers.SlugRelatedField(slug_field="username", many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "kind",
            "title",
            "scheduled_for",
            "location",
            "chair",
            "attendees",
            "compartment",
            "status",
            "notes",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = fields


class MeetingWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=MeetingKind.choices)
    title = serializers.CharField(max_length=200)
    scheduled_for = serializers.DateTimeField()
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    chair = serializers.SlugRelatedField(slug_field="username", queryset=_active_users())
    attendees = serializers.SlugRelatedField(
        slug_field="username", many=True, queryset=_active_users(), required=False
    )
    compartment = CompartmentField()
    notes = serializers.CharField(required=False, allow_blank=True)


class AgendaSerializer(serializers.Serializer):
    live = serializers.BooleanField(help_text="True before the meeting opens; then a snapshot.")
    built_at = serializers.DateTimeField()
    since = serializers.DateTimeField(allow_null=True)
    sections = serializers.DictField(
        child=serializers.ListField(child=serializers.DictField()),
        help_text="products, candidates, reviews, taskings, requirements.",
    )
    coverage = serializers.DictField()


# --- Priorities -------------------------------------------------------------------------------


class PrioritySerializer(RestrictedModelSerializer):
    subject_kind = choice_text(SubjectKind.choices)
    status = choice_text(PriorityStatus.choices)
    compartment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    crime_type = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    proposed_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    evidence_products = ProductIdsField()
    score = serializers.DecimalField(max_digits=8, decimal_places=2, read_only=True)

    class Meta:
        model = Priority
        fields = [
            "id",
            "title",
            "description",
            "subject_kind",
            "crime_type",
            "subject_entity",
            "subject_label",
            "compartment",
            "status",
            "intelligence_plan",
            "prevention_plan",
            "enforcement_plan",
            "reassurance_plan",
            "evidence_products",
            "matrix",
            "score_inputs",
            "score",
            "score_band",
            "confidence",
            "score_breakdown",
            "proposed_by",
            "proposed_at",
            "decided_by",
            "decided_at",
            "decided_at_meeting",
            "decision_rationale",
            "review_due",
        ]
        read_only_fields = fields


class PriorityWriteSerializer(serializers.Serializer):
    """A candidate priority; give ``matrix`` and ``score_inputs`` to score it at once."""

    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True)
    subject_kind = serializers.ChoiceField(choices=SubjectKind.choices)
    crime_type = serializers.SlugRelatedField(
        slug_field="slug", queryset=CrimeType.objects.all(), required=False, allow_null=True
    )
    subject_entity = VisibleRelatedField(model=Entity, required=False, allow_null=True)
    subject_label = serializers.CharField(max_length=200, required=False, allow_blank=True)
    compartment = CompartmentField()
    intelligence_plan = serializers.CharField(required=False, allow_blank=True)
    prevention_plan = serializers.CharField(required=False, allow_blank=True)
    enforcement_plan = serializers.CharField(required=False, allow_blank=True)
    reassurance_plan = serializers.CharField(required=False, allow_blank=True)
    review_due = serializers.DateField(required=False, allow_null=True)
    evidence_products = VisibleRelatedField(model=Product, many=True, required=False)
    matrix = serializers.CharField(required=False)
    score_inputs = serializers.DictField(child=serializers.JSONField(), required=False)


class ScoreSerializer(serializers.Serializer):
    matrix = serializers.CharField(required=False, help_text="Default: the configured default.")
    inputs = serializers.DictField(
        child=serializers.JSONField(), help_text="Factor key -> value on its scale."
    )

    def validate_matrix(self, value):
        if value not in scoring.matrices():
            raise serializers.ValidationError(
                _("Unknown scoring matrix “%(matrix)s”; choose one of %(choices)s.")
                % {"matrix": value, "choices": ", ".join(scoring.matrices())}
            )
        return value


class PriorityDecisionSerializer(serializers.Serializer):
    meeting = VisibleRelatedField(model=Meeting)
    rationale = serializers.CharField()
    review_due = serializers.DateField(required=False, allow_null=True)
    evidence_reports = VisibleRelatedField(model=Report, many=True, required=False)


# --- Requirements -----------------------------------------------------------------------------


class RequirementSerializer(RestrictedModelSerializer):
    status = choice_text(RequirementStatus.choices)
    compartment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    assigned_to = serializers.SlugRelatedField(slug_field="username", read_only=True)
    assigned_unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    raised_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    answering_reports = serializers.SerializerMethodField()

    class Meta:
        model = Requirement
        fields = [
            "id",
            "question",
            "detail",
            "priority",
            "due_date",
            "assigned_unit",
            "assigned_to",
            "status",
            "compartment",
            "raised_at_meeting",
            "raised_by",
            "created_at",
            "answering_reports",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "array", "items": {"type": "integer"}})
    def get_answering_reports(self, requirement) -> list[int]:
        prefetched = getattr(requirement, "visible_answers", None)
        if prefetched is not None:
            return sorted(a.report_id for a in prefetched)
        ids = [a.report_id for a in requirement.answers.all()]
        allowed = visible_pks(_user(self), Report, ids)
        return sorted(pk for pk in ids if pk in allowed)


class RequirementWriteSerializer(serializers.Serializer):
    question = serializers.CharField(max_length=300)
    detail = serializers.CharField(required=False, allow_blank=True)
    priority = VisibleRelatedField(model=Priority, required=False, allow_null=True)
    due_date = serializers.DateField()
    assigned_unit = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.all(), required=False, allow_null=True
    )
    assigned_to = serializers.SlugRelatedField(
        slug_field="username", queryset=_active_users(), required=False, allow_null=True
    )
    status = serializers.ChoiceField(choices=RequirementStatus.choices, required=False)
    compartment = CompartmentField()
    meeting = VisibleRelatedField(model=Meeting, required=False, allow_null=True)


class AnswerSerializer(serializers.Serializer):
    report = VisibleRelatedField(model=Report)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


# --- Taskings ---------------------------------------------------------------------------------


class TaskingSerializer(RestrictedModelSerializer):
    strand = choice_text(Strand.choices)
    status = choice_text(TaskingStatus.choices)
    compartment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    owner_user = serializers.SlugRelatedField(slug_field="username", read_only=True)
    owner_unit = serializers.SlugRelatedField(slug_field="code", read_only=True)
    cited_reports = ReportIdsField()
    cited_products = ProductIdsField()
    overdue = serializers.BooleanField(read_only=True)

    class Meta:
        model = Tasking
        fields = [
            "id",
            "title",
            "detail",
            "priority",
            "requirement",
            "strand",
            "owner_user",
            "owner_unit",
            "due_date",
            "status",
            "overdue",
            "result",
            "cited_reports",
            "cited_products",
            "compartment",
            "raised_at_meeting",
            "completed_at",
        ]
        read_only_fields = fields


class TaskingWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=300)
    detail = serializers.CharField(required=False, allow_blank=True)
    priority = VisibleRelatedField(model=Priority)
    requirement = VisibleRelatedField(model=Requirement, required=False, allow_null=True)
    strand = serializers.ChoiceField(choices=Strand.choices, required=False)
    owner_user = serializers.SlugRelatedField(
        slug_field="username", queryset=_active_users(), required=False, allow_null=True
    )
    owner_unit = serializers.SlugRelatedField(
        slug_field="code", queryset=Unit.objects.all(), required=False, allow_null=True
    )
    due_date = serializers.DateField()
    status = serializers.ChoiceField(choices=TaskingStatus.choices, required=False)
    compartment = CompartmentField()
    meeting = VisibleRelatedField(model=Meeting, required=False, allow_null=True)


class ExtensionRequestSerializer(RestrictedModelSerializer):
    """A request for more time on a tasking, and its outcome."""

    status = choice_text(ExtensionStatus.choices)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ExtensionRequest
        fields = [
            "id",
            "tasking",
            "previous_due_date",
            "requested_due_date",
            "reason",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class ExtensionAskSerializer(serializers.Serializer):
    due_date = serializers.DateField(help_text="The new deadline: after the current one, not past.")
    reason = serializers.CharField(max_length=2000, help_text="Why more time is needed.")


class ExtensionDecisionSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("grant", "grant"), ("refuse", "refuse")])
    decision_note = serializers.CharField(
        required=False, allow_blank=True, max_length=2000, help_text="Needed when refusing."
    )


class CompleteSerializer(serializers.Serializer):
    result = serializers.CharField()
    cited_reports = VisibleRelatedField(model=Report, many=True, required=False)
    cited_products = VisibleRelatedField(model=Product, many=True, required=False)


# --- Decisions --------------------------------------------------------------------------------


class DecisionSerializer(RestrictedModelSerializer):
    subject_kind = choice_text(DecisionSubject.choices)
    compartment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    decided_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    evidence_products = ProductIdsField()
    evidence_reports = ReportIdsField()
    locked = serializers.SerializerMethodField()

    class Meta:
        model = Decision
        fields = [
            "id",
            "meeting",
            "subject_kind",
            "priority",
            "tasking",
            "product",
            "requirement",
            "decision",
            "rationale",
            "decided_by",
            "decided_at",
            "evidence_products",
            "evidence_reports",
            "amends",
            "compartment",
            "locked",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_locked(self, decision) -> bool:
        # Whether the minutes are closed is the decision's own state, even when its meeting
        # is one the reader may not see (the meeting is not named).
        return stored(decision, "meeting").is_closed


class DecisionWriteSerializer(serializers.Serializer):
    meeting = VisibleRelatedField(model=Meeting)
    subject_kind = serializers.ChoiceField(choices=DecisionSubject.choices, required=False)
    priority = VisibleRelatedField(model=Priority, required=False, allow_null=True)
    tasking = VisibleRelatedField(model=Tasking, required=False, allow_null=True)
    product = VisibleRelatedField(model=Product, required=False, allow_null=True)
    requirement = VisibleRelatedField(model=Requirement, required=False, allow_null=True)
    decision = serializers.CharField()
    rationale = serializers.CharField()
    evidence_products = VisibleRelatedField(model=Product, many=True, required=False)
    evidence_reports = VisibleRelatedField(model=Report, many=True, required=False)
    amends = VisibleRelatedField(model=Decision, required=False, allow_null=True)
    compartment = CompartmentField(required=False)


class DecisionCorrectionSerializer(serializers.Serializer):
    decision = serializers.CharField(required=False)
    rationale = serializers.CharField(required=False)


class ExtensionRequestListSerializer(serializers.Serializer):
    """A tasking's requests for more time: all of them (a tasking has a few), newest first."""

    results = ExtensionRequestSerializer(many=True)
