from django.apps import apps
from django.utils.translation import gettext
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from audit import services
from audit.choices import Action
from audit.integrity import latest_check
from audit.models import AuditEvent, IntegrityCheck
from audit.selectors import FilterError, filter_events
from ilp_platform.web.api import RolePermissions
from oversight.api.serializers import (
    AuditEventSerializer,
    DisclosureSerializer,
    IntegrityCheckSerializer,
)
from oversight.search import about_reference, for_purpose

_FILTERS = [
    OpenApiParameter("actor", str, description="username"),
    OpenApiParameter("action", str),
    OpenApiParameter("object_type", str, description="e.g. intelligence.report"),
    OpenApiParameter("object_id", str),
    OpenApiParameter(
        "reference",
        str,
        description="a report URN, product number, incident reference or meeting title: "
        "the events about that record",
    ),
    OpenApiParameter(
        "purpose",
        str,
        description="what the events were done for: an operation's reference, or "
        "operation:12, requirement:5, tasking:7",
    ),
    OpenApiParameter("compartment", str),
    OpenApiParameter("since", OpenApiTypes.DATETIME),
    OpenApiParameter("until", OpenApiTypes.DATETIME),
]


@extend_schema_view(list=extend_schema(parameters=_FILTERS))
class AuditEventViewSet(viewsets.ReadOnlyModelViewSet):
    """The data-protection log, for oversight officers and administrators."""

    queryset = AuditEvent.objects.all()
    serializer_class = AuditEventSerializer
    permission_classes = [permissions.IsAuthenticated, RolePermissions]
    filter_backends: list = []

    def get_queryset(self):
        if self.action != "list":
            return AuditEvent.objects.all()
        try:
            events = filter_events(self.request.query_params)
            reference = (self.request.query_params.get("reference") or "").strip()
            if reference:
                events = about_reference(events, reference)
            purpose = (self.request.query_params.get("purpose") or "").strip()
            return for_purpose(events, purpose) if purpose else events
        except FilterError as exc:
            raise exceptions.ValidationError({exc.field: [exc.message]}) from None

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        assert page is not None  # the audit log is always paged (cursor pagination)
        services.consultation(
            Action.LIST,
            object_type="audit.auditevent",
            ids=[event.pk for event in page],
            details={"filters": {k: v for k, v in request.query_params.items() if k != "cursor"}},
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request, *args, **kwargs):
        event = self.get_object()
        services.consultation(Action.VIEW, obj=event, object_repr=f"audit event {event.pk}")
        return Response(self.get_serializer(event).data)


class IntegrityPermission(RolePermissions):
    perms_map = {"GET": ["audit.view_integritycheck"], "HEAD": ["audit.view_integritycheck"]}


class AuditVerifyView(APIView):
    """The result of the latest audit chain verification."""

    permission_classes = [permissions.IsAuthenticated, IntegrityPermission]
    queryset = IntegrityCheck.objects.all()

    @extend_schema(responses=IntegrityCheckSerializer)
    def get(self, request):
        check = latest_check()
        if check is None:
            # A fresh installation: a result saying so, not a missing resource.
            # (Unsaved, with no times and no stored result: those fields are None.)
            check = IntegrityCheck(
                events_checked=0, message=gettext("No verification has run yet.")
            )
        return Response(IntegrityCheckSerializer(check).data)


class DisclosurePermission(permissions.BasePermission):
    def has_permission(self, request, view):
        return request.user.has_perm("audit.add_disclosure")


class DisclosureView(APIView):
    """Record a dissemination outside the unit after the handling-code checks."""

    permission_classes = [permissions.IsAuthenticated, DisclosurePermission]

    @extend_schema(request=DisclosureSerializer, responses={201: AuditEventSerializer})
    def post(self, request):
        serializer = DisclosureSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            model = apps.get_model(data["object_type"])
        except (LookupError, ValueError):
            raise exceptions.ValidationError(
                {"object_type": [gettext("Unknown object type.")]}
            ) from None
        if not hasattr(model, "disclosure_rules") or not hasattr(model.objects, "visible_to"):
            raise exceptions.ValidationError(
                {"object_type": [gettext("Records of this type are not disclosed through here.")]}
            )
        obj = model.objects.visible_to(request.user).filter(pk=data["object_id"]).first()
        if obj is None:
            raise exceptions.NotFound(gettext("Not found."))
        try:
            event = services.record_disclosure(
                obj,
                recipient=data["recipient"],
                legal_basis=data["legal_basis"],
                conditions_acknowledged=data["conditions_acknowledged"],
                provider_permission=data["provider_permission"],
                note=data["note"],
            )
        except services.DisclosureRefused as refused:
            raise exceptions.ValidationError(
                {field: [message] for field, message in refused.errors.items()}
            ) from None
        return Response(AuditEventSerializer(event).data, status=status.HTTP_201_CREATED)
