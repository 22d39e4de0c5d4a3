"""API representations of data-subject requests and their hits (the officer's only)."""

from __future__ import annotations

from rest_framework import serializers

from subjectrequests.choices import Decision, Ground, RequestKind
from subjectrequests.models import SubjectHit, SubjectRequest


class SubjectHitSerializer(serializers.ModelSerializer):
    record_id = serializers.SerializerMethodField()
    review_due = serializers.SerializerMethodField()

    class Meta:
        model = SubjectHit
        fields = [
            "id",
            "kind",
            "record_id",
            "compartment_slug",
            "label",
            "snapshot",
            "reasons",
            "found_at",
            "decision",
            "ground",
            "neutral",
            "review_on",
            "review_due",
            "note",
            "decided_at",
            "outcome",
        ]
        read_only_fields = fields

    def get_record_id(self, hit: SubjectHit) -> int | None:
        return hit.entity_id or hit.report_id

    def get_review_due(self, hit: SubjectHit) -> bool:
        return hit.review_due()


class SubjectRequestSerializer(serializers.ModelSerializer):
    overdue = serializers.SerializerMethodField()
    registered_by: serializers.SlugRelatedField = serializers.SlugRelatedField(
        slug_field="username", read_only=True
    )

    class Meta:
        model = SubjectRequest
        fields = [
            "id",
            "reference",
            "kind",
            "status",
            "subject_name",
            "other_names",
            "date_of_birth",
            "identifiers",
            "details",
            "authority_reference",
            "received_on",
            "deadline",
            "overdue",
            "identity_method",
            "identity_checked_by",
            "identity_checked_on",
            "searched_at",
            "answered_at",
            "registered_by",
            "created_at",
        ]
        read_only_fields = fields

    def get_overdue(self, request: SubjectRequest) -> bool:
        return request.is_overdue()


class SubjectRequestWriteSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    subject_name = serializers.CharField(max_length=200)
    other_names = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    date_of_birth = serializers.DateField(required=False, allow_null=True)
    identifiers = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    details = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    authority_reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    received_on = serializers.DateField()
    identity_method = serializers.CharField(max_length=300)
    identity_checked_by = serializers.CharField(max_length=150)
    identity_checked_on = serializers.DateField()


class HitDecisionWriteSerializer(serializers.Serializer):
    hit = serializers.IntegerField(min_value=1)
    decision = serializers.ChoiceField(choices=Decision.choices)
    ground = serializers.ChoiceField(choices=Ground.choices, required=False, allow_blank=True)
    review_on = serializers.DateField(required=False, allow_null=True)
    neutral = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)


class HitListSerializer(serializers.Serializer):
    results = SubjectHitSerializer(many=True)
