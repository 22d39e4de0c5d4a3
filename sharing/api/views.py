"""The sharing API: units (names and levels, for every signed-in person), shares between
units (list, read, share a report), the control strategy flowing down (priorities issued to
the units below, adopted or declined there), and the aggregate figures of the units below."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.response import Response

from analysis.models import Product
from audit import services as audit
from audit.choices import Action
from ilp_platform.accounts.models import Unit
from ilp_platform.core.justification import JustificationRequired, justification_in_force
from ilp_platform.web.api import RestrictedViewSetMixin, check_purpose, requires
from sharing import aggregates, periods, services, strategy
from sharing.api import serializers as s
from sharing.models import Share
from tasking.api.views import TaskingViewSetMixin, visible_prefetch
from tasking.models import Priority


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


_CONFLICT = OpenApiResponse(description="The priority was adopted or declined already.")
_DECIDERS = [permissions.IsAuthenticated, requires("tasking.approve_priority")]


@extend_schema(tags=["sharing"])
class StrategyViewSet(TaskingViewSetMixin, viewsets.GenericViewSet):
    """The control strategy flowing down. A manager of a unit issues one of its approved
    priorities to units below (``priorities/{id}/issue/``) and follows them
    (``priorities/{id}/below/``: adopted, declined or waiting, and counts of taskings); the
    receiving unit's managers find the copies (``priorities/from-above/``) and adopt one at an
    open meeting of their unit or decline it (``priorities/{id}/adopt/``, ``.../decline/``)."""

    queryset = Priority.objects.select_related(
        "compartment", "crime_type", "proposed_by", "decided_by"
    )
    evidence = (("evidence_products", Product),)
    serializer_class = s.IssuedPrioritySerializer
    filterset_fields = ["status"]

    def get_permissions(self):
        if self.action in ("issue", "adopt", "decline"):
            return [permission() for permission in _DECIDERS]
        return super().get_permissions()

    def list(self, request, *args, **kwargs):
        """Priorities issued to your units from above, newest first; ``?status=candidate``
        for those waiting for your unit's decision."""
        queryset = self.filter_queryset(
            strategy.from_above(request.user).prefetch_related(
                visible_prefetch(request.user, "evidence_products", Product)
            )
        )
        page = self.paginate_queryset(queryset)
        items = list(page if page is not None else queryset)
        audit.consultation(
            Action.LIST, object_type=self.audit_object_type(), ids=[p.pk for p in items]
        )
        data = self.get_serializer(items, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(request=s.PriorityIssueSerializer, responses={200: s.PriorityProgressSerializer})
    def issue(self, request, pk=None):
        """Issue an approved priority of your unit to units below it: each gets a candidate
        copy in its intake. Answers the units it went to, as ``below`` does."""
        priority = self.get_object()
        data = self.parse(s.PriorityIssueSerializer)
        self.write(
            lambda: strategy.issue_priority_down(priority, actor=request.user, units=data["units"])
        )
        return self._progress(priority)

    @staticmethod
    def _progress(priority) -> Response:
        progress = {"priority": priority.pk, "units": strategy.progress_below(priority)}
        return Response(s.PriorityProgressSerializer(progress).data)

    @extend_schema(responses={200: s.PriorityProgressSerializer})
    def below(self, request, pk=None):
        """Per unit the priority was issued to: adopted, declined or waiting, and how many
        taskings it made against its copy (counts only)."""
        priority = self.get_object()
        audit.consultation(Action.VIEW, obj=priority)
        return self._progress(priority)

    @extend_schema(
        request=s.PriorityAdoptSerializer,
        responses={200: s.IssuedPrioritySerializer, 409: _CONFLICT},
    )
    def adopt(self, request, pk=None):
        """Adopt a priority from above into your unit's control strategy, at an open meeting
        of your unit (the decision is minuted there)."""
        priority = self.get_object()
        data = self.parse(s.PriorityAdoptSerializer)
        self.write(
            lambda: strategy.adopt_priority(priority, actor=request.user, meeting=data["meeting"])
        )
        return self.respond(priority)

    @extend_schema(
        request=s.PriorityDeclineSerializer,
        responses={200: s.IssuedPrioritySerializer, 409: _CONFLICT},
    )
    def decline(self, request, pk=None):
        """Decline a priority from above, saying why."""
        priority = self.get_object()
        data = self.parse(s.PriorityDeclineSerializer)
        self.write(
            lambda: strategy.decline_priority(priority, actor=request.user, reason=data["reason"])
        )
        return self.respond(priority)


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
            raise exceptions.ValidationError({"until": [_("The end comes after the start.")]})
        figures = aggregates.figures_for(request.user, since=since, until=until)
        return Response(s.AggregateSerializer(figures).data)
