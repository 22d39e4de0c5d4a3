from drf_spectacular.utils import extend_schema
from rest_framework import permissions, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import services as audit
from audit.choices import Action
from ilp_platform.accounts.api.serializers import (
    CompartmentSerializer,
    MeSerializer,
    UserSerializer,
)
from ilp_platform.accounts.models import Compartment, User
from ilp_platform.core.api import RestrictedViewSetMixin, RolePermissions


class MeView(APIView):
    """The signed-in person: roles and the compartments they may see."""

    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        return Response(MeSerializer(request.user).data)


class CompartmentViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Compartments granted to the caller. Names only; no intelligence content."""

    queryset = Compartment.objects.all()
    serializer_class = CompartmentSerializer
    permission_classes = [permissions.IsAuthenticated]
    requires_justification = False
    lookup_field = "slug"


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    """Users, for administrators: who has which roles."""

    queryset = User.objects.select_related("unit").prefetch_related("groups").order_by("pk")
    serializer_class = UserSerializer
    permission_classes = [permissions.IsAuthenticated, RolePermissions]

    def list(self, request, *args, **kwargs):
        response = super().list(request, *args, **kwargs)
        ids = [row["id"] for row in response.data.get("results", [])]
        audit.consultation(Action.LIST, object_type="accounts.user", ids=ids)
        return response

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        audit.consultation(Action.VIEW, obj=self.get_object())
        return response
