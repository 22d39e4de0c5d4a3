"""API representations of the data-protection officer's records."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers

from dataprotection.choices import PackSubject, RiskLevel
from dataprotection.models import ImpactAssessment, ProcessingRecord, ProportionalityPack


class ProcessingRecordSerializer(serializers.ModelSerializer):
    updated_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ProcessingRecord
        fields = [
            "id",
            "activity",
            "name",
            "purpose",
            "legal_basis",
            "data_categories",
            "subject_categories",
            "recipients",
            "retention",
            "safeguards",
            "assessment_required",
            "from_baseline",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields


class ProcessingRecordWriteSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    purpose = serializers.CharField()
    legal_basis = serializers.CharField()
    data_categories = serializers.CharField()
    subject_categories = serializers.CharField()
    recipients = serializers.CharField()
    retention = serializers.CharField()
    safeguards = serializers.CharField()
    assessment_required = serializers.BooleanField()


class ImpactAssessmentSerializer(serializers.ModelSerializer):
    record = serializers.SlugRelatedField(slug_field="activity", read_only=True)
    author = serializers.SlugRelatedField(slug_field="username", read_only=True)
    approved_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = ImpactAssessment
        fields = [
            "id",
            "reference",
            "record",
            "title",
            "scope",
            "risks",
            "measures",
            "residual_risk",
            "review_due",
            "status",
            "author",
            "approved_by",
            "approved_at",
            "approval_note",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class ImpactAssessmentWriteSerializer(serializers.Serializer):
    record = serializers.SlugRelatedField(
        slug_field="activity", queryset=ProcessingRecord.objects.all()
    )
    title = serializers.CharField(max_length=200)
    scope = serializers.CharField(required=False, allow_blank=True)
    risks = serializers.CharField()
    measures = serializers.CharField()
    residual_risk = serializers.ChoiceField(choices=RiskLevel.choices, required=False)
    review_due = serializers.DateField()


class ApproveSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class ProportionalityPackSerializer(serializers.ModelSerializer):
    produced_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ProportionalityPack
        fields = [
            "id",
            "reference",
            "subject_type",
            "subject_reference",
            "sha256",
            "produced_by",
            "produced_at",
            "audit_event_id",
            "content",
        ]
        read_only_fields = fields


class ProportionalityPackListSerializer(ProportionalityPackSerializer):
    class Meta(ProportionalityPackSerializer.Meta):
        fields = [f for f in ProportionalityPackSerializer.Meta.fields if f != "content"]
        read_only_fields = fields


class PackRequestSerializer(serializers.Serializer):
    subject_type = serializers.ChoiceField(choices=PackSubject.choices)
    subject = serializers.CharField(
        max_length=60, help_text="The operation's reference (or id), or the tasking's id."
    )


class VerifySerializer(serializers.Serializer):
    pack = serializers.JSONField(
        required=False, help_text="The pack's JSON (as downloaded, or its content)."
    )
    sha256 = serializers.CharField(required=False, allow_blank=True, max_length=80)

    def validate(self, attrs):
        if attrs.get("pack") in (None, "", {}) and not attrs.get("sha256"):
            raise serializers.ValidationError({"pack": [_("Give the pack's JSON or its sha256.")]})
        return attrs


class VerifyResultSerializer(serializers.Serializer):
    match = serializers.BooleanField()
    sha256 = serializers.CharField()
    pack = serializers.CharField(required=False)
    pack_id = serializers.IntegerField(required=False)
    recorded_at = serializers.CharField(required=False)
    recorded_by = serializers.CharField(required=False)
    audit_event = serializers.IntegerField(required=False)
    reason = serializers.CharField(required=False)
