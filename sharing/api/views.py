"""The sharing API: units (names and levels, for every signed-in person), shares between
units (list, read, share a report), and the aggregate figures of the units below."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.response import Response

from ilp_platform.accounts.models import Unit
from ilp_platform.core.justification import JustificationRequired, justification_in_force
from ilp_platform.web.api import RestrictedViewSetMixin, check_purpose, requires
from sharing import aggregates, periods, services
from sharing.api import serializers as s
from sharing.models import Share


@extend_schema(tags=["sharing"])
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Units, their level and the unit above them. Names are not secret inside the platform:
    every signed-in person reads them."""

    queryset = Unit.objects.order_by("pk")
    serializer_class = s.UnitInHierarchySerializer
    permission_classes = [permissions.IsAuthenticated]
    filterset_fields = ["level", "parent"]


@extend_schema(tags=["sharing"])
class ShareViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Reports shared between units: the sender's side and the receiver's side each read
    their own record (see ``Share.objects.visible_to``)."""

    queryset = Share.objects.select_related("from_unit", "to_unit", "shared_by")
    serializer_class = s.ShareSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_fields = ["from_unit", "to_unit"]

    @extend_schema(request=s.ShareWriteSerializer, responses={201: s.ShareSerializer})
    def create(self, request, *args, **kwargs):
        data = self.parse(s.ShareWriteSerializer)
        report, product = data.pop("report"), data.pop("product")
        try:
            if product is not None:
                data.pop("send_original", None)
                data.pop("answers_requirement", None)
                share = self.write(
                    lambda: services.share_product(product, actor=request.user, **data)
                )
            else:
                share = self.write(
                    lambda: services.share_report(report, actor=request.user, **data)
                )
        except ValidationError as exc:
            raise exceptions.ValidationError(exc.message_dict) from None
        share = self.get_queryset().get(pk=share.pk)
        return Response(self.get_serializer(share).data, status=status.HTTP_201_CREATED)


class AggregateViewSet(viewsets.ViewSet):
    """Counts from the units below the caller's unit: incidents by crime type, area (unit)
    and month; reports per approved priority. Counts under the threshold are ``null``. The
    one documented exemption from per-record visibility: no record is read out, each query
    is audited."""

    permission_classes = [permissions.IsAuthenticated, requires("sharing.view_aggregates")]

    @extend_schema(
        tags=["sharing"],
        parameters=[s.AggregateQuerySerializer],
        responses={200: s.AggregateSerializer},
    )
    def list(self, request):
        check_purpose(request.user)
        if not justification_in_force():
            raise JustificationRequired()
        query = s.AggregateQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        default_since, default_until = periods.default_period(timezone.localdate())
        since = query.validated_data.get("since") or default_since
        until = query.validated_data.get("until") or default_until
        if until <= since:
            raise exceptions.ValidationError({"until": ["The end comes after the start."]})
        figures = aggregates.figures_for(request.user, since=since, until=until)
        return Response(s.AggregateSerializer(figures).data)
