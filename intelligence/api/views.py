"""API viewsets: restriction, justification and consultation logging come from the base mixin;
writes go through the services and roll back if the result would leave the caller's reach."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from audit import services as audit
from audit.choices import Action
from ilp_platform.accounts.security import RecentAuthentication
from ilp_platform.core.justification import JustificationRequired, justification_in_force
from ilp_platform.web.api import RestrictedViewSetMixin, requires
from ilp_platform.web.exports import export_queryset
from ilp_platform.web.pagination import DefaultCursorPagination
from intelligence import exports, selectors
from intelligence.api import serializers as s
from intelligence.choices import EntityKind, LinkKind, ReviewDecision, SuggestionStatus
from intelligence.filters import (
    EntityFilter,
    IncidentFilter,
    LinkFilter,
    ReportFilter,
    SourceFilter,
)
from intelligence.models import Entity, Incident, Link, MentionSuggestion, Report, Source
from intelligence.services.entities import (
    DuplicateEntity,
    create_entity,
    create_link,
    link_entity_to_report,
    merge_entities,
)
from intelligence.services.evaluation_queue import assign_reports, defer_reports
from intelligence.services.incidents import record_incident
from intelligence.services.mentions import (
    dismiss_suggestion,
    link_suggested_entity,
    record_mentions,
)
from intelligence.services.reports import (
    create_report,
    evaluate_report,
    regrade_report,
    submit_report,
    update_draft,
)
from intelligence.services.reviews import review_report
from intelligence.services.sources import register_source, update_source

WRITE_METHODS = ["get", "post", "patch", "head", "options"]


ACTION_PERMISSIONS = [permissions.IsAuthenticated]


class _EntryOrder(DefaultCursorPagination):
    """A report's suggested mentions in the order its author entered them."""

    ordering = "pk"


class RecentAuthenticationToErase(RecentAuthentication):
    """Erasing a report in a retention review needs a recent password confirmation."""

    def applies(self, request, view) -> bool:
        data = request.data if hasattr(request.data, "get") else {}
        return data.get("decision") == ReviewDecision.ERASE


_JUSTIFICATION = OpenApiParameter(
    "X-Justification",
    OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=False,
    description="Why you consult this: a case reference or the purpose. Needed here (428 "
    "without it) unless your browser session holds one.",
)

_Q = OpenApiParameter(
    "q",
    OpenApiTypes.STR,
    description="Full-text search over sanitised text, place, crime types and linked entity "
    "names and identifiers (never the original text). Newest first; the search page in the "
    "browser ranks by relevance.",
)


def _kind_parameter(choices) -> OpenApiParameter:
    # Documented inline: entity and link kinds are different choice sets under one name.
    return OpenApiParameter("kind", OpenApiTypes.STR, enum=choices.values)


