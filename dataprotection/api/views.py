"""The data-protection API: records of processing, impact assessments, proportionality packs.

Oversight (the data-protection officer) only; no route consults intelligence content, so none
asks for a justification; every read is a logged consultation and every change an audited
service call (the base viewset and the services)."""

from __future__ import annotations

import json

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from dataprotection import services
from dataprotection.api import serializers as s
from dataprotection.models import ImpactAssessment, ProcessingRecord, ProportionalityPack
from ilp_platform.web.api import RestrictedViewSetMixin, requires

_CONFLICT = OpenApiResponse(description="The record's state forbids this (the reason is given).")


@extend_schema(tags=["data protection"])
class ProcessingRecordViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Records of processing (LED Art. 24): one per processing activity."""

    queryset = ProcessingRecord.objects.select_related("updated_by")
    serializer_class = s.ProcessingRecordSerializer
    http_method_names = ["get", "patch", "head", "options"]
    requires_justification = False
    filterset_fields = ["activity"]

    @extend_schema(
        request=s.ProcessingRecordWriteSerializer, responses={200: s.ProcessingRecordSerializer}
    )
    def partial_update(self, request, *args, **kwargs):
        record = self.get_object()
        data = self.parse(s.ProcessingRecordWriteSerializer, partial=True)
        self.write(lambda: services.update_record(record, actor=request.user, data=data))
        return Response(self.get_serializer(self.get_queryset().get(pk=record.pk)).data)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):  # PUT is not offered: use PATCH
        return self.http_method_not_allowed(request, *args, **kwargs)


@extend_schema(tags=["data protection"])
class ImpactAssessmentViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Impact assessments (LED Art. 27), approved by someone other than their author."""

    queryset = ImpactAssessment.objects.select_related("record", "author", "approved_by")
    serializer_class = s.ImpactAssessmentSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]
    requires_justification = False
    writes_may_conflict = True
    filterset_fields = ["status"]

    def respond(self, obj, code=status.HTTP_200_OK):
        obj = self.get_queryset().get(pk=obj.pk)
        return Response(self.get_serializer(obj).data, status=code)

    @extend_schema(
        request=s.ImpactAssessmentWriteSerializer, responses={201: s.ImpactAssessmentSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = self.parse(s.ImpactAssessmentWriteSerializer)
        assessment = self.write(lambda: services.create_assessment(actor=request.user, data=data))
        return self.respond(assessment, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ImpactAssessmentWriteSerializer, responses={200: s.ImpactAssessmentSerializer}
    )
    def partial_update(self, request, *args, **kwargs):
        assessment = self.get_object()
        data = self.parse(s.ImpactAssessmentWriteSerializer, partial=True)
        self.write(lambda: services.update_assessment(assessment, actor=request.user, data=data))
        return self.respond(assessment)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        return self.http_method_not_allowed(request, *args, **kwargs)

    @extend_schema(
        request=s.ApproveSerializer,
        responses={200: s.ImpactAssessmentSerializer, 409: _CONFLICT},
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[
            permissions.IsAuthenticated,
            requires("dataprotection.approve_impactassessment"),
        ],
    )
    def approve(self, request, pk=None):
        """Approve the assessment (not its author; once)."""
        assessment = self.get_object()
        note = self.parse(s.ApproveSerializer).get("note", "")
        self.write(lambda: services.approve_assessment(assessment, actor=request.user, note=note))
        return self.respond(assessment)


@extend_schema(tags=["data protection"])
class ProportionalityPackViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Proportionality packs for an operation or a tasking, with the SHA-256 the audit log
    recorded; ``verify`` answers whether a pack (or a hash) is one recorded, unchanged."""

    queryset = ProportionalityPack.objects.select_related("produced_by")
    serializer_class = s.ProportionalityPackSerializer
    http_method_names = ["get", "post", "head", "options"]
    requires_justification = False

    def get_serializer_class(self):
        if self.action == "list":
            return s.ProportionalityPackListSerializer
        return super().get_serializer_class()

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.defer("content") if self.action == "list" else queryset

    @extend_schema(
        request=s.PackRequestSerializer, responses={201: s.ProportionalityPackSerializer}
    )
    def create(self, request, *args, **kwargs):
        data = self.parse(s.PackRequestSerializer)
        pack = self.write(
            lambda: services.produce_pack(
                actor=request.user, subject_type=data["subject_type"], subject=data["subject"]
            )
        )
        pack = self.get_queryset().get(pk=pack.pk)
        return Response(self.get_serializer(pack).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.VerifySerializer, responses={200: s.VerifyResultSerializer})
    @action(
        detail=False,
        methods=["post"],
        permission_classes=[
            permissions.IsAuthenticated,
            requires("dataprotection.view_proportionalitypack"),
        ],
    )
    def verify(self, request):
        """Submit ``pack`` (the JSON object as downloaded) or ``sha256``: match or mismatch."""
        data = self.parse(s.VerifySerializer)
        pack = data.get("pack")
        text = "" if pack in (None, "", {}) else json.dumps(pack)
        result = services.verify_pack(
            actor=request.user, pack_text=text, sha256=data.get("sha256") or ""
        )
        return Response(s.VerifyResultSerializer(result).data)
