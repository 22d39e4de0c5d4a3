"""The operations API: CRUD (no delete: an operation is closed), gathering records, the
timeline. Restriction, justification and consultation logging come from the base viewset."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit import services as audit
from audit.choices import Action
from ilp_platform.core.separators import split_list
from ilp_platform.web.api import RestrictedViewSetMixin, requires
from intelligence import lookup
from intelligence.choices import EntityKind, LinkKind, LinkStrength
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


_PLACE = [
    permissions.IsAuthenticated,
    ChartPermissions,
    requires("intelligence.view_entity", "intelligence.view_link"),
]


def _list_parameter(name: str, values: str) -> OpenApiParameter:
    return OpenApiParameter(
        name,
        OpenApiTypes.STR,
        description=f"Only these ({values}; separated by commas, or the parameter repeated). "
        "Absent: all; present but empty: none.",
    )


_EXPORT_FILTERS = [
    _list_parameter("entity_kind", ", ".join(EntityKind.values)),
    _list_parameter("link_kind", ", ".join(LinkKind.values)),
    _list_parameter("strength", ", ".join(LinkStrength.values)),
    _list_parameter("compartment", "compartment slugs, among those you hold"),
    OpenApiParameter(
        "since",
        OpenApiTypes.DATE,
        description="Only links recorded on or after this day (YYYY-MM-DD).",
    ),
    OpenApiParameter(
        "until",
        OpenApiTypes.DATE,
        description="Only links recorded on or before this day (YYYY-MM-DD).",
    ),
]
_ENTITIES_PARAMETERS = [
    OpenApiParameter(
        "q",
        {"type": "string", "minLength": lookup.MIN_QUERY, "maxLength": lookup.MAX_QUERY},
        description="A search: entities whose name contains the text.",
    ),
    OpenApiParameter(
        "gathered", {"type": "string", "enum": ["true"]}, description="The operation's entities."
    ),
    OpenApiParameter(
        "ids", OpenApiTypes.STR, description="Entity ids, separated by commas (at most 500)."
    ),
    OpenApiParameter(
        "with",
        OpenApiTypes.STR,
        description="Ids of the entities on the chart (separated by commas, at most 500): the "
        "links between them and those found are given too.",
    ),
]

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
                        {"operation": [_("An operation id is a whole number.")]}
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

    def export(self, request, export_format: str) -> HttpResponse:
        chart = self.get_object()
        try:
            filters = charts.parse_filters(request.user, request.query_params)
        except DjangoValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from None
        drawn = charts.filtered(charts.drawing(request.user, chart), filters)
        charts.record_export(chart, drawn, via="api", export_format=export_format, filters=filters)
        exported = charts.export(chart, drawn, export_format)
        response = HttpResponse(exported.body, content_type=exported.content_type)
        response["Content-Disposition"] = (
            f'attachment; filename="chart-{chart.pk}.{exported.extension}"'
        )
        response["Cache-Control"] = "no-store"
        return response

    @extend_schema(
        parameters=_EXPORT_FILTERS,
        responses={(200, "application/graphml+xml"): OpenApiTypes.STR},
    )
    @action(detail=True, methods=["get"])
    def graphml(self, request, pk=None):
        """The chart as GraphML, built from the entities and links you may see, narrowed by the
        filters (an export, audited)."""
        return self.export(request, "graphml")

    @extend_schema(parameters=_EXPORT_FILTERS, responses={(200, "image/svg+xml"): OpenApiTypes.STR})
    @action(detail=True, methods=["get"])
    def svg(self, request, pk=None):
        """The chart as an SVG picture drawn from its saved positions: entities by kind (shape
        and colour) with their names, links labelled with their kind and drawn by strength
        (solid confirmed, dashed tentative, dotted unconfirmed), and the legend. Only what you
        may see, narrowed by the filters (an export, audited)."""
        return self.export(request, "svg")

    @extend_schema(
        parameters=_EXPORT_FILTERS, responses={(200, "application/zip"): OpenApiTypes.BINARY}
    )
    @action(detail=True, methods=["get"])
    def csv(self, request, pk=None):
        """The chart as CSV: a zip of ``nodes.csv`` (id, name, kind, compartment, position,
        address) and ``edges.csv`` (id, ends by id and name, kind, strength, compartment, day
        recorded). Only what you may see, narrowed by the filters (an export, audited)."""
        return self.export(request, "csv")

    @extend_schema(parameters=_ENTITIES_PARAMETERS, responses=s.ChartEntitiesSerializer)
    @action(detail=True, methods=["get"], permission_classes=_PLACE)
    def entities(self, request, pk=None):
        """Entities to place on the chart: those a search finds (``q``: names containing the
        text, at most 20), those the operation gathers (``gathered=true``, at most 500), or
        those named by id (``ids``), with the links between them and the entities in
        ``with``. Only entities you may see: an id you may not see is left out exactly as one
        that names nothing. A search is audited as a search, the operation's entities as a list
        of the operation, ids as a view of those entities."""
        chart = self.get_object()
        params = request.query_params
        present = _ids(params, "with")
        starts = [name for name in ("q", "gathered", "ids") if (params.get(name) or "").strip()]
        if len(starts) != 1:
            raise exceptions.ValidationError(
                {
                    "q": [
                        _(
                            "Give one of: q (a search), gathered=true (the operation's "
                            "entities) or ids (entity ids)."
                        )
                    ]
                }
            )
        start = starts[0]
        if start == "q":
            query = params["q"].strip()
            if not lookup.MIN_QUERY <= len(query) <= lookup.MAX_QUERY:
                raise exceptions.ValidationError(
                    {
                        "q": [
                            _("From %(low)s to %(high)s characters.")
                            % {"low": lookup.MIN_QUERY, "high": lookup.MAX_QUERY}
                        ]
                    }
                )
            found = charts.search_entities(request.user, query, present)
            charts.record_found(chart, found, start="search", query=query)
        elif start == "gathered":
            if params["gathered"].strip().lower() not in ("true", "1"):
                raise exceptions.ValidationError({"gathered": [_("Only `true` is accepted.")]})
            found = charts.operation_entities(request.user, chart.operation, present)
            charts.record_found(chart, found, start="operation")
        else:
            found = charts.entities_by_id(request.user, _ids(params, "ids"), present)
            charts.record_found(chart, found, start="ids")
        answer = {
            "nodes": found.drawing.nodes,
            "edges": found.drawing.edges,
            "truncated": found.truncated,
        }
        return Response(s.ChartEntitiesSerializer(answer).data)


def _ids(params, name: str) -> list[int]:
    """Entity ids separated by commas or spaces (at most a chart's worth): 400 naming ``name``
    otherwise."""
    parts = split_list(params.get(name))
    if len(parts) > charts.MAX_NODES:
        raise exceptions.ValidationError(
            {name: [_("At most %(count)s ids.") % {"count": charts.MAX_NODES}]}
        )
    if not all(part.isascii() and part.isdigit() and 0 < int(part) < 2**63 for part in parts):
        raise exceptions.ValidationError({name: [_("Entity ids are whole numbers.")]})
    return list(dict.fromkeys(int(part) for part in parts))
