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
            "purpose_type",
            "purpose_id",
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
        source="ok",
        read_only=True,
        allow_null=True,
        help_text="The result as stored in the row, unverified; null when none has run.",
    )
    status = serializers.SerializerMethodField(
        help_text="`intact`, `broken`, `not_verified` (a stored result that is not genuine) or "
        "`never_verified` (no verification has run yet: every other field is empty)."
    )

    class Meta:
        model = IntegrityCheck
        fields = [
            "status",
            "started_at",
            "finished_at",
            "events_checked",
            "ok",
            "verified",
            "stored_ok",
            "first_bad_event_id",
            "message",
        ]

        extra_kwargs = {
            "started_at": {"allow_null": True},
            "finished_at": {"allow_null": True},
        }

    def get_status(self, check) -> str:
        if check.pk is None:
            return "never_verified"
        if not check.verified:
            return "not_verified"
        return "intact" if check.intact else "broken"

    def get_ok(self, check) -> bool:
        return check.pk is not None and check.intact

    def get_verified(self, check) -> bool:
        return check.pk is not None and bool(check.verified)


class DisclosureSerializer(serializers.Serializer):
    object_type = serializers.CharField(help_text="e.g. intelligence.report or analysis.product")
    object_id = serializers.CharField()
    recipient = serializers.CharField(max_length=300)
    legal_basis = serializers.CharField(max_length=500)
    conditions_acknowledged = serializers.BooleanField(default=False)
    provider_permission = serializers.CharField(required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=1000)
