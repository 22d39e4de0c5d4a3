"""The operations API: CRUD (no delete: an operation is closed), gathering records, the
timeline. Restriction, justification and consultation logging come from the base viewset."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit import services as audit
from audit.choices import Action
from ilp_platform.web.api import RestrictedViewSetMixin, requires
from operations import selectors, services
from operations.api import serializers as s
from operations.models import Operation

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
