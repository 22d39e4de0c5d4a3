"""API viewsets for tasking. Restriction, justification and consultation logging come from the
base mixin; writes go through ``tasking.services``; a change the record's state forbids (a
closed meeting, a decided priority) answers 409 with the reason."""

from __future__ import annotations

from django.db.models import Prefetch
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from analysis.models import Product
from audit import services as audit
from audit.choices import Action
from ilp_platform.web.api import RestrictedViewSetMixin, requires
from ilp_platform.web.filters import RestrictedAPIFilterSet, StrictBooleanFilter
from intelligence.models import Report
from tasking import exports, selectors, services
from tasking.api import serializers as s
from tasking.filters import DecisionFilter
from tasking.models import (
    Decision,
    ExtensionRequest,
    Meeting,
    Priority,
    Requirement,
    RequirementAnswer,
    Tasking,
)

WRITE_METHODS = ["get", "post", "patch", "head", "options"]


def visible_prefetch(user, relation: str, model) -> Prefetch:
    """Linked evidence narrowed to what ``user`` may see, in one query for the whole page."""
    return Prefetch(
        relation,
        queryset=model.objects.visible_to(user).only("pk"),
        to_attr=f"visible_{relation}",
    )


class TaskingViewSetMixin(RestrictedViewSetMixin):
    """Service calls inside a transaction, re-checking visibility; state conflicts are 409.

    ``evidence`` lists (relation, model) pairs prefetched as ``visible_<relation>``."""

    evidence: tuple = ()
    writes_may_conflict = True  # StateConflict from the services: 409

    def get_queryset(self):
        queryset = super().get_queryset()
        user = self.request.user
        return queryset.prefetch_related(
            *(visible_prefetch(user, relation, model) for relation, model in self.evidence)
        )

    def respond(self, obj, code=status.HTTP_200_OK, serializer_class=None):
        obj = self.get_queryset().get(pk=obj.pk)
        serializer_class = serializer_class or self.get_serializer_class()
        return Response(
            serializer_class(obj, context=self.get_serializer_context()).data, status=code
        )

    @extend_schema(exclude=True)
    def update(self, request, *args, **kwargs):  # PUT is not offered: use PATCH
        return self.http_method_not_allowed(request, *args, **kwargs)


_CONFLICT = OpenApiResponse(description="The record's state forbids this (the reason is given).")


@extend_schema(tags=["tasking"])
class MeetingViewSet(TaskingViewSetMixin, viewsets.ModelViewSet):
    """Tasking meetings: plan, open (builds the agenda), close (locks the minutes)."""

    queryset = Meeting.objects.select_related("compartment", "chair").prefetch_related("attendees")
    serializer_class = s.MeetingSerializer
    http_method_names = WRITE_METHODS

    @extend_schema(request=s.MeetingWriteSerializer, responses={201: s.MeetingSerializer})
    def create(self, request, *args, **kwargs):
        data = self.parse(s.MeetingWriteSerializer)
        attendees = data.pop("attendees", [])
        meeting = self.write(
            lambda: services.create_meeting(actor=request.user, data=data, attendees=attendees)
        )
        return self.respond(meeting, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.MeetingWriteSerializer, responses={200: s.MeetingSerializer, 409: _CONFLICT}
    )
    def partial_update(self, request, *args, **kwargs):
        meeting = self.get_object()
        data = self.parse(s.MeetingWriteSerializer, partial=True)
        attendees = data.pop("attendees", None)
        self.write(
            lambda: services.update_meeting(
                meeting, actor=request.user, data=data, attendees=attendees
            )
        )
        return self.respond(meeting)

    @extend_schema(request=None, responses={200: s.MeetingSerializer, 409: _CONFLICT})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated, requires("tasking.change_meeting")],
    )
    def open(self, request, pk=None):
        """Open the meeting; its agenda is built now and kept as a snapshot."""
        meeting = self.get_object()
        self.write(lambda: services.open_meeting(meeting, actor=request.user))
        return self.respond(meeting)

    @extend_schema(request=None, responses={200: s.MeetingSerializer, 409: _CONFLICT})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated, requires("tasking.change_meeting")],
    )
    def close(self, request, pk=None):
        """Close the meeting; its decisions become read-only."""
        meeting = self.get_object()
        self.write(lambda: services.close_meeting(meeting, actor=request.user))
        return self.respond(meeting)

    @extend_schema(responses={200: s.AgendaSerializer})
    @action(detail=True, methods=["get"])
    def agenda(self, request, pk=None):
        """The agenda: live before the meeting opens, the stored snapshot afterwards (items you
        may not see are left out)."""
        meeting = self.get_object()
        agenda = selectors.agenda_for(meeting, request.user)
        audit.consultation(
            Action.VIEW,
            obj=meeting,
            details={"part": "agenda", "live": agenda.live, **exports.agenda_ids(agenda)},
        )
        return Response(
            {
                "live": agenda.live,
                "built_at": agenda.built_at,
                "since": agenda.since,
                "sections": agenda.sections,
                "coverage": agenda.coverage,
            }
        )

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "as", OpenApiTypes.STR, enum=["pdf", "html"], description="Default pdf."
            )
        ],
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (200, "text/html"): OpenApiTypes.STR,
        },
    )
    @action(
        detail=True,
        methods=["get"],
        permission_classes=[permissions.IsAuthenticated, requires("tasking.view_decision")],
    )
    def minutes(self, request, pk=None):
        """The minutes (decisions you may see) as PDF, marked on every page, or HTML."""
        meeting = self.get_object()
        fmt = request.query_params.get("as") or "pdf"
        if fmt not in ("pdf", "html"):
            raise exceptions.ValidationError(
                {
                    "as": [
                        _("“%(value)s” is not one of the accepted values: pdf, html.")
                        % {"value": fmt}
                    ]
                }
            )
        body, content_type, filename = exports.minutes(meeting, request.user, fmt)
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