@extend_schema(tags=["intelligence"])
class ReportViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Intelligence reports. ``text`` is null unless you may read the original."""

    json_only_actions = ("create", "partial_update", "bulk_assign", "bulk_defer", "bulk_export")
    queryset = Report.objects.all()
    serializer_class = s.ReportSerializer
    filterset_class = ReportFilter
    http_method_names = WRITE_METHODS

    def get_permissions(self):
        # Authors edit their own drafts: adding reports is the permission that matters here
        # (the service refuses anyone but the author, and anything but a draft).
        if self.action == "partial_update":
            return [permissions.IsAuthenticated(), requires("intelligence.add_report")()]
        return super().get_permissions()

    def get_queryset(self):
        queryset = (
            selectors.report_list_queryset(super().get_queryset())
            .select_related("assigned_to", "deferred_by")
            .prefetch_related("crime_types", "mention_suggestions")
        )
        query = (self.request.query_params.get("q") or "").strip()
        if query and self.action == "list":
            queryset = selectors.filter_matching(queryset, query)
        return queryset

    def filter_queryset(self, queryset):
        # The suggestions' own "status" is not the report list's filter of the same name.
        if self.action == "suggestions":
            return queryset
        return super().filter_queryset(queryset)

    def _respond(self, report, code=status.HTTP_200_OK):
        report = self.get_queryset().get(pk=report.pk)
        return Response(self.get_serializer(report).data, status=code)

    @extend_schema(parameters=[_Q])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.ReportWriteSerializer, responses={201: s.ReportSerializer})
    def create(self, request, *args, **kwargs):
        data = self._parse(s.ReportWriteSerializer, request.data)
        submit = data.pop("submit", False)
        mentions = data.pop("mentions", None)

        def create():
            report = create_report(actor=request.user, data=data, submit=submit)
            if mentions:
                record_mentions(report, actor=request.user, rows=mentions)
            return report

        report = self.write(create)
        return self._respond(report, status.HTTP_201_CREATED)

    @extend_schema(request=s.ReportWriteSerializer, responses={200: s.ReportSerializer})
    def partial_update(self, request, *args, **kwargs):
        report = self.get_object()
        data = self._parse(s.ReportWriteSerializer, request.data, partial=True)
        submit = data.pop("submit", False)
        mentions = data.pop("mentions", None)

        def update():
            changed = update_draft(report, actor=request.user, data=data, submit=submit)
            if mentions is not None:
                record_mentions(changed, actor=request.user, rows=mentions)
            return changed

        report = self.write(update)
        return self._respond(report)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):  # PUT is not offered: use PATCH
        return self.http_method_not_allowed(request, *args, **kwargs)

    def _parse(self, serializer_class, data, partial=False):
        serializer = serializer_class(
            data=data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(request=None, responses={200: s.ReportSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send a draft for evaluation (its author only)."""
        report = self.get_object()
        self.write(lambda: submit_report(report, actor=request.user))
        return self._respond(report)

    @extend_schema(request=s.EvaluateSerializer, responses={200: s.ReportSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[*ACTION_PERMISSIONS, requires("intelligence.evaluate_report")],
    )
    def evaluate(self, request, pk=None):
        """Confirm or change the grading, sanitise and file the report (not its author)."""
        report = self.get_object()
        serializer = s.EvaluateSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self.write(
            lambda: evaluate_report(
                report,
                actor=request.user,
                grading_data=serializer.grading_data(),
                sanitised_text=data["sanitised_text"],
                compartment=data.get("compartment"),
                retention_class=data.get("retention_class"),
                reason=data.get("reason", ""),
            )
        )
        return self._respond(report)

    @extend_schema(request=s.RegradeSerializer, responses={200: s.ReportSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[*ACTION_PERMISSIONS, requires("intelligence.evaluate_report")],
    )
    def regrade(self, request, pk=None):
        """Change the grading of an evaluated report; the history keeps who, when and why."""
        report = self.get_object()
        serializer = s.RegradeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self.write(
            lambda: regrade_report(
                report,
                actor=request.user,
                grading_data=serializer.grading_data(),
                reason=serializer.validated_data["reason"],
            )
        )
        return self._respond(report)

    @extend_schema(request=s.ReviewSerializer, responses={200: s.ReportSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[
            *ACTION_PERMISSIONS,
            requires("intelligence.review_report"),
            RecentAuthenticationToErase,
        ],
    )
    def review(self, request, pk=None):
        """Retention review: retain (reason, next review date) or erase (reason)."""
        report = self.get_object()
        serializer = s.ReviewSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self.write(
            lambda: (
                review_report(
                    report,
                    actor=request.user,
                    decision=data["decision"],
                    reason=data["reason"],
                    next_review_due=data.get("next_review_due"),
                ).report
            )
        )
        return self._respond(report)

    @extend_schema(request=s.ReportEntityInputSerializer, responses={201: s.ReportEntitySerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path="entities",
        permission_classes=[*ACTION_PERMISSIONS, requires("intelligence.change_report")],
    )
    def link_entity(self, request, pk=None):
        """Name an entity in the report, with its data-subject category (LED Art. 6)."""
        report = self.get_object()
        serializer = s.ReportEntityInputSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        link = self.write(
            lambda: link_entity_to_report(
                report,
                data["entity"],
                actor=request.user,
                subject_category=data["subject_category"],
                is_assessment=data["is_assessment"],
            )
        )
        return Response(s.ReportEntitySerializer(link).data, status=status.HTTP_201_CREATED)

    def _queue_states(self, reports) -> Response:
        reports = (
            Report.objects.visible_to(self.request.user)
            .filter(pk__in=[r.pk for r in reports])
            .select_related("assigned_to", "deferred_by")
            .order_by("pk")
        )
        return Response(s.BulkResultSerializer({"reports": reports}).data)

    @extend_schema(request=s.BulkAssignSerializer, responses={200: s.BulkResultSerializer})
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk/assign",
        permission_classes=[*ACTION_PERMISSIONS, requires("intelligence.evaluate_report")],
    )
    def bulk_assign(self, request):
        """Assign reports awaiting evaluation to an evaluator, or to nobody. All or nothing:
        a report the evaluator may not see, wrote, or that no longer awaits evaluation refuses
        the request (400, each refusal by URN)."""
        data = self.parse(s.BulkAssignSerializer)
        reports = assign_reports(
            data["reports"], actor=request.user, assignee=data["assignee"], reason=data["reason"]
        )
        return self._queue_states(reports)

    @extend_schema(request=s.BulkDeferSerializer, responses={200: s.BulkResultSerializer})
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk/defer",
        permission_classes=[*ACTION_PERMISSIONS, requires("intelligence.evaluate_report")],
    )
    def bulk_defer(self, request):
        """Evaluate later: reports awaiting evaluation leave the queue's default view until the
        day given (null: back now); who deferred them is kept. All or nothing."""
        data = self.parse(s.BulkDeferSerializer)
        reports = defer_reports(
            data["reports"], actor=request.user, until=data["until"], reason=data["reason"]
        )
        return self._queue_states(reports)

    @extend_schema(
        request=s.BulkExportSerializer,
        parameters=[_JUSTIFICATION],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="The reports named, as the list export writes them (CSV).",
            ),
            428: OpenApiResponse(description=JustificationRequired.default_detail),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="bulk/export",
        permission_classes=[*ACTION_PERMISSIONS, requires("intelligence.view_report")],
    )
    def bulk_export(self, request):
        """The reports named, as CSV with the list export's columns (an export event names
        them). A report missing or outside your compartments refuses the request (400)."""
        if not justification_in_force():
            raise JustificationRequired()
        data = self.parse(s.BulkExportSerializer)
        queryset, missing = selectors.selected_reports(request.user, data["reports"])
        if missing:
            for pk in missing:
                audit.record_denied(
                    object_type="intelligence.report",
                    object_id=pk,
                    reason="not found or outside the user's compartments",
                )
            raise ValidationError({"reports": [f"Report {pk}: not found." for pk in missing]})
        return export_queryset(
            exports.reports(queryset, request.user),
            columns=exports.REPORT_COLUMNS,
            stem="reports-selected",
            object_type="intelligence.report",
            filters={"selected": [str(pk) for pk in dict.fromkeys(data["reports"])]},
        )

    @extend_schema(
        parameters=[
            _JUSTIFICATION,
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=SuggestionStatus.values,
                description="Only the suggestions in this state (open, linked or dismissed).",
            ),
        ],
        responses={200: s.MentionSuggestionSerializer(many=True)},
    )
    @action(detail=True, methods=["get"], url_path="suggestions", pagination_class=_EntryOrder)
    def suggestions(self, request, pk=None):
        """The people, vehicles and places the report's author says it mentions, in the
        order entered, a page at a time. The same reach as the report page: its author and those who
        may link entities to it read them; anyone else who sees the report gets an empty list.
        The ids returned are logged as a list consultation."""
        report = self.get_object()
        wanted = request.query_params.get("status", "")
        if wanted and wanted not in SuggestionStatus.values:
            raise ValidationError(
                {
                    "status": [
                        _("Choose one of: %(choices)s.")
                        % {"choices": ", ".join(SuggestionStatus.values)}
                    ]
                }
            )
        user = request.user
        queryset = MentionSuggestion.objects.none()
        if not report.is_erased and (
            report.submitted_by_id == user.pk or user.has_perm("intelligence.change_report")
        ):
            queryset = MentionSuggestion.objects.visible_to(user).filter(report=report)
            if wanted:
                queryset = queryset.filter(status=wanted)
        # Cursor-paginated like every list of the API, in the order the author entered them.
        rows = self.paginate_queryset(queryset) or []
        audit.consultation(
            Action.LIST,
            object_type=MentionSuggestion._meta.label_lower,
            ids=[row.pk for row in rows],
            details={"report": str(report.pk), "filters": {"status": wanted} if wanted else {}},
        )
        return self.get_paginated_response(s.MentionSuggestionSerializer(rows, many=True).data)

    def _suggestion(self, report: Report, suggestion_pk: str) -> MentionSuggestion:
        # Through the report (already checked visible): another report's suggestion is a 404.
        suggestion = (
            MentionSuggestion.objects.visible_to(self.request.user)
            .filter(report=report, pk=suggestion_pk)
            .first()
        )
        if suggestion is None:
            raise Http404
        return suggestion

    @extend_schema(request=s.SuggestionLinkSerializer, responses={201: s.ReportEntitySerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"suggestions/(?P<suggestion_pk>[0-9]{1,18})/link",
        permission_classes=[*ACTION_PERMISSIONS, requires("intelligence.change_report")],
    )
    def link_suggestion(self, request, pk=None, suggestion_pk=None):
        """Link the entity made (or found) for one of the author's suggestions to the report;
        the suggestion is marked linked to it."""
        report = self.get_object()
        suggestion = self._suggestion(report, suggestion_pk)
        serializer = s.SuggestionLinkSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        link = self.write(
            lambda: link_suggested_entity(
                suggestion,
                data["entity"],
                actor=request.user,
                subject_category=data["subject_category"],
                is_assessment=data["is_assessment"],
            )
        )
        return Response(s.ReportEntitySerializer(link).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: s.MentionSuggestionSerializer})
    @action(
        detail=True,
        methods=["post"],
        url_path=r"suggestions/(?P<suggestion_pk>[0-9]{1,18})/dismiss",
        permission_classes=[*ACTION_PERMISSIONS, requires("intelligence.change_report")],
    )
    def dismiss_suggestion(self, request, pk=None, suggestion_pk=None):
        """The suggestion needs no entity (already known, not relevant)."""
        report = self.get_object()
        suggestion = self._suggestion(report, suggestion_pk)
        suggestion = self.write(lambda: dismiss_suggestion(suggestion, actor=request.user))
        return Response(s.MentionSuggestionSerializer(suggestion).data)


