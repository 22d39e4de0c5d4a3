"""API representations of the exchange: identity, partners, packages, the inbox."""

from __future__ import annotations

from rest_framework import serializers

from exchange.models import ExchangePackage, InstallationKey, Partner, ReceivedPackage
from ilp_platform.accounts.models import Compartment
from ilp_platform.web.serializers import RestrictedModelSerializer
from intelligence.choices import GradingScheme


class IdentitySerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = InstallationKey
        fields = ["id", "public_key", "fingerprint", "created_at", "retired_at", "current"]
        read_only_fields = fields

    def get_current(self, obj) -> bool:
        return obj.retired_at is None


class PartnerSerializer(serializers.ModelSerializer):
    """A partner as a reader sees it: of its compartments only those the reader holds are named
    (the REFERENCE RULE); ``other_compartments`` counts the rest."""

    intake_compartment = serializers.SerializerMethodField(
        help_text="The intake compartment's slug; null when you do not hold it."
    )
    # Blank when the partner takes packages by file only: text, not a URI format.
    inbox_url = serializers.CharField(
        read_only=True, help_text="The partner's push address; blank for file transfer only."
    )
    sendable_compartments = serializers.SerializerMethodField()
    other_compartments = serializers.SerializerMethodField(
        help_text="How many of the partner's compartments you do not hold (not named)."
    )

    def _held(self) -> set[int]:
        if "held_compartments" not in self.context:
            request = self.context.get("request")
            user = getattr(request, "user", None)
            # The administrators who manage the register see what they set on it.
            shown = (
                Compartment.objects.all()
                if user is not None and user.has_perm("exchange.change_partner")
                else Compartment.objects.visible_to(user)
            )
            self.context["held_compartments"] = set(shown.values_list("pk", flat=True))
        return self.context["held_compartments"]

    def get_intake_compartment(self, obj) -> str | None:
        return obj.intake_compartment.slug if obj.intake_compartment_id in self._held() else None

    def get_sendable_compartments(self, obj) -> list[str]:
        held = self._held()
        return sorted(c.slug for c in obj.sendable_compartments.all() if c.pk in held)

    def get_other_compartments(self, obj) -> int:
        return len(partner_compartment_ids(obj) - self._held())

    class Meta:
        model = Partner
        fields = [
            "id",
            "name",
            "country",
            "contact",
            "public_key",
            "fingerprint",
            "grading_scheme",
            "handling_codes",
            "sendable_compartments",
            "sends_entities",
            "intake_compartment",
            "other_compartments",
            "inbox_url",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


def partner_compartment_ids(partner: Partner) -> set[int]:
    return {partner.intake_compartment_id, *(c.pk for c in partner.sendable_compartments.all())}


class PartnerWriteSerializer(serializers.Serializer):
    """A partner agency. The public key is checked (its shape and both key halves); the
    handling codes must be codes of the partner's scheme."""

    name = serializers.CharField(max_length=200)
    country = serializers.CharField(max_length=2, min_length=2)
    contact = serializers.CharField()
    public_key = serializers.CharField()
    grading_scheme = serializers.ChoiceField(choices=GradingScheme.choices)
    handling_codes = serializers.ListField(
        child=serializers.CharField(max_length=2), required=False
    )
    sendable_compartments = serializers.SlugRelatedField(
        slug_field="slug", many=True, queryset=Compartment.objects.all(), required=False
    )
    sends_entities = serializers.BooleanField(required=False, default=True)
    intake_compartment = serializers.SlugRelatedField(
        slug_field="slug", queryset=Compartment.objects.all()
    )
    inbox_url = serializers.URLField(required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False, default=True)


class PackageSerializer(RestrictedModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="name", read_only=True)
    compartment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="queued, running, succeeded or failed (nothing sent)."
    )

    class Meta:
        model = ExchangePackage
        fields = [
            "id",
            "package_id",
            "status",
            "progress",
            "message",
            "partner",
            "compartment",
            "legal_basis",
            "expires_at",
            "report_count",
            "entity_count",
            "link_count",
            "file_size",
            "file_sha256",
            "pushed_at",
            "push_message",
            "result",
            "requested_by",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class PackageRequestSerializer(serializers.Serializer):
    """What to send: reports of one compartment (by id), to whom, on what legal basis.
    ``grading_choices`` gives, per report URN, the partner's code for each axis that has no
    faithful counterpart (the answer to a first request names them); ``conditions`` are codes
    imposed on the recipient (``originator_consent``, ``no_judicial_use``, ...)."""

    partner = serializers.PrimaryKeyRelatedField(queryset=Partner.objects.filter(is_active=True))
    reports = serializers.ListField(
        child=serializers.IntegerField(min_value=1),
        min_length=1,
        max_length=50_000,
        help_text="Ids of the reports to send (evaluated, sanitised, of one compartment).",
    )
    legal_basis = serializers.CharField()
    conditions = serializers.ListField(child=serializers.CharField(max_length=40), required=False)
    grading_choices = serializers.DictField(
        child=serializers.DictField(child=serializers.CharField(max_length=2)), required=False
    )
    conditions_acknowledged = serializers.BooleanField(required=False, default=False)
    valid_days = serializers.IntegerField(required=False, min_value=1, max_value=90)


class ReceivedPackageSerializer(RestrictedModelSerializer):
    partner = serializers.SlugRelatedField(slug_field="name", read_only=True)
    compartment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    received_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = ReceivedPackage
        fields = [
            "id",
            "package_id",
            "partner",
            "compartment",
            "channel",
            "created_at_sender",
            "expires_at",
            "received_at",
            "received_by",
            "report_ids",
            "report_count",
            "entity_count",
            "link_count",
            "legal_basis",
        ]
        read_only_fields = fields


class PushReceiptSerializer(serializers.Serializer):
    """What a pushing server is told: its package arrived (not where it landed, nor by whom)."""

    package_id = serializers.UUIDField(read_only=True)
    status = serializers.SerializerMethodField()
    report_count = serializers.IntegerField(read_only=True)
    entity_count = serializers.IntegerField(read_only=True)
    link_count = serializers.IntegerField(read_only=True)

    def get_status(self, obj) -> str:
        return "received"


class InboxUploadSerializer(serializers.Serializer):
    """A package file received on removable media (multipart ``file``). A partner's server
    instead POSTs the package itself (``application/json``), with no account: the package's
    signature authenticates it."""

    file = serializers.FileField()


class RefusalSerializer(serializers.Serializer):
    """A refused package (``package``: why, ``refused``: the reason's code), or an upload
    naming no file (``file``)."""

    package = serializers.ListField(child=serializers.CharField(), required=False)
    refused = serializers.CharField(required=False)
    file = serializers.ListField(child=serializers.CharField(), required=False)