@extend_schema(tags=["tasking"])
class PriorityViewSet(TaskingViewSetMixin, viewsets.ModelViewSet):
    """Priorities, candidates ranked by score; approve or reject at an open meeting."""

    queryset = Priority.objects.select_related(
        "compartment", "crime_type", "proposed_by", "decided_by"
    )
    evidence = (("evidence_products", Product),)
    serializer_class = s.PrioritySerializer
    http_method_names = WRITE_METHODS
    filterset_fields = ["status", "subject_kind"]

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.ranked() if self.action == "list" else queryset

    @extend_schema(request=s.PriorityWriteSerializer, responses={201: s.PrioritySerializer})
    def create(self, request, *args, **kwargs):
        data = self.parse(s.PriorityWriteSerializer)
        products = data.pop("evidence_products", [])
        matrix = data.pop("matrix", None)
        inputs = data.pop("score_inputs", None)
        priority = self.write(
            lambda: services.propose_priority(
                actor=request.user,
                data=data,
                evidence_products=products,
                matrix=matrix,
                inputs=inputs,
            )
        )
        return self.respond(priority, status.HTTP_201_CREATED)

    @extend_schema(request=s.PriorityWriteSerializer, responses={200: s.PrioritySerializer})
    def partial_update(self, request, *args, **kwargs):
        priority = self.get_object()
        data = self.parse(s.PriorityWriteSerializer, partial=True)
        products = data.pop("evidence_products", None)
        for name in ("matrix", "score_inputs"):
            if name in data:
                raise exceptions.ValidationError({name: [_("Score with POST .../score/.")]})
        self.write(
            lambda: services.update_priority(
                priority, actor=request.user, data=data, evidence_products=products
            )
        )
        return self.respond(priority)

    @extend_schema(request=s.ScoreSerializer, responses={200: s.PrioritySerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated, requires("tasking.change_priority")],
    )
    def score(self, request, pk=None):
        """Score on a matrix; the answer shows how the score was reached."""
        from tasking import scoring

        priority = self.get_object()
        data = self.parse(s.ScoreSerializer)
        self.write(
            lambda: services.score_priority(
                priority,
                actor=request.user,
                matrix=data.get("matrix") or scoring.default_matrix_key(),
                inputs=data["inputs"],
            )
        )
        return self.respond(priority)

    def _decide(self, request, approve: bool):
        priority = self.get_object()
        data = self.parse(s.PriorityDecisionSerializer)
        self.write(
            lambda: (
                services.decide_priority(
                    priority,
                    actor=request.user,
                    meeting=data["meeting"],
                    approve=approve,
                    rationale=data["rationale"],
                    review_due=data.get("review_due"),
                    evidence_reports=data.get("evidence_reports", []),
                ).priority
            )
        )
        return self.respond(priority)

    @extend_schema(
        request=s.PriorityDecisionSerializer, responses={200: s.PrioritySerializer, 409: _CONFLICT}
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated, requires("tasking.approve_priority")],
    )
    def approve(self, request, pk=None):
        """Approve a scored candidate at an open meeting (not your own candidate)."""
        return self._decide(request, True)

    @extend_schema(
        request=s.PriorityDecisionSerializer, responses={200: s.PrioritySerializer, 409: _CONFLICT}
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated, requires("tasking.approve_priority")],
    )
    def reject(self, request, pk=None):
        """Reject a candidate at an open meeting (not your own candidate)."""
        return self._decide(request, False)


