from rest_framework import serializers

from audit.models import AuditEvent, IntegrityCheck
from ilp_platform.web.serializers import RestrictedModelSerializer


class AuditEventSerializer(RestrictedModelSerializer):
    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "occurred_at",
            "actor_username",
            "action",
            "object_type",
            "object_id",
            "object_repr",
            "compartment",
            "justification",
            "recipient",
            "details",
            "request_id",
            "ip",
            "user_agent",
            "via",
            "outcome",
            "prev_hash",
            "hash",
        ]


class IntegrityCheckSerializer(RestrictedModelSerializer):
    """A stored result; ``ok`` is true only when the chain was intact and the row is genuine."""

    ok = serializers.SerializerMethodField(
        help_text="The chain was intact and this result is verified (signature and log event)."
    )
    verified = serializers.SerializerMethodField(
        help_text="The row's signature matches and its result is an event in the audit log; "
        "false for a row inserted or altered outside the verification."
    )
    stored_ok = serializers.BooleanField(
        source="ok", read_only=True, help_text="The result as stored in the row, unverified."
    )

    class Meta:
        model = IntegrityCheck
        fields = [
            "started_at",
            "finished_at",
            "events_checked",
            "ok",
            "verified",
            "stored_ok",
            "first_bad_event_id",
            "message",
        ]

    def get_ok(self, check) -> bool:
        return check.intact

    def get_verified(self, check) -> bool:
        return bool(check.verified)


class DisclosureSerializer(serializers.Serializer):
    object_type = serializers.CharField(help_text="e.g. intelligence.report or analysis.product")
    object_id = serializers.CharField()
    recipient = serializers.CharField(max_length=300)
    legal_basis = serializers.CharField(max_length=500)
    conditions_acknowledged = serializers.BooleanField(default=False)
    provider_permission = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
