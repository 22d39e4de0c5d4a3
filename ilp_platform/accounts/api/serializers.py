from rest_framework import serializers

from ilp_platform.accounts.models import Compartment, Unit, User
from ilp_platform.web.serializers import RestrictedModelSerializer


class CompartmentSerializer(RestrictedModelSerializer):
    class Meta:
        model = Compartment
        fields = ["id", "slug", "name", "description", "is_active"]


class UnitSerializer(RestrictedModelSerializer):
    class Meta:
        model = Unit
        fields = ["id", "name", "code", "time_zone"]


class UserSerializer(RestrictedModelSerializer):
    roles = serializers.SerializerMethodField()
    unit = UnitSerializer(read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "unit",
            "roles",
            "is_active",
        ]

    def get_roles(self, user: User) -> list[str]:
        return sorted(group.name for group in user.groups.all())


class MeSerializer(UserSerializer):
    compartments = serializers.SerializerMethodField()

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "compartments"]

    def get_compartments(self, user: User) -> list[str]:
        return list(Compartment.objects.visible_to(user).values_list("slug", flat=True))


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=32,
        required=False,
        allow_blank=True,
        help_text="Two-factor code (or a recovery code); required once the user has enrolled.",
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(read_only=True)