@extend_schema(tags=["tasking"])
class RequirementViewSet(TaskingViewSetMixin, viewsets.ModelViewSet):
    """Intelligence requirements and the reports that answer them."""

    queryset = Requirement.objects.select_related(
        "compartment", "assigned_to", "assigned_unit", "raised_by"
    )
    serializer_class = s.RequirementSerializer
    http_method_names = WRITE_METHODS
    filterset_fields = ["status", "priority"]

    def get_queryset(self):
        reports = Report.objects.visible_to(self.request.user).values("pk")
        return (
            super()
            .get_queryset()
            .prefetch_related(
                Prefetch(
                    "answers",
                    queryset=RequirementAnswer.objects.filter(report__in=reports),
                    to_attr="visible_answers",
                )
            )
        )

    @extend_schema(request=s.RequirementWriteSerializer, responses={201: s.RequirementSerializer})
    def create(self, request, *args, **kwargs):
        data = self.parse(s.RequirementWriteSerializer)
        meeting = data.pop("meeting", None)
        requirement = self.write(
            lambda: services.raise_requirement(actor=request.user, data=data, meeting=meeting)
        )
        return self.respond(requirement, status.HTTP_201_CREATED)

    @extend_schema(request=s.RequirementWriteSerializer, responses={200: s.RequirementSerializer})
    def partial_update(self, request, *args, **kwargs):
        requirement = self.get_object()
        data = self.parse(s.RequirementWriteSerializer, partial=True)
        data.pop("meeting", None)
        self.write(lambda: services.update_requirement(requirement, actor=request.user, data=data))
        return self.respond(requirement)

    @extend_schema(request=s.AnswerSerializer, responses={201: s.RequirementSerializer})
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated, requires("tasking.answer_requirement")],
    )
    def answer(self, request, pk=None):
        """Mark a report as answering this requirement."""
        requirement = self.get_object()
        data = self.parse(s.AnswerSerializer)
        self.write(
            lambda: (
                services.answer_requirement(
                    requirement,
                    actor=request.user,
                    report=data["report"],
                    note=data.get("note", ""),
                ).requirement
            )
        )
        return self.respond(requirement, status.HTTP_201_CREATED)


class TaskingFilter(RestrictedAPIFilterSet):
    mine = StrictBooleanFilter(
        method="filter_mine", help_text="Only taskings owned by me or my unit."
    )
    overdue = StrictBooleanFilter(
        method="filter_overdue", help_text="Only open taskings past their due date."
    )

    class Meta:
        model = Tasking
        fields = ["status", "priority", "strand", "mine", "overdue"]

    def filter_mine(self, queryset, name, value):
        return queryset.owned_by(self.reader) if value else queryset

    def filter_overdue(self, queryset, name, value):
        return queryset.overdue() if value else queryset


