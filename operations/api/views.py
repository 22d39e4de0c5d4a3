"""The operations API: CRUD (no delete: an operation is closed), gathering records, the
timeline. Restriction, justification and consultation logging come from the base viewset."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit import services as audit
from audit.choices import Action
from ilp_platform.web.api import RestrictedViewSetMixin, requires
from operations import charts, selectors, services
from operations.api import serializers as s
from operations.models import Chart, Operation

_CONFLICT = OpenApiResponse(description="The operation's state forbids this (the reason is given).")
_CHANGE = [permissions.IsAuthenticated, requires("operations.change_operation")]


@extend_schema(tags=["operations"])
class OperationViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Operations (cases): one piece of work and the records it gathers."""

    queryset = Operation.objects.select_related("compartment", "lead", "created_by")
    serializer_class = s.OperationSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    filterset_fields = ["status"]
    writes_may_conflict = True

    def respond(self, obj, code=status.HTTP_200_OK):
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=code)

    @extend_schema(request=s.OperationWriteSerializer, responses={201: s.OperationSerializer})
    def create(self, request, *args, **kwargs):
        data = self.parse(s.OperationWriteSerializer)
        operation = self.write(lambda: services.open_operation(actor=request.user, data=data))
        return self.respond(operation, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.OperationWriteSerializer, responses={200: s.OperationSerializer, 409: _CONFLICT}
    )
    def partial_update(self, request, *args, **kwargs):
        operation = self.get_object()
        data = self.parse(s.OperationWriteSerializer, partial=True)
        self.write(lambda: services.update_operation(operation, actor=request.user, data=data))
        return self.respond(operation)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):  # PUT is not offered: use PATCH
        return self.http_method_not_allowed(request, *args, **kwargs)

    @extend_schema(
        request=s.GatherSerializer, responses={200: s.OperationSerializer, 409: _CONFLICT}
    )
    @action(detail=True, methods=["post"], permission_classes=_CHANGE)
    def items(self, request, pk=None):
        """Add records to the operation (or take them out with ``remove: true``)."""
        operation = self.get_object()
        data = self.parse(s.GatherSerializer)
        remove = data.pop("remove", False)

        def gather():
            for kind, records in data.items():
                if records:
                    services.gather(
                        operation, actor=request.user, kind=kind, records=records, remove=remove
                    )
            return operation

        self.write(gather)
        return self.respond(operation)

    @extend_schema(
        request=s.CloseSerializer, responses={200: s.OperationSerializer, 409: _CONFLICT}
    )
    @action(detail=True, methods=["post"], permission_classes=_CHANGE)
    def close(self, request, pk=None):
        operation = self.get_object()
        note = self.parse(s.CloseSerializer).get("note", "")
        self.write(lambda: services.close_operation(operation, actor=request.user, note=note))
        return self.respond(operation)

    @extend_schema(request=None, responses={200: s.OperationSerializer, 409: _CONFLICT})
    @action(detail=True, methods=["post"], permission_classes=_CHANGE)
    def reopen(self, request, pk=None):
        operation = self.get_object()
        self.write(lambda: services.reopen_operation(operation, actor=request.user))
        return self.respond(operation)

    @extend_schema(responses={200: s.OperationTimelineSerializer})
    @action(detail=True, methods=["get"])
    def timeline(self, request, pk=None):
        """What happened in the operation, newest first: the records you may see only."""
        operation = self.get_object()
        items = selectors.timeline(request.user, operation)
        audit.consultation(
            Action.VIEW,
            obj=operation,
            count=len(items),
            details={
                "view": "timeline",
                "items": [f"{i['object_type']}:{i['object_id']}" for i in items],
            },
        )
        return Response(s.OperationTimelineSerializer({"results": items}).data)


# --- Saved link charts ------------------------------------------------------------------------


class ChartPermissions(permissions.BasePermission):
    """Charts follow their operation: reading one needs ``view_operation``, changing one
    ``change_operation``."""

    message = "Your role does not allow this action."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if request.method in permissions.SAFE_METHODS:
            return user.has_perm("operations.view_operation")
        return user.has_perms(["operations.view_operation", "operations.change_operation"])


_OPERATION_FILTER = OpenApiParameter(
    "operation",
    {"type": "integer", "minimum": 1},
    description="Only the charts of this operation.",
)


@extend_schema(tags=["operations"])
class ChartViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Saved link charts of operations: the entities placed and their positions. A chart is
    drawn for its reader: entities outside the reader's compartments never appear."""

    json_only_actions = ("create", "partial_update")
    queryset = Chart.objects.select_related("operation", "created_by")
    serializer_class = s.ChartSerializer
    permission_classes = [permissions.IsAuthenticated, ChartPermissions]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    filter_backends: list = []
    writes_may_conflict = False

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            value = (self.request.query_params.get("operation") or "").strip()
            if value:
                if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 2**63:
                    raise exceptions.ValidationError(
                        {"operation": ["An operation id is a whole number."]}
                    )
                queryset = queryset.filter(operation_id=int(value))
        return queryset

    def drawn(self, chart):
        drawn = charts.drawing(self.request.user, chart)
        data = s.ChartSerializer(
            {
                "id": chart.pk,
                "operation_id": chart.operation_id,
                "title": chart.title,
                "created_by": chart.created_by,
                "created_at": chart.created_at,
                "updated_at": chart.updated_at,
                "nodes": drawn.nodes,
                "edges": drawn.edges,
            }
        ).data
        return drawn, data

    @extend_schema(parameters=[_OPERATION_FILTER], responses=s.ChartSummarySerializer(many=True))
    def list(self, request, *args, **kwargs):
        self.serializer_class = s.ChartSummarySerializer
        return super().list(request, *args, **kwargs)

    def retrieve(self, request, *args, **kwargs):
        chart = self.get_object()
        drawn, data = self.drawn(chart)
        charts.record_view(chart, drawn, via="api")
        return Response(data)

    @extend_schema(request=s.ChartCreateSerializer, responses={201: s.ChartSerializer})
    def create(self, request, *args, **kwargs):
        data = self.parse(s.ChartCreateSerializer)
        chart = self.write(
            lambda: charts.create_chart(
                actor=request.user,
                operation=data["operation"],
                title=data["title"],
                nodes=[dict(n) for n in data.get("nodes", [])],
            )
        )
        chart = self.get_queryset().get(pk=chart.pk)
        return Response(self.drawn(chart)[1], status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ChartUpdateSerializer, responses={200: s.ChartSerializer})
    def partial_update(self, request, *args, **kwargs):
        chart = self.get_object()
        data = self.parse(s.ChartUpdateSerializer, partial=True)
        if "nodes" in data:
            data["nodes"] = [dict(n) for n in data["nodes"]]
        self.write(lambda: charts.update_chart(chart, actor=request.user, data=data))
        chart = self.get_queryset().get(pk=chart.pk)
        return Response(self.drawn(chart)[1])

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):  # PUT is not offered: use PATCH
        return self.http_method_not_allowed(request, *args, **kwargs)

    def destroy(self, request, *args, **kwargs):
        chart = self.get_object()
        self.write(lambda: charts.delete_chart(chart, actor=request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(responses={(200, "application/graphml+xml"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"])
    def graphml(self, request, pk=None):
        """The chart as GraphML, built from the entities and links you may see (an export,
        audited)."""
        chart = self.get_object()
        drawn = charts.drawing(request.user, chart)
        charts.record_export(chart, drawn, via="api")
        response = HttpResponse(
            charts.graphml(chart, drawn), content_type="application/graphml+xml; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="chart-{chart.pk}.graphml"'
        return response
