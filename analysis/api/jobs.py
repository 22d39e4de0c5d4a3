"""API for analysis jobs: request one (POST), follow it (GET). No update or delete.

Reads go through ``visible_to`` (a job shows only to holders of every compartment it read)
and need a justification like every consultation of intelligence; so does a request, since
the job will consult data on the requester's behalf.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from analysis.choices import JobKind
from analysis.models import AnalysisJob
from analysis.services import jobs as services
from ilp_platform.core.jobs import JobStatus
from ilp_platform.web.api import RestrictedViewSetMixin
from ilp_platform.web.filters import RestrictedAPIFilterSet, StrictBooleanFilter
from ilp_platform.web.serializers import RestrictedModelSerializer

_KINDS = ", ".join(JobKind.values)


class JobSerializer(RestrictedModelSerializer):
    # Plain text with the values listed: "kind" names other choice sets elsewhere in the API.
    kind = serializers.CharField(read_only=True, help_text=f"One of: {_KINDS}.")
    requested_by = serializers.CharField(source="requested_by.username", read_only=True)
    compartments = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    result = serializers.SerializerMethodField()

    class Meta:
        model = AnalysisJob
        fields = [
            "id",
            "kind",
            "title",
            "status",
            "progress",
            "message",
            "params",
            "compartments",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "attempts",
            "result",
        ]
        read_only_fields = fields

    def get_result(self, job) -> dict | None:
        """The result (summary, tables, charts, geojson, network, params) once succeeded."""
        if job.status != JobStatus.SUCCEEDED or self.context.get("omit_result"):
            return None
        return job.result


class JobRequestSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=f"One of: {_KINDS}.")
    params = serializers.JSONField(
        required=False,
        default=dict,
        help_text="Kind-specific parameters; see the job form in the browser for each one.",
    )
    title = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class JobFilter(RestrictedAPIFilterSet):
    kind = django_filters.ChoiceFilter(choices=JobKind.choices, help_text="The kind of analysis.")
    status = django_filters.ChoiceFilter(choices=JobStatus.choices)
    mine = StrictBooleanFilter(method="filter_mine", help_text="Only the jobs I requested.")

    class Meta:
        model = AnalysisJob
        fields = ["kind", "status", "mine"]

    def filter_mine(self, queryset, name, value):
        return queryset.filter(requested_by=self.reader) if value else queryset


@extend_schema(tags=["analysis"])
class JobViewSet(
    RestrictedViewSetMixin,
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Analysis jobs: hotspot, temporal, trend, near_repeat, network.

    ``POST {"kind", "params", "title"}`` answers 201 with the queued job; poll its detail
    until ``status`` is ``succeeded`` (``result`` filled) or ``failed`` (``message`` says why).
    """

    queryset = AnalysisJob.objects.select_related("requested_by").prefetch_related("compartments")
    serializer_class = JobSerializer
    filterset_class = JobFilter
    http_method_names = ["get", "post", "head", "options"]
    # A request consults data on the requester's behalf: it needs a justification too.
    justification_for_writes = True

    def get_serializer_context(self):
        # Lists stay light: the result is read on the job itself.
        return {**super().get_serializer_context(), "omit_result": self.action == "list"}

    @extend_schema(request=JobRequestSerializer, responses={201: JobSerializer})
    def create(self, request, *args, **kwargs):
        body = JobRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            job = services.request_job(
                request.user,
                body.validated_data["kind"],
                body.validated_data.get("params") or {},
                title=body.validated_data.get("title", ""),
            )
        except DjangoValidationError as exc:
            errors = exc.message_dict
            top = {k: v for k, v in errors.items() if k in ("kind", "title", "params")}
            nested = {k: v for k, v in errors.items() if k not in top}
            raise exceptions.ValidationError(
                {**top, **({"params": nested} if nested else {})}
            ) from None
        except DjangoPermissionDenied as exc:
            raise exceptions.PermissionDenied(str(exc)) from None
        job = self.get_queryset().get(pk=job.pk)
        return Response(self.get_serializer(job).data, status=status.HTTP_201_CREATED)


router_entries = [("jobs", JobViewSet, "job")]
