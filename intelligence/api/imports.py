"""The ``imports/`` endpoint: upload a CSV or XLSX file (multipart ``file``), get a job back,
follow its progress and read its error report."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from ilp_platform.web.api import RestrictedViewSetMixin
from ilp_platform.web.serializers import CompartmentField, RestrictedModelSerializer
from intelligence.imports import files, services
from intelligence.imports.choices import Encoding, ImportMode
from intelligence.imports.views import limit_uploads
from intelligence.models import ImportJob


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField()
    field = serializers.CharField()
    reason = serializers.CharField()
    value = serializers.CharField()


class ImportJobSerializer(RestrictedModelSerializer):
    compartment = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    requested_by = serializers.SlugRelatedField(slug_field="username", read_only=True)
    error_report = ImportErrorSerializer(many=True, read_only=True)
    status = serializers.CharField(
        read_only=True, help_text="queued, running, succeeded or failed (nothing loaded)."
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "progress",
            "message",
            "file_name",
            "file_size",
            "file_format",
            "file_sha256",
            "encoding",
            "compartment",
            "mode",
            "columns",
            "mapping",
            "mapping_source",
            "rows_total",
            "rows_inserted",
            "rows_updated",
            "rows_refused",
            "error_counts",
            "error_report",
            "result",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportUploadSerializer(serializers.Serializer):
    """A file to import. ``mapping`` (a JSON object, incident field -> file column) is needed
    only when the header does not name the fields and no mapping is remembered for it."""

    file = serializers.FileField()
    compartment = CompartmentField()
    mode = serializers.ChoiceField(choices=ImportMode.choices, default=ImportMode.INSERT)
    encoding = serializers.ChoiceField(choices=Encoding.choices, default=Encoding.UTF8)
    mapping = serializers.JSONField(required=False, binary=True)


@extend_schema(tags=["intelligence"])
class ImportJobViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Incident imports: ``POST`` a file (multipart) to start one; each is checked row by row
    and loaded all-or-nothing by a worker (follow ``status`` and ``progress``)."""

    queryset = ImportJob.objects.select_related("compartment", "requested_by")
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser, FormParser]

    def initialize_request(self, request, *args, **kwargs):
        limit_uploads(request)  # before anything reads the body
        return super().initialize_request(request, *args, **kwargs)

    @extend_schema(request=ImportUploadSerializer, responses={201: ImportJobSerializer})
    def create(self, request, *args, **kwargs):
        serializer = ImportUploadSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        too_large = getattr(request._request, "import_too_large", False)
        if too_large or not serializer.is_valid():
            errors = {} if too_large else dict(serializer.errors)
            if too_large:
                errors["file"] = [files.too_large_message()]
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        data = serializer.validated_data
        upload = data["file"]
        with transaction.atomic():
            job = services.import_file(
                actor=request.user,
                upload=upload,
                file_name=upload.name,
                size=upload.size,
                compartment=data["compartment"],
                mode=data["mode"],
                given_mapping=data.get("mapping") or None,
                encoding=data["encoding"],
            )
            self.ensure_still_visible(job)
        job = self.get_queryset().get(pk=job.pk)
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)
