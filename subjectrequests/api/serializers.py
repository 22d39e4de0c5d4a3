"""API representations of data-subject requests and their hits (the officer's only)."""

from __future__ import annotations

from rest_framework import serializers

from subjectrequests.choices import Decision, Ground, RequestKind
from subjectrequests.models import SubjectHit, SubjectRequest


class Text(serializers.CharField):
    """Text, and only text: a number or a list is refused, not turned into a string."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class SubjectHitSerializer(serializers.ModelSerializer):
    ground = serializers.ChoiceField(choices=Ground.choices, allow_blank=True, read_only=True)
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
    subject_name = Text(max_length=200)
    other_names = Text(required=False, allow_blank=True, max_length=2000)
    date_of_birth = serializers.DateField(required=False)
    identifiers = Text(required=False, allow_blank=True, max_length=2000)
    details = Text(required=False, allow_blank=True, max_length=5000)
    authority_reference = Text(required=False, allow_blank=True, max_length=100)
    received_on = serializers.DateField()
    identity_method = Text(max_length=300)
    identity_checked_by = Text(max_length=150)
    identity_checked_on = serializers.DateField()


class HitDecisionWriteSerializer(serializers.Serializer):
    hit = serializers.IntegerField(min_value=1)
    decision = serializers.ChoiceField(choices=Decision.choices)
    ground = serializers.ChoiceField(choices=Ground.choices, required=False, allow_blank=True)
    review_on = serializers.DateField(required=False)
    neutral = serializers.BooleanField(required=False, default=False)
    note = Text(required=False, allow_blank=True, max_length=2000)


class HitListSerializer(serializers.Serializer):
    results = SubjectHitSerializer(many=True)