@extend_schema(tags=["intelligence"])
class SourceViewSet(RestrictedViewSetMixin, viewsets.ModelViewSet):
    """Sources; identity fields and the handler are null unless you may see the identity."""

    queryset = Source.objects.select_related("compartment", "handler")
    serializer_class = s.SourceSerializer
    filterset_class = SourceFilter
    http_method_names = WRITE_METHODS

    def get_serializer_class(self):
        return s.SourceDetailSerializer if self.action == "retrieve" else s.SourceSerializer

    def _respond(self, source, code=status.HTTP_200_OK):
        return Response(
            s.SourceSerializer(source, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(request=s.SourceWriteSerializer, responses={201: s.SourceSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.SourceWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        source = self.write(
            lambda: register_source(actor=request.user, data=dict(serializer.validated_data))
        )
        return self._respond(source, status.HTTP_201_CREATED)

    @extend_schema(request=s.SourceWriteSerializer, responses={200: s.SourceSerializer})
    def partial_update(self, request, *args, **kwargs):
        source = self.get_object()
        serializer = s.SourceWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        source = self.write(
            lambda: update_source(source, actor=request.user, data=dict(serializer.validated_data))
        )
        return self._respond(source)

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):
        return self.http_method_not_allowed(request, *args, **kwargs)


@extend_schema(tags=["intelligence"])
class EntityViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Entities. Lists leave out entities merged into another; ``?q=`` matches names and
    identifiers."""

    json_only_actions = ("create", "partial_update")
    queryset = Entity.objects.select_related("compartment").prefetch_related("identifiers")
    serializer_class = s.EntitySerializer
    filterset_class = EntityFilter

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.current() if self.action == "list" else queryset

    @extend_schema(parameters=[_kind_parameter(EntityKind)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(
        request=s.EntityWriteSerializer,
        responses={
            201: s.EntitySerializer,
            409: OpenApiResponse(
                s.DuplicateResponseSerializer,
                description="Probable duplicates exist: offered in `duplicates`; send "
                "`allow_duplicate: true` to create anyway.",
            ),
        },
    )
    def create(self, request, *args, **kwargs):
        serializer = s.EntityWriteSerializer(
            data=request.data, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        identifiers = [(i["kind"], i["value"]) for i in data.pop("identifiers", [])]
        allow = data.pop("allow_duplicate", False)
        try:
            entity = self.write(
                lambda: create_entity(
                    actor=request.user, data=data, identifiers=identifiers, allow_duplicate=allow
                )
            )
        except DuplicateEntity as exc:
            from audit import services as audit
            from audit.choices import Action

            audit.consultation(
                Action.SEARCH,
                object_type="intelligence.entity",
                ids=[c.pk for c in exc.candidates],
                query=f"duplicate check: {data['kind']}",
                count=len(exc.candidates),
            )
            return Response(
                {
                    "detail": _(
                        "Probable duplicates exist; link to one of them, or send "
                        "allow_duplicate: true to create a new entity anyway."
                    ),
                    "duplicates": s.EntitySerializer(exc.candidates, many=True).data,
                },
                status=status.HTTP_409_CONFLICT,
            )
        entity = self.get_queryset().get(pk=entity.pk)
        return Response(self.get_serializer(entity).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.MergeSerializer, responses={200: s.EntitySerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[*ACTION_PERMISSIONS, requires("intelligence.merge_entity")],
    )
    def merge(self, request, pk=None):
        """Fold ``other`` into this entity: every report and link moves here."""
        keeper = self.get_object()
        serializer = s.MergeSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        self.write(
            lambda: merge_entities(
                keeper,
                serializer.validated_data["other"],
                actor=request.user,
                reason=serializer.validated_data["reason"],
            )
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=keeper.pk)).data)


@extend_schema(tags=["intelligence"])
class LinkViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Links between entities, with their strength and the reports they rest on."""

    queryset = Link.objects.select_related("compartment").prefetch_related("reports")
    serializer_class = s.LinkSerializer
    filterset_class = LinkFilter

    @extend_schema(parameters=[_kind_parameter(LinkKind)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(request=s.LinkWriteSerializer, responses={201: s.LinkSerializer})
    def create(self, request, *args, **kwargs):
        serializer = s.LinkWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        link = self.write(
            lambda: create_link(
                actor=request.user,
                from_entity=data["from_entity"],
                to_entity=data["to_entity"],
                kind=data["kind"],
                strength=data["strength"],
                reports=data.get("reports", []),
                note=data["note"],
                compartment=data.get("compartment"),
            )
        )
        link = self.get_queryset().get(pk=link.pk)
        return Response(self.get_serializer(link).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["intelligence"])
class IncidentViewSet(RestrictedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """Recorded incidents; filter ``?reference=``, ``?crime_type=``, dates."""

    queryset = Incident.objects.select_related("crime_type", "compartment")
    serializer_class = s.IncidentSerializer
    filterset_class = IncidentFilter

    @extend_schema(request=s.IncidentSerializer, responses={201: s.IncidentSerializer})
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        incident = self.write(
            lambda: record_incident(actor=request.user, data=dict(serializer.validated_data))
        )
        return Response(self.get_serializer(incident).data, status=status.HTTP_201_CREATED)
