from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import services as audit
from audit.choices import Action
from ilp_platform.accounts import services
from ilp_platform.accounts.api.serializers import (
    CompartmentSerializer,
    MeSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserSerializer,
)
from ilp_platform.accounts.models import Compartment, User
from ilp_platform.web.api import RestrictedViewSetMixin, RolePermissions


class TokenView(APIView):
    """Exchange a username and password (and the two-factor code once enrolled) for a token.

    Failed attempts count towards the lockout of the username and address, like browser
    logins; a locked pair answers 403. People whose role requires two-factor authentication
    must enrol in the browser first; their tokens are accepted only when issued here with a
    code. Requesting the token again also counts as re-authentication for the most sensitive
    actions (erasure).
    """

    authentication_classes: list = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: TokenSerializer,
            400: OpenApiResponse(description="Wrong credentials or code"),
            403: OpenApiResponse(description="Locked out, or two-factor enrolment required"),
        },
        auth=[],
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            token = services.issue_api_token(
                request._request,
                username=data["username"],
                password=data["password"],
                code=data.get("otp", ""),
            )
        except services.TokenRefused as refused:
            return Response(refused.errors, status=refused.status)
        return Response({"token": token.key}, status=status.HTTP_200_OK)


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
