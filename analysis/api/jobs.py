"""API for analysis jobs: request one (POST), follow it (GET). No update or delete.

Reads go through ``visible_to`` (a job shows only to holders of every compartment it read)
and need a justification like every consultation of intelligence; so does a request, since
the job will consult data on the requester's behalf.
"""

from __future__ import annotations

import django_filters
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.functional import lazy
from django.utils.text import format_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from analysis.api.job_schema import JOB_REQUEST, JobParamsField
from analysis.kinds import registry
from analysis.models import AnalysisJob
from analysis.services import jobs as services
from ilp_platform.core.jobs import JobStatus
from ilp_platform.web.api import RestrictedViewSetMixin
from ilp_platform.web.filters import RestrictedAPIFilterSet, StrictBooleanFilter
from ilp_platform.web.serializers import RestrictedModelSerializer

# The kinds are read from the registry whenever the text is shown (a schema, an error).
_KINDS = format_lazy("One of: {}.", lazy(lambda: ", ".join(registry.names()), str)())


# --- Serializers ---------------------------------------------------------------------------------


class JobSerializer(RestrictedModelSerializer):
    # Plain text with the values listed: "kind" names other choice sets elsewhere in the API.
    kind = serializers.CharField(read_only=True, help_text=_KINDS)
    params = JobParamsField(read_only=True)
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


class _Text(serializers.CharField):
    """Text as JSON text: a number is not read as one (the schema says string)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class JobRequestSerializer(serializers.Serializer):
    """Reads a request; the schema documents it per kind (:data:`JOB_REQUEST`) and the service
    validates the parameters against the kind's declarations."""

    kind = _Text(help_text=_KINDS)
    params = serializers.JSONField(required=False, default=dict)
    title = _Text(required=False, allow_blank=True, max_length=200, default="")


class JobFilter(RestrictedAPIFilterSet):
    kind = django_filters.ChoiceFilter(
        choices=registry.Choices(), help_text="The kind of analysis."
    )
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

    # Documented as JSON: a form-encoded body cannot carry the nested parameters.
    @extend_schema(request={"application/json": JOB_REQUEST}, responses={201: JobSerializer})
    def create(self, request, *args, **kwargs):
        body = JobRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            job = services.request_job(
                actor=request.user,
                kind=body.validated_data["kind"],
                params=body.validated_data["params"],
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