@extend_schema(tags=["tasking"])
class TaskingViewSet(TaskingViewSetMixin, viewsets.ModelViewSet):
    """Taskings; an officer sees those owned by them or their unit. Filter ``?mine=true``,
    ``?overdue=true``, ``?status=``."""

    queryset = Tasking.objects.select_related("compartment", "owner_user", "owner_unit")
    evidence = (("cited_reports", Report), ("cited_products", Product))
    serializer_class = s.TaskingSerializer
    http_method_names = WRITE_METHODS
    filterset_class = TaskingFilter

    @extend_schema(request=s.TaskingWriteSerializer, responses={201: s.TaskingSerializer})
    def create(self, request, *args, **kwargs):
        data = self.parse(s.TaskingWriteSerializer)
        meeting = data.pop("meeting", None)
        tasking = self.write(
            lambda: services.create_tasking(actor=request.user, data=data, meeting=meeting)
        )
        return self.respond(tasking, status.HTTP_201_CREATED)

    @extend_schema(request=s.TaskingWriteSerializer, responses={200: s.TaskingSerializer})
    def partial_update(self, request, *args, **kwargs):
        tasking = self.get_object()
        data = self.parse(s.TaskingWriteSerializer, partial=True)
        data.pop("meeting", None)
        self.write(lambda: services.update_tasking(tasking, actor=request.user, data=data))
        return self.respond(tasking)

    @extend_schema(
        request=s.CompleteSerializer, responses={200: s.TaskingSerializer, 409: _CONFLICT}
    )
    @action(
        detail=True,
        methods=["post"],
        permission_classes=[permissions.IsAuthenticated, requires("tasking.view_tasking")],
    )
    def complete(self, request, pk=None):
        """Report the result (the owner, or a manager), citing reports and products."""
        tasking = self.get_object()
        data = self.parse(s.CompleteSerializer)
        self.write(
            lambda: services.complete_tasking(
                tasking,
                actor=request.user,
                result=data["result"],
                cited_reports=data.get("cited_reports", []),
                cited_products=data.get("cited_products", []),
            )
        )
        return self.respond(tasking)

    @extend_schema(methods=["GET"], request=None, responses={200: s.ExtensionRequestListSerializer})
    @extend_schema(
        methods=["POST"],
        request=s.ExtensionAskSerializer,
        responses={201: s.ExtensionRequestSerializer, 409: _CONFLICT},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="extension-requests",
        permission_classes=[permissions.IsAuthenticated, requires("tasking.view_tasking")],
        pagination_class=None,  # the whole list, as the schema says (a tasking has a few)
    )
    def extension_requests(self, request, pk=None):
        """The tasking's requests for more time (GET); its owner asks for more time (POST:
        a new deadline after the current one and not past, and why)."""
        tasking = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            items = list(
                ExtensionRequest.objects.visible_to(request.user)
                .filter(tasking=tasking)
                .select_related("requested_by", "decided_by")
            )
            audit.consultation(
                Action.LIST,
                object_type="tasking.extensionrequest",
                ids=[item.pk for item in items],
                details={"tasking": tasking.pk},
            )
            listed = s.ExtensionRequestSerializer(items, many=True, context=context).data
            return Response({"results": listed})
        data = self.parse(s.ExtensionAskSerializer)
        asked = self.write(
            lambda: services.request_extension(
                tasking, actor=request.user, due_date=data["due_date"], reason=data["reason"]
            )
        )
        return Response(
            s.ExtensionRequestSerializer(asked, context=context).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        request=s.ExtensionDecisionSerializer,
        responses={200: s.ExtensionRequestSerializer, 409: _CONFLICT},
        parameters=[OpenApiParameter("request_pk", OpenApiTypes.INT, OpenApiParameter.PATH)],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"extension-requests/(?P<request_pk>[0-9]+)/decide",
        permission_classes=[permissions.IsAuthenticated, requires("tasking.change_tasking")],
    )
    def decide_extension(self, request, pk=None, request_pk=None):
        """A manager grants (the deadline moves) or refuses (with a note) a request for more
        time; nobody decides their own."""
        tasking = self.get_object()
        extension = (
            ExtensionRequest.objects.visible_to(request.user)
            .filter(tasking=tasking, pk=request_pk)
            .first()
        )
        if extension is None:
            audit.record_denied(
                object_type="tasking.extensionrequest",
                object_id=request_pk,
                reason="not found or outside the user's compartments",
            )
            raise exceptions.NotFound
        data = self.parse(s.ExtensionDecisionSerializer)
        decided = self.write(
            lambda: services.decide_extension(
                extension,
                actor=request.user,
                grant=data["decision"] == "grant",
                note=data.get("decision_note", ""),
            )
        )
        return Response(
            s.ExtensionRequestSerializer(decided, context=self.get_serializer_context()).data
        )


@extend_schema(tags=["tasking"])
class DecisionViewSet(TaskingViewSetMixin, viewsets.ModelViewSet):
    """The decision log. ``?q=`` searches decision and rationale; filter ``meeting``,
    ``subject_kind``, ``decided_by``. Read-only once the meeting closes (409)."""

    queryset = Decision.objects.select_related("compartment", "decided_by", "meeting")
    evidence = (("evidence_products", Product), ("evidence_reports", Report))
    serializer_class = s.DecisionSerializer
    http_method_names = WRITE_METHODS
    filterset_class = DecisionFilter

    @extend_schema(
        request=s.DecisionWriteSerializer, responses={201: s.DecisionSerializer, 409: _CONFLICT}
    )
    def create(self, request, *args, **kwargs):
        data = self.parse(s.DecisionWriteSerializer)
        meeting = data.pop("meeting")
        products = data.pop("evidence_products", [])
        reports = data.pop("evidence_reports", [])
        if data.get("compartment") is None:
            data.pop("compartment", None)
        decision = self.write(
            lambda: services.record_decision(
                meeting,
                actor=request.user,
                data=data,
                evidence_products=products,
                evidence_reports=reports,
            )
        )
        return self.respond(decision, status.HTTP_201_CREATED)

    @extend_schema(
        request=s.DecisionCorrectionSerializer,
        responses={200: s.DecisionSerializer, 409: _CONFLICT},
    )
    def partial_update(self, request, *args, **kwargs):
        decision = self.get_object()
        data = self.parse(s.DecisionCorrectionSerializer, partial=True)
        self.write(lambda: services.update_decision(decision, actor=request.user, data=data))
        return self.respond(decision)
